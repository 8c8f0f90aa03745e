"""What waits on the office, read here and decided in chat: extension requests, completions
to confirm (services.extensions, services.completions), and the work already extended; and
a task's own requests and completion reports, for its page."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlmodel import col, select

from domain.access import Actor, require_follow_up
from models.enums import CompletionState
from models.tables import CompletionReport, ExtensionRequest, Person, Plan
from services.dashboard.items import Filters, ItemLine, item_lines, plan_filter, rows
from services.extensions import PendingRequest, pending_requests
from services.queries.tasks import plan_label, views
from services.unit_of_work import UnitOfWork
from views.rows import AssignmentView


@dataclass(frozen=True)
class AwaitingCompletion:
    """An officer's "xong" waiting for the office to confirm it."""

    report: CompletionReport
    view: AssignmentView
    reporter: str | None


@dataclass(frozen=True)
class PendingPage:
    """What waits on coordinators, and the work whose deadline was extended."""

    requests: tuple[PendingRequest, ...]
    completions: tuple[AwaitingCompletion, ...]
    extended: tuple[ItemLine, ...]


async def _awaiting(session: UnitOfWork) -> list[AwaitingCompletion]:
    found = (
        await rows(
            session,
            select(CompletionReport, Person.name)
            .outerjoin(Person, col(Person.id) == col(CompletionReport.reported_by_id))
            .where(CompletionReport.state == CompletionState.AWAITING.value)
            .order_by(col(CompletionReport.reported_at), col(CompletionReport.id)),
        )
    ).all()
    shown = await views(session, targets=[(r.assignment_id, r.occurrence_id) for r, _ in found])
    return [
        AwaitingCompletion(report, shown[(report.assignment_id, report.occurrence_id)], name)
        for report, name in found
        if (report.assignment_id, report.occurrence_id) in shown
    ]


async def pending_page(
    session: UnitOfWork, *, actor: Actor, filters: Filters, now: datetime, tz: tzinfo
) -> PendingPage:
    """Requests and completions waiting on the office, oldest first, and the extended work,
    nearest deadline first, in the plan filtered to (coordinators and admins only)."""
    require_follow_up(actor)
    today = now.astimezone(tz).date()
    requests: Sequence[PendingRequest] = await pending_requests(session, actor=actor, limit=None)
    completions: Sequence[AwaitingCompletion] = await _awaiting(session)
    if filters.plan_id is not None:
        plan = await session.get(Plan, filters.plan_id)
        label = plan_label(plan) if plan is not None else None
        requests = [r for r in requests if r.view.plan_label == label]
        completions = [c for c in completions if c.view.plan_label == label]
    extended = await item_lines(
        session, today=today, where=plan_filter(filters), extended_only=True
    )
    return PendingPage(
        requests=tuple(requests), completions=tuple(completions), extended=tuple(extended)
    )


@dataclass(frozen=True)
class TaskRecords:
    """A task's requests for more time and its completion reports, oldest first."""

    requests: tuple[tuple[ExtensionRequest, str | None], ...]
    completions: tuple[tuple[CompletionReport, str | None], ...]


async def task_records(session: UnitOfWork, *, assignment_id: int) -> TaskRecords:
    """Every extension request and completion report of an assignment (and its periods)."""
    requests = (
        await rows(
            session,
            select(ExtensionRequest, Person.name)
            .outerjoin(Person, col(Person.id) == col(ExtensionRequest.requested_by_id))
            .where(ExtensionRequest.assignment_id == assignment_id)
            .order_by(col(ExtensionRequest.requested_at), col(ExtensionRequest.id)),
        )
    ).all()
    reports = (
        await rows(
            session,
            select(CompletionReport, Person.name)
            .outerjoin(Person, col(Person.id) == col(CompletionReport.reported_by_id))
            .where(CompletionReport.assignment_id == assignment_id)
            .order_by(col(CompletionReport.reported_at), col(CompletionReport.id)),
        )
    ).all()
    return TaskRecords(
        requests=tuple((r, n) for r, n in requests), completions=tuple((c, n) for c, n in reports)
    )
