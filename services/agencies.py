"""The agency registry in the store: loading it from CSV and reading it back."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from io import StringIO

from sqlmodel import col, select

from domain.agencies import Agency as RegistryAgency
from domain.agencies import AgencyRegistry, row_problems
from models.tables import Agency, AuditLog
from services.unit_of_work import UnitOfWork

SHIPPED_REGISTRY: Traversable = files("bot") / "data" / "agencies.csv"
_REQUIRED = {"canonical_name", "short_code", "kind", "aliases", "member_of"}


class RegistryError(ValueError):
    """The registry file cannot be read; the message says which line and why."""


class RegistryNotLoadedError(LookupError):
    """The store has no agencies yet, or lacks codes that are needed."""


@dataclass(frozen=True)
class LoadResult:
    """What a registry load changed."""

    added: int
    updated: int
    groups: int


def read_registry(text: str) -> AgencyRegistry:
    """Check and parse a registry CSV (the columns of docs/agency-registry.md)."""
    reader = csv.DictReader(StringIO(text))
    missing = _REQUIRED - set(reader.fieldnames or ())
    if missing:
        raise RegistryError(f"missing columns: {', '.join(sorted(missing))}")
    rows = list(reader)
    seen: set[str] = set()
    for line, raw in enumerate(rows, start=2):
        code = (raw.get("short_code") or "").strip()
        if not code or not (raw.get("canonical_name") or "").strip():
            raise RegistryError(f"line {line}: short_code and canonical_name are required")
        if code in seen:
            raise RegistryError(f"line {line}: code {code} appears twice")
        seen.add(code)
        problems = row_problems(raw)
        if problems:
            raise RegistryError(f"line {line}: {problems[0]}")
    registry = AgencyRegistry.from_rows(rows)
    across = registry.problems()
    if across:
        raise RegistryError("; ".join(across))
    return registry


async def load_registry(
    session: UnitOfWork,
    *,
    registry: AgencyRegistry,
    now: datetime,
    actor: str,
) -> LoadResult:
    """Insert or update every agency of the registry (matched by code); never delete."""
    existing = {a.code: a for a in (await session.exec(select(Agency))).all()}
    added = updated = groups = 0
    for entry in registry:
        agency = existing.get(entry.code)
        if agency is None:
            agency = Agency(code=entry.code, name=entry.name, kind=entry.kind)
            added += 1
        else:
            updated += 1
        agency.name = entry.name
        agency.kind = entry.kind
        agency.aliases = list(entry.aliases)
        agency.member_of = list(entry.member_of)
        agency.successors = list(entry.successors)
        agency.successor_scopes = [list(pair) for pair in entry.successor_scopes]
        agency.valid_from = entry.valid_from
        agency.valid_to = entry.valid_to
        agency.source = entry.source[:200] if entry.source else None
        agency.is_group = registry.is_group(entry.code)
        groups += agency.is_group
        session.add(agency)
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action="agencies.load",
            detail={"added": added, "updated": updated},
        )
    )
    await session.flush()
    return LoadResult(added=added, updated=updated, groups=groups)


async def list_agencies(session: UnitOfWork) -> list[Agency]:
    """Every agency, groups last, by code."""
    result = await session.exec(select(Agency).order_by(col(Agency.is_group), col(Agency.code)))
    return list(result.all())


async def registry_from_store(session: UnitOfWork) -> AgencyRegistry:
    """The agency registry as loaded into the store (what imports resolve names against)."""
    rows = (await session.exec(select(Agency))).all()
    if not rows:
        raise RegistryNotLoadedError("no agencies")
    return AgencyRegistry(
        RegistryAgency(
            code=a.code,
            name=a.name,
            kind=a.kind,
            aliases=tuple(a.aliases),
            member_of=tuple(a.member_of),
            successors=tuple(a.successors),
            valid_from=a.valid_from,
            valid_to=a.valid_to,
            successor_scopes=tuple(
                (pair[0], pair[1]) for pair in a.successor_scopes if len(pair) == 2
            ),
            source=a.source,
        )
        for a in rows
    )


async def group_members(
    session: UnitOfWork, *, group_code: str, today: date | None = None
) -> list[Agency]:
    """The agencies (not groups) that belong to a group, directly or through sub-groups
    (with `today`, those that still exist)."""
    return expand_groups(await list_agencies(session), [group_code], today=today)


def expand_groups(
    agencies: Iterable[Agency], codes: Iterable[str], *, today: date | None = None
) -> list[Agency]:
    """Replace each group code by its member agencies, recursively, without duplicates.

    With `today`, members that had ceased to exist by then are left out (their work passes
    to their successors: `dondoc agencies succession`).
    """
    by_code = {
        a.code: a for a in agencies if today is None or a.valid_to is None or a.valid_to >= today
    }
    members: dict[str, list[Agency]] = {}
    for agency in by_code.values():
        for group in agency.member_of:
            members.setdefault(group, []).append(agency)
    out: dict[str, Agency] = {}

    def visit(code: str, trail: frozenset[str]) -> None:
        agency = by_code.get(code)
        if agency is None or code in trail:
            return
        if not agency.is_group:
            out.setdefault(code, agency)
            return
        for member in sorted(members.get(code, []), key=lambda a: a.code):
            visit(member.code, trail | {code})

    for code in codes:
        visit(code, frozenset())
    return list(out.values())
