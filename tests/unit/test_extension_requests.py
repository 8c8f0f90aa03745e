from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import WorkCalendar
from domain.dates import DateForm, find_dates
from domain.extensions import (
    EXTENSION_PROBLEMS,
    ExtensionProblem,
    ResolvedExtension,
    parse_extension_request,
    read_extension_request,
)
from domain.wording import Message
from locales import gettext_for

CALENDAR = WorkCalendar()
TODAY = date(2026, 9, 10)  # a Thursday
DUE = date(2026, 9, 15)  # a Tuesday


def parse(text: str, *, current_due: date | None = DUE) -> ResolvedExtension | None:
    return parse_extension_request(text, current_due=current_due, today=TODAY, calendar=CALENDAR)


# text → (item, handle, new date, reason); each read clearly against a deadline of 15/9/2026.
CLEAR = [
    ("gia hạn #57 đến 30/9: chờ phê duyệt dự toán", None, 57, date(2026, 9, 30),
     "chờ phê duyệt dự toán"),
    ("xin gia hạn đến 15/10/2026 vì chưa có kinh phí", None, None, date(2026, 10, 15),
     "chưa có kinh phí"),
    ("gia han them 10 ngay", None, None, date(2026, 9, 25), None),
    ("gia hạn đến cuối quý", None, None, date(2026, 9, 30), None),
    ("đề nghị lùi thời hạn sang tháng 11", None, None, date(2026, 11, 30), None),
    ("2 gia hạn 30/9", 2, None, date(2026, 9, 30), None),
    ("Gia hạn đến ngày 30 tháng 9 năm 2026, lý do: chờ ý kiến Sở Tài chính", None, None,
     date(2026, 9, 30), "chờ ý kiến Sở Tài chính"),
    ("xin gia hạn thêm 5 ngày làm việc", None, None, date(2026, 9, 22), None),
    ("gia hạn thêm 10 ngày làm việc do chờ thẩm định", None, None, date(2026, 9, 29),
     "chờ thẩm định"),
    ("gia hạn thêm 2 tuần", None, None, date(2026, 9, 29), None),
    ("gia han them hai tuan", None, None, date(2026, 9, 29), None),
    ("gia hạn thêm 1 tháng", None, None, date(2026, 10, 15), None),
    ("gia hạn đến cuối tháng", None, None, date(2026, 9, 30), None),
    ("gia hạn đến cuối tháng sau", None, None, date(2026, 10, 31), None),
    ("gia hạn đến cuối năm", None, None, date(2026, 12, 31), None),
    ("gia hạn đến hết năm nay", None, None, date(2026, 12, 31), None),
    ("gia hạn đến quý IV/2026", None, None, date(2026, 12, 31), None),
    ("gia hạn sang quý 4", None, None, date(2026, 12, 31), None),
    ("gia hạn đến cuối tháng 10", None, None, date(2026, 10, 31), None),
    ("gia hạn đến 30/09/2026", None, None, date(2026, 9, 30), None),
    ("gia hạn đến 30-09-2026", None, None, date(2026, 9, 30), None),
    ("gia hạn đến 30.09.2026", None, None, date(2026, 9, 30), None),
    ("gia hạn đến 30/9/26", None, None, date(2026, 9, 30), None),
    ("1. gia hạn 30/9", 1, None, date(2026, 9, 30), None),
    ("3) xin gia hạn đến 15/10 vì chờ UBND phê duyệt", 3, None, date(2026, 10, 15),
     "chờ UBND phê duyệt"),
    ("#57 gia hạn đến 15/10", None, 57, date(2026, 10, 15), None),
    ("gia hạn nhiệm vụ 2 đến 15/10", 2, None, date(2026, 10, 15), None),
    ("gia hạn cho #57 đến 15/10 - chờ kinh phí", None, 57, date(2026, 10, 15), "chờ kinh phí"),
    ("gia hạn đến 30/9 cho #57", None, 57, date(2026, 9, 30), None),
    ("Nhiệm vụ 3 xin gia hạn đến cuối tháng 10 ạ", 3, None, date(2026, 10, 31), None),
    ("Dạ, đơn vị xin gia hạn đến 15/10. Cảm ơn anh", None, None, date(2026, 10, 15), None),
    ("do chưa có kinh phí nên xin gia hạn đến 30/10", None, None, date(2026, 10, 30),
     "chưa có kinh phí"),
    ("GIA HẠN ĐẾN 30/9", None, None, date(2026, 9, 30), None),
    ("gia   hạn    đến   30 / 9", None, None, date(2026, 9, 30), None),
    ("xin gia hạn đến 15/1", None, None, date(2027, 1, 15), None),
    ("đề nghị điều chỉnh thời hạn đến 31/12/2026", None, None, date(2026, 12, 31), None),
    ("kéo dài thời hạn đến 30/11/2026 vì chưa bố trí được vốn", None, None, date(2026, 11, 30),
     "chưa bố trí được vốn"),
    ("xin thêm thời gian đến 20/10", None, None, date(2026, 10, 20), None),
    ("gia hạn đến 30/9, liên hệ chị Lan 0912.345.678", None, None, date(2026, 9, 30),
     "liên hệ chị Lan 0912.345.678"),
    ("gia hạn QĐ số 15/2026 đến cuối năm", None, None, date(2026, 12, 31), None),
    ("gia hạn đến 30/9 theo Công văn 1234/SNV-TCBM", None, None, date(2026, 9, 30),
     "theo Công văn 1234/SNV-TCBM"),
    ("extend to 30/9", None, None, date(2026, 9, 30), None),
    ("gia hạn đến 30/9\nchờ Sở Tài chính thẩm định", None, None, date(2026, 9, 30),
     "chờ Sở Tài chính thẩm định"),
    ("gia hạn: đến 15/10", None, None, date(2026, 10, 15), None),
    ("<b>gia hạn</b> đến 15/10", None, None, date(2026, 10, 15), None),
    ("gia hạn đến ngày 20 tháng 10", None, None, date(2026, 10, 20), None),
    ("gia hạn sang tháng 1/2027", None, None, date(2027, 1, 31), None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "item", "handle", "new_due", "reason"), CLEAR)
