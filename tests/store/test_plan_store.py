"""Storing imported plans: in place on re-import, history kept, deadlines tracked."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from domain.deadlines import parse_deadline
from domain.plans import PlanDraft, TaskDraft
from models.tables import Assignment, AuditLog, Plan, Task
from services.agencies import (
    SHIPPED_REGISTRY,
    RegistryNotLoadedError,
    load_registry,
    read_registry,
    registry_from_store,
)
from services.plans import save_plan
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

NOW = datetime(2023, 2, 20, 2, 0, tzinfo=UTC)
pytestmark = BOTH_STORES


def _draft(*tasks: TaskDraft) -> PlanDraft:
    return PlanDraft(
        ref="40/KH-UBND",
        title="Kế hoạch hành động thực hiện chủ đề năm 2023",
        issue_date=date(2023, 2, 13),
        issuer="UBND thành phố",
        hub_code="STTTT",
        source_file="000.txt",
        plan_year=2023,
        tasks=list(tasks),
    )


def _task(code: str, due: str, leads: tuple[str, ...], coop: tuple[str, ...] = ()) -> TaskDraft:
    return TaskDraft(
        code=code,
        section="III. Chuyển đổi số",
        title=f"Nhiệm vụ {code}",
        due=parse_deadline(due, plan_year=2023),
        lead_codes=leads,
        cooperating_codes=coop,
        lead_named=leads,
        cooperating_named=coop,
    )


@pytest.fixture
async def with_registry(sessions: Sessions) -> None:
    registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    async with transaction(sessions) as session:
        await load_registry(session, registry=registry, now=NOW, actor="test")


async def _store(
    sessions: Sessions,
) -> tuple[list[Plan], list[Task], list[Assignment]]:
    async with sessions() as session:
        return (
            list((await session.exec(select(Plan))).all()),
            list((await session.exec(select(Task).order_by(Task.code))).all()),
            list((await session.exec(select(Assignment).order_by(Assignment.id))).all()),
        )


@pytest.mark.usefixtures("with_registry")
async def test_a_plan_is_stored_with_one_assignment_per_agency_and_role(
    sessions: Sessions,
) -> None:
    draft = _draft(
        _task("III.1", "Quý IV/2023", ("STTTT",), ("SXD", "STTTT")),
        _task("III.2", "Hằng quý (trước ngày 20 của tháng cuối quý)", ("SXD", "SNNPTNT")),
    )
    async with transaction(sessions) as session:
        result = await save_plan(session, draft=draft, now=NOW, actor="test")
    assert (result.created, result.tasks_added, result.assignments_added) == (True, 2, 4)
    plans, tasks, assignments = await _store(sessions)
    assert [(p.source_key, p.ref, p.plan_year) for p in plans] == [
        ("40/KH-UBND", "40/KH-UBND", 2023)
    ]
    first, second = tasks
    assert (first.due_kind, first.due_date, first.due_text) == (
        "quarter",
        date(2023, 12, 31),
        "Quý IV/2023",
    )
    assert second.due_date is None
    assert second.recurrence is not None and second.recurrence["cadence"] == "quarterly"
    assert second.recurrence["before_day"] == 20
    # A lead that is also listed as cooperating is assigned once, as lead.
    roles = sorted((a.task_id, a.role) for a in assignments)
    assert roles == [
        (first.id, "cooperating"),
        (first.id, "lead"),
        (second.id, "lead"),
        (second.id, "lead"),
    ]


@pytest.mark.usefixtures("with_registry")
async def test_reimporting_updates_in_place_and_keeps_what_disappeared(
    sessions: Sessions,
) -> None:
    original = _draft(
        _task("III.1", "Quý IV/2023", ("STTTT",)),
        _task("III.2", "Năm 2023", ("SXD", "SNNPTNT")),
    )
    async with transaction(sessions) as session:
        await save_plan(session, draft=original, now=NOW, actor="test")
    _, _, before = await _store(sessions)

    corrected = _draft(
        _task("III.1", "Quý III/2023", ("STTTT",)),
        replace(_task("III.3", "Tháng 6", ("SCT",))),
    )
    async with transaction(sessions) as session:
        result = await save_plan(session, draft=corrected, now=NOW, actor="test")
    assert (result.created, result.tasks_added, result.tasks_updated) == (False, 1, 1)
    assert (result.tasks_removed, result.due_changed) == (1, ["III.1"])

    plans, tasks, after = await _store(sessions)
    assert len(plans) == 1
    by_code = {t.code: t for t in tasks}
    assert by_code["III.1"].due_date == date(2023, 9, 30)
    assert by_code["III.2"].removed and not by_code["III.1"].removed
    assert by_code["III.3"].due_date == date(2023, 6, 30)
    # The same assignment rows (and so the same #handles) survive; removed work is cancelled.
    assert [a.id for a in after][: len(before)] == [a.id for a in before]
    statuses = {(a.task_id, a.status) for a in after}
    assert (by_code["III.2"].id, "cancelled") in statuses
    async with sessions() as session:
        audit = (
            await session.exec(select(AuditLog).where(AuditLog.action == "plan.import"))
        ).all()
    assert len(audit) == 2


@pytest.mark.usefixtures("with_registry")
async def test_importing_the_same_plan_twice_changes_nothing(
    sessions: Sessions,
) -> None:
    draft = _draft(_task("I.1", "Trong năm 2023", ("SXD",), ("STTTT",)))
    for _ in range(2):
        async with transaction(sessions) as session:
            await save_plan(session, draft=draft, now=NOW, actor="test")
    plans, tasks, assignments = await _store(sessions)
    assert (len(plans), len(tasks), len(assignments)) == (1, 1, 2)


async def test_a_plan_needs_the_agency_registry_first(
    sessions: Sessions,
) -> None:
    with pytest.raises(RegistryNotLoadedError):
        async with transaction(sessions) as session:
            await registry_from_store(session)
    with pytest.raises(RegistryNotLoadedError, match="STTTT"):
        async with transaction(sessions) as session:
            await save_plan(
                session, draft=_draft(_task("I.1", "Năm 2023", ("STTTT",))), now=NOW, actor="t"
            )


@pytest.mark.usefixtures("with_registry")
async def test_the_registry_in_the_store_resolves_agency_names(
    sessions: Sessions,
) -> None:
    async with sessions() as session:
        registry = await registry_from_store(session)
    agency = registry.resolve("Sở Thông tin và Truyền Thông")
    assert agency is not None and agency.code == "STTTT"
