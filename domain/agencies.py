"""The agencies the plans name, and how a cell of free text maps onto them.

Cells in the source documents name agencies loosely: "Sở TTTT", "Sở giáo dục và Đào tạo",
"Cục Tin học hoá – Bộ Thông tin và Truyền Thông", "UBND quận Hồng Bàng", several names in one
cell separated by ",", ";", "và" or bullets, and names that themselves contain commas and "và"
("Sở Lao động, Thương binh và Xã hội", "Các Sở, ngành, đơn vị, địa phương có liên quan").
Matching therefore works on folded word tokens, ignores punctuation, and takes the longest
known name at each position; separators only matter for cutting the text that matched nothing
into fragments, which are reported verbatim and never dropped.

Bodies come and go (the 2025 reorganisation merged departments and abolished the districts),
so an agency may carry the dates it existed and its successors. Every lookup takes an
optional `as_of` day: a name shared by bodies of different periods picks the one that existed
then, groups expand to the members of that day, and a body that had already ceased is still
returned, with a `Succession` note naming who took its work over.
"""

import copy
import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from domain.text import clean, fold

# Catch-all groups ("Các Sở, ban, ngành", "Nhà đầu tư") carry this code prefix.
CATCH_ALL_PREFIX = "GRP-"


@dataclass(frozen=True)
class Agency:
    """One body named by the documents; groups (GRP-*, UBND-QUAN-HUYEN, …) are agencies too.

    `valid_from`/`valid_to` are the first and last day the body existed (None: open-ended).
    `successors` took its work over from the day after `valid_to`: one successor is a merger
    or a rename, several are a split whose `successor_scopes` say which part of the work
    (a domain, a territory) each one took.
    """

    code: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()
    successors: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    successor_scopes: tuple[tuple[str, str], ...] = ()
    # The act behind the body's history ("45/2025/NĐ-CP"), for the people who read it.
    source: str | None = None

    def exists_on(self, day: date) -> bool:
        """Whether the body existed on that day."""
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_to is None or day <= self.valid_to)

    def ended_before(self, day: date) -> bool:
        """Whether the body had ceased to exist by that day."""
        return self.valid_to is not None and self.valid_to < day


@dataclass(frozen=True)
class Succession:
    """What became of a body that had ceased to exist by a given day.

    `successors` are the bodies holding its work on that day (chains of mergers followed);
    none means it was dissolved without a successor. More than one means the work was split
    and a coordinator must choose; `scopes` pair a successor with the part it took over.
    """

    code: str
    ended: date
    successors: tuple[str, ...] = ()
    scopes: tuple[tuple[str, str], ...] = ()

    @property
    def needs_decision(self) -> bool:
        """Whether a coordinator must choose among several successors."""
        return len(self.successors) > 1


@dataclass(frozen=True)
class Resolution:
    """What a cell naming one or more agencies resolves to.

    `codes` are the agencies to contact, with groups expanded to their members (a group with
    no known members stands for itself); `named` are the codes as written, before expansion;
    `scopes` pair a named code with the words the cell attached to it ("(các khu vực còn lại
    trên địa bàn thành phố)", "chủ trì thí điểm trong lĩnh vực du lịch"); `succeeded` notes,
    when the cell was read as of a day, the named bodies that had ceased by then.
    """

    codes: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    scopes: tuple[tuple[str, str], ...] = ()
    succeeded: tuple[Succession, ...] = ()


@dataclass(frozen=True)
class _Token:
    key: str
    start: int
    end: int
    depth: int
    # The word's diacritics, sorted: "Giàng" and "Giang" fold alike but differ here.
    marks: str = ""


@dataclass
class _Node:
    children: dict[str, "_Node"] = field(default_factory=dict)
    codes: tuple[str, ...] = ()
    marks: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Piece:
    """A run of tokens [first, last) that matched a name (codes) or nothing (codes empty)."""

    first: int
    last: int
    codes: tuple[str, ...]


