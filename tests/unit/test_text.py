import pytest

from domain.text import clean, fold, split_text, utf16_units


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Quý IV/2023", "quy iv/2023"),
        ("Sở Thông tin và Truyền thông", "so thong tin va truyen thong"),
        ("Cục Tin học hoá", "cuc tin hoc hoa"),
        ("Cục Tin học hóa", "cuc tin hoc hoa"),
        ("Thuỷ Nguyên", "thuy nguyen"),
        ("Thủy Nguyên", "thuy nguyen"),
        ("ĐÃ HOÀN THÀNH", "da hoan thanh"),
        ("  Quý IV \t /2023 ", "quy iv /2023"),
        ("Hải Phòng – 2023", "hai phong - 2023"),
    ],
)
def test_fold_ignores_case_marks_dashes_and_spacing(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_clean_keeps_diacritics_and_composes_them() -> None:
    decomposed = "Ho\u0300a"  # "Hòa" written with a combining grave accent
    assert clean(decomposed) == "Hòa"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("ngắn", 20, ["ngắn"]),
        ("đoạn một dài\n\nđoạn hai\ndòng", 20, ["đoạn một dài", "đoạn hai\ndòng"]),
        ("Câu một đây. Câu hai nữa", 15, ["Câu một đây.", "Câu hai nữa"]),
        ("một hai ba bốn năm sáu", 10, ["một hai ba", "bốn năm", "sáu"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
        ("  \n ", 10, []),
    ],
)
def test_long_text_is_cut_at_the_most_natural_boundary(
    text: str, limit: int, expected: list[str]
) -> None:
    assert split_text(text, limit=limit) == expected


def test_a_cost_per_character_lets_a_channel_count_emoji_twice() -> None:
    assert split_text("😀" * 6, limit=4, units=utf16_units) == ["😀😀", "😀😀", "😀😀"]
