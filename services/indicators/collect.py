"""Indicators as the reminder sweep and the escalation pass see them: open targets.

An indicator is a target ("i:<id>") of its lead owner, due on the report day of the latest
checkpoint the sweep can reach (domain.indicators.collection.reminder_checkpoint), open
while no figure is in for that checkpoint. From there the planner treats it as a task: the
same ledger, policy, send window, bundling, nags and escalation.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from domain.calendar import WorkCalendar
from domain.indicators.checkpoints import Checkpoint
from domain.indicators.collection import indicator_of, indicator_target, reminder_checkpoint
from domain.reminders import DEFAULT_POLICY, OpenTarget, ReminderPolicy
from domain.status import Status
from services.indicators.read import (
    PlanSettings,
    Schedule,
    StoredIndicator,
    current_figures,
    describe,
    load_indicators,
    load_plans,
)
from services.unit_of_work import UnitOfWork
from views.indicators import IndicatorInfo


@dataclass(frozen=True)
class Owed:
    """The indicator targets a sweep found, and what their messages show."""

    targets: list[OpenTarget] = field(default_factory=list)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)
    indicators: dict[int, StoredIndicator] = field(default_factory=dict)
    plans: dict[int, PlanSettings] = field(default_factory=dict)

    def info(
        self, targets: Iterable[OpenTarget], *, agencies: Mapping[int, tuple[str, str]]
    ) -> dict[str, IndicatorInfo]:
        """What a reminder or a digest shows about each indicator target among `targets`."""
        found = {}
        for target in targets:
            indicator_id = indicator_of(target.key)
            checkpoint = self.checkpoints.get(target.key)
            indicator = self.indicators.get(indicator_id) if indicator_id is not None else None
            if indicator is None or checkpoint is None:
                continue
            found[target.key] = describe(indicator, checkpoint, self.plans, agencies)
        return found


async def owed_indicators(
    session: UnitOfWork,
    *,
    policies: Mapping[int, ReminderPolicy],
    calendar: WorkCalendar,
    through: date,
    today: date,
) -> Owed:
    """The indicators whose figures are owed for a checkpoint due by `through`, as open
    targets of their lead owners."""
    plans = await load_plans(session)
    schedule = Schedule(calendar, today=today)
    wanted: dict[int, tuple[StoredIndicator, Checkpoint]] = {}
    for indicator in await load_indicators(session):
        if indicator.lead is None:
            continue
        checkpoints = schedule.of(indicator, plans[indicator.plan_id])
        found = reminder_checkpoint(checkpoints, through=through)
        if found is not None:
            wanted[indicator.id] = (indicator, found)
    if not wanted:
        return Owed()
    figures = await current_figures(
        session, checkpoint_keys={checkpoint.key for _, checkpoint in wanted.values()}
    )
    owed = Owed(plans=plans)
    for indicator_id, (indicator, found) in wanted.items():
        figure = figures.get((indicator_id, found.key))
        if figure is not None and figure.value is not None:
            continue
        assert indicator.lead is not None
        key = indicator_target(indicator_id)
        owed.checkpoints[key] = found
        owed.indicators[indicator_id] = indicator
        # Positional, in OpenTarget's field order, as the task targets are built.
        owed.targets.append(
            OpenTarget(
                key,
                indicator_id,
                None,
                indicator.lead,
                indicator.plan_id,
                found.report_by,
                policies.get(indicator.plan_id, DEFAULT_POLICY),
                False,
                Status.NOT_STARTED,
                None,
            )
        )
    return owed
