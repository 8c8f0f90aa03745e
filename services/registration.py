"""Registration by invite code, throttling of wrong guesses, and revoking people.

Codes are single-use unless created for N uses, expire, and are stored hashed. A chat
that guesses wrong too often has to wait, longer each time, before it may try again.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.access import Actor, Role, require_manage
from domain.text import fold
from locales import normalise_locale
from models.enums import Channel
from models.tables import Agency, AuditLog, ChatIdentity, ChatState, Invite, Person, Revocation
from services.access import remember_chat_state, remembered_chat_state
from services.people import PersonRow, hash_code
from services.people import list_people as all_people
from services.quotas import CappedBot, assign_bots, users_on, warn_if_nearly_full
from services.unit_of_work import UnitOfWork

# Five honest typos are free; after that each wrong code locks the chat 1, 2, 4 … minutes.
FREE_ATTEMPTS = 5
MAX_LOCK = timedelta(hours=24)
MAX_NAME_LENGTH = 200
# Longer than any code we issue, short enough that a pasted essay is not hashed and logged.
MAX_CODE_LENGTH = 40


class Outcome(StrEnum):
    """How a registration attempt ended."""

    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    WRONG_CODE = "wrong_code"
    EXPIRED = "expired"
    USED_UP = "used_up"
    # The chat belonged to someone revoked after this invite was issued.
    REVOKED = "revoked"
    LOCKED = "locked"
    # The bot has as many users as its plan allows (Zalo's user cap per bot).
    BOT_FULL = "bot_full"


@dataclass(frozen=True)
class RegistrationResult:
    """What happened, who was registered, and which coordinators should hear of it."""

    outcome: Outcome
    person: Person | None = None
    agency: Agency | None = None
    locked_until: datetime | None = None
    coordinators: tuple[Person, ...] = ()
    # BOT_FULL: the full bot, and another with room for this agency (None: every bot is full).
    bot: CappedBot | None = None
    elsewhere: CappedBot | None = None
    # REVOKED: who was revoked, to tell the coordinators of the attempt.
    revoked: Person | None = None

    @property
    def unusable(self) -> bool:
        """The code cannot be used, for whatever reason: the sender is told no more than
        that, so an answer never says whether a code exists."""
        return self.outcome in _UNUSABLE


_UNUSABLE = frozenset({Outcome.WRONG_CODE, Outcome.EXPIRED, Outcome.USED_UP, Outcome.REVOKED})

# Built once: every reply and every registration attempt reads the chat's state.
_CHAT_STATE = select(ChatState).where(
    col(ChatState.channel) == sa.bindparam("channel"),
    col(ChatState.chat_id) == sa.bindparam("chat_id"),
)


async def chat_state(session: UnitOfWork, *, channel: str, chat_id: str) -> ChatState:
    """The chat's state row, created (and flushed) on first use."""
    state = await existing_chat_state(session, channel=channel, chat_id=chat_id)
    if state is None:
        try:
            # Guesses sent in parallel (to several instances) may create it at the same
            # moment: then use the one that won.
            async with session.begin_nested():
                state = ChatState(channel=channel, chat_id=chat_id)
                session.add(state)
        except IntegrityError:
            params = {"channel": channel, "chat_id": chat_id}
            state = (await session.exec(_CHAT_STATE, params=params)).one()
        remember_chat_state(session, state, channel=channel, chat_id=chat_id)
    return state


async def existing_chat_state(
    session: UnitOfWork, *, channel: str, chat_id: str
) -> ChatState | None:
    """The chat's state row, or None while it has none (reading creates nothing)."""
    known, state = remembered_chat_state(session, channel=channel, chat_id=chat_id)
    if not known:
        state = (
            await session.exec(_CHAT_STATE, params={"channel": channel, "chat_id": chat_id})
        ).first()
        remember_chat_state(session, state, channel=channel, chat_id=chat_id)
    return state


def lock_after(failures: int) -> timedelta | None:
    """How long a chat must wait after its `failures`-th wrong code (None: no wait yet)."""
    if failures < FREE_ATTEMPTS:
        return None
    return min(timedelta(minutes=2 ** (failures - FREE_ATTEMPTS)), MAX_LOCK)


