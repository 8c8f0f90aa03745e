import io
from pathlib import Path

import pytest

from domain.agencies import Agency, AgencyRegistry, combine

AGENCIES_CSV = Path(__file__).resolve().parents[2] / "bot" / "data" / "agencies.csv"


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_csv(AGENCIES_CSV)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Sở Thông tin và Truyền thông", "STTTT"),
        ("sở thông tin và truyền thông", "STTTT"),
        ("SO THONG TIN VA TRUYEN THONG", "STTTT"),
        ("Sở Thong tin va Truyen thong", "STTTT"),
        ("Sở TTTT", "STTTT"),
        ("STTTT", "STTTT"),
        ("Sở TT&TT", "STTTT"),
        ("Sở KH&ĐT", "SKHDT"),
        ("SKHĐT", "SKHDT"),
        ("Sở NN&PTNT", "SNNPTNT"),
        ("Sở LĐTB&XH", "SLDTBXH"),
        ("Sở giáo dục và Đào tạo", "SGDDT"),
        ("Sở Lao động, Thương binh và Xã hội", "SLDTBXH"),
        ("Sở Lao động – Thương binh và Xã hội", "SLDTBXH"),
        ("Sở Văn hoá và Thể thao", "SVHTT"),
        ("Cục Tin học hoá – Bộ Thông tin và Truyền Thông", "BTTTT-CTHH"),
        ("Cục Tin học hóa - Bộ Thông tin và Truyền thông", "BTTTT-CTHH"),
        ("Ủy ban nhân dân huyện Thuỷ Nguyên", "UBND-HUYEN-THUYNGUYEN"),
        ("Uỷ ban nhân dân huyện Thủy Nguyên", "UBND-HUYEN-THUYNGUYEN"),
        ("UBND quận Hồng Bàng", "UBND-QUAN-HONGBANG"),
        ("UBND TP", "UBNDTP"),
        ("Các Sở, ngành, đơn vị, địa phương có liên quan", "GRP-SNDVDP"),
        ("Sở, ban, ngành", "GRP-SBN"),
        ("Ủy ban nhân dân các quận, huyện", "UBND-QUAN-HUYEN"),
        ("Các Sở Xây dựng", "SXD"),
        ("- Sở Y tế", "SYT"),
        ("+ Sở Y tế.", "SYT"),
        ("Sở Xây dựng (chủ trì)", "SXD"),
        ("Ngân hàng Nhà nước Chi nhánh thành phố Hải Phòng", "NHNN-HP"),
        ("Tập đoàn Công nghiệp - Viễn thông Quân đội (Viettel)", "VIETTEL"),
    ],
)
def test_resolve_tolerates_spelling_case_marks_and_abbreviations(
    registry: AgencyRegistry, name: str, code: str
) -> None:
    agency = registry.resolve(name)
    assert agency is not None, name
    assert agency.code == code


@pytest.mark.parametrize(
    "name",
    [
        "Sở Ngoại thương",
        "Phòng Tài chính - Kế hoạch",
        # "Sở NV" could be Nội vụ or Ngoại vụ: a made-up short form shared by two means nothing.
        "Sở NV",
        # One alias names two agencies; resolve() answers only for exactly one.
        "Các Sở: Tài chính, Kế hoạch và Đầu tư",
        "Sở Xây dựng, Sở Nội vụ",
        "",
    ],
)
def test_resolve_answers_none_for_unknown_ambiguous_or_several_names(
    registry: AgencyRegistry, name: str
) -> None:
    assert registry.resolve(name) is None


def test_the_district_committees_of_2023_are_all_fifteen(registry: AgencyRegistry) -> None:
    members = registry.members("UBND-QUAN-HUYEN")
    assert len(members) == 15
    assert {agency.kind for agency in members} == {"ubnd-quan-huyen"}
    assert len(registry.members("UBND-CAC-HUYEN")) == 8


