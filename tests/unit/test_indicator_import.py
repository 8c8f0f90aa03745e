"""Indicator tables: Chỉ thị 02's PHỤ LỤC 1-3 as text, Word and Excel, and the template."""

import csv
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.agencies import AgencyRegistry
from domain.importers import (
    PlanImportError,
    import_file,
    import_indicators,
    indicators_from_bytes,
)
from domain.importers.blocks import Cell
from domain.importers.indicators import indicators_from_sheets
from domain.indicators.model import Accumulation, IndicatorSet, compare
from domain.indicators.targets import Comparison, Direction
from domain.recurrence import Cadence

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bot" / "data"
SEED_004 = next((DATA / "seeds").glob("004_*.txt"))
EXPECTED = ROOT / "tests" / "data" / "indicators" / "seed_indicators.csv"
TEMPLATE = ROOT / "tests" / "data" / "indicators" / "template.csv"
_REGISTRY = AgencyRegistry.from_csv(DATA / "agencies.csv")
_INHERITS = re.compile(r'inherits "([^"]+)"')


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return _REGISTRY


@pytest.fixture(scope="module")
def seed(registry: AgencyRegistry) -> IndicatorSet:
    return import_indicators(SEED_004, registry=registry)


def _expected(appendix: str) -> list[dict[str, str]]:
    with EXPECTED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row for row in rows if row["appendix"].startswith(f"PHỤ LỤC {appendix}.")]


def _seed_tables() -> dict[str, tuple[list[str], list[list[str]]]]:
    """Each appendix's caption lines and table rows, as the text version has them."""
    lines = SEED_004.read_text(encoding="utf-8").splitlines()
    tables: dict[str, tuple[list[str], list[list[str]]]] = {}
    current: str | None = None
    for line in lines:
        if match := re.fullmatch(r"PHỤ LỤC (\d)", line.strip()):
            current = match[1]
            tables[current] = ([line.strip()], [])
        elif current is not None and "\t" in line:
            tables[current][1].append([cell.strip() for cell in line.split("\t")])
        elif current is not None and line.strip() and not tables[current][1]:
            tables[current][0].append(line.strip().replace("**", ""))
    return {key: value for key, value in tables.items() if key in ("1", "2", "3")}


def _same_as_csv(found: IndicatorSet, registry: AgencyRegistry, appendix: str) -> None:
    expected = _expected(appendix)
    got = [indicator for indicator in found.indicators if indicator.table == f"PL{appendix}"]
    assert len(got) == len(expected)
    by_key = {indicator.key: indicator for indicator in got}
    for indicator, row in zip(got, expected, strict=True):
        assert indicator.group == row["group"]
        assert indicator.number == (row["tt"] or "")
        assert indicator.name == row["indicator"]
        assert indicator.unit.text == row["unit"].split(" (")[0]
        assert indicator.target.text == row["target_2023"]
        assert indicator.owner_text == row["owner_agencies"]
        inherited = _INHERITS.search(row["notes"])
        owner = row["owner_agencies"] or (inherited[1] if inherited else "")
        if "Khách quốc tế" in row["indicator"]:
            owner = "Sở Du lịch"  # PL3 #8: "owner empty (inherits Sở Du lịch)"
        assert indicator.owner_codes == registry.resolve_cell(owner).codes
        assert indicator.unresolved_owners == ()
        parent = row["parent"]
        if ">" in parent:
            top, name = (part.strip() for part in parent.split(">"))
            assert indicator.parent_key is not None
            assert by_key[indicator.parent_key].name == name
            assert by_key[indicator.parent_key].parent_key == f"PL{appendix}.{top}"
        elif parent:
            assert indicator.parent_key == f"PL{appendix}.{parent}"
    assert found.tables[f"PL{appendix}"] == expected[0]["appendix"]


@pytest.mark.parametrize("appendix", ["1", "2", "3"])
def test_the_seed_text_gives_the_indicators_owners_and_targets_of_the_csv(
    seed: IndicatorSet, registry: AgencyRegistry, appendix: str
) -> None:
    _same_as_csv(seed, registry, appendix)


