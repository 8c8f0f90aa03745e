from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.agencies import Agency, AgencyRegistry
from domain.blocking import BlockedBy, may_name_agency, read_blocked_by

REGISTRY = AgencyRegistry.from_csv(
    Path(__file__).resolve().parents[2] / "bot" / "data" / "agencies.csv"
)


def read(text: str, *, own_agency: str | None = None, as_of: date | None = None) -> BlockedBy:
    return read_blocked_by(text, registry=REGISTRY, own_agency=own_agency, as_of=as_of)


# text → (agency waited on, reason kept); nothing flagged.
KNOWN = [
    ("vướng: chờ Sở Tài chính thẩm định", "STC", "chờ Sở Tài chính thẩm định"),
    ("vuong cho STC tham dinh", "STC", "cho STC tham dinh"),
    ("đang chờ ý kiến của Sở Xây dựng", "SXD", "đang chờ ý kiến của Sở Xây dựng"),
    ("chờ UBND thành phố phê duyệt", "UBNDTP", "chờ UBND thành phố phê duyệt"),
    ("vướng mắc: đợi Sở Kế hoạch và Đầu tư bố trí vốn", "SKHDT",
     "đợi Sở Kế hoạch và Đầu tư bố trí vốn"),
    ("chờ Sở TC cấp kinh phí", "STC", "chờ Sở TC cấp kinh phí"),
    ("cho so tai chinh tham dinh du toan", "STC", "cho so tai chinh tham dinh du toan"),
    ("chờ SXD có ý kiến", "SXD", "chờ SXD có ý kiến"),
    ("khó khăn: phụ thuộc vào Sở Nội vụ", "SNV", "phụ thuộc vào Sở Nội vụ"),
    ("chờ Văn phòng UBND thành phố trình", "VPUBND", "chờ Văn phòng UBND thành phố trình"),
    ("đợi Công an thành phố cung cấp dữ liệu", "CATP",
     "đợi Công an thành phố cung cấp dữ liệu"),
    ("chờ Ban Quản lý Khu kinh tế Hải Phòng", "BQLKKT", "chờ Ban Quản lý Khu kinh tế Hải Phòng"),
    ("chờ Sở Giáo dục và Đào tạo tổng hợp", "SGDDT", "chờ Sở Giáo dục và Đào tạo tổng hợp"),
    # Folded, "có Sở Giáo dục" is also the group "cơ sở giáo dục" (found by hypothesis).
    ("chưa có Sở Giáo dục và Đào tạo trả lời", "SGDDT", "chưa có Sở Giáo dục và Đào tạo trả lời"),
    ("chờ Sở GD&ĐT", "SGDDT", "chờ Sở GD&ĐT"),
    ("chờ UBND quận Lê Chân bàn giao mặt bằng", "UBND-QUAN-LECHAN",
     "chờ UBND quận Lê Chân bàn giao mặt bằng"),
    ("chờ Cục Thống kê cung cấp số liệu", "CTK", "chờ Cục Thống kê cung cấp số liệu"),
    ("chờ Bộ Thông tin và Truyền thông hướng dẫn", "BTTTT",
     "chờ Bộ Thông tin và Truyền thông hướng dẫn"),
    ("Sở Tài chính chưa cấp kinh phí", "STC", "Sở Tài chính chưa cấp kinh phí"),
    ("chờ Sở Xây dựng; đã xin gia hạn đến 30/9", "SXD",
     "chờ Sở Xây dựng; đã xin gia hạn đến 30/9"),
    ("3 vướng: chờ Sở Y tế", "SYT", "chờ Sở Y tế"),
    ("chờ Sở Tư pháp thẩm định văn bản", "STP", "chờ Sở Tư pháp thẩm định văn bản"),
    ("chờ ý kiến Bộ Xây dựng", "BXD", "chờ ý kiến Bộ Xây dựng"),
    ("đang chờ Ngân hàng Nhà nước Việt Nam - Chi nhánh thành phố Hải Phòng", "NHNN-HP",
     "đang chờ Ngân hàng Nhà nước Việt Nam - Chi nhánh thành phố Hải Phòng"),
    ("CHỜ SỞ TÀI CHÍNH", "STC", "CHỜ SỞ TÀI CHÍNH"),
    ("chờ   Sở    Xây   dựng", "SXD", "chờ Sở Xây dựng"),
    ("đợi UBND huyện Vĩnh Bảo xác nhận", "UBND-HUYEN-VINHBAO", "đợi UBND huyện Vĩnh Bảo xác nhận"),
    ("chờ sở KHĐT", "SKHDT", "chờ sở KHĐT"),
    ("vướng - đợi Sở Công Thương phản hồi", "SCT", "đợi Sở Công Thương phản hồi"),
    ("đang vướng, do Sở Nông nghiệp và Phát triển nông thôn chưa có ý kiến", "SNNPTNT",
     "do Sở Nông nghiệp và Phát triển nông thôn chưa có ý kiến"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "agency", "reason"), KNOWN)