def test_the_departments_group_holds_every_department(registry: AgencyRegistry) -> None:
    codes = {agency.code for agency in registry.members("GRP-SBN")}
    departments = {agency.code for agency in registry if agency.kind == "so"}
    assert departments <= codes
    assert "UBND-QUAN-HONGBANG" not in codes


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("GRP-DN-VT", {"VIETTEL-HP", "VNPT-HP", "MOBIFONE-HP"}),
        ("GRP-TAPDOAN-VT", {"VIETTEL", "VNPT"}),
        ("GRP-BQLDA-TP", {"BQLDA-GT", "BQLDA-DD"}),
        ("GRP-DOANTHE", {"UBMTTQ", "THANHDOAN", "HNDTP"}),
    ],
)
def test_groups_the_documents_use_have_their_named_members(
    registry: AgencyRegistry, group: str, expected: set[str]
) -> None:
    assert {agency.code for agency in registry.members(group)} == expected


def test_a_group_nobody_is_listed_in_has_no_members_and_still_counts_as_a_group(
    registry: AgencyRegistry,
) -> None:
    assert registry.members("GRP-CQ-CHUTRI") == []
    assert registry.is_group("GRP-CQ-CHUTRI")
    assert registry.is_group("UBND-QUAN-HUYEN")
    assert not registry.is_group("STTTT")


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        (
            "Sở Nội vụ, Sở Xây dựng và Sở, ngành, đơn vị có liên quan",
            ["Sở Nội vụ", "Sở Xây dựng", "Sở, ngành, đơn vị có liên quan"],
        ),
        (
            "Sở Kế hoạch và Đầu tư; Sở Lao động, Thương binh và Xã hội",
            ["Sở Kế hoạch và Đầu tư", "Sở Lao động, Thương binh và Xã hội"],
        ),
        (
            "Tổng Cục Du lịch - Bộ Văn hóa, Thể thao và Du lịch, Sở Văn hóa, Thể thao và Du lịch",
            [
                "Tổng Cục Du lịch - Bộ Văn hóa, Thể thao và Du lịch",
                "Sở Văn hóa, Thể thao và Du lịch",
            ],
        ),
        (
            "Sở Thông tin và Truyền thông, Ủy ban nhân dân các quận, huyện, "
            "các doanh nghiệp viễn thông",
            [
                "Sở Thông tin và Truyền thông",
                "Ủy ban nhân dân các quận, huyện",
                "các doanh nghiệp viễn thông",
            ],
        ),
        ("Sở Xây dựng\nSở Y tế", ["Sở Xây dựng", "Sở Y tế"]),
        ("- Sở Xây dựng. - Sở Y tế.", ["Sở Xây dựng", "Sở Y tế"]),
        ("+ Sở Công Thương + Sở Du lịch", ["Sở Công Thương", "Sở Du lịch"]),
        (
            "Sở Foo, Sở Xây dựng; Phòng Bar và Sở Y tế",
            ["Sở Foo", "Sở Xây dựng", "Phòng Bar", "Sở Y tế"],
        ),
    ],
)
def test_split_cell_keeps_names_with_commas_and_va_whole(
    registry: AgencyRegistry, cell: str, parts: list[str]
) -> None:
    assert registry.split_cell(cell) == parts


def test_resolve_cell_expands_groups_keeps_order_and_reports_groups(
    registry: AgencyRegistry,
) -> None:
    resolution = registry.resolve_cell(
        "Sở Xây dựng, các Ban Quản lý Dự án trực thuộc Ủy ban nhân thành phố và "
        "Ủy ban nhân dân các quận, huyện, Nhà đầu tư"
    )
    assert resolution.named == ("SXD", "GRP-BQLDA-TP", "UBND-QUAN-HUYEN", "GRP-NHADAUTU")
    assert resolution.groups == ("GRP-BQLDA-TP", "UBND-QUAN-HUYEN", "GRP-NHADAUTU")
    assert resolution.codes[:3] == ("SXD", "BQLDA-GT", "BQLDA-DD")
    assert len(resolution.codes) == 3 + 15 + 1
    # A group with no listed members stands for itself rather than vanishing.
    assert resolution.codes[-1] == "GRP-NHADAUTU"
    assert resolution.unresolved == ()


