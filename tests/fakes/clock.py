"""A clock tests move by hand."""

from datetime import datetime, timedelta


class FakeClock:
    """Returns the same aware datetime until advanced."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta's keyword arguments (seconds=1, days=2...)."""
        self.now += timedelta(**delta)
        return self.now
