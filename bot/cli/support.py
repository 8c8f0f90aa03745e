"""What every command shares: settings, translation, friendly errors, running coroutines."""

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

import typer

from bot.errors import StoreNotReadyError
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
    """Print one line to stderr and exit with status 1."""
    typer.echo(message, err=True)
    raise typer.Exit(1)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can cause into one clear line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _ = cli_translator()
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            fail(_("Cấu hình sai: {problem}").format(problem=exc))
        except StoreNotReadyError:
            fail(_("Cơ sở dữ liệu chưa sẵn sàng. Hãy chạy: dondoc db upgrade"))
        except UserError as exc:
            fail(str(exc))
        raise AssertionError("unreachable")

    return wrapper


def run_async(coro: Coroutine[Any, Any, R]) -> R:
    """Run one command's coroutine to completion."""
    return asyncio.run(coro)
