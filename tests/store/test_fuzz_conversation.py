"""Issue 18: hostile text through the real conversation, checked after every message.

A bounded fuzz run (FUZZ_MESSAGES, 2,000 by default) of random Unicode, NFD Vietnamese,
zero-width and bidi marks, markup, huge numbers, negative percents, forged buttons and
commands, sent by two officers of different agencies. The seed is FUZZ_SEED, else the CI
run's id, else a fresh one; it is printed, and every failure names it, so a failing run is
replayed with FUZZ_SEED=<seed>. After each message: no apology from a crash, no change outside
the sender's agency, progress within 0..100, no English in a Vietnamese answer, and no change
the answer did not name.
"""

import os
import random
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlmodel import col, func, select

from domain.access import Role
from models.tables import Assignment, StatusChange
from services.unit_of_work import Sessions
from tests.builders import World

APOLOGY = "hệ thống đang gặp sự cố"
WORDS = [
    "xong", "Xong", "hoàn thành", "đang làm", "vướng:", "khó khăn", "nhắc lại sau", "ngày",
    "tuần", "tất cả", "mục", "số", "chưa", "không", "sẽ", "done", "%", "-", "#", ",", ".", "?",
    "\n", "cảm ơn", "kinh phí", "ok", "đã nộp", "sắp xong", "phần trăm", "1.", "2)", "và",
]  # fmt: skip
MARKS = list(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\ufeff\u00ad"
)
MARKUP = [("<b>", "</b>"), ("<i>", "</i>"), ("*", "*"), ("**", "**"), ("`", "`"), ("_", "_")]
COMMANDS = [
    "/xong", "/tiendo", "/vuong", "/nhaclai", "/chitiet", "/sapden", "/viec", "/hoantac",
    "/thuhoi", "/canbo", "/quahan", "/huy", "/start", "/dangky", "/chitieu", "/khong",
]  # fmt: skip
STRANGE_NUMBERS = [
    "²", "①", "³", "٣", "３", "0001000000000", "9999999999", "-50", "-90%", "150%",
    "99999999999999999999", "0", "00", "1e9", "½", "1,5", "2.5%",
]  # fmt: skip


def _seed() -> int:
    given = os.environ.get("FUZZ_SEED") or os.environ.get("GITHUB_RUN_ID")
    return int(given) if given and given.isascii() and given.isdigit() else random.randrange(2**32)


def _english_fragments() -> list[str]:
    """Pieces of the English catalogue long enough that none can be Vietnamese by chance."""
    path = Path(__file__).resolve().parents[2] / "locales/en/LC_MESSAGES/messages.po"
    with path.open("rb") as file:
        catalog = read_po(file)
    fragments: set[str] = set()
    for message in catalog:
        if not message.id or not isinstance(message.string, str):
            continue
        for piece in re.split(r"\{[^}]*\}|\n", message.string):
            piece = piece.strip()
            if len(piece) >= 16 and " " in piece and piece not in str(message.id):
                fragments.add(piece)
    return sorted(fragments)


class Hostile:
    """Makes one hostile message (or button) at a time from a seeded generator."""

    def __init__(self, rng: random.Random, handles: list[int]) -> None:
        self.rng = rng
        self.handles = handles

    def number(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.4:
            return str(rng.randint(0, 12))
        if roll < 0.6:
            return str(rng.choice(self.handles))
        if roll < 0.8:
            return rng.choice(STRANGE_NUMBERS)
        return str(rng.randint(-(10**12), 10**25))

    def text(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            alphabet = [chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, 40))]
            text = "".join(alphabet)
        elif roll < 0.35:
            text = f"{rng.choice(COMMANDS)} {self.number()} {self.number()}"
        elif roll < 0.55:
            # Nearly right: the forms officers use, with hostile numbers in them.
            text = rng.choice(
                [
                    f"{self.number()} xong",
                    f"#{self.number()} {self.number()}%",
                    f"{self.number()} vướng: \u202echưa có kinh phí",
                    f"/tiendo {self.number()} {self.number()}",
                    f"xong {self.number()}",
                    f"{self.number()}% {self.number()}",
                    f"/xong {self.number()}",
                    f"/nhaclai {self.number()} {self.number()}",
                ]
            )
        else:
            parts = [rng.choice(WORDS) if rng.random() < 0.6 else self.number()]
            parts += [
                rng.choice(WORDS) if rng.random() < 0.6 else self.number()
                for _ in range(rng.randint(0, 6))
            ]
            text = " ".join(parts)
        if rng.random() < 0.3:
            text = unicodedata.normalize("NFD", text)
        if rng.random() < 0.3:
            left, right = rng.choice(MARKUP)
            text = f"{left}{text}{right}"
        for _ in range(rng.choice([0, 0, 1, 3])):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(MARKS) + text[at:]
        return text[:300]

    def button(self) -> str:
        rng = self.rng
        action = rng.choice(["d", "p", "b", "z", "q", ""])
        value = rng.choice(["", "", self.number(), "50", "-250", "0", "99999"])
        occurrence = rng.choice(["", "", self.number()])
        kind = rng.random()
        if kind < 0.7:
            return f"s|{action}|{self.number()}|{occurrence}|{value}"[:64]
        if kind < 0.85:
            return f"n|{rng.choice(['w', 'o', 'x'])}|{self.number()}"[:64]
        return f"x|{self.number()}|{rng.choice(['2023-06M', '2023-13M', '²０２３-1M'])}"[:64]


