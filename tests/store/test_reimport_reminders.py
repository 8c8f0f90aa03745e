"""Re-importing a plan with a new deadline moves the reminders still to come."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from domain.access import Actor, Role
from domain.calendar import WorkCalendar
from domain.deadlines import parse_deadline
from domain.extensions import ExtensionRequest, read_extension_request
from domain.plans import PlanDraft, TaskDraft
from domain.reminders import OfficeHours
from domain.targets import Target
from models.tables import Agency, Assignment, ChatIdentity, Outbox, Person, ReminderLedger, Task
from services import extensions
from services.agencies import SHIPPED_REGISTRY, load_registry, read_registry
from services.plans import save_plan
from services.reminders.load import ReminderSettings
from services.reminders.sweep import sweep
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SETTINGS = ReminderSettings(hours=OfficeHours(WorkCalendar(), time(8), time(17), HANOI))
EPOCH = datetime(2023, 1, 1, tzinfo=UTC)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=HANOI)


def _plan(due: str) -> PlanDraft:
    task = TaskDraft(
        code="III.5",
        section="III. Chuyển đổi số",
        title="Xây dựng kho dữ liệu dùng chung",
        due=parse_deadline(due, plan_year=2023),
        lead_codes=("STTTT",),
        lead_named=("STTTT",),
    )
    return PlanDraft(
        ref="40/KH-UBND",
        title="Kế hoạch 40",
        issue_date=date(2023, 2, 13),
        issuer=None,
        hub_code="STTTT",
        source_file="000.txt",
        plan_year=2023,
        tasks=[task],
    )


async def _kinds(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.exec(
            select(ReminderLedger)
            .where(col(ReminderLedger.outbox_id).is_not(None))
            .order_by(
                col(ReminderLedger.created_at),
                col(ReminderLedger.target),
                col(ReminderLedger.recipient_id),
                col(ReminderLedger.kind),
            )
        )
        return [row.kind for row in rows.all()]


async def _messages(sessions: Sessions) -> int:
    async with sessions() as session:
        return len((await session.exec(select(Outbox))).all())


@BOTH_STORES
async def test_a_later_deadline_on_reimport_moves_the_reminders_still_to_come(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
        await load_registry(session, registry=registry, now=EPOCH, actor="test")
        sttt = (await session.exec(select(Agency).where(Agency.code == "STTTT"))).one()
        officer = Person(name="Chị Lan", agency_id=sttt.id, created_at=EPOCH)
        session.add(officer)
        await session.flush()
        assert officer.id is not None
        session.add(
            ChatIdentity(person_id=officer.id, channel="telegram", chat_id="1", created_at=EPOCH)
        )
        await save_plan(session, draft=_plan("Tháng 8/2023"), now=EPOCH, actor="test")

    # Seven working days before Thursday 31/08/2023.
    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 8, 22)))
    assert await _kinds(sessions) == ["before:7@2023-08-31"]

    async with transaction(sessions) as session:
        result = await save_plan(session, draft=_plan("Tháng 10/2023"), now=EPOCH, actor="test")
    assert result.due_changed == ["III.5"]

    # The old deadline's next step (three working days before 31/08) no longer goes out...
    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 8, 28)))
    assert await _messages(sessions) == 1
    # ...and the new deadline's series starts fourteen working days before 31/10/2023.
    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 10, 11)))
    assert await _kinds(sessions) == ["before:7@2023-08-31", "before:14@2023-10-31"]
    assert await _messages(sessions) == 2


@BOTH_STORES
async def test_an_approved_extension_restarts_the_series_from_the_new_date_and_none_on_the_old(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        registry = read_registry(SHIPPED_REGISTRY.read_text(encoding="utf-8"))
        await load_registry(session, registry=registry, now=EPOCH, actor="test")
        sttt = (await session.exec(select(Agency).where(Agency.code == "STTTT"))).one()
        officer = Person(name="Chị Lan", agency_id=sttt.id, created_at=EPOCH)
        coordinator = Person(name="Anh Phối", role=Role.COORDINATOR.value, created_at=EPOCH)
        session.add_all([officer, coordinator])
        await session.flush()
        assert officer.id is not None
        session.add(
            ChatIdentity(person_id=officer.id, channel="telegram", chat_id="1", created_at=EPOCH)
        )
        await save_plan(session, draft=_plan("Tháng 8/2023"), now=EPOCH, actor="test")
        handle = (await session.exec(select(Assignment.id))).one()
    assert handle is not None

    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 8, 22)))
    assert await _kinds(sessions) == ["before:7@2023-08-31"]

    asked_on = _at(date(2023, 8, 23))
    async with transaction(sessions) as session:
        asked = await extensions.request_extension(
            session,
            actor=Actor.of(officer),
            target=Target(handle),
            request=read_extension_request("gia hạn đến 31/10: chờ dự toán") or ExtensionRequest(),
            channel="telegram",
            source_message_id="telegram:1:9",
            now=asked_on,
            today=asked_on.date(),
            calendar=SETTINGS.hours.calendar,
        )
        assert asked.request is not None and asked.request.id is not None
        await extensions.decide(
            session,
            actor=Actor.of(coordinator),
            request_id=asked.request.id,
            approve=True,
            channel="telegram",
            now=asked_on,
        )

    # Nothing more for 31/08 (three working days before it, nor its due day)...
    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 8, 28)))
    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 8, 31)))
    assert await _messages(sessions) == 1
    # ...and the series for 31/10 starts fourteen working days before it.
    await sweep(sessions, settings=SETTINGS, now=_at(date(2023, 10, 11)))
    assert await _kinds(sessions) == ["before:7@2023-08-31", "before:14@2023-10-31"]
    async with sessions() as session:
        task = (await session.exec(select(Task))).one()
        stored = await session.get(Assignment, handle)
    assert task.due_date == date(2023, 8, 31)
    assert stored is not None and stored.extended_due_date == date(2023, 10, 31)
