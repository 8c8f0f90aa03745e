"""Indicators in the conversation: figures and explanations sent as replies, the "yêu cầu
giải trình" button, and /undo of figures (/chitieu is handlers.indicator_lists).

A reply is about indicators when it names one ("CT12: 7,5%", "PL3.47: 1,4"), or when the
message it answers (the one replied to, else the chat's newest reminder or request) asked for
figures and the reply reads as figures rather than as a task's status: "1 xong" and "#57 50%"
stay with the tasks, "4. 115,2" goes to item 4 of the reminder. A reply to a request for an
explanation is the explanation, unless it is a status update or names an indicator.
"""

import re

from domain.indicators.answers import IndicatorReply, mentions_indicator, parse_indicator_reply
from domain.replies import ParsedReply, parse_reply
from handlers.context import Context
from services import chat_context
from services.indicators import values
from views.buttons import ExplainPress
from views.indicators import (
    FigureEcho,
    echo_figures,
    explain_requested,
    explained,
    explanation_notice,
    figures_undone,
    nothing_to_explain,
)
from views.messages import IndicatorItem

_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_prose(text: str) -> bool:
    """Whether a message says something in words (an explanation), not just figures."""
    return len(_WORD.findall(text)) >= 2


def _named_task(parsed: ParsedReply) -> bool:
    return any(u.handle is not None or u.all_items for u in parsed.updates)


def _about_tasks(parsed: ParsedReply, tasks: set[int]) -> bool:
    """Whether a status reply speaks of the message's tasks: a task's number, or no number
    when the message has tasks."""
    return any(u.item in tasks if u.item is not None else bool(tasks) for u in parsed.updates)


async def on_text(ctx: Context, text: str) -> bool:
    """Answer a reply that is about indicators; False to leave it to the task replies."""
    assert ctx.actor is not None
    incoming = ctx.incoming
    explicit = mentions_indicator(text)
    parsed = parse_reply(text)
    status = bool(parsed.updates) and not explicit
    if status and _named_task(parsed):
        return False
    if status and incoming.reply_to_message_id:
        replied = await chat_context.replied_items(
            ctx.session,
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            provider_message_id=incoming.reply_to_message_id,
        )
        # Replying to a task reminder with a status: the path most replies take, so it
        # reads nothing more.
        if replied and _about_tasks(parsed, {item.number for item in replied}):
            return False
    if not explicit and await chat_context.pending(
        ctx.session, channel=incoming.channel, chat_id=incoming.chat_id, now=ctx.now
    ):
        return False  # the bot asked about a task: this answers it
    tasks, items = await chat_context.asking_message(
        ctx.session,
        channel=incoming.channel,
        chat_id=incoming.chat_id,
        provider_message_id=incoming.reply_to_message_id,
    )
    numbers = {task.number for task in tasks}
    if status and _about_tasks(parsed, numbers):
        return False
    explain = [item for item in items if item.explain]
    if explain and not explicit and not parsed.updates and _is_prose(text):
        await _explain(ctx, explain[0], text)
        return True
    asked_items = [item for item in items if not item.explain]
    if not asked_items and not explicit:
        return False
    asking = await values.asking(
        ctx.session,
        actor=ctx.actor,
        items=asked_items,
        own=explicit,
        today=ctx.today,
        calendar=ctx.calendar,
    )
    reply = parse_indicator_reply(text, asking.asked, taken={str(n) for n in numbers})
    if reply.is_empty or (status and not reply.answers):
        return False
    await record(ctx, reply, asking)
    return True


async def record(ctx: Context, reply: IndicatorReply, asking: values.Asking) -> None:
    """Store a reply's figures and echo them back, with the questions it raised."""
    assert ctx.actor is not None
    recorded = await values.record(
        ctx.session,
        actor=ctx.actor,
        reply=reply,
        asking=asking,
        channel=ctx.incoming.channel,
        source_message_id=ctx.incoming.source_id,
        now=ctx.now,
        today=ctx.today,
    )
    _ = ctx._
    echoes = [
        FigureEcho(
            key=r.indicator.key,
            name=r.indicator.name,
            unit=r.indicator.unit.text,
            year=r.checkpoint.year,
            months=r.checkpoint.months,
            figure=r.standing.figure,
            verdict=r.standing.verdict,
            expected=r.standing.judgement.expected,
            note=r.note,
            on_behalf_of=r.on_behalf_of,
        )
        for r in recorded
    ]
    questions = [(q.written, q.reason.render(_)) for q in reply.questions]
    ctx.reply(echo_figures(echoes, questions, _=_))


async def _explain(ctx: Context, item: IndicatorItem, text: str) -> None:
    assert ctx.actor is not None
    done = await values.explain(
        ctx.session,
        actor=ctx.actor,
        item=item,
        text=text,
        channel=ctx.incoming.channel,
        source_message_id=ctx.incoming.source_id,
        now=ctx.now,
        calendar=ctx.calendar,
    )
    at = done.checkpoint
    ctx.reply(explained(done.indicator.key, at.year, at.months, ctx._))
    requester = done.requester
    if requester is None or requester.id == ctx.actor.person_id:
        return
    indicator = done.indicator
    ctx.notify(
        requester,
        lambda _: explanation_notice(
            indicator.key, indicator.name, done.agency_name, done.text, at.year, at.months, _
        ),
    )


async def on_explain(ctx: Context, press: ExplainPress) -> None:
    """The "yêu cầu giải trình" button: ask the owners why the figure is short or missing."""
    assert ctx.actor is not None
    try:
        request = await values.request_explanation(
            ctx.session,
            actor=ctx.actor,
            indicator_id=press.indicator_id,
            checkpoint_key=press.checkpoint,
            now=ctx.now,
            today=ctx.today,
            calendar=ctx.calendar,
        )
    except values.UnknownIndicatorError:
        ctx.reply(ctx._("Chỉ tiêu này không còn trong kế hoạch."))
        return
    except values.NothingToExplainError as error:
        ctx.reply(nothing_to_explain(error.key, error.standing.verdict, ctx._))
        return
    ctx.reply(explain_requested(request.indicator.key, request.sent_to, request.already, ctx._))


async def undo(ctx: Context) -> bool:
    """/undo when the sender's last reply was about figures; False otherwise."""
    assert ctx.actor is not None
    if not await values.figures_are_latest(ctx.session, actor=ctx.actor):
        return False
    result = await values.undo_figures(ctx.session, actor=ctx.actor, now=ctx.now)
    _ = ctx._
    if result.outcome is values.FiguresUndo.TOO_LATE:
        ctx.reply(_("Đã quá 10 phút nên không hoàn tác được. Xin gửi cập nhật mới thay thế."))
    elif result.outcome is values.FiguresUndo.SUPERSEDED:
        ctx.reply(_("Chỉ tiêu này đã có số liệu mới hơn nên không hoàn tác được."))
    else:
        ctx.reply(figures_undone(result.keys, _))
    return True
