"""`dondoc` starts light: a command loads aiogram and matplotlib only when it needs them.

Every command module is imported for every command, `--help` included, and aiogram and
matplotlib alone cost seconds of CPU; bot/cli/__init__.py says what may be imported where.
`dondoc run` loads aiogram only for a Telegram channel, the dashboard only when it is
configured, the spreadsheet reader with the first workbook, and the report writers in the
background once it answers (bot.runtime).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "bot" / "data" / "seeds" / "000_aa3ac02f70407aed.txt"
HEAVY = ("aiogram", "matplotlib")


def _imported(*args: str, database_url: str | None = None) -> tuple[set[str], str]:
    """The packages `python -m bot ARGS` imports (from -X importtime), and its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONDOC_")}
    if database_url is not None:
        env["DONDOC_DATABASE_URL"] = database_url
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,  # `-m` imports this checkout's bot
        env=env,
        timeout=300,
    )
    report = [line for line in run.stderr.splitlines() if line.startswith("import time:")]
    assert run.returncode == 0, "\n".join(
        line for line in run.stderr.splitlines() if not line.startswith("import time:")
    )
    packages = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in report[1:]}
    return packages, run.stdout


def test_help_imports_neither_aiogram_nor_matplotlib() -> None:
    packages, out = _imported("--help")
    assert "import" in out and "agencies" in out
    assert "typer" in packages  # the report is read right
    assert [name for name in HEAVY if name in packages] == []


@pytest.fixture
def registry_url(db_url: str) -> str:
    """A migrated SQLite store with the shipped agency registry loaded."""
    result = CliRunner().invoke(app, ["agencies", "load"], env={"DONDOC_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    return db_url


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("import", "--dry-run", str(SEED)), "Chạy thử: chưa lưu gì."),
        (("agencies", "list"), "STTTT"),
    ],
    ids=["import --dry-run", "agencies list"],
)
def test_store_commands_import_neither_aiogram_nor_matplotlib(
    registry_url: str, args: tuple[str, ...], shown: str
) -> None:
    packages, out = _imported(*args, database_url=registry_url)
    assert shown in out
    assert "sqlalchemy" in packages  # the command did reach the store
    assert [name for name in HEAVY if name in packages] == []


def test_what_dondoc_run_starts_with_loads_no_channel_library_reader_writer_or_dashboard() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.cli, bot.runtime; print(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    modules = set(run.stdout.split())
    assert "bot.bootstrap" in modules  # the report is read right
    late = ("aiogram", "matplotlib", "xlsxwriter", "openpyxl", "bot.dashboard")
    assert sorted(name for name in late if name in modules) == []
