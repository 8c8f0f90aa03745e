"""Which encoding a Vietnamese text file is in: UTF-8, Windows-1258, or TCVN3 (ABC).

Windows-1258 decodes almost any byte, so a TCVN3 file read as Windows-1258 "works" and stores
"X©y dùng kho d÷ liÖu" for "Xây dựng kho dữ liệu". A file that is not UTF-8 is therefore
decoded both ways and the reading whose accented characters are Vietnamese letters wins; when
neither is, the file is refused rather than stored as mojibake.

TCVN3 (TCVN 5712:1993, the ABC fonts .VnTime and .VnTimeH) codes only lower-case accented
letters: capitals are drawn by the "H" fonts from the same codes, so a heading typed in capitals
arrives in lower case and is put back in capitals when its plain letters are all capitals.
"""

import re
import unicodedata
from functools import cache

_TCVN3_LETTERS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
# Bytes TCVN3 leaves unused decode to U+FFFD, which is no Vietnamese letter: a file that
# uses them is not TCVN3.
_TCVN3_TABLE = {code: _TCVN3_LETTERS.get(code, "\ufffd") for code in range(0x80, 0x100)}
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# The tones, and the marks of â ê ô, ă, ơ ư.
_MARKS = _TONES | frozenset("\u0302\u0306\u031b")
_VOWELS = frozenset("aeiouyAEIOUY")
# Spaces, ASCII digits and punctuation: no TCVN3 letter is among them (they are all above
# 0x7F), so they split words in every reading.
_SEPARATORS = re.compile(r"[\s!-@\[-`{-~]+")
# Enough accented words must be Vietnamese syllables for a reading to be believed: TCVN3 read
# as Windows-1258 gives symbols in words ("X©y"), other code pages several tones in one.
_BELIEVED = 0.8
_CAPITALS_LINE = 0.8


def decode_vietnamese(data: bytes) -> tuple[str, str] | None:
    """The NFC text of a file and the name of its encoding ("UTF-8", "Windows-1258",
    "TCVN3"), or None when no reading gives Vietnamese letters."""
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8-sig")), "UTF-8"
    except UnicodeDecodeError:
        pass
    readings: list[tuple[float, str, str]] = []
    try:
        windows = unicodedata.normalize("NFC", data.decode("cp1258"))
        readings.append((_vietnamese_share(windows), windows, "Windows-1258"))
    except UnicodeDecodeError:
        pass
    tcvn3 = _capitals(data.decode("latin-1").translate(_TCVN3_TABLE))
    readings.append((_vietnamese_share(tcvn3), tcvn3, "TCVN3"))
    share, text, encoding = max(readings, key=lambda reading: reading[0])
    return (text, encoding) if share >= _BELIEVED else None


def from_legacy_font(text: str) -> str:
    """Text from Word or Excel typed in a TCVN3 font (.VnTime, .VnTimeH), which stores the
    font's bytes as Latin-1 characters ("X©y dùng"), in Unicode; any other text unchanged.

    Only text made wholly of Latin-1 characters can be such, and it is converted only when it
    reads as Vietnamese through TCVN3 and not as it stands ("Tài chính" stays).
    """
    if text.isascii() or max(map(ord, text)) > 0xFF:
        return text
    as_typed = unicodedata.normalize("NFC", text)
    converted = _capitals(text.translate(_TCVN3_TABLE))
    share = _vietnamese_share(converted)
    return converted if share >= _BELIEVED and share > _vietnamese_share(as_typed) else text


def _vietnamese_share(text: str) -> float:
    """The share of the words with accented characters in `text` that could be Vietnamese
    syllables: letters only (no symbol such as "©" or "×" inside), marks on vowels only, at
    most one tone."""
    words = [word for word in map(_bare, _SEPARATORS.split(text)) if word and not word.isascii()]
    if not words:
        return 1.0
    return sum(map(_syllable, words)) / len(words)


def _bare(token: str) -> str:
    """A word without the punctuation around it ("(dữ", "liệu)," "“Nhiệm")."""
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start]).startswith("P"):
        start += 1
    while end > start and unicodedata.category(token[end - 1]).startswith("P"):
        end -= 1
    return token[start:end]


@cache
def _syllable(word: str) -> bool:
    letters = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    tones = 0
    previous = ""
    for char in letters:
        if char in _MARKS:
            if previous not in _VOWELS:
                return False
            tones += char in _TONES
        elif char.isascii() and char.isalpha():
            previous = char
        else:
            return False
    return tones <= 1


def _capitals(text: str) -> str:
    """Lines typed in capitals (a .VnTimeH heading) back in capitals."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        plain = [char for char in line if char.isascii() and char.isalpha()]
        if len(plain) >= 4 and sum(map(str.isupper, plain)) >= _CAPITALS_LINE * len(plain):
            lines[index] = line.upper()
    return "\n".join(lines)
