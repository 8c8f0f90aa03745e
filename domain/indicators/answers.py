"""Read the figures an officer sends back for the indicators a reminder asked about.

Officers answer one indicator or several at once, with or without diacritics:

* "7,5%" or "ước đạt 7,5" when one indicator was asked;
* "CT12: 7,5%", "chỉ tiêu 12 đạt 7,5", "PL3.47: 1,4" naming an indicator by its number in the
  plan's table (or, when no indicator asked has that number, by its place in the reminder);
* "1. 115,2  2. 7,4%  3. chưa có số liệu" against the reminder's numbered list, or one answer a
  line in the list's order; a bare number the reminder gave to something else (a task of the
  same message, `taken`) names no indicator;
* "ước", "ước đạt", "ước tính", "dự kiến", "khoảng", "sơ bộ" mark the figure as an estimate;
* "chưa có số liệu" (and "chưa có", "đang tổng hợp") says the figure is not there yet.

A figure in another scale of the indicator's unit is converted ("7,3 triệu lượt" for a unit
of "1.000 lượt" is 7.300); a figure in another unit ("7,3 triệu USD" for "Tỷ đồng"), a
fragment with two figures, a figure a thousand times off the target or outside what the unit
allows comes back as a question, never as a value. Text without a number is never a value.
Numbers after "quý", "tháng", "năm" and dates are periods, not figures.
"""

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.indicators.quantities import (
    KNOWN_BASES,
    NO_UNIT,
    NUMBER,
    Unit,
    convert,
    fold_chars,
    format_number,
    implausible,
    parse_number,
    parse_unit,
    same_base,
)
from domain.indicators.targets import Target
from domain.problems import Problem
from domain.text import strip_tags
from locales import N_

MAX_REPLY_LENGTH = 4000
# A figure this many times off its target (either way) was most likely typed in another scale.
SCALE_DOUBT = Decimal(500)


@dataclass(frozen=True)
class AskedIndicator:
    """One indicator a reminder asked about.

    `ref` is the number the reminder showed beside it ("1", "2", … or its own "12"); `number`
    its number in the plan's table, for answers such as "CT47" when the reminder numbered its
    items 1, 2, 3.
    """

    ref: str
    key: str
    number: str = ""
    name: str = ""
    unit: Unit = NO_UNIT
    target: Target | None = None


class AnswerKind(StrEnum):
    """What an answer says; stored as its value."""

    VALUE = "value"
    NO_DATA = "no-data"


@dataclass(frozen=True)
class IndicatorAnswer:
    """A figure for one indicator, in the indicator's unit, or "no data yet"."""

    key: str
    kind: AnswerKind
    written: str
    value: Decimal | None = None
    estimate: bool = False
    note: Problem | None = None


@dataclass(frozen=True)
class IndicatorQuestion:
    """A fragment the bot asks about instead of recording it, and why."""

    written: str
    reason: Problem
    key: str | None = None


