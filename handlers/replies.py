"""Status replies: free text, buttons, /xong-style commands, follow-up questions and /undo.

How a reply binds to a task is domain.binding's rule; what the bot says is views.replies."""

import re
from collections.abc import Callable

from domain.access import AccessDenied, Actor
from domain.binding import (
    DecisionQuestion,
    Expect,
    FollowQuestion,
    Question,
    Want,
    WhichQuestion,
    choose,
    fixed_target,
    load_question,
)
from domain.blocking import BlockedBy
from domain.extensions import read_extension_request
from domain.replies import (
    MAX_REASON_LENGTH,
    MAX_SNOOZE_DAYS,
    ParsedReply,
    ReplyAction,
    parse_delay,
    parse_reply,
)
from domain.targets import Target
from domain.text import MAX_ID, clean, read_int
from handlers import completions, extensions, indicators, lists
from handlers.context import Context, Render
from services import blocking, chat_context, queries
from services import status as status_service
from services.queries import UnknownAssignmentError
from services.status import UndoOutcome
from views import buttons as button_data
from views.buttons import ButtonAction, DecisionAction, decode
from views.messages import Outgoing, ReminderItem
from views.replies import (
    Outcome,
    blocked_for_coordinator,
    blocker_told,
    cancelled,
    denied,
    follow_up,
    not_found,
    not_understood,
    nothing_open,
    phrase,
    render_outcome,
    undone,
    unknown_blocker,
    usage,
    waits_on_you,
    which_question,
)
from views.rows import AssignmentView
from views.text import day

MAX_TEXT_LENGTH = 1000
MAX_OPTIONS = 10
# Follow-up questions answered in words of their own (a date, a result, a cause).
_WORDS_ASKED = (Expect.EXTENSION, Expect.EVIDENCE, Expect.CAUSE)
_BARE_NUMBER = re.compile(r"^#?\s*([0-9]{1,3})\s*%?$")


def _items_as_targets(items: tuple[ReminderItem, ...]) -> dict[int, Target]:
    return {i.number: i.target for i in items}


async def on_text(ctx: Context, text: str) -> None:
    """A free-text message from a registered person (figures for indicators go to
    handlers.indicators)."""
    request = read_extension_request(text)
    if request is None and await indicators.on_text(ctx, text):
        return
    question = await _pending(ctx)
    if isinstance(question, DecisionQuestion) and not _targeted(parse_reply(text)):
        await _decision_answer(ctx, question, text)
        return
    if isinstance(question, DecisionQuestion):
        question = None  # a reply naming a task is a new reply, not the words asked for
    if (
        isinstance(question, FollowQuestion)
        and question.expect in _WORDS_ASKED
        and not _targeted(parse_reply(text))
    ):
        # An answer in words; a reply naming a task ("3 vướng: …") is a new reply.
        if question.expect is Expect.EXTENSION:
            await extensions.on_follow(ctx, question.target, text)
        elif question.expect is Expect.EVIDENCE:
            await completions.on_evidence(ctx, question.target, text)
        else:
            await completions.on_cause(ctx, question.target, text)
        return
    if request is not None:
        numbered, replied = await _context_items(ctx, question)
        await extensions.on_request(
            ctx, request, numbered=numbered, replied=replied, question=question
        )
        return
    outcome = Outcome()
    bare = _BARE_NUMBER.match(text.strip())
    if question is not None and bare is not None and "%" not in text:
        await _answer_number(ctx, question, int(bare.group(1)), outcome)
    else:
        parsed = parse_reply(text)
        if isinstance(question, FollowQuestion) and not _targeted(parsed):
            await _answer_follow(ctx, question, text, parsed, outcome)
        elif parsed.is_empty:
            ctx.reply(not_understood(ctx._))
            return
        else:
            await _apply_parsed(ctx, parsed, question, outcome)
    await _finish(ctx, outcome)


