"""Secrets never leave the process: every log record and every uncaught exception is scrubbed
here, in one place.

aiohttp puts the request URL in its errors, and the Bot API's URL carries the token
(`…/bot123456:ABC…/getUpdates`), so a Bot API answering with garbage, a redirect loop or TLS
bytes logged the token on every polling retry and printed it in the start-up traceback. The
settings register their secrets as they are read (tokens, webhook secrets, the database
password); `install` makes every log record scrub its message, traceback and stack as it is
created (so whichever handler prints it, added before or after) and wraps the hooks that print
uncaught exceptions. A Telegram token that was never configured (a test's, another bot's) is
still recognised by its shape.
"""

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

MASK = "***"
# https://core.telegram.org/bots/api#authorizing-your-bot
# "<bot id>:<secret>", alone or in a Bot API URL (".../bot<token>/getMe"):
_TELEGRAM_TOKEN = re.compile(r"(?:(?<=/bot)|(?<![\w-]))(\d{3,}):[A-Za-z0-9_-]{16,}")
# Shorter values are no secret worth the name, and masking them would garble ordinary text.
_SHORTEST = 6


class Redactor:
    """Replaces known secret values (and anything shaped like a bot token) in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Mask these values too (their URL-quoted forms as well)."""
        known = set(self._secrets)
        for secret in secrets:
            if secret and len(secret) >= _SHORTEST:
                known.update({secret, quote(secret, safe="")})
        # Longest first, so that a token is masked whole before any part of it is.
        self._secrets = sorted(known, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return _TELEGRAM_TOKEN.sub(rf"\1:{MASK}", text)


# The process's secrets, as the settings registered them.
REDACTOR = Redactor()


def keep_secret(*secrets: str | None) -> None:
    """Register values that must never appear in a log line or an error message."""
    REDACTOR.add(*secrets)


def redact(text: str) -> str:
    """`text` without any registered secret or bot token."""
    return REDACTOR(text)


def redact_record(record: logging.LogRecord) -> None:
    """Scrub a log record in place: its message (formatted now), traceback and stack."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a call with the wrong arguments: keep the template
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        # Formatted as logging.Formatter.formatException does; a Formatter prints exc_text
        # when it is set, instead of formatting exc_info again.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info))).rstrip(
            "\n"
        )
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install() -> None:
    """Scrub every log record from now on, and every traceback the process prints when an
    exception escapes (main thread or other threads). Safe to call more than once."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redacting", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        redact_record(record)
        return record

    redacting.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)
    sys.excepthook = _scrubbed_excepthook
    threading.excepthook = _scrubbed_thread_excepthook


def print_exception(error: BaseException) -> None:
    """Print an exception's traceback to stderr as Python would, without any secret."""
    _scrubbed_excepthook(type(error), error, error.__traceback__)


def _scrubbed_excepthook(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, error, trace))))
    sys.stderr.flush()


def _scrubbed_thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    sys.stderr.write(f"Exception in thread {args.thread.name if args.thread else '?'}:\n")
    _scrubbed_excepthook(args.exc_type, args.exc_value, args.exc_traceback)
