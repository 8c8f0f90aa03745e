"""Configuration from the environment (prefix DONDOC_) and an optional .env file.

This is the only module that reads the environment; everything else receives a
`Settings` instance from the composition root.
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.redaction import keep_secret
from domain.calendar import WorkCalendar, parse_weekdays
from locales import N_, Translate, gettext_for
from models.enums import zalo_channel

ENV_PREFIX = "DONDOC_"
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# Telegram accepts 1-256 characters from this set as a webhook secret token:
# https://core.telegram.org/bots/api#setwebhook
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)(?:-(?:mon|tue|wed|thu|fri|sat|sun))?"
_WEEKLY_CRON = re.compile(rf"^({_CRON_DAY}(?:,{_CRON_DAY})*)\s+(\d{{1,2}}):(\d{{2}})$")


class Invalid(ValueError):
    """A setting's value is wrong: why, as a msgid to translate, and its parameters."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Problem:
    """One wrong setting: the variable (None for a rule across several) and why."""

    variable: str | None
    message: str
    params: Mapping[str, object]

    def describe(self, _: Translate) -> str:
        """The problem in the reader's language, naming the variable."""
        text = _(self.message).format(**self.params)
        return f"{self.variable}: {text}" if self.variable else text


class ConfigError(Exception):
    """A configuration value is wrong; `describe` says which and why, naming the variable."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.describe(gettext_for("en")))

    def describe(self, _: Translate) -> str:
        """Every problem, in the reader's language."""
        return "; ".join(problem.describe(_) for problem in self.problems)


@dataclass(frozen=True)
class ZaloBot:
    """One configured Zalo bot: its channel, token, and the name people find it by."""

    channel: str
    token: SecretStr
    # The bot's id (the token's part before ":"), or a digest of the token when it has none.
    key: str
    name: str


_BOT_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")


