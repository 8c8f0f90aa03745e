"""The foundation commands, end to end through the real command line, on both stores."""

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from models.db import make_engine
from models.tables import AuditLog, Invite
from services.people import hash_code
from services.unit_of_work import make_sessionmaker
from tests.conftest import BOTH_STORES

PLAN = next((Path(__file__).resolve().parents[2] / "bot" / "data" / "seeds").glob("000_*.txt"))

runner = CliRunner()


def dondoc(url: str, *args: str, **env: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"DONDOC_DATABASE_URL": url, **env})
    return result.exit_code, result.output


@BOTH_STORES
def test_upgrade_load_and_list_agencies(empty_db_url: str) -> None:
    assert dondoc(empty_db_url, "db", "upgrade") == (0, "Cơ sở dữ liệu đã sẵn sàng.\n")
    code, out = dondoc(empty_db_url, "agencies", "load")
    assert code == 0, out
    # The 2023 registry's 112 bodies and those of the 2025 reorganisation.
    assert "230 cơ quan (230 mới, 0 cập nhật" in out
    code, out = dondoc(empty_db_url, "agencies", "list")
    assert code == 0, out
    assert "STTTT" in out and "Sở Thông tin và Truyền thông" in out
    assert "UBND-QUAN-HUYEN" in out
    # Loading again updates in place: nothing new, nothing duplicated.
    code, out = dondoc(empty_db_url, "agencies", "load")
    assert "(0 mới, 230 cập nhật" in out
    # Running the upgrade again is harmless.
    assert dondoc(empty_db_url, "db", "upgrade")[0] == 0


@BOTH_STORES
def test_invite_prints_a_code_that_is_stored_only_as_a_hash(empty_db_url: str) -> None:
    dondoc(empty_db_url, "db", "upgrade")
    dondoc(empty_db_url, "agencies", "load")
    code, out = dondoc(
        empty_db_url,
        "invite",
        "stttt",
        "--role",
        "officer",
        "--uses",
        "3",
        DONDOC_TELEGRAM_BOT_USERNAME="DonDocBot",
    )
    assert code == 0, out
    invite_code = out.split("Mã mời: ")[1].split()[0]
    assert len(invite_code) == 10
    assert f"https://t.me/DonDocBot?start={invite_code}" in out
    assert "3 lượt" in out

    async def stored() -> tuple[list[Invite], list[AuditLog]]:
        engine = make_engine(empty_db_url)
        try:
            async with make_sessionmaker(engine)() as session:
                invites = list((await session.exec(select(Invite))).all())
                audit = list((await session.exec(select(AuditLog))).all())
                return invites, audit
        finally:
            await engine.dispose()

    invites, audit = asyncio.run(stored())
    assert [i.code_hash for i in invites] == [hash_code(invite_code)]
    assert invite_code not in str([i.model_dump() for i in invites])
    assert invites[0].uses_left == 3
    assert [a.action for a in audit][-1] == "invite.create"


def test_invite_for_an_unknown_agency_is_one_clear_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    dondoc(url, "db", "upgrade")
    code, out = dondoc(url, "invite", "NOPE")
    assert code == 1
    assert out.strip() == "Không có cơ quan mã NOPE. Xem danh sách: dondoc agencies list"


def test_commands_before_the_database_exists_say_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'none.db'}"
    code, out = dondoc(url, "agencies", "list")
    assert code == 1
    assert out.strip() == "Cơ sở dữ liệu chưa sẵn sàng. Hãy chạy: dondoc db upgrade"


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    code, out = dondoc("sqlite:///x.db", "agencies", "list", DONDOC_SWEEP_SECONDS="fast")
    assert code == 1
    assert out.startswith("Cấu hình sai: DONDOC_SWEEP_SECONDS")
    assert "Traceback" not in out


def test_a_malformed_registry_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    dondoc(url, "db", "upgrade")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,code\nX,Y\n", encoding="utf-8")
    code, out = dondoc(url, "agencies", "load", str(bad))
    assert code == 1
    assert "missing columns" in out


@pytest.mark.parametrize("command", [[], ["db"], ["agencies"], ["people"], ["invite"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["db", "upgrade"], ["people", "list"]])
def test_a_missing_database_or_role_is_one_line_naming_it_and_how_to_create_it(
    postgres_admin: str, command: list[str]
) -> None:
    server = sa.make_url(postgres_admin).set(drivername="postgresql")
    no_database = server.set(database="dondoc_nowhere").render_as_string(hide_password=False)
    no_role = server.set(username="dondoc_nobody").render_as_string(hide_password=False)

    code, out = dondoc(no_database, *command)
    assert code == 1
    assert out == (
        "Máy chủ PostgreSQL chưa có cơ sở dữ liệu «dondoc_nowhere». Hãy tạo nó: sudo -u postgres "
        f"createdb --owner {server.username} dondoc_nowhere rồi chạy dondoc db upgrade\n"
    )
    code, out = dondoc(no_role, *command)
    assert code == 1
    assert out == (
        "Máy chủ PostgreSQL chưa có vai trò (người dùng) «dondoc_nobody». Hãy tạo nó: "
        "sudo -u postgres createuser --pwprompt dondoc_nobody\n"
    )


@pytest.mark.parametrize("command", [["db", "upgrade"], ["people", "list"]])
def test_a_closed_port_is_one_line(command: list[str]) -> None:
    code, out = dondoc("postgresql://postgres@127.0.0.1:1/dondoc", *command)
    assert code == 1
    assert len(out.splitlines()) == 1 and "127.0.0.1:1" in out


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["people", "list"], ["overdue"], ["import", str(PLAN)]]
)
def test_item19_an_unknown_database_host_is_one_line_naming_it_and_the_fix(
    command: list[str],
) -> None:
    code, out = dondoc("postgresql://postgres@dondoc-nowhere.invalid:5432/dondoc", *command)
    assert code == 1
    assert out == (
        "Không kết nối được máy chủ PostgreSQL dondoc-nowhere.invalid:5432. Hãy khởi động máy "
        "chủ (sudo systemctl start postgresql) hoặc sửa DONDOC_DATABASE_URL.\n"
    )
