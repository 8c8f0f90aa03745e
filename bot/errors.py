"""Errors a user can cause that the command line explains: light, so `dondoc` can catch them
without importing what raises them (bot.bootstrap, bot.runtime). Imports nothing."""


class StoreNotReadyError(RuntimeError):
    """The database has not been created or is older than this version."""


class NoChannelError(RuntimeError):
    """Neither a Telegram nor a Zalo token is configured: nobody could be reached."""
