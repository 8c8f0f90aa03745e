"""Duties stated in prose: who must do what, by when, sentence by sentence.

Most work is not assigned in tables but in sentences, in a few shapes read here alike:

* a sentence that names its own agency: "Sở Tài chính chủ trì, phối hợp với … khẩn trương …,
  hoàn thành trước ngày 20/12/2025", "Giao Sở Nội vụ …", "Trong Quý II/2023, các cơ quan …";
* items under a heading or an introduction that names the agency: "1. Sở Nội vụ:" followed by
  "- …" lines (công văn, "Tổ chức thực hiện"), "2. Giao Sở Khoa học và Công nghệ chủ trì, phối
  hợp với …:" followed by "a) …" (thông báo kết luận);
* "Sở X: …" with the duty on the heading's own line.

A duty becomes a task when it carries a time to be done by ("trước ngày 15/12/2025", "trong quý
I/2026", "chậm nhất là ngày …", "hết năm 2023"); a time phrase that cannot be read still makes
a task, with its deadline unread. Undated, ongoing ("Thường xuyên …") and recurring ("Định kỳ
hằng quý …") duties are counted and listed as skipped sentences but give no task: undated work
gives the bot nothing to remind about, and recurring reports come in through the
reporting-duties table. Only a phrase introduced by a deadline word counts as a time, so the
dates of cited documents ("Nghị định số 52/2015/NĐ-CP ngày 28/5/2015") are never deadlines.

The title of a task is what is to be done: the sentence without its agency ("Giao Sở X",
"Sở X có trách nhiệm") and without its deadline clause (", hoàn thành trước ngày …").
"""

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from domain.agencies import AgencyRegistry, Resolution, combine
from domain.deadlines import DeadlineKind, parse_deadline
from domain.importers.blocks import RawTask
from domain.importers.outline import MARKER, Outline, Placed
from domain.plans import SkippedSentence, SkipReason, SourceKind
from domain.text import clean, fold

# --- time phrases ---------------------------------------------------------------------------
# Matched on folded text (no marks, lower case), which has the length of the original.
_Y = r"[0-9]{4}"
_DAY = (
    rf"[0-9]{{1,2}}\s*[/.-]\s*[0-9]{{1,2}}(?:\s*[/.-]\s*{_Y})?"
    rf"|[0-9]{{1,2}}\s+thang\s+[0-9]{{1,2}}(?:\s+nam\s+{_Y})?"
)
_FULL_DATE = rf"[0-9]{{1,2}}\s*[/.-]\s*[0-9]{{1,2}}\s*[/.-]\s*{_Y}"
_MONTH = rf"thang\s*[0-9]{{1,2}}(?:\s*[/-]\s*{_Y}|\s+nam\s+{_Y})?"
_QUARTER = rf"qu[yi]\s*(?:i{{1,3}}|iv|[1-4])\b(?:\s*[/-]\s*{_Y}|\s+nam\s+{_Y})?"
# "trong tháng 6, tháng 12 năm 2026", "trong quý II và quý IV/2026": one phrase, one part each.
_MORE_PERIODS = rf"\s*(?:,|va)\s*(?:{_MONTH}|{_QUARTER})"
_HOUR = r"[0-9]{1,2}\s*(?:gio|h)(?:\s*[0-9]{2})?(?:\s*phut)?\s*,?\s*"
_BY = r"truoc|cham nhat(?:\s+(?:la|vao))?|han chot(?:\s+la)?|den het|het|khong qua"
_TIME = re.compile(
    r"(?P<connector>(?:(?:thoi han|thoi gian)(?:\s+hoan thanh|\s+thuc hien)?\s*[:,]?\s*"
    r"|(?:hoan thanh|xong)\s*[:,]?\s*))?"
    r"(?P<phrase>"
    rf"(?:{_BY})\s+(?:{_HOUR})?(?:ngay\s+(?:{_DAY})|{_FULL_DATE})"
    rf"|(?P<rule>truoc\s+(?:{_HOUR})?ngay\s+[0-9]{{1,2}}\s+(?:cua\s+)?(?:thang|quy|ky)\b"
    r"(?:\s+(?:cuoi\s+(?:quy|ky|nam)|lien ke|tiep theo|sau))?)"
    rf"|(?:truoc|cham nhat(?:\s+(?:la|vao))?(?:\s+trong)?|trong|den het|het)\s+"
    rf"(?:{_MONTH}|{_QUARTER})(?:{_MORE_PERIODS})*"
    rf"|(?:den\s+)?het\s+nam\s+{_Y}"
    r")"
    r"(?P<repeat>\s*,?\s*(?:hang|moi)\s+(?:nam|quy|thang|tuan)\b"
    r"|\s+(?:cua\s+)?(?:nam|thang|quy)\s+(?:lien ke|tiep theo|sau)\b)?"
)
# A time phrase after a label ("Thời hạn: 30/12/2025") needs no deadline word of its own.
_LABELLED = re.compile(
    r"(?P<connector>(?:thoi han|thoi gian)(?:\s+hoan thanh|\s+thuc hien)?\s*:\s*)"
    rf"(?P<phrase>(?:ngay\s+)?(?:{_DAY})|{_MONTH}|{_QUARTER}|nam\s+{_Y})"
)
# "hoàn thành trong năm 2026", "hoàn thành ngày 15/12/2025" (not "hoàn thành 3/5 xã").
_COMPLETED = re.compile(
    r"(?P<connector>(?:hoan thanh|xong)\s+)"
    rf"(?P<phrase>ngay\s+(?:{_DAY})|{_FULL_DATE}|{_MONTH}|{_QUARTER}|(?:trong\s+)?nam\s+{_Y})"
)
# "Định kỳ …" anywhere; "hằng tháng" where it opens or closes a clause, not in "kế hoạch sử
# dụng đất hàng năm".
_RECURRING = re.compile(
    r"\bdinh ky\b|(?:^|[,;(]\s*)(?:hang|moi)\s+(?:ngay|tuan|thang|quy|nam)\b"
    r"|\b(?:hang|moi)\s+(?:ngay|tuan|thang|quy|nam)\s*(?:[,;.)]|$)"
)
_ONGOING = re.compile(r"(?:chu dong\s*,?\s*)?(?:thuong xuyen|lien tuc)\b")

