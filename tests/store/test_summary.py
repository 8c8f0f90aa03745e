"""The weekly summary against a real store (SQLite and PostgreSQL): figures, the weekly job
sending exactly once, /summary, and `dondoc report weekly` through the command line."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app as cli_app
from domain.access import Role
from domain.status import Status
from domain.summary import Figures, SummaryScope
from models.db import make_engine
from models.enums import AssignmentRole
from models.migrate import upgrade
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    Occurrence,
    Outbox,
    Person,
    Plan,
    ReminderLedger,
    StatusChange,
    SummarySnapshot,
    Task,
)
from services.agencies import SHIPPED_REGISTRY, load_registry, read_registry
from services.file_links import FileLinks
from services.people import UnknownAgencyError
from services.queries.scope import UnknownPlanError, summary_scope
from services.summary import (
    ReportConfig,
    build_weekly_summary,
    send_weekly_summaries,
    summary_message,
)
from services.unit_of_work import Sessions, make_sessionmaker, transaction
from tests.conftest import BOTH_STORES
from views.messages import Outgoing
from views.summary import render_summary_text

# Friday 30 June 2023, 17:00 in Hai Phong.
AS_OF = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
LONG_AGO = datetime(2023, 1, 1, tzinfo=UTC)


def at(day: str, hour: int = 3) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@dataclass
class Seeded:
    plan_40: int
    plan_cds: int
    leader: Person
    coordinator: Person
    officer: Person
    handles: dict[str, int]


async def seed(sessions: Sessions) -> Seeded:
    """Two plans, four agencies' work, a recurring report, and the people who read about it."""
    async with transaction(sessions) as session:
        registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
        await load_registry(session, registry=registry, now=LONG_AGO, actor="test")
        agency = {
            a.code: a.id for a in (await session.exec(select(Agency))).all() if a.id is not None
        }

        plan_40 = Plan(
            source_key="40/KH-UBND",
            ref="40/KH-UBND",
            title="Kế hoạch hành động thực hiện chủ đề năm 2023",
            created_at=LONG_AGO,
            updated_at=LONG_AGO,
        )
        plan_cds = Plan(
            source_key="003_kh_cds_2022",
            title="Kế hoạch Chuyển đổi số thành phố Hải Phòng năm 2022",
            created_at=LONG_AGO,
            updated_at=LONG_AGO,
        )
        session.add_all([plan_40, plan_cds])
        await session.flush()
        assert plan_40.id is not None and plan_cds.id is not None

        people = {
            "leader": Person(name="Chị Lan", role=Role.LEADER.value, created_at=LONG_AGO),
            "coordinator": Person(
                name="Anh Minh",
                role=Role.COORDINATOR.value,
                locale="en",
                agency_id=agency["VPUBND"],
                created_at=LONG_AGO,
            ),
            "officer": Person(name="Chị Hoa", agency_id=agency["SXD"], created_at=LONG_AGO),
            "stnmt": Person(name="Anh Nam", agency_id=agency["STNMT"], created_at=LONG_AGO),
            "stttt": Person(name="Anh Tú", agency_id=agency["STTTT"], created_at=LONG_AGO),
            "retired": Person(
                name="Ông Hùng", role=Role.LEADER.value, active=False, created_at=LONG_AGO
            ),
            "no_chat": Person(name="Bà Mai", role=Role.LEADER.value, created_at=LONG_AGO),
        }
        session.add_all(people.values())
        await session.flush()
        for number, key in enumerate(["leader", "coordinator", "officer", "retired"], start=1):
            person_id = people[key].id
            assert person_id is not None
            session.add(
                ChatIdentity(
                    person_id=person_id,
                    channel="telegram" if key != "coordinator" else "zalo",
                    chat_id=str(1000 + number),
                    created_at=LONG_AGO,
                )
            )

        async def task(
            plan: Plan, code: str, title: str, due: date | None, text: str, **extra: object
        ) -> Task:
            assert plan.id is not None
            row = Task(plan_id=plan.id, code=code, title=title, due_date=due, due_text=text)
            for name, value in extra.items():
                setattr(row, name, value)
            session.add(row)
            await session.flush()
            return row

        async def lead(row: Task, code: str, status: Status, **extra: object) -> Assignment:
            assert row.id is not None
            assignment = Assignment(task_id=row.id, agency_id=agency[code], status=status.value)
            for name, value in extra.items():
                setattr(assignment, name, value)
            session.add(assignment)
            await session.flush()
            return assignment

        def history(
            assignment: Assignment,
            when: datetime,
            was: Status,
            to: Status,
            who: str,
            *,
            note: str | None = None,
            undone: bool = False,
            occurrence: int | None = None,
        ) -> None:
            assert assignment.id is not None
            session.add(
                StatusChange(
                    assignment_id=assignment.id,
                    occurrence_id=occurrence,
                    person_id=people[who].id,
                    channel="telegram",
                    at=when,
                    from_status=was.value,
                    to_status=to.value,
                    to_progress=100 if to is Status.DONE else 40,
                    note=note,
                    undone=undone,
                )
            )

        t1 = await task(
            plan_40, "I.1", "Lập đề án chỉnh trang đô thị", date(2023, 3, 31), "Quý I/2023"
        )
        a1 = await lead(t1, "SXD", Status.IN_PROGRESS, progress=40)
        for partner in ("STTTT", "SKHDT"):
            assert t1.id is not None
            session.add(
                Assignment(
                    task_id=t1.id, agency_id=agency[partner], role=AssignmentRole.COOPERATING
                )
            )
        history(a1, at("2023-05-10"), Status.NOT_STARTED, Status.IN_PROGRESS, "officer")

        t2 = await task(
            plan_40,
            "I.2",
            "Xây dựng cơ sở dữ liệu đất đai",
            date(2023, 7, 10),
            "Trước ngày 11/7/2023",
        )
        a2 = await lead(
            t2, "STNMT", Status.BLOCKED, blocked_reason="chưa có kinh phí", blocked_by="STC"
        )
        history(a2, at("2023-06-28"), Status.NOT_STARTED, Status.BLOCKED, "stnmt", note="chưa có")

        t3 = await task(
            plan_40,
            "III.4",
            "Triển khai nền tảng tích hợp, chia sẻ dữ liệu",
            date(2023, 6, 30),
            "Quý II/2023",
        )
        a3 = await lead(t3, "STTTT", Status.DONE, progress=100)
        history(a3, at("2023-06-27"), Status.IN_PROGRESS, Status.DONE, "stttt")

        t4 = await task(
            plan_40, "III.5", "Số hóa hồ sơ thủ tục hành chính", date(2023, 6, 15), "Tháng 6"
        )
        a4 = await lead(t4, "STTTT", Status.DONE, progress=100)
        history(a4, at("2023-06-20"), Status.IN_PROGRESS, Status.DONE, "stttt")

        t5 = await task(plan_40, "III.6", "Phát triển đô thị thông minh", date(2023, 6, 1), "")
        a5 = await lead(t5, "SXD", Status.NOT_STARTED)
        history(a5, at("2023-06-29"), Status.NOT_STARTED, Status.DONE, "officer", undone=True)

        t6 = await task(
            plan_cds,
            "V.5.a",
            "Ban hành kế hoạch chuyển đổi số của cơ quan",
            date(2022, 4, 30),
            "trong tháng 4/2022",
        )
        a6 = await lead(t6, "SNV", Status.NOT_STARTED)

        t7 = await task(
            plan_40, "I.9", "Nhiệm vụ đã bỏ khỏi kế hoạch", date(2023, 1, 31), "", removed=True
        )
        await lead(t7, "SXD", Status.NOT_STARTED)

        t8 = await task(
            plan_40,
            "2.6",
            "Báo cáo định kỳ 6 tháng về Sở Xây dựng",
            None,
            "Định kỳ 6 tháng và cuối năm (trước ngày 19 của tháng)",
            due_kind="recurring",
            recurrence={"cadence": "six-monthly", "before_day": 19},
        )
        a8 = await lead(t8, "SXD", Status.NOT_STARTED)
        assert a8.id is not None
        session.add_all(
            [
                Occurrence(
                    assignment_id=a8.id,
                    period_label="2023-H1",
                    period_start=date(2023, 1, 1),
                    period_end=date(2023, 6, 30),
                    due_date=date(2023, 6, 18),
                ),
                Occurrence(
                    assignment_id=a8.id,
                    period_label="2023-H2",
                    period_start=date(2023, 7, 1),
                    period_end=date(2023, 12, 31),
                    due_date=date(2023, 12, 18),
                ),
            ]
        )
        session.add(
            SummarySnapshot(
                week=date(2023, 6, 19),
                scope="all",
                figures=Figures(
                    active=6, completed_week=0, done_with_due=1, on_time=0, overdue=3, blocked=0
                ).to_json(),
                created_at=at("2023-06-26"),
            )
        )
        handles = {"I.1": a1.id, "I.2": a2.id, "III.4": a3.id, "V.5.a": a6.id, "2.6": a8.id}
    return Seeded(
        plan_40=plan_40.id,
        plan_cds=plan_cds.id,
        leader=people["leader"],
        coordinator=people["coordinator"],
        officer=people["officer"],
        handles={k: v for k, v in handles.items() if v is not None},
    )


