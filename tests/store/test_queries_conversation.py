"""/tasks, /task, /overdue, /upcoming, /whoami and /lang through the conversation."""

from collections import Counter
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from models.tables import Assignment
from services import queries
from services.unit_of_work import Sessions, transaction
from tests.builders import World
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES


async def test_tasks_lists_my_agencys_open_work_nearest_deadline_first(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    late = await world.task(plan, "B", due=date(2023, 12, 31))
    soon = await world.task(plan, "A", due=date(2023, 6, 30))
    undated = await world.task(plan, "C")
    await world.task(plan, "D", due=date(2023, 1, 1), status="done")
    await world.task(plan, "E", due=date(2023, 1, 1), lead="SXD")

    await world.task(plan, "F", due=date(2023, 2, 1), lead="SXD", cooperating=("STTTT",))

    answer = await world.say("lan", "/viec")

    lines = answer.splitlines()
    handles = [line.split()[0] for line in lines[1:5]]
    # Work the agency leads first; where it only cooperates after, marked as such.
    assert handles[:3] == [f"#{soon}", f"#{late}", f"#{undated}"]
    assert " F " in lines[4] and lines[4].endswith("🤝 phối hợp")
    assert " D " not in answer and " E " not in answer


async def test_task_shows_detail_and_history(sessions: Sessions) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    handle = await world.task(
        plan, "III.12", due=date(2023, 12, 31), due_text="Quý IV/2023", cooperating=("SXD",)
    )
    await world.say("lan", f"#{handle} 60%")
    world.later(hours=1)
    await world.say("lan", f"#{handle} vướng: chưa có kinh phí")

    detail = await world.say("lan", f"/chitiet {handle}")

    assert detail.startswith(f"#{handle} · 40/KH-UBND · III.12")
    assert "Chủ trì: Sở Thông tin và Truyền thông" in detail
    assert "Phối hợp: SXD" in detail
    assert "Hạn: Chủ Nhật, 31/12/2023 (Quý IV/2023)" in detail
    assert "Trạng thái: ⚠️ Vướng mắc 60%: chưa có kinh phí" in detail
    history = detail.split("Lịch sử:\n")[1].splitlines()
    assert history == [
        "• 20/11/2023 10:00 Chị Lan (telegram): Đang làm → Vướng mắc 60%: chưa có kinh phí",
        "• 20/11/2023 09:00 Chị Lan (telegram): Chưa bắt đầu → Đang làm 60%",
    ]
    assert (await world.say("lan", "/task iii.12")) == detail
    assert "Không tìm thấy việc #999" in await world.say("lan", "/task 999")


async def test_overdue_groups_by_agency_counts_working_days_and_pages(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Điều phối", role=Role.COORDINATOR, agency=None, chat_id="hub")
    plan = await world.plan()
    # Friday 17 November 2023 is 1 working day before Monday the 20th.
    friday = await world.task(plan, "A", due=date(2023, 11, 17), lead="SXD")
    for n in range(20):
        await world.task(plan, f"S.{n}", due=date(2023, 10, 2), lead="STTTT")
    await world.task(plan, "today", due=date(2023, 11, 20), lead="SXD")
    await world.task(plan, "ongoing", lead="SXD")
    await world.task(plan, "done", due=date(2023, 1, 2), lead="SXD", status="done")
    await world.task(plan, "coop", due=date(2023, 1, 2), lead="SNN", cooperating=("SXD",))

    [first] = await world.send("hub", "/quahan")
    assert first.text.startswith(
        "⏰ Việc quá hạn tính đến Thứ Hai, 20/11/2023: 22 việc ở 3 cơ quan."
    )
    assert "▸ SNN — Sở Nông nghiệp và Phát triển nông thôn (1)" in first.text
    assert "Trang 1/2" in first.text
    assert [b.label for b in first.buttons[0]] == ["Sau »"]
    [second] = await world.send("hub", button=first.buttons[0][0].data)
    assert "Trang 2/2" in second.text
    assert (
        f"#{friday} A Nhiệm vụ A (hạn 17/11/2023) · quá 1 ngày · ⚪ Chưa bắt đầu · chưa cập nhật"
        in (second.text)
    )
    assert "▸ SXD — Sở Xây dựng (1)" in second.text

    only = await world.say("hub", "/overdue sxd")
    assert "1 việc ở 1 cơ quan" in only and f"#{friday} A " in only
    assert "22 việc" in await world.say("hub", "/overdue 40/KH-UBND")
    assert "Không tìm thấy cơ quan hay kế hoạch" in await world.say("hub", "/overdue XYZ")


async def test_an_open_occurrence_past_due_is_overdue_under_its_duty(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    duty = await world.task(plan, "BC", title="Báo cáo quý")
    q3 = await world.occurrence(
        duty, "2023-Q3", start=date(2023, 7, 1), end=date(2023, 9, 30), due=date(2023, 9, 20)
    )
    await world.occurrence(
        duty, "2023-Q4", start=date(2023, 10, 1), end=date(2023, 12, 31), due=date(2023, 12, 20)
    )

    overdue = await world.say("lan", "/quahan")
    assert f"#{duty} BC Báo cáo quý [2023-Q3] (hạn 20/09/2023)" in overdue
    await world.say("lan", f"#{duty} xong")
    [change] = await world.history(duty)
    assert change.occurrence_id == q3
    assert "Không có việc quá hạn" in await world.say("lan", "/quahan")
    assert "[2023-Q4]" in await world.say("lan", "/viec")


async def test_upcoming_whoami_and_language(sessions: Sessions) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    soon = await world.task(plan, "A", due=date(2023, 11, 30))
    await world.task(plan, "B", due=date(2024, 3, 1))

    upcoming = await world.say("lan", "/sapden")
    assert f"#{soon} A" in upcoming and " B " not in upcoming
    assert " B " in await world.say("lan", "/upcoming 120")
    assert "Cách dùng: /upcoming" in await world.say("lan", "/upcoming abc")

    who = await world.say("lan", "/toila")
    assert "Chị Lan" in who and "cán bộ đầu mối" in who and "Sở Thông tin" in who

    assert await world.say("lan", "/lang en") == "Switched to English."
    assert (await world.say("lan", "/whoami")).splitlines()[1] == "Role: focal officer"
    assert "✅ Recorded" in await world.say("lan", f"#{soon} done")
    assert (await world.say("lan", "/ngonngu vi")) == "Đã chuyển sang tiếng Việt."


async def test_the_lists_read_the_deadline_in_force_and_work_awaiting_confirmation_is_overdue(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    plan = await world.plan()
    extended = await world.task(plan, "A", due=date(2023, 11, 1))
    waiting = await world.task(plan, "B", due=date(2023, 11, 1), status="awaiting")
    async with transaction(sessions) as session:
        # An approved extension (services.extensions) sets the assignment's own deadline.
        await session.exec(
            sa.update(Assignment)
            .where(col(Assignment.id) == extended)
            .values(extended_due_date=date(2023, 11, 30), extension_count=1)
        )

    overdue = await world.say("lan", "/quahan")
    assert f"#{waiting} B " in overdue and f"#{extended} A " not in overdue
    upcoming = await world.say("lan", "/sapden")
    assert f"#{extended} A " in upcoming and "30/11/2023" in upcoming
    assert f"#{waiting} B " not in upcoming


async def test_the_overdue_query_takes_the_as_of_date_as_a_parameter(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    plan = await world.plan()
    handle = await world.task(plan, "A", due=date(2023, 6, 30), lead="SXD")
    actor = Actor(person_id=0, name="desk", role=Role.COORDINATOR, agency_id=None, locale="vi")
    async with sessions() as session:
        before = await queries.overdue_all(
            session, actor=actor, as_of=date(2023, 6, 30), calendar=WorkCalendar()
        )
        after = await queries.overdue_all(
            session, actor=actor, as_of=date(2023, 7, 4), calendar=WorkCalendar()
        )
    assert before == ()
    assert [(r.view.handle, r.days_overdue) for r in after] == [(handle, 2)]


async def test_overdue_pages_list_everything_in_order_with_each_shown_agencys_count(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    plan = await world.plan()
    for n, lead in enumerate(["SXD"] * 3 + ["STTTT"] * 6 + ["SNN"] + ["SXD"] * 2):
        await world.task(plan, f"T.{n}", due=date(2023, 10, 2 + n), lead=lead)
    actor = Actor(person_id=0, name="desk", role=Role.COORDINATOR, agency_id=None, locale="vi")
    as_of, calendar = date(2023, 11, 20), WorkCalendar()
    async with sessions() as session:
        everything = await queries.overdue_all(
            session, actor=actor, as_of=as_of, calendar=calendar
        )
        pages = [
            await queries.overdue_page(
                session, actor=actor, as_of=as_of, calendar=calendar, page=n, page_size=4
            )
            for n in (0, 1, 2, 3, 99)
        ]
    assert [(p.page, p.pages, p.total, p.agencies) for p in pages] == [
        (1, 3, 12, 3),
        (1, 3, 12, 3),
        (2, 3, 12, 3),
        (3, 3, 12, 3),
        (3, 3, 12, 3),
    ]
    assert [row for p in pages[1:4] for row in p.rows] == list(everything)
    counts = Counter(row.view.agency_code for row in everything)
    assert counts == {"SXD": 5, "STTTT": 6, "SNN": 1}
    for p in pages:
        shown = dict.fromkeys(row.view.agency_code for row in p.rows)
        assert [(g.code, g.count) for g in p.groups] == [(code, counts[code]) for code in shown]


async def test_summary_is_for_leaders_and_coordinators_with_its_chart_and_spreadsheet(
    sessions: Sessions, tmp_path: Path
) -> None:
    world = World(sessions, data_dir=tmp_path)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan")
    await world.person("Lãnh đạo", chat_id="boss", role=Role.LEADER, agency=None)
    plan = await world.plan()
    await world.task(plan, "A", due=date(2023, 6, 30))

    (answer,) = await world.send("boss", "/baocao")
    assert answer.text.startswith("📊 Tổng hợp tiến độ nhiệm vụ")
    assert [a.kind for a in answer.attachments] == ["photo", "document"]
    assert all(
        Path(a.path).parent == tmp_path and Path(a.path).exists() for a in answer.attachments
    )
    assert "Bạn không có quyền" in await world.say("lan", "/summary")
