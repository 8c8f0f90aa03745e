"""The outbox dispatcher: delivers the messages the outbox holds through the channel senders.

Modules: `dispatcher` (OutboxDispatcher: claims, paces, sends and records; its docstring says
how delivery works), `limits` (ChannelLimits, limits_from_settings, RateLimiter, RetryPolicy),
`claims` (which rows are due and the claim statements, built once), `outcomes` (the
transaction that records each outcome of a send).

It may import `bot.channels.base` (the senders' protocol and errors, never a channel itself),
`bot.settings` (only `limits`, to read the configured limits), `services` (the outbox rows'
use cases: `services.delivery` tells coordinators), `models`, `views` and `domain`.
"""