class Settings(BaseSettings):
    """Every setting of Đôn Đốc, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///dondoc.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: Literal["vi", "en"] = "vi"

    telegram_token: SecretStr | None = None
    telegram_api_base: str | None = None
    telegram_bot_username: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    # One token, or several separated by commas: one bot per group of agencies, so that no
    # bot passes its plan's user cap. Keep the order: the first is the channel "zalo".
    zalo_token: SecretStr | None = None
    # The names people find the bots by in Zalo, in the order of the tokens.
    zalo_bot_names: Annotated[tuple[str, ...], NoDecode] = ()
    # The Zalo plan's limits per bot; defaults: the published Basic plan.
    zalo_plan_users: int = Field(default=50, ge=1, le=10_000_000)
    zalo_plan_messages: int = Field(default=3000, ge=1, le=1_000_000_000)
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: SecretStr | None = None
    zalo_webhook_url: str | None = None

    send_window: Annotated[tuple[time, time], NoDecode] = (time(8, 0), time(17, 0))
    working_days: Annotated[frozenset[int], NoDecode] = frozenset({0, 1, 2, 3, 4})
    extra_days_off: Annotated[tuple[date, ...], NoDecode] = ()
    extra_working_days: Annotated[tuple[date, ...], NoDecode] = ()
    sweep_seconds: int = Field(default=60, ge=5, le=3600)
    # When the weekly summary goes out: weekdays and a local time, "mon 07:30", "mon,thu 16:00".
    weekly_summary_cron: str = "mon 07:30"
    escalate_after_days: int = Field(default=5, ge=1, le=120)
    long_overdue_days: int = Field(default=20, ge=1, le=500)
    remind_cooperating: bool = False

    # Charts and spreadsheets are written here; housekeeping deletes them after 44 days.
    data_dir: Path = Path("dondoc-data")
    public_files_url: str | None = None

    http_host: str = "127.0.0.1"
    # 0: any free port (tests).
    http_port: int = Field(default=8080, ge=0, le=65535)
    # How long a client may take to send its headers, then its body; how many connections one
    # address may hold (behind a reverse proxy every client is the proxy's address).
    http_header_seconds: float = Field(default=10.0, gt=0, le=3600)
    http_body_seconds: float = Field(default=30.0, gt=0, le=3600)
    http_connections_per_client: int = Field(default=50, ge=1, le=100_000)

    # Delivery limits: https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
    telegram_rate_per_second: float = Field(default=30.0, gt=0, le=10_000)
    telegram_private_chat_interval: float = Field(default=1.0, ge=0, le=3600)
    telegram_group_per_minute: int = Field(default=20, ge=1, le=10_000)
    zalo_rate_per_second: float = Field(default=5.0, gt=0, le=10_000)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the plain URLs operators write and pick the async driver for them."""
        value = value.strip()
        for plain, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if value.startswith(plain):
                return driver + value[len(plain) :]
        if value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            return value
        raise Invalid(N_("phải là địa chỉ sqlite:/// hoặc postgresql://"))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Invalid(N_("không có múi giờ «{value}»"), value=value) from exc
        return value

    @field_validator(
        "telegram_api_base", "telegram_webhook_url", "zalo_api_base", "public_files_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise Invalid(N_("phải bắt đầu bằng http:// hoặc https://"))
        return value.rstrip("/")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_SECRET.match(value.get_secret_value()):
            raise Invalid(N_("phải gồm 1-256 ký tự A-Z, a-z, 0-9, _ và -"))
        return value

    @field_validator("zalo_webhook_url")
    @classmethod
    def _zalo_webhook_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise Invalid(N_("phải là địa chỉ https:// công khai của /zalo/webhook"))
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Zalo's setWebhook takes a secret_token of 8-256 characters.
        if value is not None and not 8 <= len(value.get_secret_value()) <= 256:
            raise Invalid(N_("phải dài 8-256 ký tự"))
        return value

    @field_validator("zalo_token")
    @classmethod
    def _zalo_tokens(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        tokens = [t.strip() for t in value.get_secret_value().split(",")]
        if not all(tokens):
            raise Invalid(
                N_("phải là một token, hoặc nhiều token cách nhau bằng dấu phẩy, không để trống")
            )
        if len(set(tokens)) != len(tokens):
            raise Invalid(N_("có token được ghi hai lần"))
        keys = [_bot_key(t) for t in tokens]
        if len(set(keys)) != len(keys):
            raise Invalid(N_("có hai token của cùng một bot"))
        return SecretStr(",".join(tokens))

    @field_validator("zalo_bot_names", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return tuple(name.strip() for name in value.split(",") if name.strip())

    @field_validator("send_window", mode="before")
    @classmethod
    def _window(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        match = _WINDOW.match(value)
        if not match:
            raise Invalid(N_("phải có dạng 08:00-17:00"))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise Invalid(N_("phải có dạng 08:00-17:00")) from exc
        if start >= end:
            raise Invalid(N_("giờ kết thúc phải sau giờ bắt đầu"))
        return (start, end)

    @field_validator("working_days", mode="before")
    @classmethod
    def _weekdays(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return parse_weekdays(value)
        except ValueError as exc:
            raise Invalid(
                N_("phải là các ngày trong tuần, ví dụ Mon-Fri, T2-T6 hoặc Mon,Tue,Thu")
            ) from exc

    @field_validator("extra_days_off", "extra_working_days", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return tuple(date.fromisoformat(p.strip()) for p in value.split(",") if p.strip())
        except ValueError as exc:
            raise Invalid(
                N_("phải là các ngày YYYY-MM-DD cách nhau bằng dấu phẩy (2024-02-10,2024-02-17)")
            ) from exc

    @field_validator("weekly_summary_cron")
    @classmethod
    def _weekly_cron(cls, value: str) -> str:
        days, hour, minute = parse_weekly_cron(value)
        return f"{days} {hour:02d}:{minute:02d}"

    @property
    def weekly_summary_at(self) -> tuple[str, int, int]:
        """The weekly summary's weekdays (cron day_of_week syntax), hour and minute."""
        return parse_weekly_cron(self.weekly_summary_cron)

    @model_validator(mode="after")
    def _webhook_needs_its_secret(self) -> "Settings":
        # Without the secret anyone who finds the URL could post updates as Telegram.
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise Invalid(
                N_("cần đặt {secret} khi đã đặt {url}"),
                secret=f"{ENV_PREFIX}TELEGRAM_WEBHOOK_SECRET",
                url=f"{ENV_PREFIX}TELEGRAM_WEBHOOK_URL",
            )
        return self

    @model_validator(mode="after")
    def _names_fit_the_tokens(self) -> "Settings":
        if len(self.zalo_bot_names) > len(self.zalo_bots):
            raise Invalid(
                N_("{names} có {count} tên bot nhưng {tokens} chỉ có {tokens_count} token"),
                names=f"{ENV_PREFIX}ZALO_BOT_NAMES",
                count=len(self.zalo_bot_names),
                tokens=f"{ENV_PREFIX}ZALO_TOKEN",
                tokens_count=len(self.zalo_bots),
            )
        return self

    def secrets(self) -> list[str]:
        """Every secret value configured: tokens (each Zalo token too), webhook secrets, and
        the database password (bot.redaction keeps them out of logs and errors)."""
        found = [
            value.get_secret_value()
            for value in (
                self.telegram_token,
                self.telegram_webhook_secret,
                self.zalo_token,
                self.zalo_webhook_secret,
            )
            if value is not None
        ]
        found += [bot.token.get_secret_value() for bot in self.zalo_bots]
        # A token's part after its bot id is the secret itself, wherever it appears alone.
        found += [value.split(":", 1)[1] for value in found if ":" in value]
        password = urlsplit(self.database_url).password
        return found + ([unquote(password)] if password else [])

    @property
    def zalo_bots(self) -> tuple[ZaloBot, ...]:
        """Every configured Zalo bot, in the order of DONDOC_ZALO_TOKEN."""
        if self.zalo_token is None:
            return ()
        tokens = self.zalo_token.get_secret_value().split(",")
        bots = []
        for index, token in enumerate(tokens):
            key = _bot_key(token)
            names = self.zalo_bot_names
            name = names[index] if index < len(names) else f"Zalo {index + 1} ({key})"
            bots.append(ZaloBot(zalo_channel(index, key), SecretStr(token), key, name))
        return tuple(bots)

    @property
    def tz(self) -> ZoneInfo:
        """The time zone reminders are planned and shown in."""
        return ZoneInfo(self.timezone)

    def work_calendar(self) -> WorkCalendar:
        """The working-day calendar these settings describe (Vietnamese holidays included)."""
        return WorkCalendar(
            working_weekdays=self.working_days,
            extra_days_off=self.extra_days_off,
            extra_working_days=self.extra_working_days,
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether the store is the embedded SQLite file (one instance only)."""
        return self.database_url.startswith("sqlite")

    def describe_working_days(self) -> str:
        """Working weekdays as Mon,Tue,... for display."""
        return ",".join(_WEEKDAY_NAMES[d].capitalize() for d in sorted(self.working_days))


def _bot_key(token: str) -> str:
    """A bot's id from its token ("<id>:<secret>"), or a digest when it has no usable id."""
    head = token.split(":", 1)[0]
    if ":" in token and _BOT_ID.match(head):
        return head
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def parse_weekly_cron(value: str) -> tuple[str, int, int]:
    """Read "mon 07:30" or "mon-fri 16:00" into (cron day_of_week, hour, minute)."""
    match = _WEEKLY_CRON.match(value.strip().lower())
    if not match:
        raise Invalid(N_("phải có dạng 'mon 07:30' (các ngày mon..sun, rồi HH:MM)"))
    days, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise Invalid(N_("{time} không phải giờ trong ngày"), time=f"{hour}:{minute:02d}")
    return days, hour, minute


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning any error into a ConfigError naming the variable;
    their secrets are registered with bot.redaction."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"][:1])
            # A rule across several variables names them in its own message.
            variable = f"{ENV_PREFIX}{field.upper()}" if field else None
            problems.append(_problem(variable, error))
        raise ConfigError(problems) from None
    keep_secret(*settings.secrets())
    return settings


# pydantic's own checks, by error type, and what they say (with their ctx values); the
# command line reads its options' errors with them too (bot.cli.usage).
PYDANTIC_MESSAGES = {
    "int_parsing": N_("phải là một số nguyên"),
    "int_type": N_("phải là một số nguyên"),
    "int_from_float": N_("phải là một số nguyên"),
    "float_parsing": N_("phải là một số"),
    "float_type": N_("phải là một số"),
    "bool_parsing": N_("phải là true hoặc false"),
    "greater_than_equal": N_("phải từ {ge} trở lên"),
    "greater_than": N_("phải lớn hơn {gt}"),
    "less_than_equal": N_("không được quá {le}"),
    "less_than": N_("phải nhỏ hơn {lt}"),
    "literal_error": N_("phải là một trong: {expected}"),
}


def _problem(variable: str | None, error: Any) -> Problem:
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, Invalid):
        return Problem(variable, cause.message, cause.params)
    message = PYDANTIC_MESSAGES.get(error["type"])
    if message is not None:
        return Problem(variable, message, {k: str(v) for k, v in context.items()})
    return Problem(variable, N_("giá trị không hợp lệ ({detail})"), {"detail": error["msg"]})
