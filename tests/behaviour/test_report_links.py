"""The report files behind the summaries' public links: served over HTTP to holders of a
signed, unexpired link, and nothing else in the data directory to anyone."""

import os
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from aiohttp import ClientSession
from yarl import URL

from bot.files import serve_files
from bot.http import HttpServer
from services.completions import store_file
from services.file_links import (
    KEY_FILE,
    LINK_LIFETIME,
    FileLinks,
    KeyFileError,
    forget_keys,
    load_key,
)

NOW = datetime(2023, 11, 20, 0, 30, tzinfo=UTC)
CHART = "weekly-2023-W47-all-vi.png"
SHEET = "weekly-2023-W47-all-vi.xlsx"


class Served:
    """A data directory with a chart and a spreadsheet, served at `base`."""

    def __init__(self, data_dir: Path, http: HttpServer, clock: list[datetime]) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.base = f"{http.url}/files"
        self.links = FileLinks.of(data_dir, base_url=self.base)

    async def get(self, url: str | URL) -> tuple[int, bytes, dict[str, str]]:
        async with ClientSession() as client, client.get(url) as response:
            return response.status, await response.read(), dict(response.headers)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / CHART).write_bytes(b"\x89PNG chart")
    (data_dir / SHEET).write_bytes(b"PK spreadsheet")
    (tmp_path / "secret.xlsx").write_bytes(b"outside the data directory")
    clock = [NOW]
    http = HttpServer(host="127.0.0.1", port=0)
    serve_files(http, data_dir=data_dir, clock=lambda: clock[0])
    await http.start()
    try:
        yield Served(data_dir, http, clock)
    finally:
        await http.stop()


async def test_a_signed_link_serves_the_file_with_its_type(served: Served) -> None:
    status, body, headers = await served.get(served.links.url(CHART, now=NOW))
    assert (status, body) == (200, b"\x89PNG chart")
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, body, headers = await served.get(served.links.url(SHEET, now=NOW))
    assert (status, body) == (200, b"PK spreadsheet")
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert headers["Content-Disposition"] == f'attachment; filename="{SHEET}"'


async def test_a_link_works_until_it_expires(served: Served) -> None:
    url = served.links.url(CHART, now=NOW)
    served.clock[0] = NOW + LINK_LIFETIME - timedelta(minutes=1)
    assert (await served.get(url))[0] == 200
    served.clock[0] = NOW + LINK_LIFETIME + timedelta(minutes=1)
    status, body, _ = await served.get(url)
    assert status == 403 and b"chart" not in body
    # Whoever opened it is told why, in Vietnamese and in English.
    page = body.decode()
    assert "đã hết hạn" in page and "has expired" in page


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: url.split("?")[0],  # no signature at all
        lambda url: url[:-1] + ("0" if url[-1] != "0" else "1"),  # a wrong signature
        lambda url: url.replace("?e=", "?e=9"),  # a later expiry than was signed
        lambda url: url.replace(CHART, SHEET),  # another file's name
        lambda url: url.replace("&s=", "&s=x&s="),
    ],
)
async def test_a_link_that_was_not_signed_as_it_stands_is_refused(
    served: Served, tamper: object
) -> None:
    url = tamper(served.links.url(CHART, now=NOW))  # type: ignore[operator]
    status, body, _ = await served.get(url)
    assert status == 403
    assert b"PNG" not in body and b"PK" not in body


async def test_another_keys_links_are_refused(served: Served) -> None:
    stranger = FileLinks(os.urandom(32), base_url=served.base)
    assert (await served.get(stranger.url(CHART, now=NOW)))[0] == 403


@pytest.mark.parametrize(
    "name",
    [
        KEY_FILE,  # the key itself
        "..%2Fsecret.xlsx",  # out of the directory
        "%2E%2E/secret.xlsx",
        "sub/other.png",
        "notes.txt",  # not a report file
        "",
    ],
)
async def test_nothing_but_report_files_in_the_directory_is_served(
    served: Served, name: str
) -> None:
    # Even with a link signed for exactly the name the server sees, sent as written.
    link = served.links.url(unquote(name), now=NOW)
    query = link.partition("?")[2]
    status, body, _ = await served.get(URL(f"{served.base}/{name}?{query}", encoded=True))
    assert status == 404, status
    assert b"outside" not in body and served.data_dir.joinpath(KEY_FILE).read_bytes() not in body


async def test_a_valid_link_to_a_file_no_longer_kept_is_not_found(served: Served) -> None:
    url = served.links.url(CHART, now=NOW)
    (served.data_dir / CHART).unlink()
    assert (await served.get(url))[0] == 404


async def test_only_get_is_served(served: Served) -> None:
    async with ClientSession() as client, client.post(served.links.url(CHART, now=NOW)) as r:
        assert r.status == 405


