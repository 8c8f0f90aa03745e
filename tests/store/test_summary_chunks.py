"""The weekly summary read in chunks gives what it gives read in one go (SQLite and PostgreSQL).

The store is small but crosses many chunk boundaries with a tiny chunk size: task codes run
against the assignment ids (so the spreadsheet's order comes from merging the chunks), more
items are blocked and due soon than the summary names, recurring duties have occurrences, and
the history has changes this week, before it, after the moment and undone."""

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from domain.status import Status
from domain.summary import LISTED, WeeklySummary
from models.tables import Agency, Assignment, Occurrence, Person, Plan, StatusChange, Task
from services.summary_items import build_weekly_summary
from services.unit_of_work import Sessions, transaction
from tests.conftest import BOTH_STORES
from views.summary import render_summary_text

AS_OF = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
LONG_AGO = datetime(2023, 1, 1, tzinfo=UTC)
AGENCIES = 5
TASKS = 40
CYCLE = [Status.BLOCKED, Status.IN_PROGRESS, Status.DONE, Status.NOT_STARTED, Status.CANCELLED]


async def seed(sessions: Sessions) -> None:
    """Forty tasks of two plans led by five agencies, each with a cooperating partner."""
    async with transaction(sessions) as session:

        async def insert(table: Any, rows: list[dict[str, Any]]) -> None:
            await session.exec(sa.insert(table), params=rows)

        await insert(
            Agency,
            [
                {
                    "id": n,
                    "code": f"AG{n}",
                    "name": f"Ủy ban nhân dân phường {'ĐBAC'[n % 4]} số {n}",
                    "kind": "ubnd-phuong",
                    "aliases": [],
                    "member_of": [],
                    "is_group": False,
                }
                for n in range(1, AGENCIES + 1)
            ],
        )
        await insert(
            Plan,
            [
                {
                    "id": p,
                    "source_key": f"{p}/KH",
                    "title": f"Kế hoạch {p}",
                    "created_at": LONG_AGO,
                    "updated_at": LONG_AGO,
                }
                for p in (1, 2)
            ],
        )
        await insert(
            Person,
            [
                {"id": n, "name": f"Cán bộ {n}", "agency_id": n, "created_at": LONG_AGO}
                # The last agency's people never write: it is silent.
                for n in range(1, AGENCIES)
            ],
        )
        tasks, assignments, occurrences, changes = [], [], [], []
        for n in range(1, TASKS + 1):
            recurring = n % 9 == 0
            # Due from a week ago to two weeks ahead; one in eight has no due date.
            due = None if recurring or n % 8 == 0 else date(2023, 6, 24) + timedelta(days=n % 20)
            tasks.append(
                {
                    "id": n,
                    "plan_id": 1 + n % 2,
                    # Codes run backwards against the ids, in Roman and Arabic numerals.
                    "code": f"{['I', 'II', 'IV', 'IX'][n % 4]}.{TASKS - n}",
                    "title": f"Nhiệm vụ {n}",
                    "source_kind": "appendix-table",
                    "due_text": "Hằng quý" if recurring else f"Ngày {n}",
                    "due_kind": "recurring" if recurring else "date",
                    "due_date": due,
                    "strictly_before": False,
                    "open_ended": False,
                    "recipients": [],
                    "problems": [],
                    "removed": n == 7,
                }
            )
            status = CYCLE[n % len(CYCLE)] if n % 3 else Status.BLOCKED
            lead = 2 * n - 1
            agency = 1 + n % AGENCIES
            assignments += [
                {
                    "id": lead,
                    "task_id": n,
                    "agency_id": agency,
                    "role": "lead",
                    "status": status.value,
                    "progress": 100 if status is Status.DONE else 10 * (n % 9),
                    "blocked_reason": f"lý do {n}" if status is Status.BLOCKED else None,
                    "blocked_by": "AG1" if status is Status.BLOCKED and n % 2 else None,
                },
                {
                    "id": lead + 1,
                    "task_id": n,
                    "agency_id": 1 + (n + 2) % AGENCIES,
                    "role": "cooperating",
                    "status": Status.NOT_STARTED.value,
                    "progress": 0,
                },
            ]
            if recurring:
                occurrences += [
                    {
                        "assignment_id": lead,
                        "period_label": f"2023-Q{quarter}",
                        "period_start": date(2023, 3 * quarter - 2, 1),
                        "period_end": date(2023, 3 * quarter, 28),
                        "due_date": date(2023, 3 * quarter, 20),
                        "status": CYCLE[(n + quarter) % 4].value,
                        "progress": 0,
                    }
                    for quarter in (1, 2, 3)
                ]
                continue
            person = agency if agency < AGENCIES else None
            # Started a while ago, moved on lately (this week for some), changed again after
            # the moment for one in five; one in eleven had its latest change undone.
            moments = [40 - n % 30, 9 - n % 8] + ([-2] if n % 5 == 0 else [])
            for step, days_before in enumerate(moments):
                changes.append(
                    {
                        "assignment_id": lead,
                        "person_id": person,
                        "channel": "telegram",
                        "at": AS_OF - timedelta(days=days_before, hours=n),
                        "from_status": "not_started" if step == 0 else "in_progress",
                        "to_status": "in_progress" if step == 0 else status.value,
                        "from_progress": 0,
                        "to_progress": 50,
                        "note": f"ghi chú {n}.{step}",
                        "undone": n % 11 == 0 and step == 1,
                    }
                )
        await insert(Task, tasks)
        await insert(Assignment, assignments)
        await insert(Occurrence, occurrences)
        await insert(StatusChange, changes)


def everything_but_items(summary: WeeklySummary) -> dict[str, object]:
    return {f.name: getattr(summary, f.name) for f in fields(summary) if f.name != "items"}


@BOTH_STORES
async def test_the_summary_read_in_chunks_equals_the_summary_read_at_once(
    sessions: Sessions,
) -> None:
    await seed(sessions)
    async with sessions() as session:
        at_once = await build_weekly_summary(session, as_of=AS_OF, chunk_size=10_000)
        in_chunks = {
            size: await build_weekly_summary(session, as_of=AS_OF, chunk_size=size)
            for size in (1, 3, 7)
        }
    # The store is what the test says: more blocked and upcoming items than are named.
    assert at_once.figures.blocked > LISTED and len(at_once.blocked) == LISTED
    assert at_once.upcoming_total > LISTED and len(at_once.upcoming) == LISTED
    assert at_once.figures.completed_week and at_once.figures.overdue and at_once.silent
    # 35 one-off items (one task is removed) and two started quarters of 4 recurring duties.
    assert len(list(at_once.items)) == 35 + 2 * 4
    for size, summary in in_chunks.items():
        assert everything_but_items(summary) == everything_but_items(at_once), size
        assert list(summary.items) == list(at_once.items), size
        assert len(summary.items) == len(at_once.items)
        for locale in ("vi", "en"):
            expected = render_summary_text(at_once, locale=locale)
            assert render_summary_text(summary, locale=locale) == expected
