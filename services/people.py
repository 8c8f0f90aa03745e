"""People and invites: who may talk to the bot and in which role."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from domain.access import Role
from models.tables import Agency, AuditLog, ChatIdentity, Invite, Person, Plan
from services.unit_of_work import UnitOfWork

# Codes are typed on phones: no 0/O or 1/I/L to confuse, upper case only.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class UnknownAgencyError(LookupError):
    """No agency has that code."""


def hash_code(code: str) -> str:
    """The stored form of an invite code (codes are compared case-insensitively)."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def new_code() -> str:
    """A fresh random invite code."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class CreatedInvite:
    """An invite and its code, which is shown once and never stored."""

    invite: Invite
    code: str
    agency: Agency | None


async def create_invite(
    session: UnitOfWork,
    *,
    agency_code: str | None,
    role: Role,
    uses: int,
    expires_in: timedelta,
    now: datetime,
    created_by: str,
    created_by_id: int | None = None,
    name: str | None = None,
) -> CreatedInvite:
    """Create an invite for an agency (officers need one; others may be city-wide), naming
    the invited person if `name` is given."""
    if uses < 1:
        raise ValueError("uses must be at least 1")
    if expires_in <= timedelta(0):
        raise ValueError("expiry must be in the future")
    agency = None
    if agency_code is not None:
        agency = (
            await session.exec(select(Agency).where(Agency.code == agency_code.strip().upper()))
        ).first()
        if agency is None:
            raise UnknownAgencyError(agency_code)
    elif role is Role.OFFICER:
        raise ValueError("an officer invite needs an agency")
    code = new_code()
    invite = Invite(
        code_hash=hash_code(code),
        agency_id=agency.id if agency else None,
        role=role.value,
        name=" ".join((name or "").split())[:200] or None,
        uses_left=uses,
        expires_at=now + expires_in,
        created_by=created_by,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    session.add(
        AuditLog(
            at=now,
            actor=created_by,
            actor_id=created_by_id,
            action="invite.create",
            detail={
                "invite_id": invite.id,
                "agency": agency.code if agency else None,
                "role": role.value,
                "uses": uses,
            },
        )
    )
    return CreatedInvite(invite=invite, code=code, agency=agency)


@dataclass(frozen=True)
class PersonRow:
    """A person with their agency and chat channels, for listings."""

    person: Person
    agency: Agency | None
    channels: tuple[str, ...]


async def list_people(session: UnitOfWork) -> list[PersonRow]:
    """Everybody registered, by agency then name."""
    people = (
        await session.exec(select(Person).order_by(col(Person.agency_id), Person.name))
    ).all()
    agencies = {a.id: a for a in (await session.exec(select(Agency))).all()}
    identities: dict[int, list[str]] = {}
    for identity in (await session.exec(select(ChatIdentity))).all():
        identities.setdefault(identity.person_id, []).append(identity.channel)
    return [
        PersonRow(
            person=p,
            agency=agencies.get(p.agency_id) if p.agency_id else None,
            channels=tuple(sorted(identities.get(p.id or 0, []))),
        )
        for p in people
    ]


async def invite_name(session: UnitOfWork, *, code: str, now: datetime) -> tuple[bool, str | None]:
    """Whether `code` is a usable invite, and the name it carries."""
    invite = (
        await session.exec(select(Invite).where(Invite.code_hash == hash_code(code)))
    ).first()
    if invite is None or invite.expires_at <= now or invite.uses_left < 1:
        return False, None
    return True, invite.name


def deep_link(bot_username: str, code: str) -> str:
    """The Telegram link that opens the bot and sends /start CODE."""
    # https://core.telegram.org/bots/features#deep-linking
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def _active_with_chat(session: UnitOfWork, *filters: Any) -> list[Person]:
    return list(
        (
            await session.exec(
                select(Person)
                .where(
                    col(Person.active).is_(True),
                    col(Person.id).in_(select(ChatIdentity.person_id)),
                    *filters,
                )
                .order_by(col(Person.id))
            )
        ).all()
    )


async def hub_coordinators(session: UnitOfWork, *, plan_id: int) -> list[Person]:
    """Who decides for a plan's office: the coordinators of its hub agency; else the
    city-wide coordinators; else the administrators (the rule escalation follows too,
    services.reminders.load)."""
    plan = await session.get(Plan, plan_id)
    hub = plan.hub_agency_id if plan is not None else None
    coordinator = Person.role == Role.COORDINATOR.value
    if hub is not None:
        found = await _active_with_chat(session, coordinator, Person.agency_id == hub)
        if found:
            return found
    city = await _active_with_chat(session, coordinator, col(Person.agency_id).is_(None))
    return city or await _active_with_chat(session, Person.role == Role.ADMIN.value)


async def focal_officers(session: UnitOfWork, *, agency_id: int) -> list[Person]:
    """An agency's active focal officers who can be messaged."""
    return await _active_with_chat(
        session, Person.role == Role.OFFICER.value, Person.agency_id == agency_id
    )
