"""The buttons under a reminder item and their follow-up rows, shared with the scheduler.

The scheduler renders a reminder's rows with `status_buttons`; the conversation decodes
the same data (handlers.actions) and answers with `progress_buttons` or `snooze_buttons`
when a press needs a figure.
"""

from functools import lru_cache

from locales import N_, Translate
from views.buttons import ButtonAction, ButtonPress, encode, status_template
from views.messages import Button, ReminderItem

PROGRESS_CHOICES = (25, 50, 75)
SNOOZE_CHOICES = (1, 3, 7)


# The five status buttons in order: what each asks for and its label.
_STATUS_BUTTONS = (
    (ButtonAction.DONE, N_("✅ Xong")),
    (ButtonAction.PROGRESS, N_("🔄 Đang làm")),
    (ButtonAction.BLOCKED, N_("⚠️ Vướng mắc")),
    (ButtonAction.SNOOZE, N_("⏰ Nhắc lại sau")),
    (ButtonAction.EXTEND, N_("⏳ Xin gia hạn")),
)


@lru_cache(maxsize=256)
def _status_template(_: Translate, number: int | None) -> tuple[tuple[str, str], ...]:
    """Each status button's label (numbered or not) and data template, in one language."""
    prefix = "" if number is None else f"{number}. "
    return tuple((prefix + _(label), status_template(action)) for action, label in _STATUS_BUTTONS)


def status_buttons(
    *, item: ReminderItem, _: Translate, numbered: bool = False
) -> tuple[Button, ...]:
    """✅ Xong · 🔄 Đang làm · ⚠️ Vướng mắc · ⏰ Nhắc lại sau · ⏳ Xin gia hạn, for one item.

    With `numbered`, each label starts with the item number, for reminders of several items.
    A day's first sweep makes some 20,000 of these: the labels and data come from a template
    made once per language and item number, only the ids are filled in.
    """
    template = _status_template(_, item.number if numbered else None)
    occurrence = "" if item.occurrence_id is None else item.occurrence_id
    return tuple(
        Button(label, data.format(item.assignment_id, occurrence)) for label, data in template
    )


def progress_buttons(
    *, assignment_id: int, occurrence_id: int | None, _: Translate
) -> tuple[Button, ...]:
    """25% · 50% · 75% · ✅ Xong, asked after 🔄 Đang làm."""
    return (
        *(
            Button(
                _("{percent}%").format(percent=value),
                encode(ButtonPress(ButtonAction.PROGRESS, assignment_id, occurrence_id, value)),
            )
            for value in PROGRESS_CHOICES
        ),
        # 100%, not a plain "done": the answer to this question, so that once the question
        # is answered a late press of it changes nothing (handlers.replies).
        Button(
            _("✅ Xong"),
            encode(ButtonPress(ButtonAction.PROGRESS, assignment_id, occurrence_id, 100)),
        ),
    )


def snooze_buttons(
    *, assignment_id: int, occurrence_id: int | None, _: Translate
) -> tuple[Button, ...]:
    """1 · 3 · 7 days, asked after ⏰ Nhắc lại sau."""
    return tuple(
        Button(
            _("{days} ngày").format(days=value),
            encode(ButtonPress(ButtonAction.SNOOZE, assignment_id, occurrence_id, value)),
        )
        for value in SNOOZE_CHOICES
    )
