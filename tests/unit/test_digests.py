import re
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.digests import (
    DigestItem,
    DigestKind,
    group_digest,
    render_digest,
    split_numbered,
)
from domain.text import one_unit, utf16_units
from locales import gettext_for

TASK = "III.1.2 Trước ngày 15/02 xây dựng kế hoạch"
DISTRICTS = [f"Q{n:02}" for n in range(1, 36)]


def overdue(
    agency: str,
    *,
    task: str = "1:III.1.2",
    label: str = TASK,
    days: int = 20,
    handle: int = 1,
    kind: DigestKind = DigestKind.OVERDUE,
) -> DigestItem:
    return DigestItem(
        kind=kind,
        task_key=task,
        task_label=label,
        agency_code=agency,
        agency_name=f"Cơ quan {agency}",
        handle=handle,
        due=date(2023, 2, 14),
        overdue_days=days,
    )


def test_a_task_shared_by_many_agencies_reads_as_one_line() -> None:
    items = [overdue(code, handle=100 + n) for n, code in enumerate(DISTRICTS)]
    items += [
        overdue("SXD", task="1:I.4", label="I.4 Lập đề án", days=5, handle=7),
        overdue("SXD", task="1:I.5", label="I.5 Cải tạo", days=9, handle=8),
    ]
    (section,) = group_digest(items).sections
    (shared,) = section.tasks
    assert (section.items, section.agencies) == (37, 36)
    assert shared.agency_codes == tuple(DISTRICTS)
    (sxd,) = section.by_agency
    assert [item.handle for item in sxd.items] == [8, 7]  # the longest overdue first


def test_a_task_shared_by_too_few_agencies_stays_with_each_agency() -> None:
    items = [overdue("SXD"), overdue("STC")]
    (section,) = group_digest(items).sections
    assert section.tasks == ()
    assert [group.agency_code for group in section.by_agency] == ["STC", "SXD"]


def test_agencies_with_more_items_come_first() -> None:
    items = [
        overdue("STC", task="a", days=50),
        overdue("SXD", task="b"),
        overdue("SXD", task="c"),
    ]
    (section,) = group_digest(items).sections
    assert [group.agency_code for group in section.by_agency] == ["SXD", "STC"]


def test_sections_follow_the_kinds_order_and_empty_ones_are_left_out() -> None:
    items = [
        overdue("A", kind=DigestKind.UNREGISTERED),
        overdue("B", kind=DigestKind.BLOCKED),
        overdue("C", kind=DigestKind.LONG_OVERDUE),
    ]
    kinds = [section.kind for section in group_digest(items).sections]
    assert kinds == [DigestKind.BLOCKED, DigestKind.LONG_OVERDUE, DigestKind.UNREGISTERED]
    assert group_digest([]).is_empty


def test_the_sharing_threshold_must_mean_sharing() -> None:
    with pytest.raises(ValueError):
        group_digest([], shared_at_least=1)


def test_the_digest_renders_totals_first_then_shared_tasks_then_agencies() -> None:
    items = [overdue(code, handle=100 + n) for n, code in enumerate(DISTRICTS[:14])]
    items.append(overdue("SXD", task="1:I.4", label="I.4 Lập đề án", days=5, handle=7))
    blocked = DigestItem(
        kind=DigestKind.BLOCKED,
        task_key="1:I.5",
        task_label="I.5 Cải tạo",
        agency_code="SXD",
        agency_name="Sở Xây dựng",
        handle=8,
        reason="chờ Sở Tài chính thẩm định",
    )
    text = render_digest(group_digest([*items, blocked]), translate=gettext_for("vi"))
    assert text.split("\n") == [
        "Tổng hợp",
        "• Báo vướng: 1 việc · 1 cơ quan",
        "• Quá hạn: 15 việc · 15 cơ quan",
        "",
        "⚠️ Báo vướng (1)",
        "▸ Sở Xây dựng (SXD) — 1 việc",
        "   #8 I.5 Cải tạo: chờ Sở Tài chính thẩm định",
        "",
        "📋 Quá hạn (15)",
        f"• {TASK} — 14 cơ quan quá hạn: Q01, Q02, Q03, Q04, Q05, Q06, Q07, Q08, Q09, Q10,"
        " Q11, Q12, … (+2)",
        "▸ Cơ quan SXD (SXD) — 1 việc",
        "   #7 I.4 Lập đề án · hạn 14/02/2023 · quá hạn 5 ngày làm việc",
    ]


