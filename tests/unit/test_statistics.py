from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.statistics import (
    BUCKET_NAMES,
    AssignmentRow,
    Basis,
    Bucket,
    Excluded,
    Figures,
    Period,
    PeriodKind,
    Ranked,
    Tally,
    classify,
    compute,
    half_year,
    parse_period,
    quarter,
    rank_agencies,
    split_period,
    standing_by_figures,
    standing_of,
    year_period,
)
from domain.status import Status
from locales import gettext_for

DONE, OPEN, CANCELLED = Status.DONE, Status.IN_PROGRESS, Status.CANCELLED


def row(
    number: int,
    agency: str,
    plan: str,
    due: date | None,
    *,
    extended: date | None = None,
    status: Status = OPEN,
    completed: date | None = None,
    confirmed: bool = True,
) -> AssignmentRow:
    return AssignmentRow(number, agency, plan, due, extended, status, completed, confirmed)


# The hand-computed table. Reports are made on 5/10/2026, just after Q3 ends.
AS_OF = date(2026, 10, 5)
ROWS = [
    # done on 10/8, due 15/8: on time.
    row(1, "SXD", "P1", date(2026, 8, 15), status=DONE, completed=date(2026, 8, 10)),
    # done on 20/8, due 15/8: the one completed late.
    row(2, "SXD", "P1", date(2026, 8, 15), status=DONE, completed=date(2026, 8, 20)),
    # due 30/6 (Q2), extended to 30/9, done 25/9: late on the original, on time extended.
    row(3, "SXD", "P1", date(2026, 6, 30), extended=date(2026, 9, 30), status=DONE,
        completed=date(2026, 9, 25)),
    # reported done on 10/9 but returned by the office: still open, and late since 15/9.
    row(4, "STC", "P1", date(2026, 9, 15), status=DONE, completed=date(2026, 9, 10),
        confirmed=False),
    # due 20/6, still open: carried over from Q2, overdue.
    row(5, "STC", "P2", date(2026, 6, 20)),
    # due 15/10: a Q4 task, not in Q3.
    row(6, "STC", "P2", date(2026, 10, 15)),
    # due on the last day of Q3, open: still in time on that day.
    row(7, "SNV", "P2", date(2026, 9, 30), status=Status.NOT_STARTED),
    # due 10/7, extended to 31/10, open: overdue on the original, in Q4 when extended.
    row(8, "SNV", "P2", date(2026, 7, 10), extended=date(2026, 10, 31), status=Status.BLOCKED),
    # done in April: reported in Q2, not Q3.
    row(9, "SNV", "P1", date(2026, 3, 31), status=DONE, completed=date(2026, 4, 2)),
    # cancelled, undated, and done without a completion date: never counted.
    row(10, "SKHDT", "P1", date(2026, 8, 1), status=CANCELLED),
    row(11, "SKHDT", "P1", None),
    row(12, "SKHDT", "P2", date(2026, 8, 1), status=DONE, completed=None),
    # due 31/12, done early on 1/8: on time, counted when completed.
    row(13, "SGTVT", "P1", date(2026, 12, 31), status=DONE, completed=date(2026, 8, 1)),
    # due 20/9, done on 2/10, after Q3: open and overdue at the end of Q3.
    row(14, "SGTVT", "P1", date(2026, 9, 20), status=DONE, completed=date(2026, 10, 2)),
]  # fmt: skip


def tally(on_time: int, late: int, in_time: int, overdue: int) -> Tally:
    return Tally(on_time, late, in_time, overdue)


def test_the_third_quarter_counts_what_was_due_or_done_in_it() -> None:
    stats = compute(ROWS, period=quarter(2026, 3), as_of=AS_OF)
    assert stats.cutoff == date(2026, 9, 30)
    assert stats.overall == Figures(original=tally(2, 2, 1, 4), extended=tally(3, 1, 1, 3))
    assert stats.by_agency == {
        "SGTVT": Figures(original=tally(1, 0, 0, 1), extended=tally(1, 0, 0, 1)),
        "SNV": Figures(original=tally(0, 0, 1, 1), extended=tally(0, 0, 1, 0)),
        "STC": Figures(original=tally(0, 0, 0, 2), extended=tally(0, 0, 0, 2)),
        "SXD": Figures(original=tally(1, 2, 0, 0), extended=tally(2, 1, 0, 0)),
    }
    assert stats.by_plan == {
        "P1": Figures(original=tally(2, 2, 0, 2), extended=tally(3, 1, 0, 2)),
        "P2": Figures(original=tally(0, 0, 1, 2), extended=tally(0, 0, 1, 1)),
    }
    assert stats.excluded == Excluded(no_deadline=1, cancelled=1, undated_completion=1)


