"""The follow-up rows of a reminder item's status buttons.

A reminder's rows are views.messages.status_buttons (made when it is sent, from its
StatusKeyboard); the conversation decodes their data (handlers.actions) and answers with
`progress_buttons` or `snooze_buttons` when a press needs a figure.
"""

from locales import Translate
from views.buttons import ButtonAction, ButtonPress, encode
from views.messages import Button

PROGRESS_CHOICES = (25, 50, 75)
SNOOZE_CHOICES = (1, 3, 7)


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