# --- who ------------------------------------------------------------------------------------
_GIVEN_TO = re.compile(r"(?<!duoc )(?<!ban )\bgiao\s+(?:cho\s+)?")
_INVITED = re.compile(r"^(?:kinh moi|kinh de nghi|de nghi)\s+")
_HEADING_PREFIX = re.compile(r"^(?:trach nhiem cua|nhiem vu cua|doi voi|giao)\s+")
_WITH = re.compile(r"\b(?:phoi hop|chu tri)\s+(?:voi|cung)\s+")
_TO = re.compile(r"\b(?:(?:bao cao|gui|trinh)\s+(?:ve\s+|len\s+)?|ve\s+)")
_DUTY_WORDS = re.compile(r"\s*(?:[,:]\s*)?(?:co trach nhiem|chiu trach nhiem)?\s*:?\s*")
# "Văn phòng … thông báo để các cơ quan, đơn vị biết, thực hiện": the closing formula.
_CLOSING = re.compile(r"\bthong bao\b.*\bbiet\b")
_NARRATIVE = re.compile(r"\s*,?\s*(?:cung\s+|vua\s+)?(?:da|dang)\b")
_DATED_NARRATIVE = re.compile(r"ngay\s+[0-9]{1,2}\s*[/-]")
_ASKS = re.compile(r"\s*(?:giao|yeu cau|chi dao|de nghi)\s+(?:cho\s+)?")
_OPENER = re.compile(r"(?:trong qua trinh|trong truong hop|truong hop|neu|khi)\b")
_ADDRESS_BLOCK = re.compile(r"^kinh gui\b")
_END_OF_TEXT = re.compile(r"^noi nhan\b")
# After the signature an appendix may assign work again.
_APPENDIX = re.compile(r"^phu luc\b")
# The issuer does not assign work to itself: "Ủy ban nhân dân thành phố yêu cầu:".
_ISSUERS = frozenset({"UBNDTP", "CT-UBNDTP", "PCT-UBNDTP"})

