"""The whole Telegram path: real aiogram polling and webhook, the real conversation, the real
outbox dispatcher and sender, against the fake Bot API. What the user sees is what the fake
received; what changed is read from the store.
"""

import asyncio
import html
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from sqlmodel import col, func, select

from bot.bootstrap import ChannelContext, build
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.inbound import setup_dispatcher
from bot.channels.telegram.runtime import TelegramRuntime
from bot.outbox.limits import ChannelLimits
from bot.settings import Settings, load_settings
from domain.access import Role
from handlers.conversation import Conversation
from locales import gettext_for
from models.tables import (
    Agency,
    ChatIdentity,
    CompletionReport,
    ExtensionRequest,
    Outbox,
    Person,
    Plan,
    StatusChange,
)
from services.completions import EVIDENCE_FILE_NAME
from services.outbox import enqueue
from services.people import create_invite
from services.unit_of_work import Sessions, transaction
from tests.builders import NOW, World
from tests.conftest import BOTH_STORES
from tests.fakes.clock import FakeClock
from tests.fakes.telegram_api import DEFAULT_TOKEN, SENDING, Call, FakeTelegramAPI
from views.messages import Incoming, Outgoing, ReminderItem, status_buttons

pytestmark = BOTH_STORES
SECRET = "webhook-secret_42"
DUE = date(2023, 12, 31)


class Counted:
    """The conversation, counting the updates it has finished."""

    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation
        self.handled = 0

    async def handle(self, incoming: Incoming) -> None:
        await self._conversation.handle(incoming)
        self.handled += 1


@dataclass
class Bench:
    """Everything between a Telegram user and the store."""

    api: FakeTelegramAPI
    world: World
    clock: FakeClock
    conversation: Counted
    sessions: Sessions
    webhook: bool
    wake: Callable[[], None]

    async def _settle(self, handled: int) -> None:
        for _ in range(6000):
            if self.conversation.handled >= handled and await self._unsent() == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not answer in time")

    async def _unsent(self) -> int:
        async with self.sessions() as session:
            result = await session.exec(
                select(func.count())
                .select_from(Outbox)
                .where(col(Outbox.state).in_(["pending", "sending"]))
            )
            return int(result.one())

    async def deliver(self, update: dict[str, object]) -> int:
        """Hand one update to the bot, the way this bench receives them; the HTTP status."""
        if self.webhook:
            status, _body = await self.api.send_to_webhook(update)
            return status
        self.api.push_update(update)
        return 200

    async def say(
        self, chat: int, text: str, *, reply_to: int | None = None, language: str = "vi"
    ) -> list[Call]:
        """Type into a chat; what the bot then sent to that chat."""
        update = self.api.message_update(
            chat, text, reply_to_message_id=reply_to, language_code=language
        )
        return await self.exchange(chat, update)

    async def press(self, chat: int, data: str, *, under: Call) -> list[Call]:
        """Press a button under one of the bot's messages; what the bot then sent."""
        assert under.message_id is not None
        update = self.api.callback_update(chat, data, message_id=under.message_id)
        return await self.exchange(chat, update)

    async def exchange(self, chat: int, update: dict[str, object]) -> list[Call]:
        mark = len(self.api.calls)
        handled = self.conversation.handled + 1
        assert await self.deliver(update) == 200
        await self._settle(handled)
        return self.sent_to(chat, since=mark)

    def sent_to(self, chat: int, *, since: int = 0) -> list[Call]:
        return [
            c
            for c in self.api.calls[since:]
            if c.ok and c.method in SENDING and c.chat_id == str(chat)
        ]

    async def remind(self, chat: int, *handles: int) -> Call:
        """A reminder written by the scheduler and delivered by the dispatcher."""
        _ = gettext_for("vi")
        items = tuple(ReminderItem(number=n, assignment_id=h) for n, h in enumerate(handles, 1))
        message = Outgoing(
            text="🔔 Nhắc việc",
            items=items,
            buttons=tuple(status_buttons(item=i, _=_, numbered=len(items) > 1) for i in items),
        )
        mark = len(self.api.calls)
        async with transaction(self.sessions) as session:
            await enqueue(
                session,
                channel="telegram",
                chat_id=str(chat),
                message=message,
                now=self.clock.now,
                kind="reminder",
            )
        self.wake()
        await self._settle(self.conversation.handled)
        [call] = self.sent_to(chat, since=mark)
        return call

    def later(self, **delta: float) -> None:
        self.clock.advance(**delta)
        self.world.now = self.clock.now


