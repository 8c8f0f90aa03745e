"""How messages look on Zalo: split text, numbered options, reply hints, attachments."""

import pytest

from bot.channels.choices import numbered, options
from bot.channels.zalo.client import MAX_TEXT
from bot.channels.zalo.render import PhotoPart, TextPart, render
from domain.text import split_text
from locales import gettext_for
from views.keyboards import snooze_buttons
from views.messages import Attachment, Button, Outgoing, ReminderItem

vi = gettext_for("vi")
en = gettext_for("en")


def _texts(message: Outgoing, *, locale: str = "vi") -> list[str]:
    return [
        p.text for p in render(message, _=gettext_for(locale)).parts if isinstance(p, TextPart)
    ]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("ngắn", 20, ["ngắn"]),
        ("đoạn một dài\n\nđoạn hai", 15, ["đoạn một dài", "đoạn hai"]),
        ("dòng một dài\ndòng hai", 15, ["dòng một dài", "dòng hai"]),
        ("Câu một đây. Câu hai nữa", 15, ["Câu một đây.", "Câu hai nữa"]),
        ("một hai ba bốn năm sáu", 10, ["một hai ba", "bốn năm", "sáu"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
        ("  \n ", 10, []),
    ],
)
def test_split_text_cuts_at_the_most_natural_boundary(
    text: str, limit: int, expected: list[str]
) -> None:
    assert split_text(text, limit=limit) == expected


def test_a_2500_character_answer_is_split_into_two_messages_losing_nothing() -> None:
    lines = [f"#{n} Nhiệm vụ số {n} của Sở Thông tin và Truyền thông" for n in range(1, 200)]
    text = "\n".join(lines)[:2500]
    pieces = split_text(text, limit=MAX_TEXT)
    assert len(pieces) == 2
    assert all(len(p) <= 2000 for p in pieces)
    assert "\n".join(pieces) == text.strip()


def test_a_paragraph_break_far_from_the_limit_does_not_make_a_tiny_message() -> None:
    text = "Mở đầu\n\n" + "chữ " * 600
    first = split_text(text, limit=2000)[0]
    assert len(first) > 1000


def test_a_reminder_shows_its_reply_hint_and_no_buttons() -> None:
    message = Outgoing(
        text="Nhắc việc:\n1. #57 III.12\n2. #58 III.13",
        buttons=((Button("✅ Xong 1", "s|d|57||"),),),
        items=(ReminderItem(1, 57), ReminderItem(2, 58)),
        reply_hint="Trả lời: 1 xong · 2 50% · 3 vướng <lý do>",
    )
    assert _texts(message) == [
        "Nhắc việc:\n1. #57 III.12\n2. #58 III.13\n\nTrả lời: 1 xong · 2 50% · 3 vướng <lý do>"
    ]
    assert options(message) == []


@pytest.mark.parametrize(
    ("count", "locale", "hint"),
    [
        (1, "vi", "Trả lời: xong · 50% · vướng <lý do>"),
        (2, "en", "Reply by number, for example: 1 done · 2 50% · 1 blocked <reason>"),
    ],
)
def test_a_reminder_without_a_hint_gets_a_default_one(count: int, locale: str, hint: str) -> None:
    items = tuple(ReminderItem(n, 50 + n) for n in range(1, count + 1))
    assert _texts(Outgoing(text="Nhắc", items=items), locale=locale)[-1].endswith(hint)


def test_buttons_become_numbered_options_in_reading_order() -> None:
    message = Outgoing(
        text="Trang 1/3",
        buttons=((Button("◀ Trước", "p|1"), Button("Sau ▶", "p|3")), (Button("Đóng", "x"),)),
    )
    assert [b.data for b in options(message)] == ["p|1", "p|3", "x"]
    assert _texts(message) == [
        "Trang 1/3\n\n1. ◀ Trước\n2. Sau ▶\n3. Đóng\nTrả lời bằng số để chọn."
    ]


def test_buttons_that_carry_a_figure_are_listed_as_what_to_type_not_numbered() -> None:
    message = Outgoing(
        text="Nhắc lại việc #57 sau bao nhiêu ngày?",
        buttons=(snooze_buttons(assignment_id=57, occurrence_id=None, _=vi),),
    )
    assert not numbered(options(message))
    assert _texts(message) == [
        "Nhắc lại việc #57 sau bao nhiêu ngày?\n\nTrả lời: 1 ngày · 3 ngày · 7 ngày"
    ]


def test_which_task_options_the_text_already_lists_are_not_repeated() -> None:
    text = "Bạn muốn cập nhật việc nào? Trả lời bằng số thứ tự:\n1. #57 III.1\n2. #58 III.2"
    message = Outgoing(
        text=text, buttons=((Button("1. #57", "n|w|1"), Button("2. #58", "n|w|2")),)
    )
    assert numbered(options(message))
    assert _texts(message) == [text]


def test_a_photo_with_a_public_url_is_sent_after_the_text() -> None:
    message = Outgoing(
        text="Báo cáo tuần",
        attachments=(
            Attachment("photo", "/data/chart.png", "Biểu đồ", "https://f.example/c.png"),
        ),
    )
    rendered = render(message, _=vi)
    assert rendered.parts == (
        TextPart("Báo cáo tuần"),
        PhotoPart("https://f.example/c.png", "Biểu đồ"),
    )
    assert rendered.anchor == 0


def test_attachments_without_a_public_url_are_described_in_text() -> None:
    message = Outgoing(
        text="Báo cáo tuần",
        attachments=(
            Attachment("photo", "/data/chart.png", "Biểu đồ"),
            Attachment("document", "/data/tong-hop.xlsx"),
            Attachment("document", "/data/b.xlsx", "Bảng", "https://f.example/b.xlsx"),
        ),
    )
    assert _texts(message) == [
        "Báo cáo tuần\n\n"
        "🖼 Biểu đồ: ảnh này chưa xem được trên Zalo.\n\n"
        "📎 tong-hop.xlsx: tệp này chưa tải được trên Zalo; xin liên hệ điều phối viên.\n\n"
        "📎 Bảng: https://f.example/b.xlsx"
    ]


def test_a_caption_too_long_for_a_photo_follows_it_as_text() -> None:
    caption = "chú thích " * 300
    message = Outgoing(
        text="Xem ảnh", attachments=(Attachment("photo", "c.png", caption, "https://f/c.png"),)
    )
    parts = render(message, _=vi).parts
    assert parts[1] == PhotoPart("https://f/c.png")
    assert "".join(p.text for p in parts[2:] if isinstance(p, TextPart)).replace(" ", "") == (
        caption.replace(" ", "")
    )


def test_the_anchor_is_the_last_text_part_so_replies_bind_to_the_hint() -> None:
    message = Outgoing(text="x " * 1500, items=(ReminderItem(1, 5),), reply_hint="Trả lời: xong")
    rendered = render(message, _=vi)
    assert len(rendered.parts) == 2
    assert rendered.anchor == 1