def test_the_second_quarter_is_seen_as_it_stood_on_its_last_day() -> None:
    stats = compute(ROWS, period=quarter(2026, 2), as_of=AS_OF)
    # #3 is due that day (in time), #5 overdue, #9 done late in April; #3 extended is Q3 work.
    assert stats.overall == Figures(original=tally(0, 1, 1, 1), extended=tally(0, 1, 0, 1))


def test_the_current_quarter_is_counted_up_to_today() -> None:
    stats = compute(ROWS, period=quarter(2026, 4), as_of=AS_OF)
    assert stats.cutoff == AS_OF
    # #14 done late on 2/10; #6 due 15/10 in time; #4, #5, #7 and #8 overdue (#8 extended to
    # 31/10 is in time instead).
    assert stats.overall == Figures(original=tally(0, 1, 1, 4), extended=tally(0, 1, 2, 3))


def test_six_months_count_each_completion_once_across_the_quarter_boundary() -> None:
    stats = compute(ROWS, period=half_year(2026, 2), as_of=AS_OF)
    assert stats.overall == Figures(original=tally(2, 3, 1, 4), extended=tally(3, 2, 2, 3))


def test_a_year_counts_everything_due_or_done_in_it() -> None:
    stats = compute(ROWS, period=year_period(2026), as_of=date(2027, 1, 15))
    # Done: #1 #13 on time; #2 #9 #14 late; #3 late (on time extended). Open: #4 #5 #6 #7 #8.
    assert stats.overall == Figures(original=tally(2, 4, 0, 5), extended=tally(3, 3, 0, 5))


def test_the_ranking_puts_the_best_on_time_rate_first_and_the_unjudged_last() -> None:
    stats = compute(ROWS, period=quarter(2026, 3), as_of=AS_OF)
    extended = [(r.agency_code, r.rank) for r in stats.ranking(Basis.EXTENDED)]
    assert extended == [("SXD", 1), ("SGTVT", 2), ("STC", 3), ("SNV", None)]
    original = [(r.agency_code, r.rank) for r in stats.ranking(Basis.ORIGINAL)]
    # SGTVT 1/2 beats SXD 1/3; STC and SNV both 0, STC has more fallen due.
    assert original == [("SGTVT", 1), ("SXD", 2), ("STC", 3), ("SNV", 4)]


def test_equal_agencies_share_a_rank_and_the_next_rank_is_skipped() -> None:
    same = Figures(original=tally(1, 1, 0, 0), extended=tally(1, 1, 0, 0))
    ranked = rank_agencies(
        {
            "A": same,
            "B": Figures(original=tally(3, 0, 0, 0)),
            "C": same,
            "D": Figures(original=tally(1, 0, 0, 1)),
            "E": Figures(original=tally(0, 0, 2, 0)),
        },
        basis=Basis.ORIGINAL,
    )
    assert [(r.agency_code, r.rank) for r in ranked] == [
        ("B", 1),
        ("A", 2),
        ("C", 2),
        ("D", 4),
        ("E", None),
    ]
    assert ranked[-1] == Ranked("E", None, tally(0, 0, 2, 0))


def _ranked_by_fractions(by_agency: dict[str, Figures]) -> list[tuple[str, int | None]]:
    """The ranking by the rule as written, with exact fractions."""
    rated = [(c, f.original) for c, f in by_agency.items() if f.original.fell_due]

    def merit(t: Tally) -> tuple[Fraction, int, int, int]:
        return (-Fraction(t.done_on_time, t.fell_due), -t.fell_due, t.open_overdue, t.done_late)

    rated.sort(key=lambda e: (merit(e[1]), e[0]))
    ranks: list[tuple[str, int | None]] = []
    for position, (code, t) in enumerate(rated, start=1):
        same = position > 1 and merit(rated[position - 2][1]) == merit(t)
        ranks.append((code, ranks[-1][1] if same else position))
    unrated = sorted(c for c, f in by_agency.items() if not f.original.fell_due)
    return ranks + [(c, None) for c in unrated]


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 999_999), st.integers(0, 999_999), st.integers(0, 3), st.booleans()
        ),
        max_size=40,
    )
)
def test_ranking_by_float_rates_orders_exactly_as_by_fractions(
    drawn: list[tuple[int, int, int, bool]],
) -> None:
    by_agency = {}
    for n, (on_time, late, overdue, near) in enumerate(drawn):
        # Near ties: 1/3 against 333,333/1,000,000 and the like.
        if near and on_time:
            late = 2 * on_time + (n % 2)
        by_agency[f"A{n:03d}"] = Figures(original=tally(on_time, late, 0, overdue))
    ranked = rank_agencies(by_agency, basis=Basis.ORIGINAL)
    assert [(r.agency_code, r.rank) for r in ranked] == _ranked_by_fractions(by_agency)


