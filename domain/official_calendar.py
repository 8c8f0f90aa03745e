"""The government's announced days off and make-up working days for civil servants, as data.

Each year the Prime Minister approves, and the labour ministry (Bộ Lao động – Thương binh và
Xã hội until 2025, Bộ Nội vụ since) announces, the Tết and Quốc khánh schedule and any swaps
of a working day for a Saturday (cán bộ, công chức, viên chức). The `holidays` package only
knows some of them, and sometimes late or wrong, so the announced days are kept in
`data/official_calendar.csv`, one row per day, each with the document that states it.
"""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

# The schedule for the coming year is normally announced in October or November; from this
# day of the year on, a missing schedule for next year is worth a warning.
WARN_FROM_MONTH = 11

_COLUMNS = ("date", "status", "name", "document", "issued", "issuer", "url", "note")
_STATUSES = {"off": False, "working": True}


@dataclass(frozen=True)
class OfficialSource:
    """The document that states an official day: number, date, issuer and where it was read."""

    document: str
    issued: date
    issuer: str
    url: str

    @property
    def label(self) -> str:
        """How the source is cited: "official: Thông báo 6150/TB-BLĐTBXH ngày 03/12/2024 (…)"."""
        return f"official: {self.document} ngày {self.issued:%d/%m/%Y} ({self.issuer})"


@dataclass(frozen=True)
class OfficialDay:
    """One announced day: off (a holiday or a swapped day) or working (a make-up Saturday)."""

    day: date
    works: bool
    name: str
    source: OfficialSource
    note: str = ""


def parse_official_calendar(text: str) -> dict[date, OfficialDay]:
    """Read the official-calendar CSV; a malformed row raises ValueError naming its line."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise ValueError(f"official calendar columns must be {','.join(_COLUMNS)}")
    days: dict[date, OfficialDay] = {}
    for row in reader:
        line = reader.line_num
        official = _row(row, line)
        if official.day in days:
            raise ValueError(f"line {line}: {official.day.isoformat()} is listed twice")
        days[official.day] = official
    return days


def _row(row: Mapping[str, str | None], line: int) -> OfficialDay:
    values = {column: (row.get(column) or "").strip() for column in _COLUMNS}
    for column in ("date", "status", "name", "document", "issued", "issuer", "url"):
        if not values[column]:
            raise ValueError(f"line {line}: the {column} column is empty")
    if values["status"] not in _STATUSES:
        raise ValueError(
            f"line {line}: status must be 'off' or 'working', not {values['status']!r}"
        )
    try:
        day = date.fromisoformat(values["date"])
        issued = date.fromisoformat(values["issued"])
    except ValueError as error:
        raise ValueError(f"line {line}: dates are written YYYY-MM-DD ({error})") from None
    if issued > day:
        # Days off and make-up days are announced ahead of them; a later document is a typo.
        raise ValueError(f"line {line}: {day.isoformat()} predates its document ({issued})")
    source = OfficialSource(values["document"], issued, values["issuer"], values["url"])
    return OfficialDay(day, _STATUSES[values["status"]], values["name"], source, values["note"])


@cache
def official_days() -> Mapping[date, OfficialDay]:
    """The shipped table of official days, by date."""
    resource = files("domain") / "data" / "official_calendar.csv"
    return parse_official_calendar(resource.read_text(encoding="utf-8"))


def has_official_schedule(year: int, table: Mapping[date, OfficialDay] | None = None) -> bool:
    """Whether the table holds any announced day for `year` (the shipped table by default)."""
    days = official_days() if table is None else table
    return any(day.year == year for day in days)


def unannounced_coming_year(
    *, today: date, table: Mapping[date, OfficialDay] | None = None
) -> int | None:
    """The coming year when, from 1 November on, the table has no official schedule for it."""
    coming = today.year + 1
    if today.month < WARN_FROM_MONTH or has_official_schedule(coming, table):
        return None
    return coming
