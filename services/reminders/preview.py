"""The reminders the current data would send in a date range, by the planner sweeps use."""

from dataclasses import dataclass
from datetime import date, datetime

from domain.reminders import (
    simulate,
)
from models.tables import (
    ReminderLedger,
)
from services.reminders.history import ledger_rows, target_info
from services.reminders.load import ReminderSettings, load_store
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PreviewRow:
    """One reminder the current data would produce."""

    at: datetime
    person_id: int
    person: str
    agency: str
    plan_ref: str
    # A task's code and handle, or an indicator's key (no handle) and checkpoint ("2023-06M").
    task_code: str
    handle: int | None
    period: str | None
    kind: str


@dataclass(frozen=True)
class Preview:
    """The reminders of a date range, and the agencies nobody would hear about."""

    rows: tuple[PreviewRow, ...]
    unstaffed: tuple[str, ...]


async def preview(
    session: UnitOfWork, *, settings: ReminderSettings, start: date, end: date, now: datetime
) -> Preview:
    """The reminders sweeps would send from `start` to `end`, by the planner sweeps use."""
    store = await load_store(
        session, settings=settings, now=now, remind_through=end, blocked_any=False
    )
    recorded = await ledger_rows(
        session, column=ReminderLedger.target, values=[t.key for t in store.targets]
    )
    planned = simulate(
        store.targets,
        recipients=store.recipients,
        recorded=recorded,
        snoozes=store.snoozes,
        hours=settings.hours,
        start=start,
        end=end,
    )
    info = await target_info(session, [p.reminder.target for p in planned])
    indicators = store.owed.info((p.reminder.target for p in planned), agencies=store.agencies)
    rows = []
    for item in planned:
        reminder = item.reminder
        shown = info.get(reminder.target.key)
        asked = indicators.get(reminder.target.key)
        if shown is not None:
            plan_ref, code, handle, period = (
                shown.plan_label,
                shown.task_code,
                shown.handle,
                shown.period,
            )
        elif asked is not None:
            plan_ref, code, handle, period = (
                asked.plan_label,
                asked.key,
                None,
                asked.checkpoint_key,
            )
        else:
            continue
        contact = store.contacts[reminder.person_id]
        rows.append(
            PreviewRow(
                at=item.at,
                person_id=contact.person_id,
                person=contact.name,
                agency=store.agencies.get(reminder.target.agency_id, ("?", ""))[0],
                plan_ref=plan_ref,
                task_code=code,
                handle=handle,
                period=period,
                kind=reminder.label,
            )
        )
    unstaffed = sorted(
        {
            store.agencies.get(t.agency_id, (str(t.agency_id), ""))[0]
            for t in store.targets
            if not t.informational and t.due is not None and t.agency_id not in store.recipients
        }
    )
    return Preview(tuple(rows), tuple(unstaffed))
