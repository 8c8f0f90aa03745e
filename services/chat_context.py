"""What a chat is talking about: the reminder a reply answers, and the question the bot asked.

A reply to a reminder binds to that reminder's items (found by the provider's message id
the dispatcher stored). Without a reply-to, the chat's newest reminder or its pending
question (ChatState.pending) gives the context.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from models.enums import OutboxKind
from models.tables import Outbox
from services.registration import chat_state, existing_chat_state
from services.unit_of_work import ReadAhead, UnitOfWork
from views.messages import IndicatorItem, ReminderItem, indicator_items, reminder_items

# A question left unanswered this long is forgotten rather than applied to a stale context.
PENDING_TTL = timedelta(hours=24)


# Built once, since every reply runs one of them; only the payload is read, because
# building a whole Outbox object costs more than the read itself.
_LATEST_REMINDER = (
    select(Outbox.payload)
    .where(
        col(Outbox.channel) == sa.bindparam("channel"),
        col(Outbox.chat_id) == sa.bindparam("chat_id"),
        col(Outbox.kind) == OutboxKind.REMINDER,
    )
    .order_by(col(Outbox.id).desc())
    .limit(1)
)


def _items(payload: Mapping[str, Any] | None) -> tuple[ReminderItem, ...]:
    if payload is None:
        return ()
    return reminder_items(payload)


_REPLIED_MANY = select(
    Outbox.id, Outbox.chat_id, Outbox.provider_message_id, Outbox.payload
).where(
    col(Outbox.channel) == sa.bindparam("channel"),
    col(Outbox.chat_id).in_(sa.bindparam("chat_ids", expanding=True)),
    col(Outbox.provider_message_id).in_(sa.bindparam("message_ids", expanding=True)),
)
# The messages replies answer: (channel, chat id, provider message id) → the message's items,
# or None when it is not ours.
_REPLIED: ReadAhead[tuple[str, str, str], tuple[ReminderItem, ...] | None] = ReadAhead(
    "replied messages"
)


async def prefetch_replied(
    session: UnitOfWork, *, replies: Iterable[tuple[str, str, str]]
) -> list[tuple[ReminderItem, ...]]:
    """Read the messages several replies answer, in one round trip per channel, so that
    `replied_items` finds them in this session; the items of every one found."""
    wanted = set(replies)
    payloads: dict[tuple[str, str, str], Mapping[str, Any] | None] = dict.fromkeys(wanted)
    for channel in {c for c, _, _ in wanted}:
        mine = [(chat, message) for c, chat, message in wanted if c == channel]
        rows = await session.exec(
            _REPLIED_MANY,
            params={
                "channel": channel,
                "chat_ids": sorted({chat for chat, _ in mine}),
                "message_ids": sorted({message for _, message in mine}),
            },
        )
        # Chats share message ids, so keep only the pairs asked for; an edited message has
        # several rows, and the newest (applied last) is what the chat shows.
        for _id, chat_id, message_id, payload in sorted(rows.all(), key=lambda r: r[0]):
            key = (channel, chat_id, message_id)
            if key in payloads:
                payloads[key] = payload
    known = {
        key: None if payload is None else _items(payload) for key, payload in payloads.items()
    }
    session.read_ahead(_REPLIED).update(known)
    return [items for items in known.values() if items is not None]


async def replied_items(
    session: UnitOfWork, *, channel: str, chat_id: str, provider_message_id: str
) -> tuple[ReminderItem, ...] | None:
    """The items of the message replied to; None if that message is not ours or unknown."""
    key = (channel, chat_id, provider_message_id)
    if key not in (session.read_ahead_if_any(_REPLIED) or {}):
        await prefetch_replied(session, replies=[key])
    return session.read_ahead(_REPLIED)[key]


async def latest_reminder_items(
    session: UnitOfWork, *, channel: str, chat_id: str
) -> tuple[ReminderItem, ...]:
    """The items of the chat's newest reminder (empty if it never had one)."""
    payload = (
        await session.exec(_LATEST_REMINDER, params={"channel": channel, "chat_id": chat_id})
    ).first()
    return _items(payload)


_LATEST_ASKING = (
    select(Outbox.payload)
    .where(
        col(Outbox.channel) == sa.bindparam("channel"),
        col(Outbox.chat_id) == sa.bindparam("chat_id"),
        col(Outbox.kind).in_([OutboxKind.REMINDER, OutboxKind.INDICATOR_REQUEST]),
    )
    .order_by(col(Outbox.id).desc())
    .limit(1)
)
_REPLIED_ONE = (
    select(Outbox.payload)
    .where(
        col(Outbox.channel) == sa.bindparam("channel"),
        col(Outbox.chat_id) == sa.bindparam("chat_id"),
        col(Outbox.provider_message_id) == sa.bindparam("message_id"),
    )
    .order_by(col(Outbox.id).desc())
    .limit(1)
)


async def asking_message(
    session: UnitOfWork, *, channel: str, chat_id: str, provider_message_id: str | None
) -> tuple[tuple[ReminderItem, ...], tuple[IndicatorItem, ...]]:
    """The numbered tasks and indicators of the message a reply answers: the one replied
    to, else the chat's newest reminder or request for an explanation."""
    payload = None
    if provider_message_id:
        payload = (
            await session.exec(
                _REPLIED_ONE,
                params={"channel": channel, "chat_id": chat_id, "message_id": provider_message_id},
            )
        ).first()
    if payload is None:
        payload = (
            await session.exec(_LATEST_ASKING, params={"channel": channel, "chat_id": chat_id})
        ).first()
    if payload is None:
        return (), ()
    return reminder_items(payload), indicator_items(payload)


async def pending(
    session: UnitOfWork, *, channel: str, chat_id: str, now: datetime
) -> dict[str, Any] | None:
    """The question the bot is waiting on in this chat, if it is still fresh."""
    state = await existing_chat_state(session, channel=channel, chat_id=chat_id)
    if state is None or state.pending is None or state.pending_at is None:
        return None
    if now - state.pending_at > PENDING_TTL:
        return None
    return dict(state.pending)


async def set_pending(
    session: UnitOfWork,
    *,
    channel: str,
    chat_id: str,
    question: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Remember (or, with None, forget) what the bot just asked in this chat."""
    if question is None:
        existing = await existing_chat_state(session, channel=channel, chat_id=chat_id)
        if existing is None or (existing.pending is None and existing.pending_at is None):
            return  # nothing to forget: no row to write
        state = existing
    else:
        state = await chat_state(session, channel=channel, chat_id=chat_id)
    state.pending = question
    state.pending_at = now if question is not None else None
    session.add(state)
