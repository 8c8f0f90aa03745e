"""`dondoc calendar`: what the bot believes about a year's days off, and where each comes from;
and the warning `dondoc run` logs while the coming year has no official schedule."""

import json
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app
from scheduler.jobs import check_coming_year

runner = CliRunner()
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _calendar(*args: str, **env: str) -> tuple[int, str]:
    result = runner.invoke(app, ["calendar", *args], env=env)
    return result.exit_code, result.output


def _line(output: str, day: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(day))


def test_calendar_2026_shows_2_january_off_and_10_january_worked_each_with_its_source() -> None:
    code, out = _calendar("2026")

    assert code == 0, out
    off, worked = _line(out, "02/01/2026"), _line(out, "10/01/2026")
    assert "thứ sáu" in off.lower() and " nghỉ " in off
    assert "Công văn 12729/VPCP-KGVX ngày 25/12/2025 (Văn phòng Chính phủ)" in off
    assert "thứ bảy" in worked.lower() and "làm việc" in worked
    assert "Công văn 12729/VPCP-KGVX" in worked
    assert "chưa có năm" not in out


def test_calendar_json_gives_each_official_day_its_document_and_link() -> None:
    code, out = _calendar("2026", "--format", "json")

    assert code == 0, out
    data = json.loads(out)
    assert data["year"] == 2026 and data["official_schedule"] is True
    days = {d["date"]: d for d in data["days"]}
    assert days["2026-01-02"]["works"] is False
    assert days["2026-01-10"]["works"] is True
    assert days["2026-01-10"]["official"]["document"] == "Công văn 12729/VPCP-KGVX"
    assert days["2026-01-10"]["official"]["url"].startswith("http")
    assert days["2026-01-01"]["origin"] in ("official", "holidays package")


def test_a_year_without_an_official_schedule_says_so_and_what_to_do() -> None:
    code, out = _calendar("2027")

    assert code == 0, out
    assert "gói holidays" in out
    assert "chưa có năm 2027" in out and "DONDOC_EXTRA_DAYS_OFF" in out


def test_extra_days_from_the_settings_are_shown_as_such() -> None:
    code, out = _calendar("2026", DONDOC_EXTRA_DAYS_OFF="2026-03-02")

    assert code == 0, out
    assert "cấu hình DONDOC_EXTRA_DAYS_OFF" in _line(out, "02/03/2026")


def test_calendar_speaks_english_when_asked() -> None:
    code, out = _calendar("2026", DONDOC_DEFAULT_LOCALE="en")

    assert code == 0, out
    assert "Friday" in _line(out, "02/01/2026")
    assert "Công văn 12729/VPCP-KGVX of 25/12/2025" in _line(out, "02/01/2026")


@pytest.mark.parametrize(
    ("now", "warned"),
    [
        (datetime(2026, 10, 31, 12, tzinfo=UTC), None),
        (datetime(2026, 11, 1, 1, tzinfo=UTC), 2027),
        (datetime(2025, 11, 20, 1, tzinfo=UTC), None),  # 2026 is in the table
    ],
)
def test_run_warns_from_1_november_while_the_coming_year_is_not_in_the_table(
    now: datetime, warned: int | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="scheduler.jobs"):
        assert check_coming_year(HANOI, now=now) == warned

    messages = [r.getMessage() for r in caplog.records]
    if warned is None:
        assert messages == []
    else:
        assert len(messages) == 1 and "2027" in messages[0] and "dondoc calendar" in messages[0]