_WORD = re.compile(r"\w+|&")
# Abbreviations written in the documents, expanded so "UBND TP" and "Ủy ban nhân dân thành
# phố" produce the same tokens.
_EXPANSIONS: dict[str, tuple[str, ...]] = {
    "ubnd": ("uy", "ban", "nhan", "dan"),
    "hdnd": ("hoi", "dong", "nhan", "dan"),
    "tp": ("thanh", "pho"),
    "bql": ("ban", "quan", "ly"),
    "bqlda": ("ban", "quan", "ly", "du", "an"),
    "kkt": ("khu", "kinh", "te"),
    "nhnn": ("ngan", "hang", "nha", "nuoc"),
    "cn": ("chi", "nhanh"),
    "vp": ("van", "phong"),
    "&": ("va",),
}
# Words that carry no agency on their own: a fragment made only of these is neither a name
# nor an unresolved agency.
_NOISE = {
    "",
    "cac",
    "va",
    "khac",
    "co lien quan",
    "lien quan",
    "cac co lien quan",
    "chu tri",
    "phoi hop",
    "thanh pho",
    "nhom",
}
_BULLET_GAP = re.compile(r"(?:^|[\n;,.:])\s*[-+•*]\s")
_HARD_SEPARATOR = re.compile(r"[,;\n]|\.\s")


def _tokens(text: str) -> list[_Token]:
    depth = 0
    position = 0
    found: list[_Token] = []
    for match in _WORD.finditer(text):
        start = match.start()
        if start > position:
            gap = text[position:start]
            depth = max(0, depth + gap.count("(") - gap.count(")"))
        position = match.end()
        keys, marks = _word_keys(match.group())
        for key in keys:
            found.append(_Token(key, start, position, depth, marks))
    return found


@lru_cache(maxsize=65_536)
def _word_keys(word: str) -> tuple[tuple[str, ...], str]:
    """A word's folded keys (an abbreviation's expansion) and its marks.

    Folding is most of the time a lookup takes, and documents repeat their words, so each
    distinct word is folded once.
    """
    folded = fold(word)
    expansion = _EXPANSIONS.get(folded)
    return (expansion or (folded,)), ("" if expansion else _marks(word))


def _marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    marks = [ch for ch in decomposed if unicodedata.category(ch) == "Mn"]
    return "".join(sorted(marks)) + ("đ" if "đ" in decomposed else "")


def _name_tokens(text: str) -> list[_Token]:
    return _tokens(unicodedata.normalize("NFC", text))


def _keys(text: str) -> tuple[str, ...]:
    return tuple(token.key for token in _name_tokens(text))


def _initialisms(name: str) -> list[tuple[str, ...]]:
    """Short forms of a department name: "Sở TTTT", "Sở TT&TT", "STTTT" for Sở Thông tin và…"""
    keys = _keys(name)
    if len(keys) < 2 or keys[0] not in ("so", "bo"):
        return []
    head, words = keys[0], keys[1:]
    parts: list[str] = []
    current = ""
    for word in words:
        if word == "va":
            parts.append(current)
            current = ""
        else:
            current += word[0]
    parts.append(current)
    joined = "".join(parts)
    forms = [(head, joined), (head[0] + joined,)]
    if len(parts) > 1 and all(parts):
        spaced: list[str] = [head]
        for index, part in enumerate(parts):
            if index:
                spaced.append("va")
            spaced.append(part)
        forms.append(tuple(spaced))
    return forms


