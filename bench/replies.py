"""Status replies handled per second through the real aiogram dispatcher. Prints its figures.

    python -m bench.replies [--officers 300] [--replies 3] [--rounds 5]
        [--store both|sqlite|postgres] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Each officer has a reminder that was delivered; they answer it ("40%", "đang làm 70%",
"xong", replying to the reminder) through Telegram updates fed to the production aiogram
Dispatcher (setup_dispatcher), with up to 32 updates in progress as a webhook would have. Next
to it, in the same run, a bare aiogram echo handler answers the same updates straight away
(one sendMessage each). The two take turns, round after round (officers × replies updates
each), so that a slow patch of a shared machine hits both; the figures are the medians over
the rounds, and each round's ratio is printed too. Target: status replies at least half the
echo rate, on SQLite and on PostgreSQL.

Two figures for the replies:
* handled: every update has gone through the dispatcher and its change, history row and
  confirmation are committed (for a webhook, the moment Telegram could get its 200 and
  nothing can be lost);
* confirmed: every confirmation has also reached the fake Bot API through the outbox
  dispatcher, which sends at the unlimited rate of the fake (Telegram itself allows a bot
  30 messages/s, so in production this part is paced by the limit, not by the code).
A third figure, the conversation core handling the same kind of replies directly, shows how
much of the time is the core's own and how much the Telegram adapter and the outbox add.
"""

import argparse
import asyncio
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from statistics import median
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message, Update
from sqlmodel import col, func, select

from bench.dispatcher import api_calls, start_api
from bench.timing import measured
from bot.bootstrap import build, sender_only
from bot.channels.telegram.client import make_bot
from bot.channels.telegram.inbound import incoming_from_message, setup_dispatcher
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.limits import ChannelLimits
from bot.runtime import freeze_startup_objects
from bot.settings import Settings, load_settings
from models.db import make_engine
from models.enums import OutboxState
from models.migrate import upgrade
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    Outbox,
    Person,
    Plan,
    StatusChange,
    Task,
)
from services.clock import system_clock
from tests.databases import throwaway_database
from tests.fakes.telegram_api import DEFAULT_TOKEN
from views.messages import Incoming, Outgoing, ReminderItem

REPLIES = ("40%", "đang làm 70%", "xong")
CONCURRENCY = 32
NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)


def chat_of(officer: int) -> int:
    return 700_000 + officer


def reminder_id(officer: int) -> int:
    """The Bot API's id of the officer's reminder: far above the ids the fake API gives the
    messages sent during the run, as a real chat's later messages never reuse an id."""
    return 10_000_000 + officer


