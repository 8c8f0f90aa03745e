"""The deadline wording of 2025-2026 administrative documents, beyond the seed plans."""

from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.deadlines import ContextYear, Deadline, DeadlineKind, YearSource, parse_deadline
from domain.problems import year_inferred
from domain.recurrence import Cadence, Recurrence
from locales import gettext_for

K = DeadlineKind
HEADER_2026 = ContextYear(2026, YearSource.HEADER)
RECURRING = "recurring"


def monthly(before_day: int | None = None, *, after: bool = False) -> Recurrence:
    return Recurrence(Cadence.MONTHLY, before_day=before_day, after_period=after)


def quarterly(before_day: int | None = None, *, after: bool = False) -> Recurrence:
    return Recurrence(Cadence.QUARTERLY, before_day=before_day, after_period=after)


def yearly(
    month: int | None = None,
    before_day: int | None = None,
    *,
    quarter: int | None = None,
    after: bool = False,
) -> Recurrence:
    return Recurrence(
        Cadence.YEARLY, month=month, quarter=quarter, before_day=before_day, after_period=after
    )


def weekly(weekday: int, at: time | None = None) -> Recurrence:
    return Recurrence(Cadence.WEEKLY, weekday=weekday, due_time=at)


def dated(
    phrase: str,
    kind: DeadlineKind,
    due: date,
    *,
    before: bool = False,
    at: time | None = None,
    parts: tuple[date, ...] = (),
) -> object:
    return pytest.param(phrase, kind, due, before, at, None, None, parts, id=phrase)


def recurs(phrase: str, rule: Recurrence, *parts: Recurrence) -> object:
    return pytest.param(phrase, K.RECURRING, None, False, None, rule, RECURRING, parts, id=phrase)


def unread(phrase: str, reason: str) -> object:
    return pytest.param(phrase, K.UNREAD, None, False, None, None, reason, (), id=phrase)