def test_pl1_has_34_indicators_and_pl3_85_with_20_owned_by_so_tttt(seed: IndicatorSet) -> None:
    pl1 = [i for i in seed.indicators if i.table == "PL1"]
    pl3 = [i for i in seed.indicators if i.table == "PL3"]
    assert (len(pl1), sum(bool(i.number) for i in pl1)) == (34, 19)
    assert (len(pl3), len({i.number for i in pl3 if i.number})) == (85, 83)
    assert sum(i.lead_code == "STTTT" for i in pl3 if not i.owner_inherited) == 20
    assert seed.year == 2023


@pytest.mark.parametrize(
    ("key", "comparison", "low", "high", "direction"),
    [
        ("PL1.1", Comparison.BETWEEN, "12.7", "13.0", Direction.HIGHER),
        ("PL1.4", Comparison.PLAIN, "116442.134", "116442.134", Direction.HIGHER),
        ("PL1.8", Comparison.MORE_THAN, "7.3", None, Direction.HIGHER),
        ("PL1.12", Comparison.PLAIN, "3.59", "3.59", Direction.LOWER),
        ("PL1.13", Comparison.PLAIN, "57300", "57300", Direction.HIGHER),
        ("PL3.1", Comparison.LESS_THAN, None, "8", Direction.LOWER),
        ("PL3.7", Comparison.PLAIN, "7300", "7300", Direction.HIGHER),
        ("PL3.17", Comparison.BETWEEN, "52", "57", Direction.HIGHER),
        ("PL3.56", Comparison.AT_MOST, None, "7.0", Direction.LOWER),
        ("PL3.58", Comparison.MORE_THAN, "95", None, Direction.HIGHER),
        ("PL3.66", Comparison.BETWEEN, "365", "370", Direction.HIGHER),
    ],
)
def test_seed_targets_are_read_into_comparisons(
    seed: IndicatorSet,
    key: str,
    comparison: Comparison,
    low: str | None,
    high: str | None,
    direction: Direction,
) -> None:
    indicator = seed.get(key)
    assert indicator.target.comparison == comparison
    assert indicator.target.low == (None if low is None else Decimal(low))
    assert indicator.target.high == (None if high is None else Decimal(high))
    assert indicator.direction == direction


def test_the_implausible_fertility_rate_is_kept_and_flagged(seed: IndicatorSet) -> None:
    fertility = seed.get("PL3.47")
    assert fertility.target.low == Decimal("14.35")
    assert any("ngoài khoảng hợp lý" in str(problem) for problem in fertility.problems)
    others = [i.key for i in seed.indicators if any("hợp lý" in str(p) for p in i.problems)]
    assert others == ["PL3.47"]


def test_a_lower_is_better_reading_of_a_name_is_flagged_for_a_coordinator(
    seed: IndicatorSet,
) -> None:
    flagged = [i.key for i in seed.indicators if any("suy từ tên" in str(p) for p in i.problems)]
    assert flagged == ["PL1.12"]
    insured = seed.get("PL3.42")  # "bảo hiểm thất nghiệp": more insured is better
    assert insured.direction == Direction.HIGHER


def test_sub_rows_inherit_their_parents_owners(seed: IndicatorSet) -> None:
    assert seed.get("PL1.1.2").owner_codes == ("SKHDT", "CTK")
    assert seed.get("PL1.1.2").owner_inherited
    assert seed.get("PL1.18.2.1").owner_codes == ("STNMT",)
    assert seed.get("PL3.8").owner_codes == ("SDL",)
    assert seed.get("PL3.8").parent_key == "PL3.7"
    assert not seed.get("PL1.9.1").owner_inherited  # the first row after the page break repeats it


def test_a_pair_of_owners_makes_the_first_the_lead(seed: IndicatorSet) -> None:
    growth = seed.get("PL1.1")
    assert growth.owner_codes == ("SKHDT", "CTK")
    assert growth.lead_code == "SKHDT"
    assert seed.get("PL1.17").owner_codes == ("SXD", "SNNPTNT")