async def fill(url: str, *, officers: int) -> None:
    """One agency, one plan, and per officer: a person, a chat, a task, a delivered reminder."""
    engine = make_engine(url)
    numbers = range(1, officers + 1)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(Agency),
                [
                    {
                        "id": 1,
                        "code": "STTTT",
                        "name": "Sở Thông tin và Truyền thông",
                        "kind": "so",
                        "aliases": [],
                        "member_of": [],
                        "is_group": False,
                    }
                ],
            )
            await connection.execute(
                sa.insert(Plan),
                [
                    {
                        "id": 1,
                        "source_key": "bench",
                        "ref": "40/KH-UBND",
                        "title": "Kế hoạch",
                        "plan_year": 2023,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                ],
            )
            await connection.execute(
                sa.insert(Task),
                [
                    {
                        "id": n,
                        "plan_id": 1,
                        "code": f"III.{n}",
                        "title": f"Nhiệm vụ {n}",
                        "source_kind": "appendix-table",
                        "due_kind": "quarter",
                        "due_date": date(2023, 12, 31),
                        "strictly_before": False,
                        "open_ended": False,
                        "recipients": [],
                        "problems": [],
                        "removed": False,
                    }
                    for n in numbers
                ],
            )
            await connection.execute(
                sa.insert(Assignment),
                [
                    {
                        "id": n,
                        "task_id": n,
                        "agency_id": 1,
                        "role": "lead",
                        "status": "not_started",
                        "progress": 0,
                    }
                    for n in numbers
                ],
            )
            await connection.execute(
                sa.insert(Person),
                [
                    {
                        "id": n,
                        "name": f"Cán bộ {n}",
                        "role": "officer",
                        "locale": "vi",
                        "agency_id": 1,
                        "active": True,
                        "created_at": NOW,
                    }
                    for n in numbers
                ],
            )
            await connection.execute(
                sa.insert(ChatIdentity),
                [
                    {
                        "id": n,
                        "person_id": n,
                        "channel": "telegram",
                        "chat_id": str(chat_of(n)),
                        "created_at": NOW,
                    }
                    for n in numbers
                ],
            )
            reminder = {
                "channel": "telegram", "kind": "reminder", "state": OutboxState.SENT.value,
                "attempts": 1, "next_attempt_at": NOW, "created_at": NOW, "sent_at": NOW,
            }  # fmt: skip
            await connection.execute(
                sa.insert(Outbox),
                [
                    {
                        **reminder,
                        "chat_id": str(chat_of(n)),
                        "person_id": n,
                        "provider_message_id": str(reminder_id(n)),
                        "payload": Outgoing(
                            text="🔔 Nhắc việc", items=(ReminderItem(1, n),)
                        ).to_payload(),
                    }
                    for n in numbers
                ],
            )
        # Statistics, as autovacuum keeps them in a store that has been in use (SQLite's
        # planner needs none here).
        if url.startswith("postgresql"):
            async with engine.connect() as connection:
                await connection.execute(sa.text("COMMIT"))
                await connection.execute(sa.text("ANALYZE"))
    finally:
        await engine.dispose()


def updates(bot: Bot, *, officers: int, replies: int, first_round: int = 0) -> list[Update]:
    """Each officer's replies to their reminder, in rounds (one per officer per round)."""
    now = int(time.time())
    made = []
    for round_ in range(first_round, first_round + replies):
        for n in range(1, officers + 1):
            user = {"id": chat_of(n), "is_bot": False, "first_name": f"Cán bộ {n}",
                    "language_code": "vi"}  # fmt: skip
            chat = {"id": chat_of(n), "type": "private", "first_name": f"Cán bộ {n}"}
            update_id = round_ * officers + n
            made.append(
                Update.model_validate(
                    {
                        "update_id": update_id,
                        "message": {
                            "message_id": 10_000 + update_id,
                            "date": now,
                            "chat": chat,
                            "from": user,
                            "text": REPLIES[round_ % len(REPLIES)],
                            "reply_to_message": {
                                "message_id": reminder_id(n),
                                "date": now,
                                "chat": chat,
                                "text": "🔔 Nhắc việc",
                            },
                        },
                    },
                    context={"bot": bot},
                )
            )
    return made


async def feed(dispatcher: Dispatcher, bot: Bot, batch: list[Update]) -> None:
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(update: Update) -> None:
        async with slots:
            await dispatcher.feed_update(bot, update)

    await asyncio.gather(*(one(update) for update in batch))


async def echo_rate(bot: Bot, batch: list[Update]) -> float:
    """Updates per second through a bare aiogram echo handler (one sendMessage each)."""
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    started = time.perf_counter()
    await feed(dispatcher, bot, batch)
    return len(batch) / (time.perf_counter() - started)


class Replies:
    """The production Telegram path over one store, kept running across rounds as a server
    would be: the aiogram Dispatcher, the conversation and the outbox dispatcher."""

    def __init__(self, url: str, bot: Bot, *, api: str) -> None:
        self._bot = bot
        self._api = api
        settings: Settings = load_settings(_env_file=None, database_url=url)
        # Built as `dondoc run` builds it; only the Bot API's updates are fed by hand.
        self._service = build(
            settings,
            channels={"telegram": sender_only(TelegramSender(bot))},
            limits={"telegram": ChannelLimits(per_second=10_000, private_chat_interval=0)},
            serve_http=False,
            schedule=False,
        )
        self._sessions = self._service.app.sessions
        self._dispatcher = setup_dispatcher(
            conversation=self._service.conversation, clock=system_clock
        )
        self._confirmed = 0

    async def __aenter__(self) -> "Replies":
        await self._service.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._service.stop()

    async def rate(self, batch: list[Update]) -> tuple[float, float]:
        """Status replies per second: until every update was handled (the change and its
        confirmation committed), and until every confirmation reached the API."""
        self._confirmed += len(batch)
        # time.monotonic is the clock the fake API stamps each call with (one per machine).
        started = time.monotonic()
        await feed(self._dispatcher, self._bot, batch)
        handled = time.monotonic() - started
        await until(lambda: confirmations(self._sessions), self._confirmed)
        # When the last confirmation reached the API, not when the store noted it (the
        # dispatcher records deliveries in shared commits, and this loop polls).
        calls = await asyncio.to_thread(api_calls, self._api)
        sent = [
            float(str(call["at"]))
            for call in calls
            if call["method"] == "sendMessage" and call["status"] == 200
        ]
        elapsed = max(at for at in sent if at >= started) - started
        return len(batch) / handled, len(batch) / elapsed

    async def history(self) -> int:
        async with self._sessions() as session:
            found = await session.exec(select(func.count()).select_from(StatusChange))
            return int(found.one())


async def conversation_rate(url: str, batch: list[Update]) -> tuple[float, float]:
    """The same replies handed to the conversation directly: no aiogram, no sending.
    Replies per second, and SQL statements per reply."""
    engine = make_engine(url)
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    settings: Settings = load_settings(_env_file=None, database_url=url)
    conversation = build(
        settings, channels={}, engine=engine, serve_http=False, schedule=False, dispatch=False
    ).conversation
    incoming = [
        incoming_from_message(update.message, at=system_clock())
        for update in batch
        if update.message is not None
    ]
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(message: Incoming) -> None:
        async with slots:
            await conversation.handle(message)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(one(message) for message in incoming))
        return len(incoming) / (time.perf_counter() - started), statements / len(incoming)
    finally:
        await engine.dispose()


