"""The weekly summary for leadership: read the store, compute (domain.summary), render.

`build_weekly_summary` loads the items in scope, the changes it reads and each agency's latest
activity in a few set-based statements and hands them to the pure `domain.summary`;
`render_summary_text` writes the short phone message; `summary_message` answers /summary;
`send_weekly_summaries` is the scheduled job. The definitions of every figure are in
domain/summary.py.

Snapshots: the scheduled job stores the week's headline figures (SummarySnapshot, one per
week and scope, the first run of the week wins); every summary shows the change from the
previous week's snapshot. Ad-hoc summaries (/summary, `dondoc report weekly`) never write
one, so they cannot overwrite what leadership was sent.
"""

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.access import AccessDenied, Actor, Role
from domain.statistics import quarter_of
from domain.status import Status
from domain.summary import (
    ChangeRow,
    Figures,
    ItemRow,
    SummaryScope,
    WeeklySummary,
    summarise,
    week_start,
)
from locales import gettext_for, normalise_locale
from models.enums import AssignmentRole, OutboxKind
from models.tables import (
    ASSIGNMENT_DUE,
    PERIOD_DUE,
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Person,
    Plan,
    ReminderLedger,
    StatusChange,
    SummarySnapshot,
    Task,
)
from services.dashboard.items import period_key
from services.file_links import FileLinks
from services.indicators.files import IndicatorSummary, summary_checkpoint
from services.indicators.report import indicator_overview, indicator_report
from services.outbox import enqueue_for_person
from services.report_config import ReportConfig
from services.report_files import ReportFiles, write_report_files
from services.statistics import period_statistics
from services.unit_of_work import Sessions, UnitOfWork, transaction
from views.indicator_lists import summary_section
from views.messages import Attachment, Outgoing
from views.statistics import PeriodStatistics, summary_lines
from views.summary import (
    dashboard_line,
    render_summary_text,
    summary_attachments,
    summary_refused,
)

log = logging.getLogger(__name__)

SUMMARY_ROLES = (Role.LEADER, Role.COORDINATOR, Role.ADMIN)
WEEKLY_RECIPIENT_ROLES = (Role.LEADER, Role.COORDINATOR)
LEDGER_KIND = "weekly"


# Plain columns rather than whole rows: a summary reads tens of thousands of them.
_ITEM_COLUMNS: tuple[Any, ...] = (Assignment.id, Task.id, Task.plan_id, Task.code, Task.title)
_DIRECT_COLUMNS: tuple[Any, ...] = (
    *_ITEM_COLUMNS,
    ASSIGNMENT_DUE,
    Task.due_text,
    Agency.code,
    Agency.name,
    Assignment.status,
    Assignment.progress,
    Assignment.blocked_reason,
    Assignment.last_update_at,
    Assignment.blocked_by,
)
_PERIODIC_COLUMNS: tuple[Any, ...] = (
    *_ITEM_COLUMNS,
    PERIOD_DUE,
    Task.due_text,
    Agency.code,
    Agency.name,
    Occurrence.status,
    Occurrence.progress,
    Occurrence.blocked_reason,
    Occurrence.last_update_at,
    Occurrence.id,
    Occurrence.period_label,
    Occurrence.blocked_by,
)
_CHANGE_COLUMNS: tuple[Any, ...] = (
    StatusChange.id,
    StatusChange.assignment_id,
    StatusChange.occurrence_id,
    StatusChange.at,
    StatusChange.from_status,
    StatusChange.to_status,
    StatusChange.from_progress,
    StatusChange.to_progress,
    StatusChange.note,
    StatusChange.undone,
)


async def _all(session: UnitOfWork, statement: Any) -> Sequence[Any]:
    return (await session.exec(statement)).all()  # type: ignore[no-any-return]


