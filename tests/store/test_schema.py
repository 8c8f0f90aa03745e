"""The store's schema: migrations, constraints, and aware timestamps, on SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.status import Status
from models.db import make_engine
from models.migrate import current_revision, downgrade, head_revision, revisions, upgrade
from models.schedule import AssignmentStep
from models.tables import (
    CHECKED_PER_STATEMENT,
    Agency,
    Assignment,
    ChatIdentity,
    Outbox,
    Person,
    Plan,
    ReminderLedger,
    StatusChange,
    Task,
)
from services.reminders.steps import move_on
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES

NOW = datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
pytestmark = BOTH_STORES


async def _person(session: AsyncSession, name: str = "Nguyễn Văn A") -> Person:
    person = Person(name=name, created_at=NOW)
    session.add(person)
    await session.flush()
    return person


async def _assignment(session: AsyncSession) -> Assignment:
    agency = Agency(code="STTTT", name="Sở Thông tin và Truyền thông", kind="so")
    plan = Plan(source_key="40/KH-UBND", title="Kế hoạch", created_at=NOW, updated_at=NOW)
    session.add_all([agency, plan])
    await session.flush()
    assert plan.id is not None and agency.id is not None
    task = Task(plan_id=plan.id, code="III.12", title="Nhiệm vụ")
    session.add(task)
    await session.flush()
    assert task.id is not None
    assignment = Assignment(task_id=task.id, agency_id=agency.id)
    session.add(assignment)
    await session.flush()
    return assignment


async def test_migrations_bring_an_empty_database_to_the_newest_revision(db_url: str) -> None:
    assert await current_revision(db_url) == head_revision()


async def _schema(url: str) -> dict[str, object]:
    """Every table's columns, indexes, keys and constraints, as the database reports them."""

    def read(connection: sa.Connection) -> dict[str, object]:
        found = sa.inspect(connection)
        return {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                sorted(
                    (i["name"] or "", tuple(i["column_names"])) for i in found.get_indexes(table)
                ),
                sorted(str(u) for u in found.get_unique_constraints(table)),
                sorted(str(f) for f in found.get_foreign_keys(table)),
            )
            for table in sorted(found.get_table_names())
        }

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def test_every_migration_goes_down_and_up_again(empty_db_url: str) -> None:
    # Migrations run their own event loop, so this test has none.
    shipped = revisions()
    upgrade(empty_db_url)
    newest = asyncio.run(_schema(empty_db_url))
    steps = []
    for revision in reversed(["base", *shipped[:-1]]):
        downgrade(empty_db_url, revision)
        steps.append(asyncio.run(current_revision(empty_db_url)))
    assert steps == [*reversed(shipped[:-1]), None]
    assert set(asyncio.run(_schema(empty_db_url))) <= {"alembic_version"}
    for revision in shipped:
        upgrade(empty_db_url, revision)
        assert asyncio.run(current_revision(empty_db_url)) == revision
    assert asyncio.run(_schema(empty_db_url)) == newest


