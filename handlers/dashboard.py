"""/dashboard: a personal sign-in link to the web dashboard (coordinators and leaders)."""

from domain.access import AccessDenied
from handlers.context import Context
from services.dashboard.auth import LINK_LIFETIME, issue_link
from services.file_links import FileLinks


async def sign_in_link(ctx: Context, args: str) -> None:
    """/dashboard: a link that signs the sender in to the dashboard, once, for a few minutes."""
    assert ctx.actor is not None
    _ = ctx._
    base_url = ctx.config.dashboard_url
    if base_url is None:
        ctx.reply(_("Bảng theo dõi trên web chưa được bật. Hãy báo quản trị hệ thống."))
        return
    try:
        link = await issue_link(
            ctx.session,
            actor=ctx.actor,
            now=ctx.now,
            links=FileLinks.of(ctx.config.data_dir),
            base_url=base_url,
        )
    except AccessDenied:
        ctx.reply(_("Bảng theo dõi dành cho điều phối viên và lãnh đạo."))
        return
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    ctx.reply(
        _(
            "Liên kết đăng nhập bảng theo dõi của bạn (chỉ dùng một lần, trong {minutes} phút; "
            "không chuyển cho người khác):\n{link}"
        ).format(minutes=minutes, link=link)
    )
