"""The role matrix, enforced in the services: officer, coordinator, leader, stranger × see,
update, manage. Handlers only render what the services allow."""

from datetime import date

import pytest

from domain.access import AccessDenied, Actor, Role
from domain.calendar import WorkCalendar
from domain.replies import ReplyAction
from models.tables import Person
from services import queries, registration, status
from services.unit_of_work import Sessions, transaction
from tests.builders import World
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES

# who → (sees own agency, sees another agency, updates own, updates another, manages people)
MATRIX = {
    "officer": (True, False, True, False, False),
    "coordinator": (True, True, True, True, True),
    "leader": (True, True, False, False, False),
    "admin": (True, True, True, True, True),
}


async def _allowed(call: object) -> bool:
    try:
        await call  # type: ignore[misc]
    except AccessDenied:
        return False
    return True


@pytest.mark.parametrize("role", list(MATRIX))
async def test_each_role_may_do_exactly_what_the_matrix_says(
    sessions: Sessions, role: str
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    person_id = await world.person("Người thử", role=Role(role), agency="STTTT")
    other_id = await world.person("Người khác", agency="SXD")
    plan = await world.plan()
    own = await world.task(plan, "A", due=date(2023, 6, 30), lead="STTTT")
    other = await world.task(plan, "B", due=date(2023, 6, 30), lead="SXD")
    async with sessions() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        actor = Actor.of(person)

    async def update(handle: int) -> bool:
        async with transaction(sessions) as session:
            return await _allowed(
                status.apply_status(
                    session,
                    actor=actor,
                    target=status.Target(handle),
                    action=ReplyAction.DONE,
                    percent=None,
                    reason=None,
                    channel="telegram",
                    source_message_id=None,
                    now=world.now,
                )
            )

    async with sessions() as session:
        sees_own = await _allowed(
            queries.assignment_detail(session, actor=actor, assignment_id=own)
        )
        sees_other = await _allowed(
            queries.assignment_detail(session, actor=actor, assignment_id=other)
        )
        manages = await _allowed(registration.list_people(session, actor=actor))
        overdue = await queries.overdue_page(
            session, actor=actor, as_of=date(2023, 11, 20), calendar=WorkCalendar()
        )
    updates_own, updates_other = await update(own), await update(other)
    async with transaction(sessions) as session:
        revokes = await _allowed(
            registration.revoke(session, actor=actor, person_id=other_id, now=world.now)
        )

    assert (sees_own, sees_other, updates_own, updates_other, manages) == MATRIX[role]
    assert revokes == MATRIX[role][4]
    expected = {own, other} if MATRIX[role][1] else {own}
    assert {row.view.handle for row in overdue.rows} == expected
    # A refused update left no trace.
    for handle, allowed in ((own, MATRIX[role][2]), (other, MATRIX[role][3])):
        assert (await world.assignment(handle)).status == ("done" if allowed else "not_started")


async def test_the_chat_tells_an_officer_and_a_leader_what_they_may_not_do(
    sessions: Sessions,
) -> None:
    world = World(sessions)
    await world.setup_agencies()
    await world.person("Chị Lan", chat_id="lan", agency="STTTT")
    await world.person("Lãnh đạo", chat_id="boss", role=Role.LEADER, agency=None)
    plan = await world.plan()
    other = await world.task(plan, "B", due=date(2023, 6, 30), lead="SXD")

    assert f"không có quyền cập nhật việc #{other}" in await world.say("lan", f"#{other} xong")
    assert "Bạn không có quyền" in await world.say("lan", f"/task {other}")
    assert "Bạn không có quyền" in await world.say("lan", "/people")
    assert f"không có quyền cập nhật việc #{other}" in await world.say("boss", f"/xong {other}")
    assert "Nhiệm vụ B" in await world.say("boss", f"/task {other}")
    assert (await world.assignment(other)).status == "not_started"