async def _snapshot(world: World) -> dict[int, tuple[int, str, int, str | None]]:
    async with world.sessions() as session:
        rows = (await session.exec(select(Assignment))).all()
    return {a.id: (a.agency_id, a.status, a.progress, a.blocked_reason) for a in rows if a.id}


async def _history(world: World) -> int:
    async with world.sessions() as session:
        return int((await session.exec(select(func.count(col(StatusChange.id))))).one())


async def test_hostile_messages_keep_every_invariant(sessions: Sessions) -> None:
    seed = _seed()
    count = int(os.environ.get("FUZZ_MESSAGES") or 2000)
    print(f"fuzz seed {seed}, {count} messages (replay: FUZZ_SEED={seed})")
    rng = random.Random(seed)
    world = World(sessions)
    await world.setup_agencies()
    senders = {
        "a": await world.person("Cán bộ A", chat_id="a") and "STTTT",
        "b": await world.person("Cán bộ B", agency="SXD", chat_id="b") and "SXD",
    }
    await world.person("Anh Điều", role=Role.COORDINATOR, agency=None, chat_id="boss")
    plan = await world.plan()
    mine = [await world.task(plan, f"I.{n}", due=date(2023, 12, 31)) for n in range(1, 6)]
    theirs = [
        await world.task(plan, f"II.{n}", due=date(2023, 12, 31), lead="SXD") for n in range(1, 4)
    ]
    await world.reminder("a", [(h, None) for h in mine], provider_message_id="ra")
    await world.reminder("b", [(h, None) for h in theirs], provider_message_id="rb")
    english = _english_fragments()
    hostile = Hostile(rng, mine + theirs)
    changes = 0

    for step in range(count):
        chat = rng.choice(["a", "a", "b"])
        before, written = await _snapshot(world), await _history(world)
        if rng.random() < 0.15:
            data = hostile.button()
            sent, answers = f"button {data}", await world.send(chat, button=data)
        else:
            sent = hostile.text()
            answers = await world.send(chat, sent)
        where = f"seed {seed}, message {step} from {chat}: {sent!r}"
        text = "\n".join(a.text for a in answers)
        after = await _snapshot(world)

        assert APOLOGY not in text, where
        assert all(0 <= progress <= 100 for _, _, progress, _ in after.values()), where
        changed = [h for h in after if after[h] != before.get(h)]
        changes += len(changed)
        for handle in changed:
            assert after[handle][0] == world.agencies[senders[chat]], (where, handle)
            assert f"#{handle}" in text, (where, handle, text)
        assert await _history(world) - written <= len(changed) or "/hoantac" in sent, where
        leaked = [piece for piece in english if piece in text]
        assert not leaked, (where, leaked, text)
    print(f"fuzz seed {seed}: {changes} task changes in {count} messages, invariants held")


@pytest.mark.parametrize("given", ["12345", "", "not-a-number"])
def test_the_fuzz_seed_comes_from_the_environment_or_is_fresh(
    given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_RUN_ID", raising=False)
    monkeypatch.setenv("FUZZ_SEED", given)
    seed = _seed()
    assert seed == 12345 if given == "12345" else 0 <= seed < 2**32
