"""The demo: the real bot on a throw-away SQLite store, with a clock the user moves.

`prepare` loads the shipped agency registry and the seed plans of the demo's year with their
indicators (through the real importer, `save_plan` and `save_indicators`) and registers three
demo people by invite, each bound to a console chat; every step is idempotent, so a second
run updates in place and duplicates nothing. `Demo.converse` then runs the console chat
(`ConsoleChat`) as one of them. What belongs to the demo alone: the clock (`/tick` moves it
into the next send window and runs the sweep and the escalation there), the persona (`/as`;
what the bot sends the others waits in their inbox), and echoing piped input so a transcript
reads as a chat. The demo's data directory sits next to its store, so /summary's chart and
spreadsheet land there."""

import itertools
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TextIO

from bot.bootstrap import App, Service, reminder_settings
from bot.channels.console import CHANNEL, ConsoleChat, ConsoleSender, LineSource
from bot.outbox.dispatcher import OutboxDispatcher
from domain.access import Role
from domain.text import fold
from locales import N_, gettext_for
from scheduler.jobs import run_escalation, run_sweep
from services import agencies as agency_service
from services import people as people_service
from services import registration
from services.access import identify
from services.indicators.importing import read_plan_file
from services.indicators.store import save_indicators
from services.plans import save_plan
from services.unit_of_work import UnitOfWork, transaction
from views.commands import parse_command
from views.messages import Outgoing
from views.text import day

# A Monday of June 2023, with plans 40/KH-UBND and 02/CT-UBND under way: the officer has
# overdue tasks to confirm and second-quarter reports due on 30/06, so the first /tick
# brings a reminder of a few tasks.
DEFAULT_DATE = date(2023, 6, 12)
MAX_TICK = timedelta(days=366)
SEEDS: Traversable = files("bot") / "data" / "seeds"
DUTIES: Traversable = files("bot") / "data" / "seed_reporting_duties.csv"

_TICK = re.compile(r"^(\d{1,4})\s*(d|ngay|h|gio)?$")


@dataclass(frozen=True)
class Persona:
    """A demo person: who they are and the console chat that is theirs."""

    key: str
    chat_id: str
    name: str
    role: Role
    agency_code: str | None
    label: str
    # What to try as them, shown when the terminal becomes theirs.
    hint: str
    # What `/as` accepts for them, folded (no diacritics, no spaces).
    words: tuple[str, ...]


PERSONAS = (
    Persona(
        key="officer",
        chat_id="demo-officer",
        name="Nguyễn Văn An",
        role=Role.OFFICER,
        agency_code="STTTT",
        label=N_("cán bộ đầu mối Sở Thông tin và Truyền thông"),
        hint=N_("Thử /tasks (việc của cơ quan) và /tick 3d."),
        words=("officer", "canbo", "canbodaumoi"),
    ),
    Persona(
        key="coordinator",
        chat_id="demo-coordinator",
        name="Trần Thị Bình",
        role=Role.COORDINATOR,
        # City-wide, so every plan's escalations reach her whatever its hub agency.
        agency_code=None,
        label=N_("điều phối viên của thành phố"),
        hint=N_("Thử /overdue (việc quá hạn theo cơ quan) và /people."),
        words=("coordinator", "dieuphoi", "dieuphoivien"),
    ),
    Persona(
        key="leader",
        chat_id="demo-leader",
        name="Lê Minh Cường",
        role=Role.LEADER,
        agency_code=None,
        label=N_("lãnh đạo UBND thành phố"),
        hint=N_("Thử /summary: báo cáo tổng hợp kèm biểu đồ và tệp Excel."),
        words=("leader", "lanhdao"),
    ),
)


def find_persona(text: str) -> Persona | None:
    """The persona `/as` names: "coordinator", "điều phối", "lãnh đạo", "officer"..."""
    wanted = fold(text).replace(" ", "")
    return next((p for p in PERSONAS if wanted in p.words), None)


