"""Worlds for the store and behaviour tests: agencies, people, plans and tasks in a real store.

`World` is the conversation's: a fake clock, rows inserted directly, and the conversation
as bot.bootstrap builds it, with a chat to type into. `StoreWorld` builds plans, tasks,
assignments and people row by row for the sweep, escalation and scheduler tests. Test
modules import these rather than each other.
"""

import itertools
import re
import socket
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.bootstrap import build
from bot.settings import Settings
from domain.access import Role
from domain.calendar import WorkCalendar
from domain.indicators.quantities import parse_unit
from domain.indicators.targets import parse_target
from domain.reminders import OfficeHours
from domain.status import Status
from locales import gettext_for
from models.enums import AssignmentRole, OutboxKind
from models.tables import (
    Agency,
    Assignment,
    ChatIdentity,
    CompletionReport,
    ExtensionRequest,
    Indicator,
    IndicatorOwner,
    Occurrence,
    Outbox,
    Person,
    Plan,
    ReminderLedger,
    StatusChange,
    Task,
)
from services.outbox import enqueue
from services.reminders.load import ReminderSettings
from services.unit_of_work import Sessions, transaction
from views.messages import Incoming, MenuChange, Outgoing, ReminderItem, status_buttons

# Monday 20 November 2023, 09:00 in Hanoi.
NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)
AGENCIES = {
    "STTTT": "Sở Thông tin và Truyền thông",
    "SXD": "Sở Xây dựng",
    "SNN": "Sở Nông nghiệp và Phát triển nông thôn",
    "UBND-HB": "UBND quận Hồng Bàng",
    "UBND-LC": "UBND quận Lê Chân",
}


