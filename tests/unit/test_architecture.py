"""The domain package stays pure: no Telegram, Zalo, SQL or scheduler imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "httpx", "aiohttp", "sqlalchemy", "sqlmodel", "apscheduler", "asyncpg")
APP_PACKAGES = ("bot", "handlers", "scheduler", "models", "services")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted((ROOT / "domain").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_domain_module_imports_no_framework_and_no_application_layer(path: Path) -> None:
    bad = [
        name
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN or name.split(".")[0] in APP_PACKAGES
    ]
    assert bad == [], f"{path.name} must stay pure but imports {bad}"


def test_the_domain_never_reads_the_clock() -> None:
    for path in (ROOT / "domain").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", "date.today(", "time.time(", "datetime.utcnow("):
            assert call not in text, (
                f"{path.name} reads the clock ({call}); take it as a parameter"
            )
