"""Confirmed completion: on a plan that asks for it, an officer's "xong" waits for the
office ("chờ xác nhận") with its result, and the hub coordinator confirms or returns it.

The officer's "xong" moves the work to AWAITING and opens a report that asks for the result
(a document reference, a short note, or on Telegram a file or photo) and, when the deadline
in force had passed, the cause and whether it was outside the agency's control. Then the
coordinators decide: a confirmation makes the work done, completed when the officer said so;
a return puts it back where it stood. Each step is a history row (StatusChange.event) and an
audit row; /undo takes the officer's report back, and a coordinator's decision back to
waiting.
"""

import os
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from domain.access import Actor, Role, require_decide, require_update
from domain.references import DocumentReference
from domain.status import Status
from domain.targets import Target
from models.enums import CompletionState, HistoryEvent
from models.tables import (
    Assignment,
    AuditLog,
    CompletionReport,
    Occurrence,
    Person,
    StatusChange,
    Task,
)
from services import queries
from services.people import hub_coordinators
from services.private_files import PRIVATE_FILE, make_private, private_folder
from services.queries import UnknownAssignmentError
from services.unit_of_work import UnitOfWork
from views.rows import AssignmentView

# A photo or a scanned report; a plan-sized file is a plan, sent to /nhap.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_NOTE_LENGTH = 500
EVIDENCE_SUFFIXES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".docx", ".doc", ".xlsx"})
# The names evidence files are stored under, straight in the data directory, and the only
# ones the signed-link server (bot.files) gives besides the reports; the housekeeping of
# report files never matches them.
EVIDENCE_FILE_NAME = re.compile(r"evidence-\d{1,12}-[a-f0-9]{16}\.(pdf|png|jpe?g|docx?|xlsx)")
_OPEN_STATES = (
    CompletionState.EVIDENCE.value,
    CompletionState.CAUSE.value,
    CompletionState.AWAITING.value,
)


class UnknownReportError(LookupError):
    """No completion report has that id."""


