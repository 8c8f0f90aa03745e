"""A sending process for the delivery tests: one outbox dispatcher, the real Telegram sender.

    python -m tests.fakes.dispatcher_worker --db URL --api BASE_URL --instance NAME

It drains the outbox of the given database through the fake (or any) Bot API until no unsent
row is left, then exits 0. Tests kill it with SIGKILL mid-way, start several at once, and count
what the API received.
"""

import argparse
import asyncio
import logging
import sys
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, func, select

from bot.channels.telegram.client import make_bot
from bot.channels.telegram.sender import TelegramSender
from bot.outbox.dispatcher import OutboxDispatcher
from bot.outbox.limits import ChannelLimits, RetryPolicy
from bot.settings import load_settings
from models.db import make_engine
from models.enums import OutboxState
from models.tables import Outbox
from services.clock import system_clock
from services.unit_of_work import Sessions, make_sessionmaker
from tests.fakes.telegram_api import DEFAULT_TOKEN
from views.messages import Outgoing


class CountingSender:
    """The Telegram sender, counting what it delivered (printed at exit)."""

    channel = "telegram"

    def __init__(self, sender: TelegramSender) -> None:
        self._sender = sender
        self.delivered = 0

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Send through the real sender and count it."""
        provider_id = await self._sender.send(chat_id, message)
        self.delivered += 1
        return provider_id


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="SQLAlchemy async URL of the store")
    parser.add_argument("--api", required=True, help="Bot API base URL")
    parser.add_argument("--instance", required=True, help="this instance's id")
    parser.add_argument("--rate", type=float, default=30.0, help="messages per second")
    parser.add_argument("--chat-interval", type=float, default=1.0, help="seconds per chat")
    parser.add_argument("--lease", type=float, default=60.0, help="claim lease in seconds")
    parser.add_argument(
        "--go", default=None, help="print 'ready', then wait for this file before sending"
    )
    return parser.parse_args(argv)


async def unsent(sessions: Sessions) -> int:
    """Rows not yet sent or failed."""
    async with sessions() as session:
        result = await session.exec(
            select(func.count())
            .select_from(Outbox)
            .where(col(Outbox.state).in_([OutboxState.PENDING.value, OutboxState.SENDING.value]))
        )
        return int(result.one())


async def main(argv: list[str]) -> int:
    args = arguments(argv)
    logging.basicConfig(
        level=logging.WARNING, format=f"%(asctime)s {args.instance} %(levelname)s %(message)s"
    )
    settings = load_settings(
        _env_file=None, telegram_token=DEFAULT_TOKEN, telegram_api_base=args.api
    )
    engine = make_engine(args.db)
    sessions = make_sessionmaker(engine)
    bot = make_bot(settings, timeout=10)
    sender = CountingSender(TelegramSender(bot))
    dispatcher = OutboxDispatcher(
        sessions=sessions,
        senders={"telegram": sender},
        clock=system_clock,
        limits={
            "telegram": ChannelLimits(
                per_second=args.rate, private_chat_interval=args.chat_interval
            )
        },
        instance_id=args.instance,
        retry=RetryPolicy(max_attempts=50, base_delay=0.1, max_delay=2.0),
        lease=timedelta(seconds=args.lease),
        idle_poll=0.2,
    )
    if args.go is not None:
        # Started together, whatever the machine's load: each waits until all are ready.
        print("ready", flush=True)
        while not Path(args.go).exists():
            await asyncio.sleep(0.01)
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    try:
        while await unsent(sessions):
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await running
        await bot.session.close()
        await engine.dispose()
    print(f"delivered {sender.delivered}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
