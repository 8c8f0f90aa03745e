from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.references import (
    KIND_NAMES,
    DocumentKind,
    DocumentReference,
    find_references,
    parse_reference,
)
from domain.wording import Message
from locales import gettext_for

TODAY = date(2026, 6, 1)
K = DocumentKind

# text → (kind, number, symbol, issuer, issued on, year in the number) of the first reference.
REFERENCES = [
    ("đã ban hành Kế hoạch số 123/KH-STTTT ngày 05/6/2023",
     K.KE_HOACH, "123", "KH-STTTT", "STTTT", date(2023, 6, 5), None),
    ("theo KH 123/KH-STTTT ngày 05/6/2023",
     K.KE_HOACH, "123", "KH-STTTT", "STTTT", date(2023, 6, 5), None),
    ("QĐ số 45/QĐ-UBND ngày 1/2/2026",
     K.QUYET_DINH, "45", "QĐ-UBND", "UBND", date(2026, 2, 1), None),
    ("Công văn 1234/SNV-TCBM ngày 12 tháng 3 năm 2026",
     K.CONG_VAN, "1234", "SNV-TCBM", "SNV", date(2026, 3, 12), None),
    ("Báo cáo số 77/BC-SXD", K.BAO_CAO, "77", "BC-SXD", "SXD", None, None),
    ("TB 12/TB-VP", K.THONG_BAO, "12", "TB-VP", "VP", None, None),
    ("Tờ trình số 61/TTr-CTK ngày 29 tháng 01 năm 2024",
     K.TO_TRINH, "61", "TTr-CTK", "CTK", date(2024, 1, 29), None),
    ("Chỉ thị 02/CT-UBND ngày 19/01/2023",
     K.CHI_THI, "02", "CT-UBND", "UBND", date(2023, 1, 19), None),
    ("Nghị quyết số 10/NQ-HĐND ngày 5/7/2025",
     K.NGHI_QUYET, "10", "NQ-HĐND", "HĐND", date(2025, 7, 5), None),
    ("Hướng dẫn 05/HD-STTTT", K.HUONG_DAN, "05", "HD-STTTT", "STTTT", None, None),
    ("Nghị định số 52/2015/NĐ-CP ngày 28/5/2015",
     K.NGHI_DINH, "52", "NĐ-CP", "CP", date(2015, 5, 28), 2015),
    ("Quyết định số 15/2026/QĐ-UBND ngày 5/3",
     K.QUYET_DINH, "15", "QĐ-UBND", "UBND", date(2026, 3, 5), 2026),
    ("Thông tư 01/2020/TT-VPCP", K.THONG_TU, "01", "TT-VPCP", "VPCP", None, 2020),
    ("Kế hoạch số 40 /KH-UBND ngày 13 /02/2023",
     K.KE_HOACH, "40", "KH-UBND", "UBND", date(2023, 2, 13), None),
    ("ke hoach so 5/KH-SNV", K.KE_HOACH, "5", "KH-SNV", "SNV", None, None),
    ("theo kh 12/kh-stttt ngày 5/6",
     K.KE_HOACH, "12", "KH-STTTT", "STTTT", date(2025, 6, 5), None),
    ("123/KH-STTTT", K.KE_HOACH, "123", "KH-STTTT", "STTTT", None, None),
    ("1234/SNV-TCBM", K.CONG_VAN, "1234", "SNV-TCBM", "SNV", None, None),
    ("Văn bản số 88/STC-QLNS", K.VAN_BAN, "88", "STC-QLNS", "STC", None, None),
    ("CV 456/STTTT-BCVT ngày 3/4/2026",
     K.CONG_VAN, "456", "STTTT-BCVT", "STTTT", date(2026, 4, 3), None),
    ("Giấy mời 15/GM-UBND", K.GIAY_MOI, "15", "GM-UBND", "UBND", None, None),
    ("Biên bản 3/BB-SXD", K.BIEN_BAN, "3", "BB-SXD", "SXD", None, None),
    ("Thông báo kết luận số 120/TB-UBND ngày 10/10/2025",
     K.THONG_BAO, "120", "TB-UBND", "UBND", date(2025, 10, 10), None),
    ("Chương trình 07/CTr-UBND", K.CHUONG_TRINH, "07", "CTr-UBND", "UBND", None, None),
    ("Đề án 01/ĐA-SNV", K.DE_AN, "01", "ĐA-SNV", "SNV", None, None),
    ("Công điện 05/CĐ-UBND", K.CONG_DIEN, "05", "CĐ-UBND", "UBND", None, None),
    ("QĐ 284/QĐ-UBND ngày 24/01/2022",
     K.QUYET_DINH, "284", "QĐ-UBND", "UBND", date(2022, 1, 24), None),
    ("xong rồi, Báo cáo số 77/BC-SXD ngày 15/9/2025 đã gửi VP",
     K.BAO_CAO, "77", "BC-SXD", "SXD", date(2025, 9, 15), None),
    ("<b>Kế hoạch số 9/KH-SYT</b>", K.KE_HOACH, "9", "KH-SYT", "SYT", None, None),
    ("Kế hoạch số 9/KH-SYT ngày 31/2/2026", K.KE_HOACH, "9", "KH-SYT", "SYT", None, None),
    ("QĐ số 45/QĐ-UBND, ngày 01/02/2026",
     K.QUYET_DINH, "45", "QĐ-UBND", "UBND", date(2026, 2, 1), None),
    ("Quyết định 17/QĐ-UBQGCĐS ngày 04/4/2023",
     K.QUYET_DINH, "17", "QĐ-UBQGCĐS", "UBQGCĐS", date(2023, 4, 4), None),
    ("KH số 3/KH-SKHĐT", K.KE_HOACH, "3", "KH-SKHĐT", "SKHĐT", None, None),
    ("Báo cáo 1270/BC-TCTTTg ngày 27/12/2017",
     K.BAO_CAO, "1270", "BC-TCTTTg", "TCTTTg", date(2017, 12, 27), None),
    ("dạ em đã gửi công văn số 5120/UBND-KSTT ạ",
     K.CONG_VAN, "5120", "UBND-KSTT", "UBND", None, None),
    ("QUYẾT ĐỊNH SỐ 7/QĐ-UBND NGÀY 7/7/2025",
     K.QUYET_DINH, "7", "QĐ-UBND", "UBND", date(2025, 7, 7), None),
    ("Kế hoạch số 55/KH-UBND ngày 05/6 (gửi kèm)",
     K.KE_HOACH, "55", "KH-UBND", "UBND", date(2025, 6, 5), None),
    ("Kế hoạch số 56/KH-UBND ngày 01/5",
     K.KE_HOACH, "56", "KH-UBND", "UBND", date(2026, 5, 1), None),
    ("Báo cáo số 78/BC-STC, SĐT liên hệ 0912.345.678",
     K.BAO_CAO, "78", "BC-STC", "STC", None, None),
    ("QĐ 99/QĐ-UBND ngày 10/3/2026 về việc phê duyệt số 15/2026",
     K.QUYET_DINH, "99", "QĐ-UBND", "UBND", date(2026, 3, 10), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind", "number", "symbol", "issuer", "issued_on", "year"), REFERENCES
)
def test_a_cited_document_reads_its_type_number_symbol_issuer_and_date(
    text: str,
    kind: DocumentKind,
    number: str,
    symbol: str,
    issuer: str,
    issued_on: date | None,
    year: int | None,
) -> None:
    found = parse_reference(text, today=TODAY)
    assert found is not None
    assert (found.kind, found.number, found.symbol, found.issuer, found.issued_on, found.year) == (
        kind,
        number,
        symbol,
        issuer,
        issued_on,
        year,
    )


NO_REFERENCE = [
    "số 15/2026",
    "đã xong 2/3 xã",
    "SĐT 0912.345.678",
    "ngày 05/6/2023",
    "Kế hoạch 123",
    "đạt 3/kế hoạch",
    "xong",
    "",
    "tỷ lệ 50/100 hộ",
    "phòng 12/3A",
    "lúc 10:30 ngày 5/6",
    "Nghị định 30/2020",
    "hoàn thành 100%",
    "đã ban hành kế hoạch",
    "vướng: chờ Sở Tài chính",
    "gia hạn đến 30/9",
]


@pytest.mark.parametrize("text", NO_REFERENCE)
def test_text_citing_no_document_has_no_reference(text: str) -> None:
    assert find_references(text, today=TODAY) == ()


def test_every_reference_in_a_reply_is_found_in_order() -> None:
    found = find_references(
        "đã gửi Báo cáo 1270/BC-TCTTTg ngày 27/12/2017 và Công văn số 5120/UBND-KSTT"
    )
    assert [reference.code for reference in found] == ["1270/BC-TCTTTg", "5120/UBND-KSTT"]


def test_a_date_without_a_year_is_left_out_without_a_today() -> None:
    found = parse_reference("Báo cáo số 77/BC-SXD ngày 5/6")
    assert found is not None and found.issued_on is None


def test_the_reference_keeps_the_words_as_typed() -> None:
    found = parse_reference("đã ban hành Kế hoạch số 123/KH-STTTT ngày 05/6/2023.")
    assert found is not None and found.text == "Kế hoạch số 123/KH-STTTT ngày 05/6/2023"


RENDERINGS = [
    ("đã ban hành Kế hoạch số 123/KH-STTTT ngày 05/6/2023", "vi",
     "Kế hoạch số 123/KH-STTTT ngày 05/06/2023"),
    ("QĐ số 15/2026/QĐ-UBND", "vi", "Quyết định số 15/2026/QĐ-UBND"),
    ("Công văn 1234/SNV-TCBM ngày 12 tháng 3 năm 2026", "en",
     "Official letter No. 1234/SNV-TCBM of 12/03/2026"),
    ("TB 12/TB-VP", "en", "Notice No. 12/TB-VP"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "locale", "shown"), RENDERINGS)
def test_a_reference_renders_short_in_the_readers_language(
    text: str, locale: str, shown: str
) -> None:
    found = parse_reference(text)
    assert found is not None and found.render(gettext_for(locale)) == shown


def test_every_kind_has_a_name_in_both_languages() -> None:
    english = gettext_for("en")
    assert set(KIND_NAMES) == set(DocumentKind)
    for name in KIND_NAMES.values():
        assert english(name) != name


SYMBOL_PARTS = st.text(alphabet="ABCDĐGHKLMNPQSTUVX", min_size=2, max_size=8)
WORDS = st.lists(
    st.sampled_from(["đã", "gửi", "ban hành", "theo", "kèm", "ạ", "anh", ",", ".", "và", "số"]),
    max_size=8,
).map(" ".join)


@settings(deadline=None)
@given(st.text(max_size=400))
def test_any_text_reads_without_error(text: str) -> None:
    for reference in find_references(text, today=TODAY):
        assert reference.number.isdigit() and reference.symbol
        assert reference.text in Message.of(text).text


@settings(deadline=None)
@given(
    WORDS,
    st.sampled_from(list(DocumentKind)),
    st.integers(min_value=1, max_value=99999),
    SYMBOL_PARTS,
    WORDS,
)
def test_text_without_a_date_never_yields_one(
    before: str, kind: DocumentKind, number: int, issuer: str, after: str
) -> None:
    text = f"{before} {KIND_NAMES[kind]} số {number}/{kind.name[:2]}-{issuer} {after}"
    for reference in find_references(text, today=TODAY):
        assert reference.issued_on is None


@settings(deadline=None)
@given(
    st.integers(min_value=1, max_value=99999),
    SYMBOL_PARTS,
    st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
)
def test_a_full_reference_round_trips(number: int, issuer: str, issued_on: date) -> None:
    day = f"{issued_on.day}/{issued_on.month}/{issued_on.year}"
    text = f"Kế hoạch số {number}/KH-{issuer} ngày {day}"
    found = parse_reference(text)
    assert found == DocumentReference(
        kind=DocumentKind.KE_HOACH,
        number=str(number),
        symbol=f"KH-{issuer}",
        issuer=issuer,
        issued_on=issued_on,
        text=text,
    )
