"""Who is writing: the registered person behind a chat (the role matrix is domain.access)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from domain.access import Actor, Role
from models.tables import AuditLog, ChatIdentity, ChatState, Person
from services.unit_of_work import ReadAhead, UnitOfWork

# Built once: every incoming message runs it, and building a join costs more than the read.
# The chat's state comes in the same round trip, because a reply reads it next; the person
# comes as plain columns, since an ORM object per sender costs more than the query.
_IDENTIFY: Any = (
    sa.select(
        col(ChatIdentity.chat_id),
        col(Person.id),
        col(Person.name),
        col(Person.role),
        col(Person.agency_id),
        col(Person.locale),
        col(Person.active),
        ChatState,
    )
    .join(Person, col(ChatIdentity.person_id) == col(Person.id))
    .outerjoin(
        ChatState,
        sa.and_(
            col(ChatState.channel) == col(ChatIdentity.channel),
            col(ChatState.chat_id) == col(ChatIdentity.chat_id),
        ),
    )
    .where(
        col(ChatIdentity.channel) == sa.bindparam("channel"),
        col(ChatIdentity.chat_id).in_(sa.bindparam("chat_ids", expanding=True)),
    )
)


async def identify(
    session: UnitOfWork,
    *,
    channel: str,
    chat_id: str,
    now: datetime,
    reactivate: bool = True,
) -> Actor | None:
    """The person behind a chat, or None for a stranger.

    A person marked inactive because they had blocked the bot is active again as soon as
    they write: writing proves the chat is open. (A revoked person has no chat left.) With
    `reactivate` false nothing is written: for a look that answers nothing.
    """
    actors = await identify_many(
        session, chats=[(channel, chat_id)], now=now, reactivate=reactivate
    )
    return actors.get((channel, chat_id))


async def identify_many(
    session: UnitOfWork,
    *,
    chats: Iterable[tuple[str, str]],
    now: datetime,
    reactivate: bool = True,
) -> dict[tuple[str, str], Actor]:
    """`identify` for several (channel, chat id) pairs in one round trip per channel;
    strangers are left out."""
    by_channel: dict[str, list[str]] = {}
    for channel, chat_id in set(chats):
        by_channel.setdefault(channel, []).append(chat_id)
    actors: dict[tuple[str, str], Actor] = {}
    for channel, chat_ids in by_channel.items():
        rows = await session.exec(
            _IDENTIFY, params={"channel": channel, "chat_ids": sorted(chat_ids)}
        )
        for chat_id, person_id, name, role, agency_id, locale, active, state in rows.all():
            remember_chat_state(session, state, channel=channel, chat_id=chat_id)
            actor = Actor(
                person_id=person_id,
                name=name,
                role=Role(role),
                agency_id=agency_id,
                locale=locale,
            )
            if not active and reactivate:
                await _reactivate(session, actor, channel=channel, now=now)
            actors[(channel, chat_id)] = actor
    return actors


async def _reactivate(session: UnitOfWork, actor: Actor, *, channel: str, now: datetime) -> None:
    await session.exec(
        sa.update(Person).where(col(Person.id) == actor.person_id).values(active=True)
    )
    session.add(
        AuditLog(
            at=now,
            actor_id=actor.person_id,
            actor=actor.name[:100],
            action="person.reactivate",
            detail={"channel": channel},
        )
    )


# Each chat's state row (None: it has none), read with the sender's identity.
_CHAT_STATES: ReadAhead[tuple[str, str], ChatState | None] = ReadAhead("chat states")


def remember_chat_state(
    session: UnitOfWork, state: ChatState | None, *, channel: str, chat_id: str
) -> None:
    """Keep a chat's state row (or that it has none), read with something else, for this
    unit of work."""
    session.read_ahead(_CHAT_STATES)[(channel, chat_id)] = state


def remembered_chat_state(
    session: UnitOfWork, *, channel: str, chat_id: str
) -> tuple[bool, ChatState | None]:
    """Whether this unit of work knows the chat's state row, and the row (None: it has none)."""
    known = session.read_ahead_if_any(_CHAT_STATES)
    if known is None or (channel, chat_id) not in known:
        return False, None
    state = known[(channel, chat_id)]
    if state is None:
        return True, None
    if sa.inspect(state).persistent is not True:
        return False, None
    assert isinstance(state, ChatState)
    return True, state
