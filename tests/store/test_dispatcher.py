"""The outbox dispatcher against the real store, with a recording sender and a hand-moved clock."""

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.channels.base import ChatUnreachable, PermanentFailure, RetryLater, TemporaryFailure
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, RetryPolicy
from domain.access import Role
from models.enums import OutboxKind, OutboxState
from models.tables import Agency, ChatIdentity, Outbox, Person
from services.outbox import enqueue
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES
from tests.fakes.clock import FakeClock
from tests.fakes.senders import RecordingSender
from views.messages import Outgoing

NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)
LIMITS = {"telegram": ChannelLimits(per_second=1000, private_chat_interval=1.0)}
pytestmark = BOTH_STORES

Sessions = Sessions


def dispatcher(
    sessions: Sessions,
    sender: RecordingSender,
    clock: FakeClock,
    **options: object,
) -> OutboxDispatcher:
    settings: dict[str, object] = {
        "limits": LIMITS,
        "retry": RetryPolicy(max_attempts=3, base_delay=10, max_delay=60),
        "rng": random.Random(1),
        **options,
    }
    return OutboxDispatcher(
        sessions=sessions,
        senders={sender.channel: sender},
        clock=clock,
        **settings,  # type: ignore[arg-type]
    )


async def add(sessions: Sessions, chat_id: str, *texts: str, kind: str = "message") -> list[int]:
    async with transaction(sessions) as session:
        rows = [
            await enqueue(
                session,
                channel="telegram",
                chat_id=chat_id,
                message=Outgoing(text=text),
                now=NOW,
                kind=kind,
            )
            for text in texts
        ]
    return [row.id for row in rows if row.id is not None]


async def person(
    sessions: Sessions,
    name: str,
    *,
    chat_id: str,
    role: Role = Role.OFFICER,
    locale: str = "vi",
    agency: str | None = None,
) -> int:
    async with transaction(sessions) as session:
        agency_id = None
        if agency:
            row = Agency(code=agency[:10].upper(), name=agency, kind="so")
            session.add(row)
            await session.flush()
            agency_id = row.id
        someone = Person(
            name=name, role=role.value, locale=locale, agency_id=agency_id, created_at=NOW
        )
        session.add(someone)
        await session.flush()
        assert someone.id is not None
        session.add(
            ChatIdentity(person_id=someone.id, channel="telegram", chat_id=chat_id, created_at=NOW)
        )
        return someone.id


async def rows(sessions: Sessions) -> list[Outbox]:
    async with sessions() as session:
        return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())


async def test_a_due_message_is_sent_and_marked_sent_with_the_provider_id(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    await add(sessions, "501", "Xin chào")
    assert await dispatcher(sessions, sender, clock).drain_once() == 1
    [row] = await rows(sessions)
    assert sender.texts_to("501") == ["Xin chào"]
    assert (row.state, row.provider_message_id, row.sent_at, row.attempts) == (
        "sent",
        "1001",
        NOW,
        1,
    )
    assert (row.claimed_by, row.claimed_until, row.last_error) == (None, None, None)


async def test_a_message_not_yet_due_waits(sessions: Sessions) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW - timedelta(minutes=1))
    await add(sessions, "501", "Sau")
    assert await dispatcher(sessions, sender, clock).drain_once() == 0
    assert sender.sent == []


