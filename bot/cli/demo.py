"""`dondoc demo`: try the bot in the terminal with sample plans; no token, server or setup."""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import UserError, cli_translator, friendly, run_async
from bot.settings import Settings, load_settings

DEFAULT_STORE = Path("dondoc-demo.db")


class Language(StrEnum):
    """The demo people's language."""

    VI = "vi"
    EN = "en"


@contextmanager
def _log_to(path: Path) -> Iterator[None]:
    """Send the bot's log to a file next to the store, so it does not break into the chat."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


async def _run(settings: Settings, *, start: date, store: Path) -> None:
    from bot.bootstrap import build, reminder_settings, sender_only
    from bot.channels.console import CHANNEL, LineFeed
    from bot.demo import PERSONAS, Demo, DemoClock, DemoSender, prepare

    _ = cli_translator(settings)
    hours = reminder_settings(settings).hours
    first = hours.opening(start)
    clock = DemoClock(hours.next_open(first))
    sender = DemoSender(out=sys.stdout, personas=PERSONAS)
    service = build(
        settings,
        clock=clock,
        channels={CHANNEL: sender_only(sender)},
        serve_http=False,
        schedule=False,
        dispatch=False,
    )
    async with service:
        typer.echo(_("Đang chuẩn bị dữ liệu demo trong {path}…").format(path=store))
        prepared = await prepare(service.app, now=clock(), locale=settings.default_locale)
        demo = Demo(
            service=service,
            sender=sender,
            clock=clock,
            people=prepared.people,
            out=sys.stdout,
            echo_input=not sys.stdin.isatty(),
        )
        demo.print(
            _(
                "Đôn Đốc — bản demo. Đã nạp {agencies} cơ quan của Hải Phòng và {count} kế "
                "hoạch mẫu năm {year} ({tasks} nhiệm vụ, {indicators} chỉ tiêu). Hôm nay (giả "
                "lập) là {now}. Thử: /tick 3d cho thời gian trôi 3 ngày để nhận nhắc việc; trả "
                "lời «1 xong», «2 50%» hoặc «3 vướng: chưa có kinh phí», hoặc gõ số để bấm nút; "
                "báo số liệu chỉ tiêu như «PL3.21: 25,3» và xem /chitieu; /as coordinator rồi "
                "/overdue; /as leader rồi /summary; /help xem mọi lệnh. Ctrl-D để thoát."
            ).format(
                agencies=prepared.agencies,
                count=len(prepared.plans),
                year=clock().astimezone(settings.tz).year,
                tasks=prepared.tasks,
                indicators=prepared.indicators,
                now=demo.now_line(),
            )
        )
        if prepared.returning:
            demo.print(
                _(
                    "Kho demo này đã dùng ở lần chạy trước: nhắc việc đã gửi khi đó sẽ không "
                    "gửi lại. Muốn bắt đầu lại từ đầu, hãy xóa tệp {path}."
                ).format(path=store)
            )
        lines = LineFeed(sys.stdin)
        try:
            await demo.converse(lines)
        finally:
            lines.close()


def register(app: typer.Typer) -> None:
    """Add `dondoc demo`."""

    @app.command(
        "demo",
        short_help="Try the bot here: sample plans, three demo people, a clock you move.",
        help="Try the bot here: sample plans, three demo people, a clock you move with /tick. "
        "Needs no token, server or configuration, and ignores DONDOC_DATABASE_URL. In the "
        "chat, /tick 3d lets three days pass and /as coordinator (or leader, officer) changes "
        "who you are; everything else is the bot. Running it again reuses the store and "
        "duplicates nothing.",
    )
    @friendly
    def demo(
        db: Annotated[
            Path,
            typer.Option(
                "--db",
                help="The demo's own SQLite file (created if missing; "
                "the summary's files go next to it).",
            ),
        ] = DEFAULT_STORE,
        on: Annotated[
            str | None,
            typer.Option(
                "--date",
                help="The demo's 'today', YYYY-MM-DD; the sample plans of its year are loaded "
                "(default: 2023-06-12, with deadlines near).",
            ),
        ] = None,
        language: Annotated[
            Language | None,
            typer.Option("--lang", help="vi or en (default: DONDOC_DEFAULT_LOCALE, else vi)."),
        ] = None,
    ) -> None:
        """Try the bot in this terminal with sample plans and three demo people."""
        from bot.demo import DEFAULT_DATE
        from models.migrate import upgrade

        store = db.expanduser().resolve()
        files_dir = store.with_name(store.stem + "-files")
        overrides: dict[str, object] = {
            "database_url": f"sqlite:///{store}",
            "data_dir": files_dir,
        }
        if language is not None:
            overrides["default_locale"] = language.value
        settings = load_settings(**overrides)
        _ = cli_translator(settings)
        start = DEFAULT_DATE
        if on is not None:
            try:
                start = date.fromisoformat(on.strip())
            except ValueError:
                raise UserError(
                    _("Ngày không hợp lệ: {value}. Hãy viết theo dạng 2023-06-30.").format(
                        value=on
                    )
                ) from None
        if not store.parent.is_dir():
            raise UserError(
                _("Không có thư mục {folder}. Hãy tạo thư mục trước hoặc chọn --db khác.").format(
                    folder=store.parent
                )
            )
        try:
            upgrade(settings.database_url)
        except OSError as exc:
            raise UserError(_("Không mở được cơ sở dữ liệu: {error}").format(error=exc)) from exc
        with _log_to(store.with_suffix(".log")):
            try:
                run_async(_run(settings, start=start, store=store))
            except KeyboardInterrupt:
                typer.echo("")  # end the line the terminal's ^C is on
        typer.echo(
            _("Tạm biệt! Dữ liệu demo vẫn ở {path}: chạy lại dondoc demo để tiếp tục.").format(
                path=store
            )
        )