async def _decision_answer(ctx: Context, question: DecisionQuestion, text: str) -> None:
    """The words a coordinator's decision waited for (a date, a reason)."""
    if question.subject == completions.COMPLETION:
        await completions.on_answer(ctx, question, text)
    else:
        await extensions.on_answer(ctx, question, text)


def _targeted(parsed: ParsedReply) -> bool:
    return any(u.handle is not None or u.item is not None or u.all_items for u in parsed.updates)


async def _pending(ctx: Context) -> Question | None:
    data = await chat_context.pending(
        ctx.session, channel=ctx.incoming.channel, chat_id=ctx.incoming.chat_id, now=ctx.now
    )
    return load_question(data)


async def _answer_number(
    ctx: Context, question: WhichQuestion | FollowQuestion, value: int, outcome: Outcome
) -> None:
    _ = ctx._
    if isinstance(question, WhichQuestion):
        chosen = question.option(value)
        if chosen is None:
            outcome.problems.append(
                _("Xin chọn một số từ 1 đến {count}.").format(count=len(question.options))
            )
            outcome.pending = question
            return
        for want in question.wants:
            await _do(ctx, chosen, want, outcome)
        return
    target = question.target
    expect = question.expect
    if expect is Expect.PERCENT and 0 <= value <= 100:
        action = ReplyAction.DONE if value == 100 else ReplyAction.PROGRESS
        await _do(ctx, target, Want(action, percent=None if value == 100 else value), outcome)
    elif expect is Expect.DAYS and 1 <= value <= MAX_SNOOZE_DAYS:
        await _do(ctx, target, Want(ReplyAction.SNOOZE, days=value), outcome)
    elif expect is Expect.REASON:
        await _do(ctx, target, Want(ReplyAction.BLOCKED, reason=str(value)), outcome)
    else:
        outcome.problems.append(_("Con số này không hợp lệ. Xin gửi lại."))
        outcome.pending = question


async def _answer_follow(
    ctx: Context, question: FollowQuestion, text: str, parsed: ParsedReply, outcome: Outcome
) -> None:
    target = question.target
    if parsed.updates:
        for update in parsed.updates:
            await _do(ctx, target, Want.of(update), outcome)
        outcome.unclear = parsed.unclear
    elif question.expect is Expect.DAYS and (days := parse_delay(text)) is not None:
        await _do(ctx, target, Want(ReplyAction.SNOOZE, days=days), outcome)
    elif question.expect is Expect.REASON and not parsed.unclear:
        reason = clean(text)[:MAX_REASON_LENGTH]
        await _do(ctx, target, Want(ReplyAction.BLOCKED, reason=reason or None), outcome)
    else:
        outcome.unclear = parsed.unclear or (clean(text)[:80],)
        outcome.pending = question