def test_a_known_agency_named_in_the_reason_is_the_blocker(
    text: str, agency: str, reason: str
) -> None:
    assert read(text) == BlockedBy(reason=reason, agency=agency, named=(agency,))


# text → the reason kept; no agency named, nothing flagged.
NO_AGENCY = [
    ("chưa có kinh phí", "chưa có kinh phí"),
    ("vướng: cơ sở dữ liệu chưa xong", "cơ sở dữ liệu chưa xong"),
    ("trụ sở đang sửa chữa", "trụ sở đang sửa chữa"),
    ("chờ các sở, ngành góp ý", "chờ các sở, ngành góp ý"),
    ("chờ Các Sở ban ngành góp ý", "chờ Các Sở ban ngành góp ý"),
    ("vướng mặt bằng, số 15/2026", "mặt bằng, số 15/2026"),
    ("vướng, liên hệ 0912.345.678 chị Vương", "liên hệ 0912.345.678 chị Vương"),
    ("vướng: chờ phê duyệt, sẽ xin gia hạn", "chờ phê duyệt, sẽ xin gia hạn"),
    ("chờ số liệu thống kê", "chờ số liệu thống kê"),
    ("đợi phòng họp", "đợi phòng họp"),
    ("ban hành văn bản chậm", "ban hành văn bản chậm"),
    ("Vướng mắc về giải phóng mặt bằng", "về giải phóng mặt bằng"),
    ("khó khăn kinh phí", "kinh phí"),
]


@pytest.mark.parametrize(("text", "reason"), NO_AGENCY)
def test_a_reason_naming_no_agency_is_just_a_reason(text: str, reason: str) -> None:
    assert read(text) == BlockedBy(reason=reason)


# text → the words that look like an agency but match none.
UNKNOWN = [
    ("chờ Sở Tài chánh thẩm định", "Sở Tài chánh"),
    ("chờ STCC phê duyệt", "STCC"),
    ("đợi Ban Quản lý chợ Sắt trả lời", "Ban Quản lý"),
    ("chờ EVN", "EVN"),
    ("chờ KBNN kiểm soát chi", "KBNN"),
    ("chờ Phòng Tài chính - Kế hoạch huyện", "Phòng Tài chính"),
    ("chờ Các Sở: Tài chính, Kế hoạch và Đầu tư", "Các Sở: Tài chính, Kế hoạch và Đầu tư"),
    ("đợi Trung tâm Phục vụ hành chính công", "Trung tâm Phục vụ hành chính công"),
]


@pytest.mark.parametrize(("text", "unknown"), UNKNOWN)
def test_an_unknown_agency_keeps_the_text_and_is_flagged(text: str, unknown: str) -> None:
    found = read(text)
    assert (found.agency, found.unknown, found.flagged) == (None, unknown, True)
    assert found.reason == text


