"""Confirmed completion in the conversation: the result and the cause asked of the officer
after "xong", a file or photo as the result on Telegram, and the coordinator's ✅ / ↩."""

from domain.access import AccessDenied, Actor, can_decide
from domain.binding import DecisionQuestion, Expect, FollowQuestion, Question, load_question
from domain.causes import read_cause
from domain.references import DocumentReference, parse_reference
from domain.targets import Target
from domain.text import clean
from handlers.context import Context, Render
from models.enums import CompletionState
from models.tables import CompletionReport
from services import chat_context
from services import completions as service
from services.file_links import FileLinks
from services.queries import UnknownAssignmentError
from views import completions as words
from views.buttons import DecisionAction, DecisionPress
from views.messages import Outgoing
from views.rows import AssignmentView

COMPLETION = "completion"
_MEGABYTE = 1024 * 1024


async def _remember(ctx: Context, question: Question | None) -> None:
    await chat_context.set_pending(
        ctx.session,
        channel=ctx.incoming.channel,
        chat_id=ctx.incoming.chat_id,
        question=question.dump() if question is not None else None,
        now=ctx.now,
    )


def _actor(ctx: Context) -> Actor:
    assert ctx.actor is not None
    return ctx.actor


def wants_confirmation(ctx: Context, view: AssignmentView) -> bool:
    """Whether an officer's "xong" on this work waits for the office."""
    return view.confirms and view.status.is_open and not can_decide(_actor(ctx))


async def report_done(ctx: Context, target: Target) -> tuple[AssignmentView, str, Expect | None]:
    """The officer's "xong": the work waits for its result; the question that asks for it
    and what it waits on."""
    reported = await service.report_done(
        ctx.session,
        actor=_actor(ctx),
        target=target,
        channel=ctx.incoming.channel,
        source_message_id=ctx.incoming.source_id,
        now=ctx.now,
        today=ctx.today,
    )
    report = reported.report
    if report.state == CompletionState.AWAITING.value:
        return reported.view, words.still_waiting(reported.view.handle, ctx._), None
    return reported.view, _next_question(ctx, report, reported.view), _expect_of(report)


def _next_question(ctx: Context, report: CompletionReport, view: AssignmentView) -> str:
    if report.state == CompletionState.CAUSE.value:
        return words.ask_cause(view.handle, report.due, locale=ctx.locale, _=ctx._)
    return words.ask_evidence(view.handle, files=ctx.incoming.channel == "telegram", _=ctx._)


def _expect_of(report: CompletionReport) -> Expect:
    return Expect.CAUSE if report.state == CompletionState.CAUSE.value else Expect.EVIDENCE


async def on_evidence(ctx: Context, target: Target, text: str) -> None:
    """The result of reported work, in words: a document reference or a short note."""
    reference = parse_reference(text, today=ctx.today)
    note = None if reference is not None else clean(text)[: service.MAX_NOTE_LENGTH]
    await _evidence(ctx, target, reference=reference, note=note)


async def on_file(ctx: Context, target: Target) -> None:
    """A file or photo sent as the result (Telegram), stored in the data directory."""
    _ = ctx._
    incoming = ctx.incoming
    assert incoming.file is not None
    limit_mb = service.MAX_EVIDENCE_BYTES // _MEGABYTE
    fetched = ctx.fetched
    if fetched is None or fetched.content is None:
        ctx.reply(words.file_refused(limit_mb, _))
        return
    report = await service.open_report(ctx.session, target=target)
    if report is None or report.id is None:
        await _remember(ctx, None)
        ctx.reply(words.unknown_report(_))
        return
    name = incoming.file.name or ("photo.jpg" if incoming.file.kind == "photo" else "")
    stored = service.store_file(
        ctx.config.data_dir, report_id=report.id, name=name, content=fetched.content
    )
    if stored is None:
        ctx.reply(words.file_refused(limit_mb, _))
        return
    await _evidence(ctx, target, file=(stored, name))


async def _evidence(
    ctx: Context,
    target: Target,
    *,
    reference: DocumentReference | None = None,
    note: str | None = None,
    file: tuple[str, str] | None = None,
) -> None:
    _ = ctx._
    try:
        reported = await service.add_evidence(
            ctx.session,
            actor=_actor(ctx),
            target=target,
            now=ctx.now,
            reference=reference,
            note=note,
            file=file,
        )
    except (service.UnknownReportError, UnknownAssignmentError):
        await _remember(ctx, None)
        ctx.reply(words.unknown_report(_))
        return
    await _after(ctx, reported, target)


