"""Reading the document an officer cites as evidence: "đã ban hành Kế hoạch số 123/KH-STTTT
ngày 05/6/2023", "QĐ số 45/QĐ-UBND ngày 1/2/2026", "Công văn 1234/SNV-TCBM".

An administrative document is cited by its number and symbol ("số và ký hiệu", Nghị định
30/2020/NĐ-CP): the number, an optional year ("15/2026/QĐ-UBND" for legal documents), then the
symbol. The symbol starts with the type's abbreviation and the issuer's ("KH-STTTT": Kế hoạch
of Sở TTTT, "QĐ-UBND"), except for an official letter, whose symbol is the issuer's
abbreviation then the drafting unit's ("SNV-TCBM"). So the type comes from the word before
the number ("Kế hoạch", "KH", "QĐ") or, failing that, from the symbol, and the issuer from
the symbol.

A reference needs a symbol: "số 15/2026", "KH 123" and "2/3 xã" are not references. The date
is read only right after the symbol ("ngày 05/6/2023", "ngày 12 tháng 3 năm 2026"); a date
without a year takes the year in the number, else the latest such day up to `today`, else
none. Nothing else is guessed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.dates import DateForm, find_dates
from domain.text import fold
from domain.wording import Message, Phrases
from locales import N_


class DocumentKind(StrEnum):
    """The type of an administrative document; stored as its value."""

    KE_HOACH = "ke_hoach"
    QUYET_DINH = "quyet_dinh"
    CONG_VAN = "cong_van"
    BAO_CAO = "bao_cao"
    THONG_BAO = "thong_bao"
    TO_TRINH = "to_trinh"
    CHI_THI = "chi_thi"
    NGHI_QUYET = "nghi_quyet"
    HUONG_DAN = "huong_dan"
    NGHI_DINH = "nghi_dinh"
    THONG_TU = "thong_tu"
    CHUONG_TRINH = "chuong_trinh"
    DE_AN = "de_an"
    GIAY_MOI = "giay_moi"
    BIEN_BAN = "bien_ban"
    KET_LUAN = "ket_luan"
    CONG_DIEN = "cong_dien"
    QUY_CHE = "quy_che"
    VAN_BAN = "van_ban"


# Each kind's name, as a msgid: the Vietnamese name is also how the document is shown.
KIND_NAMES: dict[DocumentKind, str] = {
    DocumentKind.KE_HOACH: N_("Kế hoạch"),
    DocumentKind.QUYET_DINH: N_("Quyết định"),
    DocumentKind.CONG_VAN: N_("Công văn"),
    DocumentKind.BAO_CAO: N_("Báo cáo"),
    DocumentKind.THONG_BAO: N_("Thông báo"),
    DocumentKind.TO_TRINH: N_("Tờ trình"),
    DocumentKind.CHI_THI: N_("Chỉ thị"),
    DocumentKind.NGHI_QUYET: N_("Nghị quyết"),
    DocumentKind.HUONG_DAN: N_("Hướng dẫn"),
    DocumentKind.NGHI_DINH: N_("Nghị định"),
    DocumentKind.THONG_TU: N_("Thông tư"),
    DocumentKind.CHUONG_TRINH: N_("Chương trình"),
    DocumentKind.DE_AN: N_("Đề án"),
    DocumentKind.GIAY_MOI: N_("Giấy mời"),
    DocumentKind.BIEN_BAN: N_("Biên bản"),
    DocumentKind.KET_LUAN: N_("Kết luận"),
    DocumentKind.CONG_DIEN: N_("Công điện"),
    DocumentKind.QUY_CHE: N_("Quy chế"),
    DocumentKind.VAN_BAN: N_("Văn bản"),
}
_NAME_WORDS: dict[str, DocumentKind] = {
    "kế hoạch": DocumentKind.KE_HOACH,
    "quyết định": DocumentKind.QUYET_DINH,
    "công văn": DocumentKind.CONG_VAN,
    "báo cáo": DocumentKind.BAO_CAO,
    "thông báo": DocumentKind.THONG_BAO,
    "thông báo kết luận": DocumentKind.THONG_BAO,
    "tờ trình": DocumentKind.TO_TRINH,
    "chỉ thị": DocumentKind.CHI_THI,
    "nghị quyết": DocumentKind.NGHI_QUYET,
    "hướng dẫn": DocumentKind.HUONG_DAN,
    "nghị định": DocumentKind.NGHI_DINH,
    "thông tư": DocumentKind.THONG_TU,
    "chương trình": DocumentKind.CHUONG_TRINH,
    "đề án": DocumentKind.DE_AN,
    "giấy mời": DocumentKind.GIAY_MOI,
    "biên bản": DocumentKind.BIEN_BAN,
    "kết luận": DocumentKind.KET_LUAN,
    "công điện": DocumentKind.CONG_DIEN,
    "quy chế": DocumentKind.QUY_CHE,
    "văn bản": DocumentKind.VAN_BAN,
}
# Abbreviations, folded: the type word before a number ("QĐ số 45") or a symbol's head.
_ABBREVIATIONS: dict[str, DocumentKind] = {
    "kh": DocumentKind.KE_HOACH,
    "qd": DocumentKind.QUYET_DINH,
    "cv": DocumentKind.CONG_VAN,
    "bc": DocumentKind.BAO_CAO,
    "tb": DocumentKind.THONG_BAO,
    "ttr": DocumentKind.TO_TRINH,
    "ct": DocumentKind.CHI_THI,
    "nq": DocumentKind.NGHI_QUYET,
    "hd": DocumentKind.HUONG_DAN,
    "nd": DocumentKind.NGHI_DINH,
    "tt": DocumentKind.THONG_TU,
    "ctr": DocumentKind.CHUONG_TRINH,
    "da": DocumentKind.DE_AN,
    "gm": DocumentKind.GIAY_MOI,
    "bb": DocumentKind.BIEN_BAN,
    "kl": DocumentKind.KET_LUAN,
    "cd": DocumentKind.CONG_DIEN,
    "qc": DocumentKind.QUY_CHE,
    "vb": DocumentKind.VAN_BAN,
}
_KIND_WORDS = Phrases(*_NAME_WORDS)

# number[/year]/symbol; the symbol is letters (and digits, "&") in parts joined by "-".
_NUMBER = re.compile(
    r"(?<![\w/.,-])(?P<number>\d{1,6})\s*(?:/\s*(?P<year>\d{4})\s*)?/\s*"
    r"(?P<symbol>[^\W\d_][\w&]*(?:-[\w&]+)*)"
)
_KIND_ABBREVIATION = re.compile(
    r"(?<!\w)(?P<kind>" + "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")\.?$"
)
_SO = re.compile(r"\s*(?:so|no)?\s*[.:]?\s*$")
_DATE_LEAD = re.compile(r"\s*,?\s*(?:(?:ban hanh|ky)\s+)?(?=ngay\b|\d)")
_EARLIEST_YEAR = 1945


@dataclass(frozen=True)
class DocumentReference:
    """One cited document: "Kế hoạch số 123/KH-STTTT ngày 05/6/2023"."""

    kind: DocumentKind
    number: str  # as written, leading zeros kept: "01"
    symbol: str  # "KH-STTTT", "QĐ-UBND", "SNV-TCBM"
    issuer: str | None  # the issuer's code from the symbol: "STTTT", "UBND", "SNV"
    issued_on: date | None = None
    year: int | None = None  # the year inside the number: "15/2026/QĐ-UBND"
    text: str = ""  # the words as typed, kind and date included

    @property
    def code(self) -> str:
        """The number and symbol as written on the document: "15/2026/QĐ-UBND"."""
        year = f"/{self.year}" if self.year is not None else ""
        return f"{self.number}{year}/{self.symbol}"

    def render(self, translate: Callable[[str], str]) -> str:
        """A short rendering to show back: "Kế hoạch số 123/KH-STTTT ngày 05/06/2023"."""
        kind = translate(KIND_NAMES[self.kind])
        if self.issued_on is None:
            return translate(N_("{kind} số {code}")).format(kind=kind, code=self.code)
        return translate(N_("{kind} số {code} ngày {day}")).format(
            kind=kind, code=self.code, day=self.issued_on.strftime("%d/%m/%Y")
        )


def find_references(text: str, *, today: date | None = None) -> tuple[DocumentReference, ...]:
    """Every document cited in `text`, in order; `today` dates "ngày 05/6" without a year."""
    message = Message.of(text)
    found: list[DocumentReference] = []
    for match in _NUMBER.finditer(message.folded):
        reference = _reference(message, match, today)
        if reference is not None:
            found.append(reference)
    return tuple(found)


def parse_reference(text: str, *, today: date | None = None) -> DocumentReference | None:
    """The first document cited in `text`, or None."""
    found = find_references(text, today=today)
    return found[0] if found else None


def _reference(
    message: Message, match: re.Match[str], today: date | None
) -> DocumentReference | None:
    symbol = message.text[match.start("symbol") : match.end("symbol")].rstrip("-")
    parts = [part for part in symbol.split("-") if part]
    head = fold(parts[0])
    named, start = _named_kind(message, match.start())
    # A symbol typed in lower case is taken only after a type word ("theo kh 12/kh-stttt").
    if not parts[0][0].isupper() and named is None:
        return None
    if named is None and len(parts[0]) < 2:
        return None
    year = int(match["year"]) if match["year"] else None
    if year is not None and not _EARLIEST_YEAR <= year <= 2100:
        return None
    symbol_kind = _ABBREVIATIONS.get(head)
    # An official letter's symbol is the issuer's abbreviation, then the drafting unit's.
    issuer = parts[0] if symbol_kind is None else (parts[1] if len(parts) > 1 else None)
    kind = named or symbol_kind or DocumentKind.CONG_VAN
    end = match.start("symbol") + len(symbol)
    issued_on, end = _issued_on(message, end, year, today)
    if not symbol.isupper() and symbol == symbol.lower():
        symbol = symbol.upper()
        issuer = issuer.upper() if issuer else None
    return DocumentReference(
        kind=kind,
        number=match["number"],
        symbol=symbol,
        issuer=issuer,
        issued_on=issued_on,
        year=year,
        text=message.span(start, end),
    )


def _named_kind(message: Message, number_start: int) -> tuple[DocumentKind | None, int]:
    """The type named right before the number ("Kế hoạch số", "QĐ", "TB"), and its start."""
    lead = _SO.search(message.folded, max(0, number_start - 12), number_start)
    cut = lead.start() if lead is not None else number_start
    before = message.folded[max(0, cut - 30) : cut].rstrip()
    abbreviation = _KIND_ABBREVIATION.search(before)
    if abbreviation is not None:
        offset = max(0, cut - 30)
        typed = message.text[offset + abbreviation.start() : offset + abbreviation.end("kind")]
        # "qd" is a type only when written as one ("QĐ", "qđ", "QD"), not any two letters.
        if typed.isupper() or (typed.islower() and _plausible_lower(typed)):
            return _ABBREVIATIONS[abbreviation["kind"]], offset + abbreviation.start()
    for word in _KIND_WORDS.finditer(message, max(0, cut - 30), cut):
        if message.folded[word.end() : cut].strip() == "":
            key = " ".join(message.text[word.start() : word.end()].lower().split())
            kind = _NAME_WORDS.get(key) or _NAME_WORDS.get(_unfolded(key))
            if kind is not None:
                return kind, word.start()
    return None, number_start


def _plausible_lower(typed: str) -> bool:
    # Lower-case abbreviations typed in chat ("kh", "qđ", "tb") are fine; "da", "cd", "tt"
    # and "ct" are everyday words or too short to mean a type when written small.
    return fold(typed) not in {"da", "cd", "tt", "ct", "vb", "hd"}


def _unfolded(key: str) -> str:
    folded = fold(key)
    return next((name for name in _NAME_WORDS if fold(name) == folded), key)


def _issued_on(
    message: Message, end: int, year: int | None, today: date | None
) -> tuple[date | None, int]:
    """The date written right after the symbol, and where the reference ends."""
    lead = _DATE_LEAD.match(message.folded, end)
    if lead is None:
        return None, end
    dates = find_dates(message, lead.end(), min(len(message.text), lead.end() + 40))
    if not dates or dates[0].start != lead.end() or dates[0].form is not DateForm.DAY:
        return None, end
    written = dates[0]
    assert written.day is not None and written.month is not None
    chosen = written.year if written.year is not None else year
    try:
        if chosen is not None:
            return date(chosen, written.month, written.day), written.end
        if today is None:
            return None, written.end
        this_year = date(today.year, written.month, written.day)
        if this_year <= today:
            return this_year, written.end
        return date(today.year - 1, written.month, written.day), written.end
    except ValueError:
        return None, written.end
