"""Plain-text and markdown plans, as converted from Word or PDF (the seed documents).

Tables are tab-separated lines ("TT\\tNội dung nhiệm vụ\\t…", bold marked with <b>), possibly
with blank lines between rows. Prose paragraphs are rebuilt from lines: a converter breaks
lines at page ends ("nông" / "thôn mới", "Sở" / "Công Thương") and some documents are
hard-wrapped at about 80 characters with a blank line after every line (002), so a line is
glued to the one before unless it visibly starts something new.
"""

import re
from collections.abc import Sequence

from domain.agencies import AgencyRegistry
from domain.importers.blocks import EMPTY_FILE, Block, Cell, Paragraph, PlanImportError, Table
from domain.importers.encodings import decode_vietnamese
from domain.importers.limits import MAX_TEXT_BYTES, check_size
from domain.problems import Problem
from domain.text import clean, strip_tags
from locales import N_

_BOLD_CELL = re.compile(r"^\s*<(?:b|strong)>.*</(?:b|strong)>\s*$", re.IGNORECASE | re.DOTALL)
_EMPHASIS = re.compile(r"\*+")
_HEADING = re.compile(r"^#{1,6}\s*")
_WHOLLY_BOLD = re.compile(r"^\*\*.+\*\*$")
_PAGE_NUMBER = re.compile(r"\d{1,3}")
_STARTS_ITEM = re.compile(
    r"^(?:#|\*\*|[-+•]\s|\d+(?:\.\d+)*\.?\s|[IVX]+\.\s|[a-zđ]\)\s|\(|"
    r"(?:Căn cứ|Nơi nhận|TM\.|KT\.)\b)"
)
_TERMINAL = (".", "!", "?", ":")
_FULL_LINE = 70


def decode(data: bytes, name: str) -> str:
    """The text of a file, or PlanImportError when it is empty or not text at all."""
    if not data.strip():
        raise PlanImportError(Problem.of(EMPTY_FILE, name=name))
    if b"\x00" in data[:4096]:
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không phải văn bản chữ (tệp chứa dữ liệu nhị phân). "
                    "Hãy gửi kế hoạch dạng .docx, .xlsx, .csv hoặc .txt."
                ),
                name=name,
            )
        )
    check_size(len(data), name=name, limit=MAX_TEXT_BYTES)
    decoded = decode_vietnamese(data)
    if decoded is None:
        raise PlanImportError(
            Problem.of(
                N_(
                    "«{name}» không đọc được như văn bản chữ: bảng mã không phải UTF-8, "
                    "Windows-1258 hay TCVN3 (ABC). Hãy lưu tệp dạng UTF-8 (Unicode) rồi thử lại."
                ),
                name=name,
            )
        )
    return decoded[0]


def read_text(text: str, *, registry: AgencyRegistry) -> list[Block]:
    """Paragraphs and tables of a text or markdown document, in order."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    prose: list[str] = []
    rows: list[tuple[Cell, ...]] = []
    for line in lines:
        if "\t" in line and line.strip():
            if prose:
                blocks += _paragraphs(prose, registry)
                prose = []
            rows.append(tuple(_cell(part) for part in line.split("\t")))
        elif line.strip():
            if rows:
                blocks.append(Table(tuple(rows)))
                rows = []
            prose.append(line)
    if rows:
        blocks.append(Table(tuple(rows)))
    blocks += _paragraphs(prose, registry)
    return blocks


def _cell(text: str) -> Cell:
    return Cell(clean(strip_tags(text)), bold=bool(_BOLD_CELL.match(text)))


def _paragraphs(lines: Sequence[str], registry: AgencyRegistry) -> list[Paragraph]:
    wrapped = _hard_wrapped(lines)
    found: list[tuple[list[str], bool]] = []
    for raw in lines:
        line = raw.strip()
        if _PAGE_NUMBER.fullmatch(line):
            continue
        heading = bool(_HEADING.match(line) or _WHOLLY_BOLD.match(line))
        if found and not found[-1][1] and _continues(found[-1][0][-1], line, wrapped, registry):
            found[-1][0].append(line)
        else:
            found.append(([line], heading))
    return [
        Paragraph(clean(_EMPHASIS.sub("", _HEADING.sub("", strip_tags(" ".join(parts))))), head)
        for parts, head in found
    ]


def _hard_wrapped(lines: Sequence[str]) -> bool:
    """Whether most lines stop mid-sentence, as in a document wrapped at a fixed width."""
    text_lines = [line.strip() for line in lines if len(line.strip()) > 20]
    if len(text_lines) < 10:
        return False
    open_ended = sum(not line.endswith((*_TERMINAL, ";", "*")) for line in text_lines)
    return open_ended > 0.6 * len(text_lines)


def _continues(previous: str, line: str, wrapped: bool, registry: AgencyRegistry) -> bool:
    """Whether `line` carries on the sentence that `previous` (the last line) broke off."""
    if _STARTS_ITEM.match(line):
        return False
    if line[0].islower() or line[0].isdigit():
        return True
    before = previous.rstrip(" *")
    if before.endswith(_TERMINAL):
        return False
    if before.endswith((",", ";", "-", "–")):
        return True
    # "… Vụ Bưu chính – Bộ Thông tin và Truyền thông; Sở" / "Công Thương; …"
    words = before.split()
    for count in range(1, min(4, len(words)) + 1):
        tail = " ".join(words[-count:])
        if registry.name_length(f"{tail} {line}") > len(tail) + 1:
            return True
    return wrapped and len(previous) >= _FULL_LINE
