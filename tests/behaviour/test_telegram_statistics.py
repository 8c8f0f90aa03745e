"""/thongke through real aiogram polling against the fake Bot API: the four buckets of the
quarter, counted from what officers reported in chat, scoped by role and by what was typed."""

from datetime import date

from domain.access import Role
from services.unit_of_work import Sessions
from tests.behaviour.test_telegram_conversation import bench, texts
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES


async def test_thongke_counts_the_quarter_from_what_officers_reported(
    sessions: Sessions,
) -> None:
    # The clock stands at 20/11/2023: the quarter is Q4 (01/10 - 31/12).
    async with bench(sessions) as tb:
        await tb.world.person("Chị Lan", chat_id="501", agency="STTTT")
        await tb.world.person("Anh Hùng", chat_id="502", agency="SXD")
        await tb.world.person("Điều phối", chat_id="504", role=Role.COORDINATOR, agency=None)
        plan = await tb.world.plan()
        late = await tb.world.task(plan, "I.1", due=date(2023, 10, 10), lead="STTTT")
        on_time = await tb.world.task(plan, "I.2", due=date(2023, 11, 30), lead="STTTT")
        await tb.world.task(plan, "I.3", due=date(2023, 11, 10), lead="SXD")
        await tb.world.task(plan, "I.4", due=date(2023, 12, 20), lead="SXD")
        await tb.world.task(plan, "I.5", due=date(2024, 3, 31), lead="SXD")
        await tb.say(501, f"#{late} xong")
        await tb.say(501, f"#{on_time} xong")

        [quarter] = texts(await tb.say(504, "/thongke quý"))
        [officer] = texts(await tb.say(502, "/thongke"))
        [scoped] = texts(await tb.say(504, "/thongke STTTT quý IV/2023"))
        [unknown] = texts(await tb.say(504, "/thongke quý KHÔNG-CÓ"))
        [year] = texts(await tb.say(504, "/statistics year"))

    assert quarter.startswith("📊 Kết quả thực hiện nhiệm vụ · Quý IV/2023")
    assert "Tính đến 20/11/2023: 4 nhiệm vụ" in quarter
    for line in (
        "✅ Hoàn thành đúng hạn: 1",
        "🕓 Hoàn thành quá hạn: 1",
        "⏳ Chưa hoàn thành, trong hạn: 1",
        "⏰ Chưa hoàn thành, quá hạn: 1",
        "1. STTTT — 50% (1/2)",
        "2. SXD — 0% (0/1)",
    ):
        assert line in quarter, line
    # An officer sees their own agency's figures, and no ranking of the others.
    assert "Tính đến 20/11/2023: 2 nhiệm vụ" in officer
    assert "Xếp hạng" not in officer
    assert "· STTTT" in scoped and "2 nhiệm vụ" in scoped
    assert "KHÔNG-CÓ" in unknown and "/thongke quý" in unknown
    assert year.startswith("📊 Kết quả thực hiện nhiệm vụ · Năm 2023")
