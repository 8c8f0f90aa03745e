"""A plan from a document's paragraphs and tables: identity, task tables, prose tasks.

Tasks come from three places: appendix tables (see `tables`), the structured prose items of
plans like 001 ("a) …" followed by "- Thời gian hoàn thành:", "- Đơn vị chủ trì:", "- Đơn vị
phối hợp:" lines), and the duties the rest of the prose assigns (see `prose`): dated ones
become tasks, the others are counted and listed on the plan as skipped sentences.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from domain.agencies import AgencyRegistry, Resolution, combine
from domain.deadlines import ContextYear, Deadline, YearSource, parse_deadline
from domain.importers.blocks import Block, RawTask, Table
from domain.importers.outline import (
    DOTTED_HEADING,
    LETTER_HEADING,
    NUMBER_HEADING,
    ROMAN_HEADING,
    Placed,
    place,
)
from domain.importers.prose import heading_agency, prose_duties, subject
from domain.importers.tables import table_tasks, unread_table
from domain.plans import (
    PlanDraft,
    SourceKind,
    TaskDraft,
    assignable,
    settle_task_leads,
    split_parts,
    succession_notes,
)
from domain.problems import Problem, year_inferred
from domain.text import clean, fold
from locales import N_

_FIELD = re.compile(
    r"^[-–+\s]*(?P<label>thoi gian hoan thanh|thoi han hoan thanh|don vi chu tri|co quan chu tri"
    r"|don vi phoi hop|co quan phoi hop)\s*[:,]?\s*"
)
_EMBEDDED_TIME = re.compile(r"\bthoi (?:gian|han) hoan thanh\b")
_SUB_BULLET = re.compile(r"^[-\s]*\+\s*")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ])")
_THIS_DOCUMENT = re.compile(
    r"\b(?:thong bao|ke hoach|chi thi|ket luan|cong van|van ban|quyet dinh|chuong trinh) nay\b"
)
_CHASES = re.compile(r"\b(?:don|đơn) doc\b")

_NUMBER_LINE = re.compile(
    r"^(?:Số|So)\s*:?\s*(?P<number>\d+)?\s*/\s*(?P<kind>[A-ZĐ]+(?:-[A-ZĐ]+)+)", re.IGNORECASE
)
# "Hải Phòng, ngày 19 tháng 01 năm 2023", "Quảng Ninh, ngày 05 tháng 12 năm 2025".
_PLACE_DATE = re.compile(
    r"^[^\W\d][^,;:\d]{1,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})",
    re.IGNORECASE,
)
_CAPTION_REF = re.compile(
    r"kèm\s+theo\s+[^()]*?số\s*(?P<number>\d+)\s*/\s*(?P<kind>[A-ZĐ]+(?:-[A-ZĐ]+)+)\s*,?\s*"
    r"ngày\s*(?P<day>\d{1,2})\s*/\s*(?P<month>\d{1,2})\s*/\s*(?P<year>\d{4})",
    re.IGNORECASE,
)
_DOC_TYPE = re.compile(
    r"^(?:kế hoạch|chỉ thị|quyết định|chương trình|thông báo|công văn)\b", re.IGNORECASE
)
# A công văn has no type line: its subject is the "V/v …" (về việc) line under its number.
_SUBJECT = re.compile(r"^(?:V/v|Về việc)\b", re.IGNORECASE)
_SIGNED_FOR = re.compile(r"^TM\.\s*(.+)$", re.IGNORECASE)
_APPENDIX = re.compile(r"^phụ\s+lục\b\s*(?P<number>\d+|[IVX]+)?", re.IGNORECASE)


@dataclass
class _Item:
    code: str
    section: str
    title: str
    heading: Placed
    paragraphs: list[Placed] = field(default_factory=list)


def build_plan(
    blocks: Sequence[Block],
    *,
    registry: AgencyRegistry,
    source_file: str,
    plan_ref: str | None = None,
    plan_year: int | None = None,
) -> PlanDraft:
    """Read a plan from the blocks of a document (names read as of `registry.day`)."""
    placed = place(blocks)
    problems: list[Problem] = []
    ref, issued = _identity(placed)
    tables = [
        _table(blocks, index, block, registry=registry, problems=problems)
        for index, block in enumerate(blocks)
        if isinstance(block, Table)
    ]
    others = _structured_items(placed, registry)
    prose, skipped = prose_duties(placed, registry)
    others += prose
    raw = _appendix_codes(tables, taken={task.code for task in others}) + others
    draft = PlanDraft(
        ref=plan_ref or ref,
        title=_title(placed) or source_file,
        issue_date=issued,
        issuer=_issuer(placed, registry),
        hub_code=_hub(placed, registry),
        source_file=source_file,
        plan_year=None,
        problems=problems,
        skipped=skipped,
    )
    if draft.ref is None:
        problems.append(
            Problem(N_("Văn bản không có số hiệu: các nhiệm vụ được đặt khóa theo tên tệp"))
        )
    finish(draft, raw, plan_year=plan_year, registry=registry)
    return draft


def issue_date(blocks: Sequence[Block]) -> date | None:
    """The date the document states for itself (its place-and-date line or an appendix
    caption), without reading its tasks."""
    return _identity(place(blocks))[1]


def finish(
    draft: PlanDraft,
    raw: Sequence[RawTask],
    *,
    plan_year: int | None,
    registry: AgencyRegistry,
) -> None:
    """Read the deadlines with the plan's year and store the tasks, codes made unique.

    A deadline that names no year takes the table header's, else the plan's: silently when
    the caller gave the year, with a problem saying so when it came from the document (its
    date, or the year most of its deadlines name). A deadline listing several dates gives
    one task per date.
    """
    draft.plan_year = plan_year or (draft.issue_date.year if draft.issue_date else None)
    if draft.plan_year is None:
        years = Counter(
            deadline.due_date.year
            for task in raw
            for deadline in [_due(task, None, None)]
            if deadline.due_date is not None
        )
        draft.plan_year = years.most_common(1)[0][0] if years else None
    document = (
        ContextYear(draft.plan_year, YearSource.DOCUMENT)
        if plan_year is None and draft.plan_year is not None
        else None
    )
    seen: Counter[str] = Counter()
    for task in raw:
        seen[task.code] += 1
        code = task.code if seen[task.code] == 1 else f"{task.code}#{seen[task.code]}"
        if code != task.code:
            draft.problems.append(
                Problem.of(
                    N_("Hai nhiệm vụ cùng số {code}; nhiệm vụ sau được đánh số {new}"),
                    code=task.code,
                    new=code,
                )
            )
        draft.tasks += split_parts(_draft(task, code, draft.plan_year, document, registry))
    draft.tasks[:] = settle_task_leads(draft.tasks)


def _due(task: RawTask, plan_year: int | None, document: ContextYear | None) -> Deadline:
    return _read(task.due_context or task.due_text, task, plan_year, document, shown=task.due_text)


def _context(task: RawTask, document: ContextYear | None) -> ContextYear | None:
    """The year a phrase without one takes: its table header's, else the document's."""
    return ContextYear(task.year, YearSource.HEADER) if task.year is not None else document


def _read(
    text: str | None,
    task: RawTask,
    plan_year: int | None,
    document: ContextYear | None,
    *,
    shown: str | None,
) -> Deadline:
    """A time of the task, with the year its table header states for phrases that name none."""
    deadline = parse_deadline(text, plan_year=plan_year, context_year=_context(task, document))
    return replace(deadline, original=shown or "") if text != shown else deadline


def _draft(
    task: RawTask,
    code: str,
    plan_year: int | None,
    document: ContextYear | None,
    registry: AgencyRegistry,
) -> TaskDraft:
    due = _due(task, plan_year, document)
    context = _context(task, document)
    inferred = year_inferred(due, context) if context is not None else None
    notes = (
        *task.notes,
        *([inferred] if inferred is not None else []),
        *succession_notes(combine([task.lead, task.cooperating]).succeeded, registry),
    )
    return TaskDraft(
        code=code,
        section=task.section,
        title=task.title,
        due=due,
        start=(
            _read(task.start_text, task, plan_year, document, shown=task.start_text)
            if task.start_text
            else None
        ),
        funding=task.funding,
        lead_codes=assignable(task.lead.codes, registry),
        cooperating_codes=assignable(task.cooperating.codes, registry),
        unresolved_leads=task.lead.unresolved,
        unresolved_cooperating=task.cooperating.unresolved,
        groups=tuple(dict.fromkeys(task.lead.groups + task.cooperating.groups)),
        source_kind=task.source_kind,
        recipients=assignable(task.recipients.codes, registry),
        unresolved_recipients=task.recipients.unresolved,
        lead_named=task.lead.named,
        cooperating_named=task.cooperating.named,
        lead_scopes=task.lead.scopes,
        extra=task.extra,
        notes=notes,
        obligation=task.obligation,
    )


def _table(
    blocks: Sequence[Block],
    index: int,
    table: Table,
    *,
    registry: AgencyRegistry,
    problems: list[Problem],
) -> tuple[str | None, list[RawTask]]:
    """The tasks of one table, and its appendix's code prefix ("PL4."; "" for an appendix
    without a number; None for a table in the body of the text)."""
    prefix: str | None = None
    for block in reversed(blocks[max(0, index - 6) : index]):
        if isinstance(block, Table):
            break
        if match := _APPENDIX.match(block.text):
            prefix = f"PL{match['number']}." if match["number"] else ""
            break
    unread = unread_table(table.rows)
    if unread is not None:
        problems.append(unread)
        return prefix, []
    tasks = table_tasks(
        table.rows,
        registry=registry,
        source_kind=SourceKind.APPENDIX_TABLE,
        prefix=prefix or "",
        problems=problems,
    )
    return prefix, tasks


def _appendix_codes(
    tables: Sequence[tuple[str | None, list[RawTask]]], *, taken: set[str]
) -> list[RawTask]:
    """The tables' tasks, numbered apart from the text's points where they would clash.

    A conclusion's appendix numbered 1, 2, 3 beside its points 1, 2, 3 gives "PL.1", "PL.2"
    (an appendix without a number) or "B1.1" (the first table in the text); a table whose
    numbers clash with nothing keeps them, as the seeds' appendices do.
    """
    found: list[RawTask] = []
    for number, (prefix, tasks) in enumerate(tables, start=1):
        if not prefix and taken & {task.code for task in tasks}:
            label = "PL." if prefix == "" else f"B{number}."
            tasks = [replace(task, code=label + task.code) for task in tasks]
        found += tasks
    return found


def _identity(placed: Sequence[Placed]) -> tuple[str | None, date | None]:
    """The plan's number and date, from its header lines or an appendix caption.

    Other documents are cited with the same shapes ("Kế hoạch số 12/KH-UBND ngày
    12/01/2023 của …"), so only the number line at the top, the place-and-date line at the
    top and the "(Kèm theo … số … ngày …)" caption of an appendix count.
    """
    ref: str | None = None
    issued: date | None = None
    for item in placed[:12]:
        text = item.paragraph.text
        if ref is None and (match := _NUMBER_LINE.match(text)) and match["number"]:
            ref = f"{match['number']}/{match['kind'].upper()}"
        place_date = _PLACE_DATE.match(text)
        if issued is None and place_date is not None:
            issued = _date(*place_date.groups())
    for item in placed:
        text = item.paragraph.text
        if not text.startswith("(") or (match := _CAPTION_REF.search(text)) is None:
            continue
        ref = ref or f"{match['number']}/{match['kind'].upper()}"
        issued = issued or _date(match["day"], match["month"], match["year"])
        break
    return ref, issued


def _date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _title(placed: Sequence[Placed]) -> str:
    """The document type line ("KẾ HOẠCH", "CHỈ THỊ") and the subject lines under it."""
    for position, item in enumerate(placed[:15]):
        kind = _DOC_TYPE.match(item.paragraph.text)
        # The type line is set in capitals; "Kế hoạch số 12/KH-UBND …" in the text is a citation.
        if kind is None or not kind.group().isupper():
            continue
        lines = [item.paragraph.text]
        for following in placed[position + 1 : position + 5]:
            text = following.paragraph.text
            if (
                len(text) > 300
                or text.endswith((".", ":", ";"))
                or fold(text).startswith("can cu")
                or NUMBER_HEADING.fullmatch(text)
                or ROMAN_HEADING.fullmatch(text)
            ):
                break
            lines.append(text)
        return clean(" ".join(lines))
    for item in placed[:15]:
        if _SUBJECT.match(item.paragraph.text):
            return item.paragraph.text
    return ""


def _issuer(placed: Sequence[Placed], registry: AgencyRegistry) -> str | None:
    for item in placed:
        if match := _SIGNED_FOR.match(item.paragraph.text):
            body = clean(match.group(1))
            agency = registry.resolve(body)
            return agency.name if agency is not None else body
    return None


def _hub(placed: Sequence[Placed], registry: AgencyRegistry) -> str | None:
    """The agency that chases the others ("đôn đốc") in the "Tổ chức thực hiện" part.

    A document without that part (a conclusion) is read whole, and there the one that chases
    the document itself ("theo dõi, đôn đốc việc thực hiện Thông báo này") comes first.
    """
    part = [item for item in placed if item.outline.in_organisation_part()]
    found: list[tuple[bool, str]] = []
    for item in part or placed:
        if not _CHASES.search(fold(item.paragraph.text)):
            continue
        for sentence in _SENTENCE_END.split(item.paragraph.text):
            folded = fold(sentence)
            if not _CHASES.search(folded):
                continue
            lead = subject(sentence, registry) or heading_agency(item.outline, registry)
            if lead is not None and len(lead.named) == 1:
                code = lead.named[0]
                found.append((bool(_THIS_DOCUMENT.search(folded)), code))
    if not part:
        found.sort(key=lambda pair: not pair[0])
    return next((None if registry.is_group(code) else code for _, code in found), None)


def _structured_items(placed: Sequence[Placed], registry: AgencyRegistry) -> list[RawTask]:
    items: list[_Item] = []
    current: _Item | None = None
    for item in placed:
        text = item.paragraph.text
        outline = item.outline
        if LETTER_HEADING.fullmatch(text) and outline.letter:
            number = outline.sub or outline.number
            current = _Item(
                code=f"{number}.{outline.letter}" if number else outline.letter,
                section=outline.label(item.level),
                title=outline.letter_text,
                heading=item,
            )
            items.append(current)
        elif item.paragraph.heading or NUMBER_HEADING.fullmatch(text) or _is_heading(text):
            current = None
        elif current is not None:
            current.paragraphs.append(item)
    found: list[RawTask] = []
    for candidate in items:
        fields = [_FIELD.match(fold(p.paragraph.text)) for p in candidate.paragraphs]
        if not any(m and "chu tri" in m["label"] for m in fields):
            continue
        for placed_item in [candidate.heading, *candidate.paragraphs]:
            placed_item.consumed = True
        found += _item_tasks(candidate, registry)
    return found


def _is_heading(text: str) -> bool:
    return bool(ROMAN_HEADING.fullmatch(text) or DOTTED_HEADING.fullmatch(text))


def _item_tasks(item: _Item, registry: AgencyRegistry) -> list[RawTask]:
    due_line: str | None = None
    leads: list[Resolution] = []
    cooperating = Resolution()
    parts: list[tuple[str, str]] = []
    in_leads = False
    for placed in item.paragraphs:
        text = placed.paragraph.text
        match = _FIELD.match(fold(text))
        if match is not None:
            label, value = match["label"], clean(text[match.end() :])
            in_leads = "chu tri" in label
            if "hoan thanh" in label:
                due_line = clean(_SUB_BULLET.sub("", text).lstrip("-– "))
            elif in_leads and value:
                leads.append(registry.resolve_cell(value))
            elif "phoi hop" in label:
                cooperating = registry.resolve_cell(value)
        elif in_leads and _SUB_BULLET.match(text):
            leads.append(_bullet_lead(_SUB_BULLET.sub("", text), registry))
        elif embedded := _EMBEDDED_TIME.search(fold(text)):
            parts.append((clean(text[: embedded.start()]), clean(text[embedded.start() :])))
    lead = combine(leads)
    base = RawTask(
        code=item.code,
        section=item.section,
        title=clean(item.title),
        source_kind=SourceKind.PROSE_ITEM,
        lead=lead,
        cooperating=cooperating,
        due_text=_time_value(due_line),
        due_context=due_line,
    )
    if due_line is None and len(parts) == 1:
        return [replace(base, due_text=_time_value(parts[0][1]), due_context=parts[0][1])]
    if due_line is None and len(parts) > 1:
        # 12.c of 001: two sentences, each with its own time, under one lead.
        return [
            replace(
                base,
                code=f"{item.code}({number})",
                title=sentence,
                due_text=_time_value(time),
                due_context=time,
            )
            for number, (sentence, time) in enumerate(parts, start=1)
        ]
    return [base]


def _time_value(line: str | None) -> str | None:
    """The time phrase of a "Thời gian hoàn thành: …" line, without its label."""
    if line is None:
        return None
    match = _EMBEDDED_TIME.search(fold(line))
    if match is None:
        return line
    return clean(line[match.end() :].lstrip(" :,")) or None


def _bullet_lead(text: str, registry: AgencyRegistry) -> Resolution:
    """One "+ Sở Du lịch chủ trì thí điểm …" line of a multi-lead item, with its scope."""
    lead, end = registry.leading(text)
    if not lead.named and ":" in text:
        # "Cảng biển: Các doanh nghiệp cảng." names the domain first.
        colon = text.index(":")
        lead, end = registry.leading(text, start=colon + 1)
        scope = clean(text[:colon])
    else:
        scope = clean(text[end:]).strip(" .")
    if not lead.named:
        return Resolution(unresolved=(clean(text),))
    return replace(lead, scopes=tuple((code, scope) for code in lead.named if scope))