def _scope_filters(scope: SummaryScope) -> list[Any]:
    filters: list[Any] = [
        col(Assignment.role) == AssignmentRole.LEAD.value,
        col(Task.removed).is_(False),
        col(Task.same_as_task_id).is_(None),
    ]
    if scope.plan_ids:
        filters.append(col(Task.plan_id).in_(sorted(scope.plan_ids)))
    if scope.agency_codes:
        filters.append(col(Agency.code).in_(sorted(scope.agency_codes)))
    return filters


async def _load_items(session: UnitOfWork, *, scope: SummaryScope, today: date) -> list[ItemRow]:
    filters = _scope_filters(scope)
    recurring = select(Occurrence.assignment_id).distinct()
    direct = await _all(
        session,
        select(*_DIRECT_COLUMNS)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(*filters, col(Assignment.id).not_in(recurring)),
    )
    periodic = await _all(
        session,
        select(*_PERIODIC_COLUMNS)
        .select_from(Occurrence)
        .join(Assignment, col(Assignment.id) == col(Occurrence.assignment_id))
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(*filters, col(Occurrence.period_start) <= today),
    )
    cooperating: dict[int, list[str]] = {}
    partner_filter = [col(Assignment.role) == AssignmentRole.COOPERATING.value]
    if scope.plan_ids:
        partner_filter.append(col(Task.plan_id).in_(sorted(scope.plan_ids)))
    for task_id, name in await _all(
        session,
        select(Assignment.task_id, Agency.name)
        .join(Task, col(Task.id) == col(Assignment.task_id))
        .join(Agency, col(Agency.id) == col(Assignment.agency_id))
        .where(
            *partner_filter,
            col(Task.removed).is_(False),
            col(Task.same_as_task_id).is_(None),
        )
        .order_by(col(Assignment.task_id), col(Agency.code)),
    ):
        cooperating.setdefault(task_id, []).append(name)

    def item(
        row: Sequence[Any], occurrence_id: int | None, period: str | None, blocked_by: str | None
    ) -> ItemRow:
        (aid, task_id, plan_id, code, title, due, due_text, a_code, a_name) = row[:9]
        status, progress, reason, updated = row[9:13]
        return ItemRow(
            assignment_id=aid,
            plan_id=plan_id,
            task_code=code,
            task_title=title,
            agency_code=a_code,
            agency_name=a_name,
            status=Status(status),
            progress=progress,
            due_date=due,
            due_text=due_text,
            occurrence_id=occurrence_id,
            period_label=period,
            blocked_reason=reason,
            last_update_at=updated,
            cooperating=tuple(cooperating.get(task_id, ())),
            blocked_by=blocked_by if Status(status) is Status.BLOCKED else None,
        )

    return [item(row, None, None, row[13]) for row in direct] + [
        item(row, row[13], row[14], row[15]) for row in periodic
    ]


def _change_row(row: Sequence[Any]) -> ChangeRow:
    (change_id, aid, oid, at, from_status, to_status, from_progress, to_progress, note) = row[:9]
    return ChangeRow(
        assignment_id=aid,
        occurrence_id=oid,
        at=at,
        from_status=Status(from_status),
        to_status=Status(to_status),
        from_progress=from_progress,
        to_progress=to_progress,
        note=note,
        undone=row[9],
        sequence=change_id,
    )


