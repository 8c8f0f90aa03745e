"""What an importer tells a coordinator about a file, in the reader's language.

A problem is found long before anyone's locale is known, so it keeps its message as the
catalog's Vietnamese msgid (marked with N_ for extraction) and its values apart; whoever
shows it translates first and formats after (STYLE.md habit 5). A value may itself be a
problem (a translated reason inside a sentence).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

from domain.deadlines import ContextYear, Deadline, UnreadReason, YearSource
from locales import N_

Value = Union[str, int, "Problem"]


@dataclass(frozen=True)
class Problem:
    """One message with its values, translated when shown."""

    text: str
    values: tuple[tuple[str, Value], ...] = ()

    @classmethod
    def of(cls, message: str, /, **values: Value) -> "Problem":
        """A problem with named values for the message's {placeholders}."""
        return cls(message, tuple(values.items()))

    def render(self, translate: Callable[[str], str]) -> str:
        """The message in the reader's language."""
        values = {
            name: value.render(translate) if isinstance(value, Problem) else value
            for name, value in self.values
        }
        return translate(self.text).format(**values)

    def __str__(self) -> str:
        # The default language, where no translator is at hand (logs, stored notes).
        return self.render(lambda text: text)


# Why a deadline phrase could not be read (Deadline.reason of an UNREAD deadline).
DEADLINE_REASONS: dict[str, str] = {
    UnreadReason.INVALID_DATE: N_("ngày không có thật"),
    UnreadReason.INVALID_MONTH: N_("tháng không hợp lệ"),
    UnreadReason.INVALID_QUARTER: N_("quý không hợp lệ"),
    UnreadReason.INVALID_YEAR: N_("năm không hợp lệ"),
    UnreadReason.NO_YEAR: N_("không rõ năm"),
    UnreadReason.UNRECOGNISED: N_("không nhận ra cách viết"),
    UnreadReason.NO_TIME_EXPRESSION: N_("không có mốc thời gian"),
    UnreadReason.INVALID_RECURRENCE: N_("chu kỳ không hợp lệ"),
    UnreadReason.INVALID_TIME: N_("giờ không hợp lệ"),
    UnreadReason.AMBIGUOUS: N_("có thể hiểu theo nhiều cách"),
}

# Why a deadline that names no year got one (Deadline.year_inferred_from).
YEAR_SOURCES: dict[str, str] = {
    YearSource.HEADER: N_("Thời hạn «{phrase}» không ghi năm; lấy năm {year} ở tiêu đề cột"),
    YearSource.DOCUMENT: N_("Thời hạn «{phrase}» không ghi năm; lấy năm {year} theo văn bản"),
}


def deadline_reason(reason: str | None) -> Value:
    """A deadline reader's reason, as a translatable value (unknown ones as they are)."""
    known = DEADLINE_REASONS.get(reason or "")
    return Problem(known) if known is not None else (reason or "")


def year_inferred(deadline: Deadline, context: ContextYear) -> Problem | None:
    """What to tell a coordinator when a deadline read with `context` took its year."""
    if deadline.year_inferred_from is None:
        return None
    return Problem.of(
        YEAR_SOURCES[deadline.year_inferred_from], phrase=deadline.original, year=context.year
    )