async def _context_items(
    ctx: Context, question: Question | None
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
    if isinstance(question, WhichQuestion):
        return dict(enumerate(question.options, 1)), False
    items = await chat_context.latest_reminder_items(
        ctx.session, channel=incoming.channel, chat_id=incoming.chat_id
    )
    return _items_as_targets(items), False


async def _apply_parsed(
    ctx: Context, parsed: ParsedReply, question: Question | None, outcome: Outcome
) -> None:
    _ = ctx._
    numbered, replied = await _context_items(ctx, question)
    loose: list[Want] = []
    bound: list[tuple[Target, Want]] = []
    for update in parsed.updates:
        want = Want.of(update)
        if update.handle is not None:
            try:
                target = await status_service.resolve_handle(
                    ctx.session, actor=_actor(ctx), handle=update.handle, today=ctx.today
                )
            except UnknownAssignmentError:
                outcome.problems.append(not_found(update.handle, _))
                continue
            except AccessDenied:
                outcome.problems.append(denied(update.handle, _))
                continue
            bound.append((target, want))
        elif update.all_items:
            if not numbered:
                outcome.problems.append(_("Không có lời nhắc nào để áp dụng «tất cả»."))
                continue
            for target in await status_service.open_targets(
                ctx.session, targets=list(numbered.values())
            ) or list(numbered.values()):
                bound.append((target, want))
        elif update.item is not None:
            target_or_none = numbered.get(update.item)
            if target_or_none is None:
                outcome.problems.append(
                    _("Không có mục số {number} trong lời nhắc.").format(number=update.item)
                )
                continue
            bound.append((target_or_none, want))
        else:
            loose.append(want)
    for target, want in _last_per_target(bound):
        await _do(ctx, target, want, outcome)
    outcome.unclear = parsed.unclear
    if loose:
        await _bind_loose(ctx, loose, numbered, replied, question, outcome)


def _last_per_target(bound: list[tuple[Target, Want]]) -> list[tuple[Target, Want]]:
    """One status and one snooze per task: of several in one reply ("1 30%" … "1 60%"), the
    last one written is the one meant, and it alone goes into the history."""
    last: dict[tuple[tuple[int, int | None], bool], tuple[Target, Want]] = {}
    for target, want in bound:
        key = (target.pair, want.action is ReplyAction.SNOOZE)
        last.pop(key, None)
        last[key] = (target, want)
    return list(last.values())


async def _bind_loose(
    ctx: Context,
    wants: list[Want],
    numbered: dict[int, Target],
    replied: bool,
    question: Question | None,
    outcome: Outcome,
) -> None:
    """Updates that name no task: bind them only when the context leaves no doubt."""
    offered = list(numbered.values())
    target = fixed_target(question, replied=replied, numbered=offered)
    candidates: list[Target] = []
    if target is None and offered:
        still_open = await status_service.open_targets(ctx.session, targets=offered)
        target, candidates = choose(offered, still_open, replied=replied)
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
    if not candidates:
        outcome.problems.append(nothing_open(ctx._))
        return
    found = await queries.views(ctx.session, targets=[t.pair for t in candidates])
    outcome.question, outcome.question_buttons = which_question(
        [found.get(target.pair) for target in candidates], locale=ctx.locale, _=ctx._
    )
    outcome.pending = WhichQuestion(wants=tuple(wants), options=tuple(candidates))


def _actor(ctx: Context) -> Actor:
    assert ctx.actor is not None
    return ctx.actor


def _source_id(ctx: Context, outcome: Outcome) -> str | None:
    base = ctx.incoming.source_id
    if base is None:
        return None
    outcome.applied += 1
    return base if outcome.applied == 1 else f"{base}#{outcome.applied}"


def snoozed_phrase(snoozed: status_service.Snoozed, days: int, ctx: Context) -> str:
    """When the reminder comes back; if the day asked for was off (or the hour outside the
    send window), that it was moved to the next working moment."""
    _ = ctx._
    local = snoozed.until.astimezone(ctx.config.tz)
    when = day(local.date(), locale=ctx.locale)
    if not snoozed.moved:
        return _("⏰ sẽ nhắc lại từ {date}").format(date=when)
    return _(
        "⏰ sẽ nhắc lại từ {date} lúc {time}: sau {days} ngày là ngày nghỉ hoặc ngoài giờ gửi "
        "nhắc, nên dời sang giờ làm việc kế tiếp"
    ).format(date=when, time=f"{local:%H:%M}", days=days)


async def _do(ctx: Context, target: Target, want: Want, outcome: Outcome) -> None:
    """Apply one update to one target and note what to say about it."""
    _ = ctx._
    actor = _actor(ctx)
    try:
        if want.action is ReplyAction.SNOOZE:
            if want.days is None:
                _follow_up(ctx, outcome, target, Expect.DAYS)
                return
            snoozed = await status_service.snooze(
                ctx.session,
                actor=actor,
                target=target,
                days=want.days,
                now=ctx.now,
                hours=ctx.config.hours,
            )
            outcome.changed.append((snoozed.view, snoozed_phrase(snoozed, want.days, ctx)))
            return
        blocker = None
        if want.action is ReplyAction.DONE:
            current = await status_service.current_view(ctx.session, target=target)
            if completions.wants_confirmation(ctx, current):
                view, question, expect = await completions.report_done(ctx, target)
                outcome.changed.append((view, phrase(view, locale=ctx.locale, _=_)))
                if outcome.question is None:
                    outcome.question = question
                    outcome.pending = FollowQuestion(expect, target) if expect else None
                return
        if want.action is ReplyAction.BLOCKED and want.reason:
            current = await status_service.current_view(ctx.session, target=target)
            blocker = await blocking.read_blocker(
                ctx.session, reason=want.reason, own_agency=current.agency_code, as_of=ctx.today
            )
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
            blocked_by=blocker.agency if blocker else None,
        )
    except UnknownAssignmentError:
        outcome.problems.append(not_found(target.assignment_id, _))
        return
    except AccessDenied:
        outcome.problems.append(denied(target.assignment_id, _))
        return
    except status_service.ClosedError:
        outcome.problems.append(cancelled(target.assignment_id, _))
        return
    view = applied.view
    if applied.changed:
        said = phrase(view, locale=ctx.locale, _=_)
        if blocker is not None:
            said += await _tell_blocker(ctx, view, blocker)
        outcome.changed.append((view, said))
    elif not applied.replayed:
        outcome.unchanged.append(view)
    if want.action is ReplyAction.BLOCKED and not view.blocked_reason:
        _follow_up(ctx, outcome, target, Expect.REASON)
    elif want.action is ReplyAction.PROGRESS and want.percent is None:
        _follow_up(ctx, outcome, target, Expect.PERCENT)


