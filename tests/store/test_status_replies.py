"""Every reply form of the issue, through the real conversation, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models.tables import Snooze, StatusChange
from services.unit_of_work import Sessions
from tests.builders import World
from tests.conftest import BOTH_STORES
from views.buttons import ButtonAction, ButtonPress, encode, which_option

pytestmark = BOTH_STORES

# reply text → (status, progress, blocked reason)
FORMS = [
    ("xong", "done", 100, None),
    ("Xong rồi", "done", 100, None),
    ("đã hoàn thành", "done", 100, None),
    ("hoan thanh", "done", 100, None),
    ("da xong", "done", 100, None),
    ("done", "done", 100, None),
    ("Done.", "done", 100, None),
    ("<b>xong</b>", "done", 100, None),
    ("100%", "done", 100, None),
    ("50%", "in_progress", 50, None),
    ("đang làm 70%", "in_progress", 70, None),
    ("dang lam 30%", "in_progress", 30, None),
    ("đạt 80 %", "in_progress", 80, None),
    ("in progress 40%", "in_progress", 40, None),
    ("vướng: chưa có kinh phí", "blocked", 0, "chưa có kinh phí"),
    ("vuong: chua co kinh phi", "blocked", 0, "chua co kinh phi"),
    ("khó khăn về mặt bằng", "blocked", 0, "về mặt bằng"),
    ("blocked: no budget yet", "blocked", 0, "no budget yet"),
]


async def _officer_with_task(world: World, chat: str) -> int:
    plan = await world.plan(key=f"plan-{chat}")
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.reminder(chat, [(handle, None)], provider_message_id=f"r-{chat}")
    return handle


async def test_every_free_text_form_updates_the_reminded_task(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    for number, (text, status, progress, reason) in enumerate(FORMS):
        chat = f"officer-{number}"
        await world.person(f"Cán bộ {number}", chat_id=chat)
        handle = await _officer_with_task(world, chat)
        answer = await world.say(chat, text)
        stored = await world.assignment(handle)
        assert (stored.status, stored.progress, stored.blocked_reason) == (
            status,
            progress,
            reason,
        ), text
        assert answer.startswith(f"✅ Đã ghi nhận #{handle} III.12"), (text, answer)
        [change] = await world.history(handle)
        assert (change.channel, change.source_message_id) == (
            "telegram",
            f"telegram:{chat}:m{number + 1}",
        )


async def test_several_numbered_items_in_one_reply_update_each_item(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    first = await world.task(plan, "III.1", due=date(2023, 12, 31))
    second = await world.task(plan, "III.2", due=date(2023, 12, 31))
    third = await world.task(plan, "III.3", due=date(2023, 12, 31))
    await world.reminder(
        "lan", [(first, None), (second, None), (third, None)], provider_message_id="9"
    )

    answer = await world.say("lan", "1 xong, 2 60%, 3 vướng thiếu nhân lực")

    assert [
        (a.status, a.progress, a.blocked_reason)
        for a in [
            await world.assignment(first),
            await world.assignment(second),
            await world.assignment(third),
        ]
    ] == [("done", 100, None), ("in_progress", 60, None), ("blocked", 0, "thiếu nhân lực")]
    assert answer.startswith("✅ Đã ghi nhận:")
    assert f"#{second} III.2" in answer and "60%" in answer
    sources = {c.source_message_id for h in (first, second, third) for c in await world.history(h)}
    assert len(sources) == 3


async def test_a_reply_to_a_reminder_binds_to_that_reminder_not_the_newest(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    old = await world.task(plan, "I.1", due=date(2023, 12, 31))
    new = await world.task(plan, "I.2", due=date(2023, 12, 31))
    await world.reminder("lan", [(old, None)], provider_message_id="100")
    await world.reminder("lan", [(new, None)], provider_message_id="101")

    await world.say("lan", "xong", reply_to="100")

    assert (await world.assignment(old)).status == "done"
    assert (await world.assignment(new)).status == "not_started"


async def test_handles_and_slash_commands_need_no_reminder(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handles = [await world.task(plan, f"II.{n}", due=date(2023, 12, 31)) for n in range(1, 7)]
    a, b, c, d, e, f = handles

    await world.say("lan", f"#{a} xong")
    await world.say("lan", f"#{b} 60%")
    await world.say("lan", f"/xong {c}")
    await world.say("lan", f"/tiendo {d} 60")
    await world.say("lan", f"/vuong {e} chưa có kinh phí")
    await world.say("lan", f"/blocked {f} no budget")

    states = [
        (x.status, x.progress, x.blocked_reason)
        for x in [await world.assignment(h) for h in handles]
    ]
    assert states == [
        ("done", 100, None),
        ("in_progress", 60, None),
        ("done", 100, None),
        ("in_progress", 60, None),
        ("blocked", 0, "chưa có kinh phí"),
        ("blocked", 0, "no budget"),
    ]
    assert "Cách dùng: /tiendo" in await world.say("lan", f"/tiendo {a} lots")
    assert "Không tìm thấy việc #999" in await world.say("lan", "/xong 999")


async def test_buttons_record_and_ask_their_follow_up_questions(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.reminder("lan", [(handle, None)], provider_message_id="7")

    [asked] = await world.send("lan", button=encode(ButtonPress(ButtonAction.PROGRESS, handle)))
    assert "bao nhiêu phần trăm" in asked.text
    assert [b.label for b in asked.buttons[0]] == ["25%", "50%", "75%", "✅ Xong"]
    assert (await world.assignment(handle)).status == "in_progress"

    await world.send("lan", button=asked.buttons[0][1].data)
    assert (await world.assignment(handle)).progress == 50

    [why] = await world.send("lan", button=encode(ButtonPress(ButtonAction.BLOCKED, handle)))
    assert "Vướng mắc gì ở việc" in why.text
    await world.say("lan", "chưa có kinh phí")
    stored = await world.assignment(handle)
    assert (stored.status, stored.blocked_reason) == ("blocked", "chưa có kinh phí")

    [when] = await world.send("lan", button=encode(ButtonPress(ButtonAction.SNOOZE, handle)))
    assert [b.label for b in when.buttons[0]] == ["1 ngày", "3 ngày", "7 ngày"]
    confirmed = await world.say("lan", button=when.buttons[0][1].data)
    assert "sẽ nhắc lại từ Thứ Năm, 23/11/2023" in confirmed
    async with sessions() as session:
        [snooze] = (await session.exec(select(Snooze))).all()
    assert snooze.target == f"a:{handle}"
    assert snooze.until == world.now.replace(day=23)

    await world.send("lan", button=encode(ButtonPress(ButtonAction.DONE, handle)))
    assert (await world.assignment(handle)).status == "done"


@pytest.mark.parametrize(
    ("typed", "day"), [("3 ngày", 23), ("sau 3 ngay nữa", 23), ("tuần sau", 27), ("1 day", 21)]
)
async def test_a_delay_typed_after_the_snooze_question_answers_it(
    sessions: Sessions, typed: str, day: int
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    [when] = await world.send("lan", button=encode(ButtonPress(ButtonAction.SNOOZE, handle)))
    assert "sau bao nhiêu ngày" in when.text
    confirmed = await world.say("lan", typed)
    assert "sẽ nhắc lại từ" in confirmed
    async with sessions() as session:
        [snooze] = (await session.exec(select(Snooze))).all()
    assert snooze.until == world.now.replace(day=day)


async def test_a_percent_typed_after_the_progress_question_answers_it(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.send("lan", button=encode(ButtonPress(ButtonAction.PROGRESS, handle)))
    await world.say("lan", "60")
    assert (await world.assignment(handle)).progress == 60


async def test_an_unclear_binding_asks_which_task_and_the_answer_applies(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    first = await world.task(plan, "III.1", due=date(2023, 12, 31))
    second = await world.task(plan, "III.2", due=date(2023, 12, 31))
    await world.reminder("lan", [(first, None), (second, None)], provider_message_id="5")

    [question] = await world.send("lan", "xong")
    assert question.text.startswith("Bạn muốn cập nhật việc nào?")
    assert f"2. #{second} III.2" in question.text
    assert [b.data for b in question.buttons[0]] == [which_option(1), which_option(2)]
    assert (await world.assignment(first)).status == "not_started"

    await world.say("lan", "2")
    assert (await world.assignment(second)).status == "done"
    assert (await world.assignment(first)).status == "not_started"
    # With one item left open, the newest reminder leaves no doubt.
    await world.say("lan", "50%")
    assert (await world.assignment(first)).progress == 50


async def test_without_any_reminder_the_bot_asks_among_the_open_tasks(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    late = await world.task(plan, "A", due=date(2023, 6, 30))
    await world.task(plan, "B", due=date(2023, 12, 31))

    question = await world.say("lan", "đang làm 40%")
    assert f"1. #{late} A" in question
    await world.say("lan", button=which_option(1))
    assert (await world.assignment(late)).progress == 40


async def test_the_same_update_delivered_twice_changes_and_answers_once(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))

    first = await world.send("lan", f"#{handle} 60%", message_id="42")
    again = await world.send("lan", f"#{handle} 60%", message_id="42")

    assert len(first) == 1 and again == []
    assert len(await world.history(handle)) == 1
    # A new message saying the same thing is answered, but adds no history.
    assert "không đổi" in await world.say("lan", f"#{handle} 60%")
    assert len(await world.history(handle)) == 1


async def test_undo_within_ten_minutes_restores_and_later_is_refused(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.say("lan", f"#{handle} 60%")
    world.later(minutes=1)
    await world.say("lan", f"#{handle} xong")
    world.later(minutes=9)

    answer = await world.say("lan", "/hoantac")

    assert answer.startswith("↩️ Đã hoàn tác")
    stored = await world.assignment(handle)
    assert (stored.status, stored.progress) == ("in_progress", 60)
    assert [c.undone for c in await world.history(handle)] == [False, True]
    world.later(minutes=11)
    assert "quá 10 phút" in await world.say("lan", "/undo")
    assert (await world.assignment(handle)).status == "in_progress"


async def test_completion_time_is_set_as_work_becomes_done_and_cleared_as_it_reopens(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.say("lan", f"#{handle} 60%")
    assert (await world.assignment(handle)).completed_at is None

    world.later(minutes=1)
    finished = world.now
    await world.say("lan", f"#{handle} xong")
    assert (await world.assignment(handle)).completed_at == finished

    world.later(minutes=1)
    await world.say("lan", f"#{handle} đang làm 90%")
    assert (await world.assignment(handle)).completed_at is None

    # Undoing the reopening puts back the time the work was done, not the time of the undo.
    world.later(minutes=1)
    await world.say("lan", "/hoantac")
    assert (await world.assignment(handle)).completed_at == finished
    await world.say("lan", "/hoantac")
    assert (await world.assignment(handle)).completed_at is None


async def test_undo_is_refused_when_someone_updated_the_task_since(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    await world.person("Anh Hùng", chat_id="hung")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.say("lan", f"#{handle} 60%")
    await world.say("hung", f"#{handle} xong")
    assert "cập nhật mới hơn" in await world.say("lan", "/undo")
    assert (await world.assignment(handle)).status == "done"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "x" * 5000, "👍🎉", "<script>alert(1)</script>", "cảm ơn", "2 ???", "chưa xong"],
)
async def test_bad_input_gets_an_answer_and_changes_nothing(sessions: Sessions, text: str) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.reminder("lan", [(handle, None)], provider_message_id="1")

    answer = await world.say("lan", text)

    assert answer
    assert (await world.assignment(handle)).status == "not_started"
    assert await world.count(StatusChange) == 0


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Thursday 23/11/2023 09:00 + 3 days is a Sunday: Monday at the window's opening.
        ("3 ngày", datetime(2023, 11, 27, 1, 0, tzinfo=UTC)),
        # + 1 day is Friday, a working day, inside the window: as asked.
        ("1 ngày", datetime(2023, 11, 24, 2, 0, tzinfo=UTC)),
    ],
)
async def test_a_snooze_lands_on_a_working_day_inside_the_send_window_and_says_so(
    sessions: Sessions, typed: str, expected: datetime
) -> None:
    world = World(sessions)
    world.later(days=3)  # Thursday 23/11/2023, 09:00 in Hanoi
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.send("lan", button=encode(ButtonPress(ButtonAction.SNOOZE, handle)))

    confirmed = await world.say("lan", typed)

    async with sessions() as session:
        [snooze] = (await session.exec(select(Snooze))).all()
    assert snooze.until == expected
    if expected.day == 27:
        assert "sẽ nhắc lại từ Thứ Hai, 27/11/2023 lúc 08:00" in confirmed
        assert "ngày nghỉ hoặc ngoài giờ gửi nhắc" in confirmed
    else:
        assert "sẽ nhắc lại từ Thứ Sáu, 24/11/2023" in confirmed
        assert "ngày nghỉ" not in confirmed


async def test_an_answered_questions_buttons_stop_working_and_a_late_press_says_so(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(plan, "III.12", due=date(2023, 12, 31))
    await world.reminder("lan", [(handle, None)], provider_message_id="7")
    [asked] = await world.send("lan", button=encode(ButtonPress(ButtonAction.PROGRESS, handle)))
    quarter, half, _three_quarters, done = asked.buttons[0]
    await world.send("lan", button=done.data)
    assert (await world.assignment(handle)).status == "done"

    # A stray press of the answered question's "50%" changes nothing.
    late = await world.say("lan", button=half.data)
    assert "Câu hỏi này đã được trả lời" in late
    assert (await world.assignment(handle)).status == "done"
    [when] = await world.send("lan", button=encode(ButtonPress(ButtonAction.SNOOZE, handle)))
    await world.say("lan", "3 ngày")
    assert "đã được trả lời" in await world.say("lan", button=when.buttons[0][0].data)
    # Nor does a question replaced by another: its buttons are no longer the open question.
    [asked] = await world.send("lan", button=encode(ButtonPress(ButtonAction.PROGRESS, handle)))
    await world.send("lan", button=encode(ButtonPress(ButtonAction.SNOOZE, handle)))
    assert "đã được trả lời" in await world.say("lan", button=asked.buttons[0][0].data)
    stored = await world.assignment(handle)
    assert (stored.status, stored.progress) == ("in_progress", 0)  # not the stale 25%
    assert quarter.data != half.data