@dataclass
class World:
    """The store, a fake clock and the conversation under test."""

    sessions: Sessions
    now: datetime = NOW
    agencies: dict[str, int] = field(default_factory=dict)
    # Where /summary writes its chart and spreadsheet; tests that ask for one pass tmp_path.
    data_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "dondoc-world")
    # The dashboard's public address, for the links /dashboard answers with (None: off).
    dashboard_url: str | None = None
    _ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.settings = Settings(
            database_url="sqlite:///unused.db",
            data_dir=self.data_dir,
            dashboard_url=self.dashboard_url,
        )
        # The conversation as bootstrap wires it, over this store; nothing else runs.
        self.service = build(
            self.settings,
            clock=lambda: self.now,
            channels={},
            engine=self.sessions.kw["bind"],
            serve_http=False,
            schedule=False,
            dispatch=False,
        )
        self.conversation = self.service.conversation

    @property
    def woken(self) -> int:
        """How often the conversation woke the outbox dispatcher."""
        return self.service.wakes

    def later(self, **delta: float) -> None:
        """Move the clock on."""
        self.now += timedelta(**delta)

    async def setup_agencies(self) -> None:
        """A few agencies and the district group they belong to."""
        async with transaction(self.sessions) as session:
            for code, name in AGENCIES.items():
                member_of = ["UBND-QUAN-HUYEN"] if code.startswith("UBND-") else []
                agency = Agency(code=code, name=name, kind="so", member_of=member_of)
                session.add(agency)
            session.add(
                Agency(
                    code="UBND-QUAN-HUYEN",
                    name="Ủy ban nhân dân các quận, huyện",
                    kind="group",
                    aliases=["UBND các quận, huyện"],
                    is_group=True,
                )
            )
            await session.flush()
            for agency in (await session.exec(select(Agency))).all():
                assert agency.id is not None
                self.agencies[agency.code] = agency.id

    async def person(
        self,
        name: str,
        *,
        role: Role = Role.OFFICER,
        agency: str | None = "STTTT",
        chat_id: str | None = None,
        channel: str = "telegram",
        locale: str = "vi",
    ) -> int:
        """A registered person with one chat; returns their id."""
        async with transaction(self.sessions) as session:
            person = Person(
                name=name,
                role=role.value,
                locale=locale,
                agency_id=self.agencies[agency] if agency else None,
                created_at=self.now,
            )
            session.add(person)
            await session.flush()
            assert person.id is not None
            session.add(
                ChatIdentity(
                    person_id=person.id,
                    channel=channel,
                    chat_id=chat_id or f"chat-{person.id}",
                    created_at=self.now,
                )
            )
            return person.id

    async def plan(self, *, ref: str | None = "40/KH-UBND", key: str = "000") -> int:
        """An action plan; returns its id."""
        async with transaction(self.sessions) as session:
            plan = Plan(
                source_key=key,
                ref=ref,
                title="Kế hoạch hành động năm 2023",
                plan_year=2023,
                created_at=self.now,
                updated_at=self.now,
            )
            session.add(plan)
            await session.flush()
            assert plan.id is not None
            return plan.id

    async def task(
        self,
        plan_id: int,
        code: str,
        *,
        title: str | None = None,
        due: date | None = None,
        due_text: str | None = None,
        due_kind: str = "quarter",
        lead: str | tuple[str, ...] = "STTTT",
        cooperating: tuple[str, ...] = (),
        status: str = "not_started",
        progress: int = 0,
    ) -> int:
        """A task with its lead assignment(s); returns the (first) lead assignment's handle."""
        leads = (lead,) if isinstance(lead, str) else lead
        async with transaction(self.sessions) as session:
            task = Task(
                plan_id=plan_id,
                code=code,
                title=title or f"Nhiệm vụ {code}",
                due_date=due,
                due_text=due_text,
                due_kind=due_kind if due else "ongoing",
            )
            session.add(task)
            await session.flush()
            assert task.id is not None
            handles = []
            for agency in leads:
                assignment = Assignment(
                    task_id=task.id,
                    agency_id=self.agencies[agency],
                    status=status,
                    progress=progress,
                )
                session.add(assignment)
                await session.flush()
                assert assignment.id is not None
                handles.append(assignment.id)
            for agency in cooperating:
                session.add(
                    Assignment(
                        task_id=task.id, agency_id=self.agencies[agency], role="cooperating"
                    )
                )
            return handles[0]

    async def occurrence(
        self, handle: int, label: str, *, start: date, end: date, due: date
    ) -> int:
        """One period of a recurring duty; returns its id."""
        async with transaction(self.sessions) as session:
            occurrence = Occurrence(
                assignment_id=handle,
                period_label=label,
                period_start=start,
                period_end=end,
                due_date=due,
            )
            session.add(occurrence)
            await session.flush()
            assert occurrence.id is not None
            return occurrence.id

    async def reminder(
        self,
        chat_id: str,
        items: list[tuple[int, int | None]],
        *,
        provider_message_id: str,
        channel: str = "telegram",
    ) -> Outgoing:
        """A reminder as the scheduler writes it, already sent (provider id stored)."""
        _ = gettext_for("vi")
        reminder_items = tuple(
            ReminderItem(number=n, assignment_id=a, occurrence_id=o)
            for n, (a, o) in enumerate(items, 1)
        )
        message = Outgoing(
            text="Nhắc việc",
            items=reminder_items,
            buttons=tuple(
                status_buttons(item=i, _=_, numbered=len(items) > 1) for i in reminder_items
            ),
        )
        async with transaction(self.sessions) as session:
            row = await enqueue(
                session,
                channel=channel,
                chat_id=chat_id,
                message=message,
                now=self.now,
                kind="reminder",
            )
            row.state = "sent"
            row.provider_message_id = provider_message_id
            session.add(row)
        return message

    async def send(
        self,
        chat_id: str,
        text: str | None = None,
        *,
        button: str | None = None,
        reply_to: str | None = None,
        message_id: str | None = None,
        channel: str = "telegram",
        sender_name: str | None = "Nguyễn Văn An",
        language: str | None = None,
    ) -> list[Outgoing]:
        """Type into a chat (or press a button); returns what the bot queued for that chat."""
        async with self.sessions() as session:
            before = (
                await session.exec(select(Outbox.id).order_by(col(Outbox.id).desc()))
            ).first()
        await self.conversation.handle(
            Incoming(
                channel=channel,
                chat_id=chat_id,
                at=self.now,
                text=text,
                message_id=message_id or f"m{next(self._ids)}",
                sender_name=sender_name,
                reply_to_message_id=reply_to,
                button=button,
                language=language,
            )
        )
        return await self.outbox(chat_id, after=before or 0, channel=channel)

    async def outbox(
        self, chat_id: str, *, after: int = 0, channel: str = "telegram"
    ) -> list[Outgoing]:
        """Messages queued for a chat after outbox row `after`."""
        async with self.sessions() as session:
            rows = (
                await session.exec(
                    select(Outbox)
                    .where(
                        Outbox.chat_id == chat_id,
                        Outbox.channel == channel,
                        col(Outbox.id) > after,
                        col(Outbox.kind).not_in(("reminder", OutboxKind.MENU)),
                    )
                    .order_by(col(Outbox.id))
                )
            ).all()
        return [Outgoing.from_payload(r.payload) for r in rows]

    async def menus(self, chat_id: str, *, channel: str = "telegram") -> list[MenuChange]:
        """The command-menu changes queued for a chat, oldest first."""
        async with self.sessions() as session:
            rows = (
                await session.exec(
                    select(Outbox.payload)
                    .where(
                        Outbox.chat_id == chat_id,
                        Outbox.channel == channel,
                        Outbox.kind == OutboxKind.MENU,
                    )
                    .order_by(col(Outbox.id))
                )
            ).all()
        changes = [Outgoing.from_payload(payload).menu for payload in rows]
        return [change for change in changes if change is not None]

    async def say(self, chat_id: str, text: str | None = None, **kwargs: object) -> str:
        """Like send, but the one reply's text."""
        out = await self.send(chat_id, text, **kwargs)  # type: ignore[arg-type]
        assert len(out) == 1, out
        return out[0].text

    async def assignment(self, handle: int) -> Assignment:
        """The stored assignment."""
        async with self.sessions() as session:
            found = await session.get(Assignment, handle)
            assert found is not None
            return found

    async def history(self, handle: int) -> list[StatusChange]:
        """Every status change of an assignment, oldest first."""
        async with self.sessions() as session:
            rows = await session.exec(
                select(StatusChange)
                .where(StatusChange.assignment_id == handle)
                .order_by(col(StatusChange.id))
            )
            return list(rows.all())

    async def count(self, table: type) -> int:
        """Rows in a table."""
        async with self.sessions() as session:
            return len((await session.exec(select(table))).all())


HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = ReminderSettings(hours=OfficeHours(WorkCalendar(), time(8), time(17), HANOI))
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def free_port() -> int:
    """A TCP port nothing listens on now (for a server whose address must be known before
    it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HANOI)


@dataclass
class StoreWorld:
    """Builds agencies, plans, tasks, assignments and people in the test store, row by row
    (for the sweep, escalation, occurrence and leader tests)."""

    sessions: Sessions
    chats: int = 0
    codes: dict[str, int] = field(default_factory=dict)

    async def add(self, row: Any) -> int:
        async with transaction(self.sessions) as session:
            session.add(row)
            await session.flush()
            assert row.id is not None
            return int(row.id)

    async def agency(self, code: str, name: str | None = None) -> int:
        if code not in self.codes:
            self.codes[code] = await self.add(
                Agency(code=code, name=name or f"Sở {code}", kind="so")
            )
        return self.codes[code]

    async def plan(
        self, ref: str = "40/KH-UBND", *, hub: str | None = None, policy: Any = None
    ) -> int:
        hub_id = await self.agency(hub) if hub else None
        return await self.add(
            Plan(
                source_key=ref,
                ref=ref,
                title=f"Kế hoạch {ref}",
                hub_agency_id=hub_id,
                reminder_policy=policy,
                created_at=EPOCH,
                updated_at=EPOCH,
            )
        )

    async def task(
        self,
        plan_id: int,
        code: str,
        due: date | None,
        *,
        lead: str = "STTTT",
        cooperating: str | None = None,
        recurrence: dict[str, Any] | None = None,
        title: str = "Xây dựng kho dữ liệu dùng chung của thành phố",
        status: Status = Status.NOT_STARTED,
    ) -> int:
        task_id = await self.add(
            Task(
                plan_id=plan_id,
                code=code,
                title=title,
                due_date=due,
                due_kind="date" if due else "recurring" if recurrence else "ongoing",
                recurrence=recurrence,
            )
        )
        handle = await self.add(
            Assignment(
                task_id=task_id,
                agency_id=await self.agency(lead),
                role=AssignmentRole.LEAD.value,
                status=status.value,
                last_update_at=EPOCH,
            )
        )
        if cooperating:
            await self.add(
                Assignment(
                    task_id=task_id,
                    agency_id=await self.agency(cooperating),
                    role=AssignmentRole.COOPERATING.value,
                )
            )
        return handle

    async def indicator(
        self,
        plan_id: int,
        key: str,
        *,
        owners: tuple[str, ...] = ("STTTT",),
        name: str = "Thu hút khách du lịch",
        unit: str = "1.000 lượt",
        target: str = "7.300",
        accumulation: str = "cumulative",
        direction: str = "higher",
        year: int = 2023,
        position: int = 0,
        cadence: str | None = None,
    ) -> int:
        """An indicator owned by `owners` (the first leads), its target read as the importer
        reads it; returns its id."""
        parsed_unit = parse_unit(unit)
        parsed = parse_target(target)
        indicator_id = await self.add(
            Indicator(
                plan_id=plan_id,
                key=key,
                table_prefix=key.split(".")[0],
                number=key.rsplit(".", 1)[-1],
                position=position,
                name=name,
                year=year,
                unit_text=unit,
                unit_base=parsed_unit.base,
                unit_scale=parsed_unit.scale,
                target_text=target,
                comparison=parsed.comparison.value if parsed.comparison else None,
                target_low=parsed.low,
                target_high=parsed.high,
                accumulation=accumulation,
                direction=direction,
                cadence=cadence,
                created_at=EPOCH,
                updated_at=EPOCH,
            )
        )
        for index, code in enumerate(owners):
            await self.add(
                IndicatorOwner(
                    indicator_id=indicator_id, agency_id=await self.agency(code), position=index
                )
            )
        return indicator_id

    async def person(
        self,
        name: str,
        agency: str | None,
        *,
        role: Role = Role.OFFICER,
        locale: str = "vi",
        channel: str = "telegram",
    ) -> int:
        agency_id = await self.agency(agency) if agency else None
        person_id = await self.add(
            Person(
                name=name, role=role.value, locale=locale, agency_id=agency_id, created_at=EPOCH
            )
        )
        self.chats += 1
        await self.add(
            ChatIdentity(
                person_id=person_id,
                channel=channel,
                chat_id=str(1000 + self.chats),
                created_at=EPOCH,
            )
        )
        return person_id


async def outbox(sessions: Sessions) -> list[Outbox]:
    async with sessions() as session:
        return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())


async def ledger(sessions: Sessions) -> list[ReminderLedger]:
    """The ledger sweep by sweep (by when its rows were written), each sweep's rows by their
    key: the ledger keeps no order of its own within a write (migration 0023)."""
    async with sessions() as session:
        rows = await session.exec(
            select(ReminderLedger).order_by(
                col(ReminderLedger.created_at),
                col(ReminderLedger.target),
                col(ReminderLedger.recipient_id),
                col(ReminderLedger.kind),
            )
        )
        return list(rows.all())


def message(row: Outbox) -> Outgoing:
    return Outgoing.from_payload(row.payload)


EVIDENCE_FILE = "evidence-1-0123456789abcdef.pdf"


@dataclass
class DashboardWorld:
    """A city with plans, tasks in every state and people of every role, its conversation
    answering /dashboard with links to a dashboard served at `base`."""

    world: World
    http: Any
    people: dict[str, int]
    chats: dict[str, str]
    handles: dict[str, int]
    plans: dict[str, int]

    @property
    def base(self) -> str:
        """The dashboard's address."""
        return f"{self.http.url}/dashboard"

    async def link(self, who: str) -> str:
        """The sign-in link the bot sends `who` for /dashboard."""
        text = await self.world.say(self.chats[who], "/dashboard")
        found = re.search(r"https?://\S+", text)
        assert found, text
        return found.group(0)

    async def stop(self) -> None:
        """Stop the server."""
        await self.http.stop()