class AgencyRegistry:
    """Every known agency, with fuzzy lookup of names and of cells naming several of them."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self._agencies: list[Agency] = list(agencies)
        # The day lookups without an `as_of` of their own are read on (see `on`).
        self._day: date | None = None
        self._by_code: dict[str, Agency] = {agency.code: agency for agency in self._agencies}
        self._targets: set[str] = {code for a in self._agencies for code in a.member_of}
        self._root = _Node()
        generated: dict[tuple[str, ...], set[str]] = {}
        for agency in self._agencies:
            names = [agency.name, *agency.aliases]
            for name in [*names, agency.code.replace("-", " ")]:
                tokens = _name_tokens(name)
                self._add(tuple(t.key for t in tokens), tuple(t.marks for t in tokens), agency)
            for name in names:
                for form in _initialisms(name):
                    generated.setdefault(form, set()).add(agency.code)
        # A made-up short form that two agencies of one period share ("Sở NV": Nội vụ, Ngoại
        # vụ) means nothing; shared across periods ("Sở VHTT&DL" of 2023 and of 2025) it
        # names each in its time.
        for form, codes in generated.items():
            for agency in (self._by_code[code] for code in codes):
                if not any(_overlap(agency, self._by_code[o]) for o in codes - {agency.code}):
                    self._add(form, ("",) * len(form), agency)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> "AgencyRegistry":
        """Build from rows with the columns of agencies.csv.

        Raises ValueError for a malformed history column (run `row_problems` first for
        messages tied to a line).
        """
        agencies: list[Agency] = []
        for row in rows:
            if not row.get("short_code", "").strip():
                continue
            problems = row_problems(row)
            if problems:
                raise ValueError(problems[0])
            agencies.append(
                Agency(
                    code=row["short_code"].strip(),
                    name=clean(row["canonical_name"]),
                    kind=row.get("kind", "").strip(),
                    aliases=_split_list(row.get("aliases", "")),
                    member_of=_split_list(row.get("member_of", "")),
                    successors=_split_list(row.get("successor") or ""),
                    valid_from=_date(row.get("valid_from") or ""),
                    valid_to=_date(row.get("valid_to") or ""),
                    successor_scopes=_scopes(row.get("successor_scopes") or ""),
                    source=clean(row.get("source") or "") or None,
                )
            )
        return cls(agencies)

    @classmethod
    def from_csv(cls, source: str | Path | TextIO) -> "AgencyRegistry":
        """Build from agencies.csv, given as a path or an open text stream."""
        if isinstance(source, str | Path):
            with Path(source).open(encoding="utf-8-sig", newline="") as handle:
                return cls.from_rows(csv.DictReader(handle))
        return cls.from_rows(csv.DictReader(source))

    def on(self, day: date | None) -> "AgencyRegistry":
        """This registry read as of `day`: every lookup given no `as_of` of its own uses it.

        A document is read on its own date, so its names mean the bodies of its time; the
        view shares everything else with this registry.
        """
        view = copy.copy(self)
        view._day = day
        return view

    @property
    def day(self) -> date | None:
        """The day lookups are read on by default (None: across every period)."""
        return self._day

    def __iter__(self) -> Iterator[Agency]:
        return iter(self._agencies)

    def __len__(self) -> int:
        return len(self._agencies)

    def get(self, code: str) -> Agency | None:
        """The agency with this short code, if any."""
        return self._by_code.get(code)

    def agencies_on(self, day: date) -> list[Agency]:
        """The agencies (groups included) that existed on that day, in registry order."""
        return [agency for agency in self._agencies if agency.exists_on(day)]

    def is_group(self, code: str) -> bool:
        """Whether the code stands for a set of agencies (GRP-* or a member_of target)."""
        return code.startswith("GRP-") or code in self._targets

    def members(self, group_code: str, *, as_of: date | None = None) -> list[Agency]:
        """The agencies in a group, nested groups expanded, in registry order.

        With `as_of`, only the members that existed that day; a group that had already
        ceased gives the members it had on its last day.
        """
        as_of = self._day if as_of is None else as_of
        group = self._by_code.get(group_code)
        if as_of is not None and group is not None and group.ended_before(as_of):
            as_of = group.valid_to
        found: list[Agency] = []
        self._collect(group_code, found, {group_code}, as_of)
        return found

    def names_nobody(self, code: str) -> bool:
        """Whether a code is a catch-all group with nobody in it on the registry's day ("Nhà
        đầu tư", "các cơ quan có liên quan"): no one can be assigned or reminded as it."""
        return code.startswith(CATCH_ALL_PREFIX) and not self.members(code)

    def succession(self, code: str, *, on: date) -> Succession | None:
        """Who held a body's work on `on`, if the body had ceased by then (else None)."""
        agency = self._by_code.get(code)
        if agency is None or agency.valid_to is None or not agency.ended_before(on):
            return None
        found: dict[str, list[str]] = {}
        self._follow(agency, on=on, scope=None, found=found, seen={code})
        return Succession(
            code=code,
            ended=agency.valid_to,
            successors=tuple(found),
            scopes=tuple((successor, "; ".join(t)) for successor, t in found.items() if t),
        )

    def problems(self) -> list[str]:
        """What is inconsistent across rows: unknown or circular successors, bad periods."""
        found: list[str] = []
        for agency in self._agencies:
            for successor in agency.successors:
                if successor not in self._by_code:
                    found.append(f"{agency.code}: successor {successor} is not in the registry")
            if agency.successors and agency.valid_to is None:
                found.append(f"{agency.code}: has a successor but no valid_to")
            if self._circular(agency.code, agency.successors, {agency.code}):
                found.append(f"{agency.code}: its successors lead back to it")
        return found

    def resolve(self, name: str, *, as_of: date | None = None) -> Agency | None:
        """The one agency a name denotes, tolerating spelling variants, or None.

        With `as_of`, a name several bodies bore means the one existing that day; a body that
        had already ceased is still returned (see `succession`).
        """
        as_of = self._day if as_of is None else as_of
        tokens, pieces = self._scan(name, as_of=as_of)
        matches = [piece for piece in pieces if piece.codes]
        if len(matches) != 1 or len(matches[0].codes) != 1:
            return None
        text = unicodedata.normalize("NFC", name)
        for piece in pieces:
            outside = not piece.codes and tokens[piece.first].depth == 0
            if outside and fold(_span(text, tokens, piece)) not in _NOISE:
                return None
        return self._by_code[matches[0].codes[0]]

    def split_cell(self, text: str) -> list[str]:
        """The agency names in a cell, verbatim, in order, without breaking names at commas."""
        return [part for part, _ in self._parts(text, as_of=None)]

    def resolve_cell(self, text: str, *, as_of: date | None = None) -> Resolution:
        """Agency codes (groups expanded), groups used and unresolved fragments of a cell.

        `as_of` (the document's date) picks among bodies of different periods, expands groups
        to that day's members and notes in `succeeded` the named bodies that had ceased.
        """
        as_of = self._day if as_of is None else as_of
        named: list[str] = []
        unresolved: list[str] = []
        scopes: list[tuple[str, str]] = []
        for part, codes in self._parts(text, as_of=as_of, with_scopes=scopes):
            if codes:
                named.extend(code for code in codes if code not in named)
            else:
                unresolved.append(part)
        return self._expand(named, unresolved, scopes, as_of=as_of)

    def leading(
        self, text: str, *, start: int = 0, as_of: date | None = None
    ) -> tuple[Resolution, int]:
        """The run of agency names at the start of `text[start:]` and where that run ends.

        Names may be separated by ",", ";", ":", "-" or "và"; the run stops at the first word
        that is not part of a name, so "Sở Xây dựng chủ trì, phối hợp…" yields SXD and the
        index of "chủ trì". `as_of` works as in `resolve_cell`.
        """
        as_of = self._day if as_of is None else as_of
        text = unicodedata.normalize("NFC", text)
        tokens, pieces = self._scan(text, as_of=as_of)
        named: list[str] = []
        end = cursor = start
        for piece in pieces:
            first = tokens[piece.first]
            if first.start < start:
                continue
            if text[cursor : first.start].strip(" ,;:-–\n\t"):
                break
            cursor = tokens[piece.last - 1].end
            if piece.codes:
                named.extend(code for code in piece.codes if code not in named)
                end = cursor
            elif fold(_span(text, tokens, piece)) not in ("va", "cac"):
                break
        return self._expand(named, [], [], as_of=as_of), end

    def name_length(self, text: str) -> int:
        """How many characters of `text` the longest name starting at its first word covers."""
        text = unicodedata.normalize("NFC", text)
        tokens, pieces = self._scan(text, as_of=None)
        if not pieces or not pieces[0].codes or pieces[0].first != 0:
            return 0
        return tokens[pieces[0].last - 1].end

    def _expand(
        self,
        named: Sequence[str],
        unresolved: Sequence[str],
        scopes: Sequence[tuple[str, str]],
        *,
        as_of: date | None,
    ) -> Resolution:
        codes: list[str] = []
        groups: list[str] = []
        succeeded: list[Succession] = []
        for code in named:
            if self.is_group(code):
                groups.append(code)
                members = self.members(code, as_of=as_of)
                expanded = [member.code for member in members] or [code]
            else:
                expanded = [code]
            codes.extend(member for member in expanded if member not in codes)
            note = None if as_of is None else self.succession(code, on=as_of)
            if note is not None:
                succeeded.append(note)
        return Resolution(
            codes=tuple(codes),
            named=tuple(named),
            groups=tuple(groups),
            unresolved=tuple(unresolved),
            scopes=tuple(scopes),
            succeeded=tuple(succeeded),
        )

    def _collect(
        self, group_code: str, found: list[Agency], seen: set[str], day: date | None
    ) -> None:
        for agency in self._agencies:
            if group_code not in agency.member_of or agency.code in seen:
                continue
            if day is not None and not agency.exists_on(day):
                continue
            seen.add(agency.code)
            if agency.code in self._targets:
                self._collect(agency.code, found, seen, day)
            else:
                found.append(agency)

    def _follow(
        self,
        agency: Agency,
        *,
        on: date,
        scope: str | None,
        found: dict[str, list[str]],
        seen: set[str],
    ) -> None:
        own = dict(agency.successor_scopes)
        for code in agency.successors:
            # A successor's part of the work stays with whoever later took that successor over.
            note = own.get(code) or scope
            successor = self._by_code.get(code)
            if successor is not None and successor.ended_before(on):
                if code not in seen:
                    self._follow(successor, on=on, scope=note, found=found, seen=seen | {code})
                continue
            notes = found.setdefault(code, [])
            if note and note not in notes:
                notes.append(note)

    def _circular(self, origin: str, successors: Iterable[str], seen: set[str]) -> bool:
        for code in successors:
            if code == origin:
                return True
            successor = self._by_code.get(code)
            if (
                successor is not None
                and code not in seen
                and self._circular(origin, successor.successors, seen | {code})
            ):
                return True
        return False

    def _add(self, keys: tuple[str, ...], marks: tuple[str, ...], agency: Agency) -> None:
        if not keys:
            return
        node = self._root
        for key in keys:
            node = node.children.setdefault(key, _Node())
        if agency.code not in node.codes:
            node.codes = (*node.codes, agency.code)
        node.marks.setdefault(agency.code, set()).add(marks)

    def _scan(self, text: str, *, as_of: date | None) -> tuple[list[_Token], list[_Piece]]:
        text = unicodedata.normalize("NFC", text)
        tokens = _tokens(text)
        pieces: list[_Piece] = []
        index = 0
        while index < len(tokens):
            end, codes = self._longest(tokens, index, as_of=as_of)
            if codes:
                pieces.append(_Piece(index, end, codes))
                index = end
                continue
            if pieces and not pieces[-1].codes and not _separated(text, tokens, index):
                pieces[-1] = _Piece(pieces[-1].first, index + 1, ())
            else:
                pieces.append(_Piece(index, index + 1, ()))
            index += 1
        return tokens, pieces

    def _longest(
        self, tokens: Sequence[_Token], index: int, *, as_of: date | None
    ) -> tuple[int, tuple[str, ...]]:
        node = self._root
        best_end, best = index, None
        position = index
        while position < len(tokens) and tokens[position].key in node.children:
            node = node.children[tokens[position].key]
            position += 1
            # An expanded abbreviation ("UBND") must be matched whole, never half.
            whole = position == len(tokens) or tokens[position].start != tokens[position - 1].start
            if node.codes and whole:
                best_end, best = position, node
        if best is None:
            return index, ()
        return best_end, self._pick(best, tokens[index:best_end], as_of=as_of)

    def _pick(self, node: _Node, span: Sequence[_Token], *, as_of: date | None) -> tuple[str, ...]:
        """Of the bodies bearing one name, those the date and the written diacritics mean."""
        codes = list(node.codes)
        if as_of is not None and len(codes) > 1:
            agencies = [self._by_code[code] for code in codes]
            existing = [a.code for a in agencies if a.exists_on(as_of)]
            ended = [a.code for a in agencies if a.ended_before(as_of)]
            codes = existing or ended or codes
        # Folding makes "xã Cẩm Giang" and "xã Cẩm Giàng" one name; text written with
        # diacritics tells them apart, text without them cannot.
        if len(codes) > 1 and any(token.marks for token in span):

            def agreement(code: str) -> int:
                return max(
                    sum(mark == token.marks for mark, token in zip(marks, span, strict=False))
                    for marks in node.marks[code]
                )

            best = max(agreement(code) for code in codes)
            codes = [code for code in codes if agreement(code) == best]
        return tuple(codes)

    def _parts(
        self,
        text: str,
        *,
        as_of: date | None,
        with_scopes: list[tuple[str, str]] | None = None,
    ) -> list[tuple[str, tuple[str, ...]]]:
        text = unicodedata.normalize("NFC", text)
        tokens, pieces = self._scan(text, as_of=as_of)
        # Words that matched nothing but touch a name (no separator between) describe it:
        # "(các khu vực còn lại…)", "Cảng biển:", "chủ trì thí điểm…".
        owner: list[int | None] = [None] * len(pieces)
        for index, piece in enumerate(pieces):
            if piece.codes:
                continue
            before = index - 1 if index and pieces[index - 1].codes else None
            after = index + 1 if index + 1 < len(pieces) and pieces[index + 1].codes else None
            inside = tokens[piece.first].depth > 0
            if before is not None and (inside or not _separated(text, tokens, piece.first)):
                owner[index] = before
            elif after is not None and not _separated(text, tokens, pieces[after].first):
                owner[index] = after
        parts: list[tuple[str, tuple[str, ...]]] = []
        for index, piece in enumerate(pieces):
            words = _span(text, tokens, piece)
            if piece.codes:
                attached = [pieces[other] for other in range(len(pieces)) if owner[other] == index]
                first = min([piece, *attached], key=lambda p: p.first).first
                last = max([piece, *attached], key=lambda p: p.last).last
                parts.append((_span(text, tokens, _Piece(first, last, ())), piece.codes))
                if with_scopes is not None:
                    for note in attached:
                        scope = _span(text, tokens, note)
                        if fold(scope) not in _NOISE:
                            with_scopes.extend((code, scope) for code in piece.codes)
            elif (
                owner[index] is None
                and tokens[piece.first].depth == 0
                and fold(words) not in _NOISE
            ):
                parts.append((words, ()))
        return parts


