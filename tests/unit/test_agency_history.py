"""The registry across the 2025 reorganisation: who existed when, and who took the work over."""

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.agencies import (
    Agency,
    AgencyRegistry,
    Succession,
    SuccessionPlan,
    plan_succession,
    row_problems,
)

ROOT = Path(__file__).resolve().parents[2]
AGENCIES_CSV = ROOT / "bot" / "data" / "agencies.csv"
IN_2023 = date(2023, 2, 13)
IN_2026 = date(2026, 3, 2)
MERGED = date(2025, 3, 1)
TWO_LEVEL = date(2025, 7, 1)


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_csv(AGENCIES_CSV)


def _codes(agencies: Iterable[Agency]) -> set[str]:
    return {agency.code for agency in agencies}


def test_a_2023_department_name_resolves_to_the_department_of_2023(
    registry: AgencyRegistry,
) -> None:
    agency = registry.resolve("Sở Thông tin và Truyền thông", as_of=IN_2023)
    assert agency is not None
    assert agency.code == "STTTT"
    assert agency.exists_on(IN_2023)
    assert registry.succession("STTTT", on=IN_2023) is None


def test_the_information_department_was_succeeded_by_science_and_technology(
    registry: AgencyRegistry,
) -> None:
    assert registry.succession("STTTT", on=date(2025, 2, 28)) is None
    note = registry.succession("STTTT", on=MERGED)
    assert note == Succession(code="STTTT", ended=date(2025, 2, 28), successors=("SKHCN",))
    successor = registry.get("SKHCN")
    assert successor is not None and successor.name == "Sở Khoa học và Công nghệ"
    assert successor.exists_on(MERGED)


def test_a_2026_document_naming_a_dissolved_department_gets_it_with_a_succession_note(
    registry: AgencyRegistry,
) -> None:
    resolution = registry.resolve_cell("Sở Thông tin và Truyền thông", as_of=IN_2026)
    assert resolution.codes == ("STTTT",)
    assert resolution.succeeded == (
        Succession(code="STTTT", ended=date(2025, 2, 28), successors=("SKHCN",)),
    )
    assert registry.resolve_cell("Sở Thông tin và Truyền thông", as_of=IN_2023).succeeded == ()


def test_a_2026_cell_names_the_new_department_and_every_commune_not_the_committee(
    registry: AgencyRegistry,
) -> None:
    resolution = registry.resolve_cell(
        "Sở Nông nghiệp và Môi trường, UBND các xã, phường, đặc khu", as_of=IN_2026
    )
    assert resolution.named == ("SNNMT", "UBND-XA-PHUONG-DACKHU")
    assert resolution.groups == ("UBND-XA-PHUONG-DACKHU",)
    assert resolution.unresolved == ()
    assert resolution.succeeded == ()
    assert "UBNDTP" not in resolution.codes
    communes = [registry.get(code) for code in resolution.codes[1:]]
    assert len(communes) == 114
    assert {agency.kind for agency in communes if agency is not None} == {"ubnd-xa"}


def test_the_commune_level_group_has_the_114_units_of_the_merged_city(
    registry: AgencyRegistry,
) -> None:
    members = registry.members("UBND-XA-PHUONG-DACKHU", as_of=TWO_LEVEL)
    kinds = Counter(agency.name.split()[4] for agency in members)
    assert kinds == {"phường": 45, "xã": 67, "đặc": 2}
    assert {"UBND-DACKHU-CATHAI", "UBND-DACKHU-BACHLONGVI"} <= _codes(members)
    assert registry.members("UBND-XA-PHUONG-DACKHU", as_of=date(2025, 6, 30)) == []


@pytest.mark.parametrize(
    "name",
    [
        "Văn phòng UBND tỉnh",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "Văn phòng UBND tỉnh, thành phố",
        "Văn phòng Ủy ban nhân dân thành phố",
        "VP UBND TP",
    ],
)
def test_the_office_of_the_peoples_committee_is_not_the_committee(
    registry: AgencyRegistry, name: str
) -> None:
    agency = registry.resolve(name, as_of=IN_2026)
    assert agency is not None and agency.code == "VPUBND"


