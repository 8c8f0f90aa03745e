"""What a channel reads and writes about its chats on its own behalf, outside a conversation.

The message a chat was last sent (what a typed "2" answers on a channel without buttons), the
language of the chat's reader, a one-off answer to an update the conversation cannot read, and
the chats whose person has a role menu of their own.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.access import Role
from models.enums import OutboxState
from models.tables import ChatIdentity, HandledUpdate, Outbox, Person
from services.outbox import enqueue
from services.unit_of_work import Sessions, UnitOfWork, transaction
from views.messages import Outgoing


async def last_sent(session: UnitOfWork, *, channel: str, chat_id: str) -> Outgoing | None:
    """The last message sent to the chat (its outbox row), which also holds when another
    instance sent it; None when there is none or it cannot be read back."""
    row = (
        await session.exec(
            select(Outbox.payload)
            .where(
                col(Outbox.channel) == channel,
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
        return Outgoing.from_payload(dict(row))
    except (KeyError, TypeError, ValueError):
        return None


async def reader_role(session: UnitOfWork, *, channel: str, chat_id: str) -> Role | None:
    """The role of the active person registered on this chat, else None."""
    role = (
        await session.exec(
            select(Person.role)
            .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
            .where(
                col(ChatIdentity.channel) == channel,
                col(ChatIdentity.chat_id) == chat_id,
                col(Person.active).is_(True),
            )
        )
    ).first()
    return Role(role) if role else None


async def reader_locale(session: UnitOfWork, *, channel: str, chat_id: str, default: str) -> str:
    """The language of the person registered on this chat, else the default."""
    locale = (
        await session.exec(
            select(Person.locale)
            .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
            .where(col(ChatIdentity.channel) == channel, col(ChatIdentity.chat_id) == chat_id)
        )
    ).first()
    return locale or default


async def answer_once(
    sessions: Sessions,
    *,
    source_id: str | None,
    channel: str,
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
            await enqueue(session, channel=channel, chat_id=chat_id, message=message, now=now)
    except IntegrityError:
        # Another instance answered the same redelivered update a moment earlier.
        return False
    return True


async def role_menu_chats(
    session: UnitOfWork, *, channel: str, roles: Iterable[Role]
) -> Sequence[tuple[str, str, str]]:
    """(chat id, role, locale) of every active person of these roles with a chat here."""
    return (
        await session.exec(
            select(ChatIdentity.chat_id, Person.role, Person.locale)
            .join(Person, col(Person.id) == col(ChatIdentity.person_id))
            .where(
                ChatIdentity.channel == channel,
                col(Person.active).is_(True),
                col(Person.role).in_([r.value for r in roles]),
            )
        )
    ).all()
