"""What the bot says: messages, buttons, keyboards, wording, and the command catalogue.

Pure and below `services/`: these modules turn plain rows into `Outgoing` messages in the
reader's language and read button data back. They import only `domain`, `locales` and the
stored enumerations (`models.enums`), never the store, a framework or a channel.
"""