@settings(deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=8, max_size=8), max_size=30),
    st.integers(0, 6),
    st.integers(0, 6),
    st.sampled_from(Basis),
)
def test_the_standing_from_eight_figures_is_the_whole_rankings(
    drawn: list[list[int]], best: int, weakest: int, basis: Basis
) -> None:
    # Small figures: many ties, and agencies with nothing fallen due.
    eights = {f"A{n:02d}": eight for n, eight in enumerate(drawn)}
    figures = {
        code: Figures(original=Tally(*eight[:4]), extended=Tally(*eight[4:]))
        for code, eight in eights.items()
    }
    whole = standing_of(rank_agencies(figures, basis=basis), best=best, weakest=weakest)
    assert standing_by_figures(eights, basis=basis, best=best, weakest=weakest) == whole


def test_a_standing_shows_the_ends_of_a_long_ranking() -> None:
    figures = {f"A{n:02d}": Figures(extended=tally(n, 1, 0, 0)) for n in range(20)}
    figures["Z"] = Figures(extended=tally(0, 0, 4, 0))
    standing = standing_of(rank_agencies(figures, basis=Basis.EXTENDED), best=3, weakest=2)
    assert [(r.agency_code, r.rank) for r in standing.best] == [
        ("A19", 1),
        ("A18", 2),
        ("A17", 3),
    ]
    assert [(r.agency_code, r.rank) for r in standing.weakest] == [("A01", 19), ("A00", 20)]
    assert (standing.hidden, standing.unrated) == (15, 1)


def test_the_on_time_rate_leaves_out_work_still_in_time() -> None:
    assert tally(2, 1, 5, 1).on_time_rate == Fraction(1, 2)
    assert tally(0, 0, 3, 0).on_time_rate is None


@pytest.mark.parametrize(
    ("item", "basis", "bucket"),
    [
        (row(1, "A", "P", date(2026, 8, 15), status=DONE, completed=date(2026, 8, 15)),
         Basis.ORIGINAL, Bucket.DONE_ON_TIME),
        (row(1, "A", "P", date(2026, 8, 15), status=DONE, completed=date(2026, 8, 16)),
         Basis.ORIGINAL, Bucket.DONE_LATE),
        (row(1, "A", "P", date(2026, 8, 15), extended=date(2026, 9, 1), status=DONE,
             completed=date(2026, 8, 16)), Basis.EXTENDED, Bucket.DONE_ON_TIME),
        (row(1, "A", "P", date(2026, 8, 15), status=DONE, completed=date(2026, 8, 1),
             confirmed=False), Basis.ORIGINAL, Bucket.OPEN_OVERDUE),
        (row(1, "A", "P", date(2026, 9, 29)), Basis.ORIGINAL, Bucket.OPEN_OVERDUE),
        (row(1, "A", "P", date(2026, 9, 30)), Basis.ORIGINAL, Bucket.OPEN_IN_TIME),
        (row(1, "A", "P", date(2025, 1, 1)), Basis.ORIGINAL, Bucket.OPEN_OVERDUE),
        (row(1, "A", "P", date(2026, 10, 1)), Basis.ORIGINAL, None),
        (row(1, "A", "P", date(2026, 8, 1), status=CANCELLED), Basis.ORIGINAL, None),
        (row(1, "A", "P", None), Basis.EXTENDED, None),
    ],
)  # fmt: skip
def test_a_row_falls_in_one_bucket_or_none(
    item: AssignmentRow, basis: Basis, bucket: Bucket | None
) -> None:
    assert classify(item, basis=basis, period=quarter(2026, 3), as_of=AS_OF) == bucket


PERIODS = [
    ("quý", quarter(2026, 3)),
    ("Quý 3", quarter(2026, 3)),
    ("quý III/2026", quarter(2026, 3)),
    ("Quý IV năm 2025", quarter(2025, 4)),
    ("quý trước", quarter(2026, 2)),
    ("quy sau", quarter(2026, 4)),
    ("Q1", quarter(2026, 1)),
    ("6 tháng", half_year(2026, 2)),
    ("6 tháng đầu năm 2026", half_year(2026, 1)),
    ("6 tháng cuối năm", half_year(2026, 2)),
    ("sáu tháng đầu năm", half_year(2026, 1)),
    ("H1", half_year(2026, 1)),
    ("năm", year_period(2026)),
    ("năm 2025", year_period(2025)),
    ("năm trước", year_period(2025)),
    ("cả năm", year_period(2026)),
    ("2024", year_period(2024)),
    ("từ 01/7/2026 đến 30/9/2026", Period(date(2026, 7, 1), date(2026, 9, 30))),
    ("01/07/2026-15/08/2026", Period(date(2026, 7, 1), date(2026, 8, 15))),
    ("hello", None),
    ("quý 5", None),
    ("từ 30/9/2026 đến 1/7/2026", None),
    ("6 tháng 2026", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "period"), PERIODS)
