"""Slash commands and their Vietnamese aliases (written without diacritics, or with them)."""

from dataclasses import dataclass

from domain.text import fold

# alias → command; every command is also its own alias.
ALIASES: dict[str, str] = {
    "start": "start",
    "register": "register",
    "dangky": "register",
    "help": "help",
    "trogiup": "help",
    "huongdan": "help",
    "tasks": "tasks",
    "viec": "tasks",
    "nhiemvu": "tasks",
    "task": "task",
    "chitiet": "task",
    "xem": "task",
    "overdue": "overdue",
    "quahan": "overdue",
    "upcoming": "upcoming",
    "sapden": "upcoming",
    "saptoi": "upcoming",
    "whoami": "whoami",
    "toila": "whoami",
    "lang": "lang",
    "ngonngu": "lang",
    "undo": "undo",
    "hoantac": "undo",
    "done": "done",
    "xong": "done",
    "progress": "progress",
    "tiendo": "progress",
    "blocked": "blocked",
    "vuong": "blocked",
    "vuongmac": "blocked",
    "snooze": "snooze",
    "nhaclai": "snooze",
    "cancel": "cancel",
    "huy": "cancel",
    "people": "people",
    "canbo": "people",
    "summary": "summary",
    "baocao": "summary",
    "tonghop": "summary",
    "revoke": "revoke",
    "thuhoi": "revoke",
}


@dataclass(frozen=True)
class Command:
    """A slash command as typed: its canonical name (None if unknown) and its arguments."""

    name: str | None
    typed: str
    args: str


def parse_command(text: str) -> Command | None:
    """Read "/quahan STTTT", "/tasks@DonDocBot", "/quáhạn"; None when text is no command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, args = stripped[1:].partition(" ")
    # Telegram appends the bot's name in groups: /tasks@DonDocBot
    typed = head.split("@", 1)[0]
    key = fold(typed).replace("_", "").replace("-", "")
    return Command(name=ALIASES.get(key), typed=typed, args=" ".join(args.split()))
