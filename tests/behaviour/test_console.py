"""`dondoc chat` and `dondoc overdue` end to end: typed lines in, printed answers and rows out."""

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from models.db import make_engine
from models.tables import Agency, Assignment, ChatIdentity, Plan, StatusChange, Task
from services.unit_of_work import make_sessionmaker, transaction
from tests.conftest import BOTH_STORES

runner = CliRunner()


def dondoc(url: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.output


async def _seed(url: str) -> list[int]:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as session:
            agencies = {a.code: a.id for a in (await session.exec(select(Agency))).all() if a.id}
            stamp = datetime(2023, 1, 1, tzinfo=UTC)
            plan = Plan(
                source_key="000",
                ref="40/KH-UBND",
                title="Kế hoạch 40",
                created_at=stamp,
                updated_at=stamp,
            )
            session.add(plan)
            await session.flush()
            assert plan.id is not None
            handles = []
            for code, due, agency in (
                ("III.12", date(2023, 6, 30), "STTTT"),
                ("III.13", date(2099, 12, 31), "STTTT"),
                ("I.1", date(2023, 3, 31), "SXD"),
            ):
                task = Task(plan_id=plan.id, code=code, title=f"Nhiệm vụ {code}", due_date=due)
                session.add(task)
                await session.flush()
                assert task.id is not None
                assignment = Assignment(task_id=task.id, agency_id=agencies[agency])
                session.add(assignment)
                await session.flush()
                assert assignment.id is not None
                handles.append(assignment.id)
            return handles
    finally:
        await engine.dispose()


async def _stored(url: str) -> tuple[list[Assignment], list[StatusChange], list[ChatIdentity]]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return (
                list((await session.exec(select(Assignment).order_by(Assignment.id))).all()),
                list((await session.exec(select(StatusChange))).all()),
                list((await session.exec(select(ChatIdentity))).all()),
            )
    finally:
        await engine.dispose()


@pytest.fixture
def store(empty_db_url: str) -> tuple[str, list[int]]:
    assert dondoc(empty_db_url, "db", "upgrade")[0] == 0
    assert dondoc(empty_db_url, "agencies", "load")[0] == 0
    return empty_db_url, asyncio.run(_seed(empty_db_url))


@BOTH_STORES
def test_an_invited_officer_registers_and_reports_in_the_terminal(
    store: tuple[str, list[int]],
) -> None:
    url, (late, later, _other) = store
    code, out = dondoc(url, "invite", "STTTT", "--name", "Nguyễn Thị Hoa")
    invite = out.split("Mã mời: ")[1].split()[0]

    code, out = dondoc(
        url,
        "chat",
        "--invite",
        invite,
        stdin=f"/viec\n#{late} 60%\n/tiendo {later}\n2\n4\n1\n",
    )

    assert code == 0, out
    # The terminal tells no name: the invite's is taken, never "console:invite-…".
    assert "✅ Đăng ký thành công: Nguyễn Thị Hoa, cán bộ đầu mối" in out
    assert f"#{late} III.12 Nhiệm vụ III.12 (hạn 30/06/2023)" in out
    assert f"✅ Đã ghi nhận #{late} III.12" in out and "60%" in out
    # The follow-up buttons are numbered options; typing "2" pressed "50%".
    assert "[1] 25%  [2] 50%  [3] 75%  [4] ✅ Xong" in out
    # The question was answered by "2": a stray "4" or "1" afterwards presses nothing.
    assert out.count("Câu hỏi này đã được trả lời") == 2
    assignments, changes, identities = asyncio.run(_stored(url))
    assert [(a.status, a.progress) for a in assignments[:2]] == [
        ("in_progress", 60),
        ("in_progress", 50),
    ]
    assert {c.channel for c in changes} == {"console"}
    assert [i.channel for i in identities] == ["console"]


@BOTH_STORES
def test_speaking_as_a_registered_person_and_desk_overdue(store: tuple[str, list[int]]) -> None:
    url, (late, _later, other) = store
    _, out = dondoc(url, "invite", "STTTT")
    invite = out.split("Mã mời: ")[1].split()[0]
    assert dondoc(url, "chat", "--invite", invite, stdin="") == (
        1,
        'Mã mời này chưa ghi họ tên người được mời. Hãy thêm --name "Họ Tên" '
        "(hoặc tạo mã với dondoc invite ... --name).\n",
    )
    dondoc(url, "chat", "--invite", invite, "--name", "Trần Văn Nam", stdin="")
    code, out = dondoc(url, "people", "list")
    assert "Trần Văn Nam" in out and "cán bộ đầu mối" in out and "console:" not in out
    person = asyncio.run(_stored(url))[2][0].person_id

    code, out = dondoc(url, "chat", "--as", str(person), stdin=f"/whoami\n#{other} xong\n")
    assert code == 0, out
    assert "Vai trò: cán bộ đầu mối" in out
    assert f"không có quyền cập nhật việc #{other}" in out

    code, out = dondoc(url, "overdue", "--as-of", "2023-07-03", "--format", "json")
    assert code == 0, out
    rows = json.loads(out)
    assert [(r["handle"], r["agency"], r["days_overdue"]) for r in rows] == [
        (late, "STTTT", 1),
        (other, "SXD", 63),
    ]
    assert rows[0] == {
        "handle": late,
        "plan_ref": "40/KH-UBND",
        "task_code": "III.12",
        "agency": "STTTT",
        "due_date": "2023-06-30",
        "days_overdue": 1,
        "status": "not_started",
        "last_update": None,
        "period": None,
        "original_due_date": "2023-06-30",
        "extensions": 0,
        "waiting_on": None,
    }
    code, out = dondoc(url, "overdue", "STTTT", "--as-of", "2023-07-03")
    assert code == 0, out
    assert "III.12" in out and " I.1 " not in out and "1 việc quá hạn tính đến 03/07/2023." in out


def test_chat_refuses_unknown_people_and_bad_options(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/s.db"
    dondoc(url, "db", "upgrade")
    assert dondoc(url, "chat") == (1, "Dùng một trong hai: --as NGƯỜI hoặc --invite MÃ_MỜI.\n")
    code, out = dondoc(url, "chat", "--as", "Không Ai")
    assert code == 1 and "Không tìm thấy người «Không Ai»" in out
    code, out = dondoc(url, "overdue", "--as-of", "hôm qua")
    assert code == 1 and "Ngày không hợp lệ" in out
    assert dondoc(url, "overdue", "--as-of", "2023-01-01")[1].startswith("Không có việc quá hạn")


def test_ctrl_c_ends_the_terminal_chat_at_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert dondoc(url, "db", "upgrade")[0] == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    env["DONDOC_DATABASE_URL"] = url
    with subprocess.Popen(
        [str(Path(sys.executable).with_name("dondoc")), "chat", "--invite", "NOTACODE"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        encoding="utf-8",
    ) as chat:
        assert chat.stdout is not None and chat.stderr is not None
        # The wrong code is answered; then the chat waits on input that stays open.
        for line in chat.stdout:
            if "mã" in line.lower():
                break
        chat.send_signal(signal.SIGINT)
        # stdin stays open: the chat must end on the signal, not because its input ran out.
        try:
            returncode = chat.wait(timeout=120)
        finally:
            chat.kill()
        err = chat.stderr.read()
    assert returncode == 0, err
    assert "Traceback" not in err
