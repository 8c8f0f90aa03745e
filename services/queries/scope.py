"""The one scope resolver: an agency (code, alias or name; a group means its members) or a
plan (number or key), as /overdue, /summary and the command line name them."""

from collections.abc import Sequence

from sqlmodel import select

from domain.summary import SummaryScope
from domain.text import MAX_ID, fold, read_int
from models.tables import (
    Agency,
    Plan,
)
from services.agencies import expand_groups
from services.people import UnknownAgencyError
from services.queries.tasks import plan_label
from services.unit_of_work import UnitOfWork
from views.rows import (
    Scope,
)


class UnknownPlanError(LookupError):
    """No plan has that id, number or source key."""


def _names_agency(agency: Agency, wanted: str) -> bool:
    """Whether folded text is the agency's code, name or one of its aliases."""
    return any(fold(name) == wanted for name in (agency.code, agency.name, *agency.aliases))


def _names_plan(plan: Plan, wanted: str) -> bool:
    """Whether folded text is the plan's number or source key (spaces ignored: "40 /KH-UBND")."""
    keys = [plan.source_key, *([plan.ref] if plan.ref else [])]
    return any(fold(key).replace(" ", "") == wanted.replace(" ", "") for key in keys)


async def resolve_scope(session: UnitOfWork, *, text: str) -> Scope | None:
    """An agency (code, alias or name; a group means its members) or a plan (number or key)."""
    wanted = fold(text)
    if not wanted:
        return None
    agencies = list((await session.exec(select(Agency))).all())
    for agency in agencies:
        if _names_agency(agency, wanted):
            return _agency_scope(agencies, agency)
    for plan in (await session.exec(select(Plan))).all():
        if _names_plan(plan, wanted):
            assert plan.id is not None
            return Scope(kind="plan", key=plan.id, label=plan_label(plan))
    return None


async def summary_scope(
    session: UnitOfWork, *, plans: Sequence[str] = (), agencies: Sequence[str] = ()
) -> SummaryScope:
    """A summary's scope from what a person typed: plans (number, key or id) and agencies or
    groups (code, alias or name), each named the way `resolve_scope` reads them. Raises
    UnknownPlanError or UnknownAgencyError for a name that matches nothing."""
    plan_ids: set[int] = set()
    if plans:
        stored = list((await session.exec(select(Plan))).all())
        for wanted in plans:
            text = wanted.strip()
            found = [
                p.id
                for p in stored
                if p.id is not None
                # an id; longer digit runs would overflow the column
                and (_names_plan(p, fold(text)) or p.id == read_int(text, high=MAX_ID))
            ]
            if not found:
                raise UnknownPlanError(wanted)
            plan_ids.update(found)
    codes: set[str] = set()
    if agencies:
        registry = list((await session.exec(select(Agency))).all())
        for wanted in agencies:
            named = [a for a in registry if _names_agency(a, fold(wanted))]
            if not named:
                raise UnknownAgencyError(wanted)
            codes.update(a.code for a in expand_groups(registry, [named[0].code]))
    return SummaryScope(plan_ids=frozenset(plan_ids), agency_codes=frozenset(codes))


def _agency_scope(agencies: Sequence[Agency], agency: Agency) -> Scope:
    assert agency.id is not None
    members = expand_groups(agencies, [agency.code]) if agency.is_group else [agency]
    return Scope(
        kind="agency",
        key=agency.id,
        label=agency.code,
        agency_ids=tuple(a.id for a in members if a.id is not None),
    )


async def scope_from_token(session: UnitOfWork, *, token: str) -> Scope | None:
    """Rebuild a scope from its button form (a17, p3); None if it no longer exists."""
    key = read_int(token[1:], high=MAX_ID) if token[:1] in ("a", "p") else None
    if key is None:
        return None
    if token[0] == "p":
        plan = await session.get(Plan, key)
        return None if plan is None else Scope(kind="plan", key=key, label=plan_label(plan))
    agency = await session.get(Agency, key)
    if agency is None:
        return None
    agencies = list((await session.exec(select(Agency))).all()) if agency.is_group else [agency]
    return _agency_scope(agencies, agency)
