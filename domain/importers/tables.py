"""Task tables, whatever file they came from: headers, group rows, broken rows, codes.

The appendix tables of the plans share one layout with variations: a header of one or two
rows ("Thời gian" over "Bắt đầu | Hoàn thành"), repeated after every page break; group rows
numbered I, II, III (and I.1, I.2 in PHỤ LỤC 5) or set in bold without a number; task rows
numbered 1, 2, 3 either through the whole table (PHỤ LỤC 4) or again in every group (the
appendix of 000); and rows that a page break cut in two, whose second half has no number.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.agencies import AgencyRegistry
from domain.importers.blocks import Cell, RawTask
from domain.plans import SourceKind
from domain.problems import Problem
from domain.text import clean, fold
from locales import N_

# Column roles, each with the header spellings that name it (folded). Exact names are tried
# first, then prefixes in this order, so "co quan chu tri theo doi, danh gia" is a lead column
# and "chi tieu / co quan chu tri bao cao" an indicator column.
_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tt", ("tt", "stt", "so tt", "so thu tu")),
    ("indicator", ("chi tieu",)),
    ("section", ("nhom", "nhom nhiem vu", "muc", "linh vuc")),
    (
        "task",
        (
            "noi dung nhiem vu",
            "ten nhiem vu",
            "nhiem vu",
            "noi dung",
            "ten du an",
            "du an",
            "cong viec",
        ),
    ),
    ("start", ("thoi gian bat dau", "bat dau", "ngay bat dau")),
    (
        "due",
        (
            "thoi han hoan thanh",
            "thoi gian hoan thanh",
            "thoi gian thuc hien",
            "thoi han",
            "han hoan thanh",
            "hoan thanh",
            "ket thuc",
            "tien do",
            "tien do thuc hien",
            "tien do hoan thanh",
        ),
    ),
    ("funding", ("nguon von", "nguon kinh phi", "kinh phi")),
    (
        "lead",
        (
            "co quan chu tri",
            "don vi chu tri",
            "chu tri",
            "chu tri thuc hien",
            "trach nhiem thuc hien",
            "co quan thuc hien",
            "don vi thuc hien",
            "co quan, don vi chu tri",
            "co quan, don vi thuc hien",
        ),
    ),
    ("coop", ("co quan phoi hop", "don vi phoi hop", "phoi hop")),
)
# Labels spanning sub-columns in a two-row header; alone they mean nothing but "time".
_SPANNING = {"thoi gian": "due", "phan cong trach nhiem": None, "phan cong": None}
# "Thời gian (Năm 2026)": the year of the column's "Tháng 3", "Quý II".
_HEADER_YEAR = re.compile(r"\bnam\s+([0-9]{4})\b")
_PARENTHESES = re.compile(r"\([^()]*\)")

_ROMAN = re.compile(r"[IVXL]+\.?")
_SUB_GROUP = re.compile(r"[IVXL]+\.\d+\.?")
_NUMBER = re.compile(r"\d+[.)]?")
_ROMAN_PREFIX = re.compile(r"([IVXL]+)(?:[.\s]|$)")
_BULLETS = re.compile(r"(?:^|\s)[-–•]\s")


def role_of(header: str) -> str | None:
    """The column role a header names, tolerating case, marks and wording variants."""
    key = fold(re.sub(r"[()\[\]:*]", " ", _PARENTHESES.sub(" ", header))).strip(" .")
    key = re.sub(r"\s+", " ", key)
    if not key:
        return None
    for role, names in _ROLES:
        if key in names:
            return role
    if key in _SPANNING:
        return _SPANNING[key]
    for role, names in _ROLES:
        if any(key.startswith(name + " ") or key.startswith(name + ",") for name in names):
            return role
    return None


@dataclass(frozen=True)
class Header:
    """Which column holds what, and the header texts (for columns kept as extras)."""

    roles: tuple[str | None, ...]
    titles: tuple[str, ...]
    signatures: frozenset[tuple[str, ...]]
    year: int | None = None

    def column(self, role: str) -> int | None:
        """Index of the first column with this role."""
        return self.roles.index(role) if role in self.roles else None

    @property
    def is_task_table(self) -> bool:
        """Whether the table lists tasks (a task and a lead column), not indicators."""
        return "task" in self.roles and "lead" in self.roles


def find_header(rows: Sequence[Sequence[Cell]], *, search: int = 30) -> tuple[Header, int] | None:
    """The header of a table and the index of its first body row, if one is found."""
    for index, row in enumerate(rows[:search]):
        roles = [role_of(cell.text) for cell in row]
        if sum(role is not None for role in roles) < 2 or "task" not in roles:
            continue
        titles = [cell.text for cell in row]
        signatures = {_signature(row)}
        end = index + 1
        if end < len(rows) and _is_sub_header(rows[end], row):
            for column, cell in enumerate(rows[end]):
                sub = role_of(cell.text)
                if column < len(roles) and sub is not None and cell.text != row[column].text:
                    roles[column] = sub
                    titles[column] = cell.text
            signatures.add(_signature(rows[end]))
            end += 1
        # A header cell spanning two sub-columns repeats its text in Word, not in text files.
        roles = [
            None if column and role in ("start", "due") and roles[column - 1] == role else role
            for column, role in enumerate(roles)
        ]
        header_cells = [*row, *(rows[index + 1] if end > index + 1 else ())]
        years = [
            int(match.group(1))
            for cell in header_cells
            if role_of(cell.text) in ("due", "start")
            for match in [_HEADER_YEAR.search(fold(cell.text))]
            if match is not None
        ]
        year = years[0] if years else None
        return Header(tuple(roles), tuple(titles), frozenset(signatures), year), end
    return None


def _is_sub_header(row: Sequence[Cell], above: Sequence[Cell]) -> bool:
    first = row[0].text if row else ""
    if first and first != above[0].text:
        return False
    fresh = [
        role_of(cell.text)
        for column, cell in enumerate(row)
        if cell.text and (column >= len(above) or cell.text != above[column].text)
    ]
    return bool(fresh) and all(role is not None for role in fresh)


def _signature(row: Sequence[Cell]) -> tuple[str, ...]:
    return tuple(fold(cell.text) for cell in row if cell.text)


@dataclass
class _Row:
    number: str
    section: str
    group_label: str
    group_title: str
    values: dict[str, str]
    extra: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Position:
    group: str = ""
    group_title: str = ""
    sub: str = ""
    section_override: str | None = None

    @property
    def section(self) -> str:
        if self.section_override is not None:
            return self.section_override
        return " / ".join(part for part in (self.group, self.sub) if part)


UNREAD_TABLE = N_(
    "Một bảng liệt kê công việc nhưng không có cột cơ quan chủ trì (Cơ quan chủ trì, Đơn vị "
    "chủ trì, Trách nhiệm thực hiện…), nên không đọc được; tiêu đề bảng: {header}"
)


def unread_table(rows: Sequence[Sequence[Cell]]) -> Problem | None:
    """Why a table that lists work gave no tasks (it has no lead column), quoting its header."""
    found = find_header(rows)
    if found is None or found[0].is_task_table or "indicator" in found[0].roles:
        return None
    titles = [title for title in found[0].titles if title]
    return Problem.of(
        UNREAD_TABLE,
        header=" | ".join(f"«{title}»" for title in titles),
    )


def table_tasks(
    rows: Sequence[Sequence[Cell]],
    *,
    registry: AgencyRegistry,
    source_kind: SourceKind,
    prefix: str = "",
    problems: list[Problem],
) -> list[RawTask]:
    """The tasks of one task table; problems of the table as a whole go to `problems`."""
    found = find_header(rows)
    if found is None or not found[0].is_task_table:
        return []
    header, start = found
    problems += _uncomputed(rows, start=start, header=header)
    parsed = _rows(rows[start:], header)
    if source_kind != SourceKind.SHEET and any(_is_project(t) for t in header.titles):
        source_kind = SourceKind.PROJECT_TABLE
    numbers = [row.number for row in parsed if row.number]
    by_group = len(set(numbers)) != len(numbers)
    group_labels: dict[str, str] = {}
    tasks: list[RawTask] = []
    for index, row in enumerate(parsed, start=1):
        number = row.number or str(index)
        label = row.group_label or group_labels.setdefault(
            row.section, _roman(len(group_labels) + 1)
        )
        code = f"{label}.{number}" if by_group and not _SUB_GROUP.fullmatch(number) else number
        tasks.append(
            _task(row, code=prefix + code, header=header, kind=source_kind, registry=registry)
        )
    if by_group and any(not row.group_label and not row.section for row in parsed):
        problems.append(
            Problem(
                N_(
                    "Số thứ tự nhiệm vụ lặp lại nhưng có dòng không thuộc nhóm nào; "
                    "mã đã được tự đặt"
                )
            )
        )
    return tasks


def _uncomputed(rows: Sequence[Sequence[Cell]], *, start: int, header: Header) -> list[Problem]:
    """A problem for each row holding a formula that has no value, naming row and column:
    read as blank, its task would lose its title, lead or deadline without a word."""
    found: list[Problem] = []
    for index in range(start, len(rows)):
        for column, cell in enumerate(rows[index]):
            if cell.uncomputed:
                title = header.titles[column] if column < len(header.titles) else ""
                found.append(
                    Problem.of(
                        N_(
                            "Dòng {row}, cột «{column}»: công thức chưa có giá trị (tệp chưa "
                            "được lưu bằng Excel), đã đọc như ô trống. Hãy mở tệp bằng Excel, "
                            "lưu lại rồi nhập lại"
                        ),
                        row=index + 1,
                        column=title or str(column + 1),
                    )
                )
    return found


def _task(
    row: _Row, *, code: str, header: Header, kind: SourceKind, registry: AgencyRegistry
) -> RawTask:
    values = row.values
    notes: list[Problem] = []
    start_text = values.get("start") or None
    due_text = values.get("due") or None
    if due_text is None and start_text is not None:
        # 000 I.4-I.6: the only time sits under "Bắt đầu", most likely a merged cell.
        due_text, start_text = start_text, None
        notes.append(Problem(N_("Chỉ có thời gian ở cột «Bắt đầu»; đã coi đó là thời hạn")))
    elif due_text is None and header.column("due") is None and row.group_title:
        # PHỤ LỤC 5 has no time column: "KHÁNH THÀNH NĂM 2023" over the group is the deadline.
        due_text = row.group_title
    lead_cell = values.get("lead", "")
    if len(_BULLETS.findall(lead_cell)) >= 2:
        notes.append(
            Problem(N_("Ô chủ trì là danh sách gạch đầu dòng: cần xác nhận cơ quan nào chủ trì"))
        )
    return RawTask(
        code=code,
        section=row.section,
        title=values.get("task", ""),
        source_kind=kind,
        lead=registry.resolve_cell(lead_cell),
        cooperating=registry.resolve_cell(values.get("coop", "")),
        due_text=due_text,
        start_text=start_text,
        funding=values.get("funding") or None,
        extra=tuple(row.extra),
        notes=tuple(notes),
        year=header.year,
    )


def _rows(rows: Sequence[Sequence[Cell]], header: Header) -> list[_Row]:
    position = _Position()
    parsed: list[_Row] = []
    last_was_task = False
    for row in rows:
        if _signature(row) in header.signatures or not any(cell.text for cell in row):
            continue
        values, extra, bold = _values(row, header)
        number = values.pop("tt", "").strip()
        section = values.pop("section", "")
        if section:
            position.section_override = section
            match = _ROMAN_PREFIX.match(section)
            position.group = match.group(1) if match else ""
        has_task_data = any(values.get(role) for role in ("lead", "due", "start", "coop"))
        title = values.get("task", "")
        if _ROMAN.fullmatch(number) and not has_task_data:
            position.group = f"{number.rstrip('.')}. {title}".strip()
            position.group_title, position.sub = title, ""
            last_was_task = False
        elif _SUB_GROUP.fullmatch(number) and not has_task_data:
            position.sub = f"{number.rstrip('.')}. {title}".strip()
            last_was_task = False
        elif not number and last_was_task and not (bold and title and len(values) == 1):
            _continue(parsed[-1], values, extra)
        elif not number and not has_task_data:
            position.sub = title
            last_was_task = False
        else:
            parsed.append(
                _Row(
                    number=number.rstrip(".)"),
                    section=position.section,
                    group_label=_group_label(position.group),
                    group_title=position.group_title,
                    values=values,
                    extra=extra,
                )
            )
            last_was_task = True
    return parsed


def _values(
    row: Sequence[Cell], header: Header
) -> tuple[dict[str, str], list[tuple[str, str]], bool]:
    values: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for column, cell in enumerate(row):
        if not cell.text:
            continue
        role = header.roles[column] if column < len(header.roles) else None
        if role is None:
            title = header.titles[column] if column < len(header.titles) else ""
            if title:
                extra.append((clean(title), cell.text))
        elif role not in values:
            values[role] = cell.text
    bold = all(cell.bold for cell in row if cell.text)
    return values, extra, bold


def _continue(row: _Row, values: dict[str, str], extra: list[tuple[str, str]]) -> None:
    """Append the second half of a row that a page break cut in two."""
    for role, text in values.items():
        row.values[role] = _join(row.values.get(role, ""), text)
    known = dict(row.extra)
    for title, text in extra:
        known[title] = _join(known.get(title, ""), text)
    row.extra = list(known.items())


def _join(first: str, second: str) -> str:
    if not first:
        return second
    # "3067/QĐ-" + "UBND, ngày …" is one word broken at the hyphen.
    glue = "" if first.endswith(("-", "/")) else " "
    return first + glue + second


def _group_label(group: str) -> str:
    match = _ROMAN_PREFIX.match(group)
    return match.group(1) if match else ""


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for value, numeral in numerals:
        while number >= value:
            text += numeral
            number -= value
    return text


def _is_project(header_title: str) -> bool:
    return fold(header_title).startswith(("ten du an", "du an"))