@BOTH_STORES
async def test_the_summary_reads_the_store_as_of_the_moment(
    sessions: Sessions,
) -> None:
    seeded = await seed(sessions)
    async with sessions() as session:
        summary = await build_weekly_summary(session, as_of=AS_OF)
    assert summary.figures == Figures(
        active=5, completed_week=1, done_with_due=2, on_time=1, overdue=4, blocked=1
    )
    assert summary.figures.on_time_percent == 50
    assert (summary.deltas.active, summary.deltas.overdue, summary.deltas.blocked) == (-1, 1, 1)
    assert summary.deltas.on_time_points == 50
    assert [(a.code, a.overdue) for a in summary.worst] == [("SXD", 3), ("SNV", 1)]
    assert [(s.row.assignment_id, s.blocked_reason) for s in summary.blocked] == [
        (seeded.handles["I.2"], "chưa có kinh phí")
    ]
    # The agency it waits on is shown after the reason.
    text = render_summary_text(summary, locale="vi")
    assert f"#{seeded.handles['I.2']} I.2 · " in text and "chưa có kinh phí (chờ STC)" in text
    assert [s.row.task_code for s in summary.upcoming] == ["I.2"]
    # SXD's officer wrote on 29 June (a change later undone still shows they are there).
    assert [a.code for a in summary.silent] == ["SNV"]
    # The removed task is gone, the recurring duty counts by its started period only.
    codes = sorted((s.row.task_code, s.row.period_label) for s in summary.items)
    assert ("I.9", None) not in codes
    assert ("2.6", "2023-H1") in codes and ("2.6", "2023-H2") not in codes
    assert ("2.6", None) not in codes
    first = next(s for s in summary.items if s.row.task_code == "I.1")
    assert first.row.cooperating == ("Sở Kế hoạch và Đầu tư", "Sở Thông tin và Truyền thông")


