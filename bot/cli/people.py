"""`dondoc people list` and `dondoc invite`: who is registered, and inviting more."""

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.cli.tables import render_table
from bot.settings import Settings
from domain.access import Role
from locales import Translate
from views.text import role_label

if TYPE_CHECKING:
    from services.quotas import CappedBot


def register(app: typer.Typer) -> None:
    """Add `dondoc people ...` and `dondoc invite`."""
    people_app = typer.Typer(help="Registered people.", no_args_is_help=True)
    people_app.command("list")(people_list)
    app.add_typer(people_app, name="people")
    app.command("invite")(invite)


@friendly
def people_list() -> None:
    """List registered people with their role, agency and channels."""
    from bot.bootstrap import running_app
    from services import people as people_service

    settings = cli_settings()
    _ = cli_translator(settings)

    async def fetch() -> list[people_service.PersonRow]:
        async with running_app(settings) as app, app.sessions() as session:
            return await people_service.list_people(session)

    people = run_async(fetch())
    if not people:
        typer.echo(_("Chưa có ai đăng ký. Tạo mã mời bằng: dondoc invite MÃ_CƠ_QUAN"))
        return
    typer.echo(
        render_table(
            ["#", _("Họ tên"), _("Vai trò"), _("Cơ quan"), _("Kênh"), _("Hoạt động")],
            [
                [
                    row.person.id,
                    row.person.name,
                    role_label(row.person.role, _),
                    row.agency.code if row.agency else "",
                    ", ".join(row.channels),
                    _("có") if row.person.active else _("không"),
                ]
                for row in people
            ],
        )
    )