# Read with a column header that says "Năm 2026". `parts` are the due dates (or rules) of a
# list, in order; the deadline itself is the first of them.
FAMILIES = [
    # "chậm nhất / muộn nhất": due on the day named
    dated("chậm nhất là ngày 15/01/2026", K.DATE, date(2026, 1, 15)),
    dated("cham nhat la ngay 15/01/2026", K.DATE, date(2026, 1, 15)),
    dated("Chậm nhất ngày 15/01/2026 gửi Sở Tài chính tổng hợp", K.DATE, date(2026, 1, 15)),
    dated("CHẬM NHẤT LÀ NGÀY 15/01/2026 …", K.DATE, date(2026, 1, 15)),
    dated("chậm nhất là ngày\u00a015/01/2026", K.DATE, date(2026, 1, 15)),
    dated("chậm nhất  là  ngày  15 / 01 / 2026", K.DATE, date(2026, 1, 15)),
    dated("chậm nhất là\u200b ngày 15/01/2026", K.DATE, date(2026, 1, 15)),
    dated("chậm nhất là ngày 15 tháng 01 năm 2026", K.DATE, date(2026, 1, 15)),
    dated("muộn nhất ngày 31/3/2026", K.DATE, date(2026, 3, 31)),
    dated("muon nhat la ngay 31/3/2026, gui ve So Noi vu", K.DATE, date(2026, 3, 31)),
    dated("ngày15/01/2026", K.DATE, date(2026, 1, 15)),
    # "trước ngày": the day before
    dated("chậm nhất trước ngày 15/01/2026", K.DATE, date(2026, 1, 14), before=True),
    dated("xong trước ngày 15/01/2026", K.DATE, date(2026, 1, 14), before=True),
    dated("trước ngày15/01/2026", K.DATE, date(2026, 1, 14), before=True),
    dated("hoàn thành trước ngày 20/12/2025.", K.DATE, date(2025, 12, 19), before=True),
    dated(
        "hoan thanh truoc ngay 20/12/2025 de tong hop bao cao UBND tinh",
        K.DATE,
        date(2025, 12, 19),
        before=True,
    ),
    # the one time clause of a longer sentence; cited documents' dates are theirs
    dated("trong tháng 01/2026", K.MONTH, date(2026, 1, 31)),
    dated("Trong thang 01/2026", K.MONTH, date(2026, 1, 31)),
    dated("trong tháng 01 năm 2026", K.MONTH, date(2026, 1, 31)),
    dated(
        "Ban hành Kế hoạch triển khai trong tháng 01/2026 và tổ chức thực hiện",
        K.MONTH,
        date(2026, 1, 31),
    ),
    dated(
        "Căn cứ Nghị định số 52/2015/NĐ-CP ngày 28/5/2015, hoàn thành trong tháng 3/2026",
        K.MONTH,
        date(2026, 3, 31),
    ),
    dated(
        "Triển khai Quyết định 123/QĐ-UBND ngày 05/6/2023 trước ngày 30/6/2026",
        K.DATE,
        date(2026, 6, 29),
        before=True,
    ),
    dated(
        "Thực hiện Kế hoạch số 40 /KH-UBND ngày 13 /02/2023, hoàn thành trong tháng 01/2026",
        K.MONTH,
        date(2026, 1, 31),
    ),
    dated("Tháng 01/2026 (sau khi có hướng dẫn của Bộ)", K.MONTH, date(2026, 1, 31)),
    # a time of day
    dated("trước 17 giờ ngày 20/01/2026", K.DATE, date(2026, 1, 20), at=time(17)),
    dated("chậm nhất 17h00, ngày 20/01/2026", K.DATE, date(2026, 1, 20), at=time(17)),
    dated("truoc 17 gio 30 ngay 20/01/2026", K.DATE, date(2026, 1, 20), at=time(17, 30)),
    # no year: the header's
    dated("ngày 23 tháng 1", K.DATE, date(2026, 1, 23)),
    dated("23/1", K.DATE, date(2026, 1, 23)),
    dated("ngay 23/1", K.DATE, date(2026, 1, 23)),
    dated("tháng 3", K.MONTH, date(2026, 3, 31)),
    # several dates in one cell
    dated(
        "tháng 3, tháng 9",
        K.MONTH,
        date(2026, 3, 31),
        parts=(date(2026, 3, 31), date(2026, 9, 30)),
    ),
    dated(
        "thang 3 va thang 9",
        K.MONTH,
        date(2026, 3, 31),
        parts=(date(2026, 3, 31), date(2026, 9, 30)),
    ),
    dated("Tháng 3, 9", K.MONTH, date(2026, 3, 31), parts=(date(2026, 3, 31), date(2026, 9, 30))),
    dated(
        "Quý II và Quý IV/2026",
        K.QUARTER,
        date(2026, 6, 30),
        parts=(date(2026, 6, 30), date(2026, 12, 31)),
    ),
    dated(
        "Quy II va Quy IV /2026",
        K.QUARTER,
        date(2026, 6, 30),
        parts=(date(2026, 6, 30), date(2026, 12, 31)),
    ),
    dated(
        "trước ngày 15/6 và 15/12/2026",
        K.DATE,
        date(2026, 6, 14),
        before=True,
        parts=(date(2026, 6, 14), date(2026, 12, 14)),
    ),
    # recurring, with the day rule
    recurs("trước ngày 05 của tháng liền kề", monthly(5, after=True)),
    recurs("truoc ngay 05 cua thang lien ke", monthly(5, after=True)),
    recurs("trước ngày 05 tháng sau", monthly(5, after=True)),
    recurs("Báo cáo tháng gửi trước ngày 05 của tháng tiếp theo", monthly(5, after=True)),
    recurs("hằng tháng trước ngày 25", monthly(25)),
    recurs("Hàng tháng (trước ngày 25)", monthly(25)),
    recurs("hằng quý, trước ngày 20 của tháng cuối quý", quarterly(20)),
    recurs("hang quy, truoc ngay 20 cua thang cuoi quy", quarterly(20)),
    recurs("trước ngày 10 của tháng đầu quý sau", quarterly(10, after=True)),
    recurs("trước ngày 31/01 năm liền kề", yearly(1, 31, after=True)),
    recurs("trước ngày 31 tháng 01 năm sau", yearly(1, 31, after=True)),
    recurs("trước ngày 15/12 hằng năm", yearly(12, 15)),
    recurs("trong tháng 01 hằng năm", yearly(1)),
    recurs("trong thang 01 hang nam", yearly(1)),
    recurs("tháng 02 hàng năm", yearly(2)),
    recurs("trước tháng 02 hằng năm", yearly(2, 1)),
    recurs(
        "6 tháng (trước ngày 15/6) và năm (trước ngày 15/12)",
        Recurrence(Cadence.SIX_MONTHLY, before_day=15),
    ),
    recurs(
        "Báo cáo 6 thang (truoc ngay 15/6) va nam (truoc ngay 15/12)",
        Recurrence(Cadence.SIX_MONTHLY, before_day=15),
    ),
    recurs(
        "6 tháng (trước ngày 20/6) và năm (trước ngày 15/12)",
        yearly(6, 20),
        yearly(6, 20),
        yearly(12, 15),
    ),
    recurs("tháng 3, tháng 9 hằng năm", yearly(3), yearly(3), yearly(9)),
    recurs("Quý II và Quý IV hằng năm", yearly(quarter=2), yearly(quarter=2), yearly(quarter=4)),
    # weekly, with the weekday and the hour
    recurs("định kỳ trước 16 giờ ngày thứ Sáu hằng tuần", weekly(4, time(16))),
    recurs("dinh ky truoc 16 gio ngay thu sau hang tuan", weekly(4, time(16))),
    recurs("trước 16h00 thứ 6 hàng tuần", weekly(4, time(16))),
    recurs("hằng tuần, trước 10 giờ sáng thứ Hai", weekly(0, time(10))),
    recurs("16 giờ 30 thứ Năm hằng tuần", weekly(3, time(16, 30))),
    recurs("trước thứ Sáu hằng tuần", weekly(3)),
    recurs("Chủ nhật hằng tuần", weekly(6)),
    # traps: never a date
    unread("Nghị định số 52/2015/NĐ-CP ngày 28/5/2015", "unrecognised"),
    unread("Quyết định 123/QĐ-UBND ngày 05/6/2023", "unrecognised"),
    unread("Kế hoạch số 40/KH-UBND ngày 13/02/2023", "unrecognised"),
    unread("Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị", "unrecognised"),
    unread("Thời gian thực hiện: theo Quyết định 123/QĐ-UBND ngày 05/6/2023", "unrecognised"),
    unread("số 15/2026", "unrecognised"),
    unread("Văn bản số 15/2026", "unrecognised"),
    unread("Liên hệ 0225.3842.123", "unrecognised"),
    unread("ĐT: 0912 345 678", "unrecognised"),
    unread("trong 15 ngày kể từ ngày nhận được văn bản", "unrecognised"),
    unread("Hội nghị ngày 15/01/2026 đã thống nhất", "unrecognised"),
    unread("Phát triển du lịch đến năm 2030, trong giai đoạn 2021-2025", "unrecognised"),
    unread("triển khai trong 3/5 xã", "unrecognised"),
    # traps: a time the reader sees but cannot read
    unread("trước 25 giờ thứ Sáu hằng tuần", "invalid time"),
    unread("trước 24 giờ ngày 20/01/2026", "invalid time"),
    unread("hoàn thành trong tháng 13/2026", "invalid month"),
    unread("chậm nhất là ngày 31/02/2026", "invalid date"),
    unread("tháng 9, tháng 3", "ambiguous"),
    unread("tháng 3, tháng 3", "ambiguous"),
    unread("trong tháng 01/2026 hằng tuần", "unrecognised"),
    unread("Quý I/2026 hằng năm", "unrecognised"),
    unread("hằng quý trước ngày 15/3", "invalid recurrence"),
    unread("hằng tháng, trước ngày 10 của tháng đầu quý sau", "invalid recurrence"),
    unread("trước ngày 40 hàng tháng gửi Sở", "invalid recurrence"),
]


