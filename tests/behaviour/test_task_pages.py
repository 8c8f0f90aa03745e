"""/tasks shows everything, a page at a time: buttons on Telegram (through real aiogram
polling against the fake Bot API), and a bad page number answered without a list."""

from datetime import date, timedelta

from services.unit_of_work import Sessions
from tests.behaviour.test_telegram_conversation import bench, texts
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES


async def test_tasks_pages_through_every_open_task_with_buttons(sessions: Sessions) -> None:
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501", agency="STTTT")
        plan = await tb.world.plan()
        handles = [
            await tb.world.task(plan, f"I.{n}", due=date(2023, 12, 1) + timedelta(days=n))
            for n in range(1, 46)
        ]

        [first] = await tb.say(501, "/viec")
        [[forward]] = first.buttons
        [second] = await tb.press(501, forward["callback_data"], under=first)
        labels = [b["text"] for b in second.buttons[0]]
        [last] = await tb.press(501, second.buttons[0][1]["callback_data"], under=second)
        [typed] = texts(await tb.say(501, "/tasks 3"))
        [wrong] = texts(await tb.say(501, "/tasks hai"))

    page_one, page_two, page_three = texts([first, second, last])
    assert "Trang 1/3 · 45 việc" in page_one and forward["text"] == "Sau »"
    assert f"#{handles[0]} I.1 " in page_one and f"#{handles[20]} I.21 " not in page_one
    assert "Trang 2/3" in page_two and labels == ["« Trước", "Sau »"]
    assert f"#{handles[20]} I.21 " in page_two
    assert "Trang 3/3" in page_three and f"#{handles[44]} I.45 " in page_three
    assert [b["text"] for b in last.buttons[0]] == ["« Trước"]
    assert typed == page_three
    assert "việc khác" not in page_one + page_two + page_three
    assert wrong.startswith("Cách dùng: /viec")
