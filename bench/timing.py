"""Timing shared by the benchmarks: wall and CPU time, the load average beside them, medians
of several runs, and a table of cost per unit of work.

On a shared machine the wall clock also counts other people's work: every figure is printed
with this process's CPU time and the machine's one-minute load average when it was taken,
and a figure is the median of several runs (one run can be a third slower than the next).
"""

import ctypes
import gc
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from statistics import median
from typing import TypeVar

import psutil

T = TypeVar("T")


async def measured(work: Awaitable[T]) -> tuple[T, float, float]:
    """What `work` gives, with the wall-clock and CPU seconds it took.

    CPU too: on a shared machine the wall clock also counts other people's work. The CPU
    time is this process's, all its threads (SQLite's included), not a database server's
    or another process's (a fake API's)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = await work
    return result, time.perf_counter() - started, time.process_time() - cpu


@dataclass
class Memory:
    """This process's resident memory before a piece of work and at its highest during it."""

    before: int = 0
    peak: int = 0

    def line(self, label: str) -> str:
        """One line: the peak, and how much the work added to what the process held."""
        mib = 2**20
        return (
            f"  peak resident memory, {label}: {self.peak / mib:.0f} MiB"
            f" (+{(self.peak - self.before) / mib:.0f} MiB over the {self.before / mib:.0f}"
            " held before)"
        )


def _give_back_freed_memory() -> None:
    """Collect, then ask glibc to return the free pages it keeps: otherwise what an earlier
    piece of work freed stays resident and hides the next one's peak under it."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# The sampler of peak_memory, run in a child process: it samples the resident memory of
# process argv[1] every argv[2] seconds, says "ready" once it has, and prints the peak
# once its standard input closes.
_SAMPLER = """
import select, sys
import psutil
process, every = psutil.Process(int(sys.argv[1])), float(sys.argv[2])
peak = process.memory_info().rss
print("ready", flush=True)
while not select.select([sys.stdin], [], [], every)[0]:
    peak = max(peak, process.memory_info().rss)
print(max(peak, process.memory_info().rss), flush=True)
"""


@contextmanager
def peak_memory(every: float = 0.005) -> Iterator[Memory]:
    """Sample this process's resident memory from a child process while the block runs.

    The peak of the block alone: the kernel's high-water mark (getrusage's ru_maxrss) also
    counts whatever the bench did before, such as populating the store. A peak shorter than
    `every` can be missed. A child, not a thread: a thread waking every 5 ms takes the GIL
    from the work being timed, and added 0.5-0.6 s of CPU and 0.6-0.7 s of wall time to
    a day's first sweep of 8 s at a million assignments."""
    process = psutil.Process()
    _give_back_freed_memory()
    memory = Memory(before=process.memory_info().rss)
    memory.peak = memory.before
    sampler = subprocess.Popen(
        [sys.executable, "-c", _SAMPLER, str(process.pid), str(every)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sampler.stdin is not None and sampler.stdout is not None
    try:
        sampler.stdout.readline()  # "ready": sampling has begun
        yield memory
    finally:
        memory.peak = max(memory.peak, process.memory_info().rss)
        sampled, _ = sampler.communicate(timeout=600)
        if sampled.strip():
            memory.peak = max(memory.peak, int(sampled.split()[-1]))


def load_average() -> float:
    """The machine's one-minute load average now."""
    return os.getloadavg()[0]


@dataclass
class Runs:
    """The wall and CPU seconds of several runs of one piece of work, with the load average
    at the start of each."""

    label: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, wall: float, cpu: float, load: float) -> None:
        self.walls.append(wall)
        self.cpus.append(cpu)
        self.loads.append(load)

    @property
    def wall(self) -> float:
        """The median wall-clock seconds."""
        return median(self.walls)

    @property
    def cpu(self) -> float:
        """The median CPU seconds."""
        return median(self.cpus)

    def line(self) -> str:
        """One line: median wall, median CPU, load range, and every run's wall time."""
        each = ", ".join(f"{w * 1000:.0f}" for w in self.walls)
        return (
            f"{self.label:<58} {self.wall * 1000:9.1f} ms wall {self.cpu * 1000:9.1f} ms cpu"
            f"  load {min(self.loads):4.2f}-{max(self.loads):4.2f}"
            f"  (median of {len(self.walls)}: {each} ms)"
        )


async def timed_once(label: str, work: Callable[[], Awaitable[T]]) -> tuple[T, Runs]:
    """Run `work` once and print its line."""
    runs = Runs(label)
    load = load_average()
    result, wall, cpu = await measured(work())
    runs.add(wall, cpu, load)
    print(runs.line())
    return result, runs


async def repeated(
    label: str, runs: Sequence[Callable[[], Awaitable[tuple[T, float, float]]]]
) -> tuple[T, Runs]:
    """Run each (each measures itself, so that set-up outside its own clock is not counted)
    and print the medians; what the last gave, and the figures."""
    figures = Runs(label)
    results: list[T] = []
    for work in runs:
        load = load_average()
        result, wall, cpu = await work()
        results.append(result)
        figures.add(wall, cpu, load)
    print(figures.line())
    return results[-1], figures


@dataclass(frozen=True)
class UnitCost:
    """One row of the cost table: what was timed, how many units of what work it did."""

    label: str
    runs: Runs
    units: int
    unit: str


def print_unit_costs(title: str, costs: Sequence[UnitCost]) -> None:
    """The table of cost per unit of work: µs of wall and of CPU per unit (medians)."""
    print(f"\ncost per unit of work, {title}")
    print(f"  {'work':<46} {'units':>10} {'unit':<18} {'µs wall':>9} {'µs cpu':>9}")
    for cost in costs:
        if cost.units:
            wall = f"{cost.runs.wall * 1e6 / cost.units:9.1f}"
            cpu = f"{cost.runs.cpu * 1e6 / cost.units:9.1f}"
        else:
            wall = cpu = f"{'-':>9}"
        print(f"  {cost.label:<46} {cost.units:>10,} {cost.unit:<18} {wall} {cpu}")
