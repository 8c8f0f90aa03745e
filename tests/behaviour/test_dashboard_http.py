"""The dashboard over HTTP: who gets in, what every answer carries, what nobody can reach.

The browser tests (test_dashboard_browser.py) walk the same pages in chromium; these check
the rules one request at a time with aiohttp's client.
"""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientResponse, ClientSession, CookieJar
from sqlmodel import select

from bot.dashboard import COOKIE
from domain.access import Role
from models.tables import DashboardGrant, Person
from services.dashboard.auth import LINK_LIFETIME, SESSION_LIFETIME
from services.unit_of_work import Sessions, transaction
from tests.builders import EVIDENCE_FILE, DashboardWorld, dashboard_world

PAGES = ["", "agency/{agency}", "plan/{plan}", "task/{task}", "pending"]


@pytest.fixture
async def city(sessions: Sessions, tmp_path: Path) -> AsyncIterator[DashboardWorld]:
    world = await dashboard_world(sessions, tmp_path)
    try:
        yield world
    finally:
        await world.stop()


def _page(city: DashboardWorld, page: str) -> str:
    return f"{city.base}/" + page.format(
        agency=city.world.agencies["STTTT"],
        plan=city.plans["40"],
        task=city.handles["blocked"],
    )


def _browser(**cookies: str) -> ClientSession:
    """A client that keeps cookies as a browser does (this server is at an IP address)."""
    jar = CookieJar(unsafe=True)
    jar.update_cookies(cookies)
    return ClientSession(cookie_jar=jar)


def _fields(page: str) -> dict[str, str]:
    """The hidden fields of the sign-in page's form."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


async def _press(client: ClientSession, link: str, **options: bool) -> ClientResponse:
    """Open a sign-in link and press its button, as a person does; the response (read)."""
    async with client.get(link) as opened:
        assert opened.status == 200, await opened.text()
        fields = _fields(await opened.text())
    response = await client.post(f"{link.split('/signin', 1)[0]}/signin", data=fields, **options)
    await response.read()
    return response


async def _signed_in(city: DashboardWorld, who: str) -> ClientSession:
    """A client holding `who`'s session cookie (the caller closes it)."""
    client = _browser()
    response = await _press(client, await city.link(who))
    assert response.status == 200, await response.text()
    assert str(response.url) == f"{city.base}/"
    return client


