"""Work blocked by another agency: "vướng: chờ Sở Tài chính thẩm định" names STC, and that
agency's focal officers and the plan's hub coordinators hear of it (domain.blocking reads
the words; the registry is the one the store holds)."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from domain.agencies import AgencyRegistry
from domain.blocking import BlockedBy, may_name_agency, read_blocked_by
from models.tables import Agency, Assignment, Person, Task
from services.agencies import RegistryNotLoadedError, registry_from_store
from services.people import focal_officers, hub_coordinators
from services.unit_of_work import ReadAhead, UnitOfWork


@dataclass(frozen=True)
class Waiting:
    """The agency blocked work waits on and who is told of it."""

    code: str
    name: str
    officers: tuple[Person, ...]
    coordinators: tuple[Person, ...]


# The registry as the store holds it, read once per unit of work (a batch of replies).
_REGISTRY: ReadAhead[str, AgencyRegistry] = ReadAhead(
    "agency-registry", frozenset({str(Agency.__tablename__)})
)


async def read_blocker(
    session: UnitOfWork, *, reason: str, own_agency: str, as_of: date
) -> BlockedBy:
    """Which agency (other than the work's own) a blocked reply's reason names."""
    if not may_name_agency(reason):
        return BlockedBy(reason=reason)
    read = session.read_ahead(_REGISTRY)
    registry = read.get("all")
    if registry is None:
        try:
            registry = read["all"] = await registry_from_store(session)
        except RegistryNotLoadedError:
            return BlockedBy(reason=reason)
    return read_blocked_by(reason, registry=registry, own_agency=own_agency, as_of=as_of)


async def who_to_tell(
    session: UnitOfWork, *, assignment_id: int, code: str, besides: int
) -> Waiting | None:
    """The focal officers of the agency waited on and the plan's hub coordinators (not the
    one who wrote); None when no agency has that code."""
    agency = (await session.exec(select(Agency).where(Agency.code == code))).first()
    plan_id = (
        await session.exec(
            select(Task.plan_id)
            .join(Assignment, col(Assignment.task_id) == col(Task.id))
            .where(Assignment.id == assignment_id)
        )
    ).first()
    if agency is None or agency.id is None or plan_id is None:
        return None
    officers = await focal_officers(session, agency_id=agency.id)
    coordinators = await hub_coordinators(session, plan_id=plan_id)
    return Waiting(
        code=agency.code,
        name=agency.name,
        officers=tuple(p for p in officers if p.id != besides),
        coordinators=tuple(p for p in coordinators if p.id != besides),
    )
