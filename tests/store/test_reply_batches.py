"""Replies that arrive together are answered together: one unit of work, few round trips,
and still each sender's own answer, in order per chat, on SQLite and PostgreSQL."""

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from handlers import replies
from models.bulk import bulk_insert, bulk_update
from models.tables import ChatState, HandledUpdate, Outbox
from services.outbox import pending_row
from services.unit_of_work import Sessions, transaction
from tests.builders import World
from tests.conftest import BOTH_STORES
from views.messages import Incoming

pytestmark = BOTH_STORES
_INSERT_HANDLED = sa.insert(HandledUpdate)


async def _officers_with_reminders(world: World, count: int) -> dict[str, int]:
    """`count` officers, each reminded of a task of their own: chat → handle."""
    await world.setup_agencies()
    plan = await world.plan()
    handles = {}
    for n in range(1, count + 1):
        chat = f"officer-{n}"
        await world.person(f"Cán bộ {n}", chat_id=chat)
        handle = await world.task(plan, f"III.{n}", due=date(2023, 12, 31))
        await world.reminder(chat, [(handle, None)], provider_message_id=f"r-{n}")
        handles[chat] = handle
    return handles


def _reply(world: World, chat: str, text: str, message_id: str) -> Incoming:
    return Incoming(
        channel="telegram",
        chat_id=chat,
        at=world.now,
        text=text,
        message_id=message_id,
        reply_to_message_id=f"r-{chat.removeprefix('officer-')}",
    )


