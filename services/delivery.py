"""When the outbox cannot deliver a message: stop writing to a chat that refused us, and tell
the coordinators, in their own language, whenever someone stops receiving messages.

The outbox dispatcher calls these inside the transaction that records the failed send. The
message is described by `Undelivered` (the dispatcher's claims are such), so nothing here
imports `bot`.
"""

import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlmodel import col, select

from domain.access import Role
from models.enums import OutboxKind
from models.tables import Agency, ChatIdentity, Person
from services.outbox import enqueue_for_person
from services.unit_of_work import UnitOfWork
from views.delivery import blocked_notice, gave_up_notice, refused_notice
from views.messages import Outgoing

log = logging.getLogger(__name__)

_EXCERPT_CHARS = 300


class Undelivered(Protocol):
    """An outbox message that could not be delivered."""

    @property
    def channel(self) -> str: ...

    @property
    def chat_id(self) -> str: ...

    @property
    def person_id(self) -> int | None: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> str:
        """The message as JSON text."""
        ...


class _Notice(Protocol):
    """One coordinator's notice: `who` gets no messages on `channel`, in the reader's `locale`."""

    def __call__(self, *, who: str, channel: str, locale: str) -> Outgoing: ...


async def stop_writing_to(session: UnitOfWork, message: Undelivered, *, now: datetime) -> None:
    """The chat refused us (blocked the bot, left): its person becomes inactive, and the
    coordinators are told; nothing when the person is unknown or inactive already."""
    person = await _recipient(session, message)
    if person is None or not person.active:
        return
    person.active = False
    session.add(person)
    await _tell_coordinators(session, message, now, notice=blocked_notice, about=person)


async def tell_gave_up(
    session: UnitOfWork, message: Undelivered, *, attempts: int, now: datetime
) -> None:
    """Tell the coordinators the message was given up on after `attempts` attempts."""
    if message.kind == OutboxKind.DELIVERY_NOTICE:
        # A notice that cannot be delivered is only logged, or notices would breed notices.
        return
    notice = functools.partial(gave_up_notice, attempts=attempts, excerpt=_excerpt(message))
    await _tell_coordinators(session, message, now, notice=notice)


async def tell_refused(session: UnitOfWork, message: Undelivered, *, now: datetime) -> None:
    """Tell the coordinators the channel refused the message for good."""
    if message.kind == OutboxKind.DELIVERY_NOTICE:
        # As above: notices about notices would breed.
        return
    notice = functools.partial(refused_notice, excerpt=_excerpt(message))
    await _tell_coordinators(session, message, now, notice=notice)


async def _recipient(session: UnitOfWork, message: Undelivered) -> Person | None:
    person_id = message.person_id
    if person_id is None:
        person_id = (
            await session.exec(
                select(ChatIdentity.person_id).where(
                    ChatIdentity.channel == message.channel,
                    ChatIdentity.chat_id == message.chat_id,
                )
            )
        ).first()
    return None if person_id is None else await session.get(Person, person_id)


async def _tell_coordinators(
    session: UnitOfWork,
    message: Undelivered,
    now: datetime,
    *,
    notice: _Notice,
    about: Person | None = None,
) -> None:
    person = about or await _recipient(session, message)
    who = await _describe(session, person, message)
    told = await tell_coordinators(
        session,
        render=lambda locale: notice(who=who, channel=message.channel, locale=locale),
        now=now,
        besides=person.id if person else None,
    )
    if not told:
        log.error("nobody to tell that %s on %s gets no messages", who, message.channel)


async def tell_coordinators(
    session: UnitOfWork,
    *,
    render: Callable[[str], Outgoing],
    now: datetime,
    besides: int | None = None,
) -> int:
    """Queue a delivery notice, rendered in each reader's language, for every active
    coordinator (but `besides`); how many were told."""
    coordinators = (
        await session.exec(
            select(Person).where(
                Person.role == Role.COORDINATOR.value,
                col(Person.active).is_(True),
                Person.id != besides,
            )
        )
    ).all()
    told = 0
    for coordinator in coordinators:
        if coordinator.id is None:
            continue
        await enqueue_for_person(
            session,
            person_id=coordinator.id,
            message=render(coordinator.locale),
            now=now,
            kind=OutboxKind.DELIVERY_NOTICE,
        )
        told += 1
    return told


async def _describe(session: UnitOfWork, person: Person | None, message: Undelivered) -> str:
    if person is None:
        return message.chat_id
    agency = await session.get(Agency, person.agency_id) if person.agency_id else None
    return f"{person.name} ({agency.name})" if agency else person.name


def _excerpt(message: Undelivered) -> str:
    """The start of the message's text ("" when it has none)."""
    try:
        payload = json.loads(message.payload)
    except ValueError:
        return ""
    text = str(payload.get("text") or "") if isinstance(payload, dict) else ""
    return text[:_EXCERPT_CHARS]
