"""Which task a reply binds to, and the question the bot asks when it cannot tell.

A reply binds to a task this way, and never by guessing: a handle ("#57") names it; an
item number names a line of the reminder replied to (or of the chat's newest reminder, or
of the bot's own "which task?" list); a reply without either goes to the reminder replied
to when it has one task, else to the task of the follow-up question the bot just asked,
else to the one open task among the reminder's. Otherwise the bot asks which task, with a
numbered list, and remembers the question (`WhichQuestion`); a short answer that left out
a figure or a reason is asked for it (`FollowQuestion`). Questions are kept as JSON in the
chat's state (`dump`/`load_question`), in the form stored since the first version.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.replies import ReplyAction, StatusReply
from domain.targets import Target

WHICH = "which"
FOLLOW = "follow"
DECIDE = "decide"


class Expect(StrEnum):
    """What a follow-up question waits for."""

    REASON = "reason"
    PERCENT = "percent"
    DAYS = "days"
    # The new date and reason of a request for more time (after ⏳ Xin gia hạn), or the
    # date a coordinator approves one to.
    EXTENSION = "extension"
    DATE = "date"
    # The result of work reported done, and the cause of a late completion.
    EVIDENCE = "evidence"
    CAUSE = "cause"


@dataclass(frozen=True)
class Want:
    """One update the sender asked for, not yet bound to a task."""

    action: ReplyAction
    percent: int | None = None
    reason: str | None = None
    days: int | None = None

    @classmethod
    def of(cls, reply: StatusReply) -> "Want":
        """The update a parsed reply asks for."""
        return cls(reply.action, reply.percent, reply.reason, reply.snooze_days)

    def dump(self) -> dict[str, Any]:
        """JSON form, kept in a pending question."""
        return {"a": self.action.value, "p": self.percent, "r": self.reason, "d": self.days}

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> "Want":
        """Back from JSON."""
        return cls(ReplyAction(data["a"]), data.get("p"), data.get("r"), data.get("d"))


@dataclass(frozen=True)
class WhichQuestion:
    """ "Which task?": the updates asked for and the numbered tasks offered."""

    wants: tuple[Want, ...]
    options: tuple[Target, ...]

    def dump(self) -> dict[str, Any]:
        """JSON form, kept in the chat's state."""
        return {
            "kind": WHICH,
            "wants": [w.dump() for w in self.wants],
            "options": [[t.assignment_id, t.occurrence_id] for t in self.options],
        }

    def option(self, number: int) -> Target | None:
        """The task offered as `number` (from 1), if there is one."""
        return self.options[number - 1] if 1 <= number <= len(self.options) else None


@dataclass(frozen=True)
class FollowQuestion:
    """A follow-up about one task: its blocking reason, its percentage or snooze days."""

    expect: Expect
    target: Target

    def dump(self) -> dict[str, Any]:
        """JSON form, kept in the chat's state."""
        return {
            "kind": FOLLOW,
            "expect": self.expect.value,
            "target": [self.target.assignment_id, self.target.occurrence_id],
        }


@dataclass(frozen=True)
class DecisionQuestion:
    """A coordinator's decision waiting for a word: the date an extension is approved to
    (Expect.DATE) or why a request is refused or a completion returned (Expect.REASON).
    `subject` is "extension" or "completion"; `record` that request's or report's id."""

    expect: Expect
    subject: str
    record: int

    def dump(self) -> dict[str, Any]:
        """JSON form, kept in the chat's state."""
        return {
            "kind": DECIDE,
            "expect": self.expect.value,
            "subject": self.subject,
            "record": self.record,
        }


Question = WhichQuestion | FollowQuestion | DecisionQuestion


def load_question(data: Mapping[str, Any] | None) -> Question | None:
    """A question back from the chat's state; None for none, or for one no longer readable."""
    if not data:
        return None
    try:
        if data["kind"] == WHICH:
            return WhichQuestion(
                wants=tuple(Want.load(w) for w in data["wants"]),
                options=tuple(Target.of_pair(pair) for pair in data["options"]),
            )
        if data["kind"] == FOLLOW:
            return FollowQuestion(Expect(data["expect"]), Target.of_pair(data["target"]))
        if data["kind"] == DECIDE:
            return DecisionQuestion(
                Expect(data["expect"]), str(data["subject"]), int(data["record"])
            )
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return None


def fixed_target(
    question: Question | None, *, replied: bool, numbered: Sequence[Target]
) -> Target | None:
    """The task a reply naming none binds to without looking at the store: the follow-up's
    task (unless the reply answers a reminder), or the only task of the reminder replied to."""
    if isinstance(question, FollowQuestion) and not replied:
        return question.target
    if replied and len(numbered) == 1:
        return numbered[0]
    return None


def choose(
    numbered: Sequence[Target], still_open: Sequence[Target], *, replied: bool
) -> tuple[Target | None, list[Target]]:
    """Among a reminder's tasks, of which `still_open` are open: the one to bind to, or the
    tasks to ask about (all of them when a replied-to reminder has none open)."""
    if len(still_open) == 1:
        return still_open[0], []
    if replied and not still_open:
        return None, list(numbered)
    return None, list(still_open)