def test_resolve_cell_does_not_repeat_an_agency_named_twice(registry: AgencyRegistry) -> None:
    resolution = registry.resolve_cell("Sở Xây dựng; Các Sở, ban, ngành; Sở TTTT")
    assert len(resolution.codes) == len(set(resolution.codes))
    assert resolution.codes[0] == "SXD"


def test_resolve_cell_keeps_unknown_fragments_verbatim(registry: AgencyRegistry) -> None:
    resolution = registry.resolve_cell("Sở Foo, Sở Xây dựng; Phòng Bar và Sở Y tế")
    assert resolution.codes == ("SXD", "SYT")
    assert resolution.unresolved == ("Sở Foo", "Phòng Bar")


def test_an_alias_shared_by_two_departments_names_both(registry: AgencyRegistry) -> None:
    resolution = registry.resolve_cell("Các Sở: Tài chính, Kế hoạch và Đầu tư")
    assert set(resolution.codes) == {"STC", "SKHDT"}


def test_parenthetical_scopes_stay_with_their_agency(registry: AgencyRegistry) -> None:
    resolution = registry.resolve_cell(
        "Ban quản lý khu kinh tế (trong các Khu kinh tế, Khu công nghiệp trên địa bàn thành "
        "phố); Sở Thông tin và Truyền thông (các khu vực còn lại trên địa bàn thành phố)."
    )
    assert resolution.codes == ("BQLKKT", "STTTT")
    assert resolution.unresolved == ()
    assert resolution.scopes == (
        ("BQLKKT", "trong các Khu kinh tế, Khu công nghiệp trên địa bàn thành phố"),
        ("STTTT", "các khu vực còn lại trên địa bàn thành phố"),
    )


def test_leading_reads_the_agencies_a_sentence_starts_with(registry: AgencyRegistry) -> None:
    sentence = (
        "Các doanh nghiệp viễn thông: Viettel Hải Phòng, VNPT Hải Phòng, Mobifone Hải Phòng "
        "có trách nhiệm làm việc với Tập đoàn/Tổng Công ty"
    )
    resolution, end = registry.leading(sentence)
    assert set(resolution.codes) == {"VIETTEL-HP", "VNPT-HP", "MOBIFONE-HP"}
    assert sentence[end:].startswith(" có trách nhiệm")
    nobody, start = registry.leading("Thường xuyên đôn đốc các Sở")
    assert nobody.named == ()
    assert start == 0


def test_combine_merges_resolutions_without_repeats(registry: AgencyRegistry) -> None:
    merged = combine([registry.resolve_cell("Sở Y tế"), registry.resolve_cell("Sở Y tế, Sở Foo")])
    assert merged.codes == ("SYT",)
    assert merged.unresolved == ("Sở Foo",)


def test_a_registry_can_be_built_from_rows_in_a_stream() -> None:
    text = (
        "canonical_name,short_code,kind,aliases,member_of\n"
        "Sở Xây dựng,SXD,so,SXD Hải Phòng,GRP-X\n"
        "Sở Y tế,SYT,so,,GRP-X\n"
    )
    registry = AgencyRegistry.from_csv(io.StringIO(text))
    assert registry.get("SXD") == Agency(
        "SXD", "Sở Xây dựng", "so", ("SXD Hải Phòng",), ("GRP-X",)
    )
    assert [agency.code for agency in registry.members("GRP-X")] == ["SXD", "SYT"]
    assert registry.resolve("sxd hai phong") == registry.get("SXD")


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("xã Cẩm Giang", ("UBND-XA-CAMGIANG-10888",)),
        ("xã Cẩm Giàng", ("UBND-XA-CAMGIANG-10903",)),
        ("UBND xã Cẩm Giàng", ("UBND-XA-CAMGIANG-10903",)),
        # Written without any diacritics the two names cannot be told apart: both are named.
        ("xa Cam Giang", ("UBND-XA-CAMGIANG-10903", "UBND-XA-CAMGIANG-10888")),
    ],
)
def test_names_that_fold_alike_are_told_apart_by_their_written_diacritics(
    registry: AgencyRegistry, name: str, named: tuple[str, ...]
) -> None:
    assert registry.resolve_cell(name).named == named
