"""The agency registry in the store: loading it from CSV and reading it back."""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from io import StringIO

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Agency, AuditLog

SHIPPED_REGISTRY: Traversable = files("bot") / "data" / "agencies.csv"
_REQUIRED = {"canonical_name", "short_code", "kind", "aliases", "member_of"}


class RegistryError(ValueError):
    """The registry file cannot be read; the message says which line and why."""


@dataclass(frozen=True)
class RegistryRow:
    """One agency as the registry file describes it."""

    code: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    member_of: tuple[str, ...]


@dataclass(frozen=True)
class LoadResult:
    """What a registry load changed."""

    added: int
    updated: int
    groups: int


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (cell or "").split(";") if part.strip())


def read_registry(text: str) -> list[RegistryRow]:
    """Parse the registry CSV (columns of shared/data/agencies.csv); raise RegistryError if bad."""
    reader = csv.DictReader(StringIO(text))
    missing = _REQUIRED - set(reader.fieldnames or ())
    if missing:
        raise RegistryError(f"missing columns: {', '.join(sorted(missing))}")
    rows: list[RegistryRow] = []
    seen: set[str] = set()
    for line, raw in enumerate(reader, start=2):
        code = (raw.get("short_code") or "").strip()
        name = (raw.get("canonical_name") or "").strip()
        if not code or not name:
            raise RegistryError(f"line {line}: short_code and canonical_name are required")
        if code in seen:
            raise RegistryError(f"line {line}: code {code} appears twice")
        seen.add(code)
        rows.append(
            RegistryRow(
                code=code,
                name=name,
                kind=(raw.get("kind") or "other").strip(),
                aliases=_split(raw.get("aliases")),
                member_of=_split(raw.get("member_of")),
            )
        )
    return rows


def group_codes(rows: Sequence[RegistryRow]) -> set[str]:
    """Codes that name groups: any code another agency is a member of, and GRP-* codes."""
    members_of = {group for row in rows for group in row.member_of}
    return {row.code for row in rows if row.code in members_of or row.code.startswith("GRP-")}


async def load_registry(
    session: AsyncSession, *, rows: Sequence[RegistryRow], now: datetime, actor: str
) -> LoadResult:
    """Insert or update every agency of the registry (matched by code); never delete."""
    groups = group_codes(rows)
    existing = {a.code: a for a in (await session.exec(select(Agency))).all()}
    added = updated = 0
    for row in rows:
        agency = existing.get(row.code)
        if agency is None:
            agency = Agency(code=row.code, name=row.name, kind=row.kind)
            added += 1
        else:
            updated += 1
        agency.name = row.name
        agency.kind = row.kind
        agency.aliases = list(row.aliases)
        agency.member_of = list(row.member_of)
        agency.is_group = row.code in groups
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
    return LoadResult(added=added, updated=updated, groups=len(groups))


async def list_agencies(session: AsyncSession) -> list[Agency]:
    """Every agency, groups last, by code."""
    result = await session.exec(select(Agency).order_by(col(Agency.is_group), col(Agency.code)))
    return list(result.all())


async def group_members(session: AsyncSession, *, group_code: str) -> list[Agency]:
    """The agencies (not groups) that belong to a group, directly or through sub-groups."""
    agencies = await list_agencies(session)
    return expand_groups(agencies, [group_code])


def expand_groups(agencies: Iterable[Agency], codes: Iterable[str]) -> list[Agency]:
    """Replace each group code by its member agencies, recursively, without duplicates."""
    by_code = {a.code: a for a in agencies}
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