@pytest.mark.parametrize(
    ("text", "as_of", "named"),
    [
        ("Sở Văn hóa, Thể thao và Du lịch", IN_2023, ("SDL", "SVHTT")),
        ("Sở Văn hóa, Thể thao và Du lịch", IN_2026, ("SVHTTDL",)),
        ("Sở VHTT&DL", IN_2026, ("SVHTTDL",)),
        ("Sở NN&MT", IN_2026, ("SNNMT",)),
        ("Sở KH&CN", IN_2026, ("SKHCN",)),
        ("Sở Nông nghiệp và Phát triển nông thôn", IN_2023, ("SNNPTNT",)),
        ("Ủy ban nhân dân các xã, phường", IN_2023, ("UBND-XA-PHUONG",)),
        ("Ủy ban nhân dân các xã, phường", IN_2026, ("UBND-XA-PHUONG-DACKHU",)),
        ("Ủy ban nhân dân cấp xã", IN_2026, ("UBND-XA-PHUONG-DACKHU",)),
        ("UBND phường An Dương", IN_2026, ("UBND-PHUONG-ANDUONG",)),
        ("phường Lê Chân; xã Tiên Lãng", IN_2026, ("UBND-PHUONG-LECHAN", "UBND-XA-TIENLANG")),
        ("đặc khu Cát Hải", IN_2026, ("UBND-DACKHU-CATHAI",)),
        ("UBND thành phố Thủy Nguyên", date(2025, 4, 1), ("UBND-HUYEN-THUYNGUYEN",)),
        ("Ủy ban nhân dân tỉnh Hải Dương", IN_2023, ("UBND-TINH-HAIDUONG",)),
    ],
)
def test_a_name_means_the_body_that_bore_it_on_the_documents_day(
    registry: AgencyRegistry, text: str, as_of: date, named: tuple[str, ...]
) -> None:
    resolution = registry.resolve_cell(text, as_of=as_of)
    assert resolution.named == named
    assert resolution.unresolved == ()


def test_the_departments_group_expands_to_the_departments_of_the_day(
    registry: AgencyRegistry,
) -> None:
    in_2023 = _codes(registry.members("GRP-SBN", as_of=IN_2023))
    in_2026 = _codes(registry.members("GRP-SBN", as_of=IN_2026))
    assert {"STTTT", "SKHDT", "SNNPTNT", "STNMT", "SLDTBXH", "SDL", "SVHTT"} <= in_2023
    assert not {"SNNMT", "SVHTTDL"} & in_2023
    assert {"SNNMT", "SVHTTDL", "SKHCN", "STC", "SXD", "SNV", "VPUBND"} <= in_2026
    assert not {"STTTT", "SKHDT", "SGTVT", "SNNPTNT", "STNMT", "SLDTBXH"} & in_2026


def test_a_group_that_had_ceased_expands_to_its_members_of_its_last_day(
    registry: AgencyRegistry,
) -> None:
    resolution = registry.resolve_cell("Ủy ban nhân dân các quận, huyện", as_of=IN_2026)
    assert len(resolution.codes) == 15
    assert _codes(registry.members("UBND-QUAN-HUYEN", as_of=IN_2026)) == set(resolution.codes)
    assert resolution.succeeded == (
        Succession(
            code="UBND-QUAN-HUYEN",
            ended=date(2025, 6, 30),
            successors=("UBND-XA-PHUONG-DACKHU",),
        ),
    )


def test_the_labour_department_is_a_split_by_domain_needing_a_decision(
    registry: AgencyRegistry,
) -> None:
    note = registry.succession("SLDTBXH", on=IN_2026)
    assert note is not None
    assert note.needs_decision
    assert note.successors == ("SNV", "SYT", "SGDDT")
    scopes = dict(note.scopes)
    assert "giáo dục nghề nghiệp" in scopes["SGDDT"]
    assert "bảo trợ xã hội" in scopes["SYT"]
    assert "người có công" in scopes["SNV"]
    resolution = registry.resolve_cell("Sở Lao động - Thương binh và Xã hội", as_of=IN_2026)
    assert resolution.succeeded == (note,)


def test_a_district_is_split_by_territory_among_the_units_formed_from_its_communes(
    registry: AgencyRegistry,
) -> None:
    note = registry.succession("UBND-QUAN-LECHAN", on=TWO_LEVEL)
    assert note is not None and note.needs_decision
    assert note.successors == ("UBND-PHUONG-LECHAN", "UBND-PHUONG-ANBIEN")
    island = registry.succession("UBND-HUYEN-BACHLONGVI", on=TWO_LEVEL)
    assert island is not None and island.successors == ("UBND-DACKHU-BACHLONGVI",)