def test_the_digest_renders_in_english() -> None:
    items = [overdue(code, kind=DigestKind.UNREGISTERED) for code in DISTRICTS[:3]]
    text = render_digest(group_digest(items), translate=gettext_for("en"))
    assert text.split("\n") == [
        "Summary",
        "• Nobody registered for reminders: tasks 3 · agencies 3",
        "",
        "👤 Nobody registered for reminders (3)",
        f"• {TASK} — 3 agencies with nobody registered: Q01, Q02, Q03",
    ]


def test_a_blocked_item_without_a_reason_says_so() -> None:
    item = overdue("SXD", kind=DigestKind.BLOCKED)
    text = render_digest(group_digest([item]), translate=gettext_for("vi"))
    assert text.endswith(f"#1 {TASK}: chưa nêu lý do")


def test_an_agency_lists_at_most_the_items_asked_for_then_how_many_more() -> None:
    items = [overdue("SXD", task=f"1:I.{n}", label=f"I.{n}", handle=n) for n in range(1, 6)]
    items += [overdue("SNN", kind=DigestKind.UNREGISTERED, task=f"1:II.{n}") for n in (1, 2)]
    limits = {DigestKind.OVERDUE: 2, DigestKind.UNREGISTERED: 0}
    text = render_digest(group_digest(items), translate=gettext_for("vi"), max_items=limits.get)
    lines = text.split("\n")
    start = lines.index("▸ Cơ quan SXD (SXD) — 5 việc")
    assert lines[start + 1].startswith("   #1 I.1 ·") and lines[start + 2].startswith("   #2 I.2")
    assert lines[start + 3] == "   … (+3)"
    assert lines[-1] == "▸ Cơ quan SNN (SNN) — 2 việc"


def test_a_short_text_is_one_part_without_a_number() -> None:
    assert split_numbered("Tổng hợp\n• Quá hạn: 3 việc", limit=100) == [
        "Tổng hợp\n• Quá hạn: 3 việc"
    ]
    assert split_numbered("  \n ", limit=100) == []


def test_a_long_text_is_cut_at_lines_and_numbered() -> None:
    lines = [f"▸ Cơ quan {n:02} — {n} việc" for n in range(1, 31)]
    parts = split_numbered("Tổng hợp\n" + "\n".join(lines), limit=120)
    total = len(parts)
    assert total > 2
    assert parts[0].startswith(f"Tổng hợp (1/{total})\n")
    for index, part in enumerate(parts[1:], start=2):
        assert part.startswith(f"({index}/{total}) ▸ Cơ quan")
    assert all(len(part) <= 120 for part in parts)
    unnumbered = [
        re.sub(r"^\(\d+/\d+\) | \(1/\d+\)$", "", line) for p in parts for line in p.split("\n")
    ]
    assert unnumbered == ["Tổng hợp", *lines]


def test_a_line_longer_than_a_part_is_cut_at_words() -> None:
    long_line = "• " + ", ".join(DISTRICTS)
    parts = split_numbered(long_line, limit=60)
    assert all(len(part) <= 60 for part in parts)
    assert " ".join(re.sub(r"^\(\d+/\d+\) | \(1/\d+\)$", "", p) for p in parts) == long_line


def test_parts_are_measured_in_the_channels_units() -> None:
    text = "\n".join("⚠️🔔 " + "x" * 20 for _ in range(10))
    parts = split_numbered(text, limit=60, units=utf16_units)
    assert all(sum(utf16_units(ch) for ch in part) <= 60 for part in parts)


@pytest.mark.parametrize("units", [utf16_units, one_unit])
def test_the_channels_units_counted_at_once_cut_where_counting_each_character_does(
    units: Callable[[str], int],
) -> None:
    text = "\n".join(f"⚠️🔔 {'x' * n} Sở 𝔸 \ud800" for n in range(40))
    parts = split_numbered(text, limit=90, units=units)
    assert len(parts) > 3
    assert parts == split_numbered(text, limit=90, units=lambda char: units(char))


def test_a_limit_with_no_room_for_the_numbering_is_refused() -> None:
    with pytest.raises(ValueError):
        split_numbered("x" * 50, limit=6)


LINE = st.text(alphabet=st.sampled_from(list("abc đê ▸•—·:,0123456789⚠️🔔")), max_size=90)


@settings(deadline=None)
@given(st.lists(LINE, max_size=60).map("\n".join), st.integers(min_value=20, max_value=400))
def test_no_part_exceeds_the_limit_and_nothing_but_space_is_lost(text: str, limit: int) -> None:
    parts = split_numbered(text, limit=limit, units=utf16_units)
    assert all(sum(utf16_units(ch) for ch in part) <= limit for part in parts)
    if len(parts) > 1:
        parts = [re.sub(r"^\(\d+/\d+\) | \(1/\d+\)(?=\n|$)", "", p, count=1) for p in parts]
    assert "".join("".join(parts).split()) == "".join(text.split())
