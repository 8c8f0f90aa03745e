"""Shared by the delivery tests and benchmarks: a reminder fan-out, worker processes, counting."""

import asyncio
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

from sqlmodel import col, func, select

from models.tables import Outbox
from services.outbox import enqueue
from services.unit_of_work import Sessions, transaction
from tests.fakes.telegram_api import FakeTelegramAPI
from views.buttons import ButtonAction, ButtonPress, encode
from views.messages import Button, Outgoing, ReminderItem

ROOT = Path(__file__).resolve().parents[2]
_KEY = re.compile(r"\bR(\d{5})\b")


def reminder(number: int) -> Outgoing:
    """Reminder number `number`, whose text carries a unique key R00001..."""
    item = ReminderItem(number=1, assignment_id=number)
    return Outgoing(
        text=f"🔔 Nhắc việc R{number:05d}: #{number} III.12 Xây dựng kho dữ liệu (hạn 31/12/2023)",
        items=(item,),
        buttons=(
            (
                Button("✅ Xong", encode(ButtonPress(ButtonAction.DONE, number))),
                Button("🔄 Đang làm", encode(ButtonPress(ButtonAction.PROGRESS, number))),
            ),
        ),
    )


async def fan_out(sessions: Sessions, *, count: int, chats: int, now: datetime) -> None:
    """Write `count` reminders to the outbox, spread over `chats` chats, in one transaction."""
    async with transaction(sessions) as session:
        for number in range(1, count + 1):
            await enqueue(
                session,
                channel="telegram",
                chat_id=str(100_000 + number % chats),
                message=reminder(number),
                now=now,
                kind="reminder",
            )


def received(api: FakeTelegramAPI) -> Counter[int]:
    """How often the API accepted each reminder key."""
    keys: Counter[int] = Counter()
    for call in api.delivered("sendMessage"):
        match = _KEY.search(call.text or "")
        if match:
            keys[int(match.group(1))] += 1
    return keys


def in_chat_order(api: FakeTelegramAPI) -> bool:
    """Whether every chat received its reminders in the order they were written."""
    by_chat: dict[str, list[int]] = {}
    for call in api.delivered("sendMessage"):
        match = _KEY.search(call.text or "")
        if match and call.chat_id is not None:
            by_chat.setdefault(call.chat_id, []).append(int(match.group(1)))
    return all(keys == sorted(keys) for keys in by_chat.values())


async def unsent_rows(sessions: Sessions, state: str) -> int:
    """How many outbox rows are in one state."""
    async with sessions() as session:
        result = await session.exec(
            select(func.count()).select_from(Outbox).where(col(Outbox.state) == state)
        )
        return int(result.one())


async def start_worker(
    *,
    db_url: str,
    api: FakeTelegramAPI,
    instance: str,
    capture: bool = False,
    go: Path | None = None,
    **options: float,
) -> asyncio.subprocess.Process:
    """Start tests.fakes.dispatcher_worker as a separate process (given `go`, it prints
    "ready" and waits for that file before sending)."""
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    if go is not None:
        flags.append(f"--go={go}")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.dispatcher_worker",
        f"--db={db_url}",
        f"--api={api.base_url}",
        f"--instance={instance}",
        *flags,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE if capture else None,
    )
