"""How long `dondoc run` takes to be ready: from the process's start until /healthz answers.

    python -m bench.startup [--runs 5] [--channel telegram|zalo]

Starts a fake Telegram Bot API (tests/fakes/telegram_api.py), a fake Zalo API
(tests/fakes/zalo_api.py) and a migrated throw-away SQLite store, then `python -m bot run`
against them, --runs times, polling /healthz: once with only a Telegram token configured and
once with only a Zalo token (aiogram is imported only for Telegram), or the one --channel
names. Prints the median wall time and CPU seconds (user + system of the `dondoc run`
process when it first answered) with the load average, and its resident memory then. The
first run is not counted: it writes the bytecode cache the others start from. The target is
under 3 s of CPU with bytecode cached.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from urllib.error import URLError
from urllib.request import urlopen

import psutil

from bench.timing import load_average
from models.migrate import upgrade
from tests.fakes import telegram_api, zalo_api

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except (URLError, OSError):
        return False


def one_start(env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds and CPU seconds until healthy, and resident MiB then."""
    port = _free_port()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env={**env, "DONDOC_HTTP_PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process = psutil.Process(child.pid)
        while not _healthy(port):
            if child.poll() is not None:
                raise RuntimeError(f"dondoc run exited with {child.returncode}")
            time.sleep(0.02)
        wall = time.perf_counter() - started
        times = process.cpu_times()
        rss = process.memory_info().rss / 2**20
        return wall, times.user + times.system, rss
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _fake(module: str) -> tuple[subprocess.Popen[str], str]:
    """Start a fake API alone; the process and its base URL."""
    api = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert api.stdout is not None
    return api, api.stdout.readline().strip()


def time_starts(env: dict[str, str], *, runs: int, label: str) -> None:
    """Start `dondoc run` once to write the bytecode cache, then `runs` times; print medians."""
    one_start(env)
    walls, cpus, rss, loads = [], [], [], []
    for _ in range(runs):
        loads.append(load_average())
        wall, cpu, memory = one_start(env)
        walls.append(wall)
        cpus.append(cpu)
        rss.append(memory)
    print(
        f"{label:<58}"
        f" {median(walls) * 1000:9.1f} ms wall {median(cpus) * 1000:9.1f} ms cpu"
        f"  load {min(loads):4.2f}-{max(loads):4.2f}"
        f"  (median of {len(walls)}: {', '.join(f'{w * 1000:.0f}' for w in walls)} ms)"
    )
    print(f"  resident memory when ready: {median(rss):.0f} MiB")


def main() -> None:
    """Start the fake APIs and the store, then time the starts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--channel", choices=("telegram", "zalo"), action="append")
    args = parser.parse_args()
    telegram, telegram_base = _fake("tests.fakes.telegram_api")
    zalo, zalo_base = _fake("tests.fakes.zalo_api")
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}"
            upgrade(url)
            env = {
                **os.environ,
                "DONDOC_DATABASE_URL": url,
                "DONDOC_DATA_DIR": folder,
            }
            # "With bytecode cached": the first start writes the cache even where the
            # environment says not to (installed packages have theirs from pip).
            for name in ("DONDOC_TELEGRAM_TOKEN", "DONDOC_ZALO_TOKEN", "PYTHONDONTWRITEBYTECODE"):
                env.pop(name, None)
            channels = {
                "telegram": {
                    "DONDOC_TELEGRAM_TOKEN": telegram_api.DEFAULT_TOKEN,
                    "DONDOC_TELEGRAM_API_BASE": telegram_base,
                },
                "zalo": {"DONDOC_ZALO_TOKEN": zalo_api.TOKEN, "DONDOC_ZALO_API_BASE": zalo_base},
            }
            for channel in args.channel or list(channels):
                time_starts(
                    {**env, **channels[channel]},
                    runs=args.runs,
                    label=f"dondoc run until /healthz, {channel} only (target < 3 s cpu)",
                )
    finally:
        for api in (telegram, zalo):
            api.terminate()
            api.wait(timeout=10)


if __name__ == "__main__":
    main()
