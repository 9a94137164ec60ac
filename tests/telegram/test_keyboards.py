"""The keyboards as Telegram receives them: the Bot API JSON of python-telegram-bot's objects."""

from __future__ import annotations

import pytest

from bot.conversation.turn import Button, Outgoing
from bot.telegram.keyboards import markup
from bot.texts import ENGLISH


def test_inline_buttons_carry_the_question_number_in_their_callback_data() -> None:
    rows = ((Button("0", "0"), Button("1", "1")), (Button("Skip", "skip"),))
    keyboard = markup(Outgoing("?", buttons=rows, question_number=7))

    assert keyboard is not None
    assert keyboard.to_dict() == {
        "inline_keyboard": [
            [{"text": "0", "callback_data": "b1|7|0"}, {"text": "1", "callback_data": "b1|7|1"}],
            [{"text": "Skip", "callback_data": "b1|7|skip"}],
        ]
    }


def test_the_same_buttons_asked_again_get_the_new_question_number() -> None:
    rows = ((Button("Yes", "yes"), Button("No", "no")),)
    first = markup(Outgoing("?", buttons=rows, question_number=3))
    again = markup(Outgoing("?", buttons=rows, question_number=4))

    assert first is not None
    assert again is not None
    assert [b["callback_data"] for b in first.to_dict()["inline_keyboard"][0]] == [
        "b1|3|yes",
        "b1|3|no",
    ]
    assert [b["callback_data"] for b in again.to_dict()["inline_keyboard"][0]] == [
        "b1|4|yes",
        "b1|4|no",
    ]


def test_values_that_cannot_be_callback_data_are_refused() -> None:
    with pytest.raises(ValueError, match="callback value"):
        markup(Outgoing("?", buttons=((Button("Odd", "a|b"),),), question_number=1))
    with pytest.raises(ValueError, match="question number"):
        markup(Outgoing("?", buttons=((Button("Yes", "yes"),),), question_number=-1))


def test_reply_keyboard_asks_for_a_location_only_on_its_button() -> None:
    rows = ((ENGLISH.ZONE_SHARE_LOCATION,), ("London", "Paris"))
    keyboard = markup(Outgoing("Where?", location_keyboard=rows))

    assert keyboard is not None
    assert keyboard.to_dict() == {
        "keyboard": [
            [{"text": ENGLISH.ZONE_SHARE_LOCATION, "request_location": True}],
            [{"text": "London"}, {"text": "Paris"}],
        ],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


def test_removal_and_no_keyboard() -> None:
    removal = markup(Outgoing("ok", remove_reply_keyboard=True))

    assert removal is not None
    assert removal.to_dict() == {"remove_keyboard": True}
    assert markup(Outgoing("ok")) is None
