"""How close does the outbox dispatcher get to a Bot API's rate limit? Prints its figures.

    python -m bench.dispatcher [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Two scenarios, on SQLite and on PostgreSQL, each against a fake Bot API started in its own
process (tests/fakes/telegram_api.py) that answers 429 to anything over its limit:

* limited to 30 messages/s and 1/s per chat, the dispatcher with the default settings;
  target: at least 95% of the limit with zero 429s;
* limited to 1,000 messages/s, DONDOC_TELEGRAM_RATE_PER_SECOND=1000; target: at least
  950/s on a quiet machine.

For scale it first prints what the client manages against the same fake with no store and no
limits (aiogram's own bot.send_message, and the TelegramSender the dispatcher uses), and every
scenario prints the CPU time this process took per message: on a busy machine the CPU, not the
limit, sets the pace. A last line per store gives the dispatcher's own bookkeeping (claiming,
pacing, recording) with a sender that answers at once, paced at 1,000/s.

The rate is measured where the limit applies, at the API: successful sends divided by the
time between the first and the last. Reminders go to distinct chats, so the per-chat limit
does not decide the pace. The run ends when every row is recorded as sent; until the last
send it waits without touching the store, so the CPU figure is the dispatcher's and client's.
"""

import argparse
import asyncio
import itertools
import json
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import urlopen

import asyncpg
import sqlalchemy as sa
from sqlmodel import col, func, select

from bot.channels.base import ChannelSender
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.render import keyboard
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import limits_from_settings
from bot.settings import Settings, load_settings
from models.db import make_engine
from models.enums import OutboxState
from models.migrate import upgrade
from models.tables import Outbox
from services.clock import system_clock
from services.unit_of_work import make_sessionmaker
from tests.databases import throwaway_database
from tests.fakes.fanout import reminder
from tests.fakes.telegram_api import DEFAULT_TOKEN
from views.messages import Outgoing

ROOT = Path(__file__).resolve().parents[1]


async def fill(url: str, *, count: int) -> None:
    """Write `count` due reminders, one per chat, in bulk."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(Outbox),
                [
                    {
                        "channel": "telegram",
                        "chat_id": str(200_000 + n),
                        "kind": "reminder",
                        "payload": reminder(n).to_payload(),
                        "state": OutboxState.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for n in range(1, count + 1)
                ],
            )
    finally:
        await engine.dispose()


async def start_api(
    *, per_second: int, chat_interval: float | None = 1.0
) -> tuple[asyncio.subprocess.Process, str]:
    """The fake Bot API in a process of its own, so it does not share this one's CPU."""
    limits = [f"--per-second={per_second}"]
    if chat_interval is not None:
        limits.append(f"--chat-interval={chat_interval}")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        *limits,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    base_url = (await process.stdout.readline()).decode().strip()
    return process, base_url


def api_calls(base_url: str) -> list[dict[str, object]]:
    with urlopen(f"{base_url}/_fake/calls") as response:
        calls: list[dict[str, object]] = json.loads(response.read())
    return calls


class _Counting:
    """A sender that counts what it delivered and says when `count` have gone out."""

    channel = "telegram"

    def __init__(self, sender: ChannelSender, *, count: int) -> None:
        self._sender = sender
        self._count = count
        self.delivered = 0
        self.all_out = asyncio.Event()

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Send through the wrapped sender and count it."""
        provider_id = await self._sender.send(chat_id, message)
        self.delivered += 1
        if self.delivered >= self._count:
            self.all_out.set()
        return provider_id


class _Instant:
    """A sender that answers at once: what is left is the dispatcher's own work."""

    channel = "telegram"

    def __init__(self) -> None:
        self._sent = 0

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Deliver nothing, at once."""
        self._sent += 1
        return str(self._sent)


async def dispatch(
    url: str, sender: ChannelSender, *, settings: Settings, count: int
) -> tuple[float, float]:
    """Run a dispatcher until `count` rows are recorded as sent; its wall and CPU seconds."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    counting = _Counting(sender, count=count)
    dispatcher = OutboxDispatcher(
        sessions=sessions,
        senders={"telegram": counting},
        clock=system_clock,
        limits=limits_from_settings(settings),
    )
    stop = asyncio.Event()
    started, cpu = time.perf_counter(), time.process_time()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        await counting.all_out.wait()
        while True:
            async with sessions() as session:
                sent = (
                    await session.exec(
                        select(func.count())
                        .select_from(Outbox)
                        .where(col(Outbox.state) == OutboxState.SENT.value)
                    )
                ).one()
            if sent >= count:
                break
            await asyncio.sleep(0.02)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        stop.set()
        await running
    finally:
        await engine.dispose()
    return wall, cpu


