"""The Zalo channel (Zalo Bot Platform): client, sender, inbound adapter, webhook and polling.

Zalo is text only: no buttons and no reply-to. Outgoing buttons become numbered options,
reminders carry a one-line reply hint, and a reply binds to the chat's most recent
reminder (the conversation core does that part).

Modules: `client` (the Bot API), `render` (Outgoing → text parts and photos), `sender`
(ZaloSender for the outbox dispatcher), `updates` and `inbound` (update → Incoming),
`webhook` and `polling` (the two ways updates arrive), `runtime` (`start_zalo` for
`dondoc run`).
"""
