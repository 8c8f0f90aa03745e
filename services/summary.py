"""The weekly summary for leadership: read the store, compute (domain.summary), render.

`build_weekly_summary` (services.summary_items) reads the store a chunk of items at a time
and hands them to the pure `domain.summary`; `render_summary_text` writes the short phone
message; `summary_message` answers /summary; `send_weekly_summaries` is the scheduled job.
The definitions of every figure are in domain/summary.py.

Snapshots: the scheduled job stores the week's headline figures (SummarySnapshot, one per
week and scope, the first run of the week wins); every summary shows the change from the
previous week's snapshot. Ad-hoc summaries (/summary, `dondoc report weekly`) never write
one, so they cannot overwrite what leadership was sent.
"""

import logging
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.access import AccessDenied, Actor, Role
from domain.statistics import quarter_of
from domain.summary import SummaryScope, WeeklySummary
from locales import gettext_for, normalise_locale
from models.enums import OutboxKind
from models.tables import ChatIdentity, Person, ReminderLedger, SummarySnapshot
from services.dashboard.items import period_key
from services.file_links import FileLinks
from services.indicators.files import IndicatorSummary, summary_checkpoint
from services.indicators.report import indicator_overview, indicator_report
from services.outbox import enqueue_for_person
from services.report_config import ReportConfig
from services.report_files import ReportFiles, write_report_files
from services.statistics import period_statistics
from services.summary_items import build_weekly_summary
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
