"""Status replies: free text, buttons, /xong-style commands, follow-up questions and /undo.

A reply binds to a task this way, and never by guessing: a handle ("#57") names it; an
item number names a line of the reminder replied to (or of the chat's newest reminder, or
of the bot's own "which task?" list); a reply without either goes to the reminder replied
to when it has one open task, else to the task of the question the bot just asked, else to
the newest reminder when exactly one of its tasks is open. Otherwise the bot asks which
task, with a numbered list, and remembers the question.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from domain.access import AccessDenied, Actor
from domain.replies import (
    MAX_REASON_LENGTH,
    ParsedReply,
    ReplyAction,
    StatusReply,
    parse_delay,
    parse_reply,
)
from domain.targets import Target
from domain.text import clean
from handlers import lists
from handlers.context import Context
from locales import Translate
from services import chat_context, queries
from services import status as status_service
from services.queries import UnknownAssignmentError
from services.status import UndoOutcome
from views import buttons as button_data
from views.buttons import ButtonAction, decode
from views.keyboards import progress_buttons, snooze_buttons
from views.messages import Button, ReminderItem
from views.rows import AssignmentView
from views.text import day, status_phrase, view_line

MAX_TEXT_LENGTH = 1000
MAX_OPTIONS = 10
_BARE_NUMBER = re.compile(r"^#?\s*(\d{1,3})\s*%?$")
WHICH = "which"
FOLLOW = "follow"
EXPECT_REASON = "reason"
EXPECT_PERCENT = "percent"
EXPECT_DAYS = "days"


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
    def load(cls, data: dict[str, Any]) -> "Want":
        """Back from JSON."""
        return cls(ReplyAction(data["a"]), data.get("p"), data.get("r"), data.get("d"))


@dataclass
class Outcome:
    """What one message did, to be confirmed in one answer."""

    changed: list[tuple[AssignmentView, str]] = field(default_factory=list)
    unchanged: list[AssignmentView] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unclear: tuple[str, ...] = ()
    question: str | None = None
    question_buttons: tuple[Button, ...] = ()
    pending: dict[str, Any] | None = None
    applied: int = 0


def _items_as_targets(items: tuple[ReminderItem, ...]) -> dict[int, Target]:
    return {i.number: i.target for i in items}


async def on_text(ctx: Context, text: str) -> None:
    """A free-text message from a registered person."""
    question = await chat_context.pending(
        ctx.session, channel=ctx.incoming.channel, chat_id=ctx.incoming.chat_id, now=ctx.now
    )
    outcome = Outcome()
    bare = _BARE_NUMBER.match(text.strip())
    if question is not None and bare is not None and "%" not in text:
        await _answer_number(ctx, question, int(bare.group(1)), outcome)
    else:
        parsed = parse_reply(text)
        if question is not None and question["kind"] == FOLLOW and not _targeted(parsed):
            await _answer_follow(ctx, question, text, parsed, outcome)
        elif parsed.is_empty:
            _not_understood(ctx)
            return
        else:
            await _apply_parsed(ctx, parsed, question, outcome)
    await _finish(ctx, outcome)


def _targeted(parsed: ParsedReply) -> bool:
    return any(u.handle is not None or u.item is not None or u.all_items for u in parsed.updates)


def _not_understood(ctx: Context) -> None:
    _ = ctx._
    ctx.reply(
        _(
            "Xin lỗi, tôi chưa hiểu. Bạn có thể trả lời: «xong», «50%», «vướng: lý do», "
            "«nhắc lại sau 3 ngày», hoặc nêu số hiệu: «#57 xong». Gõ /help để xem thêm."
        )
    )


async def _answer_number(
    ctx: Context, question: dict[str, Any], value: int, outcome: Outcome
) -> None:
    _ = ctx._
    if question["kind"] == WHICH:
        options = question["options"]
        if not 1 <= value <= len(options):
            outcome.problems.append(
                _("Xin chọn một số từ 1 đến {count}.").format(count=len(options))
            )
            outcome.pending = question
            return
        target = Target.of_pair(options[value - 1])
        for data in question["wants"]:
            await _do(ctx, target, Want.load(data), outcome)
        return
    target = Target.of_pair(question["target"])
    expect = question["expect"]
    if expect == EXPECT_PERCENT and 0 <= value <= 100:
        action = ReplyAction.DONE if value == 100 else ReplyAction.PROGRESS
        await _do(ctx, target, Want(action, percent=None if value == 100 else value), outcome)
    elif expect == EXPECT_DAYS and 1 <= value <= status_service.MAX_SNOOZE_DAYS:
        await _do(ctx, target, Want(ReplyAction.SNOOZE, days=value), outcome)
    elif expect == EXPECT_REASON:
        await _do(ctx, target, Want(ReplyAction.BLOCKED, reason=str(value)), outcome)
    else:
        outcome.problems.append(_("Con số này không hợp lệ. Xin gửi lại."))
        outcome.pending = question


async def _answer_follow(
    ctx: Context, question: dict[str, Any], text: str, parsed: ParsedReply, outcome: Outcome
) -> None:
    target = Target.of_pair(question["target"])
    if parsed.updates:
        for update in parsed.updates:
            await _do(ctx, target, Want.of(update), outcome)
        outcome.unclear = parsed.unclear
    elif question["expect"] == EXPECT_DAYS and (days := parse_delay(text)) is not None:
        await _do(ctx, target, Want(ReplyAction.SNOOZE, days=days), outcome)
    elif question["expect"] == EXPECT_REASON and not parsed.unclear:
        reason = clean(text)[:MAX_REASON_LENGTH]
        await _do(ctx, target, Want(ReplyAction.BLOCKED, reason=reason or None), outcome)
    else:
        outcome.unclear = parsed.unclear or (clean(text)[:80],)
        outcome.pending = question


async def _context_items(
    ctx: Context, question: dict[str, Any] | None
) -> tuple[dict[int, Target], bool]:
    """Numbered targets a reply may refer to, and whether they come from a replied-to message."""
    incoming = ctx.incoming
    if incoming.reply_to_message_id:
        items = await chat_context.replied_items(
            ctx.session,
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            provider_message_id=incoming.reply_to_message_id,
        )
        if items:
            return _items_as_targets(items), True
    if question is not None and question["kind"] == WHICH:
        return {n: Target.of_pair(pair) for n, pair in enumerate(question["options"], 1)}, False
    items = await chat_context.latest_reminder_items(
        ctx.session, channel=incoming.channel, chat_id=incoming.chat_id
    )
    return _items_as_targets(items), False


async def _apply_parsed(
    ctx: Context, parsed: ParsedReply, question: dict[str, Any] | None, outcome: Outcome
) -> None:
    _ = ctx._
    numbered, replied = await _context_items(ctx, question)
    loose: list[Want] = []
    for update in parsed.updates:
        want = Want.of(update)
        if update.handle is not None:
            try:
                target = await status_service.resolve_handle(
                    ctx.session, actor=_actor(ctx), handle=update.handle, today=ctx.today
                )
            except UnknownAssignmentError:
                outcome.problems.append(
                    _("Không tìm thấy việc #{handle}.").format(handle=update.handle)
                )
                continue
            except AccessDenied:
                outcome.problems.append(_denied(ctx, update.handle))
                continue
            await _do(ctx, target, want, outcome)
        elif update.all_items:
            if not numbered:
                outcome.problems.append(_("Không có lời nhắc nào để áp dụng «tất cả»."))
                continue
            for target in await status_service.open_targets(
                ctx.session, targets=list(numbered.values())
            ) or list(numbered.values()):
                await _do(ctx, target, want, outcome)
        elif update.item is not None:
            target_or_none = numbered.get(update.item)
            if target_or_none is None:
                outcome.problems.append(
                    _("Không có mục số {number} trong lời nhắc.").format(number=update.item)
                )
                continue
            await _do(ctx, target_or_none, want, outcome)
        else:
            loose.append(want)
    outcome.unclear = parsed.unclear
    if loose:
        await _bind_loose(ctx, loose, numbered, replied, question, outcome)


async def _bind_loose(
    ctx: Context,
    wants: list[Want],
    numbered: dict[int, Target],
    replied: bool,
    question: dict[str, Any] | None,
    outcome: Outcome,
) -> None:
    """Updates that name no task: bind them only when the context leaves no doubt."""
    target: Target | None = None
    candidates: list[Target] = []
    if question is not None and question["kind"] == FOLLOW and not replied:
        target = Target.of_pair(question["target"])
    elif numbered:
        all_targets = list(numbered.values())
        if replied and len(all_targets) == 1:
            target = all_targets[0]
        else:
            candidates = await status_service.open_targets(ctx.session, targets=all_targets)
            if len(candidates) == 1:
                target = candidates[0]
            elif replied and not candidates:
                candidates = all_targets
    if target is not None:
        for want in wants:
            await _do(ctx, target, want, outcome)
        return
    if not candidates:
        found = await queries.my_open_assignments(
            ctx.session, actor=_actor(ctx), today=ctx.today, limit=MAX_OPTIONS
        )
        candidates = [Target(v.handle, v.occurrence_id) for v in found.views]
    await _ask_which(ctx, wants, candidates[:MAX_OPTIONS], outcome)


async def _ask_which(
    ctx: Context, wants: list[Want], candidates: list[Target], outcome: Outcome
) -> None:
    _ = ctx._
    if not candidates:
        outcome.problems.append(
            _("Bạn không có việc nào đang mở để cập nhật. Nêu số hiệu nếu cần, ví dụ «#57 xong».")
        )
        return
    found = await queries.views(ctx.session, targets=[t.pair for t in candidates])
    lines = [_("Bạn muốn cập nhật việc nào? Trả lời bằng số thứ tự:")]
    buttons = []
    for number, target in enumerate(candidates, 1):
        view = found.get(target.pair)
        if view is not None:
            lines.append(view_line(view, locale=ctx.locale, _=_, number=number))
            buttons.append(Button(f"{number}. #{view.handle}", button_data.which_option(number)))
    outcome.question = "\n".join(lines)
    outcome.question_buttons = tuple(buttons)
    outcome.pending = {
        "kind": WHICH,
        "wants": [w.dump() for w in wants],
        "options": [[t.assignment_id, t.occurrence_id] for t in candidates],
    }


def _actor(ctx: Context) -> Actor:
    assert ctx.actor is not None
    return ctx.actor


def _denied(ctx: Context, handle: int) -> str:
    return ctx._("Bạn không có quyền cập nhật việc #{handle}.").format(handle=handle)


def _source_id(ctx: Context, outcome: Outcome) -> str | None:
    base = ctx.incoming.source_id
    if base is None:
        return None
    outcome.applied += 1
    return base if outcome.applied == 1 else f"{base}#{outcome.applied}"


async def _do(ctx: Context, target: Target, want: Want, outcome: Outcome) -> None:
    """Apply one update to one target and note what to say about it."""
    _ = ctx._
    actor = _actor(ctx)
    try:
        if want.action is ReplyAction.SNOOZE:
            if want.days is None:
                _follow_up(ctx, outcome, target, EXPECT_DAYS)
                return
            snoozed = await status_service.snooze(
                ctx.session, actor=actor, target=target, days=want.days, now=ctx.now
            )
            until = snoozed.until.astimezone(ctx.settings.tz).date()
            outcome.changed.append(
                (
                    snoozed.view,
                    _("⏰ sẽ nhắc lại từ {date}").format(date=day(until, locale=ctx.locale)),
                )
            )
            return
        applied = await status_service.apply_status(
            ctx.session,
            actor=actor,
            target=target,
            action=want.action,
            percent=want.percent,
            reason=want.reason,
            channel=ctx.incoming.channel,
            source_message_id=_source_id(ctx, outcome),
            now=ctx.now,
            unseen=ctx.fresh,
        )
    except UnknownAssignmentError:
        outcome.problems.append(
            _("Không tìm thấy việc #{handle}.").format(handle=target.assignment_id)
        )
        return
    except AccessDenied:
        outcome.problems.append(_denied(ctx, target.assignment_id))
        return
    except status_service.ClosedError:
        outcome.problems.append(
            _("Việc #{handle} đã bị hủy, không nhận cập nhật.").format(handle=target.assignment_id)
        )
        return
    view = applied.view
    if applied.changed:
        outcome.changed.append((view, _phrase(ctx, view)))
    elif not applied.replayed:
        outcome.unchanged.append(view)
    if want.action is ReplyAction.BLOCKED and not view.blocked_reason:
        _follow_up(ctx, outcome, target, EXPECT_REASON)
    elif want.action is ReplyAction.PROGRESS and want.percent is None:
        _follow_up(ctx, outcome, target, EXPECT_PERCENT)


def _phrase(ctx: Context, view: AssignmentView) -> str:
    return status_phrase(
        view.status, view.progress, view.blocked_reason, _=ctx._, locale=ctx.locale
    )


def _follow_up(ctx: Context, outcome: Outcome, target: Target, expect: str) -> None:
    """Ask for the figure or the reason a short answer left out."""
    _ = ctx._
    if outcome.question is not None:
        return  # one question at a time; the rest can be said again
    handle = target.assignment_id
    if expect == EXPECT_REASON:
        outcome.question = _("Vướng mắc gì ở việc #{handle}? Xin nêu ngắn gọn lý do.").format(
            handle=handle
        )
    elif expect == EXPECT_PERCENT:
        outcome.question = _("Việc #{handle} đã được bao nhiêu phần trăm?").format(handle=handle)
        outcome.question_buttons = progress_buttons(
            assignment_id=handle, occurrence_id=target.occurrence_id, _=_
        )
    else:
        outcome.question = _("Nhắc lại việc #{handle} sau bao nhiêu ngày?").format(handle=handle)
        outcome.question_buttons = snooze_buttons(
            assignment_id=handle, occurrence_id=target.occurrence_id, _=_
        )
    outcome.pending = {
        "kind": FOLLOW,
        "expect": expect,
        "target": [target.assignment_id, target.occurrence_id],
    }


async def _finish(ctx: Context, outcome: Outcome) -> None:
    """Confirm everything in one message and remember the question asked, if any."""
    await chat_context.set_pending(
        ctx.session,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
        question=outcome.pending,
        now=ctx.now,
    )
    text = render_outcome(outcome, locale=ctx.locale, _=ctx._)
    ctx.reply(text, outcome.question_buttons)


def render_outcome(outcome: Outcome, *, locale: str, _: Translate) -> str:
    """The confirmation: what changed, what did not, what was unclear, and the question."""
    lines: list[str] = []
    if len(outcome.changed) == 1 and not outcome.unchanged:
        view, phrase = outcome.changed[0]
        lines.append(
            _("✅ Đã ghi nhận {task} → {status}").format(
                task=view_line(view, locale=locale, _=_), status=phrase
            )
        )
    elif outcome.changed:
        lines.append(_("✅ Đã ghi nhận:"))
        lines.extend(f"• {view_line(v, locale=locale, _=_)} → {p}" for v, p in outcome.changed)
    for view in outcome.unchanged:
        lines.append(
            _("{task}: không đổi ({status}).").format(
                task=view_line(view, locale=locale, _=_),
                status=status_phrase(
                    view.status, view.progress, view.blocked_reason, _=_, locale=locale
                ),
            )
        )
    lines.extend(outcome.problems)
    if outcome.unclear:
        quoted = ", ".join(f"«{u}»" for u in outcome.unclear)
        lines.append(
            _(
                "❓ Chưa rõ: {parts}. Phần này không thay đổi gì; xin viết lại, ví dụ "
                "«2 xong» hoặc «#57 60%»."
            ).format(parts=quoted)
        )
    if outcome.changed:
        lines.append(_("Gõ /undo trong 10 phút nếu nhầm."))
    if outcome.question:
        lines.append(outcome.question)
    if not lines:
        lines.append(_("Không có gì thay đổi."))
    return "\n".join(lines)


async def on_button(ctx: Context) -> None:
    """A status or navigation button pressed by a registered person."""
    _ = ctx._
    data = ctx.incoming.button
    press = decode(data)
    if press is None:
        nav = button_data.decode_nav(data)
        if nav is not None and nav.kind == button_data.OVERDUE:
            await lists.overdue(ctx, "", page=nav.number, scope_token=nav.scope)
            return
        if nav is not None and nav.kind == button_data.WHICH:
            question = await chat_context.pending(
                ctx.session,
                channel=ctx.incoming.channel,
                chat_id=ctx.incoming.chat_id,
                now=ctx.now,
            )
            if question is None or question["kind"] != WHICH:
                ctx.reply(_("Câu hỏi này đã hết hạn. Xin gửi lại cập nhật của bạn."))
                return
            outcome = Outcome()
            await _answer_number(ctx, question, nav.number, outcome)
            await _finish(ctx, outcome)
            return
        ctx.reply(_("Nút này không còn dùng được. Gõ /help để xem các lệnh."))
        return
    target = Target(press.assignment_id, press.occurrence_id)
    outcome = Outcome()
    want = {
        ButtonAction.DONE: Want(ReplyAction.DONE),
        ButtonAction.PROGRESS: Want(ReplyAction.PROGRESS, percent=press.value),
        ButtonAction.BLOCKED: Want(ReplyAction.BLOCKED),
        ButtonAction.SNOOZE: Want(ReplyAction.SNOOZE, days=press.value),
    }[press.action]
    if want.action is ReplyAction.PROGRESS and want.percent is not None and want.percent >= 100:
        want = Want(ReplyAction.DONE)
    await _do(ctx, target, want, outcome)
    await _finish(ctx, outcome)


async def by_handles(ctx: Context, args: str, action: ReplyAction) -> None:
    """/xong 57 58 · /tiendo 57 60 · /vuong 57 lý do · /nhaclai 57 3."""
    _ = ctx._
    words = args.split(" ") if args else []
    handles = []
    while words and words[0].lstrip("#").isdigit() and len(words[0]) <= 10:
        handles.append(int(words.pop(0).lstrip("#")))
    rest = " ".join(words)
    if action in (ReplyAction.PROGRESS, ReplyAction.SNOOZE) and len(handles) > 1 and not rest:
        rest = str(handles.pop())  # "/tiendo 57 60": the last number is the figure
    if not handles:
        if not args:
            # "/xong" alone reads like the reply "xong".
            word = {
                ReplyAction.DONE: "xong",
                ReplyAction.PROGRESS: "đang làm",
                ReplyAction.BLOCKED: "vướng",
                ReplyAction.SNOOZE: "nhắc lại sau",
            }[action]
            await on_text(ctx, word)
            return
        ctx.reply(_usage(action, _))
        return
    want = Want(action)
    if action is ReplyAction.PROGRESS and rest:
        value = rest.rstrip("%").strip()
        if not value.isdigit() or int(value) > 100:
            ctx.reply(_usage(action, _))
            return
        want = Want(ReplyAction.DONE) if int(value) == 100 else Want(action, percent=int(value))
    elif action is ReplyAction.BLOCKED and rest:
        want = Want(action, reason=clean(rest)[:MAX_REASON_LENGTH])
    elif action is ReplyAction.SNOOZE and rest:
        if not rest.isdigit() or not 1 <= int(rest[:4]) <= status_service.MAX_SNOOZE_DAYS:
            ctx.reply(_usage(action, _))
            return
        want = Want(action, days=int(rest))
    elif rest:
        ctx.reply(_usage(action, _))
        return
    outcome = Outcome()
    for handle in handles:
        try:
            target = await status_service.resolve_handle(
                ctx.session, actor=_actor(ctx), handle=handle, today=ctx.today
            )
        except UnknownAssignmentError:
            outcome.problems.append(_("Không tìm thấy việc #{handle}.").format(handle=handle))
            continue
        except AccessDenied:
            outcome.problems.append(_denied(ctx, handle))
            continue
        await _do(ctx, target, want, outcome)
    await _finish(ctx, outcome)


def _usage(action: ReplyAction, _: Translate) -> str:
    return {
        ReplyAction.DONE: _("Cách dùng: /xong 57 (số hiệu việc)."),
        ReplyAction.PROGRESS: _("Cách dùng: /tiendo 57 60 (số hiệu việc, phần trăm 0-100)."),
        ReplyAction.BLOCKED: _("Cách dùng: /vuong 57 chưa có kinh phí (số hiệu việc, lý do)."),
        ReplyAction.SNOOZE: _("Cách dùng: /nhaclai 57 3 (số hiệu việc, số ngày)."),
    }[action]


async def undo(ctx: Context, args: str) -> None:
    """/undo: take back the last reply, within 10 minutes."""
    _ = ctx._
    result = await status_service.undo_last(ctx.session, actor=_actor(ctx), now=ctx.now)
    if result.outcome is UndoOutcome.NOTHING:
        ctx.reply(_("Không có cập nhật nào để hoàn tác."))
    elif result.outcome is UndoOutcome.TOO_LATE:
        ctx.reply(_("Đã quá 10 phút nên không hoàn tác được. Xin gửi cập nhật mới thay thế."))
    elif result.outcome is UndoOutcome.SUPERSEDED:
        ctx.reply(_("Việc này đã có cập nhật mới hơn nên không hoàn tác được."))
    else:
        lines = [_("↩️ Đã hoàn tác. Trạng thái hiện tại:")]
        lines.extend(
            f"• {view_line(v, locale=ctx.locale, _=_)} → {_phrase(ctx, v)}" for v in result.views
        )
        ctx.reply("\n".join(lines))


async def cancel(ctx: Context, args: str) -> None:
    """/cancel: forget the question the bot is waiting on."""
    await chat_context.set_pending(
        ctx.session,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
        question=None,
        now=ctx.now,
    )
    ctx.reply(ctx._("Đã bỏ câu hỏi đang chờ."))
