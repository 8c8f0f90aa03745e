"""`dondoc chat`: talk to the bot in the terminal, as a registered person or with an invite."""

import sys
import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import UserError, cli_settings, cli_translator, friendly, run_async
from bot.settings import Settings
from locales import Translate

if TYPE_CHECKING:
    from datetime import datetime

    from services.unit_of_work import Sessions


async def _chat(
    settings: Settings, *, person: str | None, invite: str | None, name: str | None
) -> None:
    from bot.bootstrap import build, sender_only
    from bot.channels.console import CHANNEL, ConsoleChat, ConsoleSender, LineFeed
    from services import registration
    from services.unit_of_work import transaction

    _ = cli_translator(settings)
    chat_id = f"invite-{uuid.uuid4().hex[:10]}"
    sender = ConsoleSender(stream=sys.stdout, chat_id=chat_id)
    service = build(
        settings,
        channels={CHANNEL: sender_only(sender)},
        serve_http=False,
        schedule=False,
        dispatch=False,
    )
    async with service:
        app = service.app
        sender.sessions = app.sessions
        if invite is not None and name is None:
            name = await _invited_name(app.sessions, code=invite, now=app.clock(), _=_)
        if person is not None:
            try:
                async with transaction(app.sessions) as session:
                    found = await registration.console_chat(
                        session, person=person, now=app.clock()
                    )
            except registration.AmbiguousPersonError as exc:
                raise UserError(
                    _("Có nhiều người khớp «{name}»: {people}. Hãy dùng số của người đó.").format(
                        name=person, people=exc
                    )
                ) from None
            except registration.UnknownPersonError:
                raise UserError(
                    _("Không tìm thấy người «{name}». Xem danh sách: dondoc people list").format(
                        name=person
                    )
                ) from None
            assert found.id is not None
            chat_id, name = registration.console_chat_id(found.id), found.name
            sender.chat_id = chat_id
        assert service.dispatcher is not None
        chat = ConsoleChat(
            conversation=service.conversation,
            dispatcher=service.dispatcher,
            sender=sender,
            chat_id=chat_id,
            sender_name=name or None,
            language=settings.default_locale,
            clock=app.clock,
        )
        typer.echo(_("Đôn Đốc — gõ tin nhắn rồi Enter; gõ số để chọn nút; Ctrl-D để thoát."))
        if invite is not None:
            await chat.say(f"/start {invite}")
        lines = LineFeed(sys.stdin)
        try:
            await chat.run(lines)
        finally:
            lines.close()


async def _invited_name(sessions: "Sessions", *, code: str, now: "datetime", _: Translate) -> str:
    """The name to register with: the invite's, else asked for (a terminal tells none)."""
    from services import people

    async with sessions() as session:
        usable, named = await people.invite_name(session, code=code, now=now)
    if named or not usable:
        # An unusable code is the conversation's to explain.
        return named or ""
    if not sys.stdin.isatty():
        raise UserError(
            _(
                'Mã mời này chưa ghi họ tên người được mời. Hãy thêm --name "Họ Tên" '
                "(hoặc tạo mã với dondoc invite ... --name)."
            )
        )
    while True:
        answer = " ".join(typer.prompt(_("Họ và tên của bạn")).split())
        if answer:
            return answer


def register(app: typer.Typer) -> None:
    """Add `dondoc chat`."""

    @app.command("chat")
    @friendly
    def chat(
        person: Annotated[
            str | None, typer.Option("--as", help="Person id or name to speak as.")
        ] = None,
        invite: Annotated[
            str | None, typer.Option("--invite", help="Register with this invite code first.")
        ] = None,
        name: Annotated[
            str | None,
            typer.Option("--name", help="With --invite: your name, if the invite has none."),
        ] = None,
    ) -> None:
        """Chat with the bot in this terminal (the same conversation as Telegram and Zalo)."""
        settings = cli_settings()
        _ = cli_translator(settings)
        if (person is None) == (invite is None):
            raise UserError(_("Dùng một trong hai: --as NGƯỜI hoặc --invite MÃ_MỜI."))
        try:
            run_async(_chat(settings, person=person, invite=invite, name=name))
        except KeyboardInterrupt:
            typer.echo("")