# --- text -----------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!TP\.)(?<!Tp\.)\s+(?=[A-ZĐÀ-Ỹ])")
_STRAY_PUNCTUATION = re.compile(r"\s*[,;:]+\s*(?=[,;:.]|$)|^[\s,;:.-]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[,;.])")
_POINT = re.compile(r"(?:^|(?<=[\s:;.]))([a-zđ])\)\s+")
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_TITLE_WORDS = 8
_FEWEST_WORDS = 3
_LONGEST_NAME = 90
_WINDOW = _LONGEST_NAME + 60
_KEY_WORDS = 12


@dataclass(frozen=True)
class _Time:
    start: int
    end: int
    phrase: str
    readable: str
    recurring: bool


@dataclass(frozen=True)
class _Who:
    lead: Resolution
    cooperating: Resolution = field(default_factory=Resolution)
    # "Kính mời Ủy ban Mặt trận …:": asked, not ordered.
    invited: bool = False


@dataclass
class _Context:
    level: int
    who: _Who | None
    bullets_only: bool = False
    ignore: bool = False


@dataclass
class _Unit:
    """One duty as the text states it: a sentence, or the clauses of one with its own time."""

    placed: Placed
    context: _Context | None
    text: str
    times: Sequence[_Time]
    own: _Who | None
    subject: tuple[int, int] | None
    invitation: bool = False
    given: bool = False
    # "1. Sở Nội vụ: a) … b) …": the point a paragraph runs together with others.
    letter: str | None = None


def prose_duties(
    placed: Sequence[Placed], registry: AgencyRegistry
) -> tuple[list[RawTask], list[SkippedSentence]]:
    """The tasks and the skipped duties of a document's prose, in document order."""
    reader = _Reader(_Names(registry))
    for item in placed:
        if _APPENDIX.match(_fold(item.paragraph.text)):
            reader.finished = False
            reader.stack.clear()
        if not reader.finished:
            reader.read(item)
    return reader.result()


def subject(sentence: str, registry: AgencyRegistry) -> Resolution | None:
    """The agencies a sentence gives work to: after "Giao", or at its start (after a time)."""
    found = _own(sentence, _times(sentence), _Names(registry))
    return found[0].lead if found is not None and found[2] in ("given", "subject") else None


def heading_agency(outline: Outline, registry: AgencyRegistry) -> Resolution | None:
    """The agencies a heading consists of, e.g. "3.19. Ủy ban nhân dân các quận, huyện:"."""
    for heading in outline.headings():
        who = _heading_who(heading, _Names(registry))
        if who is not None:
            return who.lead
    return None


def obligation_key(text: str, lead_named: Sequence[str], registry: AgencyRegistry) -> str:
    """A key shared by every statement of one duty: its action's first words and its leads.

    The reporting-duties table quotes the plan's sentences, so a row and the prose duty it
    restates give the same key; two agencies' duties in one sentence do not.
    """
    return _obligation(text, lead_named, _Names(registry))


def _obligation(text: str, lead_named: Sequence[str], names: "_Names") -> str:
    times = _times(text)
    own = _own(text, times, names)
    action = _action(text, times, own[1] if own is not None else None)
    words = re.findall(r"\w+", fold(action))[:_KEY_WORDS]
    basis = " ".join(words) + "|" + ",".join(sorted(lead_named))
    return hashlib.sha1(basis.encode()).hexdigest()[:16]


class _Names:
    """The registry's run of names at a place in a sentence, each place looked up once.

    The same sentence is asked about several times (as a heading, an introduction, a duty),
    and a lookup tokenises the whole text it is given, so it is given only the rest of the
    sentence from the place on, and every answer is kept for the document.
    """

    def __init__(self, registry: AgencyRegistry) -> None:
        self.registry = registry
        self.known: dict[tuple[str, int], tuple[Resolution, int]] = {}

    def leading(self, text: str, *, start: int = 0) -> tuple[Resolution, int]:
        """The agencies named at `start` and where their names end (see AgencyRegistry)."""
        key = (text, start)
        if key not in self.known:
            stop = _SENTENCE_END.search(text, start)
            rest = text[start : stop.start() if stop else None]
            # Most sentences start with no name at all: a window longer than any one name
            # answers that, and a run of names reaching its end is read again in full.
            window = rest if len(rest) <= _WINDOW else rest[: rest.rfind(" ", 0, _WINDOW)]
            lead, length = self.registry.leading(window)
            if len(window) < len(rest) and lead.named and length > len(window) - _LONGEST_NAME:
                lead, length = self.registry.leading(rest)
            self.known[key] = (lead, start + length if lead.named else start)
        return self.known[key]