@asynccontextmanager
async def bench(
    sessions: Sessions, *, webhook: bool = False, data_dir: Path | None = None
) -> AsyncIterator[Bench]:
    world = World(sessions)
    await world.setup_agencies()
    clock = FakeClock(NOW)
    settings: Settings = load_settings(
        _env_file=None,
        database_url="sqlite:///unused.db",
        http_host="127.0.0.1",
        http_port=0,
        data_dir=data_dir or Path(tempfile.gettempdir()) / "dondoc-bench",
    )
    async with FakeTelegramAPI() as api:
        bot: Bot = make_bot(
            load_settings(
                _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=api.base_url
            ),
            timeout=5,
        )
        counted: list[Counted] = []

        async def telegram(context: ChannelContext) -> TelegramRuntime:
            conversation = Counted(context.conversation)
            counted.append(conversation)
            runtime = TelegramRuntime(
                bot=bot,
                dispatcher=setup_dispatcher(conversation=conversation, clock=clock),
                webhook_url=f"{context.http.url}/telegram/webhook" if webhook else None,
                webhook_secret=SECRET if webhook else None,
                polling_timeout=1,
            )
            runtime.route(context.http)
            await runtime.start()
            return runtime

        service = build(
            settings,
            clock=clock,
            channels={"telegram": telegram},
            engine=sessions.kw["bind"],
            limits={"telegram": ChannelLimits(per_second=1000, private_chat_interval=0)},
            schedule=False,
            idle_poll=0.05,
        )
        async with service:
            yield Bench(
                api=api,
                world=world,
                clock=clock,
                conversation=counted[0],
                sessions=sessions,
                webhook=webhook,
                wake=service.wake,
            )


def texts(calls: list[Call]) -> list[str]:
    """What the user reads (the HTML entities decoded)."""
    return [html.unescape(c.text or "") for c in calls]


async def test_a_stranger_learns_how_to_register_and_nothing_else(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        plan = await tb.world.plan()
        await tb.world.task(plan, "III.12", title="Kho dữ liệu bí mật", due=DUE)
        answers = texts(await tb.say(777, "/tasks"))
        answers += texts(await tb.say(777, "xong"))
    assert len(answers) == 2
    assert all("/start" in a and "Kho dữ liệu" not in a for a in answers)
    async with sessions() as session:
        assert (await session.exec(select(Person))).all() == []


async def test_registration_by_deep_link_binds_the_chat_and_tells_the_coordinator(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Anh Điều Phối", role=Role.COORDINATOR, agency=None, chat_id="900")
        async with transaction(sessions) as session:
            invite = await create_invite(
                session,
                agency_code="STTTT",
                role=Role.OFFICER,
                uses=1,
                expires_in=timedelta(days=14),
                now=NOW,
                created_by="cli",
            )
        mark = len(tb.api.calls)
        [welcome] = texts(await tb.say(501, f"/start {invite.code}"))
        [notice] = texts(tb.sent_to(900, since=mark))
        [again] = texts(await tb.say(502, f"/start {invite.code}"))
    assert welcome.startswith("✅ Đăng ký thành công: Lan Nguyễn")
    assert "Sở Thông tin và Truyền thông" in welcome
    assert "Lan Nguyễn" in notice and "(qua Telegram, " in notice
    assert "không dùng được" in again
    async with sessions() as session:
        identity = (
            await session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "501"))
        ).one()
        person = await session.get(Person, identity.person_id)
    assert person is not None and (person.name, person.locale) == ("Lan Nguyễn", "vi")