async def register(
    session: UnitOfWork,
    *,
    channel: str,
    chat_id: str,
    code: str,
    display_name: str | None,
    locale: str,
    now: datetime,
    bots: Sequence[CappedBot] = (),
) -> RegistrationResult:
    """Bind a chat to a new person with the invite's agency and role, using up one use.

    On a bot whose plan caps its users (`bots`), a registration past the cap is refused
    without using the invite, naming another bot with room; the coordinators are warned
    once when a bot reaches 80% of its cap.
    """
    existing = (
        await session.exec(
            select(Person)
            .join(ChatIdentity, ChatIdentity.person_id == Person.id)  # type: ignore[arg-type]
            .where(ChatIdentity.channel == channel, ChatIdentity.chat_id == chat_id)
        )
    ).first()
    if existing is not None:
        return RegistrationResult(Outcome.ALREADY_REGISTERED, person=existing)
    state = await chat_state(session, channel=channel, chat_id=chat_id)
    attempt = await _count_attempt(session, state, now=now)
    if attempt is None:
        await session.refresh(state)
        return RegistrationResult(Outcome.LOCKED, locked_until=state.locked_until)

    code = code.strip()
    invite = None
    if 0 < len(code) <= MAX_CODE_LENGTH:
        invite = (
            await session.exec(select(Invite).where(Invite.code_hash == hash_code(code)))
        ).first()
    if invite is not None and invite.expires_at > now:
        full = await _full(session, channel=channel, bots=bots)
        if full is not None:
            # Not the person's fault: no wrong guess is counted and the invite stays usable.
            await _set_attempts(session, state, failures=attempt - 1, locked_until=None)
            others = [b for b in bots if b.channel != channel]
            [elsewhere] = await assign_bots(session, agency_ids=[invite.agency_id], bots=others)
            return RegistrationResult(Outcome.BOT_FULL, bot=full, elsewhere=elsewhere)
    outcome: Outcome | None = None
    revoked: Person | None = None
    if invite is None:
        outcome = Outcome.WRONG_CODE
    elif invite.expires_at <= now:
        outcome = Outcome.EXPIRED
    elif (revoked := await _revoked_since(session, channel, chat_id, invite)) is not None:
        outcome = Outcome.REVOKED
    elif not await _use_once(session, invite):
        outcome = Outcome.USED_UP
    if outcome is not None:
        wait = lock_after(attempt)
        await _set_attempts(
            session, state, failures=attempt, locked_until=now + wait if wait else None
        )
        return RegistrationResult(
            outcome,
            locked_until=now + wait if wait else None,
            revoked=revoked,
            coordinators=tuple(await _managers(session)) if revoked else (),
        )

    assert invite is not None
    await _set_attempts(session, state, failures=0, locked_until=None)
    agency = await session.get(Agency, invite.agency_id) if invite.agency_id else None
    # The channel's name for the person, else the invite's; the chat only as a last resort.
    given = display_name or invite.name or ""
    name = " ".join(given.split())[:MAX_NAME_LENGTH] or f"{channel}:{chat_id}"
    person = Person(
        name=name,
        role=Role(invite.role).value,
        locale=normalise_locale(locale),
        agency_id=invite.agency_id,
        created_at=now,
    )
    session.add(person)
    await session.flush()
    assert person.id is not None
    session.add(
        ChatIdentity(
            person_id=person.id,
            channel=channel,
            chat_id=chat_id,
            display_name=(display_name or "")[:MAX_NAME_LENGTH] or None,
            created_at=now,
        )
    )
    session.add(
        AuditLog(
            at=now,
            actor_id=person.id,
            actor=name[:100],
            action="person.register",
            detail={
                "invite_id": invite.id,
                "channel": channel,
                "role": person.role,
                "agency": agency.code if agency else None,
            },
        )
    )
    coordinators = [p for p in await _managers(session) if p.id != person.id]
    await session.flush()
    bot = next((b for b in bots if b.channel == channel), None)
    if bot is not None:
        users = await users_on(session, channel=channel)
        await warn_if_nearly_full(
            session, channel=channel, bot=bot.name, users=users, cap=bot.user_cap, now=now
        )
    return RegistrationResult(
        Outcome.REGISTERED, person=person, agency=agency, coordinators=tuple(coordinators)
    )