@dataclass(frozen=True)
class IndicatorReply:
    """Every answer read from a message, and the questions to send back."""

    answers: tuple[IndicatorAnswer, ...] = ()
    questions: tuple[IndicatorQuestion, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Whether the message said nothing about any indicator."""
        return not self.answers and not self.questions


_NO_NUMBER = N_("Không thấy con số nào cho chỉ tiêu {ref}")
_TWO_NUMBERS = N_("Có nhiều con số cho chỉ tiêu {ref}; xin gửi lại một số liệu")
_NOT_ASKED = N_("Lời nhắc không có chỉ tiêu {ref}")
_AMBIGUOUS = N_("Có nhiều chỉ tiêu số {ref} trong lời nhắc; xin ghi theo số thứ tự của lời nhắc")
_WHICH = N_("Không rõ số liệu này cho chỉ tiêu nào; xin ghi kèm số thứ tự, ví dụ «1. 7,5»")
_OTHER_UNIT = N_("Đơn vị «{written}» khác đơn vị của chỉ tiêu {ref} («{unit}»)")
_SCALE = N_("«{value}» có đúng không? Chỉ tiêu {ref} tính bằng «{unit}», mục tiêu {target}")
_SIGN = N_("«{written}»: xin ghi rõ giá trị (số âm nếu giảm) cho chỉ tiêu {ref}")
_TWICE = N_("Chỉ tiêu {ref} có hai số liệu khác nhau trong cùng tin nhắn")
_CONVERTED = N_("{written} = {value} ({unit})")

_CT = re.compile(
    r"(?<![a-z0-9])(?:ct|chi\s*tieu)\s*(?:so\s*)?[#:.]?\s*([0-9]{1,3})(?![0-9]|[.,][0-9])"
)
_PL = re.compile(r"(?<![a-z0-9])pl\s*([0-9]{1,2})\s*[.\-/]\s*([0-9]{1,3}(?:\.[0-9a-z]{1,3})*)")
_BARE = re.compile(r"(?:^|(?<=[\s;(]))([0-9]{1,3})\s*(?:[.)]\s+|[:=]\s*|\s+-\s+)")
_LINE_NUMBER = re.compile(r"(?m)^[ \t]*([0-9]{1,3})[ \t]+(?=-?[0-9])")
_PERIOD_WORDS = ("quy", "thang", "nam", "ngay", "lan", "dot", "ky", "q")
_PERIODS = re.compile(
    r"(?<![a-z0-9])(?:quy|q)\s*(?:[1-4]|iv|i{1,3})(?![a-z0-9])"
    r"|(?<![0-9.,])[0-9]{1,2}\s*thang(?![a-z])"
    r"|(?<![a-z0-9])thang\s*[0-9]{1,2}(?![0-9])"
    r"|(?<![a-z0-9])nam\s*[0-9]{4}(?![0-9])"
    r"|(?<![0-9.,])[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?(?![0-9])"
)
_REFERENCE = re.compile(r"(?<![a-z0-9])(?:so\s+voi|cung\s+ky)(?![a-z0-9])")
_NO_DATA = re.compile(
    r"(?<![a-z0-9])(?:chua\s+co|khong\s+co\s+so\s+lieu|chua\s+thong\s+ke|chua\s+tong\s+hop"
    r"|dang\s+tong\s+hop|chua\s+bao\s+cao)(?![a-z0-9])"
)
_ESTIMATE = re.compile(
    r"(?<![a-z0-9])(?:uoc|du\s+kien|du\s+tinh|khoang|tam\s+tinh|so\s+bo|xap\s+xi)(?![a-z0-9])"
)
_FALL = re.compile(r"(?<![a-z0-9])giam\s*$")
_NEGATIVE = re.compile(r"(?<![a-z0-9])am\s*$")
_UNIT_WORD = re.compile(r"%|[a-z0-9²/.]+")
_STOP = re.compile(r"[,;\n(]")


@dataclass(frozen=True)
class _Marker:
    start: int
    end: int
    ref: str
    item: AskedIndicator | None
    reason: str


def parse_indicator_reply(
    text: str, asked: Sequence[AskedIndicator], *, taken: Collection[str] = ()
) -> IndicatorReply:
    """Read an officer's reply to a reminder about `asked`; never raises.

    `taken` holds the item numbers the same reminder gave to tasks: "2 xong" is theirs.
    """
    text = _prepare(text)
    folded = fold_chars(text)
    markers = _markers(folded, asked, taken)
    answers: list[IndicatorAnswer] = []
    questions: list[IndicatorQuestion] = []
    if not markers:
        _unmarked(text, folded, asked, answers, questions)
    else:
        head = folded[: markers[0].start]
        if _has_number(head):
            questions.append(IndicatorQuestion(text[: markers[0].start].strip(), Problem(_WHICH)))
        # "Chưa có số liệu chỉ tiêu 2": the words before the number speak for it.
        none_yet = bool(_NO_DATA.search(head))
        for index, marker in enumerate(markers):
            end = markers[index + 1].start if index + 1 < len(markers) else len(text)
            written = text[marker.start : end].strip()
            if marker.item is None:
                reason = Problem.of(marker.reason, ref=marker.ref)
                questions.append(IndicatorQuestion(written, reason))
                continue
            if none_yet and not folded[marker.end : end].strip(" .,;:-"):
                answers.append(IndicatorAnswer(marker.item.key, AnswerKind.NO_DATA, written))
                continue
            _segment(
                text[marker.end : end],
                folded[marker.end : end],
                marker.item,
                written,
                answers,
                questions,
                explicit=True,
            )
    return _without_conflicts(answers, questions, asked)


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", strip_tags(text or ""))[:MAX_REPLY_LENGTH]
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return text.translate({0x2013: "-", 0x2014: "-", 0x2212: "-"})


def _has_number(folded: str) -> bool:
    return bool(_figures(folded))


def mentions_indicator(text: str) -> bool:
    """Whether a message names an indicator itself ("CT12", "chỉ tiêu 12", "PL3.47")."""
    folded = fold_chars(_prepare(text))
    return bool(_CT.search(folded) or _PL.search(folded))


def _markers(
    folded: str, asked: Sequence[AskedIndicator], taken: Collection[str]
) -> list[_Marker]:
    found: list[_Marker] = []
    for match in _PL.finditer(folded):
        key = f"PL{match.group(1)}.{match.group(2)}"
        item = next((a for a in asked if a.key.lower() == key.lower()), None)
        found.append(_Marker(match.start(), match.end(), key.upper(), item, _NOT_ASKED))
    for match in _CT.finditer(folded):
        item, reason = _resolve(match.group(1), asked, table_first=True)
        found.append(_Marker(match.start(), match.end(), match.group(1), item, reason))
    bare = [*_BARE.finditer(folded)]
    if len(asked) > 1:
        bare += [*_LINE_NUMBER.finditer(folded)]
    for match in bare:
        before = folded[: match.start()].split()
        if (before and before[-1] in _PERIOD_WORDS) or match.group(1).lstrip("0") in taken:
            continue
        item, reason = _resolve(match.group(1), asked)
        if item is not None:
            found.append(_Marker(match.start(), match.end(), match.group(1), item, reason))
    found.sort(key=lambda marker: (marker.start, -marker.end))
    kept: list[_Marker] = []
    for marker in found:
        if not kept or marker.start >= kept[-1].end:
            kept.append(marker)
    return kept


def _resolve(
    ref: str, asked: Sequence[AskedIndicator], *, table_first: bool = False
) -> tuple[AskedIndicator | None, str]:
    """The asked indicator a number names (its place in the reminder, else its table number;
    the other way round after "CT" / "chỉ tiêu"), and the reason to give when it names none."""
    by_ref = [item for item in asked if item.ref == ref.lstrip("0") or item.ref == ref]
    by_number = [item for item in asked if item.number and item.number == ref]
    for found in (by_number, by_ref) if table_first else (by_ref, by_number):
        if len(found) == 1:
            return found[0], _NOT_ASKED
        if len(found) > 1:
            return None, _AMBIGUOUS
    return None, _NOT_ASKED


def _unmarked(
    text: str,
    folded: str,
    asked: Sequence[AskedIndicator],
    answers: list[IndicatorAnswer],
    questions: list[IndicatorQuestion],
) -> None:
    """A reply that names no indicator: one asked, one line per asked, or "chưa có" for all."""
    written = text.strip()
    if not _has_number(folded) and not _NO_DATA.search(folded):
        return
    if len(asked) == 1:
        _segment(text, folded, asked[0], written, answers, questions, explicit=False)
        return
    # One line per asked indicator, in the reminder's order, each with a figure or "chưa có".
    lines = [line.span() for line in re.finditer(r"[^\n]*\S[^\n]*", folded)]
    said = all(_has_number(folded[a:b]) or _NO_DATA.search(folded[a:b]) for a, b in lines)
    if len(asked) > 1 and len(lines) == len(asked) and said:
        for (start, end), item in zip(lines, asked, strict=True):
            _segment(
                text[start:end],
                folded[start:end],
                item,
                text[start:end].strip(),
                answers,
                questions,
                explicit=True,
            )
        return
    if not _has_number(folded) and asked:
        for item in asked:
            answers.append(IndicatorAnswer(item.key, AnswerKind.NO_DATA, written))
        return
    questions.append(IndicatorQuestion(written, Problem(_WHICH)))


def _figures(folded: str) -> list[re.Match[str]]:
    """The numbers in a fragment that may be figures (not periods, dates or a comparison)."""
    cut = _REFERENCE.search(folded)
    part = folded[: cut.start()] if cut else folded
    periods = [match.span() for match in _PERIODS.finditer(part)]
    return [
        match
        for match in NUMBER.finditer(part)
        if not any(start <= match.start() < end for start, end in periods)
    ]


def _segment(
    text: str,
    folded: str,
    item: AskedIndicator,
    written: str,
    answers: list[IndicatorAnswer],
    questions: list[IndicatorQuestion],
    *,
    explicit: bool,
) -> None:
    """Read the fragment that follows an indicator's marker (or the whole reply)."""
    figures = _figures(folded)
    ref = item.ref

    def ask(message: str, **values: str | Problem) -> None:
        reason = Problem.of(message, ref=ref, **values)
        questions.append(IndicatorQuestion(written, reason, item.key))

    if not figures:
        if _NO_DATA.search(folded):
            answers.append(IndicatorAnswer(item.key, AnswerKind.NO_DATA, written))
        elif explicit:
            ask(_NO_NUMBER)
        return
    if len(figures) > 1:
        ask(_TWO_NUMBERS)
        return
    figure = figures[0]
    value = parse_number(figure.group())
    if value is None:
        ask(_NO_NUMBER)
        return
    lead = folded[: figure.start()]
    signed = lead.endswith("-") and (len(lead) == 1 or not lead[-2].isalnum())
    if signed or _NEGATIVE.search(lead):
        value = -value
    elif (fall := _FALL.search(lead)) and "giam" not in fold_chars(item.name):
        ask(_SIGN, written=text[fall.start() : figure.end()].strip())
        return
    unit, unit_end = _unit_after(text, folded, figure.end(), item)
    note: Problem | None = None
    if unit is not None and not item.unit.is_empty:
        converted = convert(value, source=unit, target=item.unit)
        if converted is None:
            ask(_OTHER_UNIT, written=unit.text, unit=item.unit.text)
            return
        if converted != value or unit.scale != item.unit.scale:
            note = Problem.of(
                _CONVERTED,
                written=text[figure.start() : unit_end].strip(),
                value=format_number(converted),
                unit=item.unit.text,
            )
        value = converted
    elif unit is None and (doubt := _scale_doubt(value, item)) is not None:
        ask(_SCALE, value=figure.group(), unit=item.unit.text, target=doubt)
        return
    if (problem := implausible(value, item.unit, name=item.name)) is not None:
        questions.append(IndicatorQuestion(written, problem, item.key))
        return
    answers.append(
        IndicatorAnswer(
            key=item.key,
            kind=AnswerKind.VALUE,
            written=written,
            value=value,
            estimate=bool(_ESTIMATE.search(folded)),
            note=note,
        )
    )


def _unit_after(
    text: str, folded: str, position: int, item: AskedIndicator
) -> tuple[Unit | None, int]:
    """The unit written right after a figure, if the words there are one, and where it ends."""
    stop = _STOP.search(folded, position)
    window_end = stop.start() if stop else len(folded)
    words = list(_UNIT_WORD.finditer(folded, position, window_end))[:4]
    if not words or words[0].start() - position > 2 or NUMBER.fullmatch(words[0].group()):
        return None, position
    for count in range(len(words), 0, -1):
        end = words[count - 1].end()
        unit = parse_unit(text[words[0].start() : end])
        known = unit.base in KNOWN_BASES or same_base(unit, item.unit)
        if (known and unit.base) or (not unit.base and unit.scale != 1):
            return unit, end
    return None, position


def _scale_doubt(value: Decimal, item: AskedIndicator) -> str | None:
    """The target, shown, when a bare figure is a thousand times off it; else None."""
    target = item.target
    if target is None or target.comparison is None or value == 0:
        return None
    reference = target.low if target.low is not None else target.high
    if reference is None or reference == 0:
        return None
    ratio = abs(value / reference)
    if ratio >= SCALE_DOUBT or ratio <= 1 / SCALE_DOUBT:
        return target.text
    return None


def _without_conflicts(
    answers: list[IndicatorAnswer],
    questions: list[IndicatorQuestion],
    asked: Sequence[AskedIndicator],
) -> IndicatorReply:
    """Two different figures for one indicator in one message become a question."""
    by_key: dict[str, list[IndicatorAnswer]] = {}
    for answer in answers:
        by_key.setdefault(answer.key, []).append(answer)
    kept: list[IndicatorAnswer] = []
    for key, found in by_key.items():
        if len({(a.kind, a.value) for a in found}) > 1:
            written = " / ".join(a.written for a in found)
            ref = next((item.ref for item in asked if item.key == key), key)
            questions.append(IndicatorQuestion(written, Problem.of(_TWICE, ref=ref), key))
        else:
            kept.append(found[0])
    order = {id(answer): index for index, answer in enumerate(answers)}
    kept.sort(key=lambda answer: order[id(answer)])
    return IndicatorReply(tuple(kept), tuple(questions))
