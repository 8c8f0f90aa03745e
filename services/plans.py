"""Storing an imported plan: insert or update in place, never duplicate, never lose history.

A plan is identified by its document reference ("40/KH-UBND") or, for documents
without a usable number, by its source file name. Tasks are matched by their code
within the plan and assignments by (task, agency), so re-importing a corrected
file updates what changed. Tasks or agencies that disappeared from the document
are not deleted (their history stays): tasks are marked removed and their open
assignments cancelled.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from domain.deadlines import Deadline
from domain.plans import PlanDraft, TaskDraft, assignable
from domain.recurrence import Recurrence
from domain.status import Status
from locales import Translate
from models.enums import AssignmentRole
from models.tables import Agency, Assignment, AuditLog, Plan, Task
from services.agencies import RegistryNotLoadedError
from services.obligations import Restated, adopt_recipients, link_plan, restated_by_drafts
from services.unit_of_work import UnitOfWork


@dataclass
class SaveResult:
    """What storing a plan changed."""

    plan: Plan
    created: bool
    tasks_added: int = 0
    tasks_updated: int = 0
    tasks_removed: int = 0
    assignments_added: int = 0
    assignments_cancelled: int = 0
    due_changed: list[str] = field(default_factory=list)
    # Reporting-duty rows found to restate a plan's own task (assigned to nobody).
    restated: list[Restated] = field(default_factory=list)


def plan_key(draft: PlanDraft) -> str:
    """The identity of a plan across re-imports: its reference, else its file name."""
    return draft.ref or draft.source_file


def recurrence_json(rule: Recurrence | None) -> dict[str, Any] | None:
    """A recurrence rule as stored in Task.recurrence (read back by
    services.occurrences.recurrence_from_json)."""
    if rule is None:
        return None
    return {
        "cadence": rule.cadence.value,
        "month": rule.month,
        "quarter": rule.quarter,
        "before_day": rule.before_day,
        "after_period": rule.after_period,
        "weekday": rule.weekday,
        "due_time": rule.due_time.strftime("%H:%M") if rule.due_time is not None else None,
        "description": rule.describe(),
    }


def _apply_deadlines(task: Task, *, start: Deadline | None, due: Deadline) -> None:
    task.start_text = start.original if start else None
    task.start_kind = start.kind.value if start else None
    task.start_date = start.due_date if start else None
    task.due_text = due.original
    task.due_kind = due.kind.value
    task.due_date = due.due_date
    task.strictly_before = due.strictly_before
    task.open_ended = due.open_ended
    task.recurrence = recurrence_json(due.recurrence)
    task.condition = due.condition
    task.due_time = due.due_time
    task.year_inferred_from = (
        due.year_inferred_from.value if due.year_inferred_from is not None else None
    )


def _fill_task(task: Task, draft: TaskDraft) -> None:
    task.section = draft.section
    task.title = draft.title
    task.source_kind = draft.source_kind.value
    _apply_deadlines(task, start=draft.start, due=draft.due)
    task.funding = draft.funding
    task.recipients = list(draft.recipients)
    task.problems = [str(problem) for problem in draft.problems]
    task.removed = False
    task.obligation = draft.obligation


def _wanted_roles(draft: TaskDraft) -> dict[str, AssignmentRole]:
    # Groups that name nobody ("các cơ quan có liên quan") are never assigned.
    roles = {code: AssignmentRole.COOPERATING for code in assignable(draft.cooperating_codes)}
    roles.update({code: AssignmentRole.LEAD for code in assignable(draft.lead_codes)})
    return roles


async def save_plan(
    session: UnitOfWork, *, draft: PlanDraft, now: datetime, actor: str
) -> SaveResult:
    """Insert or update a plan, its tasks and their assignments in the caller's transaction."""
    agencies = {a.code: a for a in (await session.exec(select(Agency))).all()}
    needed = {code for t in draft.tasks for code in (*t.lead_codes, *t.cooperating_codes)}
    missing = sorted(needed - agencies.keys())
    if missing:
        raise RegistryNotLoadedError(tuple(missing))

    key = plan_key(draft)
    plan = (await session.exec(select(Plan).where(Plan.source_key == key))).first()
    created = plan is None
    if plan is None:
        # A plan imported from a document: its office confirms each completion.
        plan = Plan(
            source_key=key,
            title=draft.title,
            created_at=now,
            updated_at=now,
            confirm_completion=True,
        )
    plan.ref = draft.ref
    plan.title = draft.title
    plan.issue_date = draft.issue_date
    plan.issuer = draft.issuer
    hub = agencies.get(draft.hub_code) if draft.hub_code else None
    plan.hub_agency_id = hub.id if hub else None
    plan.source_file = draft.source_file
    plan.plan_year = draft.plan_year
    plan.updated_at = now
    session.add(plan)
    await session.flush()
    assert plan.id is not None
    result = SaveResult(plan=plan, created=created)

    existing = {
        t.code: t for t in (await session.exec(select(Task).where(Task.plan_id == plan.id))).all()
    }
    task_ids = [t.id for t in existing.values()]
    assignments: dict[tuple[int, int], Assignment] = {
        (a.task_id, a.agency_id): a
        for a in (
            await session.exec(select(Assignment).where(col(Assignment.task_id).in_(task_ids)))
        ).all()
    }

    restating = await restated_by_drafts(session, draft.tasks)
    seen: set[str] = set()
    for task_draft in draft.tasks:
        seen.add(task_draft.code)
        task = existing.get(task_draft.code)
        if task is None:
            task = Task(plan_id=plan.id, code=task_draft.code, title=task_draft.title)
            result.tasks_added += 1
        else:
            result.tasks_updated += 1
            if (
                task.due_date != task_draft.due.due_date
                or task.due_text != task_draft.due.original
            ):
                result.due_changed.append(task_draft.code)
        _fill_task(task, task_draft)
        same = restating.get(task_draft.code)
        task.same_as_task_id = same[0].id if same is not None else None
        session.add(task)
        await session.flush()
        assert task.id is not None
        if same is not None:
            adopt_recipients(same[0], task_draft)
            session.add(same[0])
            result.restated.append(Restated(task_draft.code, same[1], same[0].code))
        wanted = _wanted_roles(task_draft)
        for code, role in wanted.items():
            agency_id = agencies[code].id
            assert agency_id is not None
            assignment = assignments.get((task.id, agency_id))
            if assignment is None:
                # A restated row's agencies are kept, cancelled: the plan's task assigns them.
                status = Status.CANCELLED if same is not None else Status.NOT_STARTED
                session.add(
                    Assignment(
                        task_id=task.id, agency_id=agency_id, role=role.value, status=status.value
                    )
                )
                result.assignments_added += same is None
                continue
            assignment.role = role.value
            if same is not None:
                result.assignments_cancelled += _cancel(assignment, session)
            elif assignment.status == Status.CANCELLED.value:
                assignment.status = Status.NOT_STARTED.value
            session.add(assignment)
        wanted_ids = {agencies[code].id for code in wanted}
        for (task_id, agency_id), assignment in assignments.items():
            if task_id == task.id and agency_id not in wanted_ids:
                result.assignments_cancelled += _cancel(assignment, session)

    for code, task in existing.items():
        if code in seen or task.removed:
            continue
        task.removed = True
        session.add(task)
        result.tasks_removed += 1
        for (task_id, _agency_id), assignment in assignments.items():
            if task_id == task.id:
                result.assignments_cancelled += _cancel(assignment, session)
    await session.flush()
    linked, cancelled = await link_plan(session, plan=plan)
    result.restated += linked
    result.assignments_cancelled += cancelled

    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action="plan.import",
            detail={
                "plan": key,
                "created": created,
                "tasks_added": result.tasks_added,
                "tasks_updated": result.tasks_updated,
                "tasks_removed": result.tasks_removed,
                "due_changed": result.due_changed,
                "restated": [f"{r.duty}={r.plan}:{r.task}" for r in result.restated],
            },
        )
    )
    await session.flush()
    return result


def _cancel(assignment: Assignment, session: UnitOfWork) -> int:
    if not Status(assignment.status).is_open:
        return 0
    assignment.status = Status.CANCELLED.value
    session.add(assignment)
    return 1


def task_report(
    draft: PlanDraft, *, plan_ref: str | None, translate: Translate
) -> list[dict[str, Any]]:
    """One JSON-ready object per task, as `dondoc import --format json` prints them (the
    problems in the reader's language)."""
    return [
        {
            "plan_ref": plan_ref,
            "code": t.code,
            "section": t.section,
            "title": t.title,
            "leads": list(t.lead_codes),
            "cooperating": list(t.cooperating_codes),
            "start_text": t.start.original if t.start else None,
            "due_text": t.due.original,
            "due_kind": t.due.kind.value,
            "due_date": t.due.due_date.isoformat() if t.due.due_date else None,
            "recurrence": t.due.recurrence.describe() if t.due.recurrence else None,
            "problems": [problem.render(translate) for problem in t.problems],
        }
        for t in draft.tasks
    ]
