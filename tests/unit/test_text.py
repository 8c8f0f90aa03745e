import pytest

from domain.text import clean, fold


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