def test_a_clear_request_reads_its_target_date_and_reason(
    text: str, item: int | None, handle: int | None, new_due: date, reason: str | None
) -> None:
    read = parse(text)
    assert read is not None
    assert (read.problem, read.item, read.handle, read.new_due, read.reason) == (
        None,
        item,
        handle,
        new_due,
        reason,
    )
    assert read.is_clear


# text → (problem, the day understood if any); against a deadline of 15/9/2026 on 10/9/2026.
UNCLEAR = [
    ("có được gia hạn không?", ExtensionProblem.QUESTION, None),
    ("gia hạn được không ạ", ExtensionProblem.QUESTION, None),
    ("xin gia hạn đến 30/9 được ko", ExtensionProblem.QUESTION, None),
    ("gia hạn đến 30/9?", ExtensionProblem.QUESTION, None),
    ("không cần gia hạn", ExtensionProblem.NOT_A_REQUEST, None),
    ("chưa xin gia hạn", ExtensionProblem.NOT_A_REQUEST, None),
    ("ko gia han", ExtensionProblem.NOT_A_REQUEST, None),
    ("sẽ xin gia hạn sau", ExtensionProblem.NOT_A_REQUEST, None),
    ("dự kiến gia hạn đến 30/9", ExtensionProblem.NOT_A_REQUEST, None),
    ("xin gia hạn", ExtensionProblem.NO_DATE, None),
    ("gia hạn vì chưa có kinh phí", ExtensionProblem.NO_DATE, None),
    ("gia hạn đến 30/9 hoặc 15/10", ExtensionProblem.SEVERAL_DATES, None),
    ("gia hạn đến đầu tháng 11", ExtensionProblem.VAGUE_DATE, None),
    ("gia hạn đến tuần sau", ExtensionProblem.VAGUE_DATE, None),
    ("gia hạn đến ngày 20", ExtensionProblem.VAGUE_DATE, None),
    ("gia hạn đến thứ 6 tuần sau", ExtensionProblem.VAGUE_DATE, None),
    ("gia hạn đến 31/2", ExtensionProblem.INVALID_DATE, None),
    ("gia hạn đến 30/13", ExtensionProblem.INVALID_DATE, None),
    ("gia hạn đến quý 5", ExtensionProblem.INVALID_DATE, None),
    ("gia hạn đến 1/9", ExtensionProblem.IN_THE_PAST, date(2026, 9, 1)),
    ("gia hạn đến tháng 8", ExtensionProblem.IN_THE_PAST, date(2026, 8, 31)),
    ("gia hạn đến 30/9/2025", ExtensionProblem.IN_THE_PAST, date(2025, 9, 30)),
    ("gia hạn đến 12/9", ExtensionProblem.NOT_AFTER_DUE, date(2026, 9, 12)),
    ("gia hạn đến 15/9", ExtensionProblem.NOT_AFTER_DUE, date(2026, 9, 15)),
    ("1, 2 gia hạn 30/9", ExtensionProblem.SEVERAL_TARGETS, None),
    ("#57 gia hạn #58 đến 30/9", ExtensionProblem.SEVERAL_TARGETS, None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "problem", "understood"), UNCLEAR)
