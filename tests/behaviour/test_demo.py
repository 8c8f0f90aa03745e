"""`dondoc demo` end to end: the README's first command, run as a newcomer would.

The main test starts the installed `dondoc` script in a fresh directory with its input piped
(a reply, /tick, /as coordinator, /overdue, /summary, end of input) and checks what it
printed and what it stored. The others drive the same command through Typer's runner.
"""

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO, cast

import pytest
from sqlmodel import col, func, select
from typer.testing import CliRunner

from bot.channels.console import LineFeed
from bot.cli import app
from bot.demo import DemoClock, find_persona, parse_tick
from models.db import make_engine
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    Invite,
    Outbox,
    Person,
    Plan,
    ReminderLedger,
    StatusChange,
    Task,
)
from services.unit_of_work import make_sessionmaker

DONDOC = Path(sys.executable).with_name("dondoc")
runner = CliRunner()


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    # The demo keeps to its own store, whatever the configuration points at.
    env["DONDOC_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/not-the-demo"
    return env


def _demo(*args: str, stdin: str) -> tuple[int, str]:
    result = runner.invoke(app, ["demo", *args], input=stdin, env=_environment())
    return result.exit_code, result.output


async def _query(store: Path, statement: Any) -> list[Any]:
    engine = make_engine(f"sqlite+aiosqlite:///{store}")
    try:
        async with make_sessionmaker(engine)() as session:
            return list((await session.exec(statement)).all())
    finally:
        await engine.dispose()


def _rows(store: Path, statement: Any) -> list[Any]:
    return asyncio.run(_query(store, statement))


def _counts(store: Path) -> dict[str, int]:
    tables = (Agency, Plan, Task, Assignment, Person, ChatIdentity, Invite, ReminderLedger)
    return {
        table.__name__: _rows(store, select(func.count()).select_from(table))[0]
        for table in tables
    }


def _reminded(output: str) -> dict[int, int]:
    """Item number → handle of the first reminder printed."""
    reminder = output.split("🔔 Nhắc việc", 1)[1].split("\n\n", 1)[0]
    return {int(n): int(h) for n, h in re.findall(r"^(\d+)\. #(\d+) ", reminder, re.M)}


def test_a_newcomer_runs_the_demo_with_piped_input_and_sees_the_bot_work(
    tmp_path: Path,
) -> None:
    said = "\n".join(
        [
            "/tick 3d",
            "2 gia hạn đến 31/7: chờ phê duyệt dự toán",
            "1 xong",
            "theo KH 123/KH-STTTT ngày 14/6/2023",
            "khách quan: chờ hướng dẫn của Bộ",
            "3 vướng: chưa có kinh phí",
            "8. 25,3  9. ước 80,1  10. chưa có số liệu",
            "/chitieu",
            "/as coordinator",
            "1",
            "/giahan",
            "1",
            "/overdue",
            "/thongke quý",
            "/as leader",
            "/summary",
        ]
    )
    run = subprocess.run(
        [str(DONDOC), "demo"],
        input=said + "\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=_environment(),
        timeout=180,
    )
    out = run.stdout
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # the log goes to a file, not into the chat
    store = tmp_path / "dondoc-demo.db"
    # The bodies of 2023 in the 2025 registry: the 112 of the old one and UBND tỉnh Hải Dương.
    assert "Đã nạp 113 cơ quan của Hải Phòng và 4 kế hoạch mẫu năm 2023" in out
    assert "Hôm nay (giả lập) là Thứ Hai, 12/06/2023 08:00." in out
    assert "👤 Bạn đang là Nguyễn Văn An, cán bộ đầu mối Sở Thông tin và Truyền thông." in out
    # Piped lines are echoed, so the transcript reads as a chat.
    assert "› /tick 3d\n\n⏩ Bây giờ là Thứ Năm, 15/06/2023 08:00." in out
    items = _reminded(out)
    assert len(items) >= 3
    assert f"⏳ Đã gửi đề nghị gia hạn #{items[2]} " in out and "đến 31/07/2023" in out
    assert f"✅ Đã ghi nhận #{items[1]} " in out and "→ 📝 Chờ xác nhận" in out
    assert "📄 Kế hoạch số 123/KH-STTTT ngày 14/06/2023" in out
    assert "Nguyên nhân là gì?" in out and "Đã gửi kết quả; điều phối viên sẽ xác nhận." in out
    assert f"✅ Đã ghi nhận #{items[3]} " in out and "Vướng mắc: chưa có kinh phí" in out
    # The same reminder asks for Sở TTTT's figures, numbered after its tasks (the README's
    # tour answers 8, 9 and 10, the seeds' reminder having seven tasks that day).
    assert "📈 Số liệu chỉ tiêu 6 tháng 2023" in out
    assert "\n8. PL3.21 Số thuê bao băng rộng cố định trên 100 dân" in out
    assert "✅ Đã ghi số liệu 6 tháng 2023:" in out
    assert "80,1 Thuê bao (ước)" in out
    listed = out.split("› /chitieu", 1)[1]
    assert listed.lstrip().startswith("📈 Chỉ tiêu của cơ quan bạn, 6 tháng 2023:")
    assert "🔴 0 · 🟡 0 · ⚪ 19 · 🟢 2" in listed
    # What the bot sent the coordinator and the leader waited for them.
    assert "📨 Trần Thị Bình (điều phối viên của thành phố) có" in out
    coordinator = out.split("› /as coordinator", 1)[1]
    assert "📬 Tin nhắn đến trong lúc bạn vắng mặt" in coordinator
    assert "⏰ Việc quá hạn tính đến Thứ Năm, 15/06/2023" in coordinator
    # She confirms the result (the last message with options) and approves the extension.
    assert "nguyên nhân (khách quan): chờ hướng dẫn của Bộ" in coordinator
    assert f"✅ Đã xác nhận hoàn thành việc #{items[1]}." in coordinator
    assert "⏳ Đề nghị gia hạn đang chờ (1):" in coordinator
    assert f"✅ Đã duyệt gia hạn việc #{items[2]} đến 31/07/2023." in coordinator
    leader = out.split("› /as leader", 1)[1]
    # What the sweep left for each of them reads in at most two messages: digests, not
    # floods. The coordinator also has the officer's two requests awaiting her decision (the
    # extension and the result), each a message of its own with its buttons.
    for first_view, decisions in ((coordinator, 2), (leader, 0)):
        waiting = re.search(r"📬 Tin nhắn đến trong lúc bạn vắng mặt \((\d+)\)", first_view)
        assert waiting is not None and int(waiting[1]) <= 2 + decisions, first_view[:300]
    inbox = coordinator.split("› ", 1)[0]
    assert inbox.count("✅ Duyệt") == 1 and inbox.count("✅ Xác nhận") == 1
    assert "• III.1.2 Xây dựng, ban hành và triển khai ngay kế hoạch" in coordinator
    statistics = coordinator.split("› /thongke quý", 1)[1]
    assert statistics.lstrip().startswith("📊 Kết quả thực hiện nhiệm vụ · Quý II/2023")
    assert "Tỷ lệ hoàn thành đúng hạn:" in statistics
    assert "📊 Tổng hợp tiến độ nhiệm vụ, tuần 24/2023" in leader
    files = tmp_path / "dondoc-demo-files"
    # The tasks' chart and, since the summary has indicators, theirs.
    charts, sheet = sorted(files.glob("*.png")), sorted(files.glob("*.xlsx"))
    assert len(charts) == 2 and len(sheet) == 1
    [chart] = [c for c in charts if "-indicators-" not in c.name]
    assert f"📎 Tình trạng nhiệm vụ theo cơ quan {chart}" in leader
    assert "📈 Chỉ tiêu: 🔴 0 · 🟡 0 · ⚪ 124 · 🟢 2" in leader
    assert f"📎 Danh sách nhiệm vụ (Excel) {sheet[0]}" in leader
    assert out.rstrip().endswith(
        f"Tạm biệt! Dữ liệu demo vẫn ở {store}: chạy lại dondoc demo để tiếp tục."
    )

    people = _rows(store, select(Person).order_by(col(Person.id)))
    assert [(p.name, p.role) for p in people] == [
        ("Nguyễn Văn An", "officer"),
        ("Trần Thị Bình", "coordinator"),
        ("Lê Minh Cường", "leader"),
    ]
    chats = _rows(store, select(ChatIdentity.channel, ChatIdentity.chat_id))
    assert sorted(chats) == [
        ("console", "demo-coordinator"),
        ("console", "demo-leader"),
        ("console", "demo-officer"),
    ]
    refs = set(_rows(store, select(Plan.ref)))
    assert {"40/KH-UBND", "02/CT-UBND"} <= refs
    done, extended, blocked = (
        _rows(store, select(Assignment).where(col(Assignment.id) == items[n]))[0]
        for n in (1, 2, 3)
    )
    assert done.status == "done" and done.completed_at is not None
    assert (extended.extended_due_date, extended.extension_count) == (date(2023, 7, 31), 1)
    assert (blocked.status, blocked.blocked_reason) == ("blocked", "chưa có kinh phí")
    changes = _rows(store, select(StatusChange))
    assert {(c.assignment_id, c.person_id, c.channel) for c in changes} == {
        (items[1], people[0].id, "console"),
        (items[1], people[1].id, "console"),
        (items[2], people[0].id, "console"),
        (items[2], people[1].id, "console"),
        (items[3], people[0].id, "console"),
    }
    # Every message was delivered, once.
    states = _rows(store, select(Outbox.state).distinct())
    assert states == ["sent"]
    assert (tmp_path / "dondoc-demo.log").is_file()


def test_running_the_demo_again_duplicates_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    store = tmp_path / "demo.db"
    code, first = _demo("--db", str(store), stdin="/tick 3d\n")
    assert code == 0, first
    assert "🔔 Nhắc việc" in first
    counts = _counts(store)

    code, again = _demo("--db", str(store), stdin="/tick 3d\n")

    assert code == 0, again
    assert _counts(store) == counts
    assert "Kho demo này đã dùng ở lần chạy trước" in again
    assert "🔔 Nhắc việc" not in again
    assert "Chưa có nhắc việc nào đến lúc gửi. Thử /tick 7d." in again


def test_the_demo_shows_each_obligation_once_and_no_pseudo_agency_waiting_for_an_officer(
    tmp_path: Path,
) -> None:
    store = tmp_path / "demo.db"
    code, out = _demo("--db", str(store), stdin="/tasks\n/tick 3d\n/as coordinator\n")

    assert code == 0, out
    tasks = out.split("› /tasks", 1)[1].split("› /tick", 1)[0]
    # Chỉ thị 02's III.1.2 and the reporting-duties row 004.BC1 are one obligation.
    assert " III.1.2 " in tasks and "004.BC1" not in tasks
    assert " III.1.4 " in tasks and "004.BC3" not in tasks
    reminder = out.split("🔔 Nhắc việc", 1)[1].split("› /as coordinator", 1)[0]
    assert " III.1.2 " in reminder and "004.BC1" not in reminder
    waiting = out.split("⚠️ Cơ quan chưa có cán bộ nhận nhắc việc", 1)[1]
    waiting = waiting.split("Đề nghị cơ quan cử cán bộ đầu mối", 1)[0]
    assert "Sở Xây dựng (SXD)" in waiting
    for pseudo in ("GRP-CQ-CHUTRI", "GRP-LIENQUAN", "nhóm, không nêu tên", "theo từng nhiệm vụ"):
        assert pseudo not in waiting
    # Nor an agency of the 2025 structure in a 2023 plan's lists.
    assert "SNNMT" not in waiting and "UBND-PHUONG-" not in waiting
    restated = _rows(store, select(Task.code).where(col(Task.same_as_task_id).is_not(None)))
    # (003.BC5 restates the 2022 plan's V.5.b, which the demo of 2023 does not load.)
    assert sorted(restated) == ["000.BC7", "004.BC1", "004.BC3"]


def test_tick_lands_in_the_next_send_window_and_bad_demo_commands_are_explained(
    tmp_path: Path,
) -> None:
    code, out = _demo(
        "--db",
        str(tmp_path / "demo.db"),
        "--date",
        "2023-06-16",
        stdin="/tick soon\n/as boss\n/tick 1d\n/as officer\n",
    )

    assert code == 0, out
    assert "Hôm nay (giả lập) là Thứ Sáu, 16/06/2023 08:00." in out
    assert "Không hiểu «/tick soon». Ví dụ: /tick 3d (3 ngày), /tick 4h (4 giờ)" in out
    assert "Không có vai «boss». Dùng: /as officer, /as coordinator hoặc /as leader." in out
    # Saturday is no working day: time moves on to Monday morning, and says why.
    assert (
        "⏩ Nhắc việc chỉ gửi trong giờ làm việc, nên thời gian chuyển tới lúc bắt đầu giờ "
        "làm việc kế tiếp: Thứ Hai, 19/06/2023 08:00."
    ) in out
    assert out.count("👤 Bạn đang là Nguyễn Văn An") == 2


def test_the_demo_speaks_english_when_asked(tmp_path: Path) -> None:
    code, out = _demo("--db", str(tmp_path / "demo.db"), "--lang", "en", stdin="/tick 3d\n")

    assert code == 0, out
    assert "Đôn Đốc demo. Loaded 113 Hai Phong agencies and 4 sample plans of 2023" in out
    assert "⏩ It is now Thursday, 15/06/2023 08:00." in out
    assert "🔔 Reminder" in out
    assert "Goodbye! The demo data stays in" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2023-13-01"], "Ngày không hợp lệ: 2023-13-01"),
        (["--db", "/no/such/folder/demo.db"], "Không có thư mục /no/such/folder."),
    ],
)
def test_bad_demo_options_say_what_to_do_and_create_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["demo", "--db", str(tmp_path / "d.db"), *args], input="")

    assert result.exit_code == 1
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_ends_the_demo_at_once_with_a_goodbye(tmp_path: Path) -> None:
    with subprocess.Popen(
        [str(DONDOC), "demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_environment(),
        text=True,
        encoding="utf-8",
    ) as demo:
        assert demo.stdout is not None and demo.stderr is not None
        # Wait until the demo waits for input (its input stays open: no end of input).
        for line in demo.stdout:
            if line.startswith("👤"):
                break
        demo.send_signal(signal.SIGINT)
        # stdin stays open: the demo must end on the signal, not because its input ran out.
        try:
            returncode = demo.wait(timeout=120)
        finally:
            demo.kill()
        out, err = demo.stdout.read(), demo.stderr.read()

    assert returncode == 0, err
    assert "Traceback" not in err
    assert "Tạm biệt!" in out


@pytest.mark.parametrize(
    ("typed", "step"),
    [
        ("", timedelta(days=1)),
        ("3", timedelta(days=3)),
        ("3d", timedelta(days=3)),
        ("3 ngày", timedelta(days=3)),
        ("4h", timedelta(hours=4)),
        ("4 giờ", timedelta(hours=4)),
        ("366d", timedelta(days=366)),
        ("367d", None),
        ("0", None),
        ("-2d", None),
        ("soon", None),
        ("3w", None),
    ],
)
def test_tick_reads_days_and_hours(typed: str, step: timedelta | None) -> None:
    assert parse_tick(typed) == step


@pytest.mark.parametrize(
    ("typed", "persona"),
    [
        ("coordinator", "coordinator"),
        ("Điều phối", "coordinator"),
        ("lãnh đạo", "leader"),
        ("LEADER", "leader"),
        ("cán bộ", "officer"),
        ("officer", "officer"),
        ("boss", None),
        ("", None),
    ],
)
def test_as_names_a_persona_in_english_or_vietnamese(typed: str, persona: str | None) -> None:
    found = find_persona(typed)
    assert (found.key if found else None) == persona


def test_the_demo_clock_runs_like_a_wall_clock_and_jumps_on_tick() -> None:
    ticks = iter([100.0, 100.0, 130.0, 200.0, 205.0])
    start = datetime(2023, 6, 12, 1, 0, tzinfo=UTC)
    clock = DemoClock(start, ticker=lambda: next(ticks))

    assert clock() == start
    assert clock() == start + timedelta(seconds=30)
    later = datetime(2023, 6, 15, 1, 0, tzinfo=UTC)
    clock.jump(later)
    assert clock() == later + timedelta(seconds=5)


class _SilentTerminal:
    """A terminal nobody types into, until released."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def readline(self) -> str:
        self.released.wait()
        return ""


def test_closing_the_line_feed_ends_a_read_that_waits_for_input() -> None:
    terminal = _SilentTerminal()
    feed = LineFeed(cast(TextIO, terminal))
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(feed.readline()))
    reader.start()
    time.sleep(0.05)

    feed.close()
    reader.join(timeout=5)

    assert got == [""]
    assert feed.readline() == ""
    terminal.released.set()


def test_a_line_feed_reads_until_the_end_of_its_stream() -> None:
    feed = LineFeed(io.StringIO("/tick\n1 xong\n"))
    assert [feed.readline() for _ in range(4)] == ["/tick\n", "1 xong\n", "", ""]