@BOTH_STORES
async def test_a_scope_narrows_the_summary_to_plans_or_agencies(
    sessions: Sessions,
) -> None:
    seeded = await seed(sessions)
    async with sessions() as session:
        by_plan = await summary_scope(session, plans=["40/KH-UBND"])
        by_key = await summary_scope(session, plans=[str(seeded.plan_cds)])
        by_agency = await summary_scope(session, agencies=["sxd"])
        plan_summary = await build_weekly_summary(session, as_of=AS_OF, scope=by_plan)
        cds_summary = await build_weekly_summary(session, as_of=AS_OF, scope=by_key)
        agency_summary = await build_weekly_summary(session, as_of=AS_OF, scope=by_agency)
        for unknown in ("99/KH-UBND", "9" * 30):
            with pytest.raises(UnknownPlanError):
                await summary_scope(session, plans=[unknown])
        with pytest.raises(UnknownAgencyError):
            await summary_scope(session, agencies=["NOPE"])
        districts = await summary_scope(session, agencies=["UBND-QUAN-HUYEN"])
    assert by_plan == SummaryScope(plan_ids=frozenset({seeded.plan_40}))
    assert {a.code for a in plan_summary.agencies} == {"SXD", "STNMT", "STTTT"}
    assert plan_summary.scope_plans == ("40/KH-UBND",)
    assert [s.row.task_code for s in cds_summary.items] == ["V.5.a"]
    assert cds_summary.scope_plans == ("003_kh_cds_2022",)
    assert {s.row.agency_code for s in agency_summary.items} == {"SXD"}
    assert agency_summary.figures.overdue == 3
    assert agency_summary.scope_agencies == ("Sở Xây dựng",)
    # A group stands for its members, the district People's Committees.
    assert len(districts.agency_codes) >= 10
    assert all(code.startswith("UBND-") for code in districts.agency_codes)


