"""The conversation, for every channel: one plain `Incoming` in, outbox rows out.

`handlers.conversation.Conversation` routes a message to a handler module (`people`,
`lists`, `replies`); a handler reads the input, calls the services and renders the reply
with `views`. Handlers import domain, models, services and views, never scheduler or bot;
their configuration arrives as a `ConversationConfig`.
"""
