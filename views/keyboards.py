"""The buttons under a reminder item and their follow-up rows, shared with the scheduler.

The scheduler renders a reminder's rows with `status_buttons`; the conversation decodes
the same data (handlers.actions) and answers with `progress_buttons` or `snooze_buttons`
when a press needs a figure.
"""

from locales import Translate
from views.buttons import ButtonAction, ButtonPress, encode
from views.messages import Button, ReminderItem

PROGRESS_CHOICES = (25, 50, 75)
SNOOZE_CHOICES = (1, 3, 7)


def status_buttons(
    *, item: ReminderItem, _: Translate, numbered: bool = False
) -> tuple[Button, ...]:
    """✅ Xong · 🔄 Đang làm · ⚠️ Vướng mắc · ⏰ Nhắc lại sau · ⏳ Xin gia hạn, for one item.

    With `numbered`, each label starts with the item number, for reminders of several items.
    """
    prefix = f"{item.number}. " if numbered else ""

    def button(action: ButtonAction, label: str) -> Button:
        press = ButtonPress(action, item.assignment_id, item.occurrence_id)
        return Button(prefix + label, encode(press))

    return (
        button(ButtonAction.DONE, _("✅ Xong")),
        button(ButtonAction.PROGRESS, _("🔄 Đang làm")),
        button(ButtonAction.BLOCKED, _("⚠️ Vướng mắc")),
        button(ButtonAction.SNOOZE, _("⏰ Nhắc lại sau")),
        button(ButtonAction.EXTEND, _("⏳ Xin gia hạn")),
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