async def drain(url: str, *, limit: int, count: int) -> dict[str, float]:
    """Send `count` reminders through an API limited to `limit`/s; the figures."""
    process, base_url = await start_api(per_second=limit)
    settings = load_settings(
        _env_file=None,
        telegram_token=DEFAULT_TOKEN,
        telegram_api_base=base_url,
        telegram_rate_per_second=limit,
    )
    bot = make_bot(settings)
    try:
        wall, cpu = await dispatch(url, TelegramSender(bot), settings=settings, count=count)
        calls = await asyncio.to_thread(api_calls, base_url)
    finally:
        await bot.session.close()
        process.terminate()
        await process.wait()
    sends = [c for c in calls if c["method"] == "sendMessage"]
    ok = sorted(float(str(c["at"])) for c in sends if c["status"] == 200)
    return {
        "sent": len(ok),
        "rate": (len(ok) - 1) / (ok[-1] - ok[0]),
        "refused": sum(1 for c in sends if c["status"] == 429),
        "wall": wall,
        "cpu_ms": 1000 * cpu / count,
    }


async def bookkeeping(url: str, *, count: int) -> dict[str, float]:
    """The dispatcher alone: `count` rows through a sender that answers at once, at 1,000/s."""
    settings = load_settings(
        _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_rate_per_second=1000
    )
    wall, cpu = await dispatch(url, _Instant(), settings=settings, count=count)
    return {"rate": count / wall, "cpu_ms": 1000 * cpu / count}


async def bare_client(*, count: int) -> dict[str, dict[str, float]]:
    """The ceiling: the same sends straight through the client, no store, no limits."""
    process, base_url = await start_api(per_second=1_000_000)
    settings = load_settings(
        _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=base_url
    )
    bot = make_bot(settings)
    sender = TelegramSender(bot)
    slots = asyncio.Semaphore(100)
    chats = itertools.count(300_000)

    async def through_aiogram(number: int) -> None:
        async with slots:
            message = reminder(number)
            await bot.send_message(
                chat_id=next(chats),
                text=message.text,
                parse_mode="HTML",
                reply_markup=keyboard(message.buttons),
            )

    async def through_sender(number: int) -> None:
        async with slots:
            await sender.send(str(next(chats)), reminder(number))

    figures = {}
    try:
        for name, one in (("aiogram", through_aiogram), ("sender", through_sender)):
            await asyncio.gather(*(one(n) for n in range(200)))
            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(one(n) for n in range(count)))
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            figures[name] = {"rate": count / wall, "cpu_ms": 1000 * cpu / count}
    finally:
        await bot.session.close()
        process.terminate()
        await process.wait()
    return figures


def report(store: str, limit: int, figures: dict[str, float]) -> None:
    share = 100 * figures["rate"] / limit
    print(
        f"  {store:<10} limit {limit:>5}/s: {figures['rate']:7.1f} messages/s at the API "
        f"({share:5.1f}% of the limit), {int(figures['refused'])} answered 429, "
        f"{int(figures['sent'])} sent in {figures['wall']:.1f} s "
        f"({figures['cpu_ms']:.2f} ms CPU per message)"
    )


SCENARIOS = ((30, 600), (1000, 10_000))
BOOKKEEPING = 10_000


def report_bookkeeping(store: str, figures: dict[str, float]) -> None:
    print(
        f"  {store:<10} bookkeeping alone (instant sender, 1000/s): {figures['rate']:7.1f} "
        f"messages/s, {figures['cpu_ms']:.2f} ms CPU per message"
    )


async def run_sqlite() -> None:
    for limit, count in SCENARIOS:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await asyncio.to_thread(upgrade, url)
            await fill(url, count=count)
            report("sqlite", limit, await drain(url, limit=limit, count=count))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        await fill(url, count=BOOKKEEPING)
        report_bookkeeping("sqlite", await bookkeeping(url, count=BOOKKEEPING))


async def run_postgres(admin_dsn: str) -> None:
    try:
        for limit, count in SCENARIOS:
            async with throwaway_database(admin_dsn=admin_dsn, prefix="dondoc_bench") as url:
                await asyncio.to_thread(upgrade, url)
                await fill(url, count=count)
                report("postgres", limit, await drain(url, limit=limit, count=count))
        async with throwaway_database(admin_dsn=admin_dsn, prefix="dondoc_bench") as url:
            await asyncio.to_thread(upgrade, url)
            await fill(url, count=BOOKKEEPING)
            report_bookkeeping("postgres", await bookkeeping(url, count=BOOKKEEPING))
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"  postgres   skipped: {exc}")


def main() -> None:
    """Run every scenario on both stores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print("Outbox dispatcher against a rate-limited fake Bot API (targets: ≥95% of 30/s with")
    print("no 429; ≥950/s at a 1,000/s limit on a quiet machine)")
    # Failed sends are expected here (429s when over the limit) and counted below.
    logging.basicConfig(level=logging.ERROR)
    ceiling = asyncio.run(bare_client(count=5_000))
    for name, label in (("aiogram", "aiogram's bot.send_message"), ("sender", "TelegramSender")):
        print(
            f"  reference: {label} alone, no store or limits: {ceiling[name]['rate']:.0f} "
            f"messages/s ({ceiling[name]['cpu_ms']:.2f} ms CPU per message) on this machine now"
        )
    asyncio.run(run_sqlite())
    asyncio.run(run_postgres(args.pg))


if __name__ == "__main__":
    main()