class _Reader:
    def __init__(self, names: "_Names") -> None:
        self.names = names
        self.stack: list[_Context] = []
        self.units: list[_Unit] = []
        self.finished = False

    def read(self, item: Placed) -> None:
        text = item.paragraph.text
        folded = _fold(MARKER.sub("", text))
        if _END_OF_TEXT.match(folded):
            self.finished = True
            return
        bullet = item.level == 4 and text.startswith(("-", "+", "•", "*"))
        self._close(item, bullet=bullet)
        body = clean(MARKER.sub("", text))
        if _ADDRESS_BLOCK.match(folded):
            self.stack.append(
                _Context(item.level, None, bullets_only=item.level == 4, ignore=True)
            )
            return
        if any(context.ignore for context in self.stack) or item.consumed:
            return
        if item.level < 4 or item.paragraph.heading:
            body = self._heading(item, body)
            if not body:
                return
        elif body.endswith(":"):
            who = _intro_who(body, self.names)
            if who is not None:
                self.stack.append(_Context(4, who, bullets_only=True))
                return
        if item.paragraph.heading:
            return
        for letter, text in _points(body):
            self._sentences(item, text, letter)

    def _close(self, item: Placed, *, bullet: bool) -> None:
        level = 3 if item.paragraph.heading and item.level == 4 else item.level
        while self.stack:
            top = self.stack[-1]
            if (level < 4 and top.level >= level) or (
                level == 4 and not bullet and top.bullets_only
            ):
                self.stack.pop()
            else:
                break

    def _heading(self, item: Placed, body: str) -> str:
        """Push what a numbered paragraph says about who; the duty text it holds, if any."""
        level = 3 if item.level == 4 else item.level
        first = next(iter(_split_sentences(body)), body)
        who = _heading_who(body, self.names)
        if who is not None:
            self.stack.append(_Context(level, who))
            return ""
        if body.endswith(":"):
            self.stack.append(_Context(level, _intro_who(body, self.names)))
            return ""
        inline = _inline_who(first, self.names)
        if inline is not None:
            who, end = inline
            self.stack.append(_Context(level, who))
            return clean(body[end:])
        own = _own(first, _times(first), self.names)
        who = (
            None if own is None or own[2] is None else replace(own[0], invited=own[2] == "invited")
        )
        self.stack.append(_Context(level, who))
        if _is_title(body):
            return ""
        return body

    def _context(self) -> _Context | None:
        for context in reversed(self.stack):
            if context.who is not None:
                return context
        return None

    def _sentences(self, item: Placed, body: str, letter: str | None) -> None:
        context = self._context()
        carried: _Who | None = None
        for sentence in _split_sentences(body):
            times = _times(sentence)
            own = _own(sentence, times, self.names)
            if (own is not None and own[2] is None) or _CLOSING.search(_fold(sentence)):
                continue  # narrative ("Sở X đã …", "Ngày 10/11/2025, …") or the closing formula
            who = own[0] if own is not None else None
            span = own[1] if own is not None else None
            invitation = own is not None and own[2] == "invited"
            if who is not None and not invitation:
                carried = who
            unit = _Unit(
                placed=item,
                context=context,
                text=sentence,
                times=times,
                own=who if who is not None else carried,
                subject=span,
                invitation=invitation,
                given=bool(_GIVEN_TO.match(_fold(sentence))),
                letter=letter,
            )
            if not _action(sentence, times, span) and times:
                self._attach(unit)
                continue
            self.units += _split_clauses(unit)

    def _attach(self, unit: _Unit) -> None:
        """A sentence that is only a deadline ("Hoàn thành trước ngày …") dates the one before."""
        if not self.units:
            return
        last = self.units[-1]
        same_place = last.placed is unit.placed or (
            unit.context is not None and last.context is unit.context
        )
        if same_place and not last.times:
            offset = len(last.text) + 1
            last.times = [
                replace(time, start=time.start + offset, end=time.end + offset)
                for time in unit.times
            ]
            last.text = f"{last.text} {unit.text}"

    def result(self) -> tuple[list[RawTask], list[SkippedSentence]]:
        tasks: list[RawTask] = []
        skipped: list[SkippedSentence] = []
        for unit in self.units:
            outcome = _outcome(unit, self.names)
            if isinstance(outcome, RawTask):
                tasks.append(outcome)
            elif outcome is not None:
                skipped.append(outcome)
        return _number(tasks), skipped


