"""The scheduled jobs, callable directly: by the scheduler, by tests and by the demo's /tick.

Each takes the app and `now`, so a test (or the demo) can move time and run a sweep.
"""

import asyncio
import logging
from datetime import datetime

from bot.bootstrap import App
from bot.settings import Settings
from domain.reminders import OfficeHours
from services.housekeeping import (
    prune_handled_updates,
    prune_report_files,
    refresh_statistics,
)
from services.occurrences import GeneratedOccurrences, generate_occurrences
from services.outbox import Wake
from services.reminders.load import ReminderSettings
from services.reminders.sweep import EscalationResult, SweepResult, escalate, sweep
from services.summary import ReportConfig, send_weekly_summaries
from services.unit_of_work import transaction

log = logging.getLogger(__name__)


def reminder_settings(settings: Settings) -> ReminderSettings:
    """How reminders behave, from the application settings."""
    start, end = settings.send_window
    return ReminderSettings(
        hours=OfficeHours(settings.work_calendar(), start, end, settings.tz),
        remind_cooperating=settings.remind_cooperating,
        escalate_after_days=settings.escalate_after_days,
        long_overdue_days=settings.long_overdue_days,
    )


async def run_occurrences(app: App, *, now: datetime) -> GeneratedOccurrences:
    """Create the current and next periods of every recurring duty."""
    today = now.astimezone(app.settings.tz).date()
    async with transaction(app.sessions) as session:
        result = await generate_occurrences(session, today=today)
    if result.created:
        log.info("created %d report periods ahead", result.created)
    return result


async def run_sweep(app: App, *, now: datetime, on_enqueued: Wake | None = None) -> SweepResult:
    """Make sure the current report periods exist, then send every reminder due at `now`."""
    await run_occurrences(app, now=now)
    result = await sweep(
        app.sessions, settings=reminder_settings(app.settings), now=now, wake=on_enqueued
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
    app: App, *, now: datetime, on_enqueued: Wake | None = None
) -> EscalationResult:
    """Send coordinators and leadership what has become blocked or long overdue."""
    result = await escalate(
        app.sessions, settings=reminder_settings(app.settings), now=now, wake=on_enqueued
    )
    if result.messages or result.conflicts:
        log.info(
            "escalation: %d messages, %d items, %d conflicts",
            result.messages,
            result.items,
            result.conflicts,
        )
    return result


async def run_weekly_summary(app: App, *, now: datetime, on_enqueued: Wake | None = None) -> int:
    """Send the week's summary to every leader and coordinator who has not had it yet."""
    settings = app.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sent = await send_weekly_summaries(
        app.sessions,
        now=now,
        out_dir=settings.data_dir,
        config=ReportConfig.from_settings(settings),
    )
    if sent:
        log.info("weekly summary sent to %d people", sent)
        if on_enqueued is not None:
            on_enqueued()
    return sent


async def run_housekeeping(app: App, *, now: datetime) -> int:
    """Forget handled-update records too old to be redelivered, delete old report files and
    refresh SQLite's statistics; how many records were forgotten."""
    pruned = await prune_handled_updates(app.sessions, now=now)
    if pruned:
        log.info("housekeeping: forgot %d handled-update records", pruned)
    removed = await asyncio.to_thread(prune_report_files, app.settings.data_dir, now=now)
    if removed:
        log.info("housekeeping: deleted %d old report files", removed)
    if await refresh_statistics(app.engine):
        log.info("housekeeping: refreshed the store's statistics")
    return pruned
