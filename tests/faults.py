"""Faults injected into the code under test: a step that fails the n-th time it runs."""

from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest


def fail_on_call(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str, failing: int
) -> list[str]:
    """Make `module`'s `name` fail the `failing`-th time it is called (from 1); the calls."""
    real: Callable[..., Awaitable[Any]] = getattr(module, name)
    calls: list[str] = []

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        if len(calls) == failing:
            raise RuntimeError(f"{name} failed")
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls
