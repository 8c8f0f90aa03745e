"""Hostile files (tests/hostile_files.py) imported under a memory cap: each refused in one
clear line, or read without mojibake and with its problems named."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from domain.agencies import AgencyRegistry
from domain.importers import PlanImportError, import_file
from domain.importers.limits import MAX_TEXT_BYTES
from tests import hostile_files

ROOT = Path(__file__).resolve().parents[2]
AGENCIES = ROOT / "bot" / "data" / "agencies.csv"
# What reading may add to the process: the bound for any input.
CAP_MB = 300

# Runs in a child process: imports everything first, then caps the address space at what
# it has plus CAP_MB, then imports each file, printing one JSON line per file.
_CAPPED_IMPORT = """
import json, resource, sys
from pathlib import Path
from domain.agencies import AgencyRegistry
from domain.importers import PlanImportError, import_file
import docx, lxml.etree, openpyxl

registry = AgencyRegistry.from_csv(Path(sys.argv[1]))
status = Path("/proc/self/status").read_text()
size = next(int(l.split()[1]) * 1024 for l in status.splitlines() if l.startswith("VmSize"))
cap = size + int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
for name in sys.argv[3:]:
    try:
        draft = import_file(name, registry=registry)
    except PlanImportError as error:
        print(json.dumps({"file": Path(name).name, "refused": str(error)}), flush=True)
    else:
        titles = [task.title for task in draft.tasks]
        problems = [str(problem) for problem in draft.problems]
        print(json.dumps({"file": Path(name).name, "titles": titles, "problems": problems}))
"""


def _import_capped(paths: list[Path]) -> dict[str, dict[str, object]]:
    """Each file imported in a child process whose memory is capped; its outcome by name."""
    done = subprocess.run(
        [sys.executable, "-c", _CAPPED_IMPORT, str(AGENCIES), str(CAP_MB), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = [json.loads(line) for line in done.stdout.splitlines()]
    return {outcome.pop("file"): outcome for outcome in outcomes}


@pytest.fixture(scope="module")
def registry() -> AgencyRegistry:
    return AgencyRegistry.from_csv(AGENCIES)


def _refused_in_one_line(
    made: dict[str, str], outcomes: dict[str, dict[str, object]], *, too_large: bool
) -> None:
    for name, phrase in made.items():
        refusal = str(outcomes[name].get("refused", ""))
        assert phrase in refusal, (name, outcomes[name])
        assert "\n" not in refusal and f"«{name}»" in refusal
        assert refusal.startswith("Tệp quá lớn: «") == too_large


def test_item10_bombs_are_refused_in_one_line_naming_the_limit_within_300_mb(
    tmp_path: Path,
) -> None:
    made = {maker(tmp_path).name: phrase for maker, phrase in hostile_files.BOMBS}
    # Just under the text cap: read (and found to hold no plan), still within memory.
    under = hostile_files.long_line(tmp_path, size=MAX_TEXT_BYTES - 1, name="just-under.txt")
    outcomes = _import_capped([tmp_path / name for name in made] + [under])
    _refused_in_one_line(made, outcomes, too_large=True)
    assert "không có nhiệm vụ nào" in str(outcomes["just-under.txt"]["refused"])


def test_item11_damaged_xml_entities_and_huge_csv_fields_get_one_clear_line(
    tmp_path: Path,
) -> None:
    made = {maker(tmp_path).name: phrase for maker, phrase in hostile_files.DAMAGED}
    outcomes = _import_capped([tmp_path / name for name in made])
    _refused_in_one_line(
        {name: phrase for name, phrase in made.items() if "128 KB" not in phrase},
        outcomes,
        too_large=False,
    )
    _refused_in_one_line(
        {name: phrase for name, phrase in made.items() if "128 KB" in phrase},
        outcomes,
        too_large=True,
    )


def test_item12_a_tcvn3_task_list_is_read_as_vietnamese_not_mojibake(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    draft = import_file(hostile_files.tcvn3_plan(tmp_path), registry=registry)
    assert tuple(task.title for task in draft.tasks) == hostile_files.TCVN3_TITLES
    assert all(task.lead_codes for task in draft.tasks)
    assert draft.title == "Kế hoạch xây dựng kho dữ liệu"


def test_item12_a_tcvn3_heading_in_capitals_stays_in_capitals(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    # .VnTimeH draws "KẾ HOẠCH" from the lower-case codes: "KÕ HO¹CH" on the wire.
    path = tmp_path / "heading.csv"
    path.write_bytes("KÕ HO¹CH TRIÓN KHAI\n".encode("latin-1") + hostile_files.TCVN3_PLAN)
    draft = import_file(path, registry=registry)
    assert draft.title == "KẾ HOẠCH TRIỂN KHAI"


def test_item12_text_in_no_known_encoding_is_refused_naming_the_encodings(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    path = tmp_path / "russian.txt"
    path.write_bytes("План работы на 2026 год: подготовить отчёт и совещание.".encode("cp1251"))
    with pytest.raises(PlanImportError, match="không phải UTF-8, Windows-1258 hay TCVN3"):
        import_file(path, registry=registry)


def test_item13_a_formula_without_a_value_is_a_problem_of_its_row(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    draft = import_file(hostile_files.uncomputed_formula(tmp_path), registry=registry)
    assert [str(problem) for problem in draft.problems] == [
        "Dòng 3, cột «Nhiệm vụ»: công thức chưa có giá trị (tệp chưa được lưu bằng Excel), "
        "đã đọc như ô trống. Hãy mở tệp bằng Excel, lưu lại rồi nhập lại"
    ]


def test_item12_word_and_excel_typed_in_a_tcvn3_font_are_read_as_vietnamese(
    tmp_path: Path, registry: AgencyRegistry
) -> None:
    for path in hostile_files.tcvn3_word_and_workbook(tmp_path):
        draft = import_file(path, registry=registry)
        assert tuple(task.title for task in draft.tasks) == hostile_files.TCVN3_TITLES, path
        assert all(task.lead_codes for task in draft.tasks)