async def confirmations(sessions: Any) -> int:
    async with sessions() as session:
        result = await session.exec(
            select(func.count())
            .select_from(Outbox)
            .where(col(Outbox.kind) != "reminder", col(Outbox.state) == OutboxState.SENT.value)
        )
        return int(result.one())


async def until(count: Callable[[], Awaitable[int]], expected: int) -> None:
    while await count() < expected:
        await asyncio.sleep(0.05)


async def measure(store: str, url: str, *, officers: int, replies: int, rounds: int) -> None:
    """`rounds` alternations of the echo and the status replies over the same updates, so
    that a slow patch of a shared machine hits both; the medians are the figures."""
    await fill(url, officers=officers)
    process, base_url = await start_api(per_second=1_000_000, chat_interval=None)
    bot = make_bot(
        load_settings(_env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=base_url)
    )
    echoes: list[float] = []
    handled: list[float] = []
    confirmed: list[float] = []
    echo_cpu: list[float] = []
    reply_cpu: list[float] = []
    try:
        batches = [
            updates(bot, officers=officers, replies=replies, first_round=n * replies)
            for n in range(rounds + 1)
        ]
        # As `dondoc run` does once it has started; the echo is measured the same way.
        freeze_startup_objects()
        async with Replies(url, bot, api=base_url) as path:
            for batch in batches[:rounds]:
                echo, _, cpu = await measured(echo_rate(bot, batch))
                echoes.append(echo)
                echo_cpu.append(cpu / len(batch))
                (handled_rate, confirmed_rate), _, cpu = await measured(path.rate(batch))
                handled.append(handled_rate)
                confirmed.append(confirmed_rate)
                reply_cpu.append(cpu / len(batch))
            history = await path.history()
        core, queries = await conversation_rate(url, batches[rounds])
    finally:
        await bot.session.close()
        process.terminate()
        await process.wait()
    shares = [h / e for h, e in zip(handled, echoes, strict=True)]
    confirmed_shares = [c / e for c, e in zip(confirmed, echoes, strict=True)]
    print(
        f"  {store:<10} echo {median(echoes):7.1f}/s; status replies handled "
        f"{median(handled):7.1f}/s ({100 * median(shares):5.1f}% of echo), confirmed "
        f"{median(confirmed):7.1f}/s ({100 * median(confirmed_shares):5.1f}% of echo)\n"
        f"  {'':<10} handled/echo per round: {', '.join(f'{100 * s:.0f}%' for s in shares)}; "
        f"CPU per update: echo {1000 * median(echo_cpu):.2f} ms, "
        f"reply {1000 * median(reply_cpu):.2f} ms\n"
        f"  {'':<10} ({rounds} rounds of {len(batches[0])} updates, {history} history rows); "
        f"the conversation alone, without aiogram or sending: {core:.1f}/s, "
        f"{queries:.1f} SQL statements per reply"
    )


async def run_sqlite(officers: int, replies: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)
        await measure("sqlite", url, officers=officers, replies=replies, rounds=rounds)


async def run_postgres(admin_dsn: str, officers: int, replies: int, rounds: int) -> None:
    try:
        async with throwaway_database(admin_dsn=admin_dsn, prefix="dondoc_bench") as url:
            await asyncio.to_thread(upgrade, url)
            await measure("postgres", url, officers=officers, replies=replies, rounds=rounds)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"  postgres   skipped: {exc}")


def main() -> None:
    """Measure on both stores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--replies", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--store", choices=("both", "sqlite", "postgres"), default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # aiogram logs every update it handles at INFO; that is not what is measured.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    print("Status replies through the real aiogram dispatcher vs a bare echo handler")
    print("(target: at least half the echo rate)")
    if args.store != "postgres":
        asyncio.run(run_sqlite(args.officers, args.replies, args.rounds))
    if args.store != "sqlite":
        asyncio.run(run_postgres(args.pg, args.officers, args.replies, args.rounds))


if __name__ == "__main__":
    main()