def _outcome(unit: _Unit, names: "_Names") -> RawTask | SkippedSentence | None:
    item = unit.placed
    location = ".".join(item.outline.path) or str(item.index)
    if unit.letter is not None:
        location = f"{location}.{unit.letter}"
    section = item.outline.label(item.level)
    time_text = "; ".join(_distinct(time.phrase for time in unit.times)) or None
    action = _action(unit.text, unit.times, unit.subject)
    context = unit.context.who if unit.context is not None else None
    who = unit.own or context
    if who is None:
        if unit.given and action:
            return SkippedSentence(
                location, section, unit.text, SkipReason.NO_AGENCY, (), time_text
            )
        return None
    if unit.invitation or who.invited:
        return SkippedSentence(
            location, section, unit.text, SkipReason.INVITATION, who.lead.named, time_text
        )
    lead = who.lead
    cooperating = who.cooperating if unit.own is None else Resolution()
    dated = [time for time in unit.times if not time.recurring]
    fragment = len(re.findall(r"[^\W\d_]{2,}", action)) < _FEWEST_WORDS or (
        action.startswith("(") and action.endswith(")")
    )
    # "Đơn vị tính: %", "(Chi tiết tại Phụ lục gửi kèm theo)" under an agency's heading are no
    # duties; but a sentence that names its own agency and a time is one, however short its
    # action ("Giao Sở Tài chính rà soát, hoàn thành trong tháng 6/2026").
    if fragment and not (dated and unit.own is not None and action):
        return None
    if not dated:
        folded = _fold(unit.text)
        if unit.times or _RECURRING.search(folded):
            reason = SkipReason.RECURRING
        elif _ONGOING.match(_fold(action)):
            reason = SkipReason.ONGOING
        else:
            reason = SkipReason.UNDATED
        return SkippedSentence(location, section, unit.text, reason, lead.named, time_text)
    shown = _distinct(time.phrase for time in dated)
    readable = _distinct(time.readable for time in dated)
    cooperating = combine([cooperating, _after(unit.text, _WITH, names)])
    return RawTask(
        code=location,
        section=section,
        title=action,
        source_kind=SourceKind.PROSE_DUTY,
        lead=lead,
        cooperating=cooperating,
        recipients=_after(unit.text, _TO, names),
        due_text="; ".join(shown),
        due_context="; ".join(readable),
        obligation=_obligation(unit.text, lead.named, names),
    )


def _distinct(phrases: Iterable[str]) -> list[str]:
    """The phrases once each, whatever their case ("Trong Quý II/2023", "trong Quý II/2023")."""
    return list({fold(phrase): phrase for phrase in reversed(list(phrases))}.values())[::-1]


def _number(tasks: list[RawTask]) -> list[RawTask]:
    """Several tasks at one place are told apart by their order: "1(1)", "1(2)"."""
    counts: dict[str, int] = {}
    for task in tasks:
        counts[task.code] = counts.get(task.code, 0) + 1
    seen: dict[str, int] = {}
    numbered: list[RawTask] = []
    for task in tasks:
        if counts[task.code] == 1:
            numbered.append(task)
            continue
        seen[task.code] = seen.get(task.code, 0) + 1
        numbered.append(replace(task, code=f"{task.code}({seen[task.code]})"))
    return numbered


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x41, 0x2000):
        char = chr(code)
        folded = " " if char.isspace() else fold(char)
        if len(folded) == 1 and folded != char:
            table[code] = folded
    return table


_FOLD_TABLE = _fold_table()


def _fold(text: str) -> str:
    """The folded text, one character for each character of `text` (so spans carry over)."""
    return text.translate(_FOLD_TABLE).replace("\t", " ").replace("\n", " ")


