"""The Telegram channel (aiogram 3): updates in, outbox messages out.

In: a Message or CallbackQuery becomes a plain `Incoming` and goes to the conversation; the core
never sees aiogram. Updates from one chat are handled one at a time, in arrival order. Polling
(development) confirms an update to Telegram only after it was handled; webhook mode (production)
answers 200 only after it was handled, so Telegram redelivers anything a crash interrupted (the
conversation recognises a replay).

Out: `TelegramSender` renders an `Outgoing` in HTML parse mode with every piece of text escaped,
splits it at 4,096 characters on paragraph or line boundaries, puts the buttons on the last part,
sends attachments with sendPhoto/sendDocument, edits with editMessageText, and maps aiogram's
errors onto the dispatcher's (bot.channels.base). Text parts, nearly all it sends, go as JSON
through the bot's own HTTP session without aiogram's per-call models (see `_send_text`).

Modules: `client` (the aiogram Bot, and what a failed call means: `delivery_error`), `render`
(escaping, lengths, text parts and inline keyboards), `sender` (TelegramSender for the outbox
dispatcher), `inbound` (update → Incoming, and the aiogram Dispatcher), `menus` (the command
menus, from views.commands), `runtime` (polling or webhook, and `start_telegram` for
`dondoc run`).

Only this package imports aiogram (through `loading`, see there). It may import
`bot.channels.base` (never another channel), `bot.bootstrap`, `bot.http` and `bot.settings`
for running, and below the bot: `services`, `views`, `domain`, `locales` and `models.enums`;
the store only through services.
"""

from .loading import load_aiogram

# Before any module of this package imports aiogram: its types are built when first used.
load_aiogram()