async def _full(
    session: UnitOfWork, *, channel: str, bots: Sequence[CappedBot]
) -> CappedBot | None:
    """The chat's bot, if its plan's user cap is reached."""
    bot = next((b for b in bots if b.channel == channel), None)
    if bot is None or await users_on(session, channel=channel) < bot.user_cap:
        return None
    return bot


async def _use_once(session: UnitOfWork, invite: Invite) -> bool:
    # One conditional UPDATE, so two chats racing for the last use cannot both get it.
    result = await session.exec(
        sa.update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.uses_left) > 0)
        .values(uses_left=Invite.uses_left - 1)
    )
    used = bool(result.rowcount)
    if used:
        await session.refresh(invite)
    return used


async def _count_attempt(session: UnitOfWork, state: ChatState, *, now: datetime) -> int | None:
    """Count one more attempt of this chat in the store, as one conditional UPDATE: the
    attempts of several instances queue on the row, and each sees the lock the ones before
    it set. The attempts counted so far (this one included), or None while the chat is
    locked."""
    counted = await session.exec(
        sa.update(ChatState)
        .where(
            col(ChatState.id) == state.id,
            sa.or_(col(ChatState.locked_until).is_(None), col(ChatState.locked_until) <= now),
        )
        .values(failed_codes=col(ChatState.failed_codes) + 1)
        .returning(col(ChatState.failed_codes))
    )
    return counted.scalar_one_or_none()


async def _set_attempts(
    session: UnitOfWork, state: ChatState, *, failures: int, locked_until: datetime | None
) -> None:
    """Write the chat's count of wrong codes and how long it must wait."""
    await session.exec(
        sa.update(ChatState)
        .where(col(ChatState.id) == state.id)
        .values(failed_codes=failures, locked_until=locked_until)
    )
    await session.refresh(state)


async def _revoked_since(
    session: UnitOfWork, channel: str, chat_id: str, invite: Invite
) -> Person | None:
    """The person this chat belonged to, if they were revoked after the invite was issued:
    only a newer invite registers them again."""
    found = await session.exec(
        select(Person)
        .join(Revocation, col(Revocation.person_id) == col(Person.id))
        .where(
            Revocation.channel == channel,
            Revocation.chat_id == chat_id,
            col(Revocation.revoked_at) >= invite.created_at,
        )
        .order_by(col(Revocation.revoked_at).desc())
    )
    return found.first()


async def _managers(session: UnitOfWork) -> Sequence[Person]:
    """The active coordinators and admins: who hears of registrations."""
    found = await session.exec(
        select(Person).where(
            col(Person.role).in_([Role.COORDINATOR.value, Role.ADMIN.value]),
            col(Person.active).is_(True),
        )
    )
    return found.all()


class UnknownPersonError(LookupError):
    """No person has that id."""


class SelfRevokeError(ValueError):
    """A coordinator tried to revoke themselves."""


class RevokeRankError(PermissionError):
    """Only an admin revokes a coordinator or an admin."""


class LastAdminError(ValueError):
    """Revoking this admin would leave nobody to manage the admins."""


@dataclass(frozen=True)
class RevokeResult:
    """The revoked person and the chats they no longer have."""

    person: Person
    chats: tuple[tuple[str, str], ...]