def test_a_period_reads_as_a_coordinator_asks_for_it(text: str, period: Period | None) -> None:
    assert parse_period(text, today=date(2026, 8, 15)) == period


@pytest.mark.parametrize(
    ("text", "period", "rest"),
    [
        ("quý", quarter(2026, 3), ""),
        ("quý 2 STTTT", quarter(2026, 2), "STTTT"),
        ("STTTT quý II/2026", quarter(2026, 2), "STTTT"),
        ("6 tháng đầu năm 40/KH-UBND", half_year(2026, 1), "40/KH-UBND"),
        ("năm 2025 UBND các quận, huyện", year_period(2025), "UBND các quận, huyện"),
        ("Sở Xây dựng", None, "Sở Xây dựng"),
        ("", None, ""),
    ],
)
def test_a_period_is_read_before_or_after_the_agency_or_plan(
    text: str, period: Period | None, rest: str
) -> None:
    assert split_period(text, today=date(2026, 8, 15)) == (period, rest)


@pytest.mark.parametrize(
    ("period", "locale", "heading"),
    [
        (quarter(2026, 3), "vi", "Quý III/2026"),
        (half_year(2026, 1), "vi", "6 tháng đầu năm 2026"),
        (year_period(2026), "en", "Year 2026"),
        (half_year(2026, 2), "en", "Second half of 2026"),
        (Period(date(2026, 7, 1), date(2026, 8, 15)), "en", "From 01/07/2026 to 15/08/2026"),
    ],
)
def test_a_period_names_itself_as_a_report_heading(
    period: Period, locale: str, heading: str
) -> None:
    assert period.render(gettext_for(locale)) == heading


def test_period_helpers_refuse_impossible_periods() -> None:
    with pytest.raises(ValueError):
        quarter(2026, 5)
    with pytest.raises(ValueError):
        half_year(2026, 3)
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 1))
    assert quarter(2026, 1).kind is PeriodKind.QUARTER


def test_every_bucket_has_a_name_in_both_languages() -> None:
    english = gettext_for("en")
    for name in BUCKET_NAMES.values():
        assert english(name) != name


DAYS = st.dates(min_value=date(2025, 10, 1), max_value=date(2027, 3, 31))
ROW = st.builds(
    AssignmentRow,
    assignment_id=st.integers(1, 10_000),
    agency_code=st.sampled_from(["A", "B", "C"]),
    plan_ref=st.sampled_from(["P1", "P2"]),
    original_due=st.one_of(st.none(), DAYS),
    extended_due=st.one_of(st.none(), DAYS),
    status=st.sampled_from(list(Status)),
    completed_on=st.one_of(st.none(), DAYS),
    confirmed=st.booleans(),
)


@settings(deadline=None)
@given(st.lists(ROW, max_size=40), st.sampled_from(list(Basis)))
def test_quarters_of_a_finished_year_count_each_completion_exactly_once(
    rows: list[AssignmentRow], basis: Basis
) -> None:
    as_of = date(2027, 6, 1)
    year = compute(rows, period=year_period(2026), as_of=as_of).overall.of(basis)
    quarters = [
        compute(rows, period=quarter(2026, n), as_of=as_of).overall.of(basis) for n in (1, 2, 3, 4)
    ]
    assert (
        sum(q.done_on_time + q.done_late for q in quarters) == year.done_on_time + year.done_late
    )
    # Open work at the year's end is what the last quarter still holds open.
    assert (
        quarters[3].open_overdue + quarters[3].open_in_time
        == year.open_overdue + year.open_in_time
    )


@settings(deadline=None)
@given(st.lists(ROW, max_size=40), DAYS)
def test_agencies_and_plans_add_up_to_the_whole(rows: list[AssignmentRow], as_of: date) -> None:
    stats = compute(rows, period=quarter(2026, 3), as_of=as_of)
    for basis in Basis:
        total = stats.overall.of(basis)
        for part in (stats.by_agency, stats.by_plan):
            for bucket in Bucket:
                assert sum(f.of(basis).count(bucket) for f in part.values()) == total.count(bucket)
        ranked = stats.ranking(basis)
        assert sorted(r.agency_code for r in ranked) == sorted(stats.by_agency)
        rates = [r.tally.on_time_rate for r in ranked if r.rank is not None]
        assert None not in rates
        assert rates == sorted(rates, reverse=True)