@friendly
def invite(
    agency_code: Annotated[
        str | None, typer.Argument(help="Agency code, e.g. STTTT (or use --plan).")
    ] = None,
    plan: Annotated[
        str | None,
        typer.Option(
            help="Invite an officer of every lead agency of this plan "
            "(its number, e.g. 40/KH-UBND, or its id or file name)."
        ),
    ] = None,
    role: Annotated[
        str, typer.Option(help="Role the invite grants: officer, coordinator or leader.")
    ] = Role.OFFICER.value,
    uses: Annotated[
        int, typer.Option(min=1, max=1000, help="How many people may use each invite.")
    ] = 1,
    expires: Annotated[int, typer.Option(min=1, max=365, help="Days until it expires.")] = 14,
    include_staffed: Annotated[
        bool,
        typer.Option(
            "--all", help="With --plan: also agencies that already have a registered officer."
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(help="The invited person's name (the terminal does not tell it)."),
    ] = None,
) -> None:
    """Create an invite code for an agency, or one per lead agency of a plan (--plan)."""
    from bot.bootstrap import capped_bots, running_app
    from services import people as people_service
    from services.quotas import assign_bots
    from services.unit_of_work import transaction

    settings = cli_settings()
    _ = cli_translator(settings)
    granted = _invited_role(role, _)
    if (agency_code is None) == (plan is None):
        raise UserError(
            _(
                "Dùng một trong hai: dondoc invite MÃ_CƠ_QUAN hoặc "
                "dondoc invite --plan SỐ_KẾ_HOẠCH."
            )
        )
    if plan is not None:
        if granted is not Role.OFFICER:
            raise UserError(
                _("--plan chỉ tạo mã mời cho cán bộ đầu mối; hãy bỏ --role {role}.").format(
                    role=role
                )
            )
        _invite_plan(settings, plan=plan, uses=uses, expires=expires, everyone=include_staffed)
        return
    assert agency_code is not None

    async def create() -> tuple[people_service.CreatedInvite, "CappedBot | None"]:
        async with running_app(settings) as app, transaction(app.sessions) as session:
            created = await people_service.create_invite(
                session,
                agency_code=agency_code,
                role=granted,
                uses=uses,
                expires_in=timedelta(days=expires),
                now=app.clock(),
                created_by="cli",
                name=name,
            )
            [bot] = await assign_bots(
                session, agency_ids=[created.invite.agency_id], bots=capped_bots(settings)
            )
            return created, bot

    try:
        created, zalo_bot = run_async(create())
    except people_service.UnknownAgencyError:
        raise UserError(
            _("Không có cơ quan mã {code}. Xem danh sách: dondoc agencies list").format(
                code=agency_code
            )
        ) from None
    typer.echo(_("Mã mời: {code}").format(code=created.code))
    typer.echo(
        _("Cơ quan: {agency} · vai trò: {role} · {uses} lượt · hết hạn sau {days} ngày").format(
            agency=created.agency.name if created.agency else "",
            role=role_label(granted, _),
            uses=uses,
            days=expires,
        )
    )
    if settings.telegram_bot_username:
        link = people_service.deep_link(settings.telegram_bot_username, created.code)
        typer.echo(_("Liên kết Telegram: {link}").format(link=link))
    typer.echo(_("Người được mời gửi cho bot: /start {code}").format(code=created.code))
    if _names_bots(settings):
        typer.echo(_zalo_line(zalo_bot, created.code, _))


# What `--role` takes: administrators are not made by invite.
_INVITED_ROLES = (Role.OFFICER, Role.COORDINATOR, Role.LEADER)


def _invited_role(value: str, _: Translate) -> Role:
    """The role `--role` names, or a clear error listing the three it takes."""
    wanted = value.strip().lower()
    for role in _INVITED_ROLES:
        if wanted == role.value:
            return role
    raise UserError(
        _(
            "--role nhận một trong: officer (cán bộ đầu mối), coordinator (điều phối viên), "
            "leader (lãnh đạo); không nhận «{value}»."
        ).format(value=value)
    )


def _names_bots(settings: Settings) -> bool:
    """Whether invites say which Zalo bot to message: when there are several, or named."""
    return len(settings.zalo_bots) > 1 or bool(settings.zalo_bot_names)


def _zalo_line(bot: "CappedBot | None", code: str, _: Translate) -> str:
    """Which Zalo bot the invited person messages (or that every bot is full)."""
    if bot is None:
        return _(
            "Các bot Zalo đều đã đủ người dùng theo gói của Zalo: người này hãy dùng Telegram, "
            "hoặc thêm một bot Zalo (DONDOC_ZALO_TOKEN)."
        )
    return _("Trên Zalo: tìm bot «{bot}» rồi gửi /start {code}").format(bot=bot.name, code=code)


def _invite_plan(
    settings: Settings, *, plan: str, uses: int, expires: int, everyone: bool
) -> None:
    """`dondoc invite --plan`: one officer invite per lead agency, printed as a table."""
    from bot.bootstrap import capped_bots, running_app
    from services import invites as invite_service
    from services import people as people_service
    from services.queries.scope import UnknownPlanError
    from services.quotas import assign_bots
    from services.unit_of_work import transaction

    _ = cli_translator(settings)

    async def create() -> tuple[invite_service.PlanInvites, list["CappedBot | None"]]:
        async with running_app(settings) as app, transaction(app.sessions) as session:
            result = await invite_service.invite_plan_leads(
                session,
                plan=plan,
                uses=uses,
                expires_in=timedelta(days=expires),
                now=app.clock(),
                created_by="cli",
                include_staffed=everyone,
            )
            agencies = [c.invite.agency_id for c in result.created]
            return result, await assign_bots(
                session, agency_ids=agencies, bots=capped_bots(settings)
            )

    try:
        result, zalo_bots = run_async(create())
    except UnknownPlanError:
        raise UserError(
            _(
                "Không có kế hoạch {plan}. Dùng số hiệu đã in khi nhập (ví dụ 40/KH-UBND), "
                "hoặc tên tệp với kế hoạch không có số."
            ).format(plan=plan)
        ) from None
    username = settings.telegram_bot_username
    named = _names_bots(settings)
    if result.created:
        headers = [_("Mã CQ"), _("Cơ quan"), _("Mã mời"), _("Liên kết")]
        rows: list[list[object]] = [
            [
                created.agency.code if created.agency else "",
                created.agency.name if created.agency else "",
                created.code,
                people_service.deep_link(username, created.code)
                if username
                else f"/start {created.code}",
            ]
            for created in result.created
        ]
        if named:
            headers.append(_("Bot Zalo"))
            for row, bot in zip(rows, zalo_bots, strict=True):
                row.append(bot.name if bot is not None else _("(đều đã đủ người)"))
        typer.echo(render_table(headers, rows))
    typer.echo(
        _(
            "Đã tạo {count} mã mời cán bộ đầu mối cho {plan} · {uses} lượt mỗi mã · "
            "hết hạn sau {days} ngày."
        ).format(count=len(result.created), plan=plan, uses=uses, days=expires)
    )
    if result.staffed:
        typer.echo(
            _(
                "Bỏ qua {count} cơ quan đã có cán bộ đầu mối: {codes} "
                "(thêm --all để mời cả các cơ quan này)."
            ).format(count=len(result.staffed), codes=", ".join(a.code for a in result.staffed))
        )
    if result.created and not username:
        typer.echo(
            _(
                "Chưa đặt DONDOC_TELEGRAM_BOT_USERNAME nên chưa có liên kết Telegram: người "
                "được mời gửi «/start MÃ_MỜI» cho bot trên Telegram hoặc Zalo."
            )
        )
