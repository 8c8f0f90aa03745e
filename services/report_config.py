"""What a summary or report needs of the configuration (services.summary and the reports
built beside it): time zone, work calendar, and where its files and the dashboard are."""

from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.calendar import WorkCalendar
from services.file_links import FileLinks


class _SettingsLike(Protocol):
    @property
    def tz(self) -> ZoneInfo: ...
    def work_calendar(self) -> WorkCalendar: ...
    @property
    def public_files_url(self) -> str | None: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def dashboard_url(self) -> str | None: ...


@dataclass(frozen=True)
class ReportConfig:
    """What a summary needs from the configuration: time zone, work calendar, and how to
    link to its files (None: they have no public address)."""

    tz: tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    links: FileLinks | None = None
    # The dashboard's public address (None: summaries carry no link to it).
    dashboard_url: str | None = None

    @classmethod
    def from_settings(cls, settings: _SettingsLike) -> "ReportConfig":
        """The configuration of a running app (bot.settings.Settings)."""
        public = settings.public_files_url
        return cls(
            tz=settings.tz,
            calendar=settings.work_calendar(),
            links=FileLinks.of(settings.data_dir, base_url=public) if public else None,
            dashboard_url=settings.dashboard_url,
        )
