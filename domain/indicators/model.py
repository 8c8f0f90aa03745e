"""Indicators (chỉ tiêu) as read from a plan's tables, before anyone has reviewed or stored them.

Each indicator has a key that stays the same when the table is imported again ("PL1.12",
"PL3.47", "PL1.1.2" for the second sub-row of PL1 #1), so a re-import updates the stored
indicator in place and its reported values keep pointing at it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from domain.indicators.quantities import NO_UNIT, Unit
from domain.indicators.targets import Direction, Target
from domain.problems import Problem
from domain.recurrence import Cadence
from domain.text import fold
from locales import N_


class Accumulation(StrEnum):
    """How an indicator grows through the year; stored as its value.

    CUMULATIVE figures add up month by month (revenue, visitors, jobs), so at a checkpoint they
    are judged against the share of the year gone by; LEVEL figures (rates, shares, per-head
    values, stocks) are judged against the whole target at every checkpoint.
    """

    CUMULATIVE = "cumulative"
    LEVEL = "level"


@dataclass(frozen=True)
class IndicatorRule:
    """What judging a value needs: the target, which way is better, how the figure grows.

    `checkpoint_targets` pairs the months a checkpoint covers (3, 6, 9, 12) with a target the
    plan itself sets for it (PHỤ LỤC 2's GRDP scenario); they win over pro rata. `unit` tells a
    relative change ("tăng 10%" of a count) from one in points ("tăng 2%" of a rate).
    """

    target: Target
    direction: Direction
    accumulation: Accumulation
    checkpoint_targets: tuple[tuple[int, Target], ...] = ()
    unit: Unit = NO_UNIT


@dataclass(frozen=True)
class IndicatorDraft:
    """One indicator as the table states it: verbatim name, unit and target, and its owners.

    `owner_text` is the owner cell as written ("" when the row inherits its parent's owners);
    `owner_codes` the agencies to ask, the first being the lead; `number` the TT cell ("12",
    "a)", "" for a "- …" sub-row).
    """

    key: str
    table: str
    group: str
    number: str
    parent_key: str | None
    name: str
    unit: Unit
    target: Target
    owner_text: str
    owner_codes: tuple[str, ...]
    direction: Direction
    accumulation: Accumulation
    owner_named: tuple[str, ...] = ()
    owner_inherited: bool = False
    unresolved_owners: tuple[str, ...] = ()
    direction_inferred: bool = False
    accumulation_inferred: bool = False
    is_heading: bool = False
    checkpoint_targets: tuple[tuple[int, Target], ...] = ()
    notes: tuple[Problem, ...] = ()
    # How often its figures are collected, when the table says ("Kỳ báo cáo"); None: the plan's.
    cadence: Cadence | None = None

    @property
    def lead_code(self) -> str | None:
        """The agency that leads the monitoring, when there is one."""
        return self.owner_codes[0] if self.owner_codes else None

    @property
    def rule(self) -> IndicatorRule:
        """What the judgement of this indicator's values needs."""
        return IndicatorRule(
            target=self.target,
            direction=self.direction,
            accumulation=self.accumulation,
            checkpoint_targets=self.checkpoint_targets,
            unit=self.unit,
        )

    @property
    def problems(self) -> list[Problem]:
        """What a coordinator should check before values are collected for this indicator."""
        found = [
            Problem.of(N_("Không nhận ra cơ quan theo dõi chỉ tiêu: «{name}»"), name=fragment)
            for fragment in self.unresolved_owners
        ]
        if not self.owner_codes and not self.unresolved_owners:
            found.append(Problem(N_("Chỉ tiêu không có cơ quan chủ trì theo dõi, đánh giá")))
        if self.target.reason is not None:
            found.append(self.target.reason)
        elif self.target.is_empty and not self.is_heading:
            found.append(Problem(N_("Chỉ tiêu không ghi mục tiêu")))
        found += self.notes
        return found


@dataclass
class IndicatorSet:
    """The indicators read from one file, in table order, and what the import noticed.

    `tables` maps a table's key prefix ("PL1") to its title; `year` is the year its target
    column names ("Kế hoạch năm 2023").
    """

    source_file: str
    year: int | None = None
    tables: dict[str, str] = field(default_factory=dict)
    indicators: list[IndicatorDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, key: str) -> IndicatorDraft:
        """The indicator with this key; KeyError if there is none."""
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator
        raise KeyError(key)

    def children(self, key: str) -> list[IndicatorDraft]:
        """The sub-indicators directly under `key`, in table order."""
        return [indicator for indicator in self.indicators if indicator.parent_key == key]


# Words in a name that make a lower figure the better one. "Mức giảm tỷ lệ hộ nghèo" counts
# a reduction, so a name that starts with "giảm" / "mức giảm" is left alone.
_LOWER_IS_BETTER = (
    "ty le that nghiep",
    "tu vong",
    "no dong",
    "that thoat",
    "suy dinh duong",
    "ho ngheo",
    "tai nan",
    "o nhiem",
    "toi pham",
    "vi pham",
    "chay no",
)
_COUNTS_A_REDUCTION = re.compile(r"^[-+\s]*(?:muc\s+)?giam\b")


def infer_direction(target: Target, name: str) -> tuple[Direction, bool]:
    """Which way is better, and whether that was inferred rather than written in the target.

    The target's own wording ("> 7,3", "< 8", "giảm") decides; otherwise a name about
    unemployment, deaths, arrears, losses, malnutrition or poverty makes lower better, and
    anything else is a floor to reach. An inferred LOWER is worth a coordinator's look.
    """
    if target.direction is not None:
        return target.direction, False
    folded = fold(name)
    if not _COUNTS_A_REDUCTION.match(folded) and any(w in folded for w in _LOWER_IS_BETTER):
        return Direction.LOWER, True
    return Direction.HIGHER, True


# Flows that add up over the year; anything per head, per 100 people or a share is a level.
_FLOWS = frozenset({"dong", "usd", "tan", "kwh", "luot", "luot nguoi", "nguoi"})
_RATE_WORDS = ("ty le", "ty trong", "binh quan", "chi so", "toc do", "tren 100", "tren 10")


def infer_accumulation(unit: Unit, name: str) -> Accumulation:
    """CUMULATIVE for money, tonnage, energy, visits and people counted over the year."""
    folded = fold(name)
    if "/" in unit.base or any(word in folded for word in _RATE_WORDS):
        return Accumulation.LEVEL
    return Accumulation.CUMULATIVE if unit.base in _FLOWS else Accumulation.LEVEL


DIRECTION_NOTE = N_("Hướng đánh giá suy từ tên chỉ tiêu: {direction}; cần xác nhận")
DIRECTION_WORDS = {
    Direction.HIGHER: N_("càng cao càng tốt"),
    Direction.LOWER: N_("càng thấp càng tốt"),
}


def direction_note(direction: Direction) -> Problem:
    """The note on an indicator whose direction was read from its name."""
    return Problem.of(DIRECTION_NOTE, direction=Problem(DIRECTION_WORDS[direction]))


@dataclass(frozen=True)
class IndicatorChanges:
    """How a re-imported set differs from the stored one, by key."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[tuple[str, tuple[str, ...]], ...]


_COMPARED = ("group", "number", "parent_key", "name", "owner_codes")


def compare(before: Sequence[IndicatorDraft], after: Sequence[IndicatorDraft]) -> IndicatorChanges:
    """Which keys a re-import adds, removes, and changes (with the fields that changed)."""
    old = {indicator.key: indicator for indicator in before}
    new = {indicator.key: indicator for indicator in after}
    changed: list[tuple[str, tuple[str, ...]]] = []
    for key, indicator in new.items():
        if key not in old:
            continue
        previous = old[key]
        fields = [f for f in _COMPARED if getattr(previous, f) != getattr(indicator, f)]
        if previous.unit.text != indicator.unit.text:
            fields.append("unit")
        if previous.target.text != indicator.target.text:
            fields.append("target")
        if fields:
            changed.append((key, tuple(fields)))
    return IndicatorChanges(
        added=tuple(key for key in new if key not in old),
        removed=tuple(key for key in old if key not in new),
        changed=tuple(changed),
    )
