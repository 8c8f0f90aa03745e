"""`dondoc report period`: the figures at a desk, as a table or JSON, and the office's
spreadsheet (a summary sheet, one sheet per bucket in the officials' layout)."""

import asyncio
import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import app as cli_app
from models.db import make_engine
from models.migrate import upgrade
from services.unit_of_work import make_sessionmaker
from tests.builders import StoreWorld
from tests.conftest import BOTH_STORES
from tests.store.test_statistics_service import hand_computed_store

runner = CliRunner()


def dondoc(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli_app, list(args), env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.output


def _seed(url: str) -> None:
    async def go() -> None:
        engine = make_engine(url)
        try:
            await hand_computed_store(StoreWorld(make_sessionmaker(engine)))
        finally:
            await engine.dispose()

    upgrade(url)
    asyncio.run(go())


@BOTH_STORES
def test_report_period_prints_the_ranking_and_writes_the_officials_spreadsheet(
    empty_db_url: str, tmp_path: Path
) -> None:
    _seed(empty_db_url)
    out = tmp_path / "bao-cao" / "quy-2.xlsx"

    code, output = dondoc(
        empty_db_url, "report", "period", "--from", "2023-04-01", "--to", "30/06/2023",
        "--out", str(out),
    )  # fmt: skip

    assert code == 0, output
    assert "Từ 01/04/2023 đến 30/06/2023, tính đến 30/06/2023" in output
    assert "Hoàn thành đúng hạn: 4 (theo hạn ban đầu: 3)" in output
    ranked = [line.split()[:2] for line in output.splitlines() if line[:1].isdigit()]
    assert ranked == [["1", "SXD"], ["2", "SNN"], ["3", "STTTT"]]
    workbook = load_workbook(out)
    assert workbook.sheetnames == [
        "Tổng hợp",
        "Theo kế hoạch",
        "HT đúng hạn",
        "HT quá hạn",
        "Chưa HT - trong hạn",
        "Chưa HT - quá hạn",
    ]
    summary = list(workbook["Tổng hợp"].iter_rows(values_only=True))
    assert summary[1][1] == "Tổng cộng" and summary[1][3:8] == (4, 1, 1, 3, 9)
    assert [row[2] for row in summary[2:]] == ["SXD", "SNN", "STTTT"]
    late = list(workbook["HT đúng hạn"].iter_rows(values_only=True))
    assert late[0] == (
        "STT",
        "Nhiệm vụ",
        "Văn bản giao",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời hạn",
        "Gia hạn (số lần, hạn cũ)",
        "Kết quả thực hiện / văn bản báo cáo",
        "Tình trạng",
        "Khó khăn, vướng mắc",
        "Đề xuất",
    )
    # The extended task done before its new deadline: on time, its old deadline kept.
    [extended] = [row for row in late[1:] if str(row[1]).startswith("I –")]
    assert extended[5:8] == (
        "15/06/2023",
        "1 lần, hạn cũ 01/05/2023",
        "Hoàn thành ngày 10/06/2023",
    )
    overdue = list(workbook["Chưa HT - quá hạn"].iter_rows(values_only=True))
    assert {row[3] for row in overdue[1:]} == {"Sở SNN", "Sở STTTT"}


def test_report_period_as_json_and_its_bad_input(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _seed(url)

    code, output = dondoc(
        url, "report", "period", "--from", "2023-04-01", "--to", "2023-06-30", "--format", "json"
    )

    assert code == 0, output
    found = json.loads(output)
    assert found["overall"]["original"]["done_on_time"] == 3
    assert found["overall"]["extended"]["on_time_rate"] == 0.5
    assert [a["code"] for a in found["agencies"]] == ["SXD", "SNN", "STTTT"]
    for args, message in (
        (["--from", "2023-13-01", "--to", "2023-06-30"], "Ngày không hợp lệ (--from)"),
        (["--from", "2023-06-30", "--to", "2023-04-01"], "phải sau ngày --from"),
        (["--from", "2023-04-01", "--to", "2023-06-30", "--out", "x.csv"], "đuôi .xlsx"),
    ):
        code, output = dondoc(url, "report", "period", *args)
        assert code == 1 and message in output, (args, output)
