"""The reminder sweep against a real store (SQLite and PostgreSQL), with an injected `now`:
ledger and outbox written together and once, bundles per person, notices, snoozes, checks,
racing sweeps, and the schedule preview through the command line."""

import asyncio
import gc
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from bot.bootstrap import App
from bot.cli import app as cli_app
from bot.settings import load_settings
from domain.access import Role
from models.db import make_engine
from models.tables import (
    Outbox,
    Snooze,
)
from scheduler.jobs import run_sweep
from services.reminders import write as reminders_write
from services.reminders.escalation import escalate
from services.reminders.history import recorded_of
from services.reminders.load import ReminderSettings
from services.reminders.sweep import SweepResult, sweep
from services.unit_of_work import Sessions, make_sessionmaker, transaction
from tests.builders import EPOCH, SETTINGS, StoreWorld, ledger, local, message, outbox
from tests.conftest import BOTH_STORES, POSTGRES_ONLY
from views.buttons import ButtonAction, decode


@pytest.fixture
def world(sessions: Sessions) -> StoreWorld:
    return StoreWorld(sessions)


@BOTH_STORES
async def test_a_sweep_writes_one_bundle_per_person_with_its_ledger_rows_and_never_again(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    first = await world.task(plan, "III.12", date(2023, 11, 20))
    second = await world.task(plan, "III.14", date(2023, 11, 17))
    await world.task(plan, "III.20", date(2024, 3, 1))
    lan = await world.person("Chị Lan", "STTTT")
    minh = await world.person("Anh Minh", "STTTT")
    friday = local(date(2023, 11, 17), 9, 30)

    result = await sweep(sessions, settings=SETTINGS, now=friday)

    assert result == SweepResult(messages=2, reminders=4)
    rows = await outbox(sessions)
    assert sorted(r.person_id or 0 for r in rows) == [lan, minh]
    assert {r.kind for r in rows} == {"reminder"}
    sent = message(rows[0])
    assert [(i.number, i.assignment_id) for i in sent.items] == [(1, second), (2, first)]
    assert sent.text.startswith("🔔 Nhắc việc: 2 nhiệm vụ")
    assert f"1. #{second} III.14" in sent.text
    assert "Hạn: Thứ Sáu, 17/11/2023 · hôm nay là ngày làm việc cuối cùng" in sent.text
    assert "Hạn: Thứ Hai, 20/11/2023 · còn 1 ngày làm việc" in sent.text
    assert sent.reply_hint == (
        "Xin gia hạn: 1 gia hạn đến <ngày>: <lý do>\nTrả lời: 1 xong · 2 50% · 2 vướng <lý do>"
    )
    # The outbox keeps which keyboard, not its ten buttons; they are made when it is sent.
    assert rows[0].payload["buttons"] == []
    assert rows[0].payload["status_keyboard"] == {"locale": "vi", "numbered": True}
    assert [len(row) for row in sent.buttons] == [5, 5]
    assert sent.buttons[1][0].label == "2. ✅ Xong"
    pressed = decode(sent.buttons[1][0].data)
    assert pressed is not None and (pressed.action, pressed.assignment_id) == (
        ButtonAction.DONE,
        first,
    )
    assert sorted((r.target, r.recipient_id, r.kind) for r in await ledger(sessions)) == sorted(
        [
            (f"a:{second}", lan, "due@2023-11-17"),
            (f"a:{first}", lan, "before:1@2023-11-20"),
            (f"a:{second}", minh, "due@2023-11-17"),
            (f"a:{first}", minh, "before:1@2023-11-20"),
        ]
    )
    assert all(r.outbox_id is not None for r in await ledger(sessions))

    again = await sweep(sessions, settings=SETTINGS, now=friday.replace(hour=16))
    assert again == SweepResult()
    assert len(await outbox(sessions)) == 2


@BOTH_STORES
async def test_nothing_is_written_outside_the_send_window(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20))
    await world.person("Chị Lan", "STTTT")
    for moment in (
        local(date(2023, 11, 20), 7, 59),
        local(date(2023, 11, 20), 17, 0),
        local(date(2023, 11, 18), 10),
    ):
        assert await sweep(sessions, settings=SETTINGS, now=moment) == SweepResult()
    assert await outbox(sessions) == []
    assert (await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20), 8))).reminders


