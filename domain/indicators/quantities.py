"""Numbers and units as Vietnamese plans and officers write them.

Numbers: "," is the decimal mark and "." groups thousands ("116.442,134", "7.300", "115,0").
A lone "." followed by exactly three digits is a thousands mark ("7.300" is 7300), any other
lone "." a decimal point typed the English way ("7.5"); several "," in a row of three-digit
groups ("1,000,000") are English thousands marks. Anything else ("1.2.3", "12,34,5") is not a
number at all, never a guess.

Units: a unit is a scale and a base: "1.000 lượt" is 1000 × lượt, "Triệu tấn" 10⁶ × tấn,
"Tỷ đồng" 10⁹ × đồng, "%" is 1 × %. Two quantities convert into each other only when their
bases agree, so "7,3 triệu lượt" becomes 7.300 in "1.000 lượt" while "7,3 triệu USD" never
becomes "Tỷ đồng".
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.problems import Problem
from domain.text import clean, fold
from locales import N_

# Longer strings are refused before Decimal sees them: no real figure has 25 characters.
MAX_NUMBER_LENGTH = 24

NUMBER = re.compile(r"(?<![0-9A-Za-z_])[0-9]+(?:[.,][0-9]+)*")
_GROUPED = {
    mark: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(mark)}[0-9]{{3}})+") for mark in (".", ",")
}
_ONE = Decimal(1)

# Scale words (folded), longest first so "nghin ty" wins over "nghin".
_SCALE_WORDS: tuple[tuple[tuple[str, ...], Decimal], ...] = (
    (("nghin", "ty"), Decimal(10) ** 12),
    (("ngan", "ty"), Decimal(10) ** 12),
    (("tram",), Decimal(100)),
    (("nghin",), Decimal(1000)),
    (("ngan",), Decimal(1000)),
    (("k",), Decimal(1000)),
    (("trieu",), Decimal(10) ** 6),
    (("tr",), Decimal(10) ** 6),
    (("ty",), Decimal(10) ** 9),
    (("ti",), Decimal(10) ** 9),
)
# Spellings of one base (folded) that mean the same thing.
_BASE_ALIASES = {
    "d": "dong",
    "vnd": "dong",
    "vnđ": "dong",
    "dong viet nam": "dong",
    "luot khach": "luot",
    "kw h": "kwh",
    "phan tram": "%",
    "diem phan tram": "diem %",
}
# Bases an officer's reply may name; words outside this list after a number are not a unit.
KNOWN_BASES = frozenset(
    {
        "%",
        "diem %",
        "dong",
        "usd",
        "tan",
        "kwh",
        "mw",
        "luot",
        "luot nguoi",
        "nguoi",
        "xa",
        "huyen",
        "giuong",
        "bac sy",
        "chiec",
        "diem",
        "chung thu",
        "thue bao",
        "tuoi",
        "ho",
        "doanh nghiep",
        "du an",
        "km",
        "ha",
        "m2",
    }
)
# A reply in "%" for an indicator counted in "điểm %" (or back) is the same figure.
_COMPATIBLE = {frozenset({"%", "diem %"})}


def parse_number(text: str) -> Decimal | None:
    """The value of one written number ("116.442,134", "7.5", "1,000,000"), or None."""
    text = text.strip()
    if not text or len(text) > MAX_NUMBER_LENGTH:
        return None
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not re.fullmatch(r"[0-9]+(?:[.,][0-9]+)*", digits):
        return None
    plain = _plain_digits(digits)
    if plain is None:
        return None
    try:
        value = Decimal(plain)
    except InvalidOperation:
        return None
    return -value if negative else value


def _plain_digits(text: str) -> str | None:
    """The number with thousands marks dropped and "." as the decimal point."""
    dots, commas = text.count("."), text.count(",")
    if not dots and not commas:
        return text
    if dots and commas:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        whole, _, fraction = text.rpartition(decimal_mark)
        if decimal_mark in whole or not _grouped(whole, group_mark):
            return None
        return whole.replace(group_mark, "") + "." + fraction
    if commas == 1:
        return text.replace(",", ".")
    if commas:
        return text.replace(",", "") if _grouped(text, ",") else None
    if dots > 1:
        return text.replace(".", "") if _grouped(text, ".") else None
    whole, _, fraction = text.partition(".")
    if len(fraction) == 3 and _grouped(text, ".") and not whole.startswith("0"):
        return whole + fraction
    return text


def _grouped(text: str, mark: str) -> bool:
    return bool(_GROUPED[mark].fullmatch(text))


def fold_chars(text: str) -> str:
    """Lower-case `text` and strip its diacritics one character at a time (đ → d).

    Unlike domain.text.fold the result has exactly the length of `text`, so a match found in
    the folded text cuts the original at the same place.
    """
    folded: list[str] = []
    for char in text:
        lower = char.lower() if len(char.lower()) == 1 else char
        base = unicodedata.normalize("NFD", lower)[0]
        folded.append("d" if base == "đ" else base)
    return "".join(folded)


def format_number(value: Decimal) -> str:
    """A number the Vietnamese way: "116.442,134", "7.300", "1,25"."""
    sign = "-" if value < 0 else ""
    text = format(abs(value).normalize(), "f")
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


@dataclass(frozen=True)
class Unit:
    """A unit as written, and what it means: `scale` × `base` ("1.000 lượt" = 1000 × "luot").

    `base` is folded and spaced uniformly ("m2 san/nguoi", "so ca/1.000 tre de ra song"); an
    empty base with scale 1 means the table gave no unit.
    """

    text: str
    base: str
    scale: Decimal = _ONE

    @property
    def is_empty(self) -> bool:
        """Whether no unit was written (an empty cell or "-")."""
        return not self.base and self.scale == _ONE


NO_UNIT = Unit("", "")


def parse_unit(text: str) -> Unit:
    """Read a unit cell: "Tỷ đồng", "1.000 lượt", "m ² sàn/người", "%", "-"."""
    written = clean(text)
    key = _unit_key(written)
    if key in ("", "-", "x"):
        return Unit(written, "")
    scale = _ONE
    words = key.split(" ")
    prefix = NUMBER.fullmatch(words[0])
    if prefix and len(words) > 1 and (number := parse_number(words[0])) is not None and number:
        scale, words = number, words[1:]
    for phrase, factor in _SCALE_WORDS:
        if tuple(words[: len(phrase)]) == phrase and (len(words) > len(phrase) or scale == _ONE):
            scale, words = scale * factor, words[len(phrase) :]
            break
    base = " ".join(words)
    return Unit(written, _BASE_ALIASES.get(base, base), scale)


def _unit_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)  # "²" → "2", "％" → "%"
    key = fold(text)
    key = re.sub(r"\s*/\s*", "/", key)
    key = re.sub(r"(?<=[a-z])\s+(?=[0-9](?![0-9.,]))", "", key)  # "m 2" (from "m ²") → "m2"
    return re.sub(r"\s+", " ", key).strip(" .:")


def same_base(first: Unit, second: Unit) -> bool:
    """Whether two units measure the same thing, whatever their scales."""
    return first.base == second.base or frozenset({first.base, second.base}) in _COMPATIBLE


def convert(value: Decimal, *, source: Unit, target: Unit) -> Decimal | None:
    """`value` written in `source` expressed in `target`, or None when they do not convert.

    A source with a scale and no base ("7,3 triệu") takes the target's base.
    """
    if source.base and not same_base(source, target):
        return None
    return value * source.scale / target.scale


# Plausible ranges per unit base, for values a table or an officer gives. A value outside is
# not refused, only shown to a coordinator: plans do carry typos (PL3 #47 "14,35 con/phụ nữ").
_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "con/phu nu": (Decimal("0.5"), Decimal(8)),
    "tuoi": (Decimal(0), Decimal(120)),
    "so be trai/100 be gai": (Decimal(80), Decimal(140)),
    "diem %": (Decimal(-100), Decimal(100)),
    "%": (Decimal(-100), Decimal(1000)),
}
_SHARE = (Decimal(0), Decimal(100))
# Shares ("Tỷ lệ …", "Tỷ trọng …") are parts of a whole: 0-100 %.
_SHARE_NAMES = ("ty le", "ty trong")
_COUNTS = frozenset(KNOWN_BASES - {"%", "diem %"})


def plausible_range(unit: Unit, *, name: str = "") -> tuple[Decimal, Decimal] | None:
    """The range a value of this unit (for an indicator so named) can sensibly take."""
    if unit.base == "%" and fold(name).lstrip("-+ ").startswith(_SHARE_NAMES):
        return _SHARE
    if unit.base in _RANGES:
        return _RANGES[unit.base]
    if unit.base in _COUNTS:
        return (Decimal(0), Decimal(10) ** 15)
    return None


def implausible(value: Decimal, unit: Unit, *, name: str = "") -> Problem | None:
    """Why `value` cannot be right for this unit, or None when it is within range."""
    bounds = plausible_range(unit, name=name)
    if bounds is None or bounds[0] <= value <= bounds[1]:
        return None
    return Problem.of(
        N_(
            "{value} {unit} nằm ngoài khoảng hợp lý của đơn vị này ({low} - {high}): "
            "cần điều phối viên kiểm tra"
        ),
        value=format_number(value),
        unit=unit.text,
        low=format_number(bounds[0]),
        high=format_number(bounds[1]),
    )
