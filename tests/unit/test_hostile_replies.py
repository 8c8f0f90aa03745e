"""Issue 18 item 3: the reply parser's promise "never by guessing", as properties."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.replies import MAX_SNOOZE_DAYS, parse_reply
from domain.text import read_int

STATUS = ["xong", "Xong", "hoàn thành", "hoan thanh", "đã nộp", "done", "đang làm", "50%", "70 %"]
LINKS = ["", "mục ", "số ", "việc ", "#", "item "]
INVISIBLE = list("\u200b\u200c\u200d\u200e\u200f\ufeff\u202e\u2066\u00ad")
TAILS = ["", ".", "!", " 60%", ", cảm ơn", "\n"]


@settings(deadline=None, max_examples=300)
@given(
    status=st.sampled_from(STATUS),
    link=st.sampled_from(LINKS),
    number=st.integers(min_value=0, max_value=10**12),
    tail=st.sampled_from(TAILS),
)
def test_item3_a_number_after_a_status_is_a_target_or_unclear_never_dropped(
    status: str, link: str, number: int, tail: str
) -> None:
    parsed = parse_reply(f"{status} {link}{number}{tail}")

    for update in parsed.updates:
        named = update.handle if link == "#" else update.item
        assert named == number, (status, link, number, tail, parsed)
    assert parsed.updates or parsed.unclear


@settings(deadline=None, max_examples=300)
@given(
    text=st.sampled_from(
        ["xong", "2 xong", "#57 60%", "1 xong, 2 60%", "vướng: chưa có kinh phí", "xong 2"]
    ),
    marks=st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.sampled_from(INVISIBLE)),
        max_size=6,
    ),
)
def test_item3_invisible_characters_change_nothing_the_parser_reads(
    text: str, marks: list[tuple[int, str]]
) -> None:
    marked = text
    for at, mark in marks:
        at = min(at, len(marked))
        marked = marked[:at] + mark + marked[at:]

    assert parse_reply(marked) == parse_reply(text)


@settings(deadline=None, max_examples=500)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_item3_any_text_reads_without_error_and_within_bounds(text: str) -> None:
    parsed = parse_reply(text)

    for update in parsed.updates:
        assert update.percent is None or 0 <= update.percent < 100
        assert update.snooze_days is None or 1 <= update.snooze_days <= MAX_SNOOZE_DAYS
        assert update.item is None or update.item >= 0
        assert update.handle is None or update.handle >= 0


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=string.digits + "²³①٣０-+ #%", max_size=25))
def test_item1_the_number_reader_takes_ascii_digits_in_bounds_only(text: str) -> None:
    value = read_int(text, low=1, high=366)

    if value is not None:
        assert text.strip().isascii() and text.strip().isdigit()
        assert 1 <= value <= 366 and int(text) == value