@pytest.mark.parametrize(
    ("phrase", "kind", "due_date", "strictly_before", "due_time", "recurrence", "reason", "parts"),
    FAMILIES,
)
def test_phrase_of_a_2025_2026_document_is_read_as_it_means(
    phrase: str,
    kind: DeadlineKind,
    due_date: date | None,
    strictly_before: bool,
    due_time: time | None,
    recurrence: Recurrence | None,
    reason: str | None,
    parts: tuple[date | Recurrence, ...],
) -> None:
    deadline = parse_deadline(phrase, context_year=HEADER_2026)

    assert (
        deadline.kind,
        deadline.due_date,
        deadline.strictly_before,
        deadline.due_time,
        deadline.recurrence,
        deadline.reason,
    ) == (kind, due_date, strictly_before, due_time, recurrence, reason)
    assert tuple(part.recurrence or part.due_date for part in deadline.parts) == parts
    assert deadline.original == phrase


def test_the_table_covers_at_least_sixty_phrases() -> None:
    assert len(FAMILIES) >= 60


@pytest.mark.parametrize(
    ("phrase", "source"),
    [
        ("ngày 23 tháng 1", YearSource.HEADER),
        ("Tháng 3, tháng 9", YearSource.HEADER),
        ("Quý IV", YearSource.HEADER),
        ("trước 17 giờ ngày 20/1", YearSource.HEADER),
        ("15/01/2026", None),
        ("Quý II và Quý IV/2026", None),
    ],
)
def test_a_year_from_the_header_is_marked_and_a_stated_one_is_not(
    phrase: str, source: YearSource | None
) -> None:
    deadline = parse_deadline(phrase, context_year=HEADER_2026)

    assert deadline.due_date is not None
    assert deadline.due_date.year == 2026
    assert deadline.year_inferred_from == source
    assert all(part.year_inferred_from == source for part in deadline.parts)


