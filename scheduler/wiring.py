"""APScheduler wiring for `dondoc run`: fixed job ids, coalescing, a misfire grace, a leader.

Every job first asks the Leadership whether this instance leads; followers skip the run
and try again at the next one, which is how one takes over when the leader dies.

The weekly summary fires on its cron time. A restart or a takeover can swallow that moment,
so each sweep also catches up a summary whose time passed less than a day ago and that this
instance has not sent: the summary's own ledger rows keep anyone from getting it twice.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.jobs import (
    JobHost,
    run_escalation,
    run_housekeeping,
    run_sweep,
    run_weekly_summary,
)
from scheduler.leader import Leadership

log = logging.getLogger(__name__)

SWEEP_JOB = "reminder-sweep"
ESCALATION_JOB = "escalation"
WEEKLY_JOB = "weekly-summary"
HOUSEKEEPING_JOB = "housekeeping"
# Housekeeping runs daily at a quiet hour, local time.
HOUSEKEEPING_AT = (3, 15)
# How late a missed weekly summary is still sent, and how late its cron run may start.
SUMMARY_CATCH_UP = timedelta(hours=24)


class WeeklyTime(Protocol):
    """When the weekly summary goes out (a JobConfig, or bot.settings.Settings)."""

    @property
    def weekly_summary_at(self) -> tuple[str, int, int]: ...
    @property
    def tz(self) -> ZoneInfo: ...


def weekly_trigger(config: WeeklyTime) -> CronTrigger:
    """The weekly summary's time (DONDOC_WEEKLY_SUMMARY_CRON) in the configured time zone."""
    days, hour, minute = config.weekly_summary_at
    return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=config.tz)


def last_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's latest time at or before `now`, within the last eight days."""
    found = None
    moment = trigger.get_next_fire_time(None, now - timedelta(days=8))
    while moment is not None and moment <= now:
        found = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return found


class WeeklySummary:
    """Sends each scheduled weekly summary once from this instance, late if it must."""

    def __init__(self, app: JobHost, *, on_enqueued: Callable[[], None]) -> None:
        self._app = app
        self._trigger = weekly_trigger(app.jobs)
        self._on_enqueued = on_enqueued
        self._sent: set[datetime] = set()

    @property
    def trigger(self) -> CronTrigger:
        """When the summary is scheduled."""
        return self._trigger

    async def __call__(self) -> None:
        """Send the latest scheduled summary unless sent, or more than a day old."""
        now = self._app.clock()
        due = last_fire(self._trigger, now)
        if due is None or due in self._sent or now - due > SUMMARY_CATCH_UP:
            return
        await run_weekly_summary(self._app, now=now, on_enqueued=self._on_enqueued)
        self._sent.add(due)


async def run_if_leader(
    name: str, leadership: Leadership, work: Callable[[], Awaitable[object]]
) -> None:
    """Run one scheduled job if this instance leads; log its failure (it runs again next time)."""
    if not await leadership.ensure():
        log.debug("%s: another instance runs the scheduled jobs", name)
        return
    try:
        await work()
    except Exception:
        log.exception("scheduled job %s failed; it runs again at its next time", name)


def build_scheduler(
    *, app: JobHost, on_enqueued: Callable[[], None], leadership: Leadership | None = None
) -> AsyncIOScheduler:
    """The scheduler with its jobs; the caller starts it inside the running event loop and
    releases `leadership` at shutdown (pass your own to be able to)."""
    settings = app.jobs
    leader = leadership if leadership is not None else Leadership(app.engine)
    scheduler = AsyncIOScheduler(timezone=settings.tz)
    every_sweep = IntervalTrigger(seconds=settings.sweep_seconds, timezone=settings.tz)
    # Runs missed while the loop was busy collapse into one, never overlap, and are
    # dropped once the next one is due anyway.
    once = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": settings.sweep_seconds,
        "replace_existing": True,
    }
    weekly = WeeklySummary(app, on_enqueued=on_enqueued)

    # This process's first sweep in office hours plans every open assignment again: a
    # restart may bring a new calendar (days off), which moves their steps.
    replanned = False

    async def sweep_and_catch_up() -> None:
        nonlocal replanned
        now = app.clock()
        full = not replanned and settings.reminders.hours.is_open(now)
        await run_sweep(app, now=now, on_enqueued=on_enqueued, incremental=not full)
        replanned = replanned or full
        await weekly()

    scheduler.add_job(
        run_if_leader,
        trigger=every_sweep,
        args=(SWEEP_JOB, leader, sweep_and_catch_up),
        id=SWEEP_JOB,
        name="Reminder sweep",
        **once,
    )
    scheduler.add_job(
        run_if_leader,
        trigger=every_sweep,
        args=(
            ESCALATION_JOB,
            leader,
            lambda: run_escalation(app, now=app.clock(), on_enqueued=on_enqueued),
        ),
        id=ESCALATION_JOB,
        name="Escalation to coordinators and leadership",
        **once,
    )
    scheduler.add_job(
        run_if_leader,
        trigger=weekly.trigger,
        args=(WEEKLY_JOB, leader, weekly),
        id=WEEKLY_JOB,
        name="Weekly summary for leadership",
        **{**once, "misfire_grace_time": int(SUMMARY_CATCH_UP.total_seconds())},
    )
    hour, minute = HOUSEKEEPING_AT
    scheduler.add_job(
        run_if_leader,
        trigger=CronTrigger(hour=hour, minute=minute, timezone=settings.tz),
        args=(HOUSEKEEPING_JOB, leader, lambda: run_housekeeping(app, now=app.clock())),
        id=HOUSEKEEPING_JOB,
        name="Housekeeping: forget old handled updates and report files, refresh statistics",
        **{**once, "misfire_grace_time": int(SUMMARY_CATCH_UP.total_seconds())},
    )
    return scheduler