REPLY_FORMS = [
    ("xong", "done", 100, None),
    ("đã hoàn thành", "done", 100, None),
    ("hoan thanh", "done", 100, None),
    ("done", "done", 100, None),
    ("50%", "in_progress", 50, None),
    ("đang làm 70%", "in_progress", 70, None),
    ("đạt 80 %", "in_progress", 80, None),
    ("vướng: chưa có kinh phí", "blocked", 0, "chưa có kinh phí"),
    ("khó khăn về mặt bằng", "blocked", 0, "về mặt bằng"),
]


async def test_every_reply_form_to_a_delivered_reminder_updates_its_task(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        plan = await tb.world.plan()
        for number, (text, status, progress, reason) in enumerate(REPLY_FORMS):
            chat = 600 + number
            await tb.world.person(f"Cán bộ {number}", chat_id=str(chat))
            handle = await tb.world.task(plan, f"III.{number}", due=DUE)
            reminder = await tb.remind(chat, handle)
            assert reminder.buttons[0][0]["callback_data"].startswith("s|d|")
            [answer] = texts(await tb.say(chat, text, reply_to=reminder.message_id))
            stored = await tb.world.assignment(handle)
            assert (stored.status, stored.progress, stored.blocked_reason) == (
                status,
                progress,
                reason,
            ), text
            assert answer.startswith(f"✅ Đã ghi nhận #{handle} III.{number}"), (text, answer)


async def test_several_items_answered_in_one_message(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        handles = [await tb.world.task(plan, f"III.{n}", due=DUE) for n in (1, 2, 3)]
        reminder = await tb.remind(501, *handles)
        assert len(reminder.buttons) == 3
        [answer] = texts(
            await tb.say(
                501, "1 xong, 2 60%, 3 vướng thiếu nhân lực", reply_to=reminder.message_id
            )
        )
        stored = [await tb.world.assignment(h) for h in handles]
    assert [(a.status, a.progress) for a in stored] == [
        ("done", 100),
        ("in_progress", 60),
        ("blocked", 0),
    ]
    assert answer.startswith("✅ Đã ghi nhận:")


async def test_buttons_are_answered_at_once_and_ask_their_follow_up(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=DUE)
        reminder = await tb.remind(501, handle)
        progress = reminder.buttons[0][1]["callback_data"]
        [question] = await tb.press(501, progress, under=reminder)
        choices = {b["text"]: b["callback_data"] for b in question.buttons[0]}
        assert list(choices) == ["25%", "50%", "75%", "✅ Xong"]
        await tb.press(501, choices["50%"], under=question)
        answered = tb.api.calls_of("answerCallbackQuery")
        stored = await tb.world.assignment(handle)
    assert len(answered) == 2 and all(c.ok for c in answered)
    assert (stored.status, stored.progress) == ("in_progress", 50)


async def test_undo_within_ten_minutes_and_refused_after(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=DUE)
        await tb.say(501, f"#{handle} 60%")
        tb.later(minutes=1)
        await tb.say(501, f"#{handle} xong")
        tb.later(minutes=5)
        [undone] = texts(await tb.say(501, "/hoantac"))
        restored = await tb.world.assignment(handle)
        tb.later(minutes=11)
        [refused] = texts(await tb.say(501, "/undo"))
    assert undone.startswith("↩️ Đã hoàn tác")
    assert (restored.status, restored.progress) == ("in_progress", 60)
    assert "quá 10 phút" in refused


async def test_an_unclear_reply_gets_a_question_whose_answer_applies(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        first = await tb.world.task(plan, "III.1", due=DUE)
        second = await tb.world.task(plan, "III.2", due=DUE)
        await tb.remind(501, first, second)
        [question] = await tb.say(501, "xong")
        assert html.unescape(question.text or "").startswith("Bạn muốn cập nhật việc nào?")
        await tb.press(501, question.buttons[0][1]["callback_data"], under=question)
        states = [(await tb.world.assignment(h)).status for h in (first, second)]
    assert states == ["not_started", "done"]


async def test_each_role_may_do_what_the_matrix_says_and_is_told_otherwise(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501", agency="STTTT")
        await tb.world.person("Anh Hùng", chat_id="502", agency="SXD")
        await tb.world.person("Lãnh đạo", chat_id="503", role=Role.LEADER, agency=None)
        await tb.world.person("Điều phối", chat_id="504", role=Role.COORDINATOR, agency=None)
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=date(2023, 6, 30), lead="STTTT")

        [other_agency] = texts(await tb.say(502, f"#{handle} xong"))
        [leader] = texts(await tb.say(503, f"#{handle} xong"))
        unchanged = (await tb.world.assignment(handle)).status
        [leader_reads] = texts(await tb.say(503, "/quahan"))
        [officer] = texts(await tb.say(501, f"#{handle} 40%"))
        [coordinator] = texts(await tb.say(504, f"#{handle} xong"))
        [officer_people] = texts(await tb.say(501, "/canbo"))
        final = (await tb.world.assignment(handle)).status
    assert "không có quyền" in other_agency and "không có quyền" in leader
    assert unchanged == "not_started"
    assert "III.12" in leader_reads
    assert officer.startswith("✅ Đã ghi nhận") and coordinator.startswith("✅ Đã ghi nhận")
    assert "không có quyền" in officer_people
    assert final == "done"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x" * 5000,
        "👍🎉😀",
        "<b>đậm</b> <script>alert(1)</script>",
        "<a href='x'>y</a> & 1 < 2",
    ],
)
async def test_bad_input_gets_a_clear_answer_rendered_safely_and_changes_nothing(
    sessions: Sessions, text: str
) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=DUE)
        await tb.remind(501, handle)
        calls = await tb.say(501, text)
        stored = await tb.world.assignment(handle)
    assert len(calls) == 1 and calls[0].params["parse_mode"] == "HTML"
    shown = calls[0].text or ""
    assert shown and "<script>" not in shown and "<b>" not in shown
    assert stored.status == "not_started"
    async with sessions() as session:
        assert (await session.exec(select(StatusChange))).all() == []