async def on_cause(ctx: Context, target: Target, text: str) -> None:
    """Why late work was late, and whether it was outside the agency's control."""
    _ = ctx._
    objective, cause = read_cause(clean(text))
    if objective is None:
        ctx.reply(words.cause_unclear(_))
        return
    try:
        reported = await service.add_cause(
            ctx.session,
            actor=_actor(ctx),
            target=target,
            cause=cause,
            objective=objective,
            now=ctx.now,
        )
    except (service.UnknownReportError, UnknownAssignmentError):
        await _remember(ctx, None)
        ctx.reply(words.unknown_report(_))
        return
    await _after(ctx, reported, target)


async def _after(ctx: Context, reported: service.Reported, target: Target) -> None:
    """Show the result back; ask the cause next, or send the report to the office."""
    _ = ctx._
    report, view = reported.report, reported.view
    shown = words.result_line(
        reference=report.reference, note=report.note, file_name=report.file_name, link=None, _=_
    )
    if report.state == CompletionState.CAUSE.value:
        await _remember(ctx, FollowQuestion(Expect.CAUSE, target))
        ctx.reply(shown + "\n" + _next_question(ctx, report, view))
        return
    await _remember(ctx, None)
    assert report.id is not None
    report_id, reporter = report.id, _actor(ctx).name
    links = ctx.config.report.links
    link = (
        links.url(report.file_path, now=ctx.now)
        if report.file_path and isinstance(links, FileLinks)
        else None
    )

    def notice(locale: str) -> Render:
        return lambda t: words.for_office(
            view,
            report_id=report_id,
            reporter=reporter,
            result=words.result_line(
                reference=report.reference,
                note=report.note,
                file_name=report.file_name,
                link=link,
                _=t,
            ),
            late=report.late,
            cause=report.late_cause,
            objective=report.objective,
            locale=locale,
            _=t,
        )

    for person in reported.coordinators:
        ctx.notify(person, notice(person.locale))
    ctx.reply(shown + "\n" + words.sent_to_office(len(reported.coordinators), _))


async def on_button(ctx: Context, press: DecisionPress) -> None:
    """✅ Xác nhận · ↩ Trả lại under a completion report."""
    _ = ctx._
    if not can_decide(_actor(ctx)):
        raise AccessDenied("decide")
    try:
        report, view = await service.report_view(ctx.session, report_id=press.record)
    except (service.UnknownReportError, UnknownAssignmentError):
        ctx.reply(words.unknown_report(_))
        return
    if report.state != CompletionState.AWAITING.value:
        ctx.reply(words.decided_before(view.handle, _))
        return
    if press.action is DecisionAction.CONFIRM:
        await _decide(ctx, press.record, confirm=True)
    else:
        await _remember(ctx, DecisionQuestion(Expect.REASON, COMPLETION, press.record))
        ctx.reply(words.ask_return_reason(view.handle, _))


async def on_answer(ctx: Context, question: DecisionQuestion, text: str) -> None:
    """Why a result is returned."""
    await _decide(ctx, question.record, confirm=False, reason=clean(text)[:500] or None)


async def _decide(
    ctx: Context, report_id: int, *, confirm: bool, reason: str | None = None
) -> None:
    _ = ctx._
    await _remember(ctx, None)
    try:
        decision = await service.decide(
            ctx.session,
            actor=_actor(ctx),
            report_id=report_id,
            confirm=confirm,
            reason=reason,
            channel=ctx.incoming.channel,
            now=ctx.now,
        )
    except (service.UnknownReportError, UnknownAssignmentError):
        ctx.reply(words.unknown_report(_))
        return
    view = decision.view
    if decision.already:
        ctx.reply(words.decided_before(view.handle, _))
        return
    officer = decision.officer
    if officer is not None:
        locale = officer.locale
        if confirm:
            ctx.notify(
                officer,
                lambda t: Outgoing(text=words.confirmed_notice(view, locale=locale, _=t)),
            )
        else:
            ctx.notify(
                officer,
                lambda t: Outgoing(
                    text=words.returned_notice(view, reason=reason, locale=locale, _=t)
                ),
            )
    ctx.reply(words.decided(view.handle, confirmed=confirm, told=officer is not None, _=_))


async def answering(ctx: Context) -> FollowQuestion | None:
    """The result or cause question this chat's officer was asked, if that is open."""
    data = await chat_context.pending(
        ctx.session, channel=ctx.incoming.channel, chat_id=ctx.incoming.chat_id, now=ctx.now
    )
    question = load_question(data)
    if isinstance(question, FollowQuestion) and question.expect is Expect.EVIDENCE:
        return question
    return None