class Statements:
    """Counts the statements and commits an engine runs."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements = 0
        self.commits = 0
        sa.event.listen(engine.sync_engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine.sync_engine, "commit", self._commit)

    def _statement(self, *_args: Any) -> None:
        self.statements += 1

    def _commit(self, *_args: Any) -> None:
        self.commits += 1


async def test_replies_arriving_together_share_one_unit_of_work_and_get_their_own_answers(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    world = World(sessions)
    handles = await _officers_with_reminders(world, 12)
    texts = ["xong", "50%", "vướng: chưa có kinh phí", "đang làm 70%"] * 3
    counted = Statements(engine)
    await asyncio.gather(
        *(
            world.conversation.handle(_reply(world, chat, text, f"m-{chat}"))
            for chat, text in zip(handles, texts, strict=True)
        )
    )
    # One transaction, and a handful of statements for all twelve (one reply alone
    # costs about eight).
    assert counted.commits == 1
    assert counted.statements <= 10
    expected = {
        "xong": ("done", 100, None),
        "50%": ("in_progress", 50, None),
        "vướng: chưa có kinh phí": ("blocked", 0, "chưa có kinh phí"),
        "đang làm 70%": ("in_progress", 70, None),
    }
    for (chat, handle), text in zip(handles.items(), texts, strict=True):
        stored = await world.assignment(handle)
        assert (stored.status, stored.progress, stored.blocked_reason) == expected[text]
        [change] = await world.history(handle)
        assert change.source_message_id == f"telegram:{chat}:m-{chat}"
        [answer] = await world.outbox(chat)
        assert answer.text.startswith(f"✅ Đã ghi nhận #{handle} III."), answer.text
    assert world.woken == 1


async def test_a_replayed_update_in_a_batch_changes_nothing_and_the_others_are_answered(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    handles = await _officers_with_reminders(world, 3)
    first = _reply(world, "officer-1", "xong", "m-1")
    await world.conversation.handle(first)
    await asyncio.gather(
        world.conversation.handle(first),
        world.conversation.handle(_reply(world, "officer-2", "50%", "m-2")),
        world.conversation.handle(_reply(world, "officer-3", "xong", "m-3")),
    )
    assert len(await world.outbox("officer-1")) == 1
    assert len(await world.history(handles["officer-1"])) == 1
    assert (await world.assignment(handles["officer-2"])).progress == 50
    assert (await world.assignment(handles["officer-3"])).status == "done"
    assert len(await world.outbox("officer-2")) == len(await world.outbox("officer-3")) == 1
    assert await world.count(HandledUpdate) == 3


async def test_a_message_that_fails_in_a_batch_costs_only_its_own_answer(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(sessions)
    handles = await _officers_with_reminders(world, 2)
    parse = replies.parse_reply

    def failing(text: str) -> Any:
        if text == "hỏng":
            raise RuntimeError("a bug in the parser")
        return parse(text)

    monkeypatch.setattr(replies, "parse_reply", failing)
    await asyncio.gather(
        world.conversation.handle(_reply(world, "officer-1", "hỏng", "m-1")),
        world.conversation.handle(_reply(world, "officer-2", "xong", "m-2")),
    )
    [apology] = await world.outbox("officer-1")
    assert apology.text.startswith("Xin lỗi, hệ thống đang gặp sự cố")
    assert (await world.assignment(handles["officer-1"])).status == "not_started"
    [answer] = await world.outbox("officer-2")
    assert answer.text.startswith(f"✅ Đã ghi nhận #{handles['officer-2']}")
    assert (await world.assignment(handles["officer-2"])).status == "done"


async def test_messages_of_one_chat_arriving_together_are_answered_in_order(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    handles = await _officers_with_reminders(world, 2)
    await asyncio.gather(
        world.conversation.handle(_reply(world, "officer-1", "vướng", "m-1")),
        world.conversation.handle(_reply(world, "officer-2", "xong", "m-2")),
        world.conversation.handle(
            Incoming(
                channel="telegram",
                chat_id="officer-1",
                at=world.now,
                text="chưa có mặt bằng",
                message_id="m-3",
            )
        ),
    )
    stored = await world.assignment(handles["officer-1"])
    assert (stored.status, stored.blocked_reason) == ("blocked", "chưa có mặt bằng")
    question, answer = await world.outbox("officer-1")
    assert "Vướng mắc gì" in question.text
    assert "chưa có mặt bằng" in answer.text


async def test_a_reply_with_nothing_pending_writes_no_chat_state(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await _officers_with_reminders(world, 1)
    await world.conversation.handle(_reply(world, "officer-1", "xong", "m-1"))
    assert await world.count(ChatState) == 0


async def test_deferred_writes_are_seen_by_a_later_read_and_go_out_as_one_statement(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    inserts: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith(f"INSERT INTO {HandledUpdate.__tablename__}"):
            inserts.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", note)
    world = World(sessions)
    async with transaction(sessions) as session:
        for n in range(5):
            session.defer(_INSERT_HANDLED, {"source_id": f"deferred-{n}", "at": world.now})
        assert inserts == []
        found = (await session.exec(select(col(HandledUpdate.source_id)))).all()
        assert sorted(found) == [f"deferred-{n}" for n in range(5)]
    assert len(inserts) == 1


async def test_deferred_rows_keep_their_values_and_their_order(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    # On PostgreSQL they go as one insert over arrays, converted as the columns convert
    # them (JSON, aware timestamps); on SQLite as an executemany.
    world = World(sessions)
    insert = bulk_insert(Outbox)
    written: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "INSERT INTO" in statement:
            written.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", note)
    async with transaction(sessions) as session:
        for n in range(4):
            session.defer(
                insert,
                pending_row(
                    channel="telegram",
                    chat_id="officer-1",
                    person_id=None,
                    kind="message",
                    payload={"text": f"Tin {n} — ✅ «Đã ghi nhận»", "items": [[n, None]]},
                    now=world.now + timedelta(minutes=n),
                ),
            )
        session.defer(insert, {**pending_row(
            channel="telegram", chat_id="officer-2", person_id=None, kind="message",
            payload={"text": "khác"}, now=world.now,
        ), "attempts": 2})  # fmt: skip
        handled = bulk_insert(HandledUpdate)
        for n in range(2):
            session.defer(handled, {"source_id": f"u-{n}", "at": world.now})
    async with sessions() as session:
        rows = (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()
    assert [(r.chat_id, r.payload["text"], r.attempts, r.state) for r in rows] == [
        *[("officer-1", f"Tin {n} — ✅ «Đã ghi nhận»", 0, "pending") for n in range(4)],
        ("officer-2", "khác", 2, "pending"),
    ]
    assert [r.next_attempt_at for r in rows[:4]] == [
        world.now + timedelta(minutes=n) for n in range(4)
    ]
    assert rows[0].payload["items"] == [[0, None]]
    assert sorted(await _handled_ids(sessions)) == ["u-0", "u-1"]
    if engine.dialect.name == "postgresql":
        # Both tables' rows in one statement, over arrays.
        [statement] = written
        assert "unnest" in statement
        assert "INSERT INTO outbox" in statement
        assert "INSERT INTO handledupdate" in statement
    else:
        assert [statement.split()[2] for statement in written] == ["outbox", "handledupdate"]


async def test_deferred_updates_leave_the_last_values_queued_per_row(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    # On PostgreSQL the updates go over arrays, in the same statement as the inserts; a row
    # updated twice keeps the last values queued for it, as after an executemany.
    world = World(sessions)
    async with transaction(sessions) as session:
        for n in range(3):
            session.defer(bulk_insert(Outbox), pending_row(
                channel="telegram", chat_id=f"officer-{n}", person_id=None, kind="message",
                payload={"text": f"Tin {n}"}, now=world.now,
            ))  # fmt: skip
    async with sessions() as session:
        ids = list((await session.exec(select(Outbox.id).order_by(col(Outbox.id)))).all())
    update = bulk_update(Outbox, key="id", columns=("state", "attempts", "next_attempt_at"))
    written: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith(("UPDATE", "INSERT", "WITH")):
            written.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", note)
    later = world.now + timedelta(hours=1)
    async with transaction(sessions) as session:
        for attempts, row in [(1, ids[0]), (2, ids[1]), (3, ids[0])]:
            session.defer(update, {
                "id": row, "state": "failed", "attempts": attempts,
                "next_attempt_at": later + timedelta(minutes=attempts),
            })  # fmt: skip
        session.defer(bulk_insert(HandledUpdate), {"source_id": "u-1", "at": world.now})
    async with sessions() as session:
        rows = (await session.exec(select(Outbox).order_by(col(Outbox.id)))).all()
    assert [(r.state, r.attempts, r.next_attempt_at) for r in rows] == [
        ("failed", 3, later + timedelta(minutes=3)),
        ("failed", 2, later + timedelta(minutes=2)),
        ("pending", 0, world.now),
    ]
    assert await _handled_ids(sessions) == ["u-1"]
    if engine.dialect.name == "postgresql":
        [statement] = written
        assert "UPDATE outbox" in statement
        assert "INSERT INTO handledupdate" in statement
    else:
        assert [statement.split()[0] for statement in written] == ["UPDATE", "INSERT"]


async def _handled_ids(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.exec(select(col(HandledUpdate.source_id)))).all())


async def test_deferred_writes_are_dropped_when_the_unit_of_work_rolls_back(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    async with sessions() as session:
        with pytest.raises(RuntimeError):
            async with session.begin():
                session.defer(_INSERT_HANDLED, {"source_id": "dropped", "at": world.now})
                raise RuntimeError("changed my mind")
        async with session.begin():
            await session.exec(select(Outbox.id))
    assert await world.count(HandledUpdate) == 0