async def _load_changes(
    session: UnitOfWork, *, scope: SummaryScope, as_of: datetime
) -> list[ChangeRow]:
    """The few changes of each item the summary reads, not its whole history.

    `domain.summary` needs, per item (undone changes never count): its last change at or
    before `as_of` (the state and the last update), its last change to done at or before
    `as_of` (the completion date and whether it fell this week) and its first change after
    `as_of` (that there is one, and the state before it). At most three rows an item, ranked
    in SQL, give the same figures as the whole history.
    """
    item = (col(StatusChange.assignment_id), col(StatusChange.occurrence_id))
    latest = (col(StatusChange.at).desc(), col(StatusChange.id).desc())
    earliest = (col(StatusChange.at).asc(), col(StatusChange.id).asc())
    before = col(StatusChange.at) <= as_of
    wanted = (
        (before, latest),
        (sa.and_(before, col(StatusChange.to_status) == Status.DONE.value), latest),
        (col(StatusChange.at) > as_of, earliest),
    )
    found: dict[int, ChangeRow] = {}
    for condition, order in wanted:
        ranked = (
            sa.select(
                *_CHANGE_COLUMNS,
                sa.func.row_number().over(partition_by=item, order_by=order).label("rank"),
            )
            .join(Assignment, col(Assignment.id) == col(StatusChange.assignment_id))
            .join(Task, col(Task.id) == col(Assignment.task_id))
            .join(Agency, col(Agency.id) == col(Assignment.agency_id))
            .where(*_scope_filters(scope), col(StatusChange.undone).is_(False), condition)
            .subquery()
        )
        columns = [ranked.c[column.key] for column in _CHANGE_COLUMNS]
        for row in await _all(session, select(*columns).where(ranked.c.rank == 1)):
            if row[0] not in found:
                found[row[0]] = _change_row(row)
    return list(found.values())


async def _load_activity(session: UnitOfWork, *, as_of: datetime) -> dict[str, datetime]:
    rows = await _all(
        session,
        select(Agency.code, sa.func.max(StatusChange.at))
        .select_from(StatusChange)
        .join(Person, col(Person.id) == col(StatusChange.person_id))
        .join(Agency, col(Agency.id) == col(Person.agency_id))
        .where(col(StatusChange.at) <= as_of)
        .group_by(Agency.code),
    )
    return {code: at for code, at in rows if at is not None}


async def _snapshot(session: UnitOfWork, *, week: date, scope: SummaryScope) -> Figures | None:
    stored = (
        await session.exec(
            select(SummarySnapshot.figures).where(
                SummarySnapshot.week == week, SummarySnapshot.scope == scope.key
            )
        )
    ).first()
    return Figures.from_json(stored)


async def _scope_labels(
    session: UnitOfWork, *, scope: SummaryScope
) -> tuple[list[str], list[str]]:
    plans = [
        ref or key
        for ref, key in await _all(
            session,
            select(Plan.ref, Plan.source_key)
            .where(col(Plan.id).in_(sorted(scope.plan_ids)))
            .order_by(col(Plan.id)),
        )
    ]
    agencies = [
        name
        for name in await _all(
            session,
            select(Agency.name)
            .where(col(Agency.code).in_(sorted(scope.agency_codes)))
            .order_by(col(Agency.name)),
        )
    ]
    return plans, agencies


async def build_weekly_summary(
    session: UnitOfWork,
    *,
    as_of: datetime,
    scope: SummaryScope | None = None,
    config: ReportConfig | None = None,
) -> WeeklySummary:
    """The figures of the summary as of `as_of` (aware) for a scope (default: everything)."""
    scope = scope or SummaryScope()
    config = config or ReportConfig()
    today = as_of.astimezone(config.tz).date()
    items = await _load_items(session, scope=scope, today=today)
    changes = await _load_changes(session, scope=scope, as_of=as_of)
    activity = await _load_activity(session, as_of=as_of)
    previous = await _snapshot(session, week=week_start(today) - timedelta(days=7), scope=scope)
    plans, agencies = await _scope_labels(session, scope=scope)
    return summarise(
        items=items,
        changes=changes,
        activity=activity,
        previous=previous,
        as_of=as_of,
        tz=config.tz,
        calendar=config.calendar,
        scope=scope,
        scope_plans=plans,
        scope_agencies=agencies,
    )


# The names report_stem gives, with the files' suffixes: all that housekeeping may delete.
REPORT_FILE_NAME = re.compile(r"(weekly|now)-\d{4}-W\d{2}-[A-Za-z0-9-]+-(vi|en)\.(png|xlsx)")


def report_stem(summary: WeeklySummary, *, kind: str, locale: str) -> str:
    """The file name (without suffix) of a summary's files: re-runs in a week overwrite."""
    return f"{kind}-{summary.iso_week}-{summary.scope.slug}-{normalise_locale(locale)}"


