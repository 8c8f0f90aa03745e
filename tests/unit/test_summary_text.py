"""The summary as a phone message: short, polite, in the reader's language."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.status import Status
from domain.summary import ChangeRow, Figures, ItemRow, WeeklySummary, summarise
from views.summary import TOP_BLOCKED, TOP_SILENT, TOP_UPCOMING, render_summary_text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = datetime(2023, 6, 30, 10, 0, tzinfo=UTC)
TODAY = date(2023, 6, 30)


def item(handle: int, agency: str, status: Status, due: date | None, **extra: object) -> ItemRow:
    return ItemRow(
        assignment_id=handle,
        plan_id=1,
        task_code=f"III.{handle}",
        task_title=f"Nhiệm vụ số {handle}",
        agency_code=agency,
        agency_name=f"Ủy ban nhân dân quận {agency}",
        status=status,
        due_date=due,
        **extra,  # type: ignore[arg-type]
    )


def summary_of(
    items: list[ItemRow],
    *,
    changes: tuple[ChangeRow, ...] = (),
    previous: Figures | None = None,
    plans: tuple[str, ...] = (),
) -> WeeklySummary:
    return summarise(
        items=items,
        changes=changes,
        activity={},
        previous=previous,
        as_of=AS_OF,
        tz=TZ,
        calendar=WorkCalendar(),
        scope_plans=plans,
    )


def test_headline_numbers_show_the_change_since_last_week_with_arrows() -> None:
    items = [
        item(1, "A", Status.IN_PROGRESS, date(2023, 6, 1)),
        item(2, "A", Status.BLOCKED, date(2023, 7, 20), blocked_reason="chưa có kinh phí"),
        item(3, "B", Status.DONE, date(2023, 7, 1)),
    ]
    done = ChangeRow(
        assignment_id=3,
        at=AS_OF - timedelta(days=1),
        from_status=Status.IN_PROGRESS,
        to_status=Status.DONE,
    )
    previous = Figures(active=2, completed_week=3, done_with_due=2, on_time=1, overdue=1)
    text = render_summary_text(summary_of(items, changes=(done,), previous=previous), locale="vi")
    assert text.splitlines()[:2] == [
        "📊 Tổng hợp tiến độ nhiệm vụ, tuần 26/2023",
        "Số liệu đến 17:00 Thứ Sáu, 30/06/2023.",
    ]
    assert "• Chưa hoàn thành: 2 (=)" in text
    assert "• Hoàn thành trong 7 ngày qua: 1 (▼2)" in text
    assert "• Đúng hạn (lũy kế): 100% (1/1) (▲50 điểm)" in text
    assert "• Quá hạn: 1 (=)" in text
    assert "• Vướng mắc: 1 (▲1)" in text
    assert "1. UBND quận A: 1 việc quá hạn, tổng 21 ngày làm việc" in text
    assert "• #2 III.2 · UBND quận A: chưa có kinh phí" in text
    assert "Chi tiết trong biểu đồ và tệp Excel kèm theo." in text


def test_the_first_summary_has_no_change_to_show_and_says_when_nothing_is_done_yet() -> None:
    text = render_summary_text(summary_of([item(1, "A", Status.NOT_STARTED, None)]), locale="vi")
    assert "• Chưa hoàn thành: 1\n" in text
    assert "• Đúng hạn (lũy kế): chưa có số liệu\n" in text
    assert "▲" not in text and "▼" not in text and "(=)" not in text


def test_the_summary_is_in_english_for_english_readers_with_english_numbers() -> None:
    items = [item(n, "A", Status.NOT_STARTED, date(2023, 6, 1)) for n in range(1, 1235)]
    text = render_summary_text(summary_of(items), locale="en-US")
    assert text.splitlines()[1] == "Figures as of 17:00 Friday, 30 June 2023."
    assert "• Open: 1,234" in text
    assert "• Overdue: 1,234" in text
    assert "1. UBND quận A: 1,234 overdue, 25,914 working days in total" in text
    vietnamese = render_summary_text(summary_of(items), locale="vi")
    assert "• Chưa hoàn thành: 1.234" in vietnamese


def test_long_lists_show_the_first_few_and_count_the_rest() -> None:
    blocked = [
        item(n, "A", Status.BLOCKED, None, blocked_reason="chờ ý kiến") for n in range(1, 8)
    ]
    upcoming = [
        item(n, f"Q{n}", Status.NOT_STARTED, TODAY + timedelta(days=n % 10)) for n in range(10, 30)
    ]
    text = render_summary_text(summary_of(blocked + upcoming), locale="vi")
    assert text.count(": chờ ý kiến") == TOP_BLOCKED
    assert f"và {7 - TOP_BLOCKED} việc khác." in text
    assert f"và {20 - TOP_UPCOMING} việc khác." in text
    # Every agency has open work and nobody ever wrote: all are silent.
    assert text.count("(chưa cập nhật lần nào)") == TOP_SILENT
    assert f"và {21 - TOP_SILENT} cơ quan khác." in text


def test_a_very_long_reason_is_shortened_and_a_big_city_still_fits_one_message() -> None:
    items = [
        item(
            n,
            f"Q{n % 1000}",
            Status.BLOCKED,
            TODAY + timedelta(days=n % 20),
            blocked_reason="thiếu kinh phí " * 400,
        )
        for n in range(1, 3001)
    ]
    text = render_summary_text(summary_of(items), locale="vi")
    reason_lines = [line for line in text.splitlines() if "thiếu kinh phí" in line]
    assert len(reason_lines) == TOP_BLOCKED
    assert all(line.endswith("…") and len(line) < 140 for line in reason_lines)
    # Telegram's limit for one message is 4,096 characters.
    assert len(text) < 4096


def test_an_empty_scope_says_so_politely() -> None:
    text = render_summary_text(summary_of([], plans=("40/KH-UBND",)), locale="vi")
    assert text.splitlines()[2:] == [
        "Phạm vi: 40/KH-UBND",
        "",
        "Chưa có nhiệm vụ nào trong phạm vi này.",
    ]


@pytest.mark.parametrize(
    ("locale", "word"), [("vi", "Quá hạn"), ("en", "Overdue"), (None, "Quá hạn")]
)
def test_the_reader_locale_chooses_the_language(locale: str | None, word: str) -> None:
    text = render_summary_text(
        summary_of([item(1, "A", Status.NOT_STARTED, date(2023, 6, 1))]), locale=locale or ""
    )
    assert f"• {word}: 1" in text
