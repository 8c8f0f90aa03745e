from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.deadlines import Deadline, DeadlineKind, parse_deadline
from domain.recurrence import Cadence, Recurrence

K = DeadlineKind
PLAN_YEAR = 2023

# phrase -> (kind, due_date, strictly_before, open_ended, recurrence), read with plan_year=2023.
# The first block holds every distinct deadline phrase of the seed documents (table cells,
# "- Thời gian hoàn thành:" lines, dated prose and the reporting-duty day rules).
TABLE: list[tuple[str, DeadlineKind, date | None, bool, bool, Recurrence | None]] = [
    # 000 appendix: Bắt đầu / Hoàn thành cells
    ("Quý I/2023", K.QUARTER, date(2023, 3, 31), False, False, None),
    ("Quý II/2023", K.QUARTER, date(2023, 6, 30), False, False, None),
    ("Quý IV/2023", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("Quý IV /2023", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("Quý IV /2023 và các năm tiếp theo", K.QUARTER, date(2023, 12, 31), False, True, None),
    ("Quý I/2021", K.QUARTER, date(2021, 3, 31), False, False, None),
    ("Quý I/2022", K.QUARTER, date(2022, 3, 31), False, False, None),
    ("Trong năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("Năm 2022", K.YEAR, date(2022, 12, 31), False, False, None),
    ("Năm 2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("Sau khi Quy hoạch chung được duyệt", K.CONDITIONAL, None, False, False, None),
    # 000 prose
    ("trước tháng 6 năm 2023", K.MONTH, date(2023, 5, 31), True, False, None),
    ("trong quý II năm 2023", K.QUARTER, date(2023, 6, 30), False, False, None),
    ("Thường xuyên", K.ONGOING, None, False, False, None),
    # 004 PHỤ LỤC 5, group III, and the dates of the reports for UBND meetings
    (
        "DỰ ÁN ĐANG TRIỂN KHAI VÀ CHUYỂN TIẾP TỪ NĂM 2022 SANG NĂM 2023",
        K.ONGOING,
        None,
        False,
        False,
        None,
    ),
    (
        "tại Phiên họp thường kỳ của Ủy ban nhân dân thành phố tháng 02/2023",
        K.MONTH,
        date(2023, 2, 28),
        False,
        False,
        None,
    ),
    ("tại phiên họp thường kỳ cuối năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("tại phiên họp thường kỳ", K.UNREAD, None, False, False, None),
    (
        "Định kỳ 6 tháng và cuối năm",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.SIX_MONTHLY),
    ),
    (
        "Định kỳ 6 tháng, cuối năm",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.SIX_MONTHLY),
    ),
    (
        "Định kỳ 6 tháng và cuối năm (trước ngày 19 của tháng)",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.SIX_MONTHLY, before_day=19),
    ),
    ("định kỳ hàng tháng", K.RECURRING, None, False, False, Recurrence(Cadence.MONTHLY)),
    ("đột xuất", K.CONDITIONAL, None, False, False, None),
    ("nếu phát sinh khó khăn, vướng mắc", K.CONDITIONAL, None, False, False, None),
    # 001 "- Thời gian hoàn thành:" lines
    (
        "- Thời gian hoàn thành: tháng 02 hàng năm.",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.YEARLY, month=2),
    ),
    ("- Thời gian hoàn thành: tháng 06 năm 2023.", K.MONTH, date(2023, 6, 30), False, False, None),
    (
        "- Thời gian hoàn thành: tháng 11 năm 2022.",
        K.MONTH,
        date(2022, 11, 30),
        False,
        False,
        None,
    ),
    (
        "- Thời gian hoàn thành: tháng 12 năm 2023.",
        K.MONTH,
        date(2023, 12, 31),
        False,
        False,
        None,
    ),
    (
        "- Thời gian hoàn thành: tháng 12 năm 2022.",
        K.MONTH,
        date(2022, 12, 31),
        False,
        False,
        None,
    ),
    (
        "- Thời gian hoàn thành: tháng 12 năm 2024.",
        K.MONTH,
        date(2024, 12, 31),
        False,
        False,
        None,
    ),
    ("- Thời gian hoàn thành: tháng 6 năm 2023.", K.MONTH, date(2023, 6, 30), False, False, None),
    ("- Thời gian hoàn thành: tháng 09 năm 2022.", K.MONTH, date(2022, 9, 30), False, False, None),
    (
        "- Thời gian hoàn thành: Tháng 12 năm 2025.",
        K.MONTH,
        date(2025, 12, 31),
        False,
        False,
        None,
    ),
    ("- Thời gian hoàn thành: Quý I năm 2023.", K.QUARTER, date(2023, 3, 31), False, False, None),
    (
        "- Thời gian hoàn thành: Quý III năm 2022.",
        K.QUARTER,
        date(2022, 9, 30),
        False,
        False,
        None,
    ),
    (
        "- Thời gian hoàn thành: Quý IV năm 2022.",
        K.QUARTER,
        date(2022, 12, 31),
        False,
        False,
        None,
    ),
    (
        "- Thời gian hoàn thành: Quý IV năm 2023.",
        K.QUARTER,
        date(2023, 12, 31),
        False,
        False,
        None,
    ),
    (
        "- Thời gian hoàn thành: Quý IV hàng năm.",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.YEARLY, quarter=4),
    ),
    (
        "- Thời gian hoàn thành: Hàng năm.",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.YEARLY),
    ),
    (
        "- Thời gian hoàn thành, chính thức đưa vào sử dụng trước ngày 01/7/2022.",
        K.DATE,
        date(2022, 6, 30),
        True,
        False,
        None,
    ),
    (
        "Thời gian hoàn thành trong tháng 7 năm 2022.",
        K.MONTH,
        date(2022, 7, 31),
        False,
        False,
        None,
    ),
    (
        "Thời gian hoàn thành: theo hướng dẫn của Tổng Cục thống kê và Bộ Thông tin và Truyền "
        "thông.",
        K.CONDITIONAL,
        None,
        False,
        False,
        None,
    ),
    (
        "Thời gian hoàn thành trước tháng 12 năm 2022.",
        K.MONTH,
        date(2022, 11, 30),
        True,
        False,
        None,
    ),
    (
        "Thời hạn hoàn thành trước tháng 10 năm 2022.",
        K.MONTH,
        date(2022, 9, 30),
        True,
        False,
        None,
    ),
    # 001 VI reporting
    ("Hằng năm", K.RECURRING, None, False, False, Recurrence(Cadence.YEARLY)),
    (
        "Định kỳ hằng quý (*trước ngày 20 của tháng cuối quý*) hoặc đột xuất (khi có yêu cầu)",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.QUARTERLY, before_day=20),
    ),
    ("Định kỳ", K.RECURRING, None, False, False, None),
    ("đột xuất (khi có yêu cầu)", K.CONDITIONAL, None, False, False, None),
    # 002
    ("Trong Quý II/2023", K.QUARTER, date(2023, 6, 30), False, False, None),
    ("hết năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("đến hết năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("Hàng tháng", K.RECURRING, None, False, False, Recurrence(Cadence.MONTHLY)),
    ("nếu có khó khăn, vướng mắc", K.CONDITIONAL, None, False, False, None),
    # 003
    ("hoàn thành trong tháng 4/2022", K.MONTH, date(2022, 4, 30), False, False, None),
    ("trong quý II/2022", K.QUARTER, date(2022, 6, 30), False, False, None),
    (
        "Định kỳ hàng tháng, quý, năm",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.MONTHLY),
    ),
    ("kịp thời", K.CONDITIONAL, None, False, False, None),
    # 004 PHỤ LỤC 4 and prose
    ("Tháng 6", K.MONTH, date(2023, 6, 30), False, False, None),
    ("Tháng 10", K.MONTH, date(2023, 10, 31), False, False, None),
    ("Tháng 11", K.MONTH, date(2023, 11, 30), False, False, None),
    ("Tháng 12", K.MONTH, date(2023, 12, 31), False, False, None),
    ("Năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("Tháng 12/2023", K.MONTH, date(2023, 12, 31), False, False, None),
    ("Tháng 02/2023", K.MONTH, date(2023, 2, 28), False, False, None),
    ("Trước ngày 15 tháng 02 năm 2023", K.DATE, date(2023, 2, 14), True, False, None),
    ("trước ngày 20/11/2023", K.DATE, date(2023, 11, 19), True, False, None),
    # 004 PHỤ LỤC 5 group headers
    ("KHÁNH THÀNH NĂM 2023", K.MILESTONE, date(2023, 12, 31), False, False, None),
    ("KHỞI CÔNG NĂM 2023", K.MILESTONE, date(2023, 12, 31), False, False, None),
    ("DỰ ÁN KHÁNH THÀNH NĂM 2023", K.MILESTONE, date(2023, 12, 31), False, False, None),
    ("DỰ ÁN KHỞI CÔNG NĂM 2023", K.MILESTONE, date(2023, 12, 31), False, False, None),
    # Further spellings of each kind
    ("Quy IV/2023", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("quý 4/2023", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("Q4/2023", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("Quí III/2023", K.QUARTER, date(2023, 9, 30), False, False, None),
    ("QUÝ  II  NĂM  2023", K.QUARTER, date(2023, 6, 30), False, False, None),
    ("Quý IV", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("cuối quý III/2023", K.QUARTER, date(2023, 9, 30), False, False, None),
    ("2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("Trong nam 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("Phấn đấu hết năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("chậm nhất trong năm 2023", K.YEAR, date(2023, 12, 31), False, False, None),
    ("Năm 2023 và các năm tiếp theo", K.YEAR, date(2023, 12, 31), False, True, None),
    ("tháng 06 năm 2023", K.MONTH, date(2023, 6, 30), False, False, None),
    ("thang 6 nam 2023", K.MONTH, date(2023, 6, 30), False, False, None),
    ("trong tháng 4/2022", K.MONTH, date(2022, 4, 30), False, False, None),
    ("12/2023", K.MONTH, date(2023, 12, 31), False, False, None),
    ("Tháng 2/2024", K.MONTH, date(2024, 2, 29), False, False, None),
    ("15/02/2023", K.DATE, date(2023, 2, 15), False, False, None),
    ("20/11/2023", K.DATE, date(2023, 11, 20), False, False, None),
    ("15.02.2023", K.DATE, date(2023, 2, 15), False, False, None),
    ("ngày 15 tháng 02 năm 2023", K.DATE, date(2023, 2, 15), False, False, None),
    ("ngày 15/02", K.DATE, date(2023, 2, 15), False, False, None),
    ("trước ngày 15/02/2023", K.DATE, date(2023, 2, 14), True, False, None),
    ("trước 01/7/2022", K.DATE, date(2022, 6, 30), True, False, None),
    ("trước ngày 01/7/2022", K.DATE, date(2022, 6, 30), True, False, None),
    ("trước ngày 01/01/2023", K.DATE, date(2022, 12, 31), True, False, None),
    ("trước quý III/2023", K.QUARTER, date(2023, 6, 30), True, False, None),
    ("trước năm 2025", K.YEAR, date(2024, 12, 31), True, False, None),
    ("tháng 02 hằng năm", K.RECURRING, None, False, False, Recurrence(Cadence.YEARLY, month=2)),
    (
        "hằng quý (trước ngày 20 của tháng cuối quý)",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.QUARTERLY, before_day=20),
    ),
    (
        "trước ngày 15 hàng tháng",
        K.RECURRING,
        None,
        False,
        False,
        Recurrence(Cadence.MONTHLY, before_day=15),
    ),
    ("hàng tháng", K.RECURRING, None, False, False, Recurrence(Cadence.MONTHLY)),
    ("hằng quí", K.RECURRING, None, False, False, Recurrence(Cadence.QUARTERLY)),
    ("Định kỳ hàng năm, quý", K.RECURRING, None, False, False, Recurrence(Cadence.QUARTERLY)),
    ("Định kỳ 6 tháng", K.RECURRING, None, False, False, Recurrence(Cadence.SIX_MONTHLY)),
    ("Thời gian thực hiện: 2022-2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("cuối tháng 6", K.MONTH, date(2023, 6, 30), False, False, None),
    ("Định kỳ hằng tuần", K.RECURRING, None, False, False, None),
    ("thường xuyên, liên tục", K.ONGOING, None, False, False, None),
    ("Hằng ngày", K.ONGOING, None, False, False, None),
    ("khi có yêu cầu", K.CONDITIONAL, None, False, False, None),
    ("Giai đoạn 2023-2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("giai đoạn 2023 - 2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("2022-2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("từ năm 2022 đến năm 2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("đến năm 2025", K.YEAR, date(2025, 12, 31), False, False, None),
    ("Quý I - Quý IV/2023", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("<b>Quý IV/2023</b>", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("Thời hạn: Quý IV/2023.", K.QUARTER, date(2023, 12, 31), False, False, None),
    ("Năm 2023;", K.YEAR, date(2023, 12, 31), False, False, None),
    # Nothing to read: never a date
    ("", K.EMPTY, None, False, False, None),
    ("   \t ", K.EMPTY, None, False, False, None),
    ("<b></b>", K.EMPTY, None, False, False, None),
    ("Quý V/2023", K.UNREAD, None, False, False, None),
    ("tháng 13/2023", K.UNREAD, None, False, False, None),
    ("31/02/2023", K.UNREAD, None, False, False, None),
    ("2025-2022", K.UNREAD, None, False, False, None),
    ("Năm 1850", K.UNREAD, None, False, False, None),
    ("tháng 13 hàng năm", K.UNREAD, None, False, False, None),
    ("trước ngày 40 hàng tháng", K.UNREAD, None, False, False, None),
    ("Sở Xây dựng", K.UNREAD, None, False, False, None),
    ("Thời gian", K.UNREAD, None, False, False, None),
    ("Hoàn thành", K.UNREAD, None, False, False, None),
    ("Xây dựng Đề án phát triển du lịch đến năm 2030", K.UNREAD, None, False, False, None),
    ("tại Phiên họp thường kỳ của Ủy ban nhân dân thành phố", K.UNREAD, None, False, False, None),
    ("6 tháng đầu năm 2023", K.UNREAD, None, False, False, None),
    ("trong 6 tháng", K.UNREAD, None, False, False, None),
    ("KHỞI CÔNG", K.MILESTONE, None, False, False, None),
]


@pytest.mark.parametrize(
    ("phrase", "kind", "due_date", "strictly_before", "open_ended", "recurrence"),
    TABLE,
    ids=[row[0] or "<empty>" for row in TABLE],
)
def test_phrase_is_read_as_the_documents_mean_it(
    phrase: str,
    kind: DeadlineKind,
    due_date: date | None,
    strictly_before: bool,
    open_ended: bool,
    recurrence: Recurrence | None,
) -> None:
    deadline = parse_deadline(phrase, plan_year=PLAN_YEAR)

    assert (
        deadline.kind,
        deadline.due_date,
        deadline.strictly_before,
        deadline.open_ended,
        deadline.recurrence,
    ) == (kind, due_date, strictly_before, open_ended, recurrence)
    assert deadline.original == phrase


def test_quarter_phrase_is_due_on_the_last_day_of_the_quarter() -> None:
    deadline = parse_deadline("Quý IV /2023")

    assert deadline == Deadline(
        original="Quý IV /2023",
        kind=DeadlineKind.QUARTER,
        due_date=date(2023, 12, 31),
        period_start=date(2023, 10, 1),
    )


@pytest.mark.parametrize(
    ("phrase", "period_start"),
    [
        ("Quý II/2023", date(2023, 4, 1)),
        ("Tháng 02/2023", date(2023, 2, 1)),
        ("Trong năm 2023", date(2023, 1, 1)),
        ("Giai đoạn 2023-2025", date(2023, 1, 1)),
        ("Quý I - Quý IV/2023", date(2023, 1, 1)),
        ("KHỞI CÔNG NĂM 2023", date(2023, 1, 1)),
    ],
)
def test_a_named_period_gives_its_first_day_as_period_start(
    phrase: str, period_start: date
) -> None:
    assert parse_deadline(phrase).period_start == period_start


@pytest.mark.parametrize(
    "phrase",
    ["15/02/2023", "trước tháng 6 năm 2023", "đến năm 2025", "hết năm 2023", "đến hết năm 2023"],
)
def test_a_phrase_naming_only_an_end_point_has_no_period_start(phrase: str) -> None:
    deadline = parse_deadline(phrase)

    assert deadline.due_date is not None
    assert deadline.period_start is None


@pytest.mark.parametrize("phrase", ["Tháng 6", "Quý IV", "ngày 15/02"])
def test_a_month_or_quarter_without_a_year_is_unread_when_the_plan_year_is_unknown(
    phrase: str,
) -> None:
    deadline = parse_deadline(phrase)

    assert (deadline.kind, deadline.due_date, deadline.reason) == (K.UNREAD, None, "no year")


def test_a_month_without_a_year_takes_the_plan_year() -> None:
    assert parse_deadline("Tháng 6", plan_year=2024).due_date == date(2024, 6, 30)


def test_none_is_an_empty_deadline() -> None:
    assert parse_deadline(None) == Deadline(original="", kind=K.EMPTY, reason="empty")


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("Quý V/2023", "invalid quarter"),
        ("tháng 13/2023", "invalid month"),
        ("31/02/2023", "invalid date"),
        ("Năm 1850", "invalid year"),
        ("Sở Xây dựng", "no time expression"),
        ("6 tháng đầu năm 2023", "unrecognised"),
    ],
)
def test_an_unreadable_phrase_says_why(phrase: str, reason: str) -> None:
    assert parse_deadline(phrase).reason == reason


@pytest.mark.parametrize(
    ("phrase", "condition"),
    [
        ("Sau khi Quy hoạch chung được duyệt", "Sau khi Quy hoạch chung được duyệt"),
        (
            "Thời gian hoàn thành: theo hướng dẫn của Tổng Cục thống kê và Bộ TTTT.",
            "theo hướng dẫn của Tổng Cục thống kê và Bộ TTTT",
        ),
        ("khi có yêu cầu", "khi có yêu cầu"),
        ("đột xuất", "đột xuất"),
    ],
)
def test_conditional_phrase_keeps_its_condition_with_diacritics(
    phrase: str, condition: str
) -> None:
    deadline = parse_deadline(phrase)

    assert (deadline.kind, deadline.condition, deadline.reason) == (
        K.CONDITIONAL,
        condition,
        "conditional",
    )


def test_recurring_duty_with_an_ad_hoc_alternative_keeps_both() -> None:
    deadline = parse_deadline(
        "Định kỳ hằng quý (trước ngày 20 của tháng cuối quý) hoặc đột xuất (khi có yêu cầu)"
    )

    assert deadline.recurrence == Recurrence(Cadence.QUARTERLY, before_day=20)
    assert deadline.condition == "đột xuất (khi có yêu cầu)"
    assert deadline.due_date is None


def test_six_monthly_and_year_end_with_ad_hoc_reports_is_six_monthly() -> None:
    deadline = parse_deadline("Định kỳ 6 tháng, cuối năm và đột xuất")

    assert (deadline.recurrence, deadline.condition) == (
        Recurrence(Cadence.SIX_MONTHLY),
        "đột xuất",
    )


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("Định kỳ", "cadence not stated"),
        ("Định kỳ hằng tuần", "weekly cadence not supported"),
        ("Hàng năm", "recurring"),
    ],
)
def test_recurring_phrase_has_no_due_date_and_says_why(phrase: str, reason: str) -> None:
    deadline = parse_deadline(phrase)

    assert (deadline.kind, deadline.due_date, deadline.reason) == (K.RECURRING, None, reason)


@pytest.mark.parametrize(
    ("phrase", "word"),
    [("KHỞI CÔNG NĂM 2023", "khởi công"), ("Dự án khánh thành năm 2023", "khánh thành")],
)
def test_milestone_phrase_names_its_milestone(phrase: str, word: str) -> None:
    assert parse_deadline(phrase).condition == word


def test_ongoing_phrase_has_no_due_date() -> None:
    deadline = parse_deadline("Thường xuyên")

    assert (deadline.kind, deadline.due_date, deadline.reason) == (K.ONGOING, None, "ongoing")


def test_two_dated_time_sentences_keep_the_latest_and_say_so() -> None:
    deadline = parse_deadline(
        "Xây dựng kế hoạch. Thời gian hoàn thành: tháng 6 năm 2023. "
        "Triển khai kế hoạch. Thời gian hoàn thành: Quý IV năm 2023."
    )

    assert (deadline.kind, deadline.due_date, deadline.reason) == (
        K.QUARTER,
        date(2023, 12, 31),
        "several deadlines; the latest is kept",
    )


def test_a_time_sentence_without_a_date_makes_the_whole_task_undated() -> None:
    # 001 item 12.c: one part due in July 2022, the other whenever the ministry says.
    deadline = parse_deadline(
        "Tham mưu Ủy ban nhân dân thành phố ban hành văn bản đề nghị Tổng Cục thống kê và Bộ "
        "Thông tin và Truyền thông hướng dẫn thí điểm đo lường tỉ trọng kinh tế số trong GRDP "
        "của thành phố Hải Phòng. Thời gian hoàn thành trong tháng 7 năm 2022. Tổ chức đo lường, "
        "công bố/thông báo số liệu đo lường tỉ trọng kinh tế số trong GRDP của thành phố Hải "
        "Phòng năm 2022. Thời gian hoàn thành: theo hướng dẫn của Tổng Cục thống kê và Bộ Thông "
        "tin và Truyền thông."
    )

    assert (deadline.kind, deadline.due_date) == (K.CONDITIONAL, None)
    assert deadline.condition == (
        "theo hướng dẫn của Tổng Cục thống kê và Bộ Thông tin và Truyền thông"
    )


def test_an_unreadable_part_makes_the_whole_phrase_unread() -> None:
    assert parse_deadline("Quý I/2023; Sở Xây dựng").kind == K.UNREAD


def test_a_task_title_with_a_year_in_it_is_not_a_deadline() -> None:
    title = "Xây dựng Đề án phát triển nhà ở xã hội giai đoạn 2023-2030 trên địa bàn thành phố"

    assert parse_deadline(title, plan_year=PLAN_YEAR).due_date is None


@given(st.text())
def test_parse_deadline_never_raises_and_keeps_the_original(text: str) -> None:
    assert parse_deadline(text, plan_year=PLAN_YEAR).original == text


NO_TIME_WORDS = [
    "Sở",
    "Xây",
    "dựng",
    "Ủy",
    "ban",
    "nhân",
    "dân",
    "thành",
    "phố",
    "Hải",
    "Phòng",
    "triển",
    "khai",
    "kế",
    "hoạch",
    "chuyển",
    "đổi",
    "số",
    "hoàn",
    "báo",
    "cáo",
    "các",
    "và",
    "của",
    "trước",
    "trong",
    "đến",
    "hết",
    "từ",
    "khởi",
    "công",
    "khánh",
    "cuối",
    "đầu",
    "giai",
    "đoạn",
    "tiếp",
    "theo",
    "chậm",
    "nhất",
    "Thời",
    "gian",
    "hạn",
    "I",
    "II",
    "IV",
    "V",
    "X",
    "<b>",
    "</b>",
    "/",
    "-",
    ",",
    ".",
    ";",
    ":",
    "(",
    ")",
]


@given(st.lists(st.sampled_from(NO_TIME_WORDS), max_size=12).map(" ".join))
def test_text_without_digits_or_time_words_never_gets_a_due_date(text: str) -> None:
    assert parse_deadline(text, plan_year=PLAN_YEAR).due_date is None


@given(
    year=st.integers(min_value=1900, max_value=2100),
    quarter=st.integers(min_value=1, max_value=4),
    name=st.sampled_from(["Quý", "quý", "QUÝ", "Quy", "quí"]),
    numeral=st.booleans(),
    separator=st.sampled_from(["/", " /", " / ", " năm ", " - "]),
    lead=st.sampled_from(["", "Trong ", "trong ", "Thời gian hoàn thành: "]),
)
def test_any_spelling_of_a_quarter_is_due_on_its_last_day(
    year: int, quarter: int, name: str, numeral: bool, separator: str, lead: str
) -> None:
    number = ["I", "II", "III", "IV"][quarter - 1] if numeral else str(quarter)
    deadline = parse_deadline(f"{lead}{name} {number}{separator}{year}")

    last_month = 3 * quarter
    next_month_start = date(year + last_month // 12, last_month % 12 + 1, 1)
    assert deadline.kind == K.QUARTER
    assert deadline.due_date is not None
    assert deadline.due_date.toordinal() == next_month_start.toordinal() - 1
