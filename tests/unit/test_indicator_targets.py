"""Target cells and the numbers and units in them, as plans write them."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.indicators.quantities import (
    convert,
    format_number,
    implausible,
    parse_number,
    parse_unit,
)
from domain.indicators.targets import Comparison, Direction, parse_target

C = Comparison


@pytest.mark.parametrize(
    ("text", "comparison", "low", "high", "unit"),
    [
        ("115,0", C.PLAIN, "115.0", "115.0", None),
        ("12,7 - 13,0", C.BETWEEN, "12.7", "13.0", None),
        ("365 - 370", C.BETWEEN, "365", "370", None),
        ("12,7-13,0", C.BETWEEN, "12.7", "13.0", None),
        ("3 – 5", C.BETWEEN, "3", "5", None),
        ("2,0 ~ 2,5", C.BETWEEN, "2.0", "2.5", None),
        ("52 đến 57", C.BETWEEN, "52", "57", None),
        ("từ 52% đến 57%", C.BETWEEN, "52", "57", ("%", "1")),
        ("tu 52 den 57", C.BETWEEN, "52", "57", None),
        ("> 7,3", C.MORE_THAN, "7.3", None, None),
        ("< 8", C.LESS_THAN, None, "8", None),
        ("<8", C.LESS_THAN, None, "8", None),
        ("≤ 7,0", C.AT_MOST, None, "7.0", None),
        ("<= 7", C.AT_MOST, None, "7", None),
        ("≥ 95", C.AT_LEAST, "95", None, None),
        ("≥95%", C.AT_LEAST, "95", None, ("%", "1")),
        (">= 95", C.AT_LEAST, "95", None, None),
        ("=> 60", C.AT_LEAST, "60", None, None),
        ("tăng 10%", C.INCREASE, "10", "10", ("%", "1")),
        ("Tang 10%", C.INCREASE, "10", "10", ("%", "1")),
        ("giảm 5%", C.DECREASE, "5", "5", ("%", "1")),
        ("giam 0,5 diem %", C.DECREASE, "0.5", "0.5", ("diem %", "1")),
        ("không quá 8", C.AT_MOST, None, "8", None),
        ("khong qua 8", C.AT_MOST, None, "8", None),
        ("không vượt quá 12%", C.AT_MOST, None, "12", ("%", "1")),
        ("tối đa 10 tỷ đồng", C.AT_MOST, None, "10", ("dong", "1000000000")),
        ("tối thiểu 95%", C.AT_LEAST, "95", None, ("%", "1")),
        ("ít nhất 35 xã", C.AT_LEAST, "35", None, ("xa", "1")),
        ("không dưới 90%", C.AT_LEAST, "90", None, ("%", "1")),
        ("trên 95", C.MORE_THAN, "95", None, None),
        ("hơn 1.200", C.MORE_THAN, "1200", None, None),
        ("dưới 8", C.LESS_THAN, None, "8", None),
        ("duoi 8", C.LESS_THAN, None, "8", None),
        ("đạt 95", C.AT_LEAST, "95", None, None),
        ("đạt trên 95", C.MORE_THAN, "95", None, None),
        ("Phấn đấu đạt 100%", C.AT_LEAST, "100", None, ("%", "1")),
        ("95% trở lên", C.AT_LEAST, "95", None, ("%", "1")),
        ("8 trở xuống", C.AT_MOST, None, "8", None),
        ("giảm xuống dưới 8", C.LESS_THAN, None, "8", None),
        ("giảm còn 5%", C.AT_MOST, None, "5", ("%", "1")),
        ("tăng lên 95%", C.AT_LEAST, "95", None, ("%", "1")),
        ("116.442,134", C.PLAIN, "116442.134", "116442.134", None),
        ("946.367, 0", C.PLAIN, "946367.0", "946367.0", None),
        ("42.500,0", C.PLAIN, "42500.0", "42500.0", None),
        ("7.300", C.PLAIN, "7300", "7300", None),
        ("8.150", C.PLAIN, "8150", "8150", None),
        ("2.524", C.PLAIN, "2524", "2524", None),
        ("1.000.000", C.PLAIN, "1000000", "1000000", None),
        ("1,02", C.PLAIN, "1.02", "1.02", None),
        ("100,00", C.PLAIN, "100.00", "100.00", None),
        ("0,4", C.PLAIN, "0.4", "0.4", None),
        ("14,35", C.PLAIN, "14.35", "14.35", None),
        ("-2,5", C.PLAIN, "-2.5", "-2.5", None),
        ("khoảng 100", C.PLAIN, "100", "100", None),
        ("<b>93</b>", C.PLAIN, "93", "93", None),
        ("86,5 %", C.PLAIN, "86.5", "86.5", ("%", "1")),
        ("1.000 lượt", C.PLAIN, "1000", "1000", ("luot", "1")),
        ("7.300 (1.000 lượt)", C.PLAIN, "7300", "7300", ("luot", "1000")),
        ("> 7,3 triệu lượt", C.MORE_THAN, "7.3", None, ("luot", "1000000")),
        ("27,55 m² sàn/người", C.PLAIN, "27.55", "27.55", ("m2 san/nguoi", "1")),
        ("< 3,5 ca/1.000 trẻ", C.LESS_THAN, None, "3.5", ("ca/1.000 tre", "1")),
        ("1.200 MW", C.PLAIN, "1200", "1200", ("mw", "1")),
        ("190.000 tỷ đồng", C.PLAIN, "190000", "190000", ("dong", "1000000000")),
    ],
)
def test_a_target_cell_is_read_into_a_comparison(
    text: str,
    comparison: Comparison,
    low: str | None,
    high: str | None,
    unit: tuple[str, str] | None,
) -> None:
    target = parse_target(text)
    assert target.reason is None
    assert target.comparison == comparison
    assert target.low == (None if low is None else Decimal(low))
    assert target.high == (None if high is None else Decimal(high))
    written = None if target.unit is None else (target.unit.base, target.unit.scale)
    assert written == (None if unit is None else (unit[0], Decimal(unit[1])))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Hoàn thành", "không có con số"),
        ("x", "không có con số"),
        ("Đạt chuẩn", "không có con số"),
        ("Đạt chuẩn 14 huyện", "Không hiểu «chuan»"),
        ("Hoàn thành 100%", "Không hiểu «hoan thanh»"),
        ("1 2 3", "nhiều con số"),
        ("> 5 < 8", "nhiều con số"),
        ("12 tháng 6", "nhiều con số"),
        ("13,0 - 12,7", "ngược"),
        ("1.2.3", "không đúng định dạng"),
        ("tăng giảm 5", "vừa nói cận trên vừa nói cận dưới"),
        ("> 52 - 57", "vừa nói cận trên vừa nói cận dưới"),
    ],
)
def test_a_target_that_cannot_be_read_is_kept_as_text_with_a_reason(
    text: str, reason: str
) -> None:
    target = parse_target(text)
    assert target.comparison is None
    assert target.text == text
    assert target.low is None and target.high is None
    assert reason in str(target.reason)


@pytest.mark.parametrize("text", ["", "-", "--", "…", "   "])
def test_an_empty_target_cell_is_empty_not_unread(text: str) -> None:
    target = parse_target(text)
    assert target.is_empty
    assert target.reason is None


def test_a_change_target_keeps_what_it_is_measured_from() -> None:
    target = parse_target("tăng 10% so với năm 2022")
    assert (target.comparison, target.low) == (C.INCREASE, Decimal(10))
    assert target.reference == "so với năm 2022"


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("> 7,3", Direction.HIGHER),
        ("≥ 95", Direction.HIGHER),
        ("tăng 10%", Direction.HIGHER),
        ("< 8", Direction.LOWER),
        ("không quá 8", Direction.LOWER),
        ("giảm 5%", Direction.LOWER),
        ("115,0", None),
        ("12,7 - 13,0", None),
    ],
)
def test_only_bounds_and_change_words_state_a_direction(
    text: str, direction: Direction | None
) -> None:
    assert parse_target(text).direction == direction


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("116.442,134", "116442.134"),
        ("7.300", "7300"),
        ("7.5", "7.5"),
        ("12.75", "12.75"),
        ("1234.567", "1234.567"),
        ("0.125", "0.125"),
        ("1,000,000", "1000000"),
        ("1,234.5", "1234.5"),
        ("115,0", "115.0"),
        ("-3,5", "-3.5"),
        ("42", "42"),
    ],
)
def test_vietnamese_and_english_number_marks_are_told_apart(text: str, value: str) -> None:
    assert parse_number(text) == Decimal(value)


@pytest.mark.parametrize("text", ["1.2.3", "12,34,5", "1.23,4.5", "", "abc", "1" * 30])
def test_a_malformed_number_is_no_number(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "base", "scale"),
    [
        ("Tỷ đồng", "dong", "1000000000"),
        ("1.000 lượt", "luot", "1000"),
        ("Triệu lượt", "luot", "1000000"),
        ("nghìn lượt", "luot", "1000"),
        ("Triệu tấn", "tan", "1000000"),
        ("Tỷ USD", "usd", "1000000000"),
        ("Tỷ Kwh", "kwh", "1000000000"),
        ("USD/người", "usd/nguoi", "1"),
        ("m ² sàn/người", "m2 san/nguoi", "1"),
        ("Số bé trai/ 100 bé gái", "so be trai/100 be gai", "1"),
        ("Con/phụ nữ", "con/phu nu", "1"),
        ("Điểm %", "diem %", "1"),
        ("%", "%", "1"),
        ("-", "", "1"),
        ("triệu", "", "1000000"),
    ],
)
def test_a_unit_is_a_scale_and_a_base(text: str, base: str, scale: str) -> None:
    unit = parse_unit(text)
    assert (unit.base, unit.scale, unit.text) == (base, Decimal(scale), text.strip())


def test_quantities_convert_between_scales_of_one_base_only() -> None:
    thousand = parse_unit("1.000 lượt")
    assert convert(Decimal("7.3"), source=parse_unit("triệu lượt"), target=thousand) == 7300
    assert convert(Decimal("7.3"), source=parse_unit("triệu"), target=thousand) == 7300
    dollars, dong = parse_unit("triệu USD"), parse_unit("Tỷ đồng")
    assert convert(Decimal(5), source=dollars, target=dong) is None


@pytest.mark.parametrize(
    ("value", "unit", "name", "flagged"),
    [
        ("14.35", "Con/phụ nữ", "Tổng tỷ suất sinh", True),
        ("1.435", "Con/phụ nữ", "Tổng tỷ suất sinh", False),
        ("74.8", "Tuổi", "Tuổi thọ trung bình", False),
        ("174.8", "Tuổi", "Tuổi thọ trung bình", True),
        ("110.8", "Số bé trai/ 100 bé gái", "Tỷ số giới tính", False),
        ("105", "%", "Tỷ lệ hộ dân được sử dụng nước sạch", True),
        ("115", "%", "Chỉ số sản xuất công nghiệp (IIP)", False),
        ("-3", "Xã", "Số xã", True),
        ("35", "Xã", "Số xã", False),
        ("12", "GB/TB/Tháng", "Lưu lượng", False),
    ],
)
def test_each_unit_has_a_plausible_range(value: str, unit: str, name: str, flagged: bool) -> None:
    assert (implausible(Decimal(value), parse_unit(unit), name=name) is not None) == flagged


@pytest.mark.parametrize(
    ("value", "text"),
    [("116442.134", "116.442,134"), ("7300", "7.300"), ("1.25", "1,25"), ("-2.5", "-2,5")],
)
def test_numbers_are_written_back_the_vietnamese_way(value: str, text: str) -> None:
    assert format_number(Decimal(value)) == text


@settings(deadline=None)
@given(st.text())
def test_reading_any_text_as_a_target_never_raises(text: str) -> None:
    target = parse_target(text)
    assert (target.comparison is None) == (target.low is None and target.high is None)


@settings(deadline=None)
@given(st.text().filter(lambda text: not any("0" <= char <= "9" for char in text)))
def test_text_without_a_number_is_never_a_comparison(text: str) -> None:
    assert parse_target(text).comparison is None


_values = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=3, allow_nan=False
)


@settings(deadline=None)
@given(_values)
def test_a_number_written_the_vietnamese_way_reads_back_to_itself(value: Decimal) -> None:
    target = parse_target(format_number(value))
    assert target.comparison == C.PLAIN
    assert target.low == value


@settings(deadline=None)
@given(
    _values.filter(lambda value: value >= 0),
    st.sampled_from([("≥", C.AT_LEAST), ("trên", C.MORE_THAN), ("<", C.LESS_THAN)]),
)
def test_an_operator_before_any_number_keeps_the_number(
    value: Decimal, operator: tuple[str, Comparison]
) -> None:
    target = parse_target(f"{operator[0]} {format_number(value)}")
    assert target.comparison == operator[1]
    assert value in (target.low, target.high)
