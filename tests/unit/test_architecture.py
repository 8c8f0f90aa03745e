"""The house rules: each layer imports only what it may, nothing imports in a circle, files
stay small enough to read, and the composition root is the only place that wires.

Layers, from the bottom: `domain` (pure rules) and `locales`; `models` (the tables);
`views` (what the bot says); `services` (use cases over the store); `handlers` (the
conversation) and `scheduler` (the jobs); `bot` (settings, composition root, channels,
outbox, command line).
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "scheduler", "models", "services", "domain", "views", "locales")
APP_PACKAGES = ("bot", "handlers", "scheduler", "models", "services", "views")
FRAMEWORKS = ("aiogram", "httpx", "aiohttp", "sqlalchemy", "sqlmodel", "apscheduler", "asyncpg")
# Heavy or I/O libraries a pure layer has no business with either.
LIBRARIES = ("matplotlib", "openpyxl", "docx", "alembic", "typer", "pydantic_settings")
MAX_LINES = 600
MAX_DISPATCHER_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] not in PACKAGES or "migrations" in relative.parts:
            continue
        name = ".".join(relative.with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path, module: str) -> Iterator[str]:
    """Every module a file imports, at its top or inside a function, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if _first_party(full) in MODULES else base


def _first_party(name: str) -> str | None:
    """The first-party module `name` is or lies in, if any."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _layer(name: str) -> str:
    return name.split(".")[0]


def _violations(
    prefix: str, allowed: tuple[str, ...] = (), banned: tuple[str, ...] = ()
) -> list[str]:
    """Imports of modules under `prefix` that are banned or (given `allowed`) not allowed."""
    bad = []
    for module, path in MODULES.items():
        if module != prefix and not module.startswith(prefix + "."):
            continue
        for name in _imports(path, module):
            target = _first_party(name) or name
            top = _layer(target)
            if any(target == b or target.startswith(b + ".") for b in banned) or (
                allowed
                and top in PACKAGES
                and not any(target == a or target.startswith(a + ".") for a in allowed)
            ):
                bad.append(f"{module} imports {target}")
    return bad


def test_the_domain_imports_no_framework_and_no_application_layer() -> None:
    assert _violations("domain", banned=FRAMEWORKS + APP_PACKAGES) == []


def test_views_import_only_the_domain_the_catalogs_and_the_stored_enumerations() -> None:
    allowed = ("domain", "locales", "models.enums", "views")
    assert _violations("views", allowed=allowed, banned=FRAMEWORKS + LIBRARIES) == []


def test_models_import_only_the_domain() -> None:
    assert _violations("models", allowed=("domain", "models")) == []


def test_services_import_no_handler_scheduler_or_bot() -> None:
    assert _violations("services", banned=("handlers", "scheduler", "bot")) == []


@pytest.mark.parametrize("layer", ["handlers", "scheduler"])
def test_the_conversation_and_the_jobs_import_nothing_of_bot(layer: str) -> None:
    assert _violations(layer, banned=("bot",)) == []


@pytest.mark.parametrize("channel", ["telegram", "zalo", "console"])
def test_a_channel_reaches_another_only_through_the_shared_modules(channel: str) -> None:
    shared = ("bot.channels.base", "bot.channels.choices", f"bot.channels.{channel}")
    others = [
        name
        for name in MODULES
        if name.startswith("bot.channels.") and not name.startswith(shared)
    ]
    assert _violations(f"bot.channels.{channel}", banned=tuple(others)) == []


def test_no_module_imports_in_a_circle() -> None:
    graph = {
        module: {t for n in _imports(path, module) if (t := _first_party(n)) and t != module}
        for module, path in MODULES.items()
    }
    cycles = _cycles(graph)
    assert cycles == [], f"import cycles: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_file_outside_the_domain_and_the_tests_is_over_600_lines() -> None:
    files = [p for m, p in MODULES.items() if _layer(m) != "domain"]
    files += sorted((ROOT / "bench").glob("*.py"))
    long = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_outbox_dispatcher_class_is_under_400_lines() -> None:
    tree = ast.parse(MODULES["bot.outbox.dispatcher"].read_text(encoding="utf-8"))
    [found] = [
        n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "OutboxDispatcher"
    ]
    assert found.end_lineno is not None
    assert found.end_lineno - found.lineno + 1 < MAX_DISPATCHER_LINES


@pytest.mark.parametrize("layer", ["services", "handlers"])
def test_units_of_work_keep_nothing_in_session_info_and_add_no_session_wide_hooks(
    layer: str,
) -> None:
    for module, path in MODULES.items():
        if _layer(module) == layer:
            text = path.read_text(encoding="utf-8")
            assert "session.info" not in text, module
            assert "listens_for(Session" not in text, module


@pytest.mark.parametrize(
    ("constructor", "allowed"),
    [
        ("Conversation", {"bot/bootstrap.py"}),
        # The dispatcher's own tests and benchmark build it alone, on purpose.
        (
            "OutboxDispatcher",
            {"bot/bootstrap.py", "bench/dispatcher.py", "tests/fakes/dispatcher_worker.py"},
        ),
    ],
)
def test_the_conversation_and_the_dispatcher_are_built_only_by_the_composition_root(
    constructor: str, allowed: set[str]
) -> None:
    call = re.compile(rf"(?<![\w.]){constructor}\(")
    own_tests = re.compile(r"tests/(store/test_dispatcher\w*|behaviour/test_delivery_\w+)\.py")
    builders = {
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/**/*.py")
        if ".venv" not in path.parts
        and call.search(path.read_text(encoding="utf-8"))
        and not path.read_text(encoding="utf-8").count(f"class {constructor}")
    }
    assert {b for b in builders if not own_tests.fullmatch(b)} <= allowed


def test_every_package_says_what_lives_there() -> None:
    for module, path in MODULES.items():
        if path.name == "__init__.py":
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert docstring, f"{module} has no docstring"


def test_the_domain_never_reads_the_clock() -> None:
    for path in (ROOT / "domain").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "time.time(", "datetime.utcnow("):
            assert call not in text, (
                f"{path.name} reads the clock ({call}); take it as a parameter"
            )