def report_attachments(
    files: ReportFiles, *, locale: str, links: FileLinks | None, now: datetime
) -> tuple[Attachment, ...]:
    """The chart as a photo and the spreadsheet as a document, with captions (and signed
    public links, given `links`)."""

    def url(path: Path) -> str | None:
        return links.url(path.name, now=now) if links else None

    return summary_attachments(
        chart=files.chart,
        spreadsheet=files.spreadsheet,
        locale=locale,
        url=url,
        indicator_chart=files.indicator_chart,
    )


async def summary_indicators(
    session: UnitOfWork, *, scope: SummaryScope, as_of: datetime, config: ReportConfig
) -> IndicatorSummary | None:
    """The indicators of a summary's scope at their current checkpoints (None: none)."""
    today = as_of.astimezone(config.tz).date()
    overview = await indicator_overview(
        session,
        plan_ids=scope.plan_ids,
        agency_codes=scope.agency_codes,
        today=today,
        calendar=config.calendar,
    )
    at = summary_checkpoint(overview)
    if at is None:
        return None
    report = await indicator_report(
        session,
        year=at[0],
        months=at[1],
        plan_ids=scope.plan_ids,
        agency_codes=scope.agency_codes,
        today=today,
        calendar=config.calendar,
    )
    return IndicatorSummary(overview, report)


async def quarter_so_far(
    session: UnitOfWork, *, scope: SummaryScope, as_of: datetime, config: ReportConfig
) -> PeriodStatistics:
    """The official four buckets of the quarter up to `as_of`, over a summary's scope."""
    today = as_of.astimezone(config.tz).date()
    return await period_statistics(
        session,
        actor=Actor.desk(),
        period=quarter_of(today),
        as_of=today,
        tz=config.tz,
        within=scope,
    )


async def _summary_outgoing(
    summary: WeeklySummary,
    *,
    kind: str,
    locale: str,
    out_dir: Path,
    config: ReportConfig,
    now: datetime,
    indicators: IndicatorSummary | None = None,
    quarter: PeriodStatistics | None = None,
) -> Outgoing:
    files = await write_report_files(
        summary,
        out_dir=out_dir,
        stem=report_stem(summary, kind=kind, locale=locale),
        locale=locale,
        indicators=indicators,
    )
    _ = gettext_for(locale)
    extra = summary_lines(quarter, locale=locale, _=_) if quarter else []
    if indicators:
        extra += summary_section(indicators.overview, locale=locale, _=_)
    if config.dashboard_url:
        link = f"{config.dashboard_url}/?period={period_key(quarter_of(summary.local_date))}"
        extra = [*extra, "", dashboard_line(link, _)]
    return Outgoing(
        text=render_summary_text(summary, locale=locale, extra=extra),
        attachments=report_attachments(files, locale=locale, links=config.links, now=now),
    )


async def summary_message(
    session: UnitOfWork,
    *,
    person: Person,
    now: datetime,
    out_dir: Path,
    scope: SummaryScope | None = None,
    config: ReportConfig | None = None,
) -> Outgoing:
    """What /summary answers: the summary as of now with its chart and spreadsheet.

    Leaders, coordinators and admins read every agency's work (services.access), so the
    summary covers everything unless they narrowed it with `scope`; officers are told
    politely that the summary is for leadership. Nothing is stored.
    """
    if person.role not in SUMMARY_ROLES:
        return Outgoing(text=summary_refused(gettext_for(person.locale)))
    config = config or ReportConfig()
    summary = await build_weekly_summary(session, as_of=now, scope=scope, config=config)
    indicators = await summary_indicators(session, scope=summary.scope, as_of=now, config=config)
    quarter = await quarter_so_far(session, scope=summary.scope, as_of=now, config=config)
    return await _summary_outgoing(
        summary,
        kind="now",
        locale=person.locale,
        out_dir=out_dir,
        config=config,
        now=now,
        indicators=indicators,
        quarter=quarter,
    )


def weekly_target(summary: WeeklySummary) -> str:
    """The ReminderLedger target of a week's summary: "summary:2023-W26"."""
    return f"summary:{summary.iso_week}"


