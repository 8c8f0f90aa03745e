"""`dondoc run`: start the bot for real (channels, dispatcher, scheduler, HTTP server)."""

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import typer

from bot.cli.support import (
    UserError,
    cli_settings,
    cli_translator,
    database_problem,
    friendly,
)
from bot.errors import NoChannelError


def run(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
) -> None:
    """Run the bot: Telegram and/or Zalo (whichever has a token), reminders and the summary.

    Stop with Ctrl-C or SIGTERM; messages in flight are finished or left for the next start.
    """
    from bot.channels.zalo.client import ZaloApiError
    from bot.runtime import serve
    from services.file_links import KeyFileError

    settings = cli_settings()
    _ = cli_translator(settings)
    # aiogram is loaded only where a Telegram channel starts: its refusal of the token can
    # only happen then, and is only caught then.
    telegram_refused: tuple[type[Exception], ...] = ()
    telegram_unreachable: tuple[type[Exception], ...] = ()
    if settings.telegram_token is not None:
        from bot.channels.telegram.client import TOKEN_REFUSED, UNREACHABLE

        telegram_refused = TOKEN_REFUSED
        telegram_unreachable = UNREACHABLE
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not available on some platforms or off the main thread (tests, embedding).
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop=stop)

    try:
        asyncio.run(main())
    except NoChannelError:
        raise UserError(
            _(
                "Chưa có kênh nào để gửi tin: đặt DONDOC_TELEGRAM_TOKEN (từ BotFather) hoặc "
                "DONDOC_ZALO_TOKEN rồi chạy lại. Muốn xem thử không cần token: dondoc demo"
            )
        ) from None
    except telegram_refused:
        raise UserError(
            _("Telegram từ chối DONDOC_TELEGRAM_TOKEN. Hãy kiểm tra lại token lấy từ BotFather.")
        ) from None
    except telegram_unreachable as exc:
        # The error names the Bot API's URL, token and all: `fail` scrubs it (bot.redaction).
        raise UserError(
            _(
                "Không kết nối được Telegram Bot API khi khởi động ({error}). Hãy kiểm tra mạng "
                "của máy chủ (và DONDOC_TELEGRAM_API_BASE nếu có đặt) rồi chạy lại."
            ).format(error=" ".join(str(exc).split()))
        ) from None
    except ZaloApiError as exc:
        # 401 is Zalo's "token expired or invalid"; its 403 is a server error, not a refusal.
        if 401 not in (exc.status, exc.code):
            raise
        raise UserError(
            _("Zalo từ chối DONDOC_ZALO_TOKEN. Hãy kiểm tra lại token của Zalo Bot.")
        ) from None
    except KeyFileError as exc:
        raise UserError(
            _("Không dùng được khoá ký liên kết tệp báo cáo: {error}").format(error=exc)
        ) from None
    except OSError as exc:
        problem = database_problem(exc, _)
        if problem is not None:
            raise UserError(problem) from None
        raise UserError(
            _("Không mở được máy chủ HTTP {host}:{port}: {error}").format(
                host=settings.http_host, port=settings.http_port, error=exc.strerror or exc
            )
        ) from None


def register(app: typer.Typer) -> None:
    """Add `dondoc run`."""
    app.command("run")(friendly(run))