async def _tell_blocker(ctx: Context, view: AssignmentView, blocker: BlockedBy) -> str:
    """Tell the agency blocked work waits on and the coordinators; what to add to the
    confirmation about it."""
    _ = ctx._
    if blocker.agency is None:
        return " " + unknown_blocker(blocker.unknown, _) if blocker.flagged else ""
    actor = _actor(ctx)
    waiting = await blocking.who_to_tell(
        ctx.session, assignment_id=view.handle, code=blocker.agency, besides=actor.person_id
    )
    if waiting is None:
        return ""
    reporter = actor.name

    def notice(words: Callable[..., str], locale: str) -> Render:
        return lambda t: Outgoing(text=words(view, reporter=reporter, locale=locale, _=t))

    for person in waiting.officers:
        ctx.notify(person, notice(waits_on_you, person.locale))
    for person in waiting.coordinators:
        ctx.notify(person, notice(blocked_for_coordinator, person.locale))
    return " " + blocker_told(waiting.code, bool(waiting.officers), _)


def _follow_up(ctx: Context, outcome: Outcome, target: Target, expect: Expect) -> None:
    """Ask for the figure or the reason a short answer left out."""
    if outcome.question is not None:
        return  # one question at a time; the rest can be said again
    outcome.question, outcome.question_buttons = follow_up(expect, target, ctx._)
    outcome.pending = FollowQuestion(expect, target)


async def _finish(ctx: Context, outcome: Outcome) -> None:
    """Confirm everything in one message and remember the question asked, if any."""
    await chat_context.set_pending(
        ctx.session,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
        question=outcome.pending.dump() if outcome.pending else None,
        now=ctx.now,
    )
    text = render_outcome(outcome, locale=ctx.locale, _=ctx._)
    ctx.reply(text, outcome.question_buttons)


