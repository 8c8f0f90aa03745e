"""`dondoc import` end to end on the real seed documents."""

import asyncio
import json
from pathlib import Path

from sqlmodel import func, select
from typer.testing import CliRunner

from bot.cli import app
from models.db import make_engine
from models.tables import Assignment, Plan, Task
from services.unit_of_work import make_sessionmaker
from tests import hostile_files
from tests.conftest import BOTH_STORES

SEEDS = Path(__file__).resolve().parents[2] / "bot" / "data" / "seeds"
PLAN_000 = SEEDS / "000_aa3ac02f70407aed.txt"
runner = CliRunner()


def dondoc(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def _counts(url: str) -> tuple[int, int, int]:
    async def count() -> tuple[int, int, int]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                plans = (await session.exec(select(func.count()).select_from(Plan))).one()
                tasks = (await session.exec(select(func.count()).select_from(Task))).one()
                assignments = (
                    await session.exec(select(func.count()).select_from(Assignment))
                ).one()
                return plans, tasks, assignments
        finally:
            await engine.dispose()

    return asyncio.run(count())


def _ready(url: str) -> None:
    assert dondoc(url, "db", "upgrade")[0] == 0
    assert dondoc(url, "agencies", "load")[0] == 0


@BOTH_STORES
def test_importing_plan_40_stores_its_tasks_once_however_often_it_is_run(
    empty_db_url: str,
) -> None:
    _ready(empty_db_url)
    code, out, _ = dondoc(empty_db_url, "import", str(PLAN_000))
    assert code == 0, out
    assert "40/KH-UBND" in out
    assert "59 nhiệm vụ mới" in out  # 57 appendix tasks and 2 dated prose duties
    first = _counts(empty_db_url)
    assert first[:2] == (1, 59)
    code, out, _ = dondoc(empty_db_url, "import", str(PLAN_000))
    assert "0 nhiệm vụ mới, 59 cập nhật, 0 gỡ bỏ; 0 phân công mới" in out
    assert _counts(empty_db_url) == first


def test_a_dry_run_shows_the_tasks_and_stores_nothing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    code, out, _ = dondoc(url, "import", str(PLAN_000), "--dry-run")
    assert code == 0, out
    assert "I.4" in out and "III.35" in out
    assert "GRP-SNDVDP (35)" in out  # a group lead shows how many agencies it stands for
    assert "Chạy thử: chưa lưu gì." in out
    assert _counts(url) == (0, 0, 0)


def test_json_output_is_one_object_per_task_on_stdout_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    code, out, err = dondoc(url, "import", str(PLAN_000), "--dry-run", "--format", "json")
    assert code == 0, err
    tasks = json.loads(out)
    assert len(tasks) == 59
    by_code = {t["code"]: t for t in tasks}
    assert set(by_code["I.4"]) == {
        "plan_ref",
        "code",
        "section",
        "title",
        "leads",
        "cooperating",
        "start_text",
        "due_text",
        "due_kind",
        "due_date",
        "recurrence",
        "problems",
    }
    assert by_code["III.1"]["plan_ref"] == "40/KH-UBND"
    assert by_code["I.12"]["due_date"] == "2023-12-31"
    assert "Chạy thử" in err


def test_a_file_that_is_not_a_plan_gets_one_clear_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    junk = tmp_path / "photo.xlsx"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    code, _, err = dondoc(url, "import", str(junk))
    assert code == 1
    assert err.startswith(f"Tệp {junk} không đọc được như một kế hoạch:")
    assert "Traceback" not in err
    code, _, err = dondoc(url, "import", str(tmp_path / "missing.txt"))
    assert (code, err.strip()) == (1, f"Không tìm thấy tệp {tmp_path / 'missing.txt'}.")
    assert _counts(url) == (0, 0, 0)


def test_importing_before_the_registry_is_loaded_says_what_to_do(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    assert dondoc(url, "db", "upgrade")[0] == 0
    code, _, err = dondoc(url, "import", str(PLAN_000))
    assert code == 1
    assert "dondoc agencies load" in err


@BOTH_STORES
def test_the_import_accounts_for_every_duty_and_lists_those_that_gave_no_task(
    empty_db_url: str,
) -> None:
    _ready(empty_db_url)
    conclusion = Path(__file__).resolve().parents[1] / "data" / "documents"
    code, out, _ = dondoc(empty_db_url, "import", str(conclusion / "thong-bao-ket-luan.txt"))

    assert code == 0, out
    assert (
        "Tìm thấy 10 nhiệm vụ: 5 thành việc cần nhắc, 5 chưa (2 không ghi thời hạn, 1 thường "
        "xuyên, 1 định kỳ, 1 không nêu cơ quan); 0 thời hạn không đọc được; 1 lời mời, đề nghị."
    ) in out
    assert "Câu giao việc chưa thành nhiệm vụ (6):" in out
    assert (
        "  6: «Giao nhiệm vụ rà soát danh mục cơ sở dữ liệu dùng chung của thành phố, hoàn "
        "thành trong quý I/2026.»: giao việc nhưng không nêu cơ quan nào"
    ) in out
    assert "5 nhiệm vụ mới" in out


@BOTH_STORES
def test_importing_the_duties_after_the_directive_says_which_rows_are_assigned_once(
    empty_db_url: str,
) -> None:
    _ready(empty_db_url)
    assert dondoc(empty_db_url, "import", str(SEEDS / "004_4586af99ec588dbe.txt"))[0] == 0
    duties = SEEDS.parent / "seed_reporting_duties.csv"
    code, out, _ = dondoc(empty_db_url, "import", str(duties))

    assert code == 0, out
    assert "004.BC1 là nhiệm vụ III.1.2 của 02/CT-UBND: giao một lần, theo nhiệm vụ đó." in out
    assert "004.BC3 là nhiệm vụ III.1.4 của 02/CT-UBND: giao một lần, theo nhiệm vụ đó." in out


def test_item11_a_damaged_or_oversized_file_is_refused_in_one_line_and_stores_nothing(
    empty_db_url: str, tmp_path: Path
) -> None:
    _ready(empty_db_url)
    # The bombs are imported under a memory cap in tests/unit/test_hostile_files.py.
    for maker, _phrase in hostile_files.DAMAGED:
        path = maker(tmp_path)
        code, out, err = dondoc(empty_db_url, "import", str(path))
        assert code != 0, out
        assert len(err.strip().splitlines()) == 1, err
        assert path.name in err and "Traceback" not in err + out
    assert _counts(empty_db_url) == (0, 0, 0)