def test_every_district_of_2023_ends_on_30_june_2025_with_communes_as_successors(
    registry: AgencyRegistry,
) -> None:
    districts = registry.members("UBND-QUAN-HUYEN", as_of=IN_2023)
    assert len(districts) == 15
    for district in districts:
        assert district.valid_to == date(2025, 6, 30), district.code
        successors = [registry.get(code) for code in district.successors]
        assert successors, district.code
        for successor in successors:
            assert successor is not None and successor.kind == "ubnd-xa", district.code
            assert successor.valid_from == TWO_LEVEL


def test_the_succession_plan_for_open_2023_assignments(registry: AgencyRegistry) -> None:
    codes = [
        "STTTT",
        "SKHDT",
        "SLDTBXH",
        "SNNPTNT",
        "STNMT",
        "UBND-QUAN-HUYEN",
        "UBND-QUAN-LECHAN",
        "UBND-HUYEN-CATHAI",
        "HDND-QUAN-HUYEN",
        "SXD",
        "CATP",
        "STTTT",
        "SO-KHONG-CO",
    ]
    plan = plan_succession(registry, codes=codes, on=IN_2026)
    departments_end = date(2025, 2, 28)
    districts_end = date(2025, 6, 30)
    labour = registry.succession("SLDTBXH", on=IN_2026)
    assert labour is not None
    assert plan == SuccessionPlan(
        on=IN_2026,
        moves=(
            Succession("STTTT", departments_end, ("SKHCN",)),
            Succession("SKHDT", departments_end, ("STC",)),
            Succession("SNNPTNT", departments_end, ("SNNMT",)),
            Succession("STNMT", departments_end, ("SNNMT",)),
            Succession("UBND-QUAN-HUYEN", districts_end, ("UBND-XA-PHUONG-DACKHU",)),
            Succession("UBND-HUYEN-CATHAI", districts_end, ("UBND-DACKHU-CATHAI",)),
        ),
        decisions=(
            labour,
            Succession(
                "UBND-QUAN-LECHAN", districts_end, ("UBND-PHUONG-LECHAN", "UBND-PHUONG-ANBIEN")
            ),
        ),
        dissolved=(Succession("HDND-QUAN-HUYEN", districts_end),),
        current=("SXD", "CATP"),
        unknown=("SO-KHONG-CO",),
    )


def test_a_succession_plan_before_the_reorganisation_moves_nothing(
    registry: AgencyRegistry,
) -> None:
    plan = plan_succession(registry, codes=["STTTT", "UBND-QUAN-LECHAN"], on=IN_2023)
    assert plan == SuccessionPlan(on=IN_2023, current=("STTTT", "UBND-QUAN-LECHAN"))


CHAIN = (
    "canonical_name,short_code,kind,aliases,member_of,successor,successor_scopes,"
    "valid_from,valid_to\n"
    "Sở A,SA,so,,,SB;SC,SB: lĩnh vực một; SC: lĩnh vực hai,,2020-12-31\n"
    "Sở B,SB,so,,,,,2021-01-01,\n"
    "Sở C,SC,so,,,SD,,2021-01-01,2022-06-30\n"
    "Sở D,SD,so,,,,,2022-07-01,\n"
    "Hội đồng E,HDE,other,,,,,,2021-12-31\n"
)


def test_a_chain_of_successions_is_followed_and_keeps_each_scope() -> None:
    registry = AgencyRegistry.from_csv(io.StringIO(CHAIN))
    assert registry.problems() == []
    assert registry.succession("SA", on=date(2021, 6, 1)) == Succession(
        "SA", date(2020, 12, 31), ("SB", "SC"), (("SB", "lĩnh vực một"), ("SC", "lĩnh vực hai"))
    )
    assert registry.succession("SA", on=date(2023, 1, 1)) == Succession(
        "SA", date(2020, 12, 31), ("SB", "SD"), (("SB", "lĩnh vực một"), ("SD", "lĩnh vực hai"))
    )
    plan = plan_succession(registry, codes=["SC", "HDE", "SD"], on=date(2023, 1, 1))
    assert plan.moves == (Succession("SC", date(2022, 6, 30), ("SD",)),)
    assert plan.dissolved == (Succession("HDE", date(2021, 12, 31)),)
    assert plan.current == ("SD",)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"short_code": "X", "valid_to": "30/06/2025"}, "valid_to «30/06/2025» is not a date"),
        ({"short_code": "X", "valid_from": "2025-13-01"}, "valid_from «2025-13-01» is not"),
        (
            {"short_code": "X", "valid_from": "2025-07-01", "valid_to": "2025-06-30"},
            "valid_to 2025-06-30 is before valid_from 2025-07-01",
        ),
        (
            {"short_code": "X", "successor": "Y", "successor_scopes": "Z: việc khác"},
            "successor_scopes names Z, not a successor",
        ),
        (
            {"short_code": "X", "successor": "Y;Z", "successor_scopes": "Y việc"},
            "successor_scopes item «Y việc» is not written CODE: scope",
        ),
    ],
)
def test_a_malformed_history_column_is_reported_and_refused(
    row: dict[str, str], problem: str
) -> None:
    found = row_problems(row)
    assert len(found) == 1
    assert problem in found[0]
    assert found[0].startswith("X: ")
    with pytest.raises(ValueError, match=re.escape(problem)):
        AgencyRegistry.from_rows([{"canonical_name": "Sở X", **row}])


