"""Pressing a button by typing: one rule for Zalo and the console."""

import pytest

from bot.channels.choices import choice_number, chosen, label_key
from locales import gettext_for
from views.keyboards import progress_buttons
from views.messages import Button

vi = gettext_for("vi")
PAGES = (Button("◀ Trang trước", "p|1"), Button("Trang sau ▶", "p|3"), Button("✅ Xong", "x"))
PROGRESS = progress_buttons(assignment_id=57, occurrence_id=None, _=vi)


@pytest.mark.parametrize(
    ("text", "number"),
    [("[2]", 2), (" [ 3 ] ", 3), ("2.", 2), ("[2", None), ("[2].", None), ("2 3", None)],
)
def test_a_number_alone_is_read_with_or_without_brackets(text: str, number: int | None) -> None:
    assert choice_number(text) == number


def test_a_label_is_read_without_diacritics_emoji_or_case() -> None:
    assert label_key("✅ Xong") == label_key("xong") == "xong"
    assert label_key("Trang sau ▶") == label_key("trang  SAU") == "trang sau"


@pytest.mark.parametrize(
    ("text", "data"),
    [("2", "p|3"), ("[3]", "x"), ("4", None), ("0", None), ("trang sau", "p|3"), ("xong", "x")],
)
def test_a_typed_number_or_label_presses_that_option(text: str, data: str | None) -> None:
    button = chosen(PAGES, text, by_number=True)
    assert (button.data if button else None) == data


def test_without_numbering_a_number_presses_nothing_and_a_label_still_does() -> None:
    assert chosen(PROGRESS, "2", by_number=False) is None
    fifty = chosen(PROGRESS, "50%", by_number=False)
    assert fifty is not None and fifty.label == "50%"


def test_without_labels_only_a_number_presses() -> None:
    assert chosen(PAGES, "xong", by_number=True, by_label=False) is None
    assert chosen(PAGES, "[1]", by_number=True, by_label=False) == PAGES[0]


def test_a_label_two_options_share_presses_neither() -> None:
    twice = (Button("Xong", "a"), Button("✅ Xong", "b"))
    assert chosen(twice, "xong", by_number=True) is None
