"""The shape every reader turns a file into: paragraphs and tables, in document order."""

from dataclasses import dataclass, field

from domain.agencies import Resolution
from domain.plans import SourceKind
from domain.problems import Problem
from locales import N_

EMPTY_FILE = N_("«{name}» trống: không có gì để nhập.")


class PlanImportError(Exception):
    """A file that cannot be read as a plan; the problem says why and what to do."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Cell:
    """One table cell: its text (tags removed, spacing collapsed) and whether it was bold;
    `uncomputed` for a spreadsheet formula that has no value (the file was never opened in
    Excel), whose text is empty."""

    text: str
    bold: bool = False
    uncomputed: bool = False


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of prose; `heading` when it was a heading or wholly bold."""

    text: str
    heading: bool = False


@dataclass(frozen=True)
class Table:
    """A table as rows of cells; merged cells already repeated or blanked by the reader."""

    rows: tuple[tuple[Cell, ...], ...]


Block = Paragraph | Table


@dataclass(frozen=True)
class RawTask:
    """A task before its deadlines are read, which needs the plan's year."""

    code: str
    section: str
    title: str
    source_kind: SourceKind
    lead: Resolution
    due_text: str | None
    start_text: str | None = None
    cooperating: Resolution = field(default_factory=Resolution)
    recipients: Resolution = field(default_factory=Resolution)
    funding: str | None = None
    extra: tuple[tuple[str, str], ...] = ()
    notes: tuple[Problem, ...] = ()
    # The text parse_deadline reads when it needs a label the stored phrase leaves out
    # ("Thời gian hoàn thành, chính thức … trước ngày 01/7/2022").
    due_context: str | None = None
    # The year of deadlines written without one, when the table says it ("Thời gian (Năm
    # 2026)"); otherwise the plan's.
    year: int | None = None
    obligation: str | None = None