async def _outbox(sessions: Sessions) -> list[Outbox]:
    async with sessions() as session:
        return list((await session.exec(select(Outbox).order_by(Outbox.id))).all())  # type: ignore[arg-type]


@BOTH_STORES
async def test_the_weekly_summary_goes_once_to_each_active_leader_and_coordinator(
    sessions: Sessions, tmp_path: Path
) -> None:
    seeded = await seed(sessions)
    links = FileLinks(b"k" * 32, base_url="https://files.example.vn/dondoc")
    config = ReportConfig(links=links)
    sent = await send_weekly_summaries(sessions, now=AS_OF, out_dir=tmp_path, config=config)
    again = await send_weekly_summaries(
        sessions, now=AS_OF + timedelta(hours=2), out_dir=tmp_path, config=config
    )
    assert (sent, again) == (2, 0)

    rows = await _outbox(sessions)
    assert [(r.person_id, r.kind, r.channel) for r in rows] == [
        (seeded.leader.id, "summary", "telegram"),
        (seeded.coordinator.id, "summary", "zalo"),
    ]
    leader_message = Outgoing.from_payload(rows[0].payload)
    coordinator_message = Outgoing.from_payload(rows[1].payload)
    assert "Quá hạn: 4 (▲1)" in leader_message.text
    assert "Overdue: 4 (▲1)" in coordinator_message.text
    for message in (leader_message, coordinator_message):
        assert [a.kind for a in message.attachments] == ["photo", "document"]
        for attachment in message.attachments:
            path = Path(attachment.path)
            assert path.is_file() and path.parent == tmp_path.resolve()
            # Signed when the summary was made, as bot.files checks it.
            assert attachment.public_url == links.url(path.name, now=AS_OF)
    assert Path(leader_message.attachments[1].path).name == "weekly-2023-W26-all-vi.xlsx"

    async with sessions() as session:
        ledger = list((await session.exec(select(ReminderLedger))).all())
        snapshots = list(
            (await session.exec(select(SummarySnapshot).order_by(SummarySnapshot.week))).all()  # type: ignore[arg-type]
        )
    assert sorted((r.target, r.kind, r.recipient_id) for r in ledger) == sorted(
        [
            ("summary:2023-W26", "weekly", seeded.leader.id),
            ("summary:2023-W26", "weekly", seeded.coordinator.id),
        ]
    )
    assert {r.outbox_id for r in ledger} == {r.id for r in rows}
    assert [(s.week, s.scope) for s in snapshots] == [
        (date(2023, 6, 19), "all"),
        (date(2023, 6, 26), "all"),
    ]
    assert Figures.from_json(snapshots[1].figures) == Figures(
        active=5, completed_week=1, done_with_due=2, on_time=1, overdue=4, blocked=1
    )


@BOTH_STORES
async def test_two_weekly_jobs_racing_still_send_one_copy_each(
    sessions: Sessions, tmp_path: Path
) -> None:
    await seed(sessions)
    counts = await asyncio.gather(
        send_weekly_summaries(sessions, now=AS_OF, out_dir=tmp_path / "one"),
        send_weekly_summaries(sessions, now=AS_OF, out_dir=tmp_path / "two"),
    )
    rows = await _outbox(sessions)
    assert sum(counts) == 2
    assert len(rows) == 2 and len({r.person_id for r in rows}) == 2
    async with sessions() as session:
        snapshots = (
            await session.exec(
                select(SummarySnapshot.id).where(SummarySnapshot.week == date(2023, 6, 26))
            )
        ).all()
    assert len(snapshots) == 1


