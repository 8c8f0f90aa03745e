"""One language at a time: every command's output and errors, in Vietnamese, without the
English words and codes that used to leak into them.

The walk runs each `dondoc` command (as the README lists them) on a store with the Hai Phong
registry and plan 40/KH-UBND, a registered officer and coordinator, then the errors a user can
cause, and looks for the leaks reported: roles, kinds and statuses as codes, English setting
errors and usage errors, "(no agencies)", the chart's other word for a status, people named
after their chat. JSON output is data for programs (its keys and values are stable codes) and
is not walked; `--help` is documentation in English, as the README.
"""

import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app, main

SEEDS = Path(__file__).resolve().parents[2] / "bot" / "data" / "seeds"
PLAN_40 = SEEDS / "000_aa3ac02f70407aed.txt"
runner = CliRunner()

# What leaked into Vietnamese output, and what would if the same mistakes came back.
LEAKS = (
    "coordinator",
    "officer",
    "leader",
    "admin",
    "must look like",
    "must be",
    "no agencies",
    "recurring",
    "conditional",
    "ongoing",
    "not_started",
    "in_progress",
    "Chưa thực hiện",
    "Đang thực hiện",
    "console:",
    "invite-",
    "Invalid value",
    "is not one of",
    "Input should",
    "Value error",
    "Missing argument",
    "No such",
    "Usage:",
    "Error",
    "Traceback",
)
# The one place the role words may appear: `--role` takes them as they are typed.
QUOTED = re.compile(r"«[^»]*»")
ROLE_VALUES = re.compile(
    r"(officer|coordinator|leader) \((cán bộ đầu mối|điều phối viên|lãnh đạo)\)"
)


def _leaks(text: str) -> list[str]:
    # The role words as `--role` takes them, and what the user typed, quoted back.
    text = QUOTED.sub("", ROLE_VALUES.sub("", text))
    return [word for word in LEAKS if word.lower() in text.lower()]


def _dondoc(url: str, *args: str, stdin: str | None = None, **env: str) -> tuple[int, str]:
    result = runner.invoke(
        app,
        list(args),
        input=stdin,
        env={"DONDOC_DATABASE_URL": url, "DONDOC_DEFAULT_LOCALE": "vi", **env},
    )
    return result.exit_code, result.output


def test_every_command_and_error_speaks_vietnamese_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    outputs: dict[str, str] = {}

    def run(name: str, *args: str, ok: bool = True, stdin: str | None = None, **env: str) -> str:
        code, out = _dondoc(url, *args, stdin=stdin, **env)
        assert (code == 0) is ok, f"{name}: exit {code}\n{out}"
        # The test's own directory is named after it ("…_error_s0"): not the bot's words.
        outputs[name] = out.replace(str(tmp_path), "<tmp>")
        return out

    # Before the store exists, and with the registry missing.
    run("people list before upgrade", "people", "list", ok=False)
    run("db upgrade", "db", "upgrade")
    run("import without agencies", "import", str(PLAN_40), ok=False)
    run("agencies list empty", "agencies", "list", ok=False)
    run("agencies load", "agencies", "load")
    run("agencies list", "agencies", "list")
    run("import dry run", "import", str(PLAN_40), "--dry-run")
    run("import", "import", str(PLAN_40))
    out = run("invite coordinator", "invite", "STTTT", "--role", "coordinator", "--name", "Bình")
    coordinator = out.split("Mã mời: ")[1].split()[0]
    run("chat coordinator", "chat", "--invite", coordinator, stdin="/help\n/overdue\n")
    out = run("invite officer", "invite", "SXD", "--name", "Nguyễn Văn An")
    officer = out.split("Mã mời: ")[1].split()[0]
    run("chat officer", "chat", "--invite", officer, stdin="/tasks\n/whoami\n")
    run("invite plan", "invite", "--plan", "40/KH-UBND")
    run("people list", "people", "list")
    run("chat as", "chat", "--as", "Nguyễn Văn An", stdin="/help\n")
    run("overdue", "overdue", "--as-of", "2023-12-29")
    run("overdue none", "overdue", "--as-of", "2022-01-03")
    run("schedule", "schedule", "preview", "--from", "2023-12-18", "--to", "2023-12-29")
    run("schedule rebuild", "schedule", "rebuild")
    run("report", "report", "weekly", "--date", "2023-06-30", "--out", str(tmp_path / "w.xlsx"))
    run("calendar", "calendar", "2026")
    run("calendar unannounced", "calendar", "2027")

    # The errors a user can cause.
    run("bad window", "overdue", ok=False, DONDOC_SEND_WINDOW="8h-5h")
    run("bad number", "overdue", ok=False, DONDOC_SWEEP_SECONDS="often")
    run("bad weekdays", "overdue", ok=False, DONDOC_WORKING_DAYS="Funday")
    run("bad locale", "overdue", ok=False, DONDOC_TIMEZONE="Mars/Base")
    run("role admin", "invite", "STTTT", "--role", "admin", ok=False)
    run("unknown agency", "invite", "NOWHERE", ok=False)
    run("unknown plan", "invite", "--plan", "99/KH-UBND", ok=False)
    run("unknown person", "chat", "--as", "Không Ai", ok=False)
    run("unknown scope", "overdue", "NOWHERE", ok=False)
    run("bad date", "overdue", "--as-of", "hôm qua", ok=False)
    run("missing file", "import", str(tmp_path / "none.docx"), ok=False)
    run("no channel", "run", ok=False)
    code, out = _dondoc("postgresql://postgres@127.0.0.1:1/dondoc", "people", "list")
    assert code == 1
    outputs["closed port"] = out

    assert "vai trò: điều phối viên" in outputs["invite coordinator"]
    assert (
        "điều phối viên" in outputs["people list"] and "cán bộ đầu mối" in outputs["people list"]
    )
    assert "Nguyễn Văn An" in outputs["people list"]
    assert "định kỳ" in outputs["import dry run"] or "có điều kiện" in outputs["import dry run"]
    assert "không nhận «admin»" in outputs["role admin"]
    assert "DONDOC_SEND_WINDOW: phải có dạng 08:00-17:00" in outputs["bad window"]
    assert "Chưa có cơ quan nào" in outputs["import without agencies"]
    leaks = {name: found for name, out in outputs.items() if (found := _leaks(out))}
    assert leaks == {}, {name: outputs[name] for name in leaks}


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["invite", "--role"], "Thiếu giá trị cho --role."),
        (["invite", "--uses", "0", "STTTT"], "--uses: phải từ 1 trở lên"),
        (["overdue", "--format", "xml"], "--format: phải là một trong: table, json"),
        (["import"], "Thiếu FILE."),
        (["nosuch"], "Không có lệnh «nosuch»."),
        (["overdue", "a", "b"], "Thừa đối số: b."),
        (["invite", "--nope"], "Không có tùy chọn --nope."),
        (["calendar", "nineteen"], "YEAR: phải là một số nguyên"),
    ],
)
def test_usage_errors_are_explained_in_vietnamese(
    argv: list[str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["dondoc"])
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert expected in err and "--help" in err
    assert _leaks(err) == []
