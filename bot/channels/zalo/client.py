"""A thin async client for the Zalo Bot Platform API (https://bot.zaloplatforms.com/docs).

Every method is `POST <base>/bot<TOKEN>/<method>` with a JSON body; every answer is
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`,
and an `ok: false` answer is an error even when the HTTP status is 200. The error codes are
the docs' table ("Bảng mã lỗi"): 400, 401 (token), 403 (internal server error), 404, 408
(request timeout; getUpdates' "nothing new"), 429 (quota exceeded).

The token is part of the URL, so it would show up in httpx's request log and in
transport errors. The client therefore builds every request with a placeholder
and a small transport puts the real token in only at the moment of sending;
error texts are scrubbed as well.
"""

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

DEFAULT_API_BASE = "https://bot-api.zaloplatforms.com"
# sendMessage and photo captions take 1-2,000 characters.
MAX_TEXT = 2000
# getUpdates answers 408 when nothing arrived within the long-poll timeout.
NOTHING_NEW = 408
# What requests (and so httpx's log) show in place of the token.
_SCRUBBED = "***"


class ZaloError(Exception):
    """A Zalo API call failed; the message never contains the token."""


class ZaloTransportError(ZaloError):
    """The request did not get an answer: a timeout or a network error."""


class ZaloApiError(ZaloError):
    """Zalo answered with an error (`ok: false`, or an HTTP error status)."""

    def __init__(
        self,
        *,
        method: str,
        status: int,
        error_code: int | None,
        description: str,
    ) -> None:
        self.method = method
        self.status = status
        self.error_code = error_code
        self.description = description
        code = "" if error_code is None else f" error_code={error_code}"
        super().__init__(f"Zalo {method} failed: HTTP {status}{code}: {description}")

    @property
    def code(self) -> int:
        """The error code Zalo gave, or the HTTP status when it gave none."""
        return self.error_code if self.error_code is not None else self.status


@dataclass(frozen=True)
class BotInfo:
    """What getMe says about the bot."""

    id: str
    account_name: str | None


@dataclass(frozen=True)
class SentMessage:
    """The id Zalo gave a message the bot sent."""

    message_id: str
    date: int | None


@dataclass(frozen=True)
class WebhookInfo:
    """The webhook Zalo delivers to ("" when polling)."""

    url: str
    updated_at: int | None


class _TokenTransport(httpx.AsyncBaseTransport):
    """Puts the token into the URL on the way out, so nothing above this layer ever holds it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, token: str) -> None:
        self._inner = inner
        self._token = token

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        real = httpx.Request(
            request.method,
            str(request.url).replace(f"/bot{_SCRUBBED}/", f"/bot{self._token}/", 1),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(real)

    async def aclose(self) -> None:
        await self._inner.aclose()


class ZaloClient:
    """The Zalo Bot API methods Đôn Đốc uses, as plain async calls."""

    def __init__(
        self,
        *,
        token: str,
        api_base: str | None = None,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._timeout = timeout
        base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=f"{base}/bot{_SCRUBBED}/",
            transport=_TokenTransport(transport or httpx.AsyncHTTPTransport(), token),
            timeout=timeout,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def scrub(self, text: str) -> str:
        """The text with the token (if it slipped in) replaced by ***."""
        return text.replace(self._token, _SCRUBBED)

    async def call(
        self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        """Call one method and return its `result`; raise ZaloApiError or ZaloTransportError."""
        try:
            response = await self._http.post(
                method, json=payload or {}, timeout=timeout or self._timeout
            )
        except httpx.TimeoutException:
            raise ZaloTransportError(f"Zalo {method} timed out") from None
        except httpx.HTTPError as exc:
            detail = self.scrub(str(exc) or type(exc).__name__)
            raise ZaloTransportError(f"Zalo {method} failed: {detail}") from None
        return self._result(method, response)

    def _result(self, method: str, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise ZaloApiError(
                method=method,
                status=response.status_code,
                error_code=None,
                description=self.scrub(response.text[:200]) or "not a JSON answer",
            )
        if response.is_success and body.get("ok") is True:
            return body.get("result")
        # The docs name it error_code; testWebhook's over-quota answer spells it errorCode.
        error_code = body.get("error_code", body.get("errorCode"))
        raise ZaloApiError(
            method=method,
            status=response.status_code,
            error_code=error_code if isinstance(error_code, int) else None,
            description=self.scrub(str(body.get("description") or response.reason_phrase)),
        )

    async def get_me(self) -> BotInfo:
        """Check the token and describe the bot."""
        result = _mapping(await self.call("getMe"))
        return BotInfo(
            id=str(result.get("id", "")),
            account_name=result.get("account_name") or result.get("name"),
        )

    async def get_updates(self, *, timeout: int = 30) -> dict[str, Any] | None:
        """Wait up to `timeout` seconds for the next update; None when nothing arrived.

        Unlike Telegram's, Zalo's getUpdates returns one update per call and has no offset.
        """
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloApiError as exc:
            if exc.code == NOTHING_NEW or exc.status == NOTHING_NEW:
                return None
            raise
        return _mapping(result) or None

    async def set_webhook(self, *, url: str, secret_token: str) -> WebhookInfo:
        """Ask Zalo to deliver updates to `url` with `X-Bot-Api-Secret-Token: secret_token`."""
        return _webhook(await self.call("setWebhook", {"url": url, "secret_token": secret_token}))

    async def delete_webhook(self) -> WebhookInfo:
        """Stop webhook delivery so getUpdates works again."""
        return _webhook(await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> WebhookInfo:
        """Where Zalo delivers updates now."""
        return _webhook(await self.call("getWebhookInfo"))

    async def send_message(self, *, chat_id: str, text: str) -> SentMessage:
        """Send one text of 1-2,000 characters (split longer text before calling)."""
        if not 1 <= len(text) <= MAX_TEXT:
            raise ValueError(f"a Zalo text must be 1-{MAX_TEXT} characters, not {len(text)}")
        return _sent(await self.call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(
        self, *, chat_id: str, photo: str, caption: str | None = None
    ) -> SentMessage:
        """Send a photo Zalo fetches from a public URL, with an optional caption."""
        if not photo.startswith(("http://", "https://")):
            raise ValueError("a Zalo photo must be a public http(s) URL")
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo}
        if caption:
            if len(caption) > MAX_TEXT:
                raise ValueError(f"a Zalo caption must be at most {MAX_TEXT} characters")
            payload["caption"] = caption
        return _sent(await self.call("sendPhoto", payload))

    async def send_chat_action(self, *, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" (or another action) in the chat for a moment."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _mapping(result: Any) -> dict[str, Any]:
    return result if isinstance(result, dict) else {}


def _sent(result: Any) -> SentMessage:
    data = _mapping(result)
    date = data.get("date")
    return SentMessage(
        message_id=str(data.get("message_id", "")), date=date if isinstance(date, int) else None
    )


def _webhook(result: Any) -> WebhookInfo:
    data = _mapping(result)
    updated = data.get("updated_at")
    return WebhookInfo(
        url=str(data.get("url") or ""), updated_at=updated if isinstance(updated, int) else None
    )
