"""aiogram loaded the channel's way builds each type when first used, and builds it the same.

bot/channels/telegram/loading.py keeps aiogram from building all of its ~450 types at import.
Each check runs in a fresh interpreter: in this one aiogram may already be loaded.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Updates of the kinds the bot reads, and one it never asks for.
UPDATES = [
    {
        "update_id": 1,
        "message": {
            "message_id": 7,
            "date": 1686546000,
            "chat": {"id": 42, "type": "private", "first_name": "An"},
            "from": {"id": 42, "is_bot": False, "first_name": "An", "language_code": "vi"},
            "text": "/start abc",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    },
    {
        "update_id": 2,
        "callback_query": {
            "id": "9",
            "chat_instance": "c",
            "from": {"id": 42, "is_bot": False, "first_name": "An"},
            "data": "d:1",
            "message": {
                "message_id": 8,
                "date": 1686546000,
                "chat": {"id": 42, "type": "private"},
                "text": "Nhắc việc",
                "reply_markup": {"inline_keyboard": [[{"text": "Xong", "callback_data": "d:1"}]]},
            },
        },
    },
    {
        "update_id": 3,
        "message": {
            "message_id": 9,
            "date": 1686546000,
            "chat": {"id": -100, "type": "supergroup", "title": "Sở"},
            "from": {"id": 42, "is_bot": False, "first_name": "An"},
            "document": {
                "file_id": "f",
                "file_unique_id": "u",
                "file_name": "kh.docx",
                "file_size": 1024,
            },
            "caption": "kế hoạch",
        },
    },
    {
        "update_id": 4,
        "message": {
            "message_id": 10,
            "date": 1686546000,
            "chat": {"id": 42, "type": "private"},
            "sticker": {
                "file_id": "s",
                "file_unique_id": "su",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        },
    },
]

# Prints which aiogram types and methods were left unbuilt by the import, every update above as
# aiogram reads it back, and then, once every model has been built, whether all could be and
# what each one's fields are.
PROBE = """
import json, re, sys
{load}
import aiogram.methods, aiogram.types
from aiogram.methods.base import Response
from aiogram.types import Update
from pydantic import BaseModel

models = {{
    f"{{module.__name__}}.{{name}}": getattr(module, name)
    for module in (aiogram.types, aiogram.methods) for name in module.__all__
    if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), BaseModel)
}}
unbuilt = sorted(name for name, model in models.items() if not model.__pydantic_complete__)


def read(updates):
    # As getUpdates answers are read: through a generic model aiogram makes when it needs it.
    answer = Response[list[Update]].model_validate({{"ok": True, "result": updates}})
    return [u.model_dump(mode="json", exclude_unset=True) for u in answer.result]


def build(model):
    # As when the bot first meets it: pydantic builds a deferred model on first use, from a
    # caller at least five frames deep (it looks there for names), as every handler is.
    return model.__pydantic_validator__.validate_python


def described(annotation):
    return re.sub(r" at 0x[0-9a-f]+", "", repr(annotation))  # the same function, elsewhere


def main():
    updates = read(json.loads(sys.argv[1]))
    for model in models.values():
        build(model)
    fields = {{
        name: {{field: described(info.annotation) for field, info in model.model_fields.items()}}
        for name, model in models.items()
    }}
    complete = all(model.__pydantic_complete__ for model in models.values())
    print(json.dumps({{"unbuilt": unbuilt, "updates": updates, "fields": fields,
                      "complete": complete}}))


main()
"""


def _probe(load: str) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE.format(load=load), json.dumps(UPDATES)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


@pytest.fixture(scope="module")
def lazy() -> dict[str, Any]:
    return _probe("import bot.channels.telegram")


@pytest.fixture(scope="module")
def eager() -> dict[str, Any]:
    return _probe("import aiogram")


def test_the_channel_loads_aiogram_with_its_types_left_to_build_when_first_used(
    lazy: dict[str, Any], eager: dict[str, Any]
) -> None:
    assert eager["unbuilt"] == []
    assert len(lazy["unbuilt"]) > 300  # most of them: the bot never meets them
    assert "aiogram.types.Sticker" in lazy["unbuilt"]


def test_types_built_when_first_used_read_updates_as_aiogram_builds_them(
    lazy: dict[str, Any], eager: dict[str, Any]
) -> None:
    assert lazy["complete"] and eager["complete"]
    assert lazy["updates"] == eager["updates"]
    assert lazy["updates"][0]["message"]["text"] == "/start abc"
    assert lazy["updates"][2]["message"]["document"]["file_name"] == "kh.docx"
    assert len(lazy["fields"]) > 500
    assert lazy["fields"] == eager["fields"]


def test_the_models_an_answer_holds_are_built_on_their_own_before_the_answer_model() -> None:
    probe = """
import bot.channels.telegram
from aiogram.types import Chat, Message, Update
from bot.channels.telegram.loading import build_models_in

before = [model.__pydantic_complete__ for model in (Message, Update, Chat)]
build_models_in(Message | bool)
build_models_in(list[Update])
print(before, [model.__pydantic_complete__ for model in (Message, Update, Chat)])
"""
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    # Chat is only met inside Message's schema: built there, as part of it.
    assert run.stdout.split() == ["[False,", "False,", "False]", "[True,", "True,", "False]"]
