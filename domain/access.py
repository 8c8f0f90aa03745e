"""Who may see, update and manage what: the role matrix every service enforces.

An officer sees and updates only their own agency's assignments, and reports the figures of
the indicators their agency owns; a coordinator (and an admin) sees and updates everything,
enters figures on an owner's behalf, asks owners to explain a figure and manages people; a
leader reads everything and changes nothing. Handlers render; these checks decide, so no
channel can skip them.
"""

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """What a person may do; stored as its value."""

    OFFICER = "officer"
    COORDINATOR = "coordinator"
    LEADER = "leader"
    ADMIN = "admin"


class AccessDenied(PermissionError):
    """The actor's role does not allow this."""


class _Stored(Protocol):
    """A stored person as far as acting goes (models.tables.Person)."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def agency_id(self) -> int | None: ...
    @property
    def locale(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """A registered, active person acting through one chat."""

    person_id: int
    name: str
    role: Role
    agency_id: int | None
    locale: str

    @classmethod
    def of(cls, person: _Stored) -> "Actor":
        """The actor for a stored person."""
        if person.id is None:
            raise ValueError("the person is not stored yet")
        return cls(
            person_id=person.id,
            name=person.name,
            role=Role(person.role),
            agency_id=person.agency_id,
            locale=person.locale,
        )

    @classmethod
    def desk(cls) -> "Actor":
        """The command line: whoever can open the store reads everything (person id 0)."""
        return cls(person_id=0, name="cli", role=Role.COORDINATOR, agency_id=None, locale="vi")

    @property
    def sees_everything(self) -> bool:
        """Coordinators, admins and leaders read every agency's work."""
        return self.role is not Role.OFFICER


def can_see(actor: Actor, *, agency_id: int) -> bool:
    """Whether the actor may read an assignment of this agency."""
    return actor.sees_everything or actor.agency_id == agency_id


def can_update(actor: Actor, *, agency_id: int) -> bool:
    """Whether the actor may change the status of an assignment of this agency."""
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    return actor.role is Role.OFFICER and actor.agency_id == agency_id


def can_manage(actor: Actor) -> bool:
    """Whether the actor may manage people (revoke, list everybody)."""
    return actor.role in (Role.COORDINATOR, Role.ADMIN)


def can_import(actor: Actor) -> bool:
    """Whether the actor may import plans (coordinators and admins)."""
    return actor.role in (Role.COORDINATOR, Role.ADMIN)


def require_see(actor: Actor, *, agency_id: int) -> None:
    """Raise AccessDenied unless the actor may read this agency's work."""
    if not can_see(actor, agency_id=agency_id):
        raise AccessDenied("see")


def require_update(actor: Actor, *, agency_id: int) -> None:
    """Raise AccessDenied unless the actor may change this agency's work."""
    if not can_update(actor, agency_id=agency_id):
        raise AccessDenied("update")


def can_report(actor: Actor, *, owners: Collection[int]) -> bool:
    """Whether the actor may report a figure of an indicator owned by these agencies."""
    return any(can_update(actor, agency_id=owner) for owner in owners) or (
        actor.role in (Role.COORDINATOR, Role.ADMIN)
    )


def require_report(actor: Actor, *, owners: Collection[int]) -> None:
    """Raise AccessDenied unless the actor may report this indicator's figures."""
    if not can_report(actor, owners=owners):
        raise AccessDenied("report")


def require_chase(actor: Actor) -> None:
    """Raise AccessDenied unless the actor may ask owners to explain a figure."""
    if actor.role not in (Role.COORDINATOR, Role.ADMIN):
        raise AccessDenied("chase")


def can_decide(actor: Actor) -> bool:
    """Whether the actor may decide for the office: approve or refuse an extension, confirm
    or return a completion (coordinators and admins; a leader reads, never decides)."""
    return actor.role in (Role.COORDINATOR, Role.ADMIN)


def require_decide(actor: Actor) -> None:
    """Raise AccessDenied unless the actor may decide for the office."""
    if not can_decide(actor):
        raise AccessDenied("decide")


def require_manage(actor: Actor) -> None:
    """Raise AccessDenied unless the actor may manage people."""
    if not can_manage(actor):
        raise AccessDenied("manage")


def require_import(actor: Actor) -> None:
    """Raise AccessDenied unless the actor may import plans."""
    if not can_import(actor):
        raise AccessDenied("import")