@dataclass(frozen=True)
class Reported:
    """Where a completion report stands after a step, and the work it is about."""

    report: CompletionReport
    view: AssignmentView
    # Filled when the report has just gone to the office.
    coordinators: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A confirmation or a return, or the decision taken before (`already`)."""

    report: CompletionReport
    view: AssignmentView
    officer: Person | None
    already: bool = False


async def _view(session: UnitOfWork, target: Target) -> AssignmentView:
    return await queries.view(
        session, assignment_id=target.assignment_id, occurrence_id=target.occurrence_id
    )


async def _row(session: UnitOfWork, target: Target) -> Assignment | Occurrence:
    row: Assignment | Occurrence | None = (
        await session.get(Occurrence, target.occurrence_id)
        if target.occurrence_id is not None
        else await session.get(Assignment, target.assignment_id)
    )
    if row is None:
        raise UnknownAssignmentError(target.assignment_id)
    return row


def _target(report: CompletionReport) -> Target:
    return Target(report.assignment_id, report.occurrence_id)


async def open_report(session: UnitOfWork, *, target: Target) -> CompletionReport | None:
    """The report of this work still waiting for its result, its cause or the office."""
    return (
        await session.exec(
            select(CompletionReport)
            .where(
                CompletionReport.assignment_id == target.assignment_id,
                CompletionReport.occurrence_id == target.occurrence_id
                if target.occurrence_id is not None
                else col(CompletionReport.occurrence_id).is_(None),
                col(CompletionReport.state).in_(_OPEN_STATES),
            )
            .order_by(col(CompletionReport.id).desc())
        )
    ).first()


def _audit(actor: Actor, now: datetime, action: str, report: CompletionReport) -> AuditLog:
    return AuditLog(
        at=now,
        actor_id=actor.person_id or None,
        actor=actor.name,
        action=action,
        detail={
            "report": report.id,
            "assignment": report.assignment_id,
            "occurrence": report.occurrence_id,
        },
    )


def _change(
    *,
    report: CompletionReport,
    actor: Actor,
    channel: str,
    now: datetime,
    from_status: str,
    to_status: str,
    from_progress: int,
    to_progress: int,
    event: HistoryEvent,
    note: str | None = None,
    source_message_id: str | None = None,
) -> StatusChange:
    return StatusChange(
        assignment_id=report.assignment_id,
        occurrence_id=report.occurrence_id,
        person_id=actor.person_id or None,
        channel=channel,
        at=now,
        from_status=from_status,
        to_status=to_status,
        from_progress=from_progress,
        to_progress=to_progress,
        note=note,
        source_message_id=source_message_id,
        event=event.value,
    )


async def report_done(
    session: UnitOfWork,
    *,
    actor: Actor,
    target: Target,
    channel: str,
    source_message_id: str | None,
    now: datetime,
    today: date,
) -> Reported:
    """An officer's "xong": the work waits for its result and the office's confirmation.
    Said again while it waits, it changes nothing and the open report is returned."""
    view = await _view(session, target)
    require_update(actor, agency_id=view.agency_id)
    existing = await open_report(session, target=target)
    if existing is not None:
        return Reported(existing, view)
    late = view.due_date is not None and today > view.due_date
    report = CompletionReport(
        assignment_id=target.assignment_id,
        occurrence_id=target.occurrence_id,
        reported_by_id=actor.person_id or None,
        channel=channel,
        reported_at=now,
        from_status=view.status.value,
        from_progress=view.progress,
        due=view.due_date,
        late=late,
        state=CompletionState.EVIDENCE.value,
    )
    session.add(report)
    row = await _row(session, target)
    row.status = Status.AWAITING.value
    row.progress = 100
    row.blocked_reason = None
    row.last_update_at = now
    if isinstance(row, Assignment):
        row.last_update_by_id = actor.person_id or None
    session.add(row)
    session.add(
        _change(
            report=report,
            actor=actor,
            channel=channel,
            now=now,
            from_status=view.status.value,
            to_status=Status.AWAITING.value,
            from_progress=view.progress,
            to_progress=100,
            event=HistoryEvent.COMPLETION_REPORTED,
            source_message_id=source_message_id,
        )
    )
    await session.flush()
    session.add(_audit(actor, now, "completion.reported", report))
    return Reported(report, await _view(session, target))


def reference_json(reference: DocumentReference) -> dict[str, Any]:
    """A document reference as the report keeps it."""
    return {
        "kind": reference.kind.value,
        "number": reference.number,
        "symbol": reference.symbol,
        "issuer": reference.issuer,
        "issued_on": reference.issued_on.isoformat() if reference.issued_on else None,
        "year": reference.year,
        "text": reference.text,
    }


async def add_evidence(
    session: UnitOfWork,
    *,
    actor: Actor,
    target: Target,
    now: datetime,
    reference: DocumentReference | None = None,
    note: str | None = None,
    file: tuple[str, str] | None = None,
) -> Reported:
    """The result of reported work: a document reference, a note, or a stored file as
    (stored name, name as sent). Late work is then asked its cause; other work goes to the
    office."""
    report = await open_report(session, target=target)
    if report is None or report.state != CompletionState.EVIDENCE.value:
        raise UnknownReportError(target.assignment_id)
    view = await _view(session, target)
    require_update(actor, agency_id=view.agency_id)
    if reference is not None:
        report.reference = reference_json(reference)
    if note:
        report.note = note[:MAX_NOTE_LENGTH]
    if file is not None:
        report.file_path, report.file_name = file
    return await _advance(session, report, view=view, actor=actor, now=now)


async def add_cause(
    session: UnitOfWork,
    *,
    actor: Actor,
    target: Target,
    cause: str,
    objective: bool,
    now: datetime,
) -> Reported:
    """Why late work was late, and whether that was outside the agency's control."""
    report = await open_report(session, target=target)
    if report is None or report.state != CompletionState.CAUSE.value:
        raise UnknownReportError(target.assignment_id)
    view = await _view(session, target)
    require_update(actor, agency_id=view.agency_id)
    report.late_cause = cause[:MAX_NOTE_LENGTH]
    report.objective = objective
    return await _advance(session, report, view=view, actor=actor, now=now)