@BOTH_STORES
async def test_after_downtime_only_the_latest_missed_reminder_goes_and_the_rest_are_skipped(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    handle = await world.task(plan, "I.1", date(2023, 11, 20))
    lan = await world.person("Chị Lan", "STTTT")
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 10, 31)))

    result = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 17)))

    assert (result.messages, result.reminders, result.skipped) == (1, 1, 2)
    # The ledger as it was written, sweep by sweep (each one's rows by their key).
    rows = [(r.kind, r.outbox_id is not None) for r in await ledger(sessions)]
    assert rows == [
        ("before:14@2023-11-20", True),
        ("before:1@2023-11-20", True),
        ("before:3@2023-11-20", False),
        ("before:7@2023-11-20", False),
    ]
    assert [r.recipient_id for r in await ledger(sessions)] == [lan] * 4
    assert f"#{handle}" in message((await outbox(sessions))[-1]).text


@BOTH_STORES
async def test_a_task_imported_past_due_gets_one_is_it_done_check(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan("KH-2022")
    await world.task(plan, "12.b", date(2022, 6, 30))
    await world.person("Chị Lan", "STTTT")

    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 3, 1)))
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 3, 1), 14))

    [row] = await outbox(sessions)
    assert "Đã quá hạn: việc này đã hoàn thành chưa?" in message(row).text
    assert "quá hạn 166 ngày làm việc" in message(row).text
    kinds = sorted(r.kind for r in await ledger(sessions))
    assert kinds[0] == "check@2022-06-30" and kinds[1].startswith("overdue:")


@BOTH_STORES
async def test_a_snooze_holds_the_persons_reminders_and_then_sends_one(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    handle = await world.task(plan, "I.1", date(2023, 11, 20))
    lan = await world.person("Chị Lan", "STTTT")
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 15)))
    until = local(date(2023, 11, 20), 14)
    await world.add(Snooze(person_id=lan, target=f"a:{handle}", until=until, created_at=EPOCH))

    assert await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 17))) == SweepResult()
    assert await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20))) == SweepResult()
    back = await sweep(sessions, settings=SETTINGS, now=until)
    again = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20), 15))

    assert (back.reminders, again) == (1, SweepResult())
    assert "Nhắc lại theo yêu cầu của anh/chị." in message((await outbox(sessions))[-1]).text


@BOTH_STORES
async def test_an_agency_with_nobody_registered_is_reported_once_to_the_hub_coordinator(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="STTTT")
    await world.task(plan, "I.1", date(2023, 11, 20), lead="SXD")
    await world.task(plan, "I.2", date(2023, 11, 21), lead="SXD")
    hub = await world.person("Anh Hùng", "STTTT", role=Role.COORDINATOR)

    first = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 17)))
    second = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20)))

    assert (first.notices, second) == (1, SweepResult())
    [row] = await outbox(sessions)
    assert (row.person_id, row.kind) == (hub, "notice")
    assert "👤 Chưa có cán bộ nhận nhắc việc (2)\n▸ Sở SXD (SXD) — 2 việc" in message(row).text
    [entry] = await ledger(sessions)
    assert (entry.target, entry.kind) == (f"agency:{world.codes['SXD']}", "no-officer")


@BOTH_STORES
async def test_a_group_that_names_nobody_is_never_reported_as_waiting_for_an_officer(
    world: StoreWorld, sessions: Sessions
) -> None:
    # As a store imported before such groups were left unassigned may still hold.
    plan = await world.plan(hub="STTTT")
    await world.task(plan, "I.1", date(2023, 11, 20), lead="SXD")
    await world.task(plan, "I.2", date(2023, 11, 20), lead="GRP-LIENQUAN")
    await world.task(plan, "I.3", date(2023, 11, 20), lead="GRP-CQ-CHUTRI")
    await world.person("Anh Hùng", "STTTT", role=Role.COORDINATOR)

    result = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 17)))

    assert result.notices == 1
    [row] = await outbox(sessions)
    text = message(row).text
    assert "Sở SXD (SXD)" in text
    assert "GRP-LIENQUAN" not in text and "GRP-CQ-CHUTRI" not in text


