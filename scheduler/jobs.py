"""The scheduled jobs, callable directly: by the scheduler, by tests and by the demo's /tick.

Each takes what it runs on (a JobHost: the store, the clock and a JobConfig) and `now`, so a
test (or the demo) can move time and run a sweep.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.official_calendar import unannounced_coming_year
from services import inbox
from services.clock import Clock
from services.housekeeping import (
    prune_handled_updates,
    prune_report_files,
    refresh_statistics,
)
from services.occurrences import GeneratedOccurrences, generate_occurrences
from services.outbox import Wake
from services.overdue_counts import count_overdue_on
from services.private_files import private_folder
from services.reminders.escalation import EscalationResult, escalate
from services.reminders.load import ReminderSettings
from services.reminders.sweep import SweepResult, sweep
from services.report_config import ReportConfig
from services.summary import send_weekly_summaries
from services.unit_of_work import Sessions, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobConfig:
    """What the scheduled jobs need of the configuration (built from bot.settings)."""

    tz: ZoneInfo
    reminders: ReminderSettings
    report: ReportConfig
    data_dir: Path
    sweep_seconds: int
    weekly_summary_at: tuple[str, int, int]


class JobHost(Protocol):
    """What the jobs run on: the store, the clock and their configuration (bot.bootstrap.App)."""

    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def jobs(self) -> JobConfig: ...


async def run_occurrences(app: JobHost, *, now: datetime) -> GeneratedOccurrences:
    """Create the current and next periods of every recurring duty."""
    today = now.astimezone(app.jobs.tz).date()
    async with transaction(app.sessions) as session:
        result = await generate_occurrences(session, today=today)
    if result.created:
        log.info("created %d report periods ahead", result.created)
    return result


async def run_sweep(
    app: JobHost, *, now: datetime, on_enqueued: Wake | None = None, incremental: bool = True
) -> SweepResult:
    """Make sure the current report periods exist and the overdue counts count today, then
    send every reminder due at `now` (planning only what changed or came due, unless not
    `incremental`)."""
    await run_occurrences(app, now=now)
    async with transaction(app.sessions) as session:
        await count_overdue_on(session, day=now.astimezone(app.jobs.tz).date(), tz=app.jobs.tz)
    result = await sweep(
        app.sessions,
        settings=app.jobs.reminders,
        now=now,
        wake=on_enqueued,
        incremental=incremental,
    )
    if result.messages or result.conflicts:
        log.info(
            "reminder sweep: %d messages, %d reminders, %d notices, %d skipped, %d conflicts",
            result.messages,
            result.reminders,
            result.notices,
            result.skipped,
            result.conflicts,
        )
    return result


async def run_escalation(
    app: JobHost, *, now: datetime, on_enqueued: Wake | None = None
) -> EscalationResult:
    """Send coordinators and leadership what has become blocked or long overdue."""
    result = await escalate(app.sessions, settings=app.jobs.reminders, now=now, wake=on_enqueued)
    if result.messages or result.conflicts:
        log.info(
            "escalation: %d messages, %d items, %d conflicts",
            result.messages,
            result.items,
            result.conflicts,
        )
    return result


async def run_weekly_summary(
    app: JobHost, *, now: datetime, on_enqueued: Wake | None = None
) -> int:
    """Send the week's summary to every leader and coordinator who has not had it yet."""
    config = app.jobs
    private_folder(config.data_dir)
    sent = await send_weekly_summaries(
        app.sessions, now=now, out_dir=config.data_dir, config=config.report
    )
    if sent:
        log.info("weekly summary sent to %d people", sent)
        if on_enqueued is not None:
            on_enqueued()
    return sent


def check_coming_year(tz: ZoneInfo, *, now: datetime) -> int | None:
    """Warn in the log, from 1 November on, while the shipped official calendar has no
    schedule for the coming year; that year, or None."""
    year = unannounced_coming_year(today=now.astimezone(tz).date())
    if year is not None:
        log.warning(
            "the official calendar shipped with this version has no schedule of days off for "
            "%d yet: %d follows the holidays package, which can be wrong about swapped days. "
            "When the government announces the schedule, set DONDOC_EXTRA_DAYS_OFF and "
            "DONDOC_EXTRA_WORKING_DAYS, or upgrade; `dondoc calendar %d` shows what the bot "
            "believes",
            year,
            year,
            year,
        )
    return year


async def run_housekeeping(app: JobHost, *, now: datetime) -> int:
    """Forget handled-update records too old to be redelivered, delete old report files,
    refresh SQLite's statistics and check the coming year's calendar; how many records were
    forgotten."""
    check_coming_year(app.jobs.tz, now=now)
    pruned = await prune_handled_updates(app.sessions, now=now)
    pruned += await inbox.prune(app.sessions, now=now)
    if pruned:
        log.info("housekeeping: forgot %d handled-update records", pruned)
    removed = await asyncio.to_thread(prune_report_files, app.jobs.data_dir, now=now)
    if removed:
        log.info("housekeeping: deleted %d old report files", removed)
    if await refresh_statistics(app.engine):
        log.info("housekeeping: refreshed the store's statistics")
    return pruned
