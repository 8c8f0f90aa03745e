"""Configuration from the environment (prefix DONDOC_) and an optional .env file.

This is the only module that reads the environment; everything else receives a
`Settings` instance from the composition root.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.calendar import WorkCalendar, parse_weekdays
from models.enums import zalo_channel

ENV_PREFIX = "DONDOC_"
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# Telegram accepts 1-256 characters from this set as a webhook secret token:
# https://core.telegram.org/bots/api#setwebhook
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRON_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)(?:-(?:mon|tue|wed|thu|fri|sat|sun))?"
_WEEKLY_CRON = re.compile(rf"^({_CRON_DAY}(?:,{_CRON_DAY})*)\s+(\d{{1,2}}):(\d{{2}})$")


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""


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
        raise ValueError("must be a sqlite:/// or postgresql:// URL")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator(
        "telegram_api_base", "telegram_webhook_url", "zalo_api_base", "public_files_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("zalo_webhook_url")
    @classmethod
    def _zalo_webhook_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be the public https:// URL of /zalo/webhook")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Zalo's setWebhook takes a secret_token of 8-256 characters.
        if value is not None and not 8 <= len(value.get_secret_value()) <= 256:
            raise ValueError("must be 8-256 characters")
        return value

    @field_validator("zalo_token")
    @classmethod
    def _zalo_tokens(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        tokens = [t.strip() for t in value.get_secret_value().split(",")]
        if not all(tokens):
            return _fail("must be one token, or several separated by commas, none empty")
        if len(set(tokens)) != len(tokens):
            return _fail("the same token is given twice")
        keys = [_bot_key(t) for t in tokens]
        if len(set(keys)) != len(keys):
            return _fail("two tokens belong to the same bot")
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
            raise ValueError("must look like 08:00-17:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise ValueError("must look like 08:00-17:00") from exc
        if start >= end:
            raise ValueError("the window must end after it starts")
        return (start, end)

    @field_validator("working_days", mode="before")
    @classmethod
    def _weekdays(cls, value: object) -> object:
        return parse_weekdays(value) if isinstance(value, str) else value

    @field_validator("extra_days_off", "extra_working_days", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return tuple(date.fromisoformat(p.strip()) for p in value.split(",") if p.strip())
        except ValueError as exc:
            raise ValueError(
                "must be ISO dates separated by commas (2024-02-10,2024-02-17)"
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
            raise ValueError(
                f"{ENV_PREFIX}TELEGRAM_WEBHOOK_SECRET is required when "
                f"{ENV_PREFIX}TELEGRAM_WEBHOOK_URL is set"
            )
        return self

    @model_validator(mode="after")
    def _names_fit_the_tokens(self) -> "Settings":
        if len(self.zalo_bot_names) > len(self.zalo_bots):
            raise ValueError(
                f"{ENV_PREFIX}ZALO_BOT_NAMES names {len(self.zalo_bot_names)} bots but "
                f"{ENV_PREFIX}ZALO_TOKEN has {len(self.zalo_bots)} token(s)"
            )
        return self

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


def _fail(message: str) -> SecretStr:
    raise ValueError(message)


def parse_weekly_cron(value: str) -> tuple[str, int, int]:
    """Read "mon 07:30" or "mon-fri 16:00" into (cron day_of_week, hour, minute)."""
    match = _WEEKLY_CRON.match(value.strip().lower())
    if not match:
        raise ValueError("must look like 'mon 07:30' (weekdays mon..sun, then HH:MM)")
    days, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{hour}:{minute:02d} is not a time of day")
    return days, hour, minute


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning any error into a ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"][:1])
            message = error["msg"].removeprefix("Value error, ")
            # A rule across several variables names them in its own message.
            problems.append(f"{ENV_PREFIX}{field.upper()}: {message}" if field else message)
        raise ConfigError("; ".join(problems)) from None
