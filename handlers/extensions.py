"""Requests for more time: "gia hạn #57 đến 30/9: lý do", the ⏳ button, the coordinator's
✅ / 📅 / ✖ and the words they ask for, and /giahan."""

from datetime import date

from domain.access import AccessDenied, can_decide
from domain.binding import DecisionQuestion, Expect, FollowQuestion, Question, fixed_target
from domain.extensions import MAX_REASON_LENGTH, ExtensionRequest, read_extension_request
from domain.targets import Target
from domain.text import clean
from handlers.context import Context, Render
from services import chat_context
from services import extensions as service
from services import status as status_service
from services.queries import UnknownAssignmentError
from views import extensions as words
from views.buttons import DecisionAction, DecisionPress
from views.messages import Outgoing
from views.replies import denied, not_found

EXTENSION = "extension"
# An officer's answer to ⏳ Xin gia hạn reads as a request once this is put before it.
_LEAD = "gia hạn "


async def _remember(ctx: Context, question: Question | None) -> None:
    await chat_context.set_pending(
        ctx.session,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
        question=question.dump() if question is not None else None,
        now=ctx.now,
    )


async def on_request(
    ctx: Context,
    request: ExtensionRequest,
    *,
    numbered: dict[int, Target],
    replied: bool,
    question: Question | None,
) -> None:
    """A request typed as text: find the task it is about, then send it to the office."""
    _ = ctx._
    assert ctx.actor is not None
    target: Target | None = None
    if request.handle is not None:
        try:
            target = await status_service.resolve_handle(
                ctx.session, actor=ctx.actor, handle=request.handle, today=ctx.today
            )
        except UnknownAssignmentError:
            ctx.reply(not_found(request.handle, _))
            return
        except AccessDenied:
            ctx.reply(denied(request.handle, _))
            return
    elif request.item is not None:
        target = numbered.get(request.item)
        if target is None:
            ctx.reply(_("Không có mục số {number} trong lời nhắc.").format(number=request.item))
            return
    else:
        offered = list(numbered.values())
        target = fixed_target(question, replied=replied, numbered=offered)
        if target is None and offered:
            still_open = await status_service.open_targets(ctx.session, targets=offered)
            target = still_open[0] if len(still_open) == 1 else None
    if target is None:
        ctx.reply(words.no_target(_))
        return
    await submit(ctx, target, request)


async def ask(ctx: Context, target: Target) -> None:
    """⏳ Xin gia hạn under a reminder: ask for the date and the reason."""
    await _remember(ctx, FollowQuestion(Expect.EXTENSION, target))
    ctx.reply(words.ask_extension(target.assignment_id, ctx._))


async def on_follow(ctx: Context, target: Target, text: str) -> None:
    """The answer to ⏳ Xin gia hạn's question: the date (and reason) for that task."""
    request = read_extension_request(_LEAD + text)
    assert request is not None, "the lead phrase makes any text a request"
    await submit(ctx, target, request)


async def submit(ctx: Context, target: Target, request: ExtensionRequest) -> None:
    """Store the request for `target`, tell the coordinators, and confirm or explain."""
    _ = ctx._
    assert ctx.actor is not None
    try:
        asked = await service.request_extension(
            ctx.session,
            actor=ctx.actor,
            target=target,
            request=request,
            channel=ctx.incoming.channel,
            source_message_id=ctx.incoming.source_id,
            now=ctx.now,
            today=ctx.today,
            calendar=ctx.calendar,
        )
    except UnknownAssignmentError:
        ctx.reply(not_found(target.assignment_id, _))
        return
    except AccessDenied:
        ctx.reply(denied(target.assignment_id, _))
        return
    except service.ClosedTaskError:
        ctx.reply(words.closed(target.assignment_id, _))
        return
    view, locale = asked.view, ctx.locale
    if asked.problem is not None:
        await _remember(ctx, FollowQuestion(Expect.EXTENSION, target))
        ctx.reply(words.unclear(view, asked.resolved, locale=locale, _=_))
        return
    await _remember(ctx, None)
    if asked.pending is not None:
        ctx.reply(words.already_pending(view, asked.pending.requested_due, locale=locale, _=_))
        return
    stored = asked.request
    assert stored is not None and stored.id is not None
    request_id, new_due, reason = stored.id, stored.requested_due, stored.reason
    requester = ctx.actor.name

    def notice(locale: str) -> Render:
        return lambda t: words.request_notice(
            view,
            request_id=request_id,
            requested_due=new_due,
            reason=reason,
            requester=requester,
            locale=locale,
            _=t,
        )

    for person in asked.coordinators:
        ctx.notify(person, notice(person.locale))
    ctx.reply(
        words.asked(
            view,
            new_due=new_due,
            reason=reason,
            told=len(asked.coordinators),
            locale=locale,
            _=_,
        )
    )