def parse_tick(text: str) -> timedelta | None:
    """How far `/tick` moves time: "" (one day), "3", "3d", "3 ngày", "4h", "4 giờ"."""
    words = fold(text).strip()
    if not words:
        return timedelta(days=1)
    match = _TICK.match(words)
    if match is None:
        return None
    count, unit = int(match.group(1)), match.group(2) or "d"
    step = timedelta(hours=count) if unit in ("h", "gio") else timedelta(days=count)
    return step if timedelta(0) < step <= MAX_TICK else None


class DemoClock:
    """The demo's "now": runs like a wall clock from a chosen moment and jumps on /tick."""

    def __init__(self, start: datetime, *, ticker: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("the demo clock needs an aware start")
        self._ticker = ticker
        self._at = start
        self._mark = ticker()

    def __call__(self) -> datetime:
        return self._at + timedelta(seconds=self._ticker() - self._mark)

    def jump(self, to: datetime) -> None:
        """Make `to` the current moment."""
        self._at = to
        self._mark = self._ticker()


@dataclass(frozen=True)
class Prepared:
    """What the demo store holds after `prepare`."""

    agencies: int
    plans: tuple[str, ...]
    tasks: int
    people: Mapping[str, int]
    indicators: int
    # The store was used by an earlier run: what it sent then is not sent again.
    returning: bool


@contextmanager
def seed_documents() -> Iterator[list[Path]]:
    """The shipped seed plans and the reporting-duties table, as files the importer can read."""
    sources = sorted((s for s in SEEDS.iterdir() if s.name.endswith(".txt")), key=lambda s: s.name)
    with ExitStack() as stack:
        yield [stack.enter_context(as_file(source)) for source in [*sources, DUTIES]]


async def prepare(app: App, *, now: datetime, locale: str) -> Prepared:
    """Load the registry and the seed plans of the demo's year; make sure the demo people exist."""
    registry = agency_service.read_registry(
        agency_service.SHIPPED_REGISTRY.read_text(encoding="utf-8")
    )
    async with transaction(app.sessions) as session:
        await agency_service.load_registry(session, registry=registry, now=now, actor="demo")
    today = now.astimezone(app.settings.tz).date()
    year = today.year
    returning = False
    refs: list[str] = []
    tasks = indicators = 0
    with seed_documents() as paths:
        for path in paths:
            draft, found = read_plan_file(path, registry=registry, today=today)
            # A plan of another year would be a year of backlog (or not started yet).
            if draft.plan_year not in (None, year):
                continue
            async with transaction(app.sessions) as session:
                saved = await save_plan(session, draft=draft, now=now, actor="demo")
                await save_indicators(session, plan=saved.plan, found=found, now=now, actor="demo")
            refs.append(draft.ref or draft.source_file)
            tasks += len(draft.tasks)
            indicators += len(found.indicators)
    people: dict[str, int] = {}
    async with transaction(app.sessions) as session:
        for persona in PERSONAS:
            actor = await identify(session, channel=CHANNEL, chat_id=persona.chat_id, now=now)
            if actor is None:
                people[persona.key] = await _register(
                    session, persona=persona, now=now, locale=locale
                )
            else:
                await registration.set_locale(session, actor=actor, locale=locale, now=now)
                people[persona.key] = actor.person_id
                returning = True
    return Prepared(
        # The bodies of the demo's day: the registry also holds those of other years.
        agencies=len(registry.agencies_on(today)),
        plans=tuple(refs),
        tasks=tasks,
        people=people,
        indicators=indicators,
        returning=returning,
    )


async def _register(session: UnitOfWork, *, persona: Persona, now: datetime, locale: str) -> int:
    """Register a demo person by invite on their console chat, as an officer would."""
    invite = await people_service.create_invite(
        session,
        agency_code=persona.agency_code,
        role=persona.role,
        uses=1,
        expires_in=timedelta(days=1),
        now=now,
        created_by="demo",
    )
    result = await registration.register(
        session,
        channel=CHANNEL,
        chat_id=persona.chat_id,
        code=invite.code,
        display_name=persona.name,
        locale=locale,
        now=now,
    )
    if result.person is None or result.person.id is None:
        raise RuntimeError(f"demo person {persona.key} was not registered: {result.outcome}")
    return result.person.id


class SwitchPersona(Exception):
    """A demo chat hands the terminal to another persona's chat."""

    def __init__(self, persona: Persona) -> None:
        super().__init__(persona.key)
        self.persona = persona


class DemoSender:
    """The demo's console channel (a ChannelSender): what the bot sends the persona at the
    terminal is printed at once; what it sends the other two waits in their inbox and is
    printed when the terminal becomes theirs, as if it had arrived on their phone."""

    channel = CHANNEL

    def __init__(self, *, out: TextIO, personas: tuple[Persona, ...]) -> None:
        self._screens = {p.chat_id: ConsoleSender(stream=out, chat_id=p.chat_id) for p in personas}
        self._inbox: dict[str, list[Outgoing]] = {p.chat_id: [] for p in personas}
        self._ids = itertools.count(1)
        self.active = personas[0].chat_id

    def screen(self, persona: Persona) -> ConsoleSender:
        """The terminal as `persona` sees it (it remembers the options last shown to them)."""
        return self._screens[persona.chat_id]

    async def send(self, chat_id: str, message: Outgoing) -> str | None:
        """Print the message, or keep it for a persona who is not at the terminal."""
        if chat_id in self._inbox and chat_id != self.active:
            self._inbox[chat_id].append(message)
            return f"inbox-{next(self._ids)}"
        return await self._screens[self.active].send(chat_id, message)

    def waiting(self, persona: Persona) -> int:
        """How many messages wait for `persona`."""
        return len(self._inbox[persona.chat_id])

    async def open_inbox(self, persona: Persona) -> int:
        """Make `persona` the one at the terminal and print what waited for them."""
        self.active = persona.chat_id
        waiting, self._inbox[persona.chat_id] = self._inbox[persona.chat_id], []
        for message in waiting:
            await self._screens[persona.chat_id].send(persona.chat_id, message)
        return len(waiting)


class DemoChat(ConsoleChat):
    """One persona's console chat that also understands the demo's commands."""

    def __init__(self, *, demo: "Demo", persona: Persona, dispatcher: OutboxDispatcher) -> None:
        super().__init__(
            conversation=demo.conversation,
            dispatcher=dispatcher,
            sender=demo.sender.screen(persona),
            chat_id=persona.chat_id,
            sender_name=persona.name,
            language=demo.locale,
            clock=demo.clock,
        )
        self._demo = demo
        self.persona = persona

    async def say(self, line: str) -> None:
        """A demo command, or a message to the bot; then say who else got messages."""
        self._demo.show_typed(line)
        if not await self._demo.command(self, line):
            await super().say(line)
        self._demo.announce_inboxes()


class Demo:
    """The demo session: the three personas' chats over one store, outbox and demo clock."""

    def __init__(
        self,
        *,
        service: Service,
        sender: DemoSender,
        clock: DemoClock,
        people: Mapping[str, int],
        out: TextIO,
        echo_input: bool,
    ) -> None:
        assert service.dispatcher is not None, "the service is started"
        self.app = service.app
        self.clock = clock
        self.locale = self.app.settings.default_locale
        self._ = gettext_for(self.locale)
        self._people = dict(people)
        self._out = out
        self._echo_input = echo_input
        self.conversation = service.conversation
        self.sender = sender
        self._dispatcher = service.dispatcher
        self._announced = {p.key: 0 for p in PERSONAS}
        self._chats: dict[str, DemoChat] = {}

    async def converse(self, lines: LineSource) -> None:
        """Chat as the officer until end of input; `/as` hands over to another persona."""
        persona = PERSONAS[0]
        self.print(self.introduce(persona))
        while True:
            try:
                await self._chat(persona).run(lines)
            except SwitchPersona as switch:
                persona = switch.persona
                await self._take_over(persona)
            else:
                return

    def introduce(self, persona: Persona) -> str:
        """Who the terminal speaks as now, and what to try."""
        _ = self._
        return "👤 " + _("Bạn đang là {name}, {label}. {hint}").format(
            name=persona.name, label=_(persona.label), hint=_(persona.hint)
        )

    def now_line(self) -> str:
        """The demo's current moment, in words."""
        local = self.clock().astimezone(self.app.settings.tz)
        return "{day} {time}".format(
            day=day(local.date(), locale=self.locale), time=local.strftime("%H:%M")
        )

    async def command(self, chat: DemoChat, line: str) -> bool:
        """Handle a demo command (/tick, /as); False otherwise."""
        command = parse_command(line)
        if command is None:
            return False
        typed = fold(command.typed)
        if typed == "tick":
            await self.tick(chat, command.args)
            return True
        if typed == "as":
            self.switch(chat, command.args)
            return True
        return False

    def switch(self, chat: DemoChat, args: str) -> None:
        """`/as coordinator`: hand the terminal over (raises SwitchPersona)."""
        persona = find_persona(args)
        if persona is None:
            self.print(
                self._(
                    "Không có vai «{name}». Dùng: /as officer, /as coordinator hoặc /as leader."
                ).format(name=args[:40])
            )
            return
        if persona == chat.persona:
            self.print(self.introduce(persona))
            return
        raise SwitchPersona(persona)

    async def tick(self, chat: DemoChat, args: str) -> None:
        """`/tick 3d`: move time into the next send window and run the scheduled jobs there."""
        _ = self._
        step = parse_tick(args)
        if step is None:
            self.print(
                _(
                    "Không hiểu «/tick {args}». Ví dụ: /tick 3d (3 ngày), /tick 4h (4 giờ); "
                    "tối đa {days} ngày."
                ).format(args=args[:40], days=MAX_TICK.days)
            )
            return
        hours = reminder_settings(self.app.settings).hours
        target = self.clock() + step
        landed = hours.next_open(target)
        self.clock.jump(landed)
        if landed != target:
            self.print(
                "⏩ "
                + _(
                    "Nhắc việc chỉ gửi trong giờ làm việc, nên thời gian chuyển tới lúc bắt "
                    "đầu giờ làm việc kế tiếp: {now}."
                ).format(now=self.now_line())
            )
        else:
            self.print("⏩ " + _("Bây giờ là {now}.").format(now=self.now_line()))
        swept = await run_sweep(self.app, now=landed)
        escalated = await run_escalation(self.app, now=landed)
        if swept.messages + escalated.messages == 0:
            self.print(_("Chưa có nhắc việc nào đến lúc gửi. Thử /tick 7d."))
        await chat.deliver()

    def announce_inboxes(self) -> None:
        """One line for each persona not at the terminal who has new messages waiting."""
        _ = self._
        for persona in PERSONAS:
            waiting = self.sender.waiting(persona)
            if waiting > self._announced[persona.key]:
                self.print(
                    "📨 "
                    + _("{name} ({label}) có {count} tin nhắn mới: gõ /as {key} để xem.").format(
                        name=persona.name, label=_(persona.label), count=waiting, key=persona.key
                    )
                )
            self._announced[persona.key] = waiting

    def show_typed(self, line: str) -> None:
        """Echo a piped line, so a transcript shows what was said to the bot."""
        if self._echo_input:
            self.print(f"› {line}")

    def print(self, text: str) -> None:
        """One block of demo output."""
        self._out.write(text + "\n\n")
        self._out.flush()

    async def _take_over(self, persona: Persona) -> None:
        self.print(self.introduce(persona))
        if self.sender.waiting(persona):
            self.print(
                "📬 "
                + self._("Tin nhắn đến trong lúc bạn vắng mặt ({count}):").format(
                    count=self.sender.waiting(persona)
                )
            )
        await self.sender.open_inbox(persona)
        self._announced[persona.key] = 0

    def _chat(self, persona: Persona) -> DemoChat:
        if persona.key not in self._chats:
            self._chats[persona.key] = DemoChat(
                demo=self, persona=persona, dispatcher=self._dispatcher
            )
        return self._chats[persona.key]