@lru_cache(maxsize=4096)
def _times(text: str) -> tuple[_Time, ...]:
    folded = _fold(text)
    found: list[_Time] = []
    spans: list[tuple[int, int]] = []
    for pattern in (_TIME, _LABELLED, _COMPLETED):
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in spans):
                continue
            spans.append((start, end))
            phrase_start, phrase_end = match.span("phrase")
            repeat = match.groupdict().get("repeat")
            if repeat:
                phrase_end = match.end("repeat")
            label = match.group("connector") if pattern is not _TIME else ""
            phrase = text[phrase_start:phrase_end]
            recurring = bool(repeat or match.groupdict().get("rule"))
            found.append(
                _Time(
                    start=start,
                    end=end,
                    phrase=clean(phrase),
                    readable=clean(text[match.start("connector") : phrase_end])
                    if label
                    else clean(phrase),
                    recurring=recurring or _reads_recurring(phrase),
                )
            )
    return tuple(sorted(found, key=lambda time: time.start))


def _reads_recurring(phrase: str) -> bool:
    return parse_deadline(phrase, plan_year=2000).kind == DeadlineKind.RECURRING


def _own(
    text: str, times: Sequence[_Time], names: "_Names"
) -> tuple[_Who, tuple[int, int], str | None] | None:
    """Who the sentence names as doing the work, the span naming them, and how.

    The third value is "given" ("Giao Sở X …"), "subject" (a sentence that starts with its
    agency), "invited" ("Kính mời …", "Đề nghị …") or None for a sentence that tells what was
    done ("Sở X đã …", "Ngày 10/11/2025, …"), which assigns nothing.
    """
    folded = _fold(text)
    marker = MARKER.match(text)
    start = marker.end() if marker else 0
    if _DATED_NARRATIVE.match(folded, start):
        return _Who(Resolution()), (start, start), None
    if invited := _INVITED.match(folded[start:]):
        lead, end = names.leading(text, start=start + invited.end())
        if lead.named:
            return _Who(lead), (start, end), "invited"
    given = _GIVEN_TO.match(folded, start)
    if given is not None:
        lead, end = names.leading(text, start=given.end())
        if lead.named:
            return _Who(lead), (given.start(), end), "given"
    leading = next((time for time in times if time.start <= start + 1), None)
    if leading is not None:
        start = leading.end
        while start < len(text) and text[start] in " ,":
            start += 1
    lead, end = names.leading(text, start=start)
    if lead.named and set(lead.named) <= _ISSUERS:
        # "Ủy ban nhân dân thành phố yêu cầu các sở, ban, ngành …": the work is theirs.
        asked = _ASKS.match(folded, end)
        if asked is not None:
            lead, end = names.leading(text, start=asked.end())
            if lead.named:
                return _Who(lead), (start, end), "given"
        return _Who(Resolution()), (start, end), None
    if not lead.named:
        # "Đối với các nhiệm vụ phải lập dự án, giao các cơ quan chủ trì nhiệm vụ lập …"
        for given in _GIVEN_TO.finditer(folded, start):
            lead, end = names.leading(text, start=given.end())
            if lead.named:
                return _Who(lead), (given.start(), end), "given"
    if not lead.named and _OPENER.match(folded, start):
        # "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan … kịp thời …"
        for comma in re.finditer(r",\s*", text):
            lead, end = names.leading(text, start=comma.end())
            if lead.named:
                start = comma.end()
                break
    if not lead.named:
        return None
    if _NARRATIVE.match(folded, end):
        return _Who(lead), (start, end), None
    return _Who(lead), (start, end), "subject"


def _heading_who(heading: str, names: "_Names") -> _Who | None:
    """Who a heading is about when it is nothing but agencies: "1. Sở Nội vụ:"."""
    text = heading.strip().rstrip(":.")
    prefix = _HEADING_PREFIX.match(_fold(text))
    lead, end = names.leading(text, start=prefix.end() if prefix else 0)
    if lead.named and not text[end:].strip(" .:;,"):
        return _Who(lead)
    return None


def _intro_who(text: str, names: "_Names") -> _Who | None:
    """Who the items after an introduction belong to: "Giao Sở X chủ trì, phối hợp với Y:"."""
    folded = _fold(text)
    prefix = _HEADING_PREFIX.match(folded)
    if prefix is not None and prefix.group().startswith("giao"):
        lead, _ = names.leading(text, start=prefix.end())
    else:
        own = _own(text, _times(text), names)
        if own is None or own[2] is None:
            return None
        if own[2] == "invited":
            return replace(own[0], invited=True)
        lead = own[0].lead
    if not lead.named:
        return None
    return _Who(lead, _after(text, _WITH, names))


