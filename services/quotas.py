"""A chat platform's plan limits, per bot: the users a bot may have, the messages it may send
a month, and what happens when the platform says the quota is spent (Zalo's 429).

Zalo's Basic plan is the example: a bot serves a limited number of users and sends a limited
number of messages a month. The count of a month's messages lives in `ChannelMonth`, one row
per bot (channel) and month; coordinators are warned once when 80% is used, and told once
when the platform refuses for quota, until a send works again.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from models.tables import ChannelMonth, ChatIdentity, Person
from services.delivery import tell_coordinators
from services.unit_of_work import UnitOfWork
from views.delivery import (
    messages_nearly_used_notice,
    quota_spent_notice,
    users_nearly_full_notice,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanLimits:
    """What one bot's plan allows: users registered on it, messages sent a month."""

    users: int
    messages: int


@dataclass(frozen=True)
class CappedBot:
    """A bot whose plan caps its users: its channel, the name people find it by, the cap."""

    channel: str
    name: str
    user_cap: int


def warn_at(limit: int) -> int:
    """The count at which coordinators hear that `limit` is nearly reached: 80% of it,
    rounded up."""
    return max(1, -(-limit * 8 // 10))


def month_of(now: datetime) -> str:
    """The month a send is counted in ("2026-12", UTC)."""
    return now.astimezone(UTC).strftime("%Y-%m")


async def users_on(session: UnitOfWork, *, channel: str) -> int:
    """How many active people are registered on the bot behind `channel`."""
    count = await session.exec(
        select(sa.func.count())
        .select_from(ChatIdentity)
        .join(Person, col(Person.id) == col(ChatIdentity.person_id))
        .where(col(ChatIdentity.channel) == channel, col(Person.active).is_(True))
    )
    return int(count.one())


async def assign_bots(
    session: UnitOfWork, *, agency_ids: Sequence[int | None], bots: Sequence[CappedBot]
) -> list[CappedBot | None]:
    """Which bot each new invite should name, one expected user per invite, in order: the bot
    the agency's people are on while it has room, else the first bot with room; None when
    every bot is full. So a group of agencies fills one bot, and the next group the next."""
    if not bots:
        return [None for _ in agency_ids]
    seats = {bot.channel: await users_on(session, channel=bot.channel) for bot in bots}
    homes = await _agency_bots(session, agency_ids=agency_ids, channels=list(seats))
    chosen: list[CappedBot | None] = []
    for agency_id in agency_ids:
        with_room = [b for b in bots if seats[b.channel] < b.user_cap]
        home = homes.get(agency_id) if agency_id is not None else None
        bot = next((b for b in with_room if b.channel == home), None) or next(
            iter(with_room), None
        )
        if bot is not None:
            seats[bot.channel] += 1
            if agency_id is not None:
                homes.setdefault(agency_id, bot.channel)
        chosen.append(bot)
    return chosen


async def _agency_bots(
    session: UnitOfWork, *, agency_ids: Sequence[int | None], channels: list[str]
) -> dict[int, str]:
    """The bot each agency's registered people are on (the first found)."""
    wanted = [a for a in agency_ids if a is not None]
    if not wanted:
        return {}
    rows = await session.exec(
        select(Person.agency_id, ChatIdentity.channel)
        .join(ChatIdentity, col(ChatIdentity.person_id) == col(Person.id))
        .where(
            col(Person.agency_id).in_(wanted),
            col(Person.active).is_(True),
            col(ChatIdentity.channel).in_(channels),
        )
        .order_by(col(ChatIdentity.id))
    )
    homes: dict[int, str] = {}
    for agency_id, channel in rows.all():
        if agency_id is not None:
            homes.setdefault(agency_id, channel)
    return homes


async def warn_if_nearly_full(
    session: UnitOfWork, *, channel: str, bot: str, users: int, cap: int, now: datetime
) -> bool:
    """After a registration brought the bot to `users`: warn the coordinators once, when it
    reaches 80% of `cap` (exactly then, so one warning per crossing)."""
    if users != warn_at(cap):
        return False
    await tell_coordinators(
        session,
        render=lambda locale: users_nearly_full_notice(
            bot=bot, users=users, cap=cap, locale=locale
        ),
        now=now,
    )
    log.warning("Zalo bot %s has %d of its %d users", bot, users, cap)
    return True


async def _month(session: UnitOfWork, *, channel: str, now: datetime) -> ChannelMonth:
    month = month_of(now)
    query = select(ChannelMonth).where(
        col(ChannelMonth.channel) == channel, col(ChannelMonth.month) == month
    )
    row = (await session.exec(query)).first()
    if row is not None:
        return row
    try:
        # Another instance may create it at the same moment: then use theirs.
        async with session.begin_nested():
            row = ChannelMonth(channel=channel, month=month)
            session.add(row)
    except IntegrityError:
        row = (await session.exec(query)).one()
    return row


async def count_sent(
    session: UnitOfWork,
    *,
    channel: str,
    bot: str,
    messages: int,
    limit: int,
    now: datetime,
) -> int:
    """Add `messages` to the bot's count for the month; the month's total so far. The
    coordinators are warned once a month when 80% of `limit` is used."""
    row = await _month(session, channel=channel, now=now)
    total = (
        await session.exec(
            sa.update(ChannelMonth)
            .where(col(ChannelMonth.id) == row.id)
            .values(messages=ChannelMonth.messages + messages)
            .returning(col(ChannelMonth.messages))
        )
    ).scalar_one()
    if total >= warn_at(limit) and await _first(session, row, "warned_at", now):
        await tell_coordinators(
            session,
            render=lambda locale: messages_nearly_used_notice(
                bot=bot, messages=total, limit=limit, locale=locale
            ),
            now=now,
        )
        log.warning("Zalo bot %s has sent %d of its %d messages this month", bot, total, limit)
    return int(total)


async def quota_spent(session: UnitOfWork, *, channel: str, bot: str, now: datetime) -> bool:
    """The platform refused a send for quota: tell the coordinators, once until it works
    again; whether they were told now."""
    row = await _month(session, channel=channel, now=now)
    if not await _first(session, row, "exhausted_at", now):
        return False
    await tell_coordinators(
        session, render=lambda locale: quota_spent_notice(bot=bot, locale=locale), now=now
    )
    return True


async def quota_restored(session: UnitOfWork, *, channel: str, now: datetime) -> bool:
    """A send worked again: the next refusal for quota is news again; whether one was on."""
    result = await session.exec(
        sa.update(ChannelMonth)
        .where(col(ChannelMonth.channel) == channel, col(ChannelMonth.exhausted_at).is_not(None))
        .values(exhausted_at=None)
    )
    return bool(result.rowcount)


async def _first(session: UnitOfWork, row: ChannelMonth, column: str, now: datetime) -> bool:
    """Set the row's moment `column` if it is not set yet; whether this call set it (one
    conditional UPDATE, so two instances cannot both)."""
    unset = sa.column(column).is_(None)
    result = await session.exec(
        sa.update(ChannelMonth).where(col(ChannelMonth.id) == row.id, unset).values({column: now})
    )
    return bool(result.rowcount)
