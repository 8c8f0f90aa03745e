"""The indicators in the weekly summary (section, chart, sheets) and in `dondoc report
indicators`, from the directive's own tables."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from domain.access import Role
from models.db import make_engine
from models.tables import Indicator, IndicatorValue, Person
from services.report_config import ReportConfig
from services.summary import summary_message
from services.unit_of_work import make_sessionmaker, transaction
from tests.conftest import BOTH_STORES

ROOT = Path(__file__).resolve().parents[2]
SEED_004 = next((ROOT / "bot" / "data" / "seeds").glob("004_*.txt"))
# Monday 26 June 2023, 09:00 in Hanoi: the "6 tháng" figures were due on Tuesday 20 June.
NOW = datetime(2023, 6, 26, 2, 0, tzinfo=UTC)
EXPLANATION = "Do mưa bão kéo dài, lượng khách quốc tế giảm"
runner = CliRunner()


def dondoc(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


async def _report_figures(url: str) -> None:
    """PL3.7 (1.000 lượt, 7.300 a year) short at 6 months and explained, PL1.3 met, PL1.12
    (jobless, lower is better) met, the Quý I figure of PL3.7 too."""
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as session:
            rows = {i.key: i.id for i in (await session.exec(select(Indicator))).all()}
            officer = Person(name="Chị Lan", role=Role.OFFICER.value, created_at=NOW)
            session.add(officer)
            await session.flush()
            for key, checkpoint, value, why in (
                ("PL3.7", "2023-03M", "1800", None),
                ("PL3.7", "2023-06M", "3000", None),
                ("PL3.7", "2023-06M", "3000", EXPLANATION),
                ("PL1.3", "2023-06M", "116", None),
                ("PL1.12", "2023-06M", "3.4", None),
            ):
                session.add(
                    IndicatorValue(
                        indicator_id=rows[key] or 0,
                        checkpoint_key=checkpoint,
                        kind="value",
                        value=Decimal(value),
                        explanation=why,
                        reported_by_id=officer.id,
                        reported_at=NOW,
                    )
                )
    finally:
        await engine.dispose()


@pytest.fixture
def stored(empty_db_url: str) -> str:
    url = empty_db_url
    assert dondoc(url, "db", "upgrade")[0] == 0
    assert dondoc(url, "agencies", "load")[0] == 0
    assert dondoc(url, "import", str(SEED_004))[0] == 0
    asyncio.run(_report_figures(url))
    return url


@BOTH_STORES
def test_the_report_lays_out_each_table_with_figures_judgement_and_explanation(
    stored: str, tmp_path: Path
) -> None:
    out = tmp_path / "chi-tieu-6-thang.xlsx"
    code, text, err = dondoc(
        stored, "report", "indicators", "--checkpoint", "2023-Q2", "--out", str(out)
    )
    assert code == 0, err
    assert "đạt" in text and str(out) in text
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["PL1", "PL2", "PL3"]
    sheet = workbook["PL3"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith("PHỤ LỤC 3")
    assert rows[2] == [
        "TT",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kế hoạch năm 2023",
        "Quý I 2023",
        "6 tháng 2023",
        "Mục tiêu kỳ 6 tháng 2023",
        "Đánh giá",
        "Giải trình",
        "Cơ quan chủ trì theo dõi, đánh giá",
    ]
    [visitors] = [row for row in rows if row[1] == "Thu hút khách du lịch"]
    assert visitors[:6] == ["7", "Thu hút khách du lịch", "1.000 lượt", "7.300", 1800, 3000]
    assert visitors[6:9] == ["3.650 1.000 lượt", "chưa đạt", EXPLANATION]
    assert visitors[9] == "Sở Du lịch"
    groups = [row[:2] for row in rows if row[0] in ("I", "II", "III", "IV", "V")]
    assert [g[0] for g in groups] == ["I", "II", "III", "IV", "V"]
    unreported = [row for row in rows[3:] if row[7] == "chưa báo cáo"]
    assert len(unreported) > 70
    pl1 = [[cell.value for cell in row] for row in workbook["PL1"].iter_rows()]
    [jobless] = [row for row in pl1 if row[0] == "12"]
    assert (jobless[5], jobless[7]) == (3.4, "đạt")  # lower is better


def test_a_checkpoint_the_report_cannot_read_is_refused(stored: str, tmp_path: Path) -> None:
    code, _, err = dondoc(
        stored, "report", "indicators", "--checkpoint", "Q5", "--out", str(tmp_path / "x.xlsx")
    )
    assert code == 1 and "Kỳ không hợp lệ: Q5" in err


@BOTH_STORES
async def test_the_summary_shows_the_reds_with_their_explanations_and_a_chart(
    stored: str, tmp_path: Path
) -> None:
    engine = make_engine(stored)
    try:
        async with make_sessionmaker(engine)() as session:
            leader = Person(id=10_000, name="Anh Cường", role=Role.LEADER.value, created_at=NOW)
            message = await summary_message(
                session, person=leader, now=NOW, out_dir=tmp_path, config=ReportConfig()
            )
    finally:
        await engine.dispose()
    text = message.text
    assert "📈 Chỉ tiêu: 🔴 1 · 🟡 0 · ⚪ 123 · 🟢 2" in text
    assert "• PL3.7 Thu hút khách du lịch (SDL): 3.000 1.000 lượt" in text
    assert f"Giải trình: {EXPLANATION}" in text
    assert "⚪ Chưa báo cáo số liệu:" in text
    assert "(hạn 20/06/2023)" in text
    kinds = [(a.kind, Path(a.path).name) for a in message.attachments]
    assert [kind for kind, _ in kinds] == ["photo", "photo", "document"]
    chart = Path(message.attachments[1].path)
    assert chart.name.endswith("-indicators-vi.png") and chart.stat().st_size > 10_000
    workbook = openpyxl.load_workbook(message.attachments[2].path)
    assert workbook.sheetnames[-3:] == ["PL1", "PL2", "PL3"]
    pl3 = [[cell.value for cell in row] for row in workbook["PL3"].iter_rows()]
    assert any(row[1] == "Thu hút khách du lịch" and EXPLANATION in row for row in pl3)