def _separated(text: str, tokens: Sequence[_Token], index: int) -> bool:
    """Whether a separator stands between token `index` and the token before it."""
    if index == 0:
        return True
    gap = text[tokens[index - 1].end : tokens[index].start]
    if tokens[index].key == "va" or tokens[index - 1].key == "va":
        return tokens[index].start != tokens[index - 1].start
    if tokens[index].depth != tokens[index - 1].depth or tokens[index].depth > 0:
        # A parenthetical note is one piece however many commas it holds.
        return False
    return bool(_HARD_SEPARATOR.search(gap) or _BULLET_GAP.search(gap))


def _span(text: str, tokens: Sequence[_Token], piece: _Piece) -> str:
    start, end = tokens[piece.first].start, tokens[piece.last - 1].end
    # Keep the closing parenthesis of a name such as "… Quân đội (Viettel)".
    if text[start:end].count("(") > text[start:end].count(")") and text[end : end + 1] == ")":
        end += 1
    return clean(text[start:end])


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(clean(item) for item in value.split(";") if item.strip())


def _date(value: str) -> date | None:
    return date.fromisoformat(value.strip()) if value.strip() else None


def _scopes(value: str) -> tuple[tuple[str, str], ...]:
    pairs = (item.partition(":") for item in _split_list(value))
    return tuple((code.strip(), clean(text)) for code, _, text in pairs)