@BOTH_STORES
async def test_reminders_are_written_in_the_persons_language(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20))
    await world.person("Lan", "STTTT", locale="en")
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 15)))
    [row] = await outbox(sessions)
    sent = message(row)
    assert sent.text.startswith("🔔 Reminder")
    assert "Due: Monday, 20/11/2023 · 3 working days left" in sent.text
    assert sent.buttons[0][0].label == "✅ Done"


@BOTH_STORES
async def test_cooperating_agencies_are_told_only_when_configured(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20), cooperating="SXD")
    await world.person("Chị Lan", "STTTT")
    helper = await world.person("Anh Nam", "SXD")
    await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 15)))
    assert helper not in [r.person_id for r in await outbox(sessions)]

    with_cooperating = ReminderSettings(hours=SETTINGS.hours, remind_cooperating=True)
    await sweep(sessions, settings=with_cooperating, now=local(date(2023, 11, 17)))
    [row] = [r for r in await outbox(sessions) if r.person_id == helper]
    assert "Đơn vị phối hợp: để biết và phối hợp." in message(row).text


@BOTH_STORES
async def test_two_sweeps_racing_write_each_reminder_once(
    world: StoreWorld, sessions: Sessions, db_url: str
) -> None:
    plan = await world.plan(hub="VPUB")
    for n in range(30):
        await world.task(plan, f"I.{n}", date(2023, 11, 20), lead=f"AG{n % 6}")
    for n in range(5):
        await world.person(f"Cán bộ {n}", f"AG{n}")
    await world.person("Điều phối", "VPUB", role=Role.COORDINATOR)
    other = make_engine(db_url)
    try:
        results = await asyncio.gather(
            sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20))),
            sweep(make_sessionmaker(other), settings=SETTINGS, now=local(date(2023, 11, 20))),
        )
    finally:
        await other.dispose()

    rows = await outbox(sessions)
    assert len(rows) == 6  # five officers and the coordinator told about AG5
    assert len({r.person_id for r in rows}) == 6
    entries = [(e.target, e.recipient_id, e.kind) for e in await ledger(sessions)]
    assert len(entries) == len(set(entries)) == 26
    assert sum(r.messages for r in results) == 6
    assert sum(r.reminders for r in results) == 25


@BOTH_STORES
async def test_many_people_are_written_chunk_by_chunk_and_batch_by_batch_each_once(
    world: StoreWorld,
    sessions: Sessions,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reminders_write, "RENDER_CHUNK", 2)
    monkeypatch.setattr(reminders_write, "WRITE_BATCH", 3)
    plan = await world.plan(hub="VPUB")
    for n in range(14):
        await world.task(plan, f"I.{n}", date(2023, 11, 20), lead=f"AG{n % 8}")
    for n in range(7):
        await world.person(f"Cán bộ {n}", f"AG{n}")
    await world.person("Điều phối", "VPUB", role=Role.COORDINATOR)
    woken: list[bool] = []
    other = make_engine(db_url)
    try:
        results = await asyncio.gather(
            sweep(
                sessions,
                settings=SETTINGS,
                now=local(date(2023, 11, 20)),
                wake=lambda: woken.append(True),
            ),
            sweep(make_sessionmaker(other), settings=SETTINGS, now=local(date(2023, 11, 20))),
        )
    finally:
        await other.dispose()

    rows = await outbox(sessions)
    assert len(rows) == len({r.person_id for r in rows}) == 8  # seven officers, one notice
    entries = [(e.target, e.recipient_id, e.kind) for e in await ledger(sessions)]
    assert len(entries) == len(set(entries)) == 14
    assert sum(r.messages for r in results) == 8
    assert sum(r.reminders for r in results) == 13
    assert woken  # once per batch that wrote messages
    again = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20), 10))
    assert again == SweepResult()


