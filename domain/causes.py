"""Reading the cause of a late completion: whether it was outside the agency's control.

Offices count a task completed late for a reason outside the agency ("khách quan": waiting
on a ministry, a disaster) apart from one late for its own reasons ("chủ quan"). The officer
is asked to start the cause with one of these words; "không khách quan" is "chủ quan".
"""

import re

_OBJECTIVE = re.compile(r"(?<!khong )(?<!không )\b(khach quan|khách quan|objective)\b")
_LEADING_KIND = re.compile(
    r"^\s*(?:khách quan|khach quan|chủ quan|chu quan|objective|subjective)\s*[:,.-]?\s*",
    re.IGNORECASE,
)
_SUBJECTIVE = re.compile(r"\b(chu quan|chủ quan|subjective)\b")


def read_cause(text: str) -> tuple[bool | None, str]:
    """Whether a late completion's cause says it was outside the agency's control
    ("khách quan": True; "chủ quan": False; None when it says neither), and the cause
    without that leading word ("khách quan: chờ Bộ hướng dẫn" → "chờ Bộ hướng dẫn")."""
    flat = " ".join(text.split())
    lowered = flat.lower()
    words = _LEADING_KIND.sub("", flat, count=1).strip() or flat
    if _OBJECTIVE.search(lowered):
        return True, words
    if _SUBJECTIVE.search(lowered) or "không khách quan" in lowered:
        return False, words
    if "khong khach quan" in lowered:
        return False, words
    return None, words