async def _advance(
    session: UnitOfWork,
    report: CompletionReport,
    *,
    view: AssignmentView,
    actor: Actor,
    now: datetime,
) -> Reported:
    if report.late and report.late_cause is None:
        report.state = CompletionState.CAUSE.value
        session.add(report)
        await session.flush()
        return Reported(report, view)
    report.state = CompletionState.AWAITING.value
    session.add(report)
    await session.flush()
    session.add(_audit(actor, now, "completion.submitted", report))
    plan_id = (
        await session.exec(
            select(Task.plan_id)
            .join(Assignment, col(Assignment.task_id) == col(Task.id))
            .where(Assignment.id == report.assignment_id)
        )
    ).one()
    coordinators = await hub_coordinators(session, plan_id=plan_id)
    return Reported(report, view, tuple(p for p in coordinators if p.id != actor.person_id))


async def report_view(
    session: UnitOfWork, *, report_id: int
) -> tuple[CompletionReport, AssignmentView]:
    """A report and the work it is about."""
    report = await session.get(CompletionReport, report_id)
    if report is None:
        raise UnknownReportError(report_id)
    return report, await _view(session, _target(report))


async def decide(
    session: UnitOfWork,
    *,
    actor: Actor,
    report_id: int,
    confirm: bool,
    channel: str,
    now: datetime,
    reason: str | None = None,
) -> Decision:
    """Confirm reported work (done, completed when the officer said so) or return it with
    `reason` (back where it stood). A report is decided once."""
    require_decide(actor)
    report, view = await report_view(session, report_id=report_id)
    officer = await session.get(Person, report.reported_by_id) if report.reported_by_id else None
    if report.state != CompletionState.AWAITING.value:
        return Decision(report, view, officer, already=True)
    row = await _row(session, _target(report))
    if confirm:
        row.status, row.progress = Status.DONE.value, 100
        row.completed_at = report.reported_at
        report.state = CompletionState.CONFIRMED.value
        event = HistoryEvent.COMPLETION_CONFIRMED
    else:
        row.status, row.progress = report.from_status, report.from_progress
        row.completed_at = None
        report.state = CompletionState.RETURNED.value
        report.return_reason = reason
        event = HistoryEvent.COMPLETION_RETURNED
    row.last_update_at = now
    report.decided_by_id = actor.person_id or None
    report.decided_at = now
    session.add_all([row, report])
    session.add(
        _change(
            report=report,
            actor=actor,
            channel=channel,
            now=now,
            from_status=view.status.value,
            to_status=row.status,
            from_progress=view.progress,
            to_progress=row.progress,
            event=event,
            note=reason,
        )
    )
    session.add(_audit(actor, now, f"completion.{report.state}", report))
    await session.flush()
    return Decision(report, await _view(session, _target(report)), officer)


async def undo_step(session: UnitOfWork, change: StatusChange) -> None:
    """What /undo of a completion step also takes back: the report itself (the officer's
    "xong"), or the coordinator's decision (the report waits again)."""
    target = Target(change.assignment_id, change.occurrence_id)
    if change.event == HistoryEvent.COMPLETION_REPORTED.value:
        report = await open_report(session, target=target)
        if report is not None:
            await session.delete(report)
        return
    decided = (
        await session.exec(
            select(CompletionReport)
            .where(
                CompletionReport.assignment_id == target.assignment_id,
                col(CompletionReport.state).in_(
                    [CompletionState.CONFIRMED.value, CompletionState.RETURNED.value]
                ),
            )
            .order_by(col(CompletionReport.decided_at).desc(), col(CompletionReport.id).desc())
        )
    ).first()
    if decided is not None:
        decided.state = CompletionState.AWAITING.value
        decided.decided_by_id = decided.decided_at = decided.return_reason = None
        session.add(decided)
        if change.event == HistoryEvent.COMPLETION_CONFIRMED.value:
            row = await _row(session, target)
            row.completed_at = None
            session.add(row)


def store_file(data_dir: Path, *, report_id: int, name: str, content: bytes) -> str | None:
    """Write an evidence file into the data directory under a name nobody can guess; the
    stored name, or None for a kind of file not taken as evidence."""
    suffix = Path(name).suffix.lower()
    if suffix not in EVIDENCE_SUFFIXES:
        return None
    stored = f"evidence-{report_id}-{secrets.token_hex(8)}{suffix}"
    path = private_folder(data_dir) / stored
    # Evidence names people and work like a report: readable by this service's user only.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE), "wb") as out:
        out.write(content)
    make_private(path)
    return stored


def deciders(actor: Actor) -> bool:
    """Whether the actor's "xong" is the office's own (no confirmation asked)."""
    return actor.role in (Role.COORDINATOR, Role.ADMIN)