async def _store_snapshot(sessions: Sessions, *, summary: WeeklySummary, now: datetime) -> None:
    try:
        async with transaction(sessions) as session:
            exists = (
                await session.exec(
                    select(SummarySnapshot.id).where(
                        SummarySnapshot.week == summary.week_start,
                        SummarySnapshot.scope == summary.scope.key,
                    )
                )
            ).first()
            if exists is None:
                session.add(
                    SummarySnapshot(
                        week=summary.week_start,
                        scope=summary.scope.key,
                        figures=summary.figures.to_json(),
                        created_at=now,
                    )
                )
    except IntegrityError:
        # Another instance stored this week's snapshot first; the first one stands.
        log.info("summary snapshot for %s already stored", summary.iso_week)


async def send_weekly_summaries(
    sessions: Sessions,
    *,
    now: datetime,
    out_dir: Path,
    config: ReportConfig | None = None,
) -> int:
    """The scheduled job: the week's summary to every active leader and coordinator, once.

    Each message is written to the outbox in the same transaction as its ReminderLedger row
    (target "summary:<ISO week>", kind "weekly"), so a re-run, a retry or a second instance
    sends nobody a second copy. Stores the week's snapshot. Returns how many were enqueued.
    """
    config = config or ReportConfig()
    async with sessions() as session:
        summary = await build_weekly_summary(session, as_of=now, config=config)
        indicators = await summary_indicators(
            session, scope=summary.scope, as_of=now, config=config
        )
        quarter = await quarter_so_far(session, scope=summary.scope, as_of=now, config=config)
        target = weekly_target(summary)
        already = select(ReminderLedger.recipient_id).where(
            ReminderLedger.target == target, ReminderLedger.kind == LEDGER_KIND
        )
        recipients = (
            await session.exec(
                select(Person)
                .where(
                    col(Person.active).is_(True),
                    col(Person.role).in_([r.value for r in WEEKLY_RECIPIENT_ROLES]),
                    col(Person.id).in_(select(ChatIdentity.person_id)),
                    col(Person.id).not_in(already),
                )
                .order_by(col(Person.id))
            )
        ).all()
    await _store_snapshot(sessions, summary=summary, now=now)
    messages: dict[str, Outgoing] = {}
    sent = 0
    for person in recipients:
        assert person.id is not None
        locale = normalise_locale(person.locale)
        if locale not in messages:
            messages[locale] = await _summary_outgoing(
                summary,
                kind="weekly",
                locale=locale,
                out_dir=out_dir,
                config=config,
                now=now,
                indicators=indicators,
                quarter=quarter,
            )
        try:
            async with transaction(sessions) as session:
                row = await enqueue_for_person(
                    session,
                    person_id=person.id,
                    message=messages[locale],
                    now=now,
                    kind=OutboxKind.SUMMARY,
                )
                if row is None:
                    log.warning("weekly summary: person %s has no chat any more", person.id)
                    continue
                session.add(
                    ReminderLedger(
                        target=target,
                        recipient_id=person.id,
                        kind=LEDGER_KIND,
                        created_at=now,
                        outbox_id=row.id,
                    )
                )
                await session.flush()
        except IntegrityError:
            # A concurrent run enqueued this person's copy first; the rollback removed ours.
            log.info("weekly summary %s for person %s already enqueued", target, person.id)
            continue
        sent += 1
    log.info("weekly summary %s enqueued for %d people", target, sent)
    return sent


async def weekly_summary(
    session: UnitOfWork, *, actor: Actor, now: datetime, config: ReportConfig, out_dir: Path
) -> Outgoing:
    """/summary: the summary as of now with its chart and spreadsheet, for those who read
    every agency's work."""
    if not actor.sees_everything:
        raise AccessDenied("summary")
    person = await session.get(Person, actor.person_id)
    if person is None:
        raise AccessDenied("summary")
    return await summary_message(session, person=person, now=now, out_dir=out_dir, config=config)
