"""What every command shares: settings, translation, friendly errors, running coroutines."""

import asyncio
import functools
import socket
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import typer

from bot.errors import StoreNotReadyError
from bot.redaction import redact
from bot.settings import ConfigError, Settings, load_settings
from locales import Translate, gettext_for

P = ParamSpec("P")
R = TypeVar("R")


class UserError(Exception):
    """An error the user can fix; its message is already translated."""


def cli_settings() -> Settings:
    """The settings, read when a command runs (not at import)."""
    return load_settings()


def cli_translator(settings: Settings | None = None) -> Translate:
    """The `_` of the configured default locale."""
    return gettext_for(settings.default_locale if settings else "vi")


def fail(message: str) -> None:
    """Print one line to stderr (without any secret) and exit with status 1."""
    typer.echo(redact(message), err=True)
    raise typer.Exit(1)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can cause into one clear line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _ = cli_translator()
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail(_("Cấu hình sai: {problem}").format(problem=exc.describe(_)))
        except StoreNotReadyError:
            fail(_("Cơ sở dữ liệu chưa sẵn sàng. Hãy chạy: dondoc db upgrade"))
        except UserError as exc:
            fail(str(exc))
        except Exception as exc:
            problem = database_problem(exc, _)
            if problem is None:
                raise
            fail(problem)
        raise AssertionError("unreachable")

    return wrapper


# PostgreSQL's codes for "no such database" and "no such role" (or another login refusal).
_NO_DATABASE = "3D000"
_NO_ROLE = "28000"


def database_problem(error: BaseException, _: Translate) -> str | None:
    """One line for a store that cannot be opened (no server, no database, no role) and the
    command that fixes it; None when the error is something else."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    states = {getattr(e, "sqlstate", None) for e in chain}
    url = _database_url()
    if url is None:
        return None
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    database, user = parts.database or "", parts.username or "postgres"
    if _NO_DATABASE in states:
        return _(
            "Máy chủ PostgreSQL chưa có cơ sở dữ liệu «{database}». Hãy tạo nó: "
            "sudo -u postgres createdb --owner {user} {database} rồi chạy dondoc db upgrade"
        ).format(database=database, user=user)
    if _NO_ROLE in states and any("role" in str(e) for e in chain):
        return _(
            "Máy chủ PostgreSQL chưa có vai trò (người dùng) «{user}». Hãy tạo nó: "
            "sudo -u postgres createuser --pwprompt {user}"
        ).format(user=user)
    # Refused, timed out, or a host name nobody knows (socket.gaierror).
    unreachable = (ConnectionError, TimeoutError, socket.gaierror)
    if url.startswith("postgresql") and any(isinstance(e, unreachable) for e in chain):
        return _(
            "Không kết nối được máy chủ PostgreSQL {host}:{port}. Hãy khởi động máy chủ "
            "(sudo systemctl start postgresql) hoặc sửa DONDOC_DATABASE_URL."
        ).format(host=parts.host or "localhost", port=parts.port or 5432)
    return None


def _database_url() -> str | None:
    try:
        return load_settings().database_url
    except ConfigError:
        return None


def run_async(coro: Coroutine[Any, Any, R]) -> R:
    """Run one command's coroutine to completion."""
    return asyncio.run(coro)
