"""Text normalisation shared by every Vietnamese parser in the domain."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Only tag-shaped text ("<b>", "</i>", "<br/>"): a lone "<" or "< 8" in a target stays.
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_DASHES = str.maketrans(
    {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"}
)


def clean(text: str) -> str:
    """NFC-normalise, unify dashes and collapse runs of white space."""
    text = unicodedata.normalize("NFC", text).translate(_DASHES).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics (đ → d) for tolerant matching.

    Tone-mark placement ("hoá"/"hóa", "thuỷ"/"thủy") stops mattering because every
    mark is removed; the folded form is only for matching, never for display.
    """
    decomposed = unicodedata.normalize("NFD", clean(text).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "d")


def strip_tags(text: str) -> str:
    """Replace markup tags pasted from documents or chat clients by spaces."""
    return _TAG.sub(" ", text)
