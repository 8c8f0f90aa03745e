"""/thongke: the official statistics of a period, by agency and by plan."""

from domain.statistics import quarter_of, split_period
from handlers.context import Context
from services import queries
from services.statistics import statistics_reply
from views.statistics import render_statistics


async def show(ctx: Context, args: str) -> None:
    """/thongke [quý|6 tháng|năm] [AGENCY|PLAN]: the four buckets, this quarter unless told."""
    assert ctx.actor is not None
    _ = ctx._
    period, rest = split_period(args[:200], today=ctx.today)
    scope = None
    if rest:
        scope = await queries.resolve_scope(ctx.session, text=rest)
        if scope is None:
            ctx.reply(
                _(
                    "Không rõ kỳ hay cơ quan, kế hoạch «{text}». "
                    "Ví dụ: /thongke quý, /thongke 6 tháng STTTT, /thongke năm 2025."
                ).format(text=rest[:60])
            )
            return
    found = await statistics_reply(
        ctx.session,
        actor=ctx.actor,
        period=period or quarter_of(ctx.today),
        as_of=ctx.today,
        tz=ctx.config.tz,
        scope=scope,
    )
    ctx.reply(render_statistics(found, locale=ctx.locale, _=_))