def test_rows_without_target_that_hold_sub_rows_are_headings(seed: IndicatorSet) -> None:
    headings = [i.key for i in seed.indicators if i.is_heading]
    assert headings == ["PL1.9", "PL1.18", "PL1.18.2", "PL3.27"]
    assert all(not seed.get(key).problems for key in headings)


def test_the_grdp_scenario_gives_targets_for_each_checkpoint(seed: IndicatorSet) -> None:
    grdp = seed.get("PL2.0")
    assert grdp.target.low == Decimal("112.75")
    assert [(months, target.low) for months, target in grdp.checkpoint_targets] == [
        (3, Decimal("111.97")),
        (6, Decimal("112.28")),
        (9, Decimal("112.59")),
    ]
    assert seed.get("PL2.2.a.1").parent_key == "PL2.2.a"
    assert seed.get("PL2.2.b").parent_key == "PL2.2"


@pytest.mark.parametrize(
    ("key", "accumulation"),
    [
        ("PL1.4", Accumulation.CUMULATIVE),
        ("PL3.7", Accumulation.CUMULATIVE),
        ("PL1.13", Accumulation.CUMULATIVE),
        ("PL1.1", Accumulation.LEVEL),
        ("PL1.2", Accumulation.LEVEL),
        ("PL3.51", Accumulation.LEVEL),
        ("PL3.29", Accumulation.LEVEL),
    ],
)
def test_money_visitors_and_jobs_accumulate_and_rates_do_not(
    seed: IndicatorSet, key: str, accumulation: Accumulation
) -> None:
    assert seed.get(key).accumulation == accumulation
    assert seed.get(key).accumulation_inferred


def test_the_task_import_of_the_same_file_leaves_the_indicator_tables_alone(
    registry: AgencyRegistry,
) -> None:
    plan = import_file(SEED_004, registry=registry)
    assert not any(task.code.startswith(("PL1.", "PL2.", "PL3.")) for task in plan.tasks)


def _word(path: Path) -> Path:
    """A Word version of PHỤ LỤC 1-3: captions, and tables without the page-break headers."""
    document = docx.Document()
    for number, (caption, rows) in _seed_tables().items():
        for line in caption:
            document.add_paragraph(line)
        header_rows = 2 if number == "2" else 1
        header = rows[:header_rows]
        body = [row for row in rows[header_rows:] if row not in header]
        width = max(len(row) for row in rows)
        table = document.add_table(rows=len(header) + len(body), cols=width)
        for index, row in enumerate([*header, *body]):
            cells = table.rows[index].cells
            for column, text in enumerate(row):
                if text:
                    cells[column].text = text.replace("<i>", "").replace("</i>", "")
            group_row = index >= header_rows and re.fullmatch(r"[IVX]+", row[0])
            if group_row and not any(row[2:]):
                cells[1].merge(cells[width - 1])
        if number == "2":
            # "Kịch bản tăng trưởng" spans the four checkpoint columns; TT and the name span
            # both header rows, as in the Word original.
            top, bottom = table.rows[0].cells, table.rows[1].cells
            top[2].merge(top[5])
            top[0].merge(bottom[0])
            top[1].merge(bottom[1])
    path = path / "004.docx"
    document.save(str(path))
    return path


def test_a_word_version_of_the_appendices_imports_to_the_same_indicators(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    found = import_indicators(_word(tmp_path), registry=registry)
    for appendix in ("1", "2", "3"):
        _same_as_csv(found, registry, appendix)


def _workbook(path: Path, *, numbers: bool) -> Path:
    """An Excel version: one sheet per appendix, captions above the header rows."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for number, (caption, rows) in _seed_tables().items():
        sheet = workbook.create_sheet(f"PL{number}")
        title = [line for line in caption[1:] if not line.startswith(("(", "Đơn vị"))]
        sheet.append([" ".join([f"{caption[0]}.", *title])])
        for line in caption[1:]:
            if line not in title:
                sheet.append([line])
        for row in rows:
            cells: list[object] = [text.replace("<i>", "").replace("</i>", "") for text in row]
            if numbers:
                cells = [_as_number(text) for text in cells]
            sheet.append(cells)
    path = path / f"004{'-numbers' if numbers else ''}.xlsx"
    workbook.save(path)
    return path


def _as_number(text: object) -> object:
    """A target like "116.442,134" or "7.300" typed into Excel as a number."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9.]+(,[0-9]+)?", text):
        return text
    value = float(text.replace(".", "").replace(",", "."))
    return int(value) if value.is_integer() and "," not in text else value


