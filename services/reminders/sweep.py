"""The reminder sweep: plan (domain.reminders), word, write (escalation: `escalation`)."""

import asyncio
import logging
from collections import deque
from collections.abc import AsyncGenerator, Coroutine, Iterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from domain.indicators.collection import indicator_of
from domain.plans import PSEUDO_GROUPS
from domain.reminders import (
    NO_OFFICER,
    Notice,
    OpenTarget,
    Plan,
    Reason,
    Reminder,
    SeriesBook,
    due_now,
    plan,
)
from domain.targets import agency_key
from models.enums import OutboxKind
from services.outbox import Wake
from services.reminders.chunks import agency_chunks
from services.reminders.history import recorded_of, target_info
from services.reminders.load import (
    ReminderSettings,
    Store,
    assignments_wanted,
    load_store,
    read_people,
)
from services.reminders.steps import move_on, next_steps
from services.reminders.write import (
    COLLECTOR,
    Bundle,
    Prepared,
    prepared,
    write_bundles,
    write_prepared,
)
from services.unit_of_work import Sessions
from views.digests import notice_digest
from views.indicators import IndicatorInfo
from views.messages import Outgoing
from views.reminders import (
    ReminderWording,
    TargetInfo,
    reminder_messages,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Assignments planned and written at a time (a little more, to keep an agency's together):
# what a sweep holds grows with this, not with the store. A sweep holds two chunks worded
# at once (_ChunkWrites: one written while the next is worded); 1,000 is as fast as 2,000
# at a million assignments (bench.sweep) and holds less (bench.run_memory).
CHUNK = 1000
# Chunks written at a time, each in a transaction of its own (_ChunkWrites), by dialect:
# SQLite writes one transaction at a time (a second would only wait for the first's lock).
WRITES_AT_ONCE = {"postgresql": 2}
# Dialects whose sweep finds the due assignments' ids first and reads each chunk by id
# (chunks.assignment_chunks): PostgreSQL then finds them on parallel workers. SQLite has
# none, and reads the due rows in one pass as fast.
READ_BY_ID = {"postgresql"}


@dataclass(frozen=True)
class SweepResult:
    """What one reminder sweep read, planned and wrote."""

    messages: int = 0
    reminders: int = 0
    skipped: int = 0
    notices: int = 0
    conflicts: int = 0
    unreported_agencies: tuple[str, ...] = ()
    # How much work it did (the benchmarks' units), not what it did: left out of equality.
    # Open targets read, and those with a reminder step fallen due (sent before or not).
    read: int = field(default=0, compare=False)
    due: int = field(default=0, compare=False)


async def sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None = None,
    incremental: bool = True,
) -> SweepResult:
    """Send every reminder that has fallen due, once, bundled per person.

    Incremental (the default): only the assignments whose next step has come are planned
    (services.reminders.steps); otherwise every open one within reach, as a full re-plan
    does. Either way each planned assignment's next step is written after."""
    if not settings.hours.is_open(now):
        return SweepResult()
    with COLLECTOR.paused():
        return await _sweep(
            sessions, settings=settings, now=now, wake=wake, incremental=incremental
        )


@dataclass
class _Chunk:
    """What one chunk of a sweep (one range of agencies) planned and wrote."""

    result: SweepResult
    notices: list[Notice]
    # What the notices show of their tasks: they are written once every chunk is planned.
    info: dict[str, TargetInfo]
    unreported: tuple[int, ...]


async def _sweep(
    sessions: Sessions,
    *,
    settings: ReminderSettings,
    now: datetime,
    wake: Wake | None,
    incremental: bool,
) -> SweepResult:
    hours = settings.hours
    # The reading session streams the assignments while each chunk is planned and written
    # in sessions of its own: a chunk written stays written, and a failure leaves the
    # chunks after it due for the next sweep (_ChunkWrites).
    pipeline = _ChunkWrites(sessions)
    # What the chunks share of the calendar's arithmetic: the steps of each due date.
    book = SeriesBook(hours, hours.today(now))
    next_days: dict[tuple[date, int, bool], date] = {}
    try:
        async with sessions() as reader:
            dialect = (await reader.connection()).dialect
            pipeline.at_once = WRITES_AT_ONCE.get(dialect.name, 1)
            store = await load_store(
                reader,
                settings=settings,
                now=now,
                remind_through=hours.today(now),
                blocked_any=False,
                incremental=incremental,
                assignments=False,
            )
            read_by_id = dialect.name in READ_BY_ID
            statement = assignments_wanted(
                store,
                remind_cooperating=settings.remind_cooperating,
                blocked_any=False,
                step_by=hours.today(now) if incremental else None,
                candidates=read_by_id,
            )
            # Each chunk's assignments read again by id, as they stand (assignment_chunks).
            # (Without step_by, one SELECT: no union.)
            by_id = (
                cast(
                    sa.Select[Any],
                    assignments_wanted(
                        store,
                        remind_cooperating=settings.remind_cooperating,
                        blocked_any=False,
                        step_by=None,
                    ),
                )
                if read_by_id
                else None
            )

            async def planning() -> AsyncGenerator[asyncio.Future[_Planned], None]:
                async for targets, seen in agency_chunks(
                    reader, statement, store=store, size=CHUNK, by_id=by_id
                ):
                    await read_people(
                        reader, store, now=now, agencies={t.agency_id for t in targets}
                    )
                    yield asyncio.ensure_future(
                        _plan_chunk(
                            sessions, store, targets, seen, settings=settings, now=now, book=book
                        )
                    )

            # The chunks after this one are read and planned while it is worded, and it is
            # worded while the chunks before are written: Python works while the database
            # reads or writes.
            async with aclosing(_ahead(planning())) as chunks:
                async for planned in chunks:
                    ready = planned.render(
                        store, settings=settings, dialect=dialect, next_days=next_days
                    )
                    await pipeline.start(
                        ready.write(sessions, wake=wake), seen=ready.seen, days=ready.days
                    )
            await pipeline.finish()
    finally:
        await pipeline.drain()
    done = pipeline.done
    notices = await _write_notices(
        sessions,
        [n for chunk in done for n in chunk.notices],
        info={k: v for chunk in done for k, v in chunk.info.items()},
        store=store,
        dialect=dialect,
        now=now,
        wake=wake,
    )
    unreported = tuple(
        store.agencies.get(a, (str(a), ""))[0] for chunk in done for a in chunk.unreported
    )
    if unreported:
        log.warning(
            "agencies with nobody registered and no coordinator to tell: %s",
            ", ".join(unreported),
        )
    results = [chunk.result for chunk in done]
    return SweepResult(
        messages=sum(r.messages for r in results) + notices.messages,
        reminders=sum(r.reminders for r in results),
        skipped=sum(r.skipped for r in results),
        notices=notices.notices,
        conflicts=sum(r.conflicts for r in results) + notices.conflicts,
        unreported_agencies=unreported,
        read=sum(r.read for r in results),
        due=sum(r.due for r in results),
    )


async def _ahead(futures: AsyncGenerator[asyncio.Future[T], None]) -> AsyncGenerator[T, None]:
    """The results of the futures `futures` makes, in order. The next future is being made
    (in a task of its own) while the caller works on a result, and it runs meanwhile: two
    are under way at most. A caller that fails leaves none behind (they are cancelled)."""
    pending = asyncio.ensure_future(anext(futures, None))
    current: asyncio.Future[T] | None = None
    try:
        while (current := await pending) is not None:
            pending = asyncio.ensure_future(anext(futures, None))
            # Let it send its query before the caller's Python work holds the loop.
            await asyncio.sleep(0)
            yield await current
    finally:
        pending.cancel()
        await asyncio.wait([pending])
        left = [current] if current is not None else []
        if not pending.cancelled() and pending.exception() is None and pending.result():
            left.append(cast(asyncio.Future[T], pending.result()))
        for future in left:
            future.cancel()
        if left:
            await asyncio.wait(left)
        for future in left:
            if not future.cancelled():
                future.exception()  # retrieved: the failure that matters is already raised
        await futures.aclose()


class _ChunkWrites:
    """The writes of a sweep's chunks, beside the planning of the chunks after them.

    Up to `at_once` chunks write at a time, each in its own transaction (they are whole
    agencies: no two touch the same rows). Once a chunk's reminders are written, in the
    order the chunks came, its next days move on (steps.move_on, one update at a time, on a
    connection of its own) while later chunks write: the database then works while Python
    plans and words, where they would take turns. A chunk's days move only once its
    reminders are written.
    """

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        # Chunks written at a time (WRITES_AT_ONCE), set once the dialect is known.
        self.at_once = 1
        # Each chunk being written, with its next_step_on as read and its next days
        # (steps.move_on): they go to its update once it is written, and no further.
        self._writing: deque[
            tuple[asyncio.Future[_Chunk], dict[int, date | None], dict[int, date]]
        ] = deque()
        self._moving: asyncio.Future[int] | None = None
        self.done: list[_Chunk] = []

    async def start(
        self,
        write: Coroutine[Any, Any, _Chunk],
        *,
        seen: dict[int, date | None],
        days: dict[int, date],
    ) -> None:
        """Write a chunk, once fewer than `at_once` are being written; then move its
        assignments' next steps from `seen` to `days`."""
        try:
            while len(self._writing) >= self.at_once:
                await self._written()
        except BaseException:
            write.close()
            raise
        self._writing.append((asyncio.ensure_future(write), seen, days))

    async def finish(self) -> None:
        """Wait for the chunks' writes and their days' moves."""
        while self._writing:
            await self._written()
        await self._moved()

    async def drain(self) -> None:
        """After a failure: let what is under way finish (or fail) on its own; the first
        failure is the one raised."""
        pending: list[asyncio.Future[Any]] = [writing for writing, _seen, _days in self._writing]
        self._writing.clear()
        if self._moving is not None:
            pending.append(self._moving)
            self._moving = None
        for future in pending:
            try:
                await future
            except Exception:
                log.exception("writing a chunk of reminders failed too")

    async def _written(self) -> None:
        """Wait for the oldest chunk's write, then start moving its days on."""
        writing, seen, days = self._writing.popleft()
        self.done.append(await writing)
        await self._moved()
        self._moving = asyncio.ensure_future(move_on(self._sessions, seen=seen, days=days))

    async def _moved(self) -> None:
        moving, self._moving = self._moving, None
        if moving is not None:
            await moving


@dataclass
class _Planned:
    """One chunk's reminders, planned and not yet written."""

    targets: list[OpenTarget]
    seen: dict[int, date | None]
    due: int
    decided: Plan
    notices: list[Notice]
    info: dict[str, TargetInfo]
    indicators: dict[str, IndicatorInfo]
    now: datetime

    def render(
        self,
        store: Store,
        *,
        settings: ReminderSettings,
        dialect: sa.Dialect,
        next_days: dict[tuple[date, int, bool], date],
    ) -> "_Rendered":
        """Word the reminders, in rows ready to insert, and find the chunk's next days."""
        hours, now = settings.hours, self.now
        bundles = _reminder_bundles(
            self.decided.by_person(),
            store=store,
            info=self.info,
            indicators=self.indicators,
            settings=settings,
            now=now,
        )
        noticed = {t.key for n in self.notices for t in n.targets}
        return _Rendered(
            rows=list(prepared(bundles, dialect=dialect, now=now)),
            dialect=dialect,
            now=now,
            chunk=_Chunk(
                SweepResult(read=len(self.targets), due=self.due),
                self.notices,
                {key: value for key, value in self.info.items() if key in noticed},
                self.decided.unreported,
            ),
            seen=self.seen,
            days=next_steps(
                self.targets, self.seen, store=store, hours=hours, now=now, days=next_days
            ),
        )


@dataclass
class _Rendered:
    """One chunk's reminders, worded, in rows ready to insert."""

    rows: list[Prepared]
    dialect: sa.Dialect
    now: datetime
    chunk: _Chunk
    # Each assignment's next_step_on as read, and the day to move it to (steps.move_on).
    seen: dict[int, date | None]
    days: dict[int, date]

    async def write(self, sessions: Sessions, *, wake: Wake | None) -> _Chunk:
        """Write the reminders; the chunk, with what was written. Its next days are moved on
        by the caller, only once this has returned."""
        written = await write_prepared(
            sessions, self.rows, dialect=self.dialect, now=self.now, wake=wake
        )
        self.rows = []
        result = replace(
            self.chunk.result,
            messages=written.messages,
            reminders=written.items,
            skipped=written.skipped,
            conflicts=written.conflicts,
        )
        return replace(self.chunk, result=result)


async def _plan_chunk(
    sessions: Sessions,
    store: Store,
    targets: list[OpenTarget],
    seen: dict[int, date | None],
    *,
    settings: ReminderSettings,
    now: datetime,
    book: SeriesBook,
) -> _Planned:
    """Plan the reminders of some agencies' targets."""
    hours = settings.hours
    dues = due_now(targets, hours=hours, now=now, book=book)
    # Every ledger row of the due targets: what was sent, and what `plan` must know of
    # their history. And whether the agencies nobody receives for were reported.
    keys = {d.target.key for d in dues}
    keys.update(
        agency_key(d.target.agency_id) for d in dues if d.target.agency_id not in store.recipients
    )
    async with sessions() as session:
        recorded = await recorded_of(session, keys)
        decided = plan(
            dues,
            recipients=store.recipients,
            coordinators=store.coordinators,
            recorded=recorded,
            seen=recorded.targets,
            snoozes=store.snoozes,
            hours=hours,
            now=now,
            book=book,
        )
        del recorded
        notices = [
            notice
            for notice in decided.notices
            # A group that names nobody has no officer to find; a store imported before such
            # groups were left unassigned may still hold work of theirs (re-importing
            # cancels it).
            if store.agencies.get(notice.agency_id, ("", ""))[0] not in PSEUDO_GROUPS
        ]
        info = await target_info(
            session,
            [
                *(r.target for r in decided.reminders),
                # A digest of agencies nobody registered for names their tasks once each.
                *(t for n in notices for t in n.targets if indicator_of(t.key) is None),
            ],
        )
    indicators = store.owed.info((r.target for r in decided.reminders), agencies=store.agencies)
    return _Planned(targets, seen, len(dues), decided, notices, info, indicators, now)


async def _write_notices(
    sessions: Sessions,
    notices: list[Notice],
    *,
    info: Mapping[str, TargetInfo],
    store: Store,
    dialect: sa.Dialect,
    now: datetime,
    wake: Wake | None,
) -> SweepResult:
    """One digest per coordinator of the agencies nobody receives reminders for."""
    by_person: dict[int, list[Notice]] = {}
    for notice in notices:
        by_person.setdefault(notice.person_id, []).append(notice)
    bundles = []
    for person_id, theirs in sorted(by_person.items()):
        contact = store.contacts[person_id]
        parts = notice_digest(
            theirs,
            info=info,
            agencies=store.agencies,
            locale=contact.locale,
            channel=contact.channel,
        )
        keys = [(n.key, NO_OFFICER) for n in theirs]
        # The first part records every agency, so a digest is sent whole or not at all.
        messages = [(part, keys if index == 0 else []) for index, part in enumerate(parts)]
        bundles.append(Bundle(contact, OutboxKind.NOTICE, messages, [], len(theirs)))
    if not bundles:
        return SweepResult()
    written = await write_bundles(sessions, bundles, dialect=dialect, now=now, wake=wake)
    return SweepResult(
        messages=written.messages, notices=written.items, conflicts=written.conflicts
    )


def _reminder_bundles(
    by_person: Mapping[int, list[Reminder]],
    *,
    store: Store,
    info: Mapping[str, TargetInfo],
    indicators: Mapping[str, IndicatorInfo],
    settings: ReminderSettings,
    now: datetime,
) -> Iterator[Bundle]:
    today = settings.hours.today(now)
    wordings: dict[str, ReminderWording] = {}
    # The officers of one agency usually get the same items: render each text once, and
    # remember which targets each message carries.
    rendered: dict[tuple[str, tuple[tuple[str, Reason], ...]], list[tuple[Outgoing, list[str]]]]
    rendered = {}
    for person_id, reminders in by_person.items():
        contact = store.contacts[person_id]
        signature = (contact.locale, tuple((r.target.key, r.reason) for r in reminders))
        if signature not in rendered:
            wording = wordings.get(contact.locale) or wordings.setdefault(
                contact.locale,
                ReminderWording(contact.locale, today=today, hours=settings.hours),
            )
            rendered[signature] = [
                (message, [r.target.key for r in part])
                for message, part in reminder_messages(
                    reminders, info=info, wording=wording, indicators=indicators
                )
            ]
        theirs = {r.target.key: r for r in reminders}
        messages = []
        for message, keys in rendered[signature]:
            part = [theirs[key] for key in keys]
            messages.append(
                (message, [(r.target.key, k) for r in part for k in (r.kind, *r.covers)])
            )
        shown = [theirs[key] for _message, keys in rendered[signature] for key in keys]
        skipped = [(r.target.key, kind) for r in shown for kind in r.skipped]
        yield Bundle(contact, OutboxKind.REMINDER, messages, skipped, len(shown))