async def on_button(ctx: Context) -> None:
    """A status or navigation button pressed by a registered person."""
    _ = ctx._
    data = ctx.incoming.button
    if (explain := button_data.decode_explain(data)) is not None:
        await indicators.on_explain(ctx, explain)
        return
    if (decision := button_data.decode_decision(data)) is not None:
        if decision.action in (DecisionAction.CONFIRM, DecisionAction.RETURN):
            await completions.on_button(ctx, decision)
        else:
            await extensions.on_button(ctx, decision)
        return
    press = decode(data)
    if press is None:
        nav = button_data.decode_nav(data)
        if nav is not None and nav.kind == button_data.OVERDUE:
            await lists.overdue(ctx, "", page=nav.number, scope_token=nav.scope)
            return
        if nav is not None and nav.kind == button_data.TASKS:
            await lists.tasks(ctx, "", page=nav.number)
            return
        if nav is not None and nav.kind == button_data.WHICH:
            question = await _pending(ctx)
            if not isinstance(question, WhichQuestion):
                _answered_already(ctx)
                return
            outcome = Outcome()
            await _answer_number(ctx, question, nav.number, outcome)
            await _finish(ctx, outcome)
            return
        ctx.reply(_("Nút này không còn dùng được. Gõ /help để xem các lệnh."))
        return
    target = Target(press.assignment_id, press.occurrence_id)
    if press.action is ButtonAction.EXTEND:
        await extensions.ask(ctx, target)
        return
    if press.value is not None and not await _asked(ctx, press.action, target):
        # A figure comes only from a follow-up question's buttons: that question is over.
        _answered_already(ctx)
        return
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


async def _asked(ctx: Context, action: ButtonAction, target: Target) -> bool:
    """Whether the chat's open question is the one whose button this is."""
    expect = Expect.PERCENT if action is ButtonAction.PROGRESS else Expect.DAYS
    question = await _pending(ctx)
    return (
        isinstance(question, FollowQuestion)
        and question.expect is expect
        and question.target == target
    )


def _answered_already(ctx: Context) -> None:
    """A button of a question that was answered (or replaced, or forgotten) was pressed."""
    ctx.reply(ctx._("Câu hỏi này đã được trả lời. Nếu cần thay đổi, xin gửi cập nhật mới."))


async def by_handles(ctx: Context, args: str, action: ReplyAction) -> None:
    """/xong 57 58 · /tiendo 57 60 · /vuong 57 lý do · /nhaclai 57 3."""
    _ = ctx._
    words = args.split(" ") if args else []
    handles = []
    while words and (handle := read_int(words[0].removeprefix("#"), high=MAX_ID)) is not None:
        handles.append(handle)
        words.pop(0)
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
        ctx.reply(usage(action, _))
        return
    want = Want(action)
    if action is ReplyAction.PROGRESS and rest:
        percent = read_int(rest.removesuffix("%"), high=100)
        if percent is None:
            ctx.reply(usage(action, _))
            return
        want = Want(ReplyAction.DONE) if percent == 100 else Want(action, percent=percent)
    elif action is ReplyAction.BLOCKED and rest:
        want = Want(action, reason=clean(rest)[:MAX_REASON_LENGTH])
    elif action is ReplyAction.SNOOZE and rest:
        days = read_int(rest, low=1, high=MAX_SNOOZE_DAYS)
        if days is None:
            ctx.reply(usage(action, _))
            return
        want = Want(action, days=days)
    elif rest:
        ctx.reply(usage(action, _))
        return
    outcome = Outcome()
    for handle in handles:
        try:
            target = await status_service.resolve_handle(
                ctx.session, actor=_actor(ctx), handle=handle, today=ctx.today
            )
        except UnknownAssignmentError:
            outcome.problems.append(not_found(handle, _))
            continue
        except AccessDenied:
            outcome.problems.append(denied(handle, _))
            continue
        await _do(ctx, target, want, outcome)
    await _finish(ctx, outcome)


async def undo(ctx: Context, args: str) -> None:
    """/undo: take back the last reply, within 10 minutes."""
    _ = ctx._
    if await indicators.undo(ctx):
        return
    result = await status_service.undo_last(ctx.session, actor=_actor(ctx), now=ctx.now)
    if result.outcome is UndoOutcome.NOTHING:
        ctx.reply(_("Không có cập nhật nào để hoàn tác."))
    elif result.outcome is UndoOutcome.TOO_LATE:
        ctx.reply(_("Đã quá 10 phút nên không hoàn tác được. Xin gửi cập nhật mới thay thế."))
    elif result.outcome is UndoOutcome.SUPERSEDED:
        ctx.reply(_("Việc này đã có cập nhật mới hơn nên không hoàn tác được."))
    else:
        ctx.reply(undone(result.views, locale=ctx.locale, _=_))


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
