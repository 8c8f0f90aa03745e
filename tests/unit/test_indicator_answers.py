"""Officers' replies with indicator figures: one or several, units, estimates, "chưa có"."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.indicators.answers import (
    AnswerKind,
    AskedIndicator,
    IndicatorReply,
    mentions_indicator,
    parse_indicator_reply,
)
from domain.indicators.quantities import format_number, parse_unit
from domain.indicators.targets import parse_target


def _asked(ref: str, key: str, number: str, name: str, unit: str, target: str) -> AskedIndicator:
    return AskedIndicator(
        ref=ref,
        key=key,
        number=number,
        name=name,
        unit=parse_unit(unit),
        target=parse_target(target),
    )


IIP = ("PL1.3", "3", "Chỉ số sản xuất công nghiệp (IIP)", "%", "115,0")
JOBLESS = ("PL1.12", "12", "Tỷ lệ thất nghiệp ở thành thị", "%", "3,59")
VISITORS = ("PL3.7", "7", "Thu hút khách du lịch", "1.000 lượt", "7.300")
JOBS = ("PL1.13", "13", "Số lao động được giải quyết việc làm", "Lượt người", "57.300")
TOURISM = ("PL1.8", "8", "Thu hút khách du lịch", "Triệu lượt", "> 7,3")
REVENUE = ("PL1.4", "4", "Tổng thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "116.442,134")
PORT = ("PL3.12", "12", "Sản lượng hàng hóa thông qua cảng", "Triệu tấn", "185")

ASKED = {
    # A reminder numbering its items 1, 2, 3.
    "three": [_asked(str(i), *row) for i, row in enumerate((IIP, JOBLESS, VISITORS), start=1)],
    # A reminder showing each indicator's own number.
    "own": [_asked(row[1], *row) for row in (JOBLESS, JOBS, VISITORS)],
    "tourism": [_asked("1", *TOURISM)],
    "revenue": [_asked("1", *REVENUE)],
    "twelves": [_asked("1", *JOBLESS), _asked("2", *PORT)],
}

V, N = AnswerKind.VALUE, AnswerKind.NO_DATA
IIP_115 = ("PL1.3", V, "115.2", False)
JOBLESS_34 = ("PL1.12", V, "3.4", False)


@pytest.mark.parametrize(
    ("asked", "text", "answers", "questions"),
    [
        # One indicator asked: the whole reply is about it.
        ("tourism", "7,5", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "7.5", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "ước 7,5", [("PL1.8", V, "7.5", True)], []),
        ("tourism", "uoc dat 7,5 trieu luot", [("PL1.8", V, "7.5", True)], []),
        ("tourism", "Ước đạt 7,5 triệu lượt", [("PL1.8", V, "7.5", True)], []),
        ("tourism", "ước tính 7,6", [("PL1.8", V, "7.6", True)], []),
        ("tourism", "khoảng 7,4", [("PL1.8", V, "7.4", True)], []),
        ("tourism", "dự kiến 7,6", [("PL1.8", V, "7.6", True)], []),
        ("tourism", "so bo 7,1", [("PL1.8", V, "7.1", True)], []),
        ("tourism", "đạt 7.300 nghìn lượt", [("PL1.8", V, "7.3", False)], []),
        ("tourism", "7300 ngan luot", [("PL1.8", V, "7.3", False)], []),
        ("tourism", "7,5tr lượt", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "quý 1 đạt 2,1", [("PL1.8", V, "2.1", False)], []),
        ("tourism", "6 tháng đạt 3,9 triệu lượt", [("PL1.8", V, "3.9", False)], []),
        ("tourism", "tính đến 30/6 đạt 3,9", [("PL1.8", V, "3.9", False)], []),
        ("tourism", "năm 2023 ước 7,5", [("PL1.8", V, "7.5", True)], []),
        ("tourism", "7,5 so với cùng kỳ 6,9", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "CT8: 7,5", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "chỉ tiêu 8 đạt 7,5", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "chi tieu 8: 7,5", [("PL1.8", V, "7.5", False)], []),
        ("tourism", "chỉ tiêu số 8 ước 7,5", [("PL1.8", V, "7.5", True)], []),
        ("tourism", "chưa có số liệu", [("PL1.8", N, None, False)], []),
        ("tourism", "chua co so lieu", [("PL1.8", N, None, False)], []),
        ("tourism", "Dạ, chưa có ạ", [("PL1.8", N, None, False)], []),
        ("tourism", "đang tổng hợp", [("PL1.8", N, None, False)], []),
        ("tourism", "ok", [], []),
        ("tourism", "cảm ơn anh", [], []),
        ("tourism", "7.300", [], ["PL1.8"]),
        ("tourism", "7,5 triệu USD", [], ["PL1.8"]),
        ("tourism", "7,2 - 7,4", [], ["PL1.8"]),
        ("tourism", "CT9: 7,5", [], [None]),
        ("tourism", "CT8: đang làm", [], ["PL1.8"]),
        ("revenue", "28.500 tỷ đồng", [("PL1.4", V, "28500", False)], []),
        ("revenue", "28,5 nghìn tỷ", [("PL1.4", V, "28500", False)], []),
        ("revenue", "28.500 tỷ", [("PL1.4", V, "28500", False)], []),
        ("revenue", "28.500.000 triệu đồng", [("PL1.4", V, "28500", False)], []),
        ("revenue", "28,5 triệu USD", [], ["PL1.4"]),
        # Several asked: item numbers, one line each, or "chưa có" for all.
        (
            "three",
            "1. 115,2  2. 7,4%  3. chưa có số liệu",
            [IIP_115, ("PL1.12", V, "7.4", False), ("PL3.7", N, None, False)],
            [],
        ),
        (
            "three",
            "1. 115,2\n2. 3,4\n3. 1.800",
            [IIP_115, JOBLESS_34, ("PL3.7", V, "1800", False)],
            [],
        ),
        (
            "three",
            "1) 115,2 2) 3,4",
            [IIP_115, JOBLESS_34],
            [],
        ),
        (
            "three",
            "1: 115,2; 2: 3,4; 3: ước 1.850",
            [IIP_115, JOBLESS_34, ("PL3.7", V, "1850", True)],
            [],
        ),
        (
            "three",
            "1 - 115,2\n2 - 3,4",
            [IIP_115, JOBLESS_34],
            [],
        ),
        (
            "three",
            "1 115,2\n2 3,4\n3 1.850",
            [IIP_115, JOBLESS_34, ("PL3.7", V, "1850", False)],
            [],
        ),
        (
            "three",
            "115,2\n3,4\n1.850",
            [IIP_115, JOBLESS_34, ("PL3.7", V, "1850", False)],
            [],
        ),
        ("three", "115,2\n3,4", [], [None]),
        ("three", "Em gửi số liệu:\n115,2\n3,4", [], [None]),
        ("three", "Em chưa có số liệu chỉ tiêu 2", [("PL1.12", N, None, False)], []),
        ("three", "7,5", [], [None]),
        (
            "three",
            "chưa có số liệu",
            [("PL1.3", N, None, False), ("PL1.12", N, None, False), ("PL3.7", N, None, False)],
            [],
        ),
        ("three", "3. 1,85 triệu lượt", [("PL3.7", V, "1850", False)], []),
        ("three", "3. 1.850 nghìn lượt", [("PL3.7", V, "1850", False)], []),
        ("three", "3. 1,85 triệu USD", [], ["PL3.7"]),
        ("three", "2. giảm 0,2%", [], ["PL1.12"]),
        ("three", "2. 350%", [], ["PL1.12"]),
        ("three", "1. 115,2 1. 116", [], ["PL1.3"]),
        ("three", "1. 115,2 1. 115,2", [IIP_115], []),
        ("three", "4. 12", [], [None]),
        ("three", "CT12: 3,5%", [("PL1.12", V, "3.5", False)], []),
        ("three", "PL3.7: 1.800", [("PL3.7", V, "1800", False)], []),
        ("three", "pl3-7 1.800", [("PL3.7", V, "1800", False)], []),
        (
            "three",
            "Báo cáo: 1. 115,2 2. 3,4",
            [IIP_115, JOBLESS_34],
            [],
        ),
        ("three", "Số liệu quý 1: 1. 115,2", [IIP_115], []),
        ("three", "1. 115,2 (ước)", [("PL1.3", V, "115.2", True)], []),
        (
            "three",
            "1. Ước đạt 115,2%; 2. Uoc 3,4%",
            [("PL1.3", V, "115.2", True), ("PL1.12", V, "3.4", True)],
            [],
        ),
        (
            "three",
            "1. chưa có; 2. 3,4",
            [("PL1.3", N, None, False), JOBLESS_34],
            [],
        ),
        ("three", "1. -2,5", [("PL1.3", V, "-2.5", False)], []),
        ("three", "1. âm 2,5", [("PL1.3", V, "-2.5", False)], []),
        ("three", "Gửi 2 số liệu: 1. 115,2", [IIP_115], [None]),
        # The reminder showed the indicators' own numbers.
        ("own", "12: 3,4", [JOBLESS_34], []),
        ("own", "13: 45.000", [("PL1.13", V, "45000", False)], []),
        ("own", "7: 7.300 nghìn lượt", [("PL3.7", V, "7300", False)], []),
        (
            "own",
            "12. 3,4\n13. 45.000\n7. chưa có số liệu",
            [JOBLESS_34, ("PL1.13", V, "45000", False), ("PL3.7", N, None, False)],
            [],
        ),
        ("twelves", "CT12: 5", [], [None]),
        ("twelves", "2. 45,5", [("PL3.12", V, "45.5", False)], []),
    ],
)
def test_a_reply_gives_figures_and_questions(
    asked: str,
    text: str,
    answers: list[tuple[str, AnswerKind, str | None, bool]],
    questions: list[str | None],
) -> None:
    reply = parse_indicator_reply(text, ASKED[asked])
    got = [(answer.key, answer.kind, answer.value, answer.estimate) for answer in reply.answers]
    assert got == [
        (key, kind, None if value is None else Decimal(value), estimate)
        for key, kind, value, estimate in answers
    ]
    assert [question.key for question in reply.questions] == questions


def test_a_figure_in_another_scale_is_converted_with_a_note() -> None:
    reply = parse_indicator_reply("3. 7,3 triệu lượt", ASKED["three"])
    (answer,) = reply.answers
    assert answer.value == Decimal(7300)
    assert str(answer.note) == "7,3 triệu lượt = 7.300 (1.000 lượt)"


def test_a_figure_a_thousand_times_off_is_asked_back_with_the_target() -> None:
    reply = parse_indicator_reply("7.300", ASKED["tourism"])
    (question,) = reply.questions
    assert question.written == "7.300"
    assert "> 7,3" in str(question.reason)


def test_a_figure_in_another_unit_names_both_units() -> None:
    (question,) = parse_indicator_reply("7,5 triệu USD", ASKED["tourism"]).questions
    assert str(question.reason) == ("Đơn vị «triệu USD» khác đơn vị của chỉ tiêu 1 («Triệu lượt»)")


def test_an_answer_keeps_the_fragment_the_officer_wrote() -> None:
    reply = parse_indicator_reply("1. 115,2  2. 3,4", ASKED["three"])
    assert [answer.written for answer in reply.answers] == ["1. 115,2", "2. 3,4"]


@settings(deadline=None)
@given(st.text())
def test_reading_any_reply_never_raises(text: str) -> None:
    for asked in ASKED.values():
        assert isinstance(parse_indicator_reply(text, asked), IndicatorReply)


@settings(deadline=None)
@given(st.text().filter(lambda text: not any("0" <= char <= "9" for char in text)))
def test_text_without_a_number_is_never_a_value(text: str) -> None:
    for asked in ASKED.values():
        reply = parse_indicator_reply(text, asked)
        assert all(answer.kind == AnswerKind.NO_DATA for answer in reply.answers)
        assert all(answer.value is None for answer in reply.answers)


_FREE = [
    AskedIndicator(ref=str(i), key=f"K{i}", unit=parse_unit("GB/TB/Tháng")) for i in (1, 2, 3)
]


@settings(deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal(0), max_value=Decimal("1e9"), places=2, allow_nan=False),
        min_size=3,
        max_size=3,
    ),
    st.sampled_from([". ", ": ", ") "]),
    st.sampled_from(["\n", "  ", "; "]),
    st.booleans(),
)
def test_numbered_figures_read_back_to_themselves(
    values: list[Decimal], mark: str, gap: str, estimate: bool
) -> None:
    word = "ước " if estimate else ""
    text = gap.join(
        f"{i}{mark}{word}{format_number(value)}" for i, value in enumerate(values, start=1)
    )
    reply = parse_indicator_reply(text, _FREE)
    assert [(answer.key, answer.value, answer.estimate) for answer in reply.answers] == [
        (f"K{i}", value, estimate) for i, value in enumerate(values, start=1)
    ]
    assert reply.questions == ()


# A reminder of two tasks (items 1, 2) and two indicators (items 3, 4).
_BUNDLED = [_asked("3", *IIP), _asked("4", *JOBLESS)]


@pytest.mark.parametrize(
    ("text", "answers", "questions"),
    [
        ("3. 115,2  4. 3,4", [IIP_115, JOBLESS_34], []),
        ("2. 7,4", [], [None]),  # item 2 is a task: not the indicator numbered 2 or 3
        # One line per indicator, but two figures on each: asked back, nothing recorded.
        ("1 115,2\n2 3,4", [], ["PL1.3", "PL1.12"]),
        ("CT12: 3,4", [JOBLESS_34], []),
        ("chỉ tiêu 3: 115,2", [IIP_115], []),  # table number 3 before item 3
    ],
)
def test_numbers_a_bundled_reminder_gave_its_tasks_name_no_indicator(
    text: str, answers: list[tuple[str, AnswerKind, str, bool]], questions: list[str | None]
) -> None:
    reply = parse_indicator_reply(text, _BUNDLED, taken={"1", "2"})
    got = [(answer.key, answer.kind, answer.value, answer.estimate) for answer in reply.answers]
    assert got == [(k, kind, Decimal(v), e) for k, kind, v, e in answers]
    assert [question.key for question in reply.questions] == questions


def test_ct_names_the_table_number_before_the_place_in_the_reminder() -> None:
    # Item 12 of the reminder is the port; "CT12" is the jobless rate, table number 12.
    asked = [_asked("1", *IIP), _asked("12", *PORT[:1], "47", *PORT[2:]), _asked("3", *JOBLESS)]
    reply = parse_indicator_reply("CT12: 3,4", asked)
    assert [(a.key, a.value) for a in reply.answers] == [("PL1.12", Decimal("3.4"))]


@pytest.mark.parametrize(
    ("text", "mentions"),
    [("CT12: 7,5%", True), ("chi tieu 3 dat 5", True), ("PL3.47: 1,4", True), ("1. 7,5", False)],
)
def test_a_message_that_names_an_indicator_is_told_from_one_that_does_not(
    text: str, mentions: bool
) -> None:
    assert mentions_indicator(text) is mentions
