"""The command menus: officers' by language, and each coordinator's and leader's own."""

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from domain.access import Role
from locales import LOCALES, gettext_for
from services.chats import role_menu_chats
from services.unit_of_work import Sessions
from views.commands import READERS, menu

from .client import CHANNEL

log = logging.getLogger(__name__)


def menu_for(role: Role, locale: str) -> list[BotCommand]:
    """The command menu a person of this role sees, in their language (views.commands)."""
    return [
        BotCommand(command=command, description=description)
        for command, description in menu(role, locale, gettext_for(locale))
    ]


async def set_commands(bot: Bot, *, sessions: Sessions, default_locale: str) -> int:
    """Publish the menus: officers' by language, and each coordinator's and leader's own.

    Returns how many chats got a role menu. This covers everyone registered before the start;
    later, a registration, a /lang and a /revoke change that chat's menu through the outbox.
    """
    await bot.set_my_commands(
        menu_for(Role.OFFICER, default_locale), scope=BotCommandScopeDefault()
    )
    for locale in LOCALES:
        await bot.set_my_commands(
            menu_for(Role.OFFICER, locale), scope=BotCommandScopeDefault(), language_code=locale
        )
    async with sessions() as session:
        rows = await role_menu_chats(session, channel=CHANNEL, roles=READERS)
    for chat_id, role, locale in rows:
        if not chat_id.lstrip("-").isdigit():
            continue
        try:
            await bot.set_my_commands(
                menu_for(Role(role), locale), scope=BotCommandScopeChat(chat_id=int(chat_id))
            )
        except TelegramAPIError as exc:
            log.warning("could not set the command menu of chat %s: %s", chat_id, exc)
    return len(rows)