def test_an_unclear_request_comes_back_with_its_problem_and_no_usable_date(
    text: str, problem: ExtensionProblem, understood: date | None
) -> None:
    read = parse(text)
    assert read is not None
    assert (read.problem, read.new_due) == (problem, understood)
    assert not read.is_clear


NOT_REQUESTS = [
    "vướng: chờ phê duyệt, sẽ xin gia hạn",
    "vuong: cho phe duyet, se xin gia han",
    "khó khăn về kinh phí, đề nghị gia hạn đến 30/9",
    "xong",
    "50%",
    "đã hoàn thành theo Kế hoạch số 15/KH-UBND",
    "gia đình có việc",
    "giá hạn chế",
    "",
    "   ",
    "hạn chót 30/9",
]


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_text_without_a_request_for_more_time_is_not_a_request(text: str) -> None:
    assert read_extension_request(text) is None


def test_an_offset_needs_a_deadline_to_count_from() -> None:
    read = parse("gia hạn thêm 10 ngày", current_due=None)
    assert read is not None
    assert (read.problem, read.new_due) == (ExtensionProblem.NO_CURRENT_DUE, None)


def test_a_named_date_needs_no_current_deadline() -> None:
    read = parse("gia hạn đến 30/9", current_due=None)
    assert read is not None and read.is_clear and read.new_due == date(2026, 9, 30)


def test_an_offset_counts_from_an_overdue_deadline_and_is_refused_when_that_is_past() -> None:
    read = parse("gia hạn thêm 5 ngày", current_due=date(2026, 8, 31))
    assert read is not None
    assert (read.problem, read.new_due) == (ExtensionProblem.IN_THE_PAST, date(2026, 9, 5))


def test_working_days_skip_the_national_day_and_announced_days_off() -> None:
    calendar = WorkCalendar(extra_days_off=[date(2026, 9, 4)])
    read = parse_extension_request(
        "gia hạn thêm 3 ngày làm việc",
        current_due=date(2026, 8, 31),
        today=date(2026, 8, 28),
        calendar=calendar,
    )
    # 1/9 and 2/9 are Quốc khánh, 4/9 is announced off, 5-6/9 are a weekend.
    assert read is not None and read.new_due == date(2026, 9, 8)