def _overlap(first: Agency, second: Agency) -> bool:
    """Whether two bodies existed at the same time (open-ended periods reach forever)."""
    return not (
        _ends_before(first.valid_to, second.valid_from)
        or _ends_before(second.valid_to, first.valid_from)
    )


def _ends_before(end: date | None, start: date | None) -> bool:
    return end is not None and start is not None and end < start


def row_problems(row: Mapping[str, str]) -> list[str]:
    """What is wrong with the history columns of one registry row (empty when nothing is)."""
    code = (row.get("short_code") or "").strip()
    found: list[str] = []
    periods: dict[str, date | None] = {}
    for column in ("valid_from", "valid_to"):
        value = (row.get(column) or "").strip()
        try:
            periods[column] = _date(value)
        except ValueError:
            found.append(f"{code}: {column} «{value}» is not a date written YYYY-MM-DD")
    start, end = periods.get("valid_from"), periods.get("valid_to")
    if start is not None and end is not None and end < start:
        found.append(f"{code}: valid_to {end} is before valid_from {start}")
    successors = _split_list(row.get("successor") or "")
    for item in _split_list(row.get("successor_scopes") or ""):
        scoped, colon, text = item.partition(":")
        if not colon or not text.strip():
            found.append(f"{code}: successor_scopes item «{item}» is not written CODE: scope")
        elif scoped.strip() not in successors:
            found.append(f"{code}: successor_scopes names {scoped.strip()}, not a successor")
    return found


