"""Pure pieces of the conversation: commands and aliases, button data, item lines."""

import json
from datetime import date

import pytest

from domain.access import Role
from handlers.conversation import HANDLERS
from locales import gettext_for
from views.buttons import (
    ButtonAction,
    ButtonPress,
    DecisionAction,
    DecisionPress,
    Nav,
    decision_button,
    decode,
    decode_decision,
    decode_nav,
    encode,
    overdue_page,
    tasks_page,
    which_option,
)
from views.commands import CATALOGUE, help_text, parse_command
from views.keyboards import progress_buttons, snooze_buttons
from views.messages import Button, Outgoing, ReminderItem, StatusKeyboard, status_buttons
from views.text import render_item_line, shorten


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("/start ABC", "start", "ABC"),
        ("/tasks@DonDocBot", "tasks", ""),
        ("/viec", "tasks", ""),
        ("/VIEC", "tasks", ""),
        ("/quahan  STTTT ", "overdue", "STTTT"),
        ("/quáhạn", "overdue", ""),
        ("/sapden 7", "upcoming", "7"),
        ("/trogiup", "help", ""),
        ("/hoantac", "undo", ""),
        ("/tiendo 57 60", "progress", "57 60"),
        ("/vuong 57 chưa có kinh phí", "blocked", "57 chưa có kinh phí"),
        ("/ngonngu en", "lang", "en"),
        ("/toila", "whoami", ""),
        ("/dang_ky X", "register", "X"),
        ("/nope", None, ""),
    ],
)
def test_commands_and_their_vietnamese_aliases_are_read(
    text: str, name: str | None, args: str
) -> None:
    command = parse_command(text)
    assert command is not None
    assert (command.name, command.args) == (name, args)


@pytest.mark.parametrize("text", ["xong", "50%", "/", " ", "#57 xong"])
def test_text_that_is_no_command_is_not_read_as_one(text: str) -> None:
    assert parse_command(text) is None


def test_navigation_buttons_round_trip_and_refuse_anything_else() -> None:
    assert decode_nav(overdue_page(3, "a17")) == Nav("o", 3, "a17")
    assert decode_nav(overdue_page(2, None)) == Nav("o", 2, None)
    assert decode_nav(which_option(4)) == Nav("w", 4)
    assert decode_nav(tasks_page(2)) == Nav("t", 2)
    for bad in (None, "", "n|o", "n|o|x|", "n|w|1|2", "n|t|1|2", "s|d|57||", "n|z|1"):
        assert decode_nav(bad) is None


@pytest.mark.parametrize("occurrence", [None, 3])
def test_status_buttons_from_the_template_carry_exactly_what_encode_writes(
    occurrence: int | None,
) -> None:
    item = ReminderItem(number=1, assignment_id=2_147_483_647, occurrence_id=occurrence)
    for numbered in (False, True):
        buttons = status_buttons(item=item, _=gettext_for("en"), numbered=numbered)
        assert [b.data for b in buttons] == [
            encode(ButtonPress(action, item.assignment_id, occurrence))
            for action in (
                ButtonAction.DONE,
                ButtonAction.PROGRESS,
                ButtonAction.BLOCKED,
                ButtonAction.SNOOZE,
                ButtonAction.EXTEND,
            )
        ]


def test_a_status_keyboard_is_stored_as_such_and_read_back_as_buttons_after_the_others() -> None:
    items = (ReminderItem(1, 57), ReminderItem(2, 58, 3))
    other = Button("Mở", "n|t|1")
    message = Outgoing(
        text="Nhắc việc",
        buttons=((other,),),
        items=items,
        status_keyboard=StatusKeyboard("en", numbered=True),
    )
    payload = json.loads(json.dumps(message.to_payload()))
    assert payload["buttons"] == [[{"label": "Mở", "data": "n|t|1"}]]
    assert payload["status_keyboard"] == {"locale": "en", "numbered": True}
    sent = Outgoing.from_payload(payload)
    english = gettext_for("en")
    assert sent.buttons == (
        (other,),
        status_buttons(item=items[0], _=english, numbered=True),
        status_buttons(item=items[1], _=english, numbered=True),
    )
    assert sent.buttons[2][0].label == "2. ✅ Done"
    # Read back, the buttons are the message's own: stored again, they are not made twice.
    assert sent.status_keyboard is None
    assert Outgoing.from_payload(sent.to_payload()).buttons == sent.buttons