async def on_button(ctx: Context, press: DecisionPress) -> None:
    """✅ Duyệt · 📅 Duyệt đến ngày khác · ✖ Từ chối under a request."""
    _ = ctx._
    assert ctx.actor is not None
    if not can_decide(ctx.actor):
        raise AccessDenied("decide")
    try:
        stored, view = await service.request_view(
            ctx.session, actor=ctx.actor, request_id=press.record
        )
    except (service.UnknownRequestError, UnknownAssignmentError):
        ctx.reply(words.unknown_request(_))
        return
    if stored.state != "pending":
        ctx.reply(words.decided_before(view.handle, stored.state, _))
        return
    if press.action is DecisionAction.APPROVE:
        await _decide(ctx, press.record, approve=True)
    elif press.action is DecisionAction.OTHER_DATE:
        await _remember(ctx, DecisionQuestion(Expect.DATE, EXTENSION, press.record))
        ctx.reply(words.ask_date(view.handle, stored.requested_due, locale=ctx.locale, _=_))
    elif press.action is DecisionAction.REFUSE:
        await _remember(ctx, DecisionQuestion(Expect.REASON, EXTENSION, press.record))
        ctx.reply(words.ask_refusal(view.handle, _))


async def on_answer(ctx: Context, question: DecisionQuestion, text: str) -> None:
    """The date an extension is approved to, or why it is refused."""
    _ = ctx._
    assert ctx.actor is not None
    if question.expect is Expect.REASON:
        reason = clean(text)[:MAX_REASON_LENGTH] or None
        await _decide(ctx, question.record, approve=False, reason=reason)
        return
    try:
        stored, view = await service.request_view(
            ctx.session, actor=ctx.actor, request_id=question.record
        )
    except (service.UnknownRequestError, UnknownAssignmentError):
        await _remember(ctx, None)
        ctx.reply(words.unknown_request(_))
        return
    request = read_extension_request(_LEAD + text)
    assert request is not None
    resolved = request.resolve(current_due=view.due_date, today=ctx.today, calendar=ctx.calendar)
    if resolved.new_due is None:
        ctx.reply(words.bad_date(_))
        return
    if not resolved.is_clear:
        ctx.reply(words.not_after(view, resolved.new_due, locale=ctx.locale, _=_))
        return
    del stored
    await _decide(ctx, question.record, approve=True, new_due=resolved.new_due)


async def _decide(
    ctx: Context,
    request_id: int,
    *,
    approve: bool,
    new_due: date | None = None,
    reason: str | None = None,
) -> None:
    _ = ctx._
    assert ctx.actor is not None
    try:
        decided = await service.decide(
            ctx.session,
            actor=ctx.actor,
            request_id=request_id,
            approve=approve,
            new_due=new_due,
            reason=reason,
            channel=ctx.incoming.channel,
            now=ctx.now,
        )
    except (service.UnknownRequestError, UnknownAssignmentError):
        await _remember(ctx, None)
        ctx.reply(words.unknown_request(_))
        return
    view, stored = decided.view, decided.request
    if decided.already:
        await _remember(ctx, None)
        ctx.reply(words.decided_before(view.handle, stored.state, _))
        return
    if decided.not_after:
        day = new_due or stored.requested_due
        await _remember(ctx, DecisionQuestion(Expect.DATE, EXTENSION, request_id))
        ctx.reply(words.not_after(view, day, locale=ctx.locale, _=_))
        return
    await _remember(ctx, None)
    requester = decided.requester
    if requester is not None:
        if approve:
            approved_due = stored.approved_due
            assert approved_due is not None
            ctx.notify(
                requester,
                lambda t: Outgoing(
                    text=words.approved_notice(
                        view, new_due=approved_due, locale=requester.locale, _=t
                    )
                ),
            )
        else:
            ctx.notify(
                requester,
                lambda t: Outgoing(
                    text=words.refused_notice(
                        view, reason=stored.refusal_reason, locale=requester.locale, _=t
                    )
                ),
            )
    ctx.reply(
        words.decided(
            view,
            approved=approve,
            new_due=stored.approved_due,
            told=requester is not None,
            locale=ctx.locale,
            _=_,
        )
    )


async def pending(ctx: Context, args: str) -> None:
    """/giahan: the requests waiting for the office (buttons for who decides)."""
    assert ctx.actor is not None
    found = await service.pending_requests(ctx.session, actor=ctx.actor)
    deciding = can_decide(ctx.actor)
    text, buttons = words.pending_list(
        [
            (p.view, p.request.requested_due, p.request.reason, p.requester, p.request.id or 0)
            for p in found
        ],
        deciding=deciding,
        locale=ctx.locale,
        _=ctx._,
    )
    ctx.reply(text, *buttons)
