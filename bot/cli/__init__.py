"""The `dondoc` command line: one Typer app, every command with --help.

Each command builds the app through bot.bootstrap, calls one service and prints the result;
errors a user can cause are one translated line and exit code 1 (`support.friendly`).

Modules: one per command group (`db`, `agencies`, `people` with `invite`, `importing`,
`overdue`, `report`, `run`, `schedule`, `calendar`, `chat`, `demo`), each with
`register(app)`, added below in the order `dondoc --help` lists them; `support` (settings,
translation, friendly errors, running a coroutine) and `tables` (plain-text tables) are what
they share.

Every command module is imported for every command, `--help` included, so at module level
they import only what is light: typer, the standard library, `bot.settings`, `bot.errors`,
`locales`, `domain.access` and pure `views`. Whatever is heavy (bot.bootstrap and
everything it wires, `services`, `domain.importers`, `models`, aiogram, matplotlib, openpyxl,
sqlalchemy, apscheduler, httpx, aiohttp) is imported inside the command that uses it, and
named in annotations only under `TYPE_CHECKING`. tests/unit/test_cli_imports.py checks that
`dondoc --help` and `dondoc import --dry-run` never load aiogram or matplotlib.
"""

import sys
from collections.abc import Sequence

import typer
from typer.exceptions import TyperException

from bot import redaction
from bot.cli import (
    agencies,
    calendar,
    chat,
    db,
    demo,
    importing,
    overdue,
    people,
    report,
    run,
    schedule,
)
from bot.cli.support import cli_translator
from bot.cli.usage import usage_problem
from bot.settings import ConfigError, load_settings
from locales import Translate

app = typer.Typer(
    name="dondoc",
    help="Đôn Đốc: reminders and status tracking for action-plan tasks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

db.register(app)
agencies.register(app)
people.register(app)
chat.register(app)
demo.register(app)
importing.register(app)
overdue.register(app)
report.register(app)
run.register(app)
schedule.register(app)
calendar.register(app)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `dondoc` console script: a usage error is explained in the
    configured language (bot.cli.usage), not in Typer's English."""
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
    redaction.install()
    try:
        code = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except typer.Abort:
        sys.exit(1)
    except TyperException as error:
        if type(error).__name__ != "NoArgsIsHelpError":  # Typer printed the help already
            typer.echo(usage_problem(error, _translator()), err=True)
        sys.exit(getattr(error, "exit_code", 2))
    except Exception as error:
        # A crash: its traceback, scrubbed (Typer would print it with its own hook).
        redaction.print_exception(error)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def _translator() -> Translate:
    try:
        return cli_translator(load_settings())
    except ConfigError:
        return cli_translator()