@POSTGRES_ONLY
async def test_a_bulk_insert_refuses_a_value_too_long_for_its_column_instead_of_cutting_it(
    world: StoreWorld, sessions: Sessions
) -> None:
    lan = await world.person("Chị Lan", "STTTT")
    too_long = "before:7@" + "9" * 32  # the ledger's kind holds 40 characters

    with pytest.raises(DBAPIError):
        async with transaction(sessions) as session:
            connection = await session.connection()
            await reminders_write.insert_ledger(connection, [("a:1", lan, too_long, EPOCH, None)])

    assert await ledger(sessions) == []


@BOTH_STORES
@pytest.mark.parametrize(
    "rows",
    [
        # One row; several sharing their time, with and without an outbox row.
        [("a:1", 0, "before:7@2023-11-27")],
        [("a:1", 0, "before:7@2023-11-27"), ("a:2", 0, "due@2023-11-20"), ("o:3", 1, "x")],
        # Values the PostgreSQL texts cannot carry: the rows go as arrays instead.
        [("a:1", 0, "before:7"), ("a:1\x1f", 1, "due"), ("a:2", 1, "\x1fdue")],
    ],
)
async def test_ledger_rows_are_written_as_given(
    world: StoreWorld, sessions: Sessions, rows: list[tuple[str, int, str]]
) -> None:
    people = [await world.person("Chị Lan", "STTTT"), await world.person("Anh Minh", "STTTT")]
    async with transaction(sessions) as session:
        sent = Outbox(
            channel="telegram", chat_id="1", payload={}, next_attempt_at=EPOCH, created_at=EPOCH
        )
        session.add(sent)
        await session.flush()
    given = [
        (target, people[person], kind, EPOCH, sent.id if n % 2 else None)
        for n, (target, person, kind) in enumerate(rows)
    ]

    async with transaction(sessions) as session:
        await reminders_write.insert_ledger(await session.connection(), given)

    assert [
        (e.target, e.recipient_id, e.kind, e.created_at, e.outbox_id)
        for e in await ledger(sessions)
    ] == given


@BOTH_STORES
async def test_the_ledger_read_back_packed_holds_every_row_as_written(
    world: StoreWorld, sessions: Sessions
) -> None:
    # A kind holding the separator of pairs (the planner makes none) comes back as rows.
    people = [await world.person("Chị Lan", "STTTT"), await world.person("Anh Minh", "STTTT")]
    written = [
        ("a:1", people[0], "before:7@2023-11-27"),
        ("a:1", people[1], "before:7@2023-11-27"),
        ("a:1", people[1], "due@2023-11-20"),
        ("a:2", people[0], "x\x1fy"),
        ("a:3", people[1], "odd\x1ekind"),
        ("a:3", people[0], "due@2023-11-20"),
        ("a:4", people[0], "due@2023-11-20"),
    ]
    async with transaction(sessions) as session:
        await reminders_write.insert_ledger(
            await session.connection(), [(*row, EPOCH, None) for row in written]
        )

    async with sessions() as session:
        recorded = await recorded_of(session, ["a:1", "a:2", "a:3", "a:5"])

    wanted = {row for row in written if row[0] != "a:4"}
    assert set(recorded) == wanted
    assert all(row in recorded for row in wanted)
    assert ("a:3", people[1], "odd") not in recorded
    assert ("a:4", people[0], "due@2023-11-20") not in recorded
    assert set(recorded.targets) == {"a:1", "a:2", "a:3"}