def test_status_buttons_carry_the_data_the_conversation_decodes() -> None:
    _ = gettext_for("vi")
    item = ReminderItem(number=2, assignment_id=57, occurrence_id=3)
    buttons = status_buttons(item=item, _=_, numbered=True)
    assert [b.label for b in buttons] == [
        "2. ✅ Xong",
        "2. 🔄 Đang làm",
        "2. ⚠️ Vướng mắc",
        "2. ⏰ Nhắc lại sau",
        "2. ⏳ Xin gia hạn",
    ]
    presses = [decode(b.data) for b in buttons]
    assert [(p.action, p.assignment_id, p.occurrence_id, p.value) for p in presses if p] == [
        (ButtonAction.DONE, 57, 3, None),
        (ButtonAction.PROGRESS, 57, 3, None),
        (ButtonAction.BLOCKED, 57, 3, None),
        (ButtonAction.SNOOZE, 57, 3, None),
        (ButtonAction.EXTEND, 57, 3, None),
    ]
    english = [b.label for b in status_buttons(item=item, _=gettext_for("en"))]
    assert english == [
        "✅ Done",
        "🔄 In progress",
        "⚠️ Blocked",
        "⏰ Remind me later",
        "⏳ Ask for more time",
    ]
    values = [decode(b.data) for b in progress_buttons(assignment_id=57, occurrence_id=None, _=_)]
    assert [(p.action, p.value) for p in values if p] == [
        (ButtonAction.PROGRESS, 25),
        (ButtonAction.PROGRESS, 50),
        (ButtonAction.PROGRESS, 75),
        # The question's own "✅ Xong" answers it (100%), so it stops working once answered.
        (ButtonAction.PROGRESS, 100),
    ]
    days = [decode(b.data) for b in snooze_buttons(assignment_id=57, occurrence_id=None, _=_)]
    assert [p.value for p in days if p] == [1, 3, 7]


def test_an_item_line_shows_handle_code_short_title_and_due_date() -> None:
    line = render_item_line(
        handle=57,
        task_code="III.12",
        title="Xây dựng và triển khai nền tảng tích hợp, chia sẻ dữ liệu dùng chung của thành phố",
        due_date=date(2023, 12, 31),
        locale="vi",
        _=gettext_for("vi"),
        number=2,
    )
    assert line == (
        "2. #57 III.12 Xây dựng và triển khai nền tảng tích hợp, chia sẻ dữ liệu dùng chung… "
        "(hạn 31/12/2023)"
    )
    english = render_item_line(
        handle=8,
        task_code="1.a",
        title="Plan",
        due_date=None,
        locale="en",
        _=gettext_for("en"),
        period_label="2023-Q4",
    )
    assert english == "#8 1.a Plan [2023-Q4]"
    assert shorten("a " * 100, 10) == "a a a a…"


def test_every_command_in_the_catalogue_has_a_handler_and_no_handler_is_unlisted() -> None:
    assert set(HANDLERS) == {spec.command for spec in CATALOGUE}


def test_each_name_of_the_catalogue_answers_as_its_command() -> None:
    for spec in CATALOGUE:
        for name in spec.names:
            parsed = parse_command(f"/{name}")
            assert parsed is not None and parsed.name == spec.command


@pytest.mark.parametrize(
    ("role", "offered", "not_offered"),
    [
        (Role.OFFICER, "/viec", "/canbo"),
        (Role.LEADER, "/baocao", "/thuhoi"),
        (Role.COORDINATOR, "/thuhoi", None),
    ],
)
def test_help_lists_what_the_catalogue_offers_the_role(
    role: Role, offered: str, not_offered: str | None
) -> None:
    text = help_text(role, gettext_for("vi"))
    assert offered in text
    if not_offered is not None:
        assert not_offered not in text


def test_decision_buttons_round_trip_and_refuse_anything_else() -> None:
    for action in DecisionAction:
        assert decode_decision(decision_button(action, 12)) == DecisionPress(action, 12)
    for bad in (None, "", "g|a", "g|x|1", "g|a|x", "g|a|1|2", "s|d|57||", "g|a|" + "9" * 13):
        assert decode_decision(bad) is None