async def dashboard_world(sessions: Sessions, data_dir: Path) -> DashboardWorld:
    """The DashboardWorld, its server started (stop it after)."""
    from bot.dashboard import DashboardConfig, serve_dashboard
    from bot.files import serve_files
    from bot.http import HttpServer

    port = free_port()
    world = World(sessions, data_dir=data_dir, dashboard_url=f"http://127.0.0.1:{port}/dashboard")
    await world.setup_agencies()
    plans = {
        "40": await world.plan(ref="40/KH-UBND", key="000"),
        "02": await world.plan(ref="02/CT-UBND", key="004"),
    }
    handles = {
        "late": await world.task(
            plans["40"],
            "I.1",
            title="Lập quy hoạch chung đô thị",
            due=date(2023, 10, 31),
            due_text="Quý III/2023",
            lead="SXD",
            cooperating=("STTTT",),
            status="in_progress",
            progress=40,
        ),
        "blocked": await world.task(
            plans["40"],
            "III.2",
            title="Xây dựng kho dữ liệu dùng chung",
            due=date(2023, 12, 31),
            due_text="Quý IV/2023",
            lead="STTTT",
            status="blocked",
        ),
        "done": await world.task(
            plans["40"],
            "III.3",
            title="Triển khai nền tảng chia sẻ dữ liệu",
            due=date(2023, 9, 30),
            lead="STTTT",
            status="done",
            progress=100,
        ),
        "other": await world.task(
            plans["02"],
            "IV.1",
            title="Thu hút khách du lịch quốc tế",
            due=date(2023, 6, 30),
            due_text="Tháng 6",
            lead="UBND-HB",
        ),
    }
    async with transaction(sessions) as session:
        blocked = await session.get(Assignment, handles["blocked"])
        assert blocked is not None
        blocked.blocked_reason = "chưa có kinh phí"
        blocked.extended_due_date = date(2024, 3, 31)
        blocked.extension_count = 1
        session.add(blocked)
    people = {
        "coordinator": await world.person("Trần Thị Bình", role=Role.COORDINATOR, agency=None),
        "leader": await world.person("Lê Minh Cường", role=Role.LEADER, agency=None),
        "officer": await world.person("Nguyễn Văn An", agency="STTTT"),
        "english": await world.person("Jane Leader", role=Role.LEADER, agency=None, locale="en"),
    }
    chats = {who: f"chat-{person_id}" for who, person_id in people.items()}
    async with transaction(sessions) as session:
        session.add(
            StatusChange(
                assignment_id=handles["blocked"],
                person_id=people["officer"],
                channel="telegram",
                at=world.now - timedelta(days=2),
                from_status="in_progress",
                to_status="blocked",
                from_progress=30,
                to_progress=30,
                note="chưa có kinh phí",
            )
        )
    async with transaction(sessions) as session:
        session.add(
            ExtensionRequest(
                assignment_id=handles["late"],
                requested_by_id=people["officer"],
                channel="telegram",
                requested_at=world.now - timedelta(days=1),
                current_due=date(2023, 10, 31),
                requested_due=date(2023, 12, 15),
                reason="chờ ý kiến thẩm định của Bộ Xây dựng",
            )
        )
        session.add(
            CompletionReport(
                assignment_id=handles["done"],
                reported_by_id=people["officer"],
                channel="zalo",
                reported_at=world.now - timedelta(hours=3),
                from_status="in_progress",
                due=date(2023, 9, 30),
                late=True,
                late_cause="thiếu nhân lực",
                state="awaiting",
                reference={"text": "Báo cáo số 125/BC-STTTT ngày 17/11/2023"},
                file_path=EVIDENCE_FILE,
                file_name="bao-cao-125.pdf",
            )
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / EVIDENCE_FILE).write_bytes(b"%PDF evidence")
    http = HttpServer(host="127.0.0.1", port=port)
    serve_dashboard(
        http,
        sessions=sessions,
        config=DashboardConfig(
            base_url=world.dashboard_url or "",
            data_dir=data_dir,
            tz=HANOI,
            calendar=WorkCalendar(),
            files_url=f"http://127.0.0.1:{port}/files",
        ),
        clock=lambda: world.now,
    )
    serve_files(http, data_dir=data_dir, clock=lambda: world.now)
    await http.start()
    return DashboardWorld(world, http, people, chats, handles, plans)