async def test_one_chat_gets_its_messages_in_order_at_most_one_per_interval(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    await add(sessions, "501", "một", "hai", "ba")
    await add(sessions, "502", "khác")
    outbox = dispatcher(sessions, sender, clock)
    assert await outbox.drain_once() == 2
    assert await outbox.drain_once() == 0
    clock.advance(seconds=0.5)
    assert await outbox.drain_once() == 0
    clock.advance(seconds=0.6)
    assert await outbox.drain_once() == 1
    clock.advance(seconds=1.1)
    assert await outbox.drain_once() == 1
    assert sender.texts_to("501") == ["một", "hai", "ba"]
    assert sender.texts_to("502") == ["khác"]


async def test_a_rate_limited_message_waits_retry_after_without_spending_an_attempt(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    sender.fail_next("501", RetryLater("429", retry_after=0.01))
    [first, _second] = await add(sessions, "501", "một", "hai")
    outbox = dispatcher(sessions, sender, clock)
    assert await outbox.drain_once() == 0
    row = (await rows(sessions))[0]
    assert (row.id, row.state, row.attempts) == (first, "pending", 0)
    assert row.next_attempt_at == NOW + timedelta(seconds=0.01)
    assert "429" in (row.last_error or "")
    clock.advance(seconds=0.01)
    assert await outbox.drain_once() == 1
    clock.advance(seconds=1)
    assert await outbox.drain_once() == 1
    assert sender.texts_to("501") == ["một", "hai"]


async def test_a_failing_message_holds_back_its_chat_but_not_other_chats(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    sender.fail_next("501", TemporaryFailure("502 Bad Gateway"))
    await add(sessions, "501", "một", "hai")
    await add(sessions, "502", "khác")
    outbox = dispatcher(sessions, sender, clock)
    assert await outbox.drain_once() == 1
    first = (await rows(sessions))[0]
    assert (first.state, first.attempts) == ("pending", 1)
    # Equal jitter: between half and all of the base delay after the first failure.
    assert NOW + timedelta(seconds=5) <= first.next_attempt_at <= NOW + timedelta(seconds=10)
    clock.advance(seconds=2)
    assert await outbox.drain_once() == 0, "'hai' must not overtake 'một'"
    clock.now = first.next_attempt_at
    assert await outbox.drain_once() == 1
    clock.advance(seconds=1)
    assert await outbox.drain_once() == 1
    assert sender.texts_to("501") == ["một", "hai"]


async def test_temporary_failures_give_up_after_max_attempts_and_tell_the_coordinators(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    await person(sessions, "Chị Lan", chat_id="501", agency="Sở Tài chính")
    await person(sessions, "Anh Điều Phối", chat_id="900", role=Role.COORDINATOR)
    sender.fail_always("501", TemporaryFailure("timeout"))
    await add(sessions, "501", "Nhắc việc #57", "sau đó")
    outbox = dispatcher(sessions, sender, clock)
    for _attempt in range(3):
        await outbox.drain_once()
        clock.advance(minutes=5)
    await outbox.drain_once()
    stored = await rows(sessions)
    assert [(r.chat_id, r.state, r.attempts) for r in stored[:1]] == [("501", "failed", 3)]
    assert "timeout" in (stored[0].last_error or "")
    notices = [r for r in stored if r.kind == OutboxKind.DELIVERY_NOTICE]
    assert [n.chat_id for n in notices] == ["900"]
    text = notices[0].payload["text"]
    assert "Chị Lan (Sở Tài chính)" in text and "3" in text and "Nhắc việc #57" in text
    # The chat is not held up for ever: the next message goes on trying.
    assert stored[1].state == "pending" and stored[1].attempts >= 1


async def test_a_refused_message_fails_at_once_and_the_chat_moves_on(sessions: Sessions) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    await person(sessions, "Anh Điều Phối", chat_id="900", role=Role.COORDINATOR, locale="en")
    sender.fail_next("501", PermanentFailure("Bad Request: can't parse entities"))
    await add(sessions, "501", "hỏng", "tiếp")
    outbox = dispatcher(sessions, sender, clock)
    await outbox.drain_once()
    clock.advance(seconds=2)
    await outbox.drain_once()
    stored = await rows(sessions)
    assert [(r.chat_id, r.state) for r in stored] == [
        ("501", "failed"),
        ("501", "sent"),
        ("900", "sent"),
    ]
    assert sender.texts_to("501") == ["tiếp"]
    [notice] = sender.texts_to("900")
    assert notice.startswith("⚠️ Telegram refused a message to 501")


async def test_a_blocked_chat_makes_its_person_inactive_and_each_coordinator_is_told_once(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    lan = await person(sessions, "Chị Lan", chat_id="501", agency="Sở Xây dựng")
    await person(sessions, "Anh Minh", chat_id="900", role=Role.COORDINATOR, locale="vi")
    await person(sessions, "Ms Hoa", chat_id="901", role=Role.COORDINATOR, locale="en")
    await person(sessions, "Ông Lãnh Đạo", chat_id="902", role=Role.LEADER)
    sender.fail_always("501", ChatUnreachable("Forbidden: bot was blocked by the user"))
    await add(sessions, "501", "một", "hai")
    outbox = dispatcher(sessions, sender, clock)
    for _ in range(3):
        await outbox.drain_once()
        clock.advance(seconds=2)
    async with sessions() as session:
        blocked = await session.get(Person, lan)
    assert blocked is not None and blocked.active is False
    stored = await rows(sessions)
    assert [(r.chat_id, r.state) for r in stored if r.kind != OutboxKind.DELIVERY_NOTICE] == [
        ("501", "failed"),
        ("501", "failed"),
    ]
    assert sorted(c for c, _m in sender.sent) == ["900", "901"]
    [vi] = sender.texts_to("900")
    [en] = sender.texts_to("901")
    assert "Chị Lan (Sở Xây dựng)" in vi and "chặn bot" in vi
    assert "Chị Lan (Sở Xây dựng)" in en and "blocked the bot" in en


async def test_a_notice_that_cannot_be_delivered_breeds_no_further_notice(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    await person(sessions, "Anh Minh", chat_id="900", role=Role.COORDINATOR)
    sender.fail_always("900", PermanentFailure("Bad Request"))
    await add(sessions, "900", "Cảnh báo", kind=OutboxKind.DELIVERY_NOTICE)
    await dispatcher(sessions, sender, clock).drain_once()
    assert [(r.state, r.kind) for r in await rows(sessions)] == [
        ("failed", OutboxKind.DELIVERY_NOTICE)
    ]


async def test_a_sender_that_crashes_is_retried_like_a_temporary_failure(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    sender.fail_next("501", RuntimeError("bug in a sender"))
    await add(sessions, "501", "một")
    outbox = dispatcher(sessions, sender, clock)
    assert await outbox.drain_once() == 0
    assert "bug in a sender" in caplog.text
    clock.advance(minutes=1)
    assert await outbox.drain_once() == 1


async def test_a_row_leased_by_a_live_instance_is_left_alone_until_the_lease_ends(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    [row_id] = await add(sessions, "501", "đang gửi ở nơi khác")
    async with transaction(sessions) as session:
        row = await session.get(Outbox, row_id)
        assert row is not None
        row.state, row.claimed_by = OutboxState.SENDING.value, "other-instance"
        row.claimed_until, row.attempts = NOW + timedelta(seconds=60), 1
        session.add(row)
    outbox = dispatcher(sessions, sender, clock)
    assert await outbox.drain_once() == 0
    clock.advance(seconds=61)
    assert await outbox.drain_once() == 1
    [done] = await rows(sessions)
    assert (done.state, done.attempts, done.claimed_by) == ("sent", 2, None)


async def test_only_channels_this_dispatcher_has_a_sender_for_are_claimed(
    sessions: Sessions,
) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    async with transaction(sessions) as session:
        await enqueue(
            session, channel="zalo", chat_id="z1", message=Outgoing(text="Zalo"), now=NOW
        )
    await add(sessions, "501", "Telegram")
    assert await dispatcher(sessions, sender, clock).drain_once() == 1
    assert [(r.channel, r.state) for r in await rows(sessions)] == [
        ("zalo", "pending"),
        ("telegram", "sent"),
    ]


async def test_a_group_gets_at_most_its_messages_per_minute(sessions: Sessions) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    limits = {
        "telegram": ChannelLimits(per_second=1000, private_chat_interval=0.5, group_per_minute=3)
    }
    await add(sessions, "-100200", *[f"nhóm {i}" for i in range(5)])
    outbox = dispatcher(sessions, sender, clock, limits=limits)
    sent = 0
    for _ in range(10):
        sent += await outbox.drain_once()
        clock.advance(seconds=1)
    assert sent == 3
    clock.advance(seconds=50)
    for _ in range(3):
        sent += await outbox.drain_once()
        clock.advance(seconds=1)
    assert sender.texts_to("-100200") == [f"nhóm {i}" for i in range(5)]


async def test_run_sends_at_once_when_woken_and_stops_when_asked(sessions: Sessions) -> None:
    sender, clock = RecordingSender(), FakeClock(NOW)
    outbox = dispatcher(sessions, sender, clock, idle_poll=30.0)
    stop = asyncio.Event()
    running = asyncio.create_task(outbox.run(stop))
    await asyncio.sleep(0.2)
    await add(sessions, "501", "ngay")
    outbox.wake()
    for _ in range(3000):
        if sender.sent:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, timeout=60)
    assert sender.texts_to("501") == ["ngay"]


async def test_a_message_that_waited_past_half_its_lease_is_handed_back_unsent(
    sessions: Sessions,
) -> None:
    clock = FakeClock(NOW)

    class SlowSender(RecordingSender):
        async def send(self, chat_id: str, message: Outgoing) -> str | None:
            clock.advance(seconds=40)  # the first send eats most of the batch's lease
            return await super().send(chat_id, message)

    sender = SlowSender()
    await add(sessions, "501", "một")
    await add(sessions, "502", "hai")
    outbox = dispatcher(sessions, sender, clock, lease=timedelta(seconds=60))
    assert await outbox.drain_once() == 1
    stored = {r.chat_id: r for r in await rows(sessions)}
    assert (stored["502"].state, stored["502"].attempts, stored["502"].claimed_by) == (
        "pending",
        0,
        None,
    )
    assert await outbox.drain_once() == 1
    assert sorted(c for c, _m in sender.sent) == ["501", "502"]
