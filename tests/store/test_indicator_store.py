"""`dondoc import` stores the indicator tables: keyed per plan, updated in place, never lost."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app
from models.db import make_engine
from models.tables import (
    Agency,
    Indicator,
    IndicatorCheckpointTarget,
    IndicatorOwner,
    IndicatorValue,
    Plan,
)
from services.unit_of_work import make_sessionmaker, transaction
from tests.conftest import BOTH_STORES

ROOT = Path(__file__).resolve().parents[2]
SEED_004 = next((ROOT / "bot" / "data" / "seeds").glob("004_*.txt"))
TEMPLATE = ROOT / "tests" / "data" / "indicators" / "template.csv"
runner = CliRunner()


def dondoc(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"DONDOC_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def _ready(url: str) -> None:
    assert dondoc(url, "db", "upgrade")[0] == 0
    assert dondoc(url, "agencies", "load")[0] == 0


def _query(url: str, statement: Any) -> list[Any]:
    async def run() -> list[Any]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                return list((await session.exec(statement)).all())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _indicators(url: str) -> dict[str, Indicator]:
    return {row.key: row for row in _query(url, select(Indicator))}


@BOTH_STORES
def test_the_directive_stores_its_indicators_owners_and_checkpoint_targets_once(
    empty_db_url: str,
) -> None:
    url = empty_db_url
    _ready(url)
    code, out, _ = dondoc(url, "import", str(SEED_004))
    assert code == 0, out
    assert "Chỉ tiêu: 130 mới, 0 cập nhật, 0 gỡ bỏ." in out
    assert "PL3.47" in out and "ngoài khoảng hợp lý" in out  # flagged for a coordinator
    stored = _indicators(url)
    assert len(stored) == 130
    [plan] = _query(url, select(Plan))
    assert {row.plan_id for row in stored.values()} == {plan.id}
    assert plan.ref == "02/CT-UBND"
    revenue = stored["PL1.4"]
    assert (revenue.comparison, revenue.target_low, revenue.unit_text) == (
        "plain",
        Decimal("116442.134"),
        "Tỷ đồng",
    )
    assert (revenue.accumulation, revenue.year) == ("cumulative", 2023)
    codes = {a.id: a.code for a in _query(url, select(Agency))}
    owners = _query(
        url,
        select(IndicatorOwner)
        .where(IndicatorOwner.indicator_id == stored["PL1.1"].id)
        .order_by(col(IndicatorOwner.position)),
    )
    assert [codes[o.agency_id] for o in owners] == ["SKHDT", "CTK"]
    leads = _query(url, select(IndicatorOwner).where(IndicatorOwner.position == 0))
    by_id = {row.id: row for row in stored.values()}
    sttt = [
        by_id[o.indicator_id].key
        for o in leads
        if codes[o.agency_id] == "STTTT"
        and not o.inherited
        and by_id[o.indicator_id].table_prefix == "PL3"
    ]
    assert len(sttt) == 20
    grdp = _query(
        url,
        select(IndicatorCheckpointTarget)
        .where(IndicatorCheckpointTarget.indicator_id == stored["PL2.0"].id)
        .order_by(col(IndicatorCheckpointTarget.months)),
    )
    assert [(t.months, t.low) for t in grdp] == [
        (3, Decimal("111.97")),
        (6, Decimal("112.28")),
        (9, Decimal("112.59")),
    ]

    owned = sorted(
        (o.id, o.indicator_id, o.agency_id) for o in _query(url, select(IndicatorOwner))
    )
    code, out, _ = dondoc(url, "import", str(SEED_004))
    assert "Chỉ tiêu: 0 mới, 130 cập nhật, 0 gỡ bỏ." in out
    again = _indicators(url)
    assert {key: row.id for key, row in again.items()} == {
        key: row.id for key, row in stored.items()
    }
    assert owned == sorted(
        (o.id, o.indicator_id, o.agency_id) for o in _query(url, select(IndicatorOwner))
    )


def test_a_corrected_file_updates_the_indicator_its_figures_point_at(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    assert dondoc(url, "import", str(SEED_004))[0] == 0
    fertility = _indicators(url)["PL3.47"]
    assert fertility.target_low == Decimal("14.35")

    async def report() -> None:
        engine = make_engine(url)
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                session.add(
                    IndicatorValue(
                        indicator_id=fertility.id or 0,
                        checkpoint_key="2023-06M",
                        kind="value",
                        value=Decimal("1.42"),
                        reported_at=datetime(2023, 6, 15, 2, tzinfo=UTC),
                    )
                )
        finally:
            await engine.dispose()

    asyncio.run(report())
    corrected = tmp_path / "004.txt"
    corrected.write_text(
        SEED_004.read_text(encoding="utf-8").replace("Con/phụ nữ\t14,35", "Con/phụ nữ\t1,435"),
        encoding="utf-8",
    )
    code, out, _ = dondoc(url, "import", str(corrected))
    assert code == 0, out
    after = _indicators(url)["PL3.47"]
    assert (after.id, after.target_low, after.target_text) == (
        fertility.id,
        Decimal("1.435"),
        "1,435",
    )
    assert after.notes == []
    [value] = _query(url, select(IndicatorValue))
    assert value.indicator_id == fertility.id


def test_an_indicator_sheet_is_a_plan_of_its_own_and_a_row_left_out_is_kept_as_removed(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    code, out, err = dondoc(url, "import", str(TEMPLATE), "--plan-ref", "CDS-2024")
    assert code == 0, out + err
    assert "CDS.1" in out and "Chỉ tiêu: 5 mới" in out
    [plan] = _query(url, select(Plan))
    assert (plan.ref, plan.plan_year) == ("CDS-2024", 2024)
    shorter = tmp_path / "chi-tieu.csv"
    shorter.write_text(
        "\n".join(TEMPLATE.read_text(encoding="utf-8").splitlines()[:-1]) + "\n",
        encoding="utf-8",
    )
    code, out, _ = dondoc(url, "import", str(shorter), "--plan-ref", "CDS-2024")
    assert code == 0, out
    assert "Chỉ tiêu: 0 mới, 4 cập nhật, 1 gỡ bỏ." in out
    stored = _indicators(url)
    assert stored["CDS.5"].removed_at is not None
    assert stored["CDS.1"].removed_at is None
    code, out, _ = dondoc(url, "import", str(TEMPLATE), "--plan-ref", "CDS-2024")
    assert "Chỉ tiêu: 0 mới, 5 cập nhật, 0 gỡ bỏ." in out
    assert _indicators(url)["CDS.5"].removed_at is None


def test_a_dry_run_lists_the_indicators_and_stores_none(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    code, out, _ = dondoc(url, "import", str(SEED_004), "--dry-run")
    assert code == 0, out
    assert "PL1.12" in out and "130 chỉ tiêu" in out
    assert _query(url, select(Indicator)) == []


def test_a_plans_collection_settings_are_set_on_import_and_bad_ones_refused(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    _ready(url)
    code, _, err = dondoc(url, "import", str(TEMPLATE), "--indicator-cadence", "weekly")
    assert code == 1 and "Kỳ thu thập không hợp lệ: weekly" in err
    code, _, err = dondoc(url, "import", str(TEMPLATE), "--indicator-margin", "150%")
    assert code == 1 and "Ngưỡng gần đạt không hợp lệ: 150%" in err
    assert _query(url, select(Plan)) == []
    code, out, err = dondoc(
        url,
        "import",
        str(TEMPLATE),
        "--indicator-cadence",
        "hằng tháng",
        "--indicator-report-day",
        "15",
        "--indicator-margin",
        "10%",
    )
    assert code == 0, out + err
    [plan] = _query(url, select(Plan))
    assert (plan.indicator_cadence, plan.indicator_report_day, plan.indicator_margin) == (
        "monthly",
        15,
        Decimal("0.1"),
    )
    assert dondoc(url, "import", str(TEMPLATE))[0] == 0  # settings not given are kept
    [plan] = _query(url, select(Plan))
    assert plan.indicator_cadence == "monthly"