def test_the_context_year_wins_over_the_plan_year_and_the_plan_year_stays_silent() -> None:
    from_document = parse_deadline(
        "Tháng 6", plan_year=2023, context_year=ContextYear(2026, YearSource.DOCUMENT)
    )
    from_plan = parse_deadline("Tháng 6", plan_year=2023)

    assert (from_document.due_date, from_document.year_inferred_from) == (
        date(2026, 6, 30),
        YearSource.DOCUMENT,
    )
    assert (from_plan.due_date, from_plan.year_inferred_from) == (date(2023, 6, 30), None)


@pytest.mark.parametrize("phrase", ["23/1", "ngày 23 tháng 1", "tháng 3, tháng 9", "Quý II, IV"])
def test_a_phrase_without_a_year_is_unread_when_no_year_is_known(phrase: str) -> None:
    deadline = parse_deadline(phrase)

    assert (deadline.kind, deadline.due_date, deadline.reason) == (K.UNREAD, None, "no year")


def test_the_importer_can_say_where_the_year_came_from_in_both_languages() -> None:
    deadline = parse_deadline("Tháng 3", context_year=HEADER_2026)
    problem = year_inferred(deadline, HEADER_2026)

    assert problem is not None
    assert problem.render(gettext_for("vi")) == (
        "Thời hạn «Tháng 3» không ghi năm; lấy năm 2026 ở tiêu đề cột"
    )
    assert problem.render(gettext_for("en")) == (
        "The deadline «Tháng 3» gives no year; 2026 was taken from the column header"
    )
    assert (
        year_inferred(parse_deadline("Tháng 3/2026", context_year=HEADER_2026), HEADER_2026)
        is None
    )


