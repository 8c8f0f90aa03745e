"""APScheduler wiring for `dondoc run`: fixed job ids, coalescing, a misfire grace, a leader.

Every job first asks the Leadership whether this instance leads; followers skip the run
and try again at the next one, which is how one takes over when the leader dies.
"""

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import App
from scheduler.jobs import run_escalation, run_sweep
from scheduler.leader import Leadership

log = logging.getLogger(__name__)

SWEEP_JOB = "reminder-sweep"
ESCALATION_JOB = "escalation"


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
    *, app: App, on_enqueued: Callable[[], None], leadership: Leadership | None = None
) -> AsyncIOScheduler:
    """The scheduler with its jobs; the caller starts it inside the running event loop and
    releases `leadership` at shutdown (pass your own to be able to)."""
    settings = app.settings
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
    scheduler.add_job(
        run_if_leader,
        trigger=every_sweep,
        args=(
            SWEEP_JOB,
            leader,
            lambda: run_sweep(app, now=app.clock(), on_enqueued=on_enqueued),
        ),
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
    return scheduler
