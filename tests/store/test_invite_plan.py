"""`dondoc invite --plan`: one officer invite per lead agency of a plan, printed as a table."""

import asyncio
from pathlib import Path

from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app
from models.db import make_engine
from models.tables import Agency, Invite
from services.people import hash_code
from services.unit_of_work import make_sessionmaker
from tests.conftest import BOTH_STORES

SEEDS = Path(__file__).resolve().parents[2] / "bot" / "data" / "seeds"
PLAN_40 = SEEDS / "000_aa3ac02f70407aed.txt"
runner = CliRunner()


def dondoc(url: str, *args: str, stdin: str | None = None, **env: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"DONDOC_DATABASE_URL": url, **env})
    return result.exit_code, result.output


async def _invites(url: str) -> list[tuple[str, str, int, str]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await session.exec(
                select(Invite.code_hash, Agency.code, Invite.uses_left, Invite.role)
                .join(Agency, col(Agency.id) == col(Invite.agency_id))
                .order_by(col(Invite.id))
            )
            return [tuple(row) for row in rows.all()]  # type: ignore[misc]
    finally:
        await engine.dispose()


def _table(out: str) -> dict[str, list[str]]:
    """Agency code → the row's cells, from the printed table."""
    rows = [line.split() for line in out.splitlines()[2:]]
    return {
        cells[0]: cells
        for cells in rows
        if len(cells) > 3 and (cells[-2] == "/start" or cells[-1].startswith("https://"))
    }


@BOTH_STORES
def test_a_plan_invites_each_lead_agency_once_and_skips_those_already_staffed(
    empty_db_url: str,
) -> None:
    url = empty_db_url
    for step in (["db", "upgrade"], ["agencies", "load"], ["import", str(PLAN_40)]):
        assert dondoc(url, *step)[0] == 0
    _, out = dondoc(url, "invite", "STTTT")
    code = out.split("Mã mời: ")[1].split()[0]
    assert dondoc(url, "chat", "--invite", code, "--name", "Nguyễn Văn An", stdin="")[0] == 0
    before = len(asyncio.run(_invites(url)))

    status, out = dondoc(url, "invite", "--plan", "40/KH-UBND", "--uses", "2")

    assert status == 0, out
    assert out.splitlines()[0].split() == ["Mã", "CQ", "Cơ", "quan", "Mã", "mời", "Liên", "kết"]
    table = _table(out)
    assert "STTTT" not in table and {"SXD", "VPUBND", "CATP"} <= set(table)
    assert "Bỏ qua 1 cơ quan đã có cán bộ đầu mối: STTTT (thêm --all" in out
    assert f"Đã tạo {len(table)} mã mời cán bộ đầu mối cho 40/KH-UBND · 2 lượt mỗi mã" in out
    assert "Chưa đặt DONDOC_TELEGRAM_BOT_USERNAME" in out
    created = asyncio.run(_invites(url))[before:]
    assert sorted(agency for _, agency, _, _ in created) == sorted(table)
    assert {(uses, role) for _, _, uses, role in created} == {(2, "officer")}
    # Each printed code is the one stored (hashed) for its agency.
    stored = {agency: code_hash for code_hash, agency, _, _ in created}
    assert all(hash_code(cells[-1]) == stored[agency] for agency, cells in table.items())


@BOTH_STORES
def test_all_includes_staffed_agencies_and_a_bot_username_gives_links(
    empty_db_url: str,
) -> None:
    url = empty_db_url
    for step in (["db", "upgrade"], ["agencies", "load"], ["import", str(PLAN_40)]):
        assert dondoc(url, *step)[0] == 0

    status, out = dondoc(
        url, "invite", "--plan", "40/KH-UBND", "--all", DONDOC_TELEGRAM_BOT_USERNAME="DonDocBot"
    )

    assert status == 0, out
    table = _table(out)
    assert "STTTT" in table
    assert table["STTTT"][-1].startswith("https://t.me/DonDocBot?start=")
    assert "Bỏ qua" not in out and "Chưa đặt DONDOC_TELEGRAM_BOT_USERNAME" not in out


def test_an_unknown_plan_or_a_mixed_request_is_refused_and_creates_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert dondoc(url, "db", "upgrade")[0] == 0
    assert dondoc(url, "agencies", "load")[0] == 0

    for args, message in (
        (["--plan", "99/KH-UBND"], "Không có kế hoạch 99/KH-UBND. Dùng số hiệu đã in khi nhập"),
        (["STTTT", "--plan", "40/KH-UBND"], "Dùng một trong hai: dondoc invite MÃ_CƠ_QUAN"),
        ([], "Dùng một trong hai: dondoc invite MÃ_CƠ_QUAN"),
        (["--plan", "40/KH-UBND", "--role", "leader"], "hãy bỏ --role leader"),
    ):
        status, out = dondoc(url, "invite", *args)
        assert status == 1 and message in out, (args, out)
    assert asyncio.run(_invites(url)) == []


def test_with_several_zalo_bots_each_invite_names_the_bot_to_message(empty_db_url: str) -> None:
    url = empty_db_url
    zalo = {
        "DONDOC_ZALO_TOKEN": "111:first-token,222:second-token",
        "DONDOC_ZALO_BOT_NAMES": "Đôn Đốc HP,Đôn Đốc HP 2",
        "DONDOC_ZALO_PLAN_USERS": "3",
    }
    for step in (["db", "upgrade"], ["agencies", "load"], ["import", str(PLAN_40)]):
        assert dondoc(url, *step)[0] == 0

    status, out = dondoc(url, "invite", "STTTT", **zalo)
    assert status == 0, out
    code = out.split("Mã mời: ")[1].split()[0]
    assert f"Trên Zalo: tìm bot «Đôn Đốc HP» rồi gửi /start {code}" in out

    status, out = dondoc(url, "invite", "--plan", "40/KH-UBND", "--all", **zalo)
    assert status == 0, out
    lines = out.splitlines()
    assert lines[0].split()[-2:] == ["Bot", "Zalo"]
    rows = [line for line in lines[2:] if "  /start " in line]
    bots = [line.rsplit("  ", 1)[-1].strip() for line in rows]
    # One seat per invite: the first bot takes the first three agencies (STTTT's invite above
    # is not a registered user yet), the second the next three, then both are full.
    assert bots[:6] == ["Đôn Đốc HP"] * 3 + ["Đôn Đốc HP 2"] * 3
    assert set(bots[6:]) == {"(đều đã đủ người)"}
