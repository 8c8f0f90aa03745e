"""The README's two set-up commands are the ones CI runs, step for step.

CI (.ci/run) installs into a fresh virtual environment and runs the tests; the demo test
(test_demo.py) runs the installed `dondoc demo` of command 1. This test keeps the README
from drifting away from both, without building a virtual environment itself.
"""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _setup_commands() -> list[list[str]]:
    """The commands of the README's "Set up" block, each split into its `&&` steps."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Set up", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the Set up section has no ```sh block"
    commands = [
        line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")
    ]
    return [[" ".join(shlex.split(step)) for step in line.split("&&")] for line in commands]


def _ci_steps() -> list[str]:
    """What .ci/run executes, with its temporary venv path and pip's quiet flag taken out."""
    steps = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.replace('"$venv/bin/activate"', ".venv/bin/activate")
        line = line.replace('"$venv"', ".venv").replace(" --quiet", "")
        line = line.replace("python -m pip ", "pip ", 1)
        steps.append(" ".join(shlex.split(line, comments=True)))
    return steps


def test_the_readme_has_two_setup_commands_run_and_test() -> None:
    run, test = _setup_commands()
    assert run == [
        "python3 -m venv .venv",
        ". .venv/bin/activate",
        "pip install -e .",
        "dondoc demo",
    ]
    assert test == [
        "python3 -m venv .venv",
        ". .venv/bin/activate",
        "pip install -e .[dev]",
        "python -m pytest -q",
    ]


def test_ci_runs_the_readme_test_command_step_for_step() -> None:
    _, test = _setup_commands()
    ci = _ci_steps()
    positions = []
    for step in test:
        assert step in ci, f"{step!r} is in the README but not in .ci/run"
        positions.append(ci.index(step))
    assert positions == sorted(positions), "CI runs the README's steps in another order"


def test_item18_docs_promise_each_reminder_once_and_a_message_in_flight_at_least_once() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "sends nothing twice" not in readme
    assert "never records a reminder twice" in readme
    assert "Delivery is *at least once*: a message in flight" in readme
    assert "idempotency key" in readme
    coordinators = " ".join((ROOT / "docs" / "coordinator-guide.md").read_text().split())
    assert "may reach its reader twice" in coordinators
    officers = " ".join((ROOT / "docs" / "officer-guide.md").read_text().split())
    assert "một tin có thể đến hai lần" in officers