def test_the_officers_own_agency_is_never_its_own_blocker() -> None:
    found = read("Sở TTTT đang chờ Sở Tài chính", own_agency="STTTT")
    assert (found.agency, found.named, found.flagged) == ("STC", ("STC",), False)


def test_only_the_own_agency_named_leaves_no_blocker() -> None:
    found = read("Sở TTTT đang tổng hợp", own_agency="STTTT")
    assert (found.agency, found.named, found.flagged) == (None, (), False)


def test_a_reply_with_nothing_after_the_keyword_has_no_reason() -> None:
    assert read("vướng: ") == BlockedBy(reason=None)
    assert read("") == BlockedBy(reason=None)


@pytest.mark.parametrize(
    ("text", "agency", "named"),
    [
        ("Sở Xây dựng đã xong phần việc, đang chờ Sở Tài chính thẩm định", "STC", ("SXD", "STC")),
        ("đã báo cáo UBND thành phố, đang chờ Sở Xây dựng", "SXD", ("UBNDTP", "SXD")),
        ("Sở Nội vụ và Sở Tài chính chưa có ý kiến", "SNV", ("SNV", "STC")),
    ],
)
def test_several_agencies_are_all_named_and_the_waited_one_chosen(
    text: str, agency: str, named: tuple[str, ...]
) -> None:
    found = read(text)
    assert (found.agency, found.named) == (agency, named)


def test_a_long_reason_is_kept_to_the_stored_length() -> None:
    found = read("vướng: " + "chờ Sở Tài chính thẩm định " * 40)
    assert found.reason is not None and len(found.reason) <= 500
    assert found.agency == "STC"


FILLER = [
    "chờ", "đang", "thẩm định", "phê duyệt", "kinh phí", "dự toán", "chưa", "có", "ý kiến",
    "mặt bằng", "hồ sơ", "ạ", "em", "anh", "cơ sở", "dữ liệu", "số", "15", ":", ",", "vướng",
    "gia hạn", "30/9", "0912.345.678", "xong", "\n", "bàn giao", "trả lời", "đợi", "phối hợp",
]  # fmt: skip
AGENCIES = [a for a in REGISTRY if a.kind == "so" and not REGISTRY.is_group(a.code)]


@settings(deadline=None)
@given(st.text(max_size=300))
def test_any_text_reads_without_error(text: str) -> None:
    found = read(text)
    if found.agency is not None:
        assert found.agency in found.named
        agency = REGISTRY.get(found.agency)
        assert agency is not None and not REGISTRY.is_group(agency.code)


@settings(deadline=None)
@given(st.lists(st.sampled_from(FILLER), max_size=30).map(" ".join))
def test_text_naming_no_agency_never_yields_one(text: str) -> None:
    found = read(text)
    assert (found.agency, found.named) == (None, ())


@settings(deadline=None)
@given(
    st.lists(st.sampled_from(FILLER), max_size=12).map(" ".join),
    st.sampled_from(AGENCIES),
    st.lists(st.sampled_from(FILLER), max_size=12).map(" ".join),
)
def test_the_only_agency_ever_found_is_the_one_named(
    before: str, agency: Agency, after: str
) -> None:
    # Read on a day the body existed: its name may be another period's body's alias.
    day = agency.valid_to or agency.valid_from
    found = read(f"{before} {agency.name} {after}", as_of=day)
    assert found.named == (agency.code,)
    assert found.agency == agency.code


@pytest.mark.parametrize(
    "text", [text for text, _code, _reason in KNOWN] + [text for text, _unknown in UNKNOWN]
)
def test_a_reason_that_names_an_agency_is_always_looked_up(text: str) -> None:
    assert may_name_agency(text)


@pytest.mark.parametrize(
    "text",
    [
        "chưa có kinh phí",
        "thiếu nhân lực",
        "vuong: chua co mat bang",
        "đang chờ duyệt dự toán",
        "khó khăn về mặt bằng thi công",
    ],
)
def test_a_reason_with_no_name_in_it_needs_no_registry(text: str) -> None:
    assert not may_name_agency(text)