def test_a_list_is_its_first_part_and_each_part_stands_alone() -> None:
    deadline = parse_deadline("Quý II và Quý IV/2026")

    assert deadline.parts == (
        Deadline(
            original="", kind=K.QUARTER, due_date=date(2026, 6, 30), period_start=date(2026, 4, 1)
        ),
        Deadline(
            original="",
            kind=K.QUARTER,
            due_date=date(2026, 12, 31),
            period_start=date(2026, 10, 1),
        ),
    )
    assert (deadline.due_date, deadline.period_start) == (date(2026, 6, 30), date(2026, 4, 1))


def test_several_time_sentences_keep_the_latest_without_parts() -> None:
    deadline = parse_deadline("Ban hành trong tháng 01/2026; báo cáo trước ngày 05/02/2026")

    assert (deadline.due_date, deadline.parts) == (date(2026, 2, 4), ())
    assert deadline.reason == "several deadlines; the latest is kept"


# --- properties ---------------------------------------------------------------------------

TOKENS = [
    "trước", "truoc", "chậm nhất", "muộn nhất", "là", "ngày", "ngay", "tháng", "thang", "quý",
    "Quy", "năm", "nam", "hằng", "hàng", "tuần", "thứ", "Sáu", "sau", "Hai", "Chủ nhật",
    "định kỳ", "giờ", "h", "liền kề", "cuối", "đầu", "của", "và", "va", ",", ";", ".", "(",
    ")", "/", "-", ":", "…", "\u00a0", "\u200b", "số", "NĐ-CP", "QĐ-UBND", "KH-UBND", "I",
    "II", "IV", "V", "0", "1", "5", "6", "12", "13", "15", "16", "24", "31", "40", "99",
    "2015", "2023", "2026", "1850", "15/01/2026", "31/02/2026", "23/1", "3/5",
]  # fmt: skip


@settings(deadline=None)
@given(
    text=st.one_of(st.text(), st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)),
    year=st.none() | st.integers(min_value=1, max_value=9999),
    source=st.sampled_from(YearSource),
)
def test_the_reader_never_raises_and_keeps_the_original(
    text: str, year: int | None, source: YearSource
) -> None:
    context = None if year is None else ContextYear(year, source)

    deadline = parse_deadline(text, plan_year=year, context_year=context)

    assert deadline.original == text
    assert all(part.due_date is not None or part.recurrence for part in deadline.parts)
    if deadline.kind == K.UNREAD:
        assert deadline.reason


DOCUMENT_KINDS = [
    "Nghị định", "Quyết định", "Kế hoạch", "Thông tư", "Nghị quyết", "Công văn", "Chỉ thị",
    "Thông báo", "Báo cáo", "Luật",
]  # fmt: skip
SYMBOLS = ["NĐ-CP", "QĐ-UBND", "KH-UBND", "TT-BTTTT", "CT-TTg", "UBND-VP", "BC-STTTT", "QH15"]


@st.composite
def citations(draw: st.DrawFn) -> str:
    """A cited document, as 2025-2026 texts write them, with or without its date."""
    number = draw(st.integers(min_value=1, max_value=9999))
    year = draw(st.integers(min_value=1990, max_value=2030))
    symbol = draw(st.sampled_from(SYMBOLS))
    reference = draw(
        st.sampled_from(
            [f"{number}/{symbol}", f"{number} /{symbol}", f"{number}/{year}/{symbol}",
             f"{number}-{symbol.split('-')[0]}/TW", f"{number}/{year}"]
        )
    )  # fmt: skip
    day = draw(st.integers(min_value=1, max_value=28))
    month = draw(st.integers(min_value=1, max_value=12))
    when = draw(
        st.sampled_from(
            ["", f" ngày {day}/{month}/{year}", f" ngày {day:02d}/{month:02d}/{year}",
             f", ngày {day} tháng {month} năm {year}", f" ngày {day} /{month:02d}/{year}"]
        )
    )  # fmt: skip
    lead = draw(st.sampled_from(["", "Căn cứ ", "Thực hiện ", "theo ", "tại "]))
    kind = draw(st.sampled_from(DOCUMENT_KINDS))
    number_word = draw(st.sampled_from(["", "số ", "số: "]))
    return f"{lead}{kind} {number_word}{reference}{when}"