async def test_head_answers_as_get_without_the_body(served: Served) -> None:
    url = served.links.url(CHART, now=NOW)
    async with ClientSession() as client, client.head(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        assert await response.read() == b""


async def test_a_signature_out_of_its_alphabet_is_refused_not_an_error(served: Served) -> None:
    url = served.links.url(CHART, now=NOW).split("&s=")[0]
    for signature in ("%C3%A9", "%00", "%F0%9F%98%80" * 8):
        status, _, _ = await served.get(URL(f"{url}&s={signature}", encoded=True))
        assert status == 403


async def test_a_link_in_the_directory_to_a_file_elsewhere_is_not_followed(
    served: Served, tmp_path: Path
) -> None:
    elsewhere = "weekly-2023-W46-all-vi.png"  # a report's name, but a link
    (served.data_dir / elsewhere).symlink_to(tmp_path / "secret.xlsx")
    status, body, _ = await served.get(served.links.url(elsewhere, now=NOW))
    assert status == 404 and b"outside" not in body


async def test_the_file_signed_is_the_file_served_whatever_lies_beside_it(
    served: Served,
) -> None:
    # A static file server would swap in a compressed sibling for a client that takes gzip.
    (served.data_dir / f"{CHART}.gz").write_bytes(b"something else")
    url = served.links.url(CHART, now=NOW)
    async with (
        ClientSession(auto_decompress=False) as client,
        client.get(url, headers={"Accept-Encoding": "gzip"}) as response,
    ):
        assert await response.read() == b"\x89PNG chart"


def test_the_key_is_made_once_for_its_owner_only_and_then_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    key = load_key(data_dir)
    assert len(key) == 32
    mode = stat.S_IMODE((data_dir / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert load_key(data_dir) == key
    assert [p.name for p in data_dir.iterdir()] == [KEY_FILE]  # no temporary file left
    link = FileLinks(key, base_url="https://f.example.vn/files").url(CHART, now=NOW)
    again = FileLinks.of(data_dir)
    expires, signature = link.split("?e=")[1].split("&s=")
    assert again.admits(CHART, expires=expires, signature=signature, now=NOW)


def test_a_damaged_key_file_says_what_to_do(tmp_path: Path) -> None:
    key = tmp_path / KEY_FILE
    key.write_text("not hex")
    key.chmod(0o600)
    with pytest.raises(KeyFileError, match="delete it"):
        load_key(tmp_path)


def test_a_key_others_can_read_or_a_link_in_its_place_is_refused(tmp_path: Path) -> None:
    readable = tmp_path / "readable"
    readable.mkdir()
    (readable / KEY_FILE).write_text("ab" * 32)
    (readable / KEY_FILE).chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_key(readable)
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / KEY_FILE).symlink_to(readable / KEY_FILE)
    with pytest.raises(KeyFileError, match="plain file"):
        load_key(linked)


def test_one_process_keeps_one_key_until_it_restarts(tmp_path: Path) -> None:
    # Deleting the key voids the links only once every instance has restarted: until then
    # the summaries sign, and the server checks, with the key it read.
    first = load_key(tmp_path)
    (tmp_path / KEY_FILE).unlink()
    assert load_key(tmp_path) == first
    forget_keys()
    assert load_key(tmp_path) != first


@pytest.mark.parametrize("expires", ["", "-1", "1e9", "9" * 40, "１２３"])
def test_garbage_expiries_are_refused_without_error(expires: str) -> None:
    links = FileLinks(b"k" * 32)
    assert not links.admits(CHART, expires=expires, signature="0" * 32, now=NOW)


async def test_an_evidence_file_is_served_only_against_its_signed_link(served: Served) -> None:
    stored = store_file(
        served.data_dir, report_id=12, name="Báo cáo kết quả.pdf", content=b"%PDF result"
    )
    assert stored is not None and stored.startswith("evidence-12-")
    status, body, headers = await served.get(served.links.url(stored, now=NOW))
    unsigned, _, _ = await served.get(f"{served.base}/{stored}")
    other, _, _ = await served.get(served.links.url("evidence-12-0000000000000000.pdf", now=NOW))
    assert (status, body, headers["Content-Type"]) == (200, b"%PDF result", "application/pdf")
    assert headers["Content-Disposition"] == f'attachment; filename="{stored}"'
    assert unsigned == 403 and other == 404
    assert store_file(served.data_dir, report_id=12, name="script.sh", content=b"x") is None


async def test_item17_a_report_with_a_second_name_is_not_served(
    served: Served, tmp_path: Path
) -> None:
    # Whoever can write in the folder could name a file of theirs as a report.
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG someone else's")
    linked = "weekly-2023-W46-all-vi.png"
    os.link(outside, served.data_dir / linked)
    status, body, _ = await served.get(served.links.url(linked, now=NOW))
    assert status == 404 and b"someone" not in body
