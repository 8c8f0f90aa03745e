"""The weekly summary's figures, computed from plain rows (domain.summary)."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.status import Status
from domain.summary import (
    Bucket,
    ChangeRow,
    Deltas,
    Figures,
    ItemRow,
    SummaryScope,
    WeeklySummary,
    chart_bars,
    code_sort_key,
    iso_week_label,
    short_agency_name,
    summarise,
    week_start,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar()
# Friday 30 June 2023, 17:00 in Hai Phong.
AS_OF = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
TODAY = date(2023, 6, 30)


def item(
    handle: int,
    *,
    agency: str = "SXD",
    status: Status = Status.NOT_STARTED,
    due: date | None = None,
    occurrence: int | None = None,
    reason: str | None = None,
    code: str | None = None,
) -> ItemRow:
    return ItemRow(
        assignment_id=handle,
        plan_id=1,
        task_code=code or f"I.{handle}",
        task_title=f"Nhiệm vụ {handle}",
        agency_code=agency,
        agency_name=f"Sở {agency}",
        status=status,
        due_date=due,
        occurrence_id=occurrence,
        blocked_reason=reason,
    )


def change(
    handle: int,
    at: datetime,
    to: Status,
    *,
    was: Status = Status.IN_PROGRESS,
    undone: bool = False,
    note: str | None = None,
    occurrence: int | None = None,
) -> ChangeRow:
    return ChangeRow(
        assignment_id=handle,
        occurrence_id=occurrence,
        at=at,
        from_status=was,
        to_status=to,
        to_progress=100 if to is Status.DONE else 50,
        note=note,
        undone=undone,
    )


def run(
    items: list[ItemRow],
    changes: Sequence[ChangeRow] = (),
    *,
    activity: dict[str, datetime] | None = None,
    previous: Figures | None = None,
    as_of: datetime = AS_OF,
) -> WeeklySummary:
    return summarise(
        items=items,
        changes=changes,
        activity=activity or {},
        previous=previous,
        as_of=as_of,
        tz=TZ,
        calendar=CALENDAR,
    )


@pytest.mark.parametrize(
    ("done_at", "due", "on_time"),
    [
        # 23:00 in Hai Phong on the due date is still on time, though it is 16:00 UTC.
        (datetime(2023, 6, 20, 16, 0, tzinfo=UTC), date(2023, 6, 20), True),
        # 00:30 in Hai Phong the next day is late, though it is still the 20th in UTC.
        (datetime(2023, 6, 20, 17, 30, tzinfo=UTC), date(2023, 6, 20), False),
        (datetime(2023, 5, 2, 3, 0, tzinfo=UTC), date(2023, 6, 20), True),
        (datetime(2023, 6, 29, 3, 0, tzinfo=UTC), date(2023, 6, 20), False),
    ],
)
def test_on_time_compares_the_local_completion_day_with_the_due_date(
    done_at: datetime, due: date, on_time: bool
) -> None:
    summary = run([item(1, status=Status.DONE, due=due)], [change(1, done_at, Status.DONE)])
    assert (summary.figures.done_with_due, summary.figures.on_time) == (1, int(on_time))


def test_items_done_without_a_due_date_or_a_recorded_completion_are_left_out_of_on_time() -> None:
    summary = run(
        [
            item(1, status=Status.DONE),  # no due date
            item(2, status=Status.DONE, due=date(2023, 6, 1)),  # imported as done, no history
            item(3, status=Status.DONE, due=date(2023, 6, 1)),
        ],
        [
            change(1, AS_OF - timedelta(days=1), Status.DONE),
            change(3, datetime(2023, 5, 30, tzinfo=UTC), Status.DONE),
        ],
    )
    assert (summary.figures.done_with_due, summary.figures.on_time) == (1, 1)
    assert summary.figures.on_time_percent == 100


@pytest.mark.parametrize(
    ("at", "counted"),
    [
        (AS_OF - timedelta(days=6, hours=23), True),
        (AS_OF, True),
        (AS_OF - timedelta(days=7), False),  # the window is (as_of - 7 days, as_of]
        (AS_OF - timedelta(days=8), False),
        (AS_OF + timedelta(minutes=1), False),  # after the summary moment
    ],
)
def test_completed_this_week_counts_changes_to_done_in_the_seven_days_up_to_the_moment(
    at: datetime, counted: bool
) -> None:
    summary = run([item(1, status=Status.DONE, due=TODAY)], [change(1, at, Status.DONE)])
    assert summary.figures.completed_week == int(counted)


def test_an_undone_change_to_done_is_ignored_everywhere() -> None:
    summary = run(
        [item(1, status=Status.IN_PROGRESS, due=date(2023, 7, 3))],
        [
            change(1, AS_OF - timedelta(days=3), Status.IN_PROGRESS, was=Status.NOT_STARTED),
            change(1, AS_OF - timedelta(days=2), Status.DONE, undone=True),
        ],
    )
    assert summary.figures.completed_week == 0
    assert summary.figures.active == 1
    assert summary.items[0].status is Status.IN_PROGRESS


def test_an_item_done_twice_in_the_week_is_counted_once() -> None:
    summary = run(
        [item(1, status=Status.DONE, due=TODAY)],
        [
            change(1, AS_OF - timedelta(days=3), Status.DONE),
            change(1, AS_OF - timedelta(days=2), Status.IN_PROGRESS, was=Status.DONE),
            change(1, AS_OF - timedelta(days=1), Status.DONE),
        ],
    )
    assert summary.figures.completed_week == 1


def test_a_past_summary_shows_the_status_at_that_moment_not_today() -> None:
    items = [
        # Blocked then, done since.
        item(1, status=Status.DONE, due=date(2023, 6, 10)),
        # No change at the time: the state before its first later change.
        item(2, status=Status.DONE, due=date(2023, 6, 15)),
        # Nothing recorded after the moment: the stored state.
        item(3, status=Status.BLOCKED, due=date(2023, 7, 5), reason="chưa có kinh phí"),
    ]
    changes = [
        change(1, AS_OF - timedelta(days=5), Status.BLOCKED, note="chờ phê duyệt"),
        change(1, AS_OF + timedelta(days=9), Status.DONE, was=Status.BLOCKED),
        change(2, AS_OF + timedelta(days=3), Status.DONE, was=Status.NOT_STARTED),
        change(3, AS_OF - timedelta(days=1), Status.BLOCKED),
    ]
    summary = run(items, changes)
    states = {s.row.assignment_id: s for s in summary.items}
    assert states[1].status is Status.BLOCKED
    assert states[1].blocked_reason == "chờ phê duyệt"
    assert states[2].status is Status.NOT_STARTED
    assert states[3].blocked_reason == "chưa có kinh phí"
    assert summary.figures == Figures(active=3, overdue=2, blocked=2)
    assert [s.row.assignment_id for s in summary.blocked] == [1, 3]


def test_overdue_is_open_work_due_before_today_counted_in_working_days() -> None:
    summary = run(
        [
            item(1, due=date(2023, 6, 23)),  # Friday a week ago: 5 working days late
            item(2, due=TODAY),  # due today: not late yet
            item(3, status=Status.DONE, due=date(2023, 6, 1)),
            item(4, status=Status.CANCELLED, due=date(2023, 6, 1)),
            item(5),  # no due date (ongoing duty): never overdue
        ]
    )
    states = {s.row.assignment_id: s for s in summary.items}
    assert [states[n].overdue_days for n in (1, 2, 3, 4, 5)] == [5, 0, 0, 0, 0]
    assert summary.figures.overdue == 1
    assert summary.figures.active == 3


def test_an_item_due_on_friday_is_overdue_on_the_weekend_too() -> None:
    sunday = datetime(2023, 7, 2, 3, 0, tzinfo=UTC)
    summary = run([item(1, due=date(2023, 6, 30))], as_of=sunday)
    assert summary.items[0].overdue_days == 1


def test_occurrences_are_items_of_their_own() -> None:
    summary = run(
        [
            item(7, occurrence=1, due=date(2023, 3, 20), status=Status.DONE),
            item(7, occurrence=2, due=date(2023, 6, 20)),
        ],
        [change(7, AS_OF - timedelta(days=1), Status.DONE, occurrence=1)],
    )
    assert summary.figures.active == 1
    assert summary.figures.overdue == 1
    assert summary.figures.completed_week == 1
    # Completed late: the March period was done at the end of June.
    assert (summary.figures.done_with_due, summary.figures.on_time) == (1, 0)


def test_changes_since_last_week_compare_with_the_previous_snapshot() -> None:
    previous = Figures(
        active=5, completed_week=3, done_with_due=4, on_time=2, overdue=0, blocked=1
    )
    summary = run(
        [
            item(1, due=date(2023, 6, 1)),
            item(2, status=Status.BLOCKED, due=date(2023, 6, 2)),
            item(3, status=Status.DONE, due=date(2023, 7, 1)),
        ],
        [change(3, AS_OF - timedelta(days=1), Status.DONE)],
        previous=previous,
    )
    assert summary.deltas == Deltas(
        active=-3, completed_week=-2, on_time_points=50, overdue=2, blocked=0
    )


def test_without_a_previous_snapshot_there_are_no_changes_to_show() -> None:
    assert run([item(1)]).deltas == Deltas()


@pytest.mark.parametrize(
    "stored",
    [None, {}, {"active": 1}, {"active": "3", "completed_week": 1}, {"active": True}],
)
def test_a_missing_or_foreign_snapshot_reads_as_no_previous_week(stored: object) -> None:
    assert Figures.from_json(stored) is None  # type: ignore[arg-type]


def test_figures_survive_the_trip_through_a_snapshot() -> None:
    figures = Figures(active=9, completed_week=2, done_with_due=7, on_time=5, overdue=3, blocked=1)
    assert Figures.from_json(figures.to_json()) == figures


def test_agencies_are_listed_worst_first_by_overdue_count_then_overdue_days() -> None:
    summary = run(
        [
            item(1, agency="A", due=date(2023, 6, 29)),
            item(2, agency="B", due=date(2023, 6, 1)),
            item(3, agency="B", due=date(2023, 6, 28)),
            item(4, agency="C", due=date(2023, 6, 27)),
            item(5, agency="C", due=date(2023, 6, 28)),
            item(6, agency="D", due=date(2023, 5, 1)),
            item(7, agency="E", due=date(2023, 7, 20)),
        ]
    )
    assert [(a.code, a.overdue, a.overdue_days) for a in summary.agencies] == [
        ("B", 2, 23),
        ("C", 2, 5),
        ("D", 1, 42),  # 1 May 2023 to 30 June, holidays 1-3 May left out
        ("A", 1, 1),
        ("E", 0, 0),
    ]
    assert [a.code for a in summary.worst] == ["B", "C", "D", "A"]


def test_deadlines_in_the_next_fourteen_days_start_today() -> None:
    summary = run(
        [
            item(1, due=TODAY),
            item(2, due=TODAY + timedelta(days=13)),
            item(3, due=TODAY + timedelta(days=14)),
            item(4, due=TODAY - timedelta(days=1)),
            item(5, due=TODAY + timedelta(days=2), status=Status.DONE),
            item(6, due=TODAY + timedelta(days=2), status=Status.IN_PROGRESS),
        ]
    )
    assert [s.row.assignment_id for s in summary.upcoming] == [1, 6, 2]


def test_agencies_with_open_work_and_no_update_for_thirty_days_are_silent() -> None:
    activity = {
        "RECENT": AS_OF - timedelta(days=29),
        "OLD": AS_OF - timedelta(days=31),
        "OLDER": AS_OF - timedelta(days=90),
        "FINISHED": AS_OF - timedelta(days=90),
    }
    summary = run(
        [
            item(1, agency="RECENT"),
            item(2, agency="OLD"),
            item(3, agency="OLDER"),
            item(4, agency="NEVER"),
            item(5, agency="FINISHED", status=Status.DONE),
        ],
        activity=activity,
    )
    assert [a.code for a in summary.silent] == ["NEVER", "OLDER", "OLD"]
    assert summary.silent[0].last_activity is None


def test_the_week_is_monday_to_sunday_in_local_time() -> None:
    # Sunday 2 July 2023 at 23:30 local is still in the week of Monday 26 June.
    late_sunday = datetime(2023, 7, 2, 16, 30, tzinfo=UTC)
    summary = run([item(1)], as_of=late_sunday)
    assert summary.local_date == date(2023, 7, 2)
    assert (summary.week_start, summary.week_end) == (date(2023, 6, 26), date(2023, 7, 2))
    assert summary.iso_week == "2023-W26"
    assert week_start(date(2023, 7, 3)) == date(2023, 7, 3)
    assert iso_week_label(date(2024, 12, 30)) == "2025-W01"


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        run([item(1)], as_of=datetime(2023, 6, 30, 17, 0))


def test_items_are_listed_in_reading_order_of_their_codes() -> None:
    codes = ["III.1", "I.10", "I.2", "II.1", "IV.1", "IX.1", "V.3"]
    summary = run([item(n, code=code) for n, code in enumerate(codes, start=1)])
    assert [s.row.task_code for s in summary.items] == [
        "I.2",
        "I.10",
        "II.1",
        "III.1",
        "IV.1",
        "V.3",
        "IX.1",
    ]
    lettered = ["12.c", "2.đ", "2.e", "2.d", "1.a", "12.c(2)"]
    assert sorted(lettered, key=code_sort_key) == ["1.a", "2.d", "2.đ", "2.e", "12.c", "12.c(2)"]
    # Prose sections numbered 2.x come before the appendix numbered I, II, III.
    assert sorted(["II.1", "2.6", "I.1", "2.10"], key=code_sort_key) == [
        "2.6",
        "2.10",
        "I.1",
        "II.1",
    ]


@pytest.mark.parametrize(
    ("scope", "key", "slug"),
    [
        (SummaryScope(), "all", "all"),
        (SummaryScope(plan_ids=frozenset({3, 1})), "plans=1,3", "plans-1-3"),
        (
            SummaryScope(plan_ids=frozenset({2}), agency_codes=frozenset({"SXD", "STTTT"})),
            "plans=2;agencies=STTTT,SXD",
            "plans-2-agencies-STTTT-SXD",
        ),
    ],
)
def test_a_scope_has_a_stable_key_and_file_name(scope: SummaryScope, key: str, slug: str) -> None:
    assert (scope.key, scope.slug) == (key, slug)


def test_a_large_scope_keeps_its_key_within_the_column_and_its_slug_short() -> None:
    scope = SummaryScope(agency_codes=frozenset(f"UBND-QUAN-{n:03d}" for n in range(40)))
    assert len(scope.key) <= 200 and scope.key.startswith("sha1=")
    assert len(scope.slug) == 12
    assert scope.slug == SummaryScope(agency_codes=scope.agency_codes).slug


def test_the_chart_keeps_the_agencies_with_most_open_work_and_groups_the_rest() -> None:
    items = [item(n, agency="BIG", due=date(2023, 6, 1)) for n in range(1, 5)]
    items += [item(10, agency="MID", status=Status.BLOCKED), item(11, agency="MID")]
    items += [item(20, agency="SMALL", status=Status.IN_PROGRESS)]
    items += [item(30, agency="DONE", status=Status.DONE)]
    items += [item(40, agency="GONE", status=Status.CANCELLED)]
    bars = chart_bars(run(items), top=2)
    assert [(b.name, b.others) for b in bars] == [("Sở BIG", 0), ("Sở MID", 0), (None, 2)]
    assert bars[0].counts[Bucket.OVERDUE] == 4
    assert (bars[1].counts[Bucket.BLOCKED], bars[1].counts[Bucket.NOT_STARTED]) == (1, 1)
    assert (bars[2].counts[Bucket.IN_PROGRESS], bars[2].counts[Bucket.DONE]) == (1, 1)


def test_no_items_means_no_bars_and_zero_figures() -> None:
    summary = run([])
    assert chart_bars(summary) == ()
    assert summary.figures == Figures()
    assert summary.figures.on_time_percent is None


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Ủy ban nhân dân quận Hồng Bàng", "UBND quận Hồng Bàng"),
        ("Sở Xây dựng", "Sở Xây dựng"),
        (
            "Viện Công nghiệp phần mềm và nội dung số Việt Nam - Bộ Thông tin và Truyền thông",
            "Viện Công nghiệp phần mềm và nội dung s…",
        ),
    ],
)
def test_agency_names_are_shortened_for_phones_and_charts(name: str, short: str) -> None:
    assert short_agency_name(name) == short