@BOTH_STORES
async def test_the_first_snapshot_of_a_week_stands_and_next_week_compares_with_it(
    sessions: Sessions, tmp_path: Path
) -> None:
    seeded = await seed(sessions)
    await send_weekly_summaries(sessions, now=AS_OF, out_dir=tmp_path)
    async with transaction(sessions) as session:
        blocked = await session.get(Assignment, seeded.handles["I.2"])
        assert blocked is not None
        blocked.status = Status.DONE.value
        session.add(blocked)
    await send_weekly_summaries(sessions, now=AS_OF + timedelta(days=1), out_dir=tmp_path)
    async with sessions() as session:
        stored = (
            await session.exec(
                select(SummarySnapshot.figures).where(SummarySnapshot.week == date(2023, 6, 26))
            )
        ).one()
        next_week = await build_weekly_summary(session, as_of=AS_OF + timedelta(days=7))
    assert Figures.from_json(stored) == Figures(
        active=5, completed_week=1, done_with_due=2, on_time=1, overdue=4, blocked=1
    )
    assert next_week.previous == Figures.from_json(stored)
    assert next_week.deltas.blocked == -1


@BOTH_STORES
async def test_summary_answers_a_leader_with_text_chart_and_spreadsheet_and_stores_nothing(
    sessions: Sessions, tmp_path: Path
) -> None:
    seeded = await seed(sessions)
    async with sessions() as session:
        message = await summary_message(session, person=seeded.leader, now=AS_OF, out_dir=tmp_path)
        refused = await summary_message(
            session, person=seeded.officer, now=AS_OF, out_dir=tmp_path / "officer"
        )
    assert message.text.startswith("📊 Tổng hợp tiến độ nhiệm vụ, tuần 26/2023")
    assert "• Vướng mắc: 1 (▲1)" in message.text
    assert [(a.kind, a.public_url) for a in message.attachments] == [
        ("photo", None),
        ("document", None),
    ]
    assert Path(message.attachments[0].path).name == "now-2023-W26-all-vi.png"
    assert "lãnh đạo và điều phối viên" in refused.text
    assert refused.attachments == ()
    assert not (tmp_path / "officer").exists()
    async with sessions() as session:
        weeks = (await session.exec(select(col(SummarySnapshot.week)))).all()
        ledger = (await session.exec(select(ReminderLedger))).all()
    assert list(weeks) == [date(2023, 6, 19)]
    assert list(ledger) == []


runner = CliRunner()


def dondoc(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli_app, list(args), env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.output


def _seed_url(url: str) -> Seeded:
    async def go() -> Seeded:
        engine = make_engine(url)
        try:
            return await seed(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


@BOTH_STORES
def test_report_weekly_writes_the_spreadsheet_and_chart_and_prints_the_summary(
    empty_db_url: str, tmp_path: Path
) -> None:
    upgrade(empty_db_url)
    _seed_url(empty_db_url)
    out = tmp_path / "bao-cao" / "tuan-26.xlsx"
    code, output = dondoc(
        empty_db_url, "report", "weekly", "--date", "2023-06-30", "--out", str(out)
    )
    assert code == 0, output
    assert "Số liệu đến 23:59 Thứ Sáu, 30/06/2023." in output
    assert "• Quá hạn: 4 (▲1)" in output
    assert f"Đã ghi bảng tính: {out}" in output
    sheet = load_workbook(out)["Tổng hợp"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "I.1 – Lập đề án chỉnh trang đô thị" in titles
    with Image.open(out.with_suffix(".png")) as image:
        assert image.format == "PNG"

    code, output = dondoc(
        empty_db_url,
        "report",
        "weekly",
        "--date",
        "2023-06-30",
        "--agency",
        "SXD",
        "--out",
        str(out),
    )
    assert code == 0, output
    assert "Phạm vi: Sở Xây dựng" in output
    assert len(list(load_workbook(out)["Tổng hợp"].iter_rows(min_row=2))) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "30/06/2023", "--out", "x.xlsx"], "Ngày không hợp lệ: 30/06/2023"),
        (["--out", "x.csv"], "phải có đuôi .xlsx"),
        (["--agency", "NOPE", "--out", "x.xlsx"], "Không có cơ quan mã NOPE"),
        (["--plan", "99/KH-UBND", "--out", "x.xlsx"], "Không có kế hoạch 99/KH-UBND"),
    ],
)
def test_report_weekly_explains_bad_input_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    upgrade(url)
    args = [str(tmp_path / a) if a.endswith((".xlsx", ".csv")) else a for a in args]
    code, output = dondoc(url, "report", "weekly", *args)
    assert code == 1
    assert message in output
    assert list(tmp_path.glob("*.xlsx")) == []
