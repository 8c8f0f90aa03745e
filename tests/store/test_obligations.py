"""One obligation once: Chỉ thị 02's III.1.2 and the reporting-duties row 004.BC1 state the
same duty, so each agency gets one assignment for it, whichever file is imported first, and
re-importing either keeps it so."""

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select

from domain.agencies import AgencyRegistry
from domain.importers import import_file
from domain.plans import PlanDraft
from domain.status import Status
from models.tables import Agency, Assignment, Task
from services.agencies import SHIPPED_REGISTRY, load_registry, read_registry
from services.plans import SaveResult, save_plan
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

NOW = datetime(2023, 2, 20, 2, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
DIRECTIVE = DATA / "seeds" / "004_4586af99ec588dbe.txt"
DUTIES = DATA / "seed_reporting_duties.csv"
pytestmark = BOTH_STORES


@pytest.fixture
async def registry(sessions: Sessions) -> AgencyRegistry:
    loaded = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
    async with transaction(sessions) as session:
        await load_registry(session, registry=loaded, now=NOW, actor="test")
    return loaded


def _read(path: Path, registry: AgencyRegistry) -> PlanDraft:
    return import_file(path, registry=registry, today=date(2023, 2, 20))


async def _save(sessions: Sessions, draft: PlanDraft) -> SaveResult:
    async with transaction(sessions) as session:
        return await save_plan(session, draft=draft, now=NOW, actor="test")


async def _task(sessions: Sessions, code: str) -> Task:
    async with sessions() as session:
        return (await session.exec(select(Task).where(Task.code == code))).one()


async def _open(sessions: Sessions, code: str) -> dict[str, str]:
    """The open assignments of a task: agency code → role."""
    async with sessions() as session:
        rows = await session.exec(
            select(Agency.code, Assignment.role)
            .join(Assignment, col(Assignment.agency_id) == col(Agency.id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .where(
                Task.code == code,
                col(Assignment.status).in_([s.value for s in Status if s.is_open]),
            )
        )
        return dict(rows.all())


async def test_a_duty_row_saved_after_its_plan_is_assigned_through_the_plans_task(
    sessions: Sessions, registry: AgencyRegistry
) -> None:
    directive, duties = _read(DIRECTIVE, registry), _read(DUTIES, registry)
    await _save(sessions, directive)
    result = await _save(sessions, duties)

    statement, row = await _task(sessions, "III.1.2"), await _task(sessions, "004.BC1")
    assert row.same_as_task_id == statement.id
    assert (await _task(sessions, "004.BC3")).same_as_task_id == (
        await _task(sessions, "III.1.4")
    ).id
    assert await _open(sessions, "004.BC1") == {}
    leads = await _open(sessions, "III.1.2")
    assert set(leads) == set(directive.task("III.1.2").lead_codes)
    assert set(leads) >= {"STTTT", "SXD", "VPUBND", "UBND-QUAN-LECHAN"}
    # The row's agencies are kept, cancelled, so they are known if the plan drops the duty.
    async with sessions() as session:
        kept = (await session.exec(select(Assignment).where(Assignment.task_id == row.id))).all()
    assert {a.status for a in kept} == {Status.CANCELLED.value}
    assert len(kept) == len(duties.task("004.BC1").lead_codes)
    assert [(r.duty, r.plan, r.task) for r in result.restated] == [
        ("004.BC1", "02/CT-UBND", "III.1.2"),
        ("004.BC3", "02/CT-UBND", "III.1.4"),
    ]
    # The plan's task keeps the recipients it names itself.
    assert statement.recipients == list(directive.task("III.1.2").recipients) != []


async def test_a_plan_task_that_names_no_recipient_takes_the_duty_rows(
    sessions: Sessions, registry: AgencyRegistry
) -> None:
    directive, duties = _read(DIRECTIVE, registry), _read(DUTIES, registry)
    silent = [replace(t, recipients=()) if t.code == "III.1.2" else t for t in directive.tasks]
    await _save(sessions, replace(directive, tasks=silent))
    await _save(sessions, duties)

    statement = await _task(sessions, "III.1.2")
    assert statement.recipients == list(duties.task("004.BC1").recipients) != []


async def test_a_plan_saved_after_its_duty_rows_takes_their_assignments_over(
    sessions: Sessions, registry: AgencyRegistry
) -> None:
    directive, duties = _read(DIRECTIVE, registry), _read(DUTIES, registry)
    await _save(sessions, duties)
    before = await _open(sessions, "004.BC1")
    result = await _save(sessions, directive)

    assert set(before) == set(duties.task("004.BC1").lead_codes)
    assert await _open(sessions, "004.BC1") == {}
    assert set(await _open(sessions, "III.1.2")) == set(before)
    assert (await _task(sessions, "004.BC1")).same_as_task_id == (
        await _task(sessions, "III.1.2")
    ).id
    assert {r.duty for r in result.restated} == {"004.BC1", "004.BC3"}
    assert result.assignments_cancelled == len(before) + len(await _all(sessions, "004.BC3"))


async def _all(sessions: Sessions, code: str) -> list[Assignment]:
    async with sessions() as session:
        return list(
            (
                await session.exec(
                    select(Assignment)
                    .join(Task, col(Task.id) == col(Assignment.task_id))
                    .where(Task.code == code)
                )
            ).all()
        )


async def test_reimporting_either_file_keeps_one_assignment_per_agency(
    sessions: Sessions, registry: AgencyRegistry
) -> None:
    directive, duties = _read(DIRECTIVE, registry), _read(DUTIES, registry)
    await _save(sessions, directive)
    await _save(sessions, duties)
    first = {code: await _open(sessions, code) for code in ("III.1.2", "004.BC1")}

    again = [await _save(sessions, duties), await _save(sessions, directive)]
    again.append(await _save(sessions, duties))

    assert {code: await _open(sessions, code) for code in ("III.1.2", "004.BC1")} == first
    assert [r.assignments_added for r in again] == [0, 0, 0]
    assert [r.restated for r in again] == [again[0].restated, [], again[0].restated]
    for agency in first["III.1.2"]:
        holding = [code for code, open_ in first.items() if agency in open_]
        assert holding == ["III.1.2"]


async def test_a_duty_row_whose_plan_task_is_gone_is_assigned_again(
    sessions: Sessions, registry: AgencyRegistry
) -> None:
    directive, duties = _read(DIRECTIVE, registry), _read(DUTIES, registry)
    await _save(sessions, directive)
    await _save(sessions, duties)

    amended = replace(directive, tasks=[t for t in directive.tasks if t.code != "III.1.2"])
    await _save(sessions, amended)

    assert (await _task(sessions, "III.1.2")).removed
    assert (await _task(sessions, "004.BC1")).same_as_task_id is None
    assert set(await _open(sessions, "004.BC1")) == set(duties.task("004.BC1").lead_codes)
    # The other pair is untouched.
    assert (await _task(sessions, "004.BC3")).same_as_task_id is not None