async def revoke(
    session: UnitOfWork, *, actor: Actor, person_id: int, now: datetime
) -> RevokeResult:
    """Deactivate a person and unbind their chats, so they are a stranger from now on, and
    one whom no invite issued before now registers again.

    Coordinators revoke officers and leaders; only an admin revokes a coordinator or an
    admin, and never the last active admin, so nobody can lock the admins out.
    """
    require_manage(actor)
    if person_id == actor.person_id:
        raise SelfRevokeError(person_id)
    person = await session.get(Person, person_id)
    if person is None:
        raise UnknownPersonError(person_id)
    role = Role(person.role)
    if role in (Role.COORDINATOR, Role.ADMIN) and actor.role is not Role.ADMIN:
        raise RevokeRankError(person_id)
    if role is Role.ADMIN and person.active:
        admins = await session.exec(
            select(sa.func.count())
            .select_from(Person)
            .where(Person.role == Role.ADMIN.value, col(Person.active).is_(True))
        )
        if admins.one() <= 1:
            raise LastAdminError(person_id)
    identities = (
        await session.exec(select(ChatIdentity).where(ChatIdentity.person_id == person_id))
    ).all()
    chats = tuple((i.channel, i.chat_id) for i in identities)
    for identity in identities:
        session.add(
            Revocation(
                person_id=person_id,
                channel=identity.channel,
                chat_id=identity.chat_id,
                revoked_at=now,
            )
        )
        await session.delete(identity)
    person.active = False
    session.add(person)
    session.add(
        AuditLog(
            at=now,
            actor_id=actor.person_id,
            actor=actor.name[:100],
            action="person.revoke",
            detail={"person_id": person_id, "chats": [list(c) for c in chats]},
        )
    )
    await session.flush()
    return RevokeResult(person=person, chats=chats)


async def set_locale(session: UnitOfWork, *, actor: Actor, locale: str, now: datetime) -> str:
    """Switch the actor's language; returns the locale now in force."""
    person = await session.get(Person, actor.person_id)
    if person is None:
        raise UnknownPersonError(actor.person_id)
    chosen = normalise_locale(locale)
    if person.locale != chosen:
        session.add(
            AuditLog(
                at=now,
                actor_id=actor.person_id,
                actor=actor.name[:100],
                action="person.locale",
                detail={"from": person.locale, "to": chosen},
            )
        )
        person.locale = chosen
        session.add(person)
    return chosen


async def list_people(session: UnitOfWork, *, actor: Actor) -> list[PersonRow]:
    """Everybody registered, for those who manage people."""
    require_manage(actor)
    return await all_people(session)


class AmbiguousPersonError(LookupError):
    """Several people match a name."""

    def __init__(self, candidates: list[Person]) -> None:
        super().__init__(", ".join(f"#{p.id} {p.name}" for p in candidates))
        self.candidates = candidates


async def console_chat(session: UnitOfWork, *, person: str, now: datetime) -> Person:
    """The person named by id or (part of) their name, with a console chat bound to them.

    Whoever can open the store at the desk may speak as anyone; each first use is audited.
    """
    wanted = person.strip().lstrip("#")
    found: Person | None = None
    if wanted.isdigit() and len(wanted) <= 9:
        found = await session.get(Person, int(wanted))
    else:
        key = fold(wanted)
        people = [p for p in (await session.exec(select(Person))).all() if key in fold(p.name)]
        exact = [p for p in people if fold(p.name) == key]
        matches = exact or people
        if len(matches) > 1:
            raise AmbiguousPersonError(matches)
        found = matches[0] if matches else None
    if found is None or found.id is None or not found.active:
        raise UnknownPersonError(person)
    chat_id = console_chat_id(found.id)
    bound = (
        await session.exec(
            select(ChatIdentity).where(
                ChatIdentity.channel == Channel.CONSOLE.value, ChatIdentity.chat_id == chat_id
            )
        )
    ).first()
    if bound is None:
        # Messages to a person go to their newest chat (services.outbox): date the console
        # chat before their other chats so reminders keep reaching their phone.
        oldest = (
            await session.exec(
                select(ChatIdentity.created_at)
                .where(ChatIdentity.person_id == found.id)
                .order_by(col(ChatIdentity.created_at))
            )
        ).first()
        session.add(
            ChatIdentity(
                person_id=found.id,
                channel=Channel.CONSOLE.value,
                chat_id=chat_id,
                display_name=found.name,
                created_at=(oldest or now) - timedelta(seconds=1),
            )
        )
        session.add(
            AuditLog(
                at=now,
                actor="console",
                action="console.attach",
                detail={"person_id": found.id},
            )
        )
        await session.flush()
    return found


def console_chat_id(person_id: int) -> str:
    """The console chat of a person."""
    return f"person-{person_id}"