def test_unknown_and_circular_successors_are_reported() -> None:
    text = (
        "canonical_name,short_code,kind,aliases,member_of,successor,valid_to\n"
        "Sở P,SP,so,,,SQ,2020-01-01\n"
        "Sở Q,SQ,so,,,SP,2021-01-01\n"
        "Sở R,SR,so,,,SZ,2021-01-01\n"
        "Sở T,ST,so,,,SP,\n"
    )
    problems = AgencyRegistry.from_csv(io.StringIO(text)).problems()
    assert problems == [
        "SP: its successors lead back to it",
        "SQ: its successors lead back to it",
        "SR: successor SZ is not in the registry",
        "ST: has a successor but no valid_to",
    ]


def test_the_shipped_registry_is_consistent(registry: AgencyRegistry) -> None:
    assert registry.problems() == []
    with AGENCIES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [problem for row in rows for problem in row_problems(row)] == []
    assert len({row["short_code"] for row in rows}) == len(rows)


def test_the_example_in_the_registry_guide_loads_and_behaves_as_described() -> None:
    guide = (ROOT / "docs" / "agency-registry.md").read_text(encoding="utf-8")
    example = re.search(r"```csv\n(.*?)```", guide, re.S)
    assert example is not None
    registry = AgencyRegistry.from_csv(io.StringIO(example.group(1)))
    assert registry.problems() == []
    assert registry.resolve("Sở Thông tin và Truyền thông", as_of=IN_2023) == registry.get("STTTT")
    note = registry.succession("SLDTBXH", on=IN_2026)
    assert note is not None and note.successors == ("SNV", "SYT", "SGDDT")
    cell = registry.resolve_cell("UBND các xã, phường, đặc khu", as_of=IN_2026)
    assert cell.codes == ("UBND-PHUONG-LECHAN", "UBND-PHUONG-ANBIEN")
    plan = plan_succession(registry, codes=["UBND-QUAN-HUYEN", "UBND-QUAN-LECHAN"], on=IN_2026)
    assert [move.successors for move in plan.moves] == [("UBND-XA-PHUONG-DACKHU",)]
    assert [choice.code for choice in plan.decisions] == ["UBND-QUAN-LECHAN"]


_SHIPPED = AgencyRegistry.from_csv(AGENCIES_CSV)


@settings(deadline=None)
@given(
    day=st.dates(min_value=date(2022, 1, 1), max_value=date(2027, 12, 31)),
    index=st.integers(min_value=0, max_value=len(_SHIPPED) - 1),
)
def test_the_canonical_name_of_a_body_existing_that_day_resolves_to_it(
    day: date, index: int
) -> None:
    agency = list(_SHIPPED)[index]
    assume(agency.exists_on(day))
    found = _SHIPPED.resolve_cell(agency.name, as_of=day)
    assert found.named == (agency.code,)
    assert found.succeeded == ()


@settings(deadline=None)
@given(day=st.dates(min_value=date(2022, 1, 1), max_value=date(2027, 12, 31)))
def test_groups_never_expand_to_bodies_that_did_not_exist_that_day(day: date) -> None:
    for group in ("GRP-SBN", "GRP-SNDVDP", "GRP-DIAPHUONG", "UBND-XA-PHUONG-DACKHU"):
        assert all(member.exists_on(day) for member in _SHIPPED.members(group, as_of=day))
