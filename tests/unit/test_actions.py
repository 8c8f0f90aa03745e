import pytest

from views.buttons import ButtonAction, ButtonPress, decode, encode
from views.messages import MAX_BUTTON_DATA_BYTES


@pytest.mark.parametrize(
    "press",
    [
        ButtonPress(ButtonAction.DONE, 57),
        ButtonPress(ButtonAction.PROGRESS, 57, value=50),
        ButtonPress(ButtonAction.SNOOZE, 2_000_000_000, occurrence_id=2_000_000_000, value=7),
        ButtonPress(ButtonAction.BLOCKED, 1, occurrence_id=9),
    ],
)
def test_a_button_press_survives_encoding_within_telegrams_limit(press: ButtonPress) -> None:
    data = encode(press)
    assert decode(data) == press
    assert len(data.encode()) <= MAX_BUTTON_DATA_BYTES


@pytest.mark.parametrize(
    "data", [None, "", "hello", "s|x|1||", "s|d|abc||", "s|d|1|", "x|d|1||", "s|d|1||||"]
)
def test_foreign_or_broken_button_data_is_ignored(data: str | None) -> None:
    assert decode(data) is None