async def test_a_replayed_webhook_update_is_answered_and_applied_once(
    sessions: Sessions,
) -> None:
    async with bench(sessions, webhook=True) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=DUE)
        update = tb.api.message_update(501, f"#{handle} 60%")
        first = await tb.exchange(501, update)
        again = await tb.exchange(501, update)
        history = await tb.world.history(handle)
    assert len(first) == 1 and again == []
    assert len(history) == 1


async def test_a_webhook_request_with_a_wrong_secret_changes_nothing(
    sessions: Sessions,
) -> None:
    async with bench(sessions, webhook=True) as tb:
        await tb.world.person("Chị Lan", chat_id="501")
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=DUE)
        update = tb.api.message_update(501, f"#{handle} xong")
        status, _body = await tb.api.send_to_webhook(update, secret="not-the-secret")
        await asyncio.sleep(0.2)
        stored = await tb.world.assignment(handle)
        outbox = await tb._unsent()
    assert status == 401
    assert tb.conversation.handled == 0
    assert stored.status == "not_started" and outbox == 0
    assert tb.sent_to(501) == []


GROUP = -100500


async def test_item6_in_a_group_every_action_is_the_senders_not_the_chats(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        boss = await tb.world.person(
            "Anh Điều Phối", role=Role.COORDINATOR, agency=None, chat_id="900"
        )
        # Registered in the group by the code before identity was the user's.
        await tb.world.person("Chị Cũ", role=Role.COORDINATOR, agency=None, chat_id=str(GROUP))
        plan = await tb.world.plan()
        handle = await tb.world.task(plan, "III.12", due=DUE)
        async with transaction(sessions) as session:
            invite = await create_invite(
                session,
                agency_code="STTTT",
                role=Role.OFFICER,
                uses=1,
                expires_in=timedelta(days=14),
                now=NOW,
                created_by="cli",
            )

        async def in_group(user: int, text: str) -> list[str]:
            update = tb.api.message_update(GROUP, text, chat_type="supergroup", user_id=user)
            return texts(await tb.exchange(GROUP, update))

        async def press_in_group(user: int, data: str) -> list[str]:
            update = tb.api.callback_update(
                GROUP, data, message_id=1, chat_type="supergroup", user_id=user
            )
            return texts(await tb.exchange(GROUP, update))

        [stranger_people] = await in_group(901, "/canbo")
        [stranger_revoke] = await in_group(901, f"/thuhoi {boss}")
        [stranger_done] = await in_group(901, f"#{handle} xong")
        [stranger_button] = await press_in_group(901, f"s|d|{handle}||")
        [group_register] = await in_group(901, f"/start {invite.code}")
        unchanged = await tb.world.assignment(handle)
        [boss_people] = await in_group(900, "/canbo")
        [boss_button] = await press_in_group(900, f"s|d|{handle}||")

    for answer in (stranger_people, stranger_revoke, stranger_done, stranger_button):
        assert "chưa đăng ký" in answer and "Anh Điều Phối" not in answer, answer
    assert "tin nhắn riêng" in group_register
    assert unchanged.status == "not_started"
    assert "Anh Điều Phối" in boss_people
    assert boss_button.startswith(f"✅ Đã ghi nhận #{handle}")
    async with sessions() as session:
        people = (await session.exec(select(Person))).all()
        changes = (await session.exec(select(StatusChange))).all()
    assert len(people) == 2 and all(p.active for p in people)
    assert [c.person_id for c in changes] == [boss]


async def _request_and_notice(tb: Bench, handle: int, text: str) -> tuple[str, Call]:
    """The officer (501) asks for more time; what they read and the coordinator's (504) copy."""
    mark = len(tb.api.calls)
    [answer] = texts(await tb.say(501, text))
    [notice] = tb.sent_to(504, since=mark)
    return answer, notice


async def _workflow(tb: Bench) -> int:
    await tb.world.person("Chị Lan", chat_id="501", agency="STTTT")
    await tb.world.person("Lãnh đạo", chat_id="503", role=Role.LEADER, agency=None)
    await tb.world.person("Điều phối", chat_id="504", role=Role.COORDINATOR, agency=None)
    plan = await tb.world.plan()
    return await tb.world.task(plan, "III.12", due=date(2023, 11, 30), lead="STTTT")


async def test_an_extension_asked_in_words_is_approved_and_the_officer_told(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _workflow(tb)
        answer, notice = await _request_and_notice(
            tb, handle, f"gia hạn #{handle} đến 29/12: chờ phê duyệt dự toán"
        )
        labels = [b["text"] for b in notice.buttons[0]]
        mark = len(tb.api.calls)
        [decided] = texts(await tb.press(504, notice.buttons[0][0]["callback_data"], under=notice))
        [told] = texts(tb.sent_to(501, since=mark))
        stored = await tb.world.assignment(handle)
        [again] = texts(await tb.press(504, notice.buttons[0][2]["callback_data"], under=notice))
        history = await tb.world.history(handle)
        [detail] = texts(await tb.say(501, f"/chitiet {handle}"))
    assert answer.startswith(f"⏳ Đã gửi đề nghị gia hạn #{handle} III.12")
    assert "29/12/2023" in answer and "chờ phê duyệt dự toán" in answer
    assert "30/11/2023 → đề nghị: 29/12/2023" in html.unescape(notice.text or "")
    assert labels == ["✅ Duyệt", "📅 Duyệt đến ngày khác", "✖ Từ chối"]
    assert decided.startswith(f"✅ Đã duyệt gia hạn việc #{handle} đến 29/12/2023")
    assert "hạn mới 29/12/2023" in told and "Hạn gốc: 30/11/2023" in told
    assert (stored.extended_due_date, stored.extension_count) == (date(2023, 12, 29), 1)
    assert "đã được duyệt trước đó" in again
    assert [h.event for h in history] == ["extension-requested", "extension-approved"]
    assert "29/12/2023" in detail and "Đã gia hạn 1 lần; hạn gốc 30/11/2023" in detail
    assert "⏳ đề nghị gia hạn: 29/12/2023: chờ phê duyệt dự toán" in detail
    assert "✅ duyệt gia hạn: 29/12/2023" in detail


async def test_an_extension_approved_to_another_date_and_one_refused_with_a_reason(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _workflow(tb)
        _, notice = await _request_and_notice(tb, handle, f"#{handle} xin gia hạn thêm 20 ngày")
        [question] = await tb.press(504, notice.buttons[0][1]["callback_data"], under=notice)
        mark = len(tb.api.calls)
        [decided] = texts(await tb.say(504, "15/12"))
        [told] = texts(tb.sent_to(501, since=mark))
        moved = await tb.world.assignment(handle)
        _, second = await _request_and_notice(tb, handle, f"gia hạn #{handle} đến cuối quý")
        [why] = texts(await tb.press(504, second.buttons[0][2]["callback_data"], under=second))
        mark = len(tb.api.calls)
        [refused] = texts(await tb.say(504, "đã gia hạn một lần"))
        [told_refused] = texts(tb.sent_to(501, since=mark))
        final = await tb.world.assignment(handle)
    assert "đến ngày nào" in html.unescape(question.text or "")
    assert decided.startswith(f"✅ Đã duyệt gia hạn việc #{handle} đến 15/12/2023")
    assert "hạn mới 15/12/2023" in told
    assert (moved.extended_due_date, moved.extension_count) == (date(2023, 12, 15), 1)
    assert "lý do" in why
    assert refused.startswith(f"✖ Đã từ chối đề nghị gia hạn việc #{handle}")
    assert "không được duyệt" in told_refused and "đã gia hạn một lần" in told_refused
    assert (final.extended_due_date, final.extension_count) == (date(2023, 12, 15), 1)


async def test_the_reminder_button_asks_for_a_date_and_a_leader_reads_but_cannot_decide(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _workflow(tb)
        reminder = await tb.remind(501, handle)
        extend = reminder.buttons[0][4]
        [question] = await tb.press(501, extend["callback_data"], under=reminder)
        mark = len(tb.api.calls)
        [answer] = texts(await tb.say(501, "đến 20/12 vì chờ ý kiến Bộ"))
        [notice] = tb.sent_to(504, since=mark)
        [listed] = texts(await tb.say(503, "/giahan"))
        [denied] = texts(await tb.press(503, notice.buttons[0][0]["callback_data"], under=notice))
        [coordinator_list] = await tb.say(504, "/giahan")
        stored = await tb.world.assignment(handle)
    assert extend["text"] == "⏳ Xin gia hạn"
    assert "đến ngày nào" in html.unescape(question.text or "")
    assert answer.startswith("⏳ Đã gửi đề nghị gia hạn") and "20/12/2023" in answer
    assert "chờ ý kiến Bộ" in html.unescape(notice.text or "")
    assert f"#{handle}" in listed and "Lãnh đạo xem để biết" in listed
    assert "không có quyền" in denied
    assert len(coordinator_list.buttons) == 1
    assert stored.extended_due_date is None and stored.extension_count == 0


async def test_an_unclear_extension_is_asked_again_and_its_answer_is_sent(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _workflow(tb)
        [no_task] = texts(await tb.say(501, "gia hạn đến 30/12"))
        [past] = texts(await tb.say(501, f"gia hạn #{handle} đến 1/11/2023"))
        [vague] = texts(await tb.say(501, f"gia hạn #{handle} đến đầu tháng 12"))
        # The question stays open: the date alone now answers it.
        [answered] = texts(await tb.say(501, "30/12: chờ thẩm định"))
        async with sessions() as session:
            requests = (await session.exec(select(ExtensionRequest))).all()
    assert "ngày đề nghị đã qua" in past and "Ví dụ" in past
    assert "chưa rõ ngày cụ thể" in vague
    assert "Xin gia hạn việc nào?" in no_task
    assert answered.startswith(f"⏳ Đã gửi đề nghị gia hạn #{handle}")
    assert [(r.requested_due, r.reason) for r in requests] == [
        (date(2023, 12, 30), "chờ thẩm định")
    ]


async def test_a_blocked_reply_naming_another_agency_is_routed_to_it_and_shown_in_overdue(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        async with transaction(sessions) as session:
            session.add(Agency(code="STC", name="Sở Tài chính", kind="so"))
        tb.world.agencies["STC"] = await _agency_id(sessions, "STC")
        await _workflow(tb)
        await tb.world.person("Anh Tài", chat_id="505", agency="STC")
        plan = await tb.world.plan(key="late")
        handle = await tb.world.task(plan, "II.3", due=date(2023, 10, 31), lead="STTTT")
        mark = len(tb.api.calls)
        [answer] = texts(await tb.say(501, f"#{handle} vướng: chờ Sở Tài chính thẩm định"))
        [to_agency] = texts(tb.sent_to(505, since=mark))
        [to_coordinator] = texts(tb.sent_to(504, since=mark))
        [overdue] = texts(await tb.say(504, "/quahan"))
        stored = await tb.world.assignment(handle)
    assert "(đã báo STC và điều phối viên)" in answer
    assert "đang chờ cơ quan anh/chị" in to_agency and "chờ Sở Tài chính thẩm định" in to_agency
    assert "chờ STC" in to_coordinator
    assert "(chờ STC)" in overdue
    assert stored.blocked_by == "STC"


async def _agency_id(sessions: Sessions, code: str) -> int:
    async with sessions() as session:
        found = (await session.exec(select(Agency.id).where(Agency.code == code))).one()
    assert found is not None
    return found


async def _confirming(tb: Bench, *, due: date) -> int:
    """An officer, a coordinator and a task of a plan whose office confirms completions."""
    await tb.world.person("Chị Lan", chat_id="501", agency="STTTT")
    await tb.world.person("Điều phối", chat_id="504", role=Role.COORDINATOR, agency=None)
    plan_id = await tb.world.plan()
    async with transaction(tb.sessions) as session:
        plan = await session.get(Plan, plan_id)
        assert plan is not None
        plan.confirm_completion = True
        session.add(plan)
    return await tb.world.task(plan_id, "III.12", due=due, lead="STTTT")


async def test_a_completion_with_a_document_reference_is_confirmed_by_the_office(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _confirming(tb, due=DUE)
        [asked] = texts(await tb.say(501, f"#{handle} xong"))
        waiting = await tb.world.assignment(handle)
        mark = len(tb.api.calls)
        [shown] = texts(await tb.say(501, "đã ban hành Kế hoạch số 123/KH-STTTT ngày 05/6/2023"))
        [notice] = tb.sent_to(504, since=mark)
        mark = len(tb.api.calls)
        [confirmed] = texts(
            await tb.press(504, notice.buttons[0][0]["callback_data"], under=notice)
        )
        [told] = texts(tb.sent_to(501, since=mark))
        done = await tb.world.assignment(handle)
        history = await tb.world.history(handle)
    assert "→ 📝 Chờ xác nhận" in asked and "Xin gửi kết quả trong một tin" in asked
    assert (waiting.status, waiting.completed_at) == ("awaiting", None)
    assert "📄 Kế hoạch số 123/KH-STTTT ngày 05/06/2023" in shown
    assert "Kế hoạch số 123/KH-STTTT ngày 05/06/2023" in html.unescape(notice.text or "")
    assert [b["text"] for b in notice.buttons[0]] == ["✅ Xác nhận", "↩ Trả lại"]
    assert confirmed.startswith(f"✅ Đã xác nhận hoàn thành việc #{handle}")
    assert "đã được xác nhận" in told
    assert (done.status, done.progress, done.completed_at) == ("done", 100, NOW)
    assert [h.event for h in history] == ["completion-reported", "completion-confirmed"]


async def test_a_returned_result_puts_the_task_back_and_tells_the_officer_why(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _confirming(tb, due=DUE)
        await tb.say(501, f"#{handle} 60%")
        await tb.say(501, f"#{handle} xong")
        mark = len(tb.api.calls)
        await tb.say(501, "đã gửi dự thảo")
        [notice] = tb.sent_to(504, since=mark)
        [why] = texts(await tb.press(504, notice.buttons[0][1]["callback_data"], under=notice))
        mark = len(tb.api.calls)
        [returned] = texts(await tb.say(504, "chưa có văn bản ban hành"))
        [told] = texts(tb.sent_to(501, since=mark))
        back = await tb.world.assignment(handle)
        [again] = texts(await tb.press(504, notice.buttons[0][0]["callback_data"], under=notice))
    assert "Ghi chú: đã gửi dự thảo" in html.unescape(notice.text or "")
    assert "Vì sao trả lại" in why
    assert returned.startswith(f"↩ Đã trả lại kết quả việc #{handle}")
    assert "bị trả lại: chưa có văn bản ban hành" in told
    assert (back.status, back.progress) == ("in_progress", 60)
    assert "đã được xử lý trước đó" in again


async def test_a_late_completion_asks_the_cause_and_undo_takes_the_report_back(
    sessions: Sessions,
) -> None:
    async with bench(sessions) as tb:
        handle = await _confirming(tb, due=date(2023, 10, 31))
        await tb.say(501, f"#{handle} xong")
        [cause] = texts(await tb.say(501, "theo Báo cáo số 45/BC-STTTT ngày 15/11/2023"))
        [unclear] = texts(await tb.say(501, "chờ ý kiến của Bộ"))
        mark = len(tb.api.calls)
        [sent] = texts(await tb.say(501, "khách quan: chờ ý kiến của Bộ"))
        [notice] = texts(tb.sent_to(504, since=mark))
        async with sessions() as session:
            report = (await session.exec(select(CompletionReport))).one()
        [undone] = texts(await tb.say(501, "/hoantac"))
        back = await tb.world.assignment(handle)
        async with sessions() as session:
            left = (await session.exec(select(CompletionReport))).all()
    assert "sau hạn 31/10/2023" in cause and "khách quan" in cause
    assert "«khách quan» hay «chủ quan»" in unclear
    assert "điều phối viên sẽ xác nhận" in sent
    assert "nguyên nhân (khách quan): chờ ý kiến của Bộ" in notice
    assert (report.late, report.objective, report.state) == (True, True, "awaiting")
    assert undone.startswith("↩️ Đã hoàn tác")
    assert back.status == "not_started" and left == []


async def test_a_file_sent_as_the_result_is_stored_and_linked_only_by_name(
    sessions: Sessions, tmp_path: Path
) -> None:
    async with bench(sessions, data_dir=tmp_path) as tb:
        handle = await _confirming(tb, due=DUE)
        await tb.say(501, f"#{handle} xong")
        mark = len(tb.api.calls)
        update = tb.api.document_update(501, b"%PDF-1.4 ket qua", file_name="bao-cao.pdf")
        [shown] = texts(await tb.exchange(501, update))
        [notice] = texts(tb.sent_to(504, since=mark))
        async with sessions() as session:
            report = (await session.exec(select(CompletionReport))).one()
    assert "📎 Tệp: bao-cao.pdf" in shown and "📎 Tệp: bao-cao.pdf" in notice
    assert report.file_name == "bao-cao.pdf" and report.file_path is not None
    assert EVIDENCE_FILE_NAME.fullmatch(report.file_path)
    assert (tmp_path / report.file_path).read_bytes() == b"%PDF-1.4 ket qua"
    assert (tmp_path / report.file_path).stat().st_mode & 0o777 == 0o600


async def test_a_replayed_request_and_a_replayed_approval_change_nothing_more(
    sessions: Sessions,
) -> None:
    async with bench(sessions, webhook=True) as tb:
        handle = await _workflow(tb)
        asked = tb.api.message_update(501, f"gia hạn #{handle} đến 20/12: chờ dự toán")
        first = await tb.exchange(501, asked)
        again = await tb.exchange(501, asked)
        [notice] = tb.sent_to(504)
        approve = tb.api.callback_update(
            504, notice.buttons[0][0]["callback_data"], message_id=notice.message_id or 0
        )
        approved = await tb.exchange(504, approve)
        replayed = await tb.exchange(504, approve)
        stored = await tb.world.assignment(handle)
        history = await tb.world.history(handle)
        async with sessions() as session:
            requests = (await session.exec(select(ExtensionRequest))).all()
    assert len(first) == 1 and again == []
    assert len(approved) == 1 and replayed == []
    assert len(requests) == 1 and requests[0].state == "approved"
    assert (stored.extended_due_date, stored.extension_count) == (date(2023, 12, 20), 1)
    assert [h.event for h in history] == ["extension-requested", "extension-approved"]
