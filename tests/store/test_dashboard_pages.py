"""The dashboard's services check the role as chat does, whatever address is asked for."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.access import AccessDenied, Actor, Role
from domain.calendar import WorkCalendar
from domain.statistics import quarter
from services.dashboard import pages, requests
from services.dashboard.items import Filters
from services.dashboard.overview import overview
from services.unit_of_work import Sessions
from tests.builders import HANOI, DashboardWorld, dashboard_world
from tests.conftest import BOTH_STORES

pytestmark = BOTH_STORES

Q4 = Filters(period=quarter(2023, 4))


@pytest.fixture
async def city(sessions: Sessions, tmp_path: Path) -> AsyncIterator[DashboardWorld]:
    world = await dashboard_world(sessions, tmp_path)
    try:
        yield world
    finally:
        await world.stop()


def _actor(city: DashboardWorld, who: str, role: Role, agency: str | None) -> Actor:
    return Actor(
        person_id=city.people[who],
        name=who,
        role=role,
        agency_id=city.world.agencies[agency] if agency else None,
        locale="vi",
    )


async def test_an_officer_reads_no_page_not_even_of_their_own_agency(city: DashboardWorld) -> None:
    officer = _actor(city, "officer", Role.OFFICER, "STTTT")
    now = city.world.now
    async with city.world.sessions() as session:
        for own_or_other in ("STTTT", "SXD"):
            with pytest.raises(AccessDenied):
                await pages.agency_page(
                    session,
                    actor=officer,
                    agency_id=city.world.agencies[own_or_other],
                    filters=Q4,
                    now=now,
                    tz=HANOI,
                    calendar=WorkCalendar(),
                )
        with pytest.raises(AccessDenied):
            await pages.task_page(
                session, actor=officer, assignment_id=city.handles["late"], now=now, tz=HANOI
            )
        with pytest.raises(AccessDenied):
            await pages.plan_page(
                session, actor=officer, plan_id=city.plans["40"], now=now, tz=HANOI
            )
        with pytest.raises(AccessDenied):
            await overview(
                session, actor=officer, filters=Q4, now=now, tz=HANOI, calendar=WorkCalendar()
            )


async def test_only_coordinators_read_what_waits_on_the_office(city: DashboardWorld) -> None:
    now = city.world.now
    async with city.world.sessions() as session:
        with pytest.raises(AccessDenied):
            await requests.pending_page(
                session,
                actor=_actor(city, "leader", Role.LEADER, None),
                filters=Q4,
                now=now,
                tz=HANOI,
            )
        page = await requests.pending_page(
            session,
            actor=_actor(city, "coordinator", Role.COORDINATOR, None),
            filters=Q4,
            now=now,
            tz=HANOI,
        )
    assert [r.view.handle for r in page.requests] == [city.handles["late"]]
    assert [c.view.handle for c in page.completions] == [city.handles["done"]]
    assert [i.assignment_id for i in page.extended] == [city.handles["blocked"]]


async def test_the_overview_counts_overdue_and_blocked_work_now_and_a_week_ago(
    city: DashboardWorld,
) -> None:
    async with city.world.sessions() as session:
        found = await overview(
            session,
            actor=_actor(city, "leader", Role.LEADER, None),
            filters=Q4,
            now=city.world.now,
            tz=HANOI,
            calendar=WorkCalendar(),
        )
    # I.1 (due 31/10) and IV.1 (due 30/06) are overdue now and were a week ago; III.2 was
    # blocked two days ago, so not a week ago.
    assert (found.counts.overdue, found.counts.overdue_before) == (2, 2)
    assert (found.counts.blocked, found.counts.blocked_before) == (1, 0)
    ranked = found.ranking()
    assert [(line.code, line.rank) for line in ranked] == [
        ("SXD", 1),
        ("UBND-HB", 1),
        ("STTTT", None),
    ]


async def test_an_agencys_page_lists_overdue_work_first(city: DashboardWorld) -> None:
    async with city.world.sessions() as session:
        page = await pages.agency_page(
            session,
            actor=_actor(city, "leader", Role.LEADER, None),
            agency_id=city.world.agencies["STTTT"],
            filters=Filters(period=quarter(2024, 1)),
            now=city.world.now,
            tz=HANOI,
            calendar=WorkCalendar(),
        )
    assert [(i.task_code, i.overdue, i.is_lead) for i in page.items] == [
        ("I.1", True, False),
        ("III.2", False, True),
    ]
    assert [p.name for p in page.people] == ["Nguyễn Văn An"]
    assert page.people[0].last_answer is not None


async def test_blocked_a_week_ago_is_read_back_from_the_changes_since(
    city: DashboardWorld,
) -> None:
    from datetime import timedelta

    from models.tables import Assignment, StatusChange
    from services.unit_of_work import transaction

    now = city.world.now
    async with transaction(city.world.sessions) as session:
        # I.1 was unblocked three days ago: blocked a week ago.
        session.add(
            StatusChange(
                assignment_id=city.handles["late"],
                channel="telegram",
                at=now - timedelta(days=3),
                from_status="blocked",
                to_status="in_progress",
            )
        )
        # IV.1 has been blocked since before the week began, unchanged since.
        other = await session.get(Assignment, city.handles["other"])
        assert other is not None
        other.status = "blocked"
        session.add(other)
    async with city.world.sessions() as session:
        found = await overview(
            session,
            actor=_actor(city, "leader", Role.LEADER, None),
            filters=Q4,
            now=now,
            tz=HANOI,
            calendar=WorkCalendar(),
        )
    # Now: III.2 and IV.1; a week ago: I.1 and IV.1 (III.2 was blocked two days ago).
    assert (found.counts.blocked, found.counts.blocked_before) == (2, 2)