def test_reading_keeps_the_date_phrase_as_typed_for_quoting_back() -> None:
    request = read_extension_request("Gia hạn đến Cuối Quý nhé")
    assert request is not None and request.phrase == "Cuối Quý"


def test_every_problem_has_a_message_in_both_languages() -> None:
    english = gettext_for("en")
    for problem in ExtensionProblem:
        message = EXTENSION_PROBLEMS[problem]
        assert english(message) != message


# text → the date phrases found, as typed, when a bare "30/9" may count as a date.
DATE_PHRASES = [
    ("số 15/2026", []),
    ("Số: 15/12", []),
    ("#15/12", []),
    ("Quyết định 15/2026/QĐ-UBND", []),
    ("Kế hoạch 123/KH-STTTT", []),
    ("gọi 0912.345.678 hoặc 091.234.5678", []),
    ("mục 1-3", []),
    ("2.5 tuần", []),
    ("lúc 10:30", []),
    ("30/9 và 15/10/2026", ["30/9", "15/10/2026"]),
    ("ngày 5 tháng 6 năm 2026", ["ngày 5 tháng 6 năm 2026"]),
    ("Tháng 6", ["Tháng 6"]),
    ("quý IV /2026", ["quý IV /2026"]),
    ("hết năm 2026", ["hết năm 2026"]),
    ("thêm 3 ngày làm việc nữa", ["3 ngày làm việc nữa"]),
    ("11/2026", ["11/2026"]),
]


@pytest.mark.parametrize(("text", "phrases"), DATE_PHRASES)
def test_only_dates_are_read_as_dates(text: str, phrases: list[str]) -> None:
    message = Message.of(text)
    found = find_dates(message, bare_day_month=True)
    assert [message.span(d.start, d.end) for d in found] == phrases


def test_a_bare_day_and_month_is_a_date_only_when_allowed() -> None:
    message = Message.of("xong 3/5 xã")
    assert find_dates(message) == []
    (found,) = find_dates(message, bare_day_month=True)
    assert (found.form, found.day, found.month) == (DateForm.DAY, 3, 5)


REQUEST_PIECES = [
    "gia hạn", "gia han", "xin", "đề nghị", "lùi thời hạn", "vì", "do", "lý do", ":", ",", " ",
    "chưa", "không", "có", "được", "kinh phí", "thẩm định", "anh", "ạ", "#", "?", "-", "\n",
    "nhiệm vụ", "số", "Sở", "UBND", "chờ", "phê duyệt", "dự toán", "cảm ơn", "đến", "sang",
]  # fmt: skip


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.dates(), st.one_of(st.none(), st.dates()))
def test_any_text_reads_without_error(text: str, today: date, due: date | None) -> None:
    request = read_extension_request(text)
    if request is not None:
        read = request.resolve(current_due=due, today=today, calendar=CALENDAR)
        assert read.is_clear == (read.problem is None and read.new_due is not None)


@settings(deadline=None)
@given(st.lists(st.sampled_from(REQUEST_PIECES), max_size=40).map(" ".join))
def test_text_without_a_date_never_yields_a_date(text: str) -> None:
    read = parse(text)
    assert read is None or (read.new_due is None and read.problem is not None)


@settings(deadline=None)
@given(st.dates(min_value=DUE + timedelta(days=1), max_value=date(2099, 12, 31)))
def test_a_full_date_after_the_deadline_is_read_exactly(day: date) -> None:
    read = parse(f"xin gia hạn đến {day.day}/{day.month}/{day.year} vì chưa có kinh phí")
    assert read is not None
    assert (read.new_due, read.problem, read.reason) == (day, None, "chưa có kinh phí")


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=120), st.sampled_from(["ngày", "ngay", "tuần"]))
def test_a_clear_offset_is_always_after_the_deadline(amount: int, unit: str) -> None:
    read = parse(f"gia hạn thêm {amount} {unit}")
    assert read is not None and read.is_clear
    assert read.new_due is not None and read.new_due > DUE