def combine(resolutions: Iterable[Resolution]) -> Resolution:
    """Several resolutions as one, order kept and codes de-duplicated."""
    parts = list(resolutions)

    def merged(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(values))

    return Resolution(
        codes=merged(code for part in parts for code in part.codes),
        named=merged(code for part in parts for code in part.named),
        groups=merged(code for part in parts for code in part.groups),
        unresolved=tuple(fragment for part in parts for fragment in part.unresolved),
        scopes=tuple(scope for part in parts for scope in part.scopes),
        succeeded=tuple(dict.fromkeys(note for part in parts for note in part.succeeded)),
    )


@dataclass(frozen=True)
class SuccessionPlan:
    """Where the open work of bodies that had ceased by a day should go.

    `moves` have one successor each and can be applied as they stand; `decisions` are splits
    a coordinator must settle by choosing among the successors; `dissolved` had no successor
    (the work must be reassigned by hand or closed); `current` still existed; `unknown` are
    codes the registry does not hold.
    """

    on: date
    moves: tuple[Succession, ...] = ()
    decisions: tuple[Succession, ...] = ()
    dissolved: tuple[Succession, ...] = ()
    current: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()


def plan_succession(registry: AgencyRegistry, *, codes: Iterable[str], on: date) -> SuccessionPlan:
    """Sort the agency codes of open assignments by what their succession on `on` requires."""
    moves: list[Succession] = []
    decisions: list[Succession] = []
    dissolved: list[Succession] = []
    current: list[str] = []
    unknown: list[str] = []
    for code in dict.fromkeys(codes):
        note = registry.succession(code, on=on)
        if registry.get(code) is None:
            unknown.append(code)
        elif note is None:
            current.append(code)
        elif not note.successors:
            dissolved.append(note)
        elif note.needs_decision:
            decisions.append(note)
        else:
            moves.append(note)
    return SuccessionPlan(
        on=on,
        moves=tuple(moves),
        decisions=tuple(decisions),
        dissolved=tuple(dissolved),
        current=tuple(current),
        unknown=tuple(unknown),
    )
