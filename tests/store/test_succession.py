"""The 2025 reorganisation: the open 2023 work of Sở Thông tin và Truyền thông passes to Sở
Khoa học và Công nghệ with `dondoc agencies succession --apply`, its history kept, and the
successor's officers are reminded of it from then on."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app
from domain.access import Role
from domain.agencies import AgencyRegistry
from domain.importers import import_file
from domain.status import Status
from models.tables import Agency, Assignment, AuditLog, Outbox, StatusChange, Task
from services import succession
from services.agencies import SHIPPED_REGISTRY, load_registry, read_registry
from services.plans import save_plan
from services.reminders.sweep import sweep
from services.unit_of_work import Sessions, transaction
from tests.builders import SETTINGS, StoreWorld, local, message
from tests.conftest import BOTH_STORES

NOW = datetime(2023, 2, 20, 2, 0, tzinfo=UTC)
HANDOVER = date(2026, 1, 5)
PLAN = Path(__file__).resolve().parents[2] / "bot" / "data" / "seeds" / "000_aa3ac02f70407aed.txt"
OPEN = [s.value for s in Status if s.is_open]
pytestmark = BOTH_STORES
runner = CliRunner()


@pytest.fixture
async def plan_of_2023(sessions: Sessions) -> AgencyRegistry:
    """The shipped registry and Kế hoạch 40/KH-UBND of 2023, stored."""
    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    async with transaction(sessions) as session:
        await load_registry(session, registry=registry, now=NOW, actor="test")
        draft = import_file(PLAN, registry=registry, today=date(2023, 2, 20))
        await save_plan(session, draft=draft, now=NOW, actor="test")
    return registry


async def _open_of(sessions: Sessions, code: str) -> list[Assignment]:
    async with sessions() as session:
        rows = await session.exec(
            select(Assignment)
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(Agency.code == code, col(Assignment.status).in_(OPEN))
            .order_by(col(Assignment.id))
        )
        return list(rows.all())


@pytest.mark.usefixtures("plan_of_2023")
async def test_the_dry_run_sorts_the_bodies_holding_open_work_and_changes_nothing(
    sessions: Sessions,
) -> None:
    stttt = await _open_of(sessions, "STTTT")
    async with transaction(sessions) as session:
        seen = await succession.overview(session, on=HANDOVER)

    moves = {m.code: m.successors for m in seen.plan.moves}
    assert moves["STTTT"] == ("SKHCN",)
    assert moves["SKHDT"] == ("STC",)
    assert moves["SGTVT"] == ("SXD",)
    assert moves["SNNPTNT"] == moves["STNMT"] == ("SNNMT",)
    splits = {d.code: set(d.successors) for d in seen.plan.decisions}
    assert splits["SLDTBXH"] == {"SNV", "SYT", "SGDDT"}
    assert "UBND-QUAN-LECHAN" in splits  # a district divided among new wards
    assert {"SXD", "STC", "CATP"} <= set(seen.plan.current)
    assert seen.open_work["STTTT"] == len(stttt) > 10
    assert await _open_of(sessions, "STTTT") == stttt


@pytest.mark.usefixtures("plan_of_2023")
async def test_applying_moves_the_open_work_to_the_successor_with_its_history(
    sessions: Sessions,
) -> None:
    world = StoreWorld(sessions)
    async with sessions() as session:
        world.codes = {a.code: a.id for a in (await session.exec(select(Agency))).all() if a.id}
    coordinator = await world.person("Trần Thị Bình", None, role=Role.COORDINATOR)
    officer = await world.person("Nguyễn Văn An", "SKHCN")
    before = await _open_of(sessions, "STTTT")
    shared = await _open_of(sessions, "SKHCN")
    shared_tasks = {a.task_id for a in shared}

    async with transaction(sessions) as session:
        _seen, applied = await succession.apply(
            session, on=HANDOVER, now=local(HANDOVER, 8), actor="cli"
        )

    assert await _open_of(sessions, "STTTT") == []
    moved = [a for a in before if a.task_id not in shared_tasks]
    merged = [a for a in before if a.task_id in shared_tasks]
    assert applied.moved[("STTTT", "SKHCN")] == len(moved) > 0
    assert applied.merged[("STTTT", "SKHCN")] == len(merged)
    after = {a.id: a for a in await _open_of(sessions, "SKHCN")}
    # The same assignment, handle and all, now the successor's.
    assert {a.id for a in moved} <= set(after)
    assert all(after[a.id].role == a.role for a in moved)
    async with sessions() as session:
        notes = (
            await session.exec(
                select(StatusChange).where(col(StatusChange.assignment_id) == moved[0].id)
            )
        ).all()
        audit = (
            await session.exec(select(AuditLog).where(AuditLog.action == "agencies.succession"))
        ).one()
        told = (await session.exec(select(Outbox).where(Outbox.person_id == coordinator))).all()
    [note] = notes
    assert note.note == (
        "Chuyển từ Sở Thông tin và Truyền thông sang Sở Khoa học và Công nghệ: Sở Thông tin và "
        "Truyền thông không còn từ 01/03/2025 (45/2025/NĐ-CP)"
    )
    assert (note.from_status, note.to_status) == (moved[0].status, moved[0].status)
    assert audit.detail["moved"]["STTTT>SKHCN"] == len(moved)
    [notice] = [message(row).text for row in told]
    assert notice.startswith("📦 Bàn giao việc của các cơ quan đã sắp xếp lại")
    assert (
        f"• {len(before)} việc của Sở Thông tin và Truyền thông nay thuộc Sở Khoa học và Công nghệ"
    ) in notice
    assert "Sở Lao động - Thương binh và Xã hội" in notice  # a split, still waiting

    # From now on the successor's officer is reminded of the moved work (overdue since 2023).
    await sweep(sessions, settings=SETTINGS, now=local(HANDOVER, 9))
    async with sessions() as session:
        reminders = (
            await session.exec(
                select(Outbox).where(Outbox.person_id == officer, Outbox.kind == "reminder")
            )
        ).all()
        dated = {
            a.id
            for a in moved
            if a.role == "lead"
            and (task := await session.get(Task, a.task_id)) is not None
            and task.due_date is not None
            and task.recurrence is None
        }
    reminded = {item.assignment_id for row in reminders for item in message(row).items}
    # Every dated task it leads (cooperating, ongoing and undated work is never reminded).
    assert dated and dated <= reminded

    # Nothing is left to move: a second run moves nothing and tells nobody.
    async with transaction(sessions) as session:
        _again, second = await succession.apply(
            session, on=HANDOVER, now=local(HANDOVER, 10), actor="cli"
        )
    assert (second.total, second.notified) == (0, 0)


@pytest.mark.usefixtures("plan_of_2023")
async def test_a_split_is_settled_by_the_coordinators_choice_only(sessions: Sessions) -> None:
    labour = await _open_of(sessions, "SLDTBXH")
    assert labour

    async with transaction(sessions) as session:
        await succession.apply(session, on=HANDOVER, now=local(HANDOVER, 8), actor="cli")
    assert await _open_of(sessions, "SLDTBXH") == labour

    async with transaction(sessions) as session:
        with pytest.raises(succession.ChoiceError):
            await succession.apply(
                session,
                on=HANDOVER,
                now=local(HANDOVER, 8),
                actor="cli",
                choices={"SLDTBXH": "SXD"},
            )
    async with transaction(sessions) as session:
        _seen, applied = await succession.apply(
            session, on=HANDOVER, now=local(HANDOVER, 8), actor="cli", choices={"SLDTBXH": "SNV"}
        )

    assert await _open_of(sessions, "SLDTBXH") == []
    assert applied.total == len(labour)
    assert set(applied.moved + applied.merged) == {("SLDTBXH", "SNV")}


@pytest.mark.usefixtures("plan_of_2023")
async def test_work_of_2023_read_before_the_mergers_is_not_moved(sessions: Sessions) -> None:
    before = await _open_of(sessions, "STTTT")
    async with transaction(sessions) as session:
        seen, applied = await succession.apply(
            session, on=date(2024, 6, 1), now=local(HANDOVER, 8), actor="cli"
        )

    assert seen.plan.moves == () and applied.total == 0
    assert await _open_of(sessions, "STTTT") == before


def test_the_command_is_a_dry_run_unless_applied(db_url: str) -> None:
    env = {"DONDOC_DATABASE_URL": db_url}
    assert runner.invoke(app, ["agencies", "load"], env=env).exit_code == 0
    assert runner.invoke(app, ["import", str(PLAN)], env=env).exit_code == 0

    dry = runner.invoke(app, ["agencies", "succession", "--on", "2026-01-05"], env=env)
    applied = runner.invoke(
        app,
        ["agencies", "succession", "--on", "2026-01-05", "--apply", "--choose", "SLDTBXH=SNV"],
        env=env,
    )
    wrong = runner.invoke(
        app, ["agencies", "succession", "--apply", "--choose", "STTTT=SXD"], env=env
    )
    bad_day = runner.invoke(app, ["agencies", "succession", "--on", "5/1/2026"], env=env)

    assert dry.exit_code == 0, dry.output
    assert "Bàn giao việc đang mở theo danh mục cơ quan, ngày 05/01/2026:" in dry.output
    assert "  STTTT Sở Thông tin và Truyền thông → SKHCN Sở Khoa học và Công nghệ: " in dry.output
    assert "SLDTBXH Sở Lao động - Thương binh và Xã hội: " in dry.output
    assert dry.output.rstrip().endswith("Chạy thử: chưa thay đổi gì. Thêm --apply để bàn giao.")
    assert applied.exit_code == 0, applied.output
    assert " → đã chọn SNV" in applied.output
    assert "Đã bàn giao " in applied.output
    assert wrong.exit_code == 1
    assert "Không chọn được STTTT=SXD" in wrong.output
    assert bad_day.exit_code == 1
    assert "Ngày không hợp lệ: 5/1/2026 (dạng YYYY-MM-DD)." in bad_day.output
