"""Who a blocked task waits on: "vướng: chờ Sở Tài chính thẩm định" → STC.

The reason is kept as typed; the agency is only ever one the registry knows by a name, alias,
code or short form that appears in the text ("Sở Tài chính", "STC", "Sở TC", "UBND thành
phố"). When several are named, the one after a word of waiting ("chờ", "đợi", "phụ thuộc",
"của", "do") is taken, else the first; the officer's own agency is never its own blocker.

Words that look like an agency but match none ("chờ Sở Tài chánh", "đợi Ban Quản lý chợ",
"chờ STCC duyệt") are kept as `unknown` and the reading is flagged, so that a coordinator
can fix the registry or the reply; a group ("các sở, ngành") names no one agency and is not
flagged. "cơ sở", "trụ sở" and the number word "số" are not "Sở".
"""

import re
from dataclasses import dataclass
from datetime import date

from domain.agencies import AgencyRegistry
from domain.text import fold
from domain.wording import Message, Phrases, trim

MAX_REASON_LENGTH = 500
# Agency names are looked up at every word; a reason is short, a pasted essay is cut here.
_MAX_SCANNED = 1000
_MAX_UNKNOWN_WORDS = 6
# No agency's name is longer; looking no further keeps the scan linear in the reason.
_LONGEST_NAME = 160

_LEAD = Phrases("vướng", "vướng mắc", "khó khăn", "blocked", "stuck", "blocker")
_LEAD_PREFIX = re.compile(r"\s*(?:#?\d{1,9}\s*[.):-]?\s+)?(?:(?:dang|bi|van|con)\s+)*")
_WAITING = frozenset(
    {
        "chờ", "đợi", "phụ", "thuộc", "vào", "của", "do", "tại", "từ", "phía", "bởi", "vì",
        "cho", "ý", "kiến", "waiting", "for", "on", "from",
    }
)  # fmt: skip
# Heads of an agency's name. Words that are also everyday words ("ban hành", "bộ hồ sơ",
# "phòng họp") count only when capitalised; "sở" counts in lower case too.
_HEADS = Phrases(
    "sở", "ban", "bộ", "cục", "chi cục", "tổng cục", "phòng", "văn phòng", "trung tâm",
    "ủy ban", "uỷ ban", "ubnd", "hđnd", "công an", "thanh tra", "kho bạc", "viện",
    "hội đồng", "tỉnh ủy", "thành ủy", "huyện ủy", "quận ủy", "đài", "bệnh viện",
)  # fmt: skip
_LOWER_CASE_HEADS = frozenset({"so", "ubnd", "hdnd"})
# "cơ sở" (a basis, a facility) and "trụ sở" (premises) are not "Sở"; "có sở" may be.
_NOT_AGENCY_BEFORE = frozenset({"cơ", "co", "trụ", "tru"})
# Words after a head that end an unknown name: what the agency does, not what it is called.
_NAME_STOPS = frozenset(
    {
        "tham", "phe", "duyet", "gop", "y", "kien", "cho", "tra", "loi", "xem", "xet", "ky",
        "cap", "chua", "da", "dang", "co", "khong", "ve", "de", "thi", "moi", "xong", "huong",
        "bo", "giai", "quyet", "phoi", "hop", "tong", "ban", "thong", "qua",
        "nen", "vi", "do", "roi", "nua", "a", "nhe",
    }
)  # fmt: skip
_ACRONYM = re.compile(r"(?<!\w)[A-ZĐ]{2,10}(?!\w)")
_WORD_START = re.compile(r"(?<!\w)\w")


@dataclass(frozen=True)
class BlockedBy:
    """What a blocked reply says the work waits on."""

    reason: str | None
    # The agency to record as the blocker, if one is named and known.
    agency: str | None = None
    # Every known agency named, in order (the blocker among them).
    named: tuple[str, ...] = ()
    # Words that look like an agency's name but match no known agency.
    unknown: str | None = None

    @property
    def flagged(self) -> bool:
        """Whether a coordinator should look: an agency was named that nobody knows."""
        return self.unknown is not None


@dataclass(frozen=True)
class _Named:
    code: str | None  # None: the name fits several agencies
    start: int
    end: int
    waiting: bool


def may_name_agency(text: str) -> bool:
    """Whether a reason has any word that could open an agency's name (a capitalised word,
    an acronym, a head such as "sở" or "ubnd"): "chưa có kinh phí" names none, so nobody
    need look it up in the registry."""
    message = Message.of(text[:_MAX_SCANNED])
    if _HEADS.search(message) is not None or _ACRONYM.search(message.text) is not None:
        return True
    words = re.findall(r"\w+", message.text)
    return any(word[0].isupper() for word in words[1:])