def _inline_who(text: str, names: "_Names") -> tuple[_Who, int] | None:
    """ "Sở Nội vụ: chủ trì …": the agency of the heading and where the duty after it starts."""
    prefix = _HEADING_PREFIX.match(_fold(text))
    lead, end = names.leading(text, start=prefix.end() if prefix else 0)
    rest = text[end:].lstrip()
    if not lead.named or not rest.startswith(":") or set(lead.named) <= _ISSUERS:
        return None
    return _Who(lead), len(text) - len(rest) + 1


def _is_title(text: str) -> bool:
    """A heading that names a topic ("a) Về hạ tầng số"), not a duty."""
    return not text.endswith((".", ";", "!")) and len(text.split()) <= _TITLE_WORDS


def _points(body: str) -> list[tuple[str | None, str]]:
    """A paragraph's points "a) … b) …" when it runs them together, each with its letter."""
    markers = list(_POINT.finditer(body))
    letters = [match.group(1) for match in markers]
    if len(markers) < 2 or markers[0].start() != 0 or "".join(letters) != _LETTERS[: len(letters)]:
        return [(None, body)]
    ends = [match.start() for match in markers[1:]] + [len(body)]
    return [
        (match.group(1), clean(body[match.end() : end]))
        for match, end in zip(markers, ends, strict=True)
    ]


def _split_sentences(text: str) -> list[str]:
    return [clean(part) for part in _SENTENCE_END.split(text) if part.strip()]


def _split_clauses(unit: _Unit) -> list[_Unit]:
    """A sentence with different dated times in different clauses is one duty per time."""
    dated = [time for time in unit.times if not time.recurring]
    if len({_fold(time.phrase) for time in dated}) < 2:
        return [unit]
    ends = [match.start() for match in re.finditer(";", unit.text)] + [len(unit.text)]
    groups: list[list[int]] = []
    first = 0
    for end in ends:
        if any(first <= time.start < end for time in dated):
            groups.append([groups[-1][1] + 1 if groups else 0, end])
        first = end + 1
    if len(groups) < 2:
        return [unit]
    groups[-1][1] = len(unit.text)
    split: list[_Unit] = []
    for start, end in groups:
        text = unit.text[start:end]
        shift = start + len(text) - len(text.lstrip())
        times = [
            replace(time, start=time.start - shift, end=time.end - shift)
            for time in unit.times
            if start <= time.start < end
        ]
        subject = unit.subject
        if subject is not None:
            subject = (subject[0] - shift, subject[1] - shift) if subject[0] >= start else None
        split.append(replace(unit, text=clean(text), times=times, subject=subject))
    return split


def _action(text: str, times: Sequence[_Time], subject: tuple[int, int] | None) -> str:
    """What is to be done: the sentence without its agency and its deadline clauses."""
    cuts = sorted([(time.start, time.end) for time in times if not time.recurring])
    if subject is not None:
        folded = _fold(text)
        tail = _DUTY_WORDS.match(folded, subject[1])
        cuts.append((subject[0], tail.end() if tail else subject[1]))
    cuts.sort()
    kept: list[str] = []
    position = 0
    for start, end in cuts:
        if start > position:
            kept.append(text[position:start])
        if not "".join(kept).strip() or "".join(kept).rstrip().endswith((",", ";", ":")):
            # "Trong Quý II/2023, các cơ quan …": the comma went with the time.
            while end < len(text) and text[end] in " ,":
                end += 1
        position = max(position, end)
    kept.append(text[position:])
    action = clean(" ".join(kept))
    action = _SPACE_BEFORE_PUNCTUATION.sub("", action)
    previous = None
    while previous != action:
        previous = action
        action = _STRAY_PUNCTUATION.sub("", action).strip()
    action = action.rstrip(" .;,:-")
    return action[:1].upper() + action[1:]


def _after(sentence: str, verb: re.Pattern[str], names: "_Names") -> Resolution:
    folded = _fold(sentence)
    return combine(
        names.leading(sentence, start=match.end())[0] for match in verb.finditer(folded)
    )
