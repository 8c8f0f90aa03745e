"""One obligation once: a reporting-duty row that restates a plan's own task is that task.

The reporting-duties table repeats duties the plans state in their text (004.BC1 is Chỉ thị
02's III.1.2: "Trước ngày 15 tháng 02 năm 2023 … xây dựng, ban hành … kế hoạch"). Both carry
the same obligation key (domain.plans.TaskDraft.obligation), and the row names the plan's file
as its section. The plan's task always wins: the row points at it (`Task.same_as_task_id`),
its assignments are kept cancelled (so its agencies are known if the plan's task goes away),
and its report recipients pass to the plan's task when that names none. Whichever of the two
files is imported second makes the link, and re-importing either keeps it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select

from domain.plans import SourceKind, TaskDraft
from domain.status import Status
from models.tables import Assignment, Plan, Task
from services.unit_of_work import UnitOfWork

_DUTY = SourceKind.REPORT_DUTY.value


@dataclass(frozen=True)
class Restated:
    """A duty row found to restate a plan's task: its code, and the task's plan and code."""

    duty: str
    plan: str
    task: str


async def restated_by_drafts(
    session: UnitOfWork, drafts: Sequence[TaskDraft]
) -> dict[str, tuple[Task, str]]:
    """Duty-row code → (the live plan task it restates, that plan's label), for rows being
    saved."""
    wanted = {
        (draft.section, draft.obligation)
        for draft in drafts
        if draft.source_kind == SourceKind.REPORT_DUTY and draft.obligation
    }
    if not wanted:
        return {}
    rows = await session.exec(
        select(Task, Plan)
        .join(Plan, col(Plan.id) == col(Task.plan_id))
        .where(
            col(Plan.source_file).in_(sorted({section for section, _ in wanted})),
            col(Task.obligation).in_(sorted({key for _, key in wanted if key})),
            sa.not_(col(Task.removed)),
            col(Task.source_kind) != _DUTY,
        )
        .order_by(col(Task.id))
    )
    found: dict[tuple[str | None, str | None], tuple[Task, str]] = {}
    for task, plan in rows.all():
        found.setdefault((plan.source_file, task.obligation), (task, plan.ref or plan.source_key))
    return {
        draft.code: found[(draft.section, draft.obligation)]
        for draft in drafts
        if draft.source_kind == SourceKind.REPORT_DUTY
        and (draft.section, draft.obligation) in found
    }


def adopt_recipients(task: Task, duty: TaskDraft | Task) -> None:
    """The plan's task keeps its own report recipients, else takes the duty row's."""
    if not task.recipients and duty.recipients:
        task.recipients = list(duty.recipients)


async def link_plan(session: UnitOfWork, *, plan: Plan) -> tuple[list[Restated], int]:
    """After a plan is saved: point the duty rows that restate its tasks at them, and let go
    of rows whose task is gone. The links made, and how many assignments were cancelled."""
    assert plan.id is not None
    if not plan.source_file:
        return [], 0
    own = (await session.exec(select(Task).where(Task.plan_id == plan.id))).all()
    keys = {
        task.obligation: task
        for task in own
        if task.obligation and not task.removed and task.source_kind != _DUTY
    }
    own_ids = {task.id for task in own}
    duties = (
        await session.exec(
            select(Task).where(
                Task.source_kind == _DUTY,
                Task.section == plan.source_file,
                sa.not_(col(Task.removed)),
            )
        )
    ).all()
    linked: list[Restated] = []
    cancelled = 0
    label = plan.ref or plan.source_key
    for duty in duties:
        target = keys.get(duty.obligation) if duty.obligation else None
        if target is not None:
            if duty.same_as_task_id != target.id:
                duty.same_as_task_id = target.id
                session.add(duty)
                adopt_recipients(target, duty)
                session.add(target)
                cancelled += await _cancel_all(session, duty)
                linked.append(Restated(duty=duty.code, plan=label, task=target.code))
        elif duty.same_as_task_id in own_ids:
            # The plan no longer states it: the row is a duty of its own again.
            duty.same_as_task_id = None
            session.add(duty)
            await _reopen(session, duty)
    await session.flush()
    return linked, cancelled


async def _assignments(session: UnitOfWork, task: Task) -> Iterable[Assignment]:
    return (await session.exec(select(Assignment).where(Assignment.task_id == task.id))).all()


async def _cancel_all(session: UnitOfWork, task: Task) -> int:
    count = 0
    for assignment in await _assignments(session, task):
        if Status(assignment.status).is_open:
            assignment.status = Status.CANCELLED.value
            session.add(assignment)
            count += 1
    return count


async def _reopen(session: UnitOfWork, task: Task) -> None:
    for assignment in await _assignments(session, task):
        if assignment.status == Status.CANCELLED.value:
            assignment.status = Status.NOT_STARTED.value
            session.add(assignment)