def read_blocked_by(
    text: str,
    *,
    registry: AgencyRegistry,
    own_agency: str | None = None,
    as_of: date | None = None,
) -> BlockedBy:
    """The reason of a blocked reply and the agency it waits on ("vướng:" may lead).

    `as_of` (the day of the reply) picks among bodies that bore one name in different periods.
    """
    message = Message.of(text)
    body = _body_start(message)
    reason = trim(message.text[body:].replace("\n", " "))[:MAX_REASON_LENGTH].rstrip() or None
    if reason is None:
        return BlockedBy(reason=None)
    scanned = Message.of(reason[:_MAX_SCANNED])
    every, covered = _names(scanned, registry, as_of=as_of)
    names = [name for name in every if own_agency is None or name.code != own_agency]
    known = [name for name in names if name.code is not None]
    codes = tuple(dict.fromkeys(name.code for name in known if name.code is not None))
    chosen = next((name for name in known if name.waiting), known[0] if known else None)
    unknown = _unknown(scanned, covered, registry)
    if unknown is None:
        ambiguous = next((name for name in names if name.code is None), None)
        if ambiguous is not None and chosen is None:
            unknown = scanned.span(ambiguous.start, ambiguous.end)
    return BlockedBy(
        reason=reason,
        agency=chosen.code if chosen is not None else None,
        named=codes,
        unknown=unknown,
    )


def _body_start(message: Message) -> int:
    """Where the reason starts: after "3 vướng:", "đang vướng mắc -", "khó khăn,"."""
    prefix = _LEAD_PREFIX.match(message.folded)
    at = prefix.end() if prefix is not None else 0
    lead = _LEAD.at(message, at)
    if lead is None:
        return 0
    end = lead.end()
    while end < len(message.text) and message.text[end] in " :-,;.\n":
        end += 1
    return end


def _typed_words_before(message: Message, position: int, count: int) -> list[str]:
    head = message.text[:position]
    words = re.findall(r"\w+", head.lower())
    return words[-count:]


def _names(
    message: Message, registry: AgencyRegistry, *, as_of: date | None
) -> tuple[list[_Named], list[tuple[int, int]]]:
    """Known agency names in the text, longest at each word, left to right (groups left
    out), and the spans of every name matched, groups included."""
    found: list[_Named] = []
    covered: list[tuple[int, int]] = []
    cursor = 0
    for word in _WORD_START.finditer(message.text):
        start = word.start()
        if start < cursor:
            continue
        length = registry.name_length(message.text[start : start + _LONGEST_NAME])
        if not length or not _is_agency_word(message, start):
            continue
        span = message.text[start : start + length]
        agency = registry.resolve(span, as_of=as_of)
        covered.append((start, start + length))
        if agency is not None and registry.is_group(agency.code):
            # A group names no one agency and does not hide one that starts inside it: read
            # without accents "có Sở Giáo dục …" is also the group "cơ sở giáo dục".
            continue
        cursor = start + length
        before = _typed_words_before(message, start, 3)
        waiting = any(word == w or word == fold(w) for word in before for w in _WAITING)
        found.append(_Named(agency.code if agency else None, start, start + length, waiting))
    return found, covered


def _is_agency_word(message: Message, start: int) -> bool:
    """Whether the word at `start` may open an agency's name: not "số", "cơ sở", "trụ sở"."""
    word = re.match(r"\w+", message.text[start:])
    assert word is not None
    typed = word.group().lower()
    if fold(typed) == "so" and typed not in ("sở", "so"):
        return False
    before = _typed_words_before(message, start, 1)
    return not (fold(typed) == "so" and before and before[0] in _NOT_AGENCY_BEFORE)


def _unknown(
    message: Message, known: list[tuple[int, int]], registry: AgencyRegistry
) -> str | None:
    """The first words shaped like an agency's name that match no known agency."""

    def covered(start: int) -> bool:
        return any(first <= start < last for first, last in known)

    candidates: list[tuple[int, str]] = []
    for head in _HEADS.finditer(message):
        start = head.start()
        typed = message.text[start : head.end()]
        if covered(start) or not _is_agency_word(message, start):
            continue
        if not typed[0].isupper() and fold(typed) not in _LOWER_CASE_HEADS:
            continue
        name = _name_from(message, start, head.end())
        if name is not None:
            candidates.append((start, name))
            break
    for acronym in _ACRONYM.finditer(message.text):
        start = acronym.start()
        if covered(start) or registry.name_length(acronym.group()):
            continue
        before = _typed_words_before(message, start, 2)
        if any(word == w or word == fold(w) for word in before for w in _WAITING):
            candidates.append((start, acronym.group()))
            break
    return min(candidates)[1] if candidates else None


def _name_from(message: Message, start: int, head_end: int) -> str | None:
    """The head and the words after it that still read as a name: "Sở Tài chánh"."""
    end = head_end
    count = 0
    for word in re.finditer(r"[^\W_]+", message.text[head_end:]):
        gap = message.text[end : head_end + word.start()]
        if gap.strip() or count >= _MAX_UNKNOWN_WORDS:
            break
        if fold(word.group()) in _NAME_STOPS and not word.group()[0].isupper():
            break
        end = head_end + word.end()
        count += 1
    if count == 0:
        return None
    return message.text[start:end]
