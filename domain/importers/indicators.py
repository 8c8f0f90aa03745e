"""Indicator tables (chỉ tiêu): PHỤ LỤC 1-3 of Chỉ thị 02 and the template's "Chỉ tiêu" sheet.

A table is an indicator table when its header names an indicator column ("Chỉ tiêu", "CHỈ
TIÊU", "Ngành kinh tế") and a target column ("Kế hoạch năm 2023", "Chỉ tiêu phấn đấu năm
2023") or checkpoint columns ("Quý I", "6 tháng", "9 tháng", "Cả năm"); the unit and owner
columns ("Đơn vị tính", "Cơ quan chủ trì theo dõi, đánh giá") are optional. Task tables never
match, so the same file can give both a plan's tasks and its indicators.

Rows are read as the seeds lay them out: group rows numbered I, II, III; indicators numbered 1,
2, 3; sub-rows under the last numbered row, marked "- …" (and "+ …" under those), "a)" or
"Trong đó: …" (PL3 #8 is numbered and still a sub-row of #7); the table header repeated after
every page break; an unnumbered, unmarked row without a target or unit is the rest of the row
above, cut by a page break. A sub-row with an empty owner cell inherits its parent's owners.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from domain.agencies import AgencyRegistry, Resolution
from domain.importers.blocks import Block, Cell, Paragraph, Table
from domain.indicators.collection import parse_cadence
from domain.indicators.model import (
    Accumulation,
    IndicatorDraft,
    IndicatorSet,
    direction_note,
    infer_accumulation,
    infer_direction,
)
from domain.indicators.quantities import (
    Unit,
    convert,
    format_number,
    implausible,
    parse_unit,
    same_base,
)
from domain.indicators.targets import Direction, Target, parse_target
from domain.problems import Problem
from domain.text import clean, fold
from locales import N_

_APPENDIX = re.compile(r"^phu\s+luc\s*(?P<number>\d+|[ivx]+)\b")
_UNIT_LINE = re.compile(r"^don vi(?: tinh)?\s*:\s*(?P<unit>.+)$")
_YEAR = re.compile(r"\bnam (\d{4})\b")
_ROMAN = re.compile(r"[IVXL]+\.?")
_NUMBER = re.compile(r"\d+[.)]?")
_LETTER = re.compile(r"([a-zđ])[.)]")
_BULLET = re.compile(r"^([-+•*])\s")
_WITHIN = re.compile(r"^trong\s+do\b")

_CHECKPOINTS = {
    "quy i": 3,
    "quy 1": 3,
    "3 thang": 3,
    "6 thang": 6,
    "9 thang": 9,
    "ca nam": 12,
    "12 thang": 12,
}
_CUMULATIVE_WORDS = ("cong don", "luy ke", "tich luy")
_LEVEL_WORDS = ("thoi diem", "muc", "ty le", "binh quan")
_LOWER_WORDS = ("thap", "giam", "lower")
_HIGHER_WORDS = ("cao", "tang", "higher")


def _role(header: str) -> str | None:
    """The column a header names; checkpoint columns are "cp:<months>"."""
    key = re.sub(r"\s+", " ", fold(re.sub(r"[()\[\]:*]", " ", header))).strip(" .")
    if not key:
        return None
    if key in _CHECKPOINTS:
        return f"cp:{_CHECKPOINTS[key]}"
    if key in ("tt", "stt", "so tt", "so thu tu"):
        return "tt"
    if key in ("ma", "ma chi tieu", "ma so"):
        return "key"
    if key.startswith(("co quan chu tri", "don vi chu tri", "co quan theo doi", "chu tri")):
        return "owner"
    if key.startswith(("co quan", "don vi theo doi", "trach nhiem")):
        return "owner"
    if key in ("dvt", "don vi", "don vi tinh", "don vi do"):
        return "unit"
    if any(word in key for word in ("ke hoach", "phan dau", "muc tieu", "gia tri")) or (
        _YEAR.search(key) and not key.startswith("ten")
    ):
        return "target"
    if key.startswith(("chi tieu", "ten chi tieu", "noi dung chi tieu", "nganh kinh te")):
        return "name"
    if key in ("nhom", "nhom chi tieu", "linh vuc", "muc"):
        return "group"
    if key.startswith(("cach tinh", "loai", "cong don")):
        return "accumulation"
    if key.startswith(("huong danh gia", "chieu", "huong")):
        return "direction"
    if key.startswith(("ky bao cao", "tan suat", "dinh ky", "ky thu thap")):
        return "cadence"
    return None


@dataclass(frozen=True)
class _Header:
    roles: tuple[str | None, ...]
    signatures: frozenset[tuple[str, ...]]
    year: int | None
    start: int
    body: int

    def column(self, role: str) -> int | None:
        return self.roles.index(role) if role in self.roles else None

    @property
    def checkpoints(self) -> list[tuple[int, int]]:
        """(months, column) of each checkpoint column before the full year."""
        found = []
        for column, role in enumerate(self.roles):
            if role and role.startswith("cp:") and role != "cp:12":
                found.append((int(role[3:]), column))
        return found


def _header(rows: Sequence[Sequence[Cell]], *, search: int = 30) -> _Header | None:
    for index, row in enumerate(rows[:search]):
        roles = [_role(cell.text) for cell in row]
        if "name" not in roles or not ({"target", "cp:12"} & set(roles)):
            continue
        signatures = {_signature(row)}
        years = [_YEAR.search(fold(cell.text)) for cell in row]
        end = index + 1
        if end < len(rows) and _is_sub_header(rows[end], row):
            for column, cell in enumerate(rows[end]):
                if column < len(roles) and cell.text:
                    roles[column] = _role(cell.text)
            signatures.add(_signature(rows[end]))
            end += 1
        if "target" not in roles and "cp:12" in roles:
            roles[roles.index("cp:12")] = "target"
        year = next((int(match.group(1)) for match in years if match), None)
        return _Header(tuple(roles), frozenset(signatures), year, index, end)
    return None


def _is_sub_header(row: Sequence[Cell], above: Sequence[Cell]) -> bool:
    """Whether `row` names the sub-columns of the header `above` ("Quý I", "6 tháng", …).

    Word repeats a cell merged down the two header rows ("TT"), a text file leaves it empty.
    """
    if row and row[0].text and row[0].text != above[0].text:
        return False
    texts = [cell.text for cell in row if cell.text]
    return bool(texts) and all(_role(text) for text in texts)


def _signature(row: Sequence[Cell]) -> tuple[str, ...]:
    return tuple(fold(cell.text) for cell in row if cell.text)


@dataclass
class _Row:
    number: str
    rank: int
    parent: "_Row | None"
    group: str
    cells: dict[str, str]
    checkpoints: list[tuple[int, str]] = field(default_factory=list)
    suffix: str = ""
    key: str = ""
    children: int = 0


@dataclass(frozen=True)
class _Context:
    prefix: str
    title: str
    unit: str


def indicators_from_blocks(
    blocks: Sequence[Block], *, registry: AgencyRegistry, source_file: str
) -> IndicatorSet:
    """The indicators of every indicator table in a document (.txt, .md, .docx)."""
    found = IndicatorSet(source_file=source_file)
    for index, block in enumerate(blocks):
        if isinstance(block, Table):
            _add_table(found, block.rows, _context(blocks, index), registry)
    return found


def indicators_from_sheets(
    sheets: Sequence[Sequence[Sequence[Cell]]], *, registry: AgencyRegistry, source_file: str
) -> IndicatorSet:
    """The indicators of every worksheet (or CSV) laid out as an indicator table."""
    found = IndicatorSet(source_file=source_file)
    for rows in sheets:
        header = _header(rows)
        if header is None:
            continue
        above = rows[: header.start]
        titles = [Paragraph(cell.text) for row in above for cell in row if cell.text]
        context = _context([*titles, Table(())], len(titles))
        _add_table(found, rows, context, registry)
    return found


def _context(blocks: Sequence[Block], index: int) -> _Context:
    """The appendix number, title and stated unit written above the table at `index`."""
    lines: list[str] = []
    for block in reversed(blocks[max(0, index - 8) : index]):
        if isinstance(block, Table):
            break
        lines.insert(0, block.text)
        if _APPENDIX.match(fold(block.text)):
            break
    prefix, title, unit = "", "", ""
    for position, line in enumerate(lines):
        folded = fold(line)
        if match := _APPENDIX.match(folded):
            number = match["number"].upper()
            prefix = f"PL{number}"
            caption = [text for text in lines[position + 1 :] if not text.startswith("(")]
            caption = caption[
                : next(
                    (i for i, text in enumerate(caption) if _UNIT_LINE.match(fold(text))),
                    len(caption),
                )
            ]
            head = clean(line)
            if _APPENDIX.fullmatch(folded.strip(" .")):
                head = f"{head.rstrip('.')}."
            title = clean(" ".join([head, *caption]))
        elif match := _UNIT_LINE.match(folded):
            unit = clean(line.split(":", 1)[1])
    if not prefix and lines:
        title = clean(lines[0])
    return _Context(prefix, title, unit)


def _add_table(
    found: IndicatorSet,
    rows: Sequence[Sequence[Cell]],
    context: _Context,
    registry: AgencyRegistry,
) -> None:
    header = _header(rows)
    if header is None:
        return
    parsed = _rows(rows[header.body :], header, context.prefix)
    if not parsed:
        return
    if context.prefix:
        found.tables[context.prefix] = context.title
    found.year = found.year or header.year
    # Owners by id() of their row: a sub-row with an empty owner cell takes its parent's.
    owners_of: dict[int, Resolution] = {}
    seen = {indicator.key for indicator in found.indicators}
    for row in parsed:
        key = row.key
        if key in seen:
            key = _unique(key, seen)
            found.problems.append(
                Problem.of(
                    N_("Hai chỉ tiêu cùng mã {code}; chỉ tiêu sau được đánh mã {new}"),
                    code=row.key,
                    new=key,
                )
            )
        seen.add(key)
        row.key = key
        owner_text = row.cells.get("owner", "")
        inherited = False
        if owner_text:
            owners = registry.resolve_cell(owner_text)
        elif row.parent is not None and id(row.parent) in owners_of:
            owners, inherited = owners_of[id(row.parent)], True
        else:
            owners = Resolution()
        owners_of[id(row)] = owners
        found.indicators.append(_indicator(row, owners, owner_text, inherited, context))


def _unique(key: str, seen: set[str]) -> str:
    number = 2
    while f"{key}#{number}" in seen:
        number += 1
    return f"{key}#{number}"


def _rows(rows: Sequence[Sequence[Cell]], header: _Header, prefix: str) -> list[_Row]:
    parsed: list[_Row] = []
    group = ""
    for row in rows:
        if _signature(row) in header.signatures or not any(cell.text for cell in row):
            continue
        roles = [_role(cell.text) for cell in row]
        if roles[0] == "tt" and "name" in roles:
            continue  # the header again, worded a little differently ("phấn đấu" / "phần đầu")
        cells: dict[str, str] = {}
        checkpoints: list[tuple[int, str]] = []
        for column, cell in enumerate(row):
            role = header.roles[column] if column < len(header.roles) else None
            if role is None or not cell.text:
                continue
            if role.startswith("cp:"):
                checkpoints.append((int(role[3:]), cell.text))
            elif role not in cells:
                cells[role] = cell.text
        number = cells.pop("tt", "").strip()
        name = cells.get("name", "")
        data = any(cells.get(role) for role in ("unit", "target", "owner")) or checkpoints
        if cells.get("group"):
            group = cells["group"]
        if _ROMAN.fullmatch(number) and not data:
            group = f"{number.rstrip('.')}. {name}".strip()
            continue
        rank = _rank(number, name)
        if rank is None:
            if parsed and not data:
                _continue(parsed[-1], cells)
                continue
            rank = 1
        parent = next((earlier for earlier in reversed(parsed) if earlier.rank < rank), None)
        if parent is not None and parent.group != group:
            parent = None
        number = number.rstrip(".)") if _NUMBER.fullmatch(number) else number
        placed = _Row(number, rank, parent, group, cells, checkpoints)
        if parent is not None and not _NUMBER.fullmatch(number):
            parent.children += 1
            letter = _LETTER.fullmatch(number)
            placed.suffix = letter.group(1) if letter else str(parent.children)
        parsed.append(placed)
    _assign_keys(parsed, prefix)
    return parsed


# Sub-row marks, from the outermost: a number, then "a)" or "Trong đó", then "-", "+", "•".
_RANKS = {"a": 1, "trong do": 1, "-": 2, "+": 3, "•": 4, "*": 4}


def _rank(number: str, name: str) -> int | None:
    """How deep a row sits; None for an unnumbered, unmarked row."""
    if number in _RANKS:
        return _RANKS[number]
    if _LETTER.fullmatch(number):
        return _RANKS["a"]
    if _WITHIN.match(fold(name)):
        return _RANKS["trong do"]
    if not number and (match := _BULLET.match(name)):
        return _RANKS[match.group(1)]
    return 0 if number else None


def _assign_keys(parsed: list[_Row], prefix: str) -> None:
    """Numbered rows by their number, sub-rows by their parent's key and place under it.

    When numbers start again in every group the group's numeral joins the key ("PL1.II.4").
    """
    numbers = [row.number for row in parsed if _NUMBER.fullmatch(row.number)]
    by_group = len(set(numbers)) != len(numbers)
    for row in parsed:
        if row.cells.get("key"):
            row.key = row.cells["key"]
        elif row.parent is not None and not _NUMBER.fullmatch(row.number):
            row.key = f"{row.parent.key}.{row.suffix}"
        else:
            number = _top_number(row, by_group)
            row.key = f"{prefix}.{number}" if prefix else number


def _top_number(row: _Row, by_group: bool) -> str:
    number = row.number if _NUMBER.fullmatch(row.number) else "0"
    roman = _ROMAN.match(row.group) if by_group else None
    return f"{roman.group().rstrip('.')}.{number}" if roman else number


def _continue(row: _Row, cells: dict[str, str]) -> None:
    """Add the second half of a row that a page break cut in two."""
    for role, text in cells.items():
        before = row.cells.get(role, "")
        glue = "" if not before or before.endswith("-") else " "
        row.cells[role] = before + glue + text


def _indicator(
    row: _Row,
    owners: Resolution,
    owner_text: str,
    inherited: bool,
    context: _Context,
) -> IndicatorDraft:
    cells = row.cells
    name = cells.get("name", "")
    notes: list[Problem] = []
    unit = parse_unit(cells.get("unit") or context.unit)
    target = parse_target(cells.get("target", ""))
    if target.unit is not None and not target.unit.is_empty:
        unit, target = _reconcile(unit, target.unit, target, notes)
    for value in {bound for bound in (target.low, target.high) if bound is not None}:
        if (problem := implausible(value, unit, name=name)) is not None:
            notes.append(problem)
    direction, direction_inferred = _direction(cells.get("direction", ""), target, name)
    if direction_inferred and direction == Direction.LOWER:
        notes.append(direction_note(direction))
    accumulation = _accumulation(cells.get("accumulation", ""))
    checkpoint_targets = tuple(
        (months, parse_target(text)) for months, text in row.checkpoints if months != 12
    )
    return IndicatorDraft(
        key=row.key,
        table=context.prefix,
        group=row.group,
        number=row.number,
        parent_key=row.parent.key if row.parent is not None else None,
        name=name,
        unit=unit,
        target=target,
        owner_text=owner_text,
        owner_codes=owners.codes,
        owner_named=owners.named,
        owner_inherited=inherited,
        unresolved_owners=owners.unresolved,
        direction=direction,
        direction_inferred=direction_inferred,
        accumulation=accumulation or infer_accumulation(unit, name),
        accumulation_inferred=accumulation is None,
        is_heading=target.is_empty and row.children > 0,
        checkpoint_targets=checkpoint_targets,
        notes=tuple(notes),
        cadence=parse_cadence(cells.get("cadence", "")),
    )


def _reconcile(
    unit: Unit, written: Unit, target: Target, notes: list[Problem]
) -> tuple[Unit, Target]:
    """The unit column and a unit written in the target cell ("> 7,3 triệu lượt") agreed."""
    if unit.is_empty:
        return written, target
    if not same_base(unit, written) and written.base:
        notes.append(
            Problem.of(
                N_("Đơn vị trong ô chỉ tiêu («{written}») khác cột đơn vị («{unit}»)"),
                written=written.text,
                unit=unit.text,
            )
        )
        return unit, target
    if written.scale == unit.scale:
        return unit, target

    def converted(value: Decimal | None) -> Decimal | None:
        return None if value is None else convert(value, source=written, target=unit)

    result = replace(target, low=converted(target.low), high=converted(target.high), unit=unit)
    shown = result.low if result.low is not None else result.high
    notes.append(
        Problem.of(
            N_("Chỉ tiêu «{written}» được đổi sang đơn vị của bảng: {value} {unit}"),
            written=target.text,
            value=format_number(shown) if shown is not None else "",
            unit=unit.text,
        )
    )
    return unit, result


def _direction(cell: str, target: Target, name: str) -> tuple[Direction, bool]:
    folded = fold(cell)
    if any(word in folded for word in _LOWER_WORDS):
        return Direction.LOWER, False
    if any(word in folded for word in _HIGHER_WORDS):
        return Direction.HIGHER, False
    return infer_direction(target, name)


def _accumulation(cell: str) -> Accumulation | None:
    folded = fold(cell)
    if any(word in folded for word in _CUMULATIVE_WORDS):
        return Accumulation.CUMULATIVE
    if any(word in folded for word in _LEVEL_WORDS):
        return Accumulation.LEVEL
    return None