PHONE = r"0[1-9][0-9]{1,2}([ .-]?[0-9]{3,4}){2}"


@settings(deadline=None)
@given(text=st.one_of(citations(), st.from_regex(PHONE, fullmatch=True)))
def test_a_cited_document_or_a_phone_number_alone_is_never_a_deadline(text: str) -> None:
    deadline = parse_deadline(text, plan_year=2026, context_year=HEADER_2026)

    assert deadline.due_date is None
    assert deadline.recurrence is None
    assert deadline.parts == ()


@settings(deadline=None)
@given(citation=citations(), due=st.dates(date(2000, 1, 2), date(2099, 12, 31)))
def test_a_cited_document_before_the_deadline_does_not_change_it(citation: str, due: date) -> None:
    deadline = parse_deadline(f"{citation}, hoàn thành trước ngày {due:%d/%m/%Y}")

    assert (deadline.kind, deadline.due_date, deadline.strictly_before) == (
        K.DATE,
        date.fromordinal(due.toordinal() - 1),
        True,
    )


WEEKDAY_NAMES = [
    ("thứ Hai", 0), ("thứ 2", 0), ("thứ Ba", 1), ("thứ 3", 1), ("thứ Tư", 2), ("thứ 4", 2),
    ("thứ Năm", 3), ("thứ 5", 3), ("thứ Sáu", 4), ("thứ 6", 4), ("thứ Bảy", 5), ("thứ 7", 5),
    ("Chủ nhật", 6),
]  # fmt: skip


@settings(deadline=None)
@given(
    day=st.sampled_from(WEEKDAY_NAMES),
    hour=st.integers(min_value=0, max_value=23),
    clock=st.sampled_from(["{h} giờ", "{h}h00", "{h}h", "{h} gio"]),
    shape=st.sampled_from(
        ["định kỳ trước {clock} ngày {day} hằng tuần", "hằng tuần, trước {clock} {day}",
         "{clock} {day} hàng tuần", "dinh ky truoc {clock} ngay {day} hang tuan"]
    ),
)  # fmt: skip
def test_a_weekly_phrase_names_its_weekday_and_hour(
    day: tuple[str, int], hour: int, clock: str, shape: str
) -> None:
    name, weekday = day
    phrase = shape.format(clock=clock.format(h=hour), day=name)

    deadline = parse_deadline(phrase)

    assert deadline.recurrence == Recurrence(Cadence.WEEKLY, weekday=weekday, due_time=time(hour))


WORDS = [
    "Sở", "Xây", "dựng", "Ủy", "ban", "nhân", "dân", "tỉnh", "triển", "khai", "kế", "hoạch",
    "chủ", "trì", "phối", "hợp", "báo", "cáo", "kết", "quả", "trước", "trong", "chậm", "nhất",
    "muộn", "hoàn", "thành", "xong", "vào", "theo", "tại", "của", "và", "ngày", "hằng",
    ",", ";", ".", "(", ")", "-", ":",
]  # fmt: skip


@settings(deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(WORDS), citations()), min_size=1, max_size=10).map(" ".join)
)
def test_words_and_cited_documents_without_a_time_never_get_a_date(text: str) -> None:
    deadline = parse_deadline(text, context_year=HEADER_2026)

    assert deadline.due_date is None
    assert deadline.parts == ()
