"""Writing messages to the outbox, in the caller's transaction.

Nothing is ever sent directly: a change and the messages it causes commit
together, and the dispatcher delivers them (once, in order per chat).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from models.bulk import bulk_insert
from models.enums import OutboxKind, OutboxState
from models.tables import ChatIdentity, Outbox
from services.unit_of_work import UnitOfWork
from views.messages import Outgoing

# Called after a commit that wrote outbox rows, so an in-process dispatcher wakes at once.
Wake = Callable[[], None]


def pending_row(
    *,
    channel: str,
    chat_id: str,
    person_id: int | None,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """The column values of a new outbox row waiting to be sent now (also for bulk inserts)."""
    return {
        "channel": channel,
        "chat_id": chat_id,
        "person_id": person_id,
        "kind": kind,
        "payload": payload,
        "state": OutboxState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue(
    session: UnitOfWork,
    *,
    channel: str,
    chat_id: str,
    message: Outgoing,
    now: datetime,
    person_id: int | None = None,
    kind: str = OutboxKind.MESSAGE,
) -> Outbox:
    """Add one message for one chat to the outbox (flushed, so its id is known)."""
    row = Outbox(
        **pending_row(
            channel=channel,
            chat_id=chat_id,
            person_id=person_id,
            kind=kind,
            payload=message.to_payload(),
            now=now,
        )
    )
    session.add(row)
    await session.flush()
    return row


# Built once, so that `defer` groups the messages of many replies into one statement.
_INSERT = bulk_insert(Outbox)


def enqueue_later(
    session: UnitOfWork,
    *,
    channel: str,
    chat_id: str,
    message: Outgoing,
    now: datetime,
    person_id: int | None = None,
    kind: str = OutboxKind.MESSAGE,
) -> None:
    """`enqueue` for a caller that needs no id back: the row is written with this unit of
    work's other deferred writes (UnitOfWork.defer), in the order queued."""
    row = pending_row(
        channel=channel,
        chat_id=chat_id,
        person_id=person_id,
        kind=kind,
        payload=message.to_payload(),
        now=now,
    )
    session.defer(_INSERT, row)


async def enqueue_for_person(
    session: UnitOfWork,
    *,
    person_id: int,
    message: Outgoing,
    now: datetime,
    kind: str = OutboxKind.MESSAGE,
) -> Outbox | None:
    """Send to a person on their most recently registered chat; None if they have none."""
    identity = (
        await session.exec(
            select(ChatIdentity)
            .where(ChatIdentity.person_id == person_id)
            .order_by(col(ChatIdentity.created_at).desc(), col(ChatIdentity.id).desc())
        )
    ).first()
    if identity is None:
        return None
    return await enqueue(
        session,
        channel=identity.channel,
        chat_id=identity.chat_id,
        message=message,
        now=now,
        person_id=person_id,
        kind=kind,
    )