async def test_migrations_match_the_models_exactly(engine: AsyncEngine) -> None:
    def declared_only(difference: object) -> bool:
        """A foreign key PostgreSQL checks by triggers instead (CHECKED_PER_STATEMENT)."""
        if engine.dialect.name != "postgresql" or not isinstance(difference, tuple):
            return False
        what, key = difference[0], difference[1]
        return what == "add_fk" and {(key.parent.name, c.name) for c in key.columns} <= (
            CHECKED_PER_STATEMENT
        )

    def diff(connection: sa.Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [d for d in compare_metadata(context, SQLModel.metadata) if not declared_only(d)]

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_one_chat_belongs_to_one_person(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        a, b = await _person(session), await _person(session, "Trần Thị B")
        session.add(
            ChatIdentity(person_id=a.id or 0, channel="telegram", chat_id="42", created_at=NOW)
        )
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            session.add(
                ChatIdentity(person_id=b.id or 0, channel="telegram", chat_id="42", created_at=NOW)
            )
    async with transaction(sessions) as session:
        # The same chat id on another channel is another chat.
        session.add(
            ChatIdentity(person_id=b.id or 0, channel="zalo", chat_id="42", created_at=NOW)
        )


async def test_a_replayed_message_cannot_be_recorded_twice_in_the_history(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        assignment = await _assignment(session)

    def change(source: str | None) -> StatusChange:
        return StatusChange(
            assignment_id=assignment.id or 0,
            channel="telegram",
            at=NOW,
            from_status="not_started",
            to_status="done",
            source_message_id=source,
        )

    async with transaction(sessions) as session:
        session.add_all([change("telegram:42:100"), change(None), change(None)])
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            session.add(change("telegram:42:100"))


async def test_a_reminder_is_in_the_ledger_once_per_target_recipient_and_kind(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        person = await _person(session)

    def entry(kind: str) -> ReminderLedger:
        return ReminderLedger(target="a:1", recipient_id=person.id or 0, kind=kind, created_at=NOW)

    async with transaction(sessions) as session:
        session.add_all([entry("before-7"), entry("before-3")])
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            session.add(entry("before-7"))


async def test_the_ledger_names_only_people_and_messages_that_exist(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        person = await _person(session)
        message = Outbox(
            channel="telegram", chat_id="42", payload={}, next_attempt_at=NOW, created_at=NOW
        )
        session.add(message)
        await session.flush()
        session.add(
            ReminderLedger(
                target="a:1",
                recipient_id=person.id or 0,
                kind="due",
                created_at=NOW,
                outbox_id=message.id,
            )
        )
    assert person.id is not None and message.id is not None
    for recipient, outbox_id in [(person.id + 1, message.id), (person.id, message.id + 1)]:
        with pytest.raises(IntegrityError):
            async with transaction(sessions) as session:
                session.add(
                    ReminderLedger(
                        target="a:2",
                        recipient_id=recipient,
                        kind="due",
                        created_at=NOW,
                        outbox_id=outbox_id,
                    )
                )
    for table, key, row in [(Person, Person.id, person.id), (Outbox, Outbox.id, message.id)]:
        # Neither goes while the ledger names the row: not deleted, not renumbered.
        for change in (sa.delete(table), sa.update(table).values(id=row + 100)):
            with pytest.raises(IntegrityError):
                async with transaction(sessions) as session:
                    await session.exec(change.where(col(key) == row))
    async with transaction(sessions) as session:
        await session.exec(sa.delete(ReminderLedger))
        await session.exec(sa.delete(Outbox).where(col(Outbox.id) == message.id))
        await session.exec(sa.update(Person).values(id=person.id + 100))


async def test_timestamps_come_back_aware_and_in_utc(
    sessions: Sessions,
) -> None:
    hanoi = timezone(timedelta(hours=7))
    async with transaction(sessions) as session:
        session.add(
            Outbox(
                channel="telegram",
                chat_id="42",
                payload={"text": "Xin chào"},
                next_attempt_at=datetime(2023, 3, 1, 9, 0, tzinfo=hanoi),
                created_at=NOW,
            )
        )
    async with sessions() as session:
        row = (await session.exec(select(Outbox))).one()
    assert row.next_attempt_at == datetime(2023, 3, 1, 2, 0, tzinfo=UTC)
    assert row.next_attempt_at.tzinfo is not None
    assert row.payload == {"text": "Xin chào"}


async def test_naive_timestamps_are_refused(sessions: Sessions) -> None:
    with pytest.raises(Exception, match="naive"):
        async with transaction(sessions) as session:
            session.add(Person(name="X", created_at=datetime(2023, 1, 1)))
            await session.flush()


async def test_an_assignment_needs_an_existing_task(
    sessions: Sessions,
) -> None:
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            session.add(Assignment(task_id=999, agency_id=999))


async def _deadlines(sessions: Sessions) -> list[date | None]:
    async with sessions() as session:
        found = await session.exec(select(Assignment.deadline).order_by(col(Assignment.id)))
        return list(found.all())


async def test_an_assignment_carries_its_live_tasks_due_date_whoever_writes_it(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        assignment = await _assignment(session)
        task = await session.get(Task, assignment.task_id)
        assert task is not None
        other = Task(plan_id=task.plan_id, code="III.13", title="Khác", due_date=date(2024, 1, 5))
        elsewhere = Agency(code="SNV", name="Sở Nội vụ", kind="so")
        session.add_all([other, elsewhere])
        task.due_date = date(2023, 6, 30)
    assert await _deadlines(sessions) == [date(2023, 6, 30)]
    async with transaction(sessions) as session:
        # Written past the ORM, as imports and the benchmarks write in bulk.
        await session.exec(sa.insert(Assignment).values(task_id=other.id, agency_id=elsewhere.id))
        await session.exec(sa.update(Task).where(col(Task.id) == task.id).values(removed=True))
    assert await _deadlines(sessions) == [None, date(2024, 1, 5)]
    async with transaction(sessions) as session:
        await session.exec(
            sa.update(Task).where(col(Task.id) == task.id).values(removed=False, due_date=None)
        )
        await session.exec(
            sa.update(Assignment)
            .where(col(Assignment.task_id) == other.id)
            .values(task_id=task.id)
        )
    assert await _deadlines(sessions) == [None, None]
    async with transaction(sessions) as session:
        await session.exec(
            sa.update(Task).where(col(Task.id) == task.id).values(due_date=date(2023, 9, 1))
        )
        await session.exec(
            sa.update(Task).where(col(Task.id) == other.id).values(same_as_task_id=task.id)
        )
    assert await _deadlines(sessions) == [date(2023, 9, 1), date(2023, 9, 1)]


async def _steps(sessions: Sessions) -> list[tuple[int, date, date | None]]:
    """Each step kept: its assignment, its day, and the assignment's mark."""
    async with sessions() as session:
        rows = await session.exec(
            select(
                col(AssignmentStep.assignment_id),
                col(AssignmentStep.next_step_on),
                col(Assignment.next_step_on),
            ).join(Assignment, col(Assignment.id) == col(AssignmentStep.assignment_id))
        )
        return [tuple(row) for row in rows.all()]


async def test_a_planned_assignments_step_moves_only_from_the_day_read_and_goes_with_its_plan(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        assignment = await _assignment(session)
    handle = assignment.id
    assert handle is not None
    june = [date(2023, 6, day) for day in (20, 25, 27, 30)]

    # Planned: marked with its first day, the day kept in its step.
    await move_on(sessions, seen={handle: None}, days={handle: june[0]})
    assert await _steps(sessions) == [(handle, june[0], june[0])]
    # Moved on from the day read; a second sweep that read the same day moves nothing.
    await move_on(sessions, seen={handle: june[0]}, days={handle: june[1]})
    await move_on(sessions, seen={handle: june[0]}, days={handle: june[2]})
    assert await _steps(sessions) == [(handle, june[1], june[0])]

    # What its plan depends on changes: it is planned again at the next sweep, its step gone,
    # and a sweep that read it before the change writes nothing.
    async with transaction(sessions) as session:
        found = await session.get(Assignment, handle)
        assert found is not None
        found.status = Status.IN_PROGRESS.value
    await move_on(sessions, seen={handle: june[1]}, days={handle: june[3]})
    assert await _steps(sessions) == []
    async with sessions() as session:
        found = await session.get(Assignment, handle)
        assert found is not None and found.next_step_on is None

    # A step goes with its assignment.
    await move_on(sessions, seen={handle: None}, days={handle: june[3]})
    assert await _steps(sessions) == [(handle, june[3], june[3])]
    async with transaction(sessions) as session:
        await session.exec(sa.delete(Assignment).where(col(Assignment.id) == handle))
    async with sessions() as session:
        assert (await session.exec(select(AssignmentStep))).all() == []


async def test_an_approved_extension_moves_the_assignments_deadline_and_its_next_step(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        assignment = await _assignment(session)
        task = await session.get(Task, assignment.task_id)
        assert task is not None
        task.due_date = date(2023, 6, 30)
    async with transaction(sessions) as session:
        await session.exec(sa.update(Assignment).values(next_step_on=date(2023, 6, 20)))
    async with transaction(sessions) as session:
        found = await session.get(Assignment, assignment.id)
        assert found is not None
        found.extended_due_date = date(2023, 7, 31)
        found.extension_count += 1
    async with sessions() as session:
        moved = await session.get(Assignment, assignment.id)
        assert moved is not None
        assert (moved.deadline, moved.next_step_on) == (date(2023, 7, 31), None)
    async with transaction(sessions) as session:
        # The original deadline moving leaves the one in force where the extension put it.
        await session.exec(
            sa.update(Task).where(col(Task.id) == task.id).values(due_date=date(2023, 7, 15))
        )
    assert await _deadlines(sessions) == [date(2023, 7, 31)]
    async with transaction(sessions) as session:
        await session.exec(sa.update(Task).where(col(Task.id) == task.id).values(removed=True))
    assert await _deadlines(sessions) == [None]
