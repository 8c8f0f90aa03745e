"""The channels: where people meet the bot (Telegram, Zalo, the console).

Each channel turns its updates into the plain `Incoming` the conversation reads, and
renders the plain `Outgoing` the outbox holds in its own way. `base` is what they all
share: the port they call (`ConversationPort`), the sender port the outbox dispatcher
calls (`ChannelSender`) and the delivery errors it understands, one lock per chat
(`ChatLocks`) and the memory of partly sent messages (`PartialSends`). `choices` is the
one rule for pressing a button by typing ("2", "[2]", a label) where buttons are shown
as text (Zalo, the console).

Packages and modules: `telegram/`, `zalo/`, `console`, beside `base` and `choices`. A
channel imports another only through `base` (and `choices`), and of the rest of the bot
only what they run beside (`bot.http`, `bot.settings`; the app reaches them as a
`ChannelHost`), never the outbox
dispatcher. Below the bot they import `services` (the store only through them: no SQL
here), `views`, `domain`, `locales` and `models.enums`, and never `handlers`.
"""
