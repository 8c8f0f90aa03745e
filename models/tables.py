"""The shared store: every table of Đôn Đốc. Datetimes are stored as UTC and come back
timezone-aware, on SQLite too; enumerations are stored as their string values, so a new value
never needs a database type migration."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.access import Role
from domain.status import Status
from models.counts import OverdueCount, OverdueDay, StatisticCount  # noqa: F401  (registered on the metadata)
from models.enums import AssignmentRole, OutboxState, UploadState
from models.schedule import AssignmentStep  # noqa: F401  (registered on the metadata)
from models.types import DecimalText, decimal_field, json_field, when_field

# Open work, as SQL: the condition of the partial indexes of open assignments.
_OPEN_STATUSES = [s.value for s in Status if s.is_open]
OPEN_WORK = "status IN ({})".format(", ".join(f"'{value}'" for value in _OPEN_STATUSES))
# (table, column) of foreign keys PostgreSQL checks once per statement, by triggers, not row
# by row as declared (migration 0022). SQLite enforces them as declared.
CHECKED_PER_STATEMENT = frozenset({("reminderledger", c) for c in ("recipient_id", "outbox_id")})


def open_work(status: Any) -> Any:
    """`status` (a column) is open, with the statuses written into the SQL: SQLite uses a
    partial index of open work (OPEN_WORK) only for a query that names them."""
    return status.in_(
        sa.bindparam(None, _OPEN_STATUSES, type_=sa.String(), expanding=True, literal_execute=True)
    )


class Agency(SQLModel, table=True):
    """An agency, or a group of agencies such as all district People's Committees."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=300)
    kind: str = Field(max_length=40)
    aliases: list[str] = json_field([])
    member_of: list[str] = json_field([])
    is_group: bool = False
    # Its history (domain.agencies.Agency): the days it existed, who took its work over
    # (several: a split, each successor's part in successor_scopes as [code, scope] pairs),
    # and the act that made the change.
    successors: list[str] = json_field([])
    successor_scopes: list[list[str]] = json_field([])
    valid_from: date | None = None
    valid_to: date | None = None
    source: str | None = Field(default=None, max_length=200)