async def test_a_sweep_pauses_the_garbage_collector_and_resumes_it_after(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan(hub="VPUB")
    await world.task(plan, "I.1", date(2023, 11, 20))
    await world.person("Chị Lan", "STTTT")
    await world.person("Điều phối", "VPUB", role=Role.COORDINATOR)
    during: list[bool] = []
    assert gc.isenabled()

    await asyncio.gather(
        sweep(
            sessions,
            settings=SETTINGS,
            now=local(date(2023, 11, 20)),
            wake=lambda: during.append(gc.isenabled()),
        ),
        escalate(sessions, settings=SETTINGS, now=local(date(2023, 11, 30))),
    )

    assert during == [False]
    assert gc.isenabled()


async def test_a_garbage_collector_turned_off_elsewhere_stays_off_after_a_sweep(
    world: StoreWorld, sessions: Sessions
) -> None:
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20))
    await world.person("Chị Lan", "STTTT")
    gc.disable()
    try:
        result = await sweep(sessions, settings=SETTINGS, now=local(date(2023, 11, 20)))
        assert result.reminders == 1
        assert not gc.isenabled()
    finally:
        gc.enable()


@BOTH_STORES
async def test_run_sweep_works_from_the_app_and_wakes_the_dispatcher(
    world: StoreWorld, sessions: Sessions, db_url: str, engine: Any
) -> None:
    plan = await world.plan()
    await world.task(plan, "I.1", date(2023, 11, 20))
    await world.person("Chị Lan", "STTTT")
    woken: list[str] = []
    app = App(settings=load_settings(database_url=db_url), engine=engine, sessions=sessions)

    result = await run_sweep(
        app, now=local(date(2023, 11, 20)), on_enqueued=lambda: woken.append("x")
    )

    assert result.reminders == 1 and woken == ["x"]


@BOTH_STORES
async def test_the_preview_lists_the_reminders_as_json_through_the_command_line(
    world: StoreWorld, sessions: Sessions, db_url: str
) -> None:
    plan = await world.plan("40/KH-UBND")
    handle = await world.task(plan, "III.12", date(2023, 11, 20))
    await world.person("Chị Lan", "STTTT")
    await world.task(plan, "III.13", date(2023, 11, 21), lead="SXD")

    runner = CliRunner()
    env = {"DONDOC_DATABASE_URL": db_url}
    result = await asyncio.to_thread(
        runner.invoke,
        cli_app,
        ["schedule", "preview", "--from", "2023-11-15", "--to", "2023-11-20", "--format", "json"],
        env=env,
    )

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows == [
        {
            "at": f"2023-11-{day}T08:00:00+07:00",
            "person": "Chị Lan",
            "person_id": rows[0]["person_id"],
            "agency": "STTTT",
            "plan_ref": "40/KH-UBND",
            "task_code": "III.12",
            "handle": handle,
            "period": None,
            "kind": kind,
        }
        for day, kind in (("15", "before:3"), ("17", "before:1"), ("20", "due"))
    ]
    assert await outbox(sessions) == []

    table = await asyncio.to_thread(
        runner.invoke,
        cli_app,
        ["schedule", "preview", "--from", "2023-11-15", "--to", "2023-11-20"],
        env=env,
    )
    assert table.exit_code == 0, table.output
    assert "15/11/2023 08:00" in table.output and "trước hạn 3 ngày làm việc" in table.output
    assert "3 nhắc việc từ 15/11/2023 đến 20/11/2023." in table.output
    assert "Chưa có cán bộ nhận nhắc việc ở 1 cơ quan: SXD" in table.output


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--from", "2023-13-01"], "Ngày không hợp lệ: 2023-13-01 (dạng YYYY-MM-DD)."),
        (["--from", "2023-11-20", "--to", "2023-11-01"], "Ngày kết thúc phải sau ngày bắt đầu."),
        (["--from", "2023-01-01", "--to", "2024-06-01"], "Khoảng xem trước tối đa 366 ngày."),
    ],
)
def test_a_bad_preview_range_is_one_clear_line(db_url: str, args: list[str], error: str) -> None:
    result = CliRunner().invoke(
        cli_app, ["schedule", "preview", *args], env={"DONDOC_DATABASE_URL": db_url}
    )
    assert (result.exit_code, result.output.strip()) == (1, error)
