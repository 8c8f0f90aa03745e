"""/chitieu [AGENCY|GROUP|PLAN|PL3] · /chitieu PL3.7 (its history) · /chitieu PL1.12 3,4 (a
figure, by its owner or a coordinator on the owner's behalf)."""

from domain.access import Role
from domain.indicators.answers import parse_indicator_reply
from handlers import indicators
from handlers.context import Context
from services.indicators import queries, values
from services.indicators.read import StoredIndicator
from views.indicator_lists import chase_lines, history_text, list_text
from views.indicators import IndicatorInfo, explain_button


async def show(ctx: Context, args: str) -> None:
    """/chitieu: the indicators in the reader's scope, or one indicator, or a figure for one."""
    assert ctx.actor is not None
    _ = ctx._
    head, _sep, rest = args.partition(" ")
    found = (
        await queries.find_indicator(ctx.session, actor=ctx.actor, text=head[:60])
        if any(char.isdigit() for char in head)
        else []
    )
    if len(found) > 1:
        ctx.reply(
            _("Có {count} chỉ tiêu số {number}: {keys}. Xin ghi mã, ví dụ /chitieu {key}.").format(
                count=len(found),
                number=head[:20],
                keys=", ".join(f"{i.key} ({i.name[:40]})" for i in found[:8]),
                key=found[0].key,
            )
        )
        return
    if found and rest.strip():
        asking = await values.asking_one(
            ctx.session, indicator=found[0], today=ctx.today, calendar=ctx.calendar
        )
        reply = parse_indicator_reply(rest, asking.asked)
        if reply.is_empty:
            ctx.reply(
                _("Cách dùng: /chitieu {key} 3,4 (số liệu kỳ này).").format(key=found[0].key)
            )
            return
        await indicators.record(ctx, reply, asking)
        return
    if found:
        await _history(ctx, found[0])
        return
    try:
        listed = await queries.indicator_list(
            ctx.session,
            actor=ctx.actor,
            scope=args.strip()[:100] or None,
            today=ctx.today,
            calendar=ctx.calendar,
        )
    except queries.UnknownScopeError:
        ctx.reply(
            _(
                "Không tìm thấy «{name}». Dùng mã cơ quan (/chitieu STTTT), kế hoạch, bảng "
                "(/chitieu PL3) hoặc mã chỉ tiêu (/chitieu PL3.7)."
            ).format(name=args[:40])
        )
        return
    text = list_text(
        listed.lines,
        listed.counts,
        scope=listed.scope,
        owner=listed.mine,
        locale=ctx.locale,
        _=_,
        total=listed.total,
    )
    buttons = []
    if ctx.actor.role in (Role.COORDINATOR, Role.ADMIN):
        for line in chase_lines(listed.lines):
            at = line.standing.checkpoint
            buttons.append(
                explain_button(
                    IndicatorInfo(
                        line.indicator_id,
                        line.key,
                        line.number,
                        line.name,
                        line.unit,
                        line.target,
                        "",
                        line.agency_name,
                        at.year,
                        at.months,
                        at.report_by,
                    ),
                    _=_,
                )
            )
    ctx.reply(text, *buttons)


async def _history(ctx: Context, indicator: StoredIndicator) -> None:
    assert ctx.actor is not None
    found = await queries.indicator_history(
        ctx.session, actor=ctx.actor, indicator=indicator, today=ctx.today, calendar=ctx.calendar
    )
    text = history_text(
        key=indicator.key,
        name=indicator.name,
        unit=indicator.unit.text,
        target=indicator.target_text,
        year=found.standings[-1].checkpoint.year if found.standings else indicator.year,
        plan_label=found.plan_label,
        owners=found.owners,
        rule=indicator.rule,
        standings=found.standings,
        rows=found.rows,
        locale=ctx.locale,
        tz=ctx.config.tz,
        _=ctx._,
    )
    current = found.current
    if found.can_chase and current is not None and current.wants_explanation:
        at = current.checkpoint
        info = IndicatorInfo(
            indicator.id,
            indicator.key,
            indicator.number,
            indicator.name,
            indicator.unit.text,
            indicator.target_text,
            found.plan_label,
            "",
            at.year,
            at.months,
            at.report_by,
        )
        ctx.reply(text, explain_button(info, _=ctx._))
        return
    ctx.reply(text)
