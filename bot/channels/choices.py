"""Pressing a button by typing, where a channel shows buttons as text (Zalo, the console).

A message's buttons are shown as options to type back. `options()` says which buttons are
options (none for a reminder, whose reply hint names its items by number instead) and
`numbered()` whether they are picked by number (not when one carries a figure: typing "3"
after "remind me in how many days?" must mean 3 days, not option 3). `chosen()` reads a
typed reply: a number alone ("2", "2.", "2)" or "[2]") picks that option; otherwise the
label itself ("Trang sau", "3 ngày", "✅ Xong", typed with or without diacritics and emoji)
picks the one option it names.
"""

import re
from collections.abc import Sequence

from domain.text import fold
from views.buttons import decode
from views.messages import Button, Outgoing

_CHOICE = re.compile(r"^\s*(?:\[\s*([0-9]{1,2})\s*\]|([0-9]{1,2})\s*[.)]?)\s*$")
_NOT_WORD = re.compile(r"[^\w%]+")


def in_reading_order(message: Outgoing) -> list[Button]:
    """Every button of a message, row by row."""
    return [button for row in message.buttons for button in row]


def options(message: Outgoing) -> list[Button]:
    """The buttons a reader can choose by typing, in reading order; none for a reminder."""
    if message.items:
        return []
    return in_reading_order(message)


def numbered(choices: Sequence[Button]) -> bool:
    """Whether the choices are picked by number: not when one of them carries a figure."""
    return bool(choices) and not any(_carries_figure(button) for button in choices)


def _carries_figure(button: Button) -> bool:
    press = decode(button.data)
    return press is not None and press.value is not None


def choice_number(text: str | None) -> int | None:
    """The option a reply like "2", "2." or "[2]" picks, if that is all it says."""
    match = _CHOICE.match(text or "")
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def label_key(text: str) -> str:
    """A button label or a typed reply reduced to its words: "✅ Xong" and "xong" agree."""
    return " ".join(_NOT_WORD.sub(" ", fold(text)).split())


def chosen(
    choices: Sequence[Button], text: str, *, by_number: bool, by_label: bool = True
) -> Button | None:
    """The button a typed reply presses among `choices`, if it presses one.

    A number alone picks the option of that number when `by_number`, and nothing otherwise
    (nor when there is no such option). With `by_label`, anything else picks the one option
    whose label it matches.
    """
    number = choice_number(text)
    if number is not None:
        if by_number and 1 <= number <= len(choices):
            return choices[number - 1]
        return None
    if not by_label:
        return None
    typed = label_key(text)
    matches = [button for button in choices if label_key(button.label) == typed]
    return matches[0] if typed and len(matches) == 1 else None
