"""Timing shared by the benchmarks."""

import time
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def measured(work: Awaitable[T]) -> tuple[T, float, float]:
    """What `work` gives, with the wall-clock and CPU seconds it took.

    CPU too: on a shared machine the wall clock also counts other people's work. The CPU
    time is this process's, all its threads (SQLite's included), not a database server's
    or another process's (a fake API's)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = await work
    return result, time.perf_counter() - started, time.process_time() - cpu
