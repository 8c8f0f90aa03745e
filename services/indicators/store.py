"""Storing a plan's indicator tables: insert or update in place by key, never lose a figure.

An indicator is identified within its plan by its key ("PL1.12"), so a corrected file updates
the indicator its figures point at. An indicator that disappeared from the file is marked
removed (its figures stay); one that comes back is restored. Owners and checkpoint targets
follow the file.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import col, select

from domain.indicators.model import Accumulation, IndicatorDraft, IndicatorSet, compare
from domain.indicators.quantities import Unit
from domain.indicators.targets import Comparison, Direction, Target, parse_target
from domain.recurrence import Cadence
from locales import N_, Translate
from models.tables import (
    Agency,
    AuditLog,
    Indicator,
    IndicatorCheckpointTarget,
    IndicatorOwner,
    Plan,
)
from services.agencies import RegistryNotLoadedError
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CollectionSettings:
    """A plan's indicator settings given on import; None leaves the stored one."""

    cadence: Cadence | None = None
    report_day: int | None = None
    margin: Decimal | None = None


@dataclass
class IndicatorSaveResult:
    """What storing a plan's indicators changed, by key."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Keys whose target, unit, name or owners changed: their standings may change too.
    changed: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def draft_of(
    row: Indicator, owners: tuple[str, ...], targets: list[IndicatorCheckpointTarget]
) -> IndicatorDraft:
    """A stored indicator as the importer would have read it, for `compare`."""
    return IndicatorDraft(
        key=row.key,
        table=row.table_prefix,
        group=row.group_name,
        number=row.number,
        parent_key=row.parent_key,
        name=row.name,
        unit=Unit(row.unit_text, row.unit_base, row.unit_scale),
        target=Target(row.target_text),
        owner_text=row.owner_text,
        owner_codes=owners,
        direction=Direction(row.direction),
        accumulation=Accumulation(row.accumulation),
        is_heading=row.is_heading,
        checkpoint_targets=tuple((t.months, Target(t.target_text)) for t in targets),
    )


def _fill(row: Indicator, draft: IndicatorDraft, *, position: int, year: int | None) -> None:
    target = draft.target
    row.table_prefix = draft.table
    row.group_name = draft.group
    row.number = draft.number
    row.parent_key = draft.parent_key
    row.position = position
    row.name = draft.name
    row.year = year
    row.unit_text = draft.unit.text[:120]
    row.unit_base = draft.unit.base[:120]
    row.unit_scale = draft.unit.scale
    row.target_text = target.text
    row.comparison = target.comparison.value if target.comparison else None
    row.target_low = target.low
    row.target_high = target.high
    row.target_reference = target.reference[:200] if target.reference else None
    row.direction = draft.direction.value
    row.direction_inferred = draft.direction_inferred
    row.accumulation = draft.accumulation.value
    row.accumulation_inferred = draft.accumulation_inferred
    row.cadence = draft.cadence.value if draft.cadence else None
    row.is_heading = draft.is_heading
    row.owner_text = draft.owner_text
    row.unresolved_owners = list(draft.unresolved_owners)
    row.notes = [str(problem) for problem in draft.problems]
    row.removed_at = None


async def save_indicators(
    session: UnitOfWork,
    *,
    plan: Plan,
    found: IndicatorSet,
    now: datetime,
    actor: str,
    settings: CollectionSettings | None = None,
) -> IndicatorSaveResult:
    """Insert or update a plan's indicators, owners and checkpoint targets in the caller's
    transaction; mark those no longer in the file removed; store the plan's settings given."""
    assert plan.id is not None
    if settings is not None:
        if settings.cadence is not None:
            plan.indicator_cadence = settings.cadence.value
        if settings.report_day is not None:
            plan.indicator_report_day = settings.report_day
        if settings.margin is not None:
            plan.indicator_margin = settings.margin
        session.add(plan)
    agencies = {a.code: a for a in (await session.exec(select(Agency))).all()}
    needed = {code for draft in found.indicators for code in draft.owner_codes}
    missing = sorted(needed - agencies.keys())
    if missing:
        raise RegistryNotLoadedError(tuple(missing))
    existing = {
        row.key: row
        for row in (
            await session.exec(select(Indicator).where(Indicator.plan_id == plan.id))
        ).all()
    }
    ids = [row.id for row in existing.values()]
    owners: dict[int, list[IndicatorOwner]] = {}
    for owner in (
        await session.exec(
            select(IndicatorOwner)
            .where(col(IndicatorOwner.indicator_id).in_(ids))
            .order_by(col(IndicatorOwner.position))
        )
    ).all():
        owners.setdefault(owner.indicator_id, []).append(owner)
    targets: dict[int, list[IndicatorCheckpointTarget]] = {}
    for target in (
        await session.exec(
            select(IndicatorCheckpointTarget).where(
                col(IndicatorCheckpointTarget.indicator_id).in_(ids)
            )
        )
    ).all():
        targets.setdefault(target.indicator_id, []).append(target)
    codes = {agency.id: code for code, agency in agencies.items()}
    before = [
        draft_of(
            row,
            tuple(codes[o.agency_id] for o in owners.get(row.id or 0, [])),
            targets.get(row.id or 0, []),
        )
        for row in existing.values()
        if row.removed_at is None
    ]
    result = IndicatorSaveResult(changed=list(compare(before, found.indicators).changed))
    year = found.year or plan.plan_year
    for position, draft in enumerate(found.indicators):
        row = existing.get(draft.key)
        if row is None:
            row = Indicator(
                plan_id=plan.id, key=draft.key, name=draft.name, created_at=now, updated_at=now
            )
            result.added.append(draft.key)
        else:
            result.updated.append(draft.key)
        _fill(row, draft, position=position, year=year)
        row.table_title = found.tables.get(draft.table, "")
        row.source_file = found.source_file[:300]
        row.updated_at = now
        session.add(row)
        await session.flush()
        assert row.id is not None
        await _sync_owners(session, row.id, draft, agencies, owners.get(row.id, []))
        await _sync_targets(session, row.id, draft, targets.get(row.id, []))
    kept = {draft.key for draft in found.indicators}
    for key, row in existing.items():
        if key not in kept and row.removed_at is None:
            row.removed_at = now
            row.updated_at = now
            session.add(row)
            result.removed.append(key)
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action="indicators.import",
            detail={
                "plan": plan.source_key,
                "added": len(result.added),
                "updated": len(result.updated),
                "removed": result.removed,
                "changed": [key for key, _ in result.changed],
            },
        )
    )
    await session.flush()
    return result


async def _sync_owners(
    session: UnitOfWork,
    indicator_id: int,
    draft: IndicatorDraft,
    agencies: dict[str, Agency],
    stored: list[IndicatorOwner],
) -> None:
    by_agency = {owner.agency_id: owner for owner in stored}
    wanted: list[int] = []
    for position, code in enumerate(draft.owner_codes):
        agency_id = agencies[code].id
        assert agency_id is not None
        wanted.append(agency_id)
        owner = by_agency.get(agency_id) or IndicatorOwner(
            indicator_id=indicator_id, agency_id=agency_id
        )
        owner.position = position
        owner.inherited = draft.owner_inherited
        session.add(owner)
    for agency_id, owner in by_agency.items():
        if agency_id not in wanted:
            await session.delete(owner)


async def _sync_targets(
    session: UnitOfWork,
    indicator_id: int,
    draft: IndicatorDraft,
    stored: list[IndicatorCheckpointTarget],
) -> None:
    by_months = {target.months: target for target in stored}
    wanted = dict(draft.checkpoint_targets)
    for months, target in wanted.items():
        row = by_months.get(months) or IndicatorCheckpointTarget(
            indicator_id=indicator_id, months=months
        )
        row.target_text = target.text
        row.comparison = target.comparison.value if target.comparison else None
        row.low = target.low
        row.high = target.high
        session.add(row)
    for months, row in by_months.items():
        if months not in wanted:
            await session.delete(row)


_COMPARISONS = {comparison.value: comparison for comparison in Comparison}


def stored_target(
    text: str,
    comparison: str | None,
    low: Decimal | None,
    high: Decimal | None,
    reference: str | None = None,
) -> Target:
    """A target as stored, ready to judge with (its own unit read back only for a change,
    "tăng 10%", the one case judging needs it)."""
    if comparison is None:
        # Unread (or empty): read again for its reason, which the reports show.
        return parse_target(text) if text else Target(text)
    kind = _COMPARISONS[comparison]
    unit = parse_target(text).unit if kind in (Comparison.INCREASE, Comparison.DECREASE) else None
    return Target(text, kind, low, high, unit, reference)


IMPORTED = N_("Chỉ tiêu: {added} mới, {updated} cập nhật, {removed} gỡ bỏ.")


def describe(result: IndicatorSaveResult, _: Translate) -> str:
    """One line saying what an import changed."""
    return _(IMPORTED).format(
        added=len(result.added), updated=len(result.updated), removed=len(result.removed)
    )
