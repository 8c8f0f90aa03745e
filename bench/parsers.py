"""How fast the pure parsers are: reply parsing on hostile input, and calendar arithmetic.

Run: python bench/parsers.py   (prints figures; nothing is asserted)
"""

import time
from datetime import date, timedelta

from domain.calendar import WorkCalendar
from domain.deadlines import parse_deadline
from domain.replies import parse_reply

HOSTILE = {
    "list": "1," * 25_000,
    "ranges": "1-" * 25_000,
    "handles": "#1, " * 12_000,
    "keywords": "xong " * 10_000 + "?",
    "reasons": "vướng, " * 7_000,
    "lines": "1 xong\n" * 7_000,
    "tags": "<a" * 25_000,
    "digits": "9" * 50_000 + "%",
}
REPLIES = ["xong", "1 xong, 2 60%, 3 vướng thiếu nhân lực", "#57 vướng: chưa có kinh phí"]
PHRASES = ["Quý IV /2023", "Trước ngày 15 tháng 02 năm 2023", "Tháng 6", "Thường xuyên"]


def _timed(label: str, count: int, work: object) -> None:
    assert callable(work)
    began = time.perf_counter()
    work()
    elapsed = time.perf_counter() - began
    print(f"{label:<42} {elapsed * 1000:9.1f} ms  ({count:,} items)")


def main() -> None:
    """Print the timings."""
    for name, text in HOSTILE.items():
        _timed(
            f"parse_reply hostile {name} ({len(text):,} chars)", 1, lambda t=text: parse_reply(t)
        )
    _timed(
        "parse_reply, 30,000 short replies",
        30_000,
        lambda: [parse_reply(r) for r in REPLIES * 10_000],
    )
    _timed(
        "parse_deadline, 40,000 phrases",
        40_000,
        lambda: [parse_deadline(p, plan_year=2023) for p in PHRASES * 10_000],
    )
    calendar = WorkCalendar()
    days = [date(2022, 1, 1) + timedelta(days=i % 1500) for i in range(50_000)]
    _timed(
        "calendar: 50,000 × (add -3, count to year end)",
        50_000,
        lambda: [
            (
                calendar.add_working_days(d, -3),
                calendar.working_days_between(d, date(2023, 12, 31)),
            )
            for d in days
        ],
    )


if __name__ == "__main__":
    main()
