"""The agencies the plans name, and how a cell of free text maps onto them.

Cells in the source documents name agencies loosely: "Sở TTTT", "Sở giáo dục và Đào tạo",
"Cục Tin học hoá – Bộ Thông tin và Truyền Thông", "UBND quận Hồng Bàng", several names in one
cell separated by ",", ";", "và" or bullets, and names that themselves contain commas and "và"
("Sở Lao động, Thương binh và Xã hội", "Các Sở, ngành, đơn vị, địa phương có liên quan").
Matching therefore works on folded word tokens, ignores punctuation, and takes the longest
known name at each position; separators only matter for cutting the text that matched nothing
into fragments, which are reported verbatim and never dropped.
"""

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from domain.text import clean, fold


@dataclass(frozen=True)
class Agency:
    """One body named by the documents; groups (GRP-*, UBND-QUAN-HUYEN, …) are agencies too."""

    code: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    member_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    """What a cell naming one or more agencies resolves to.

    `codes` are the agencies to contact, with groups expanded to their members (a group with
    no known members stands for itself); `named` are the codes as written, before expansion;
    `scopes` pair a named code with the words the cell attached to it ("(các khu vực còn lại
    trên địa bàn thành phố)", "chủ trì thí điểm trong lĩnh vực du lịch").
    """

    codes: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()
    scopes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Token:
    key: str
    start: int
    end: int
    depth: int


@dataclass
class _Node:
    children: dict[str, "_Node"] = field(default_factory=dict)
    codes: tuple[str, ...] = ()


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
        gap = text[position : match.start()]
        depth = max(0, depth + gap.count("(") - gap.count(")"))
        position = match.end()
        for key in _EXPANSIONS.get(fold(match.group()), (fold(match.group()),)):
            found.append(_Token(key, match.start(), match.end(), depth))
    return found


