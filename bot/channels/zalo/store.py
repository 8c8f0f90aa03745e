"""What the Zalo adapter reads from and writes to the store on its own behalf.

Zalo has no buttons, so the adapter remembers nothing in memory about the options it
showed: the last message sent to the chat (its outbox row) says what "2" means, which
also holds when another instance sent it.
"""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from models.enums import OutboxState
from models.tables import ChatIdentity, HandledUpdate, Outbox, Person
from services.outbox import enqueue
from services.unit_of_work import Sessions, UnitOfWork, transaction
from views.messages import Outgoing

from .render import numbered, options
from .updates import CHANNEL, choice_number, label_key


async def chosen_button(session: UnitOfWork, *, chat_id: str, text: str) -> str | None:
    """The button a typed reply presses among the last message's options, if it presses one.

    A number picks a numbered option; the label itself ("Trang sau", "3 ngày", "✅ Xong",
    typed with or without diacritics and emoji) picks that option.
    """
    row = (
        await session.exec(
            select(Outbox.payload)
            .where(
                col(Outbox.channel) == CHANNEL,
                col(Outbox.chat_id) == chat_id,
                col(Outbox.state) == OutboxState.SENT.value,
            )
            .order_by(col(Outbox.sent_at).desc(), col(Outbox.id).desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    try:
        choices = options(Outgoing.from_payload(dict(row)))
    except (KeyError, TypeError, ValueError):
        return None
    number = choice_number(text)
    if number is not None:
        if numbered(choices) and 1 <= number <= len(choices):
            return choices[number - 1].data
        return None
    typed = label_key(text)
    matches = [button.data for button in choices if label_key(button.label) == typed]
    return matches[0] if typed and len(matches) == 1 else None


async def reader_locale(session: UnitOfWork, *, chat_id: str, default: str) -> str:
    """The language of the person registered on this Zalo chat, else the default."""
    locale = (
        await session.exec(
            select(Person.locale)
            .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
            .where(col(ChatIdentity.channel) == CHANNEL, col(ChatIdentity.chat_id) == chat_id)
        )
    ).first()
    return locale or default


async def answer_once(
    sessions: Sessions,
    *,
    source_id: str | None,
    chat_id: str,
    message: Outgoing,
    now: datetime,
) -> bool:
    """Queue one answer to an update unless that update was answered before; True if queued."""
    try:
        async with transaction(sessions) as session:
            if source_id is not None:
                seen = await session.exec(
                    select(HandledUpdate.id).where(col(HandledUpdate.source_id) == source_id)
                )
                if seen.first() is not None:
                    return False
                session.add(HandledUpdate(source_id=source_id[:160], at=now))
                await session.flush()
            await enqueue(session, channel=CHANNEL, chat_id=chat_id, message=message, now=now)
    except IntegrityError:
        # Another instance answered the same redelivered update a moment earlier.
        return False
    return True