async def test_a_coordinator_signs_in_through_the_link_the_bot_sends(city: DashboardWorld) -> None:
    link = await city.link("coordinator")
    assert link.startswith(f"{city.base}/signin?")
    async with _browser() as client:
        response = await _press(client, link, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"] == "/dashboard/"
        cookie = response.headers["Set-Cookie"]
        async with client.get(f"{city.base}/") as response:
            page = await response.text()
    assert response.status == 200
    assert "Trần Thị Bình" in page and "Tổng quan" in page
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/dashboard" in cookie
    assert f"Max-Age={int(SESSION_LIFETIME.total_seconds())}" in cookie
    # Served over plain HTTP here, so the cookie cannot insist on HTTPS.
    assert "Secure" not in cookie


async def test_the_cookie_is_secure_when_the_dashboard_is_reached_over_https(
    sessions: Sessions, tmp_path: Path
) -> None:
    from bot.dashboard import DashboardConfig, serve_dashboard
    from bot.http import HttpServer

    city = await dashboard_world(sessions, tmp_path)
    # The same store behind a proxy that speaks HTTPS to browsers.
    behind = HttpServer(host="127.0.0.1", port=0)
    serve_dashboard(
        behind,
        sessions=sessions,
        config=DashboardConfig(
            base_url="https://dondoc.example.gov.vn/dashboard",
            data_dir=tmp_path,
            tz=city.world.settings.tz,
            calendar=city.world.settings.work_calendar(),
        ),
        clock=lambda: city.world.now,
    )
    await behind.start()
    try:
        link = await city.link("leader")
        async with _browser() as client:
            response = await _press(
                client, link.replace(city.base, f"{behind.url}/dashboard"), allow_redirects=False
            )
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    finally:
        await behind.stop()
        await city.stop()


async def test_an_officer_asking_for_the_dashboard_is_refused_politely(
    city: DashboardWorld,
) -> None:
    answer = await city.world.say(city.chats["officer"], "/dashboard")
    assert "dành cho điều phối viên và lãnh đạo" in answer
    assert "http" not in answer


@pytest.mark.parametrize("page", PAGES)
async def test_no_page_is_shown_without_a_session(city: DashboardWorld, page: str) -> None:
    async with _browser() as client, client.get(_page(city, page)) as response:
        body = await response.text()
    assert response.status == 401
    assert "/dashboard" in body and "Sở Xây dựng" not in body and "kinh phí" not in body
    # A made-up cookie is no session either.
    async with (
        _browser(**{COOKIE: "forged"}) as client,
        client.get(_page(city, page)) as response,
    ):
        assert response.status == 401


async def test_a_link_works_once(city: DashboardWorld) -> None:
    link = await city.link("leader")
    async with _browser() as client:
        assert (await _press(client, link)).status == 200
    async with _browser() as client, client.get(link) as response:
        body = await response.text()
    assert response.status == 403
    assert "đã được dùng" in body and "has been used" in body
    # Nor does its secret, sent again as the button would, sign anybody in.
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    async with _browser() as client:
        response = await client.post(f"{city.base}/signin", data=query)
        assert response.status == 403
        async with client.get(f"{city.base}/") as page:
            assert page.status == 401


async def test_opening_a_link_uses_nothing_until_its_button_is_pressed(
    city: DashboardWorld,
) -> None:
    # A chat's link preview fetches the link (and HEAD asks as GET does) before its owner.
    link = await city.link("coordinator")
    async with _browser() as preview:
        for _ in range(2):
            async with preview.get(link) as response:
                page = await response.text()
                assert response.status == 200 and "Set-Cookie" not in response.headers
            async with preview.head(link) as response:
                assert response.status == 200
        async with preview.get(f"{city.base}/") as response:
            assert response.status == 401
    assert 'method="post"' in page and "Mở bảng theo dõi" in page
    async with _browser() as owner:
        assert (await _press(owner, link)).status == 200


async def test_a_link_expires(city: DashboardWorld) -> None:
    link = await city.link("leader")
    async with _browser() as client, client.get(link) as response:
        fields = _fields(await response.text())
    city.world.later(seconds=LINK_LIFETIME.total_seconds() + 1)
    async with _browser() as client:
        async with client.get(link) as response:
            assert response.status == 403
        response = await client.post(f"{city.base}/signin", data=fields)
        assert response.status == 403


@pytest.mark.parametrize(
    "tamper",
    [
        lambda q: {**q, "s": ["0" * 32]},
        lambda q: {**q, "e": [str(int(q["e"][0]) + 3600)]},
        lambda q: {**q, "n": [q["n"][0][:-1] + ("A" if q["n"][0][-1] != "A" else "B")]},
        lambda q: {"n": q["n"]},
    ],
)
async def test_a_link_that_was_not_signed_as_it_stands_is_refused(
    city: DashboardWorld, tamper: object
) -> None:
    link = await city.link("coordinator")
    query = parse_qs(urlsplit(link).query)
    changed = tamper(query)  # type: ignore[operator]
    fields = {k: v[0] for k, v in changed.items()}
    async with _browser() as client:
        async with client.get(f"{city.base}/signin", params=fields) as response:
            assert response.status == 403
        response = await client.post(f"{city.base}/signin", data=fields)
        assert response.status == 403


async def test_a_session_ends_after_a_working_day(city: DashboardWorld) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        city.world.later(seconds=SESSION_LIFETIME.total_seconds() + 1)
        async with client.get(f"{city.base}/") as response:
            assert response.status == 401
    finally:
        await client.close()


async def test_revoking_a_coordinator_ends_their_sessions(city: DashboardWorld) -> None:
    client = await _signed_in(city, "leader")
    try:
        async with client.get(f"{city.base}/") as response:
            assert response.status == 200
        # Another coordinator revokes the leader in chat.
        other = await city.world.person("Phạm Văn Dũng", role=Role.COORDINATOR, agency=None)
        await city.world.send(f"chat-{other}", f"/revoke {city.people['leader']}")
        async with client.get(f"{city.base}/") as response:
            assert response.status == 401
        async with city.world.sessions() as session:
            rows = (await session.exec(select(DashboardGrant))).all()
        assert rows and all(row.ended_at is not None for row in rows)
    finally:
        await client.close()


async def test_a_person_demoted_to_officer_loses_the_dashboard_at_once(
    city: DashboardWorld,
) -> None:
    client = await _signed_in(city, "leader")
    try:
        async with transaction(city.world.sessions) as session:
            person = await session.get(Person, city.people["leader"])
            assert person is not None
            person.role = Role.OFFICER.value
            session.add(person)
        async with client.get(f"{city.base}/") as response:
            assert response.status == 401
    finally:
        await client.close()


@pytest.mark.parametrize("page", [*PAGES, "static/dashboard.css", "nothing-here"])
async def test_every_answer_forbids_inline_script_framing_and_referrers(
    city: DashboardWorld, page: str
) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        async with client.get(_page(city, page)) as response:
            headers = response.headers
            body = await response.text()
    finally:
        await client.close()
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    # No inline script or inline style anywhere: the policy would block it.
    assert "<script>" not in body and "onclick" not in body and 'style="' not in body


async def test_pages_change_nothing_and_signing_out_needs_the_form_token(
    city: DashboardWorld,
) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        # Every page refuses a POST: reading changes nothing, so there is nothing to forge.
        for page in PAGES:
            async with client.post(_page(city, page)) as response:
                assert response.status == 405
        # A forged sign-out (another site cannot know the token) is refused.
        async with client.post(f"{city.base}/signout", data={"csrf": "guess"}) as response:
            assert response.status == 403
        async with client.get(f"{city.base}/") as response:
            page = await response.text()
            assert response.status == 200
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        async with client.post(f"{city.base}/signout", data={"csrf": token}) as response:
            assert response.status == 200
        async with client.get(f"{city.base}/") as response:
            assert response.status == 401
    finally:
        await client.close()


async def test_an_id_that_names_nothing_shows_nothing(city: DashboardWorld) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        for page in ["agency/999999", "plan/999999", "task/999999", "task/abc", "agency/-1"]:
            async with client.get(f"{city.base}/{page}") as response:
                assert response.status == 404, page
    finally:
        await client.close()


async def test_a_leader_cannot_open_the_coordinators_pending_list(city: DashboardWorld) -> None:
    client = await _signed_in(city, "leader")
    try:
        async with client.get(f"{city.base}/pending") as response:
            body = await response.text()
        assert response.status == 403
        assert "kho dữ liệu" not in body
    finally:
        await client.close()


async def test_a_list_exports_to_a_spreadsheet(city: DashboardWorld) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    client = await _signed_in(city, "coordinator")
    try:
        url = _page(city, "agency/{agency}") + "?period=2024-Q1&format=xlsx"
        async with client.get(url) as response:
            body = await response.read()
            assert response.headers["Content-Disposition"].endswith('.xlsx"')
    finally:
        await client.close()
    sheet = load_workbook(BytesIO(body)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["TT", "Nhiệm vụ", "Cơ quan chủ trì"]
    titles = [row[1] for row in rows[1:]]
    assert any("kho dữ liệu" in str(title) for title in titles)
    assert any("quy hoạch chung" in str(title) for title in titles)  # where it cooperates


async def test_a_session_lasts_no_longer_than_the_link_allowed(city: DashboardWorld) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        city.world.later(seconds=(SESSION_LIFETIME - timedelta(minutes=1)).total_seconds())
        async with client.get(f"{city.base}/") as response:
            assert response.status == 200
    finally:
        await client.close()


async def test_the_overview_exports_the_offices_period_report(city: DashboardWorld) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    client = await _signed_in(city, "leader")
    try:
        async with client.get(f"{city.base}/?period=2023-Q4&format=xlsx") as response:
            assert response.status == 200
            assert response.headers["Content-Disposition"] == (
                'attachment; filename="dondoc-2023-Q4.xlsx"'
            )
            body = await response.read()
        async with client.get(f"{city.base}/?period=2023-Q4") as response:
            page = await response.text()
    finally:
        await client.close()
    workbook = load_workbook(BytesIO(body))
    summary = workbook.worksheets[0]
    cells = [str(cell.value) for row in summary.iter_rows() for cell in row if cell.value]
    assert "Sở Xây dựng" in cells and "UBND quận Hồng Bàng" in cells
    # Both overdue leads (due 31/10 and 30/06) count as not done and overdue in Q4.
    assert 'id="bucket-open_overdue"' in page
    overdue_card = page.split('id="bucket-open_overdue"', 1)[1].split("</div>", 1)[0]
    assert overdue_card.endswith('<div class="figure">2')


async def test_the_weekly_summary_links_to_the_dashboard_at_its_period(
    city: DashboardWorld, tmp_path: Path
) -> None:
    from services.report_config import ReportConfig
    from services.summary import summary_message

    config = ReportConfig(
        tz=city.world.settings.tz,
        calendar=city.world.settings.work_calendar(),
        dashboard_url=city.base,
    )
    async with city.world.sessions() as session:
        leader = await session.get(Person, city.people["english"])
        assert leader is not None
        message = await summary_message(
            session, person=leader, now=city.world.now, out_dir=tmp_path, config=config
        )
    link = f"{city.base}/?period=2023-Q4"
    assert f"See it on the dashboard (send /dashboard for a sign-in link): {link}" in message.text
    # The link itself signs nobody in: it opens the page that says how to.
    async with _browser() as client, client.get(f"{city.base}/?period=2023-Q4") as response:
        assert response.status == 401


async def test_a_sign_in_links_secret_is_no_session_cookie(city: DashboardWorld) -> None:
    nonce = parse_qs(urlsplit(await city.link("coordinator")).query)["n"][0]
    async with _browser(**{COOKIE: nonce}) as client, client.get(f"{city.base}/") as response:
        assert response.status == 401


async def test_coordinators_read_what_waits_on_the_office_and_each_tasks_record(
    city: DashboardWorld,
) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        async with client.get(f"{city.base}/pending") as response:
            pending = await response.text()
        async with client.get(f"{city.base}/task/{city.handles['late']}") as response:
            late = await response.text()
        async with client.get(f"{city.base}/task/{city.handles['done']}") as response:
            done = await response.text()
    finally:
        await client.close()
    requests = pending.split('id="extension-requests"', 1)[1].split("</table>", 1)[0]
    assert "Lập quy hoạch chung đô thị" in requests and "15/12/2023" in requests
    assert "chờ ý kiến thẩm định" in requests
    completions = pending.split('id="completions"', 1)[1].split("</table>", 1)[0]
    assert "Triển khai nền tảng chia sẻ dữ liệu" in completions
    assert "125/BC-STTTT" in completions and "thiếu nhân lực" in completions
    # Nothing on the page decides anything: deciding stays in chat.
    assert 'method="post"' not in pending.split("</header>", 1)[1]
    assert "15/12/2023" in late and "đang chờ" in late
    assert "125/BC-STTTT" in done and "Nguyên nhân chậm: thiếu nhân lực" in done


async def test_lists_narrow_to_the_period_chosen(city: DashboardWorld) -> None:
    agency = f"{city.base}/agency/{city.world.agencies['STTTT']}"
    plan = f"{city.base}/plan/{city.plans['40']}"
    client = await _signed_in(city, "coordinator")
    try:
        pages = {}
        for name, url in {
            "agency Q4": f"{agency}?period=2023-Q4",
            "agency 2024 Q1": f"{agency}?period=2024-Q1",
            "plan": plan,
            "plan Q4": f"{plan}?period=2023-Q4",
        }.items():
            async with client.get(url) as response:
                assert response.status == 200, name
                pages[name] = await response.text()
    finally:
        await client.close()
    # The blocked task was extended to 31/03/2024: it belongs to 2024's first quarter; the
    # late one it cooperates on is still open, so it is carried into every later period.
    assert "kho dữ liệu" not in pages["agency Q4"] and "quy hoạch chung" in pages["agency Q4"]
    assert "kho dữ liệu" in pages["agency 2024 Q1"]
    assert "quy hoạch chung" in pages["agency 2024 Q1"]
    # The plan's page is the whole plan unless narrowed; work done before the period drops.
    assert "nền tảng chia sẻ" in pages["plan"] and "nền tảng chia sẻ" not in pages["plan Q4"]


async def test_dondoc_run_serves_the_dashboard_when_its_address_is_set(
    sessions: Sessions, tmp_path: Path
) -> None:
    from bot.bootstrap import build
    from bot.settings import Settings
    from tests.builders import free_port

    port = free_port()
    for url, served in ((None, False), (f"http://127.0.0.1:{port}/dashboard", True)):
        settings = Settings(
            database_url="sqlite:///unused.db",
            data_dir=tmp_path,
            dashboard_url=url,
            http_port=port,
        )
        service = build(
            settings,
            channels={},
            engine=sessions.kw["bind"],
            schedule=False,
            dispatch=False,
        )
        async with (
            service,
            _browser() as client,
            client.get(f"http://127.0.0.1:{port}/dashboard") as response,
        ):
            assert response.status == (401 if served else 404)
            assert str(response.url).endswith("/dashboard/") is served


async def test_evidence_files_are_linked_through_the_signed_file_links(
    city: DashboardWorld,
) -> None:
    client = await _signed_in(city, "coordinator")
    try:
        async with client.get(f"{city.base}/task/{city.handles['done']}") as response:
            page = await response.text()
        link = page.split("/files/", 1)[1].split('"', 1)[0]
        assert link.startswith(EVIDENCE_FILE + "?e=")
        async with client.get(f"{city.http.url}/files/{link.replace('&amp;', '&')}") as response:
            assert (response.status, await response.read()) == (200, b"%PDF evidence")
    finally:
        await client.close()