def _keys(text: str) -> tuple[str, ...]:
    return tuple(token.key for token in _tokens(unicodedata.normalize("NFC", text)))


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
        self._by_code: dict[str, Agency] = {agency.code: agency for agency in self._agencies}
        self._targets: set[str] = {code for a in self._agencies for code in a.member_of}
        self._root = _Node()
        generated: dict[tuple[str, ...], set[str]] = {}
        for agency in self._agencies:
            names = [agency.name, *agency.aliases]
            for name in [*names, agency.code.replace("-", " ")]:
                self._add(_keys(name), agency.code)
            for name in names:
                for form in _initialisms(name):
                    generated.setdefault(form, set()).add(agency.code)
        # A made-up short form that two agencies share ("Sở NV": Nội vụ, Ngoại vụ) means nothing.
        for form, codes in generated.items():
            if len(codes) == 1:
                self._add(form, codes.pop())

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> "AgencyRegistry":
        """Build from rows with the columns of agencies.csv."""
        return cls(
            Agency(
                code=row["short_code"].strip(),
                name=clean(row["canonical_name"]),
                kind=row.get("kind", "").strip(),
                aliases=_split_list(row.get("aliases", "")),
                member_of=_split_list(row.get("member_of", "")),
            )
            for row in rows
            if row.get("short_code", "").strip()
        )

    @classmethod
    def from_csv(cls, source: str | Path | TextIO) -> "AgencyRegistry":
        """Build from agencies.csv, given as a path or an open text stream."""
        if isinstance(source, str | Path):
            with Path(source).open(encoding="utf-8-sig", newline="") as handle:
                return cls.from_rows(csv.DictReader(handle))
        return cls.from_rows(csv.DictReader(source))

    def __iter__(self) -> Iterator[Agency]:
        return iter(self._agencies)

    def __len__(self) -> int:
        return len(self._agencies)

    def get(self, code: str) -> Agency | None:
        """The agency with this short code, if any."""
        return self._by_code.get(code)

    def is_group(self, code: str) -> bool:
        """Whether the code stands for a set of agencies (GRP-* or a member_of target)."""
        return code.startswith("GRP-") or code in self._targets

    def members(self, group_code: str) -> list[Agency]:
        """The agencies in a group, nested groups expanded, in registry order."""
        found: list[Agency] = []
        self._collect(group_code, found, {group_code})
        return found

    def resolve(self, name: str) -> Agency | None:
        """The one agency a name denotes, tolerating spelling variants, or None."""
        tokens, pieces = self._scan(name)
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
        return [part for part, _ in self._parts(text)]

    def resolve_cell(self, text: str) -> Resolution:
        """Agency codes (groups expanded), groups used and unresolved fragments of a cell."""
        named: list[str] = []
        unresolved: list[str] = []
        scopes: list[tuple[str, str]] = []
        for part, codes in self._parts(text, with_scopes=scopes):
            if codes:
                named.extend(code for code in codes if code not in named)
            else:
                unresolved.append(part)
        return self._expand(named, unresolved, scopes)

    def leading(self, text: str, *, start: int = 0) -> tuple[Resolution, int]:
        """The run of agency names at the start of `text[start:]` and where that run ends.

        Names may be separated by ",", ";", ":", "-" or "và"; the run stops at the first word
        that is not part of a name, so "Sở Xây dựng chủ trì, phối hợp…" yields SXD and the
        index of "chủ trì".
        """
        text = unicodedata.normalize("NFC", text)
        tokens, pieces = self._scan(text)
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
        return self._expand(named, [], []), end

    def name_length(self, text: str) -> int:
        """How many characters of `text` the longest name starting at its first word covers."""
        text = unicodedata.normalize("NFC", text)
        tokens, pieces = self._scan(text)
        if not pieces or not pieces[0].codes or pieces[0].first != 0:
            return 0
        return tokens[pieces[0].last - 1].end

    def _expand(
        self, named: Sequence[str], unresolved: Sequence[str], scopes: Sequence[tuple[str, str]]
    ) -> Resolution:
        codes: list[str] = []
        groups: list[str] = []
        for code in named:
            if self.is_group(code):
                groups.append(code)
                expanded = [member.code for member in self.members(code)] or [code]
            else:
                expanded = [code]
            codes.extend(member for member in expanded if member not in codes)
        return Resolution(
            codes=tuple(codes),
            named=tuple(named),
            groups=tuple(groups),
            unresolved=tuple(unresolved),
            scopes=tuple(scopes),
        )

    def _collect(self, group_code: str, found: list[Agency], seen: set[str]) -> None:
        for agency in self._agencies:
            if group_code not in agency.member_of or agency.code in seen:
                continue
            seen.add(agency.code)
            if agency.code in self._targets:
                self._collect(agency.code, found, seen)
            else:
                found.append(agency)

    def _add(self, keys: tuple[str, ...], code: str) -> None:
        if not keys:
            return
        node = self._root
        for key in keys:
            node = node.children.setdefault(key, _Node())
        if code not in node.codes:
            node.codes = (*node.codes, code)

    def _scan(self, text: str) -> tuple[list[_Token], list[_Piece]]:
        text = unicodedata.normalize("NFC", text)
        tokens = _tokens(text)
        pieces: list[_Piece] = []
        index = 0
        while index < len(tokens):
            end, codes = self._longest(tokens, index)
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

    def _longest(self, tokens: Sequence[_Token], index: int) -> tuple[int, tuple[str, ...]]:
        node = self._root
        best_end, best_codes = index, tuple[str, ...]()
        position = index
        while position < len(tokens) and tokens[position].key in node.children:
            node = node.children[tokens[position].key]
            position += 1
            # An expanded abbreviation ("UBND") must be matched whole, never half.
            whole = position == len(tokens) or tokens[position].start != tokens[position - 1].start
            if node.codes and whole:
                best_end, best_codes = position, node.codes
        return best_end, best_codes

    def _parts(
        self, text: str, *, with_scopes: list[tuple[str, str]] | None = None
    ) -> list[tuple[str, tuple[str, ...]]]:
        text = unicodedata.normalize("NFC", text)
        tokens, pieces = self._scan(text)
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
    )