def test_an_excel_version_of_the_appendices_imports_to_the_same_indicators(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    found = import_indicators(_workbook(tmp_path, numbers=False), registry=registry)
    for appendix in ("1", "2", "3"):
        _same_as_csv(found, registry, appendix)


def test_excel_cells_holding_numbers_keep_their_values(
    tmp_path: Path, registry: AgencyRegistry, seed: IndicatorSet
) -> None:
    found = import_indicators(_workbook(tmp_path, numbers=True), registry=registry)
    assert [i.key for i in found.indicators] == [i.key for i in seed.indicators]
    for got, want in zip(found.indicators, seed.indicators, strict=True):
        assert (got.target.comparison, got.target.low, got.target.high) == (
            want.target.comparison,
            want.target.low,
            want.target.high,
        ), got.key
        assert dict(got.checkpoint_targets).keys() == dict(want.checkpoint_targets).keys()


def test_reimporting_the_same_file_changes_nothing_and_keys_stay(
    seed: IndicatorSet, registry: AgencyRegistry
) -> None:
    again = import_indicators(SEED_004, registry=registry)
    changes = compare(seed.indicators, again.indicators)
    assert (changes.added, changes.removed, changes.changed) == ((), (), ())


def test_a_corrected_target_is_reported_as_a_change_to_that_key(
    tmp_path: Path, seed: IndicatorSet, registry: AgencyRegistry
) -> None:
    text = SEED_004.read_text(encoding="utf-8").replace("Con/phụ nữ\t14,35", "Con/phụ nữ\t1,435")
    corrected = tmp_path / "004-corrected.txt"
    corrected.write_text(text, encoding="utf-8")
    again = import_indicators(corrected, registry=registry)
    changes = compare(seed.indicators, again.indicators)
    assert changes.changed == (("PL3.47", ("target",)),)
    assert not again.get("PL3.47").problems


def test_compare_reports_added_and_removed_keys(seed: IndicatorSet) -> None:
    before = seed.indicators[:3]
    after = [replace(seed.indicators[0], name="Tốc độ tăng trưởng GRDP"), seed.indicators[3]]
    changes = compare(before, after)
    assert changes.added == (seed.indicators[3].key,)
    assert changes.removed == (seed.indicators[1].key, seed.indicators[2].key)
    assert changes.changed == ((seed.indicators[0].key, ("name",)),)


def test_the_template_reads_keys_settings_and_checkpoint_targets(
    registry: AgencyRegistry,
) -> None:
    # As Excel saves a sheet as .csv: ";" separators, the title row padded with them.
    found = import_indicators(TEMPLATE, registry=registry)
    assert [i.key for i in found.indicators] == ["CDS.1", "CDS.2", "CDS.3", "CDS.4", "CDS.5"]
    assert found.year == 2024
    online = found.get("CDS.1")
    assert online.group == "I. Chính quyền số"
    assert online.accumulation == Accumulation.LEVEL and not online.accumulation_inferred
    assert [(m, t.low) for m, t in online.checkpoint_targets] == [
        (3, Decimal(40)),
        (6, Decimal(50)),
        (9, Decimal(55)),
    ]
    visits = found.get("CDS.2")
    assert visits.owner_codes == ("STTTT", "VPUBND")
    assert visits.accumulation == Accumulation.CUMULATIVE
    incidents = found.get("CDS.3")
    assert (incidents.direction, incidents.direction_inferred) == (Direction.LOWER, False)
    unread = found.get("CDS.4")
    assert unread.target.comparison is None
    assert any("không có con số" in str(problem) for problem in unread.problems)
    assert found.get("CDS.5").unresolved_owners == ("Phòng Kinh tế số",)


def test_an_xlsx_template_without_codes_keys_rows_by_group_when_numbers_restart(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["STT", "Tên chỉ tiêu", "ĐVT", "Kế hoạch năm 2024", "Đơn vị chủ trì"])
    sheet.append(["I", "Kinh tế", None, None, None])
    sheet.append([1, "Tổng thu ngân sách", "Tỷ đồng", 116442.134, "Sở Tài chính"])
    sheet.append([None, "- Thu nội địa", "Tỷ đồng", 42500, None])
    sheet.append(["II", "Xã hội", None, None, None])
    sheet.append([1, "Tỷ lệ thất nghiệp", "%", "< 3,6", "Sở Lao động - Thương binh và Xã hội"])
    path = tmp_path / "chi-tieu.xlsx"
    workbook.save(path)
    found = import_indicators(path, registry=registry)
    assert [i.key for i in found.indicators] == ["I.1", "I.1.1", "II.1"]
    assert found.get("I.1").target.low == Decimal("116442.134")
    assert found.get("I.1.1").owner_codes == ("STC",)


def test_a_file_without_indicator_tables_gives_an_empty_set(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    plan_000 = next((DATA / "seeds").glob("000_*.txt"))
    assert import_indicators(plan_000, registry=registry).indicators == []


def test_an_empty_file_is_refused_with_a_message(tmp_path: Path, registry: AgencyRegistry) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(PlanImportError, match="trống"):
        import_indicators(empty, registry=registry)


_CELLS = st.one_of(
    st.sampled_from(
        [
            "TT",
            "Chỉ tiêu",
            "Đơn vị tính",
            "Kế hoạch năm 2023",
            "Cơ quan chủ trì theo dõi, đánh giá",
            "Quý I",
            "Cả năm",
            "Mã",
            "I",
            "1",
            "2",
            "a)",
            "-",
            "- Dịch vụ",
            "+ Thu gom",
            "Trong đó: Khách quốc tế",
            "%",
            "Tỷ đồng",
            "> 7,3",
            "12,7 - 13,0",
            "Sở TTTT",
            "",
        ]
    ),
    st.text(max_size=6),
)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.lists(_CELLS, min_size=1, max_size=6), max_size=10))
def test_any_grid_of_cells_reads_without_raising_and_keys_are_unique(
    grid: list[list[str]],
) -> None:
    header = [Cell(text) for text in ["TT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch năm 2023"]]
    rows = [header, *([Cell(text) for text in row] for row in grid)]
    found = indicators_from_sheets([rows], registry=_REGISTRY, source_file="grid.xlsx")
    keys = [indicator.key for indicator in found.indicators]
    assert len(keys) == len(set(keys))


def test_a_cadence_column_sets_how_often_an_indicator_is_collected(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["TT", "Chỉ tiêu", "ĐVT", "Kế hoạch năm 2024", "Đơn vị chủ trì", "Kỳ báo cáo"])
    sheet.append([1, "Số thuê bao băng rộng", "Thuê bao", 500000, "Sở TTTT", "Hằng tháng"])
    sheet.append([2, "Tỷ lệ hộ có cáp quang", "%", "≥ 90", "Sở TTTT", None])
    path = tmp_path / "ky-bao-cao.xlsx"
    workbook.save(path)
    found = import_indicators(path, registry=registry)
    assert [i.cadence for i in found.indicators] == [Cadence.MONTHLY, None]


def test_a_files_content_received_in_chat_reads_to_the_same_indicators(
    tmp_path: Path, registry: AgencyRegistry, seed: IndicatorSet
) -> None:
    word = _word(tmp_path)
    for path in (SEED_004, word):
        found = indicators_from_bytes(path.read_bytes(), name=path.name, registry=registry)
        assert [i.key for i in found.indicators] == [i.key for i in seed.indicators]
    with pytest.raises(PlanImportError, match="trống"):
        indicators_from_bytes(b"  ", name="x.txt", registry=registry)
