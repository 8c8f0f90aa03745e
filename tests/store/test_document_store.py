"""A 2026 document in the store: the weekly report's periods fall on Fridays by 16:00, a listed
deadline is a task per part, and what the importer inferred is kept with each task."""

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlmodel import col, select

from domain.importers import import_file
from models.tables import Assignment, Occurrence, Task
from services.agencies import SHIPPED_REGISTRY, load_registry, read_registry
from services.occurrences import generate_occurrences
from services.plans import save_plan
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

NOW = datetime(2026, 1, 19, 2, 0, tzinfo=UTC)
DOCUMENT = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "documents"
    / "thong-bao-nong-nghiep-moi-truong.txt"
)
pytestmark = BOTH_STORES


@pytest.fixture
async def stored(sessions: Sessions) -> None:
    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    async with transaction(sessions) as session:
        await load_registry(session, registry=registry, now=NOW, actor="test")
        draft = import_file(DOCUMENT, registry=registry, today=NOW.date())
        await save_plan(session, draft=draft, now=NOW, actor="test")


async def _task(sessions: Sessions, code: str) -> Task:
    async with sessions() as session:
        return (await session.exec(select(Task).where(Task.code == code))).one()


@pytest.mark.usefixtures("stored")
async def test_the_weekly_report_is_due_each_friday_by_four(sessions: Sessions) -> None:
    weekly = await _task(sessions, "PL.1")
    assert weekly.recurrence is not None
    assert (weekly.recurrence["cadence"], weekly.recurrence["weekday"]) == ("weekly", 4)
    assert weekly.recurrence["due_time"] == "16:00"

    async with transaction(sessions) as session:
        made = await generate_occurrences(session, today=date(2026, 1, 20))
    async with sessions() as session:
        periods = (
            await session.exec(
                select(Occurrence.period_label, Occurrence.due_date)
                .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
                .where(Assignment.task_id == weekly.id)
                .order_by(col(Occurrence.due_date))
            )
        ).all()

    assert made.unreadable_tasks == ()
    assert list(periods) == [("2026-W04", date(2026, 1, 23)), ("2026-W05", date(2026, 1, 30))]


@pytest.mark.usefixtures("stored")
async def test_each_part_of_a_listed_deadline_is_a_task_of_its_own(sessions: Sessions) -> None:
    march, september = await _task(sessions, "PL.3(1)"), await _task(sessions, "PL.3(2)")

    assert (march.due_date, september.due_date) == (date(2026, 3, 31), date(2026, 9, 30))
    assert march.due_text == september.due_text == "tháng 3, tháng 9"
    assert march.year_inferred_from == september.year_inferred_from == "header"
    assert march.problems == [
        "Thời hạn «tháng 3, tháng 9» không ghi năm; lấy năm 2026 ở tiêu đề cột"
    ]
    async with sessions() as session:
        counts = [
            len(
                (await session.exec(select(Assignment).where(Assignment.task_id == task.id))).all()
            )
            for task in (march, september)
        ]
    # Sở Nông nghiệp và Môi trường and the 114 communes, on each part.
    assert counts == [115, 115]


@pytest.mark.usefixtures("stored")
async def test_a_body_dissolved_before_the_document_is_kept_with_its_successor_named(
    sessions: Sessions,
) -> None:
    dissolved = await _task(sessions, "2")
    assert dissolved.problems == [
        "Sở Thông tin và Truyền thông không còn từ 01/03/2025; việc nay thuộc Sở Khoa học và "
        "Công nghệ"
    ]


async def test_a_deadline_with_an_hour_is_stored_with_it(sessions: Sessions) -> None:
    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    directive = DOCUMENT.with_name("cong-van-chi-dao.txt")
    async with transaction(sessions) as session:
        await load_registry(session, registry=registry, now=NOW, actor="test")
        draft = import_file(directive, registry=registry, today=NOW.date())
        await save_plan(session, draft=draft, now=NOW, actor="test")

    task = await _task(sessions, "4")
    assert (task.due_text, task.due_date, task.due_time) == (
        "trước 17 giờ ngày 30/12/2025",
        date(2025, 12, 30),
        time(17),
    )