class Person(SQLModel, table=True):
    """Someone the bot talks to: a focal officer, a coordinator, a leader or an admin."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20, default=Role.OFFICER.value)
    locale: str = Field(max_length=8, default="vi")
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    active: bool = True
    created_at: datetime = when_field()


class ChatIdentity(SQLModel, table=True):
    """A person's chat on one channel; one chat belongs to one person."""

    __table_args__ = (sa.UniqueConstraint("channel", "chat_id", name="uq_chat_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str = Field(max_length=20)
    chat_id: str = Field(max_length=64)
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = when_field()


class Revocation(SQLModel, table=True):
    """A chat of a revoked person: no invite issued before `revoked_at` registers it again."""

    __table_args__ = (sa.Index("ix_revocation_chat", "channel", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    channel: str = Field(max_length=20)
    chat_id: str = Field(max_length=64)
    revoked_at: datetime = when_field()


class Invite(SQLModel, table=True):
    """A registration code; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    role: str = Field(max_length=20)
    # The invited person's name, for channels that do not tell it (the terminal).
    name: str | None = Field(default=None, max_length=200)
    uses_left: int = 1
    expires_at: datetime = when_field()
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_by: str = Field(max_length=100, default="cli")
    created_at: datetime = when_field()


class Plan(SQLModel, table=True):
    """An action plan or directive; `source_key` identifies it across re-imports."""

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(max_length=200, unique=True, index=True)
    ref: str | None = Field(default=None, max_length=100)
    title: str = Field(sa_type=sa.Text)
    issue_date: date | None = None
    issuer: str | None = Field(default=None, max_length=300)
    hub_agency_id: int | None = Field(default=None, foreign_key="agency.id")
    source_file: str | None = Field(default=None, max_length=300)
    plan_year: int | None = None
    reminder_policy: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # How the plan's indicators are collected (None: the defaults of
    # domain.indicators.checkpoints: quarterly, by the 20th, 5 % margin for "gần đạt").
    indicator_cadence: str | None = Field(default=None, max_length=20)
    indicator_report_day: int | None = None
    indicator_margin: Decimal | None = decimal_field()
    # Whether an officer's "xong" waits for the hub's confirmation with evidence (on for
    # plans imported from documents).
    confirm_completion: bool = False
    created_at: datetime = when_field()
    updated_at: datetime = when_field()


class Task(SQLModel, table=True):
    """One task of a plan, with its deadlines as parsed and as written."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "code", name="uq_task_code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=40)
    section: str | None = Field(default=None, sa_type=sa.Text)
    title: str = Field(sa_type=sa.Text)
    source_kind: str = Field(max_length=30, default="appendix-table")
    start_text: str | None = Field(default=None, sa_type=sa.Text)
    start_kind: str | None = Field(default=None, max_length=20)
    start_date: date | None = None
    due_text: str | None = Field(default=None, sa_type=sa.Text)
    due_kind: str = Field(max_length=20, default="empty")
    due_date: date | None = Field(default=None, index=True)
    strictly_before: bool = False
    open_ended: bool = False
    recurrence: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    condition: str | None = Field(default=None, sa_type=sa.Text)
    funding: str | None = Field(default=None, sa_type=sa.Text)
    depends_on_id: int | None = Field(default=None, foreign_key="task.id")
    recipients: list[str] = json_field([])
    problems: list[str] = json_field([])
    removed: bool = False
    # The time of due_date it is due by ("trước 16 giờ …"), and where the year of a deadline
    # written without one came from ("header", "document"; domain.deadlines.YearSource).
    due_time: time | None = None
    year_inferred_from: str | None = Field(default=None, max_length=16)
    # The duty it states, shared with its restatements (domain.plans.TaskDraft.obligation);
    # a reporting-duty row restating a plan's task points at it and is assigned to nobody.
    obligation: str | None = Field(default=None, max_length=16, index=True)
    same_as_task_id: int | None = Field(default=None, foreign_key="task.id")


class Assignment(SQLModel, table=True):
    """One agency's share of one task; its id is the short handle shown as #id."""

    __table_args__ = (
        sa.UniqueConstraint("task_id", "agency_id", name="uq_assignment"),
        # Open work by deadline, and an agency's, for /overdue and the sweep (migration 0017).
        # Queries name the open statuses as literals (open_work): SQLite uses a partial
        # index only when the query's terms imply its own.
        *(
            sa.Index(
                name,
                *columns,
                sqlite_where=sa.text(OPEN_WORK),
                postgresql_where=sa.text(OPEN_WORK),
            )
            for name, columns in (
                ("ix_assignment_open_deadline", ("deadline", "agency_id", "role", "status")),
                ("ix_assignment_open_agency", ("agency_id", "deadline", "role", "status")),
                ("ix_assignment_next_step", ("next_step_on", "deadline")),
            )
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="ck_assignment_progress"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Looked up by uq_assignment, which begins with it (migration 0023).
    task_id: int = Field(foreign_key="task.id")
    agency_id: int = Field(foreign_key="agency.id", index=True)
    role: str = Field(max_length=20, default=AssignmentRole.LEAD.value)
    status: str = Field(max_length=20, default=Status.NOT_STARTED.value)
    progress: int = 0
    blocked_reason: str | None = Field(default=None, sa_type=sa.Text)
    last_update_at: datetime | None = when_field(nullable=True)
    last_update_by_id: int | None = Field(default=None, foreign_key="person.id")
    # The deadline an approved extension set (the task's due_date stays the original one),
    # how many extensions were approved, and when the work was reported complete.
    extended_due_date: date | None = None
    extension_count: int = 0
    completed_at: datetime | None = when_field(nullable=True)
    # The code of the agency a blocked assignment waits on ("vướng: chờ Sở Tài chính").
    blocked_by: str | None = Field(default=None, max_length=40)
    # The deadline in force while the task is live, coalesce(extended_due_date, task's
    # due_date) (NULL once removed or restating another): a copy the database keeps by
    # triggers (migration 0017), never written by the bot.
    deadline: date | None = None
    # NULL: plan it at the next sweep; set back to NULL by triggers when what its plan
    # depends on changes (migration 0017). Otherwise it is planned: the day of its next
    # step is its AssignmentStep's (migration 0024), and this the first day the sweep
    # wrote after planning it.
    next_step_on: date | None = None


class Occurrence(SQLModel, table=True):
    """One period of a recurring duty, tracked on its own."""

    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "period_label", name="uq_occurrence_period"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="ck_occurrence_progress"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    period_label: str = Field(max_length=20)
    period_start: date
    period_end: date
    due_date: date = Field(index=True)
    status: str = Field(max_length=20, default=Status.NOT_STARTED.value)
    progress: int = 0
    blocked_reason: str | None = Field(default=None, sa_type=sa.Text)
    last_update_at: datetime | None = when_field(nullable=True)
    # Indexed for the kept statistics' day moving over report periods (migration 0020).
    extended_due_date: date | None = Field(default=None, index=True)
    extension_count: int = 0
    completed_at: datetime | None = when_field(nullable=True)
    blocked_by: str | None = Field(default=None, max_length=40)


class StatusChange(SQLModel, table=True):
    """Append-only history of every status change; a replayed message is refused by source id."""

    __table_args__ = (
        sa.CheckConstraint(
            "from_progress BETWEEN 0 AND 100", name="ck_statuschange_from_progress"
        ),
        sa.CheckConstraint("to_progress BETWEEN 0 AND 100", name="ck_statuschange_to_progress"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(max_length=20)
    at: datetime = when_field(index=True)
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    from_progress: int = 0
    to_progress: int = 0
    note: str | None = Field(default=None, sa_type=sa.Text)
    source_message_id: str | None = Field(default=None, max_length=120, unique=True)
    undone: bool = False
    # A step of the office's workflow this row records (models.enums.HistoryEvent); None
    # for a plain status change.
    event: str | None = Field(default=None, max_length=30)


class ExtensionRequest(SQLModel, table=True):
    """An officer's request for more time on an assignment (or one period), and its decision.

    An approval sets the assignment's (or period's) extended_due_date; the task's due_date
    stays the original deadline.
    """

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    requested_by_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(max_length=20)
    requested_at: datetime = when_field()
    # The deadline in force when it was asked (an earlier extension's, if any).
    current_due: date | None = None
    requested_due: date
    reason: str | None = Field(default=None, sa_type=sa.Text)
    state: str = Field(max_length=20, default="pending", index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = when_field(nullable=True)
    approved_due: date | None = None
    refusal_reason: str | None = Field(default=None, sa_type=sa.Text)
    source_message_id: str | None = Field(default=None, max_length=120, unique=True)


class CompletionReport(SQLModel, table=True):
    """An officer's "xong" on a plan whose completions the office confirms: the evidence,
    the cause when late, and the confirmation or return."""

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    reported_by_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(max_length=20)
    reported_at: datetime = when_field()
    # Where the work stood before "xong": a return puts it back there.
    from_status: str = Field(max_length=20)
    from_progress: int = 0
    due: date | None = None
    late: bool = False
    state: str = Field(max_length=20, default="evidence", index=True)
    # A document reference as read (domain.references.DocumentReference's fields).
    reference: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    note: str | None = Field(default=None, sa_type=sa.Text)
    # A file stored under the data directory, relative to it, and its name as sent.
    file_path: str | None = Field(default=None, max_length=300)
    file_name: str | None = Field(default=None, max_length=300)
    late_cause: str | None = Field(default=None, sa_type=sa.Text)
    # Whether the delay was outside the agency's control ("khách quan").
    objective: bool | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = when_field(nullable=True)
    return_reason: str | None = Field(default=None, sa_type=sa.Text)


class ReminderLedger(SQLModel, table=True):
    """Every reminder ever planned, once: (target, recipient, kind), its primary key, is the
    exactly-once key (migration 0023)."""

    target: str = Field(max_length=40, primary_key=True)
    # Not indexed on its own: nothing looks the ledger up by recipient (migration 0007).
    recipient_id: int = Field(foreign_key="person.id", primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    created_at: datetime = when_field()
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")


class Outbox(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that caused it."""

    __table_args__ = (
        sa.Index("ix_outbox_due", "state", "next_attempt_at"),
        sa.Index("ix_outbox_provider", "channel", "chat_id", "provider_message_id"),
        # A chat's unsent rows (sent_at NULL) and its latest sends, for the dispatcher's claim.
        sa.Index("ix_outbox_chat_sent", "channel", "chat_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    chat_id: str = Field(max_length=64)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=30, default="message")
    payload: dict[str, Any] = json_field({})
    state: str = Field(max_length=20, default=OutboxState.PENDING.value)
    attempts: int = 0
    next_attempt_at: datetime = when_field()
    created_at: datetime = when_field()
    sent_at: datetime | None = when_field(nullable=True)
    provider_message_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = when_field(nullable=True)


class AuditLog(SQLModel, table=True):
    """Administrative actions: who did what, when."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = when_field(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    detail: dict[str, Any] = json_field({})


class ChatState(SQLModel, table=True):
    """What the bot is waiting for in one chat, and how often it guessed a code wrong."""

    __table_args__ = (sa.UniqueConstraint("channel", "chat_id", name="uq_chat_state"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    chat_id: str = Field(max_length=64)
    pending: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    pending_at: datetime | None = when_field(nullable=True)
    failed_codes: int = 0
    locked_until: datetime | None = when_field(nullable=True)
    last_reminder_outbox_id: int | None = Field(default=None, foreign_key="outbox.id")


class Snooze(SQLModel, table=True):
    """A person asked to be reminded of a target (assignment or occurrence) later."""

    __table_args__ = (sa.UniqueConstraint("person_id", "target", name="uq_snooze"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    target: str = Field(max_length=40)
    until: datetime = when_field()
    created_at: datetime = when_field()


class HandledUpdate(SQLModel, table=True):
    """An update the conversation has answered, so a redelivered one is not answered twice."""

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=160, unique=True)
    at: datetime = when_field()


class Upload(SQLModel, table=True):
    """A plan file sent in chat, previewed and waiting for its sender to import it or not.

    `token` is what its buttons carry; `state` moves once from "pending" to "imported",
    "cancelled" or "superseded" (a newer file in the same chat), so a button works once.
    The content is not kept: the channel serves it again by `file_id` when it is imported.
    """

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=16, unique=True)
    channel: str = Field(max_length=20)
    chat_id: str = Field(max_length=64, index=True)
    person_id: int = Field(foreign_key="person.id")
    file_id: str = Field(max_length=300)
    name: str = Field(max_length=300)
    size: int | None = None
    state: str = Field(max_length=20, default=UploadState.PENDING.value)
    plan_key: str | None = Field(default=None, max_length=200)
    created_at: datetime = when_field()
    decided_at: datetime | None = when_field(nullable=True)


class ChannelMonth(SQLModel, table=True):
    """One month of one bot's sending, against its platform plan's monthly quota (Zalo)."""

    __table_args__ = (sa.UniqueConstraint("channel", "month", name="uq_channel_month"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    # "2026-12", in UTC.
    month: str = Field(max_length=7)
    messages: int = 0
    # When coordinators were warned that 80% of the month's messages were used.
    warned_at: datetime | None = when_field(nullable=True)
    # When the platform said the quota was spent and coordinators were told; cleared when
    # sending works again.
    exhausted_at: datetime | None = when_field(nullable=True)


class InboundUpdate(SQLModel, table=True):
    """An update a platform delivered (Zalo), stored before it is acknowledged and kept until
    it is handled: a failure to handle it is retried from here, not by the platform."""

    __table_args__ = (sa.Index("ix_inboundupdate_due", "handled_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    source_id: str = Field(max_length=160, unique=True)
    body: dict[str, Any] = json_field({})
    received_at: datetime = when_field()
    attempts: int = 0
    next_attempt_at: datetime = when_field()
    claimed_until: datetime | None = when_field(nullable=True)
    handled_at: datetime | None = when_field(nullable=True)
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class SummarySnapshot(SQLModel, table=True):
    """The headline figures of one weekly summary, to show the change a week later."""

    __table_args__ = (sa.UniqueConstraint("week", "scope", name="uq_summary_week"),)

    id: int | None = Field(default=None, primary_key=True)
    week: date
    scope: str = Field(max_length=200, default="all")
    figures: dict[str, Any] = json_field({})
    created_at: datetime = when_field()


class Indicator(SQLModel, table=True):
    """One indicator (chỉ tiêu) of a plan, as its table states it; `key` ("PL1.12") stays the
    same across re-imports, so values keep pointing at it. The target is kept as written and
    as read (comparison and bounds, in the indicator's unit)."""

    __table_args__ = (sa.UniqueConstraint("plan_id", "key", name="uq_indicator_key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str = Field(max_length=60)
    table_prefix: str = Field(max_length=20, default="")
    # The title of its table ("PHỤ LỤC 1. CHỈ TIÊU CHỦ YẾU …"), for reports in its layout.
    table_title: str = Field(sa_type=sa.Text, default="")
    group_name: str = Field(sa_type=sa.Text, default="")
    number: str = Field(max_length=20, default="")
    parent_key: str | None = Field(default=None, max_length=60)
    position: int = 0
    name: str = Field(sa_type=sa.Text)
    year: int | None = None
    source_file: str | None = Field(default=None, max_length=300)
    unit_text: str = Field(max_length=120, default="")
    unit_base: str = Field(max_length=120, default="")
    unit_scale: Decimal = Field(default=Decimal(1), sa_type=DecimalText, nullable=False)
    target_text: str = Field(sa_type=sa.Text, default="")
    comparison: str | None = Field(default=None, max_length=20)
    target_low: Decimal | None = decimal_field()
    target_high: Decimal | None = decimal_field()
    target_reference: str | None = Field(default=None, max_length=200)
    direction: str = Field(max_length=10, default="higher")
    direction_inferred: bool = False
    accumulation: str = Field(max_length=12, default="level")
    accumulation_inferred: bool = False
    # None: the plan's cadence.
    cadence: str | None = Field(default=None, max_length=20)
    is_heading: bool = False
    owner_text: str = Field(sa_type=sa.Text, default="")
    unresolved_owners: list[str] = json_field([])
    notes: list[str] = json_field([])
    removed_at: datetime | None = when_field(nullable=True)
    created_at: datetime = when_field()
    updated_at: datetime = when_field()


class IndicatorOwner(SQLModel, table=True):
    """An agency that monitors and reports an indicator; position 0 is the lead."""

    __table_args__ = (sa.UniqueConstraint("indicator_id", "agency_id", name="uq_indicator_owner"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    position: int = 0
    inherited: bool = False


class IndicatorCheckpointTarget(SQLModel, table=True):
    """A target the plan sets for one checkpoint (PHỤ LỤC 2's Quý I, 6 tháng, 9 tháng)."""

    __table_args__ = (
        sa.UniqueConstraint("indicator_id", "months", name="uq_indicator_checkpoint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    months: int
    target_text: str = Field(sa_type=sa.Text, default="")
    comparison: str | None = Field(default=None, max_length=20)
    low: Decimal | None = decimal_field()
    high: Decimal | None = decimal_field()


class IndicatorValue(SQLModel, table=True):
    """Append-only history of every figure reported for an indicator at a checkpoint
    ("2023-06M"): the newest row not undone is the current one. A coordinator's entry for an
    owner is marked `on_behalf`; an explanation (giải trình) is a new row with the figure
    repeated and `explanation` set."""

    __table_args__ = (sa.Index("ix_indicatorvalue_checkpoint", "indicator_id", "checkpoint_key"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    checkpoint_key: str = Field(max_length=12)
    kind: str = Field(max_length=20)
    value: Decimal | None = decimal_field()
    estimate: bool = False
    written: str = Field(sa_type=sa.Text, default="")
    note: str | None = Field(default=None, sa_type=sa.Text)
    explanation: str | None = Field(default=None, sa_type=sa.Text)
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    reported_by_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    on_behalf: bool = False
    channel: str = Field(max_length=20, default="")
    reported_at: datetime = when_field()
    source_message_id: str | None = Field(default=None, max_length=120, unique=True)
    undone: bool = False


# The deadline in force: an approved extension's (0012), else the original one. Every query
# that plans, lists or counts against a deadline reads these, never Task.due_date alone.
ASSIGNMENT_DUE: Any = sa.func.coalesce(
    sa.inspect(Assignment).columns["extended_due_date"], sa.inspect(Task).columns["due_date"]
)
PERIOD_DUE: Any = sa.func.coalesce(
    sa.inspect(Occurrence).columns["extended_due_date"], sa.inspect(Occurrence).columns["due_date"]
)


class DashboardGrant(SQLModel, table=True):
    """A dashboard sign-in link (kind "link", used once) or a browser's session ("session"),
    by a hash of its secret; `ended_at`: used, signed out or revoked."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    secret_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = when_field()
    expires_at: datetime = when_field()
    ended_at: datetime | None = when_field(nullable=True)
