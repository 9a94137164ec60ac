"""Bad input gets a clear answer (or Telegram's conventional silence) and changes nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.fake_telegram.person import Person
from bot.telegram import callbacks
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest
from tests.support.snapshot import snapshot

PAIN_HINT = "Please tap a number from 0 to 10, or type just the number, like 6."


async def _at_the_pain_question(bot: BotUnderTest, person: Person) -> None:
    await enrol(bot, person)
    bot.clock.advance(timedelta(days=1))
    await bot.command(person, "checkin")


@pytest.mark.parametrize("typed", ["seven", "11", "-1", "7/10", "🙂", "x" * 5000, "6.5", ""])
async def test_a_bad_pain_score_is_explained_and_changes_nothing(
    bot: BotUnderTest, typed: str
) -> None:
    uma = bot.api.person(3001, "Uma")
    await _at_the_pain_question(bot, uma)
    before = await snapshot(bot)
    replies = await bot.send(uma, typed or " ")
    assert [reply.text for reply in replies] == [PAIN_HINT]
    assert await snapshot(bot) == before
    # The question is still open: a valid answer now is taken.
    await bot.send(uma, "4")
    assert (uma.last.text or "").startswith("Anything new")


async def test_a_button_from_an_old_checkin_is_stale(bot: BotUnderTest) -> None:
    vic = bot.api.person(3002, "Vic")
    await _at_the_pain_question(bot, vic)
    old_question = vic.last
    old_button = old_question.button("8")  # the keyboard goes once the question is answered
    assert old_button is not None
    await bot.tap(vic, "5")
    await bot.tap(vic, "No")
    await bot.tap(vic, "No")
    await bot.tap(vic, "Skip")
    bot.clock.advance(timedelta(days=1))
    await bot.command(vic, "checkin")
    before = await snapshot(bot)

    replies = await bot.act(
        vic, vic.press_data(old_question.message_id, old_button["callback_data"])
    )
    assert replies == []
    assert bot.api.callback_answers[-1].text == "That question has passed."
    assert await snapshot(bot) == before


@pytest.mark.parametrize(
    "forged",
    ["", "b1|1|", "b2|3|yes", "b1|x|5", "b1|999999|5", "b1|1|RF-NOT-A-FLAG", "b1|1|'; drop"],
)
async def test_forged_callback_data_changes_nothing(bot: BotUnderTest, forged: str) -> None:
    wes = bot.api.person(3003, "Wes")
    await bot.command(wes, "start")
    await bot.tap(wes, "I agree")
    question = wes.last
    before = await snapshot(bot)
    replies = await bot.act(wes, wes.press_data(question.message_id, forged))
    assert replies == []
    assert bot.api.callback_answers[-1].text == "That question has passed."
    assert await snapshot(bot) == before


async def test_a_value_the_live_question_does_not_offer_is_refused(bot: BotUnderTest) -> None:
    xia = bot.api.person(3004, "Xia")
    await bot.command(xia, "start")
    await bot.tap(xia, "I agree")
    question = xia.last  # the age question, live
    turn = callbacks.decode(question.inline_keyboard[0][0]["callback_data"])
    assert turn is not None
    before = await snapshot(bot)
    await bot.act(xia, xia.press_data(question.message_id, callbacks.encode(turn[0], "12")))
    assert bot.api.callback_answers[-1].text == "That question has passed."
    assert await snapshot(bot) == before


async def test_the_same_button_tapped_twice_counts_once(bot: BotUnderTest) -> None:
    yan = bot.api.person(3005, "Yan")
    await _at_the_pain_question(bot, yan)
    question = yan.last
    data = question.button("6")
    assert data is not None
    await bot.act(yan, yan.press_data(question.message_id, data["callback_data"]))
    after_first = await snapshot(bot)
    replies = await bot.act(yan, yan.press_data(question.message_id, data["callback_data"]))
    assert replies == []
    assert bot.api.callback_answers[-1].text == "That question has passed."
    assert await snapshot(bot) == after_first


async def test_an_edited_message_is_ignored(bot: BotUnderTest) -> None:
    zed = bot.api.person(3006, "Zed")
    await _at_the_pain_question(bot, zed)
    await bot.send(zed, "6")
    sent = await zed.send("a note")  # not handled yet: only edited below
    bot.api.take_updates()
    before = await snapshot(bot)
    replies = await bot.act(zed, zed.edit(sent["message"]["message_id"], "9"))
    assert replies == []
    assert await snapshot(bot) == before


@pytest.mark.parametrize("kind", ["sticker", "photo"])
async def test_a_sticker_or_photo_is_answered_and_changes_nothing(
    bot: BotUnderTest, kind: str
) -> None:
    ana = bot.api.person(3007, "Ana")
    await _at_the_pain_question(bot, ana)
    before = await snapshot(bot)
    action = ana.send_sticker() if kind == "sticker" else ana.send_photo()
    replies = await bot.act(ana, action)
    assert [reply.text for reply in replies] == [
        "I can only read text and buttons. Please answer with a button or a few words."
    ]
    assert await snapshot(bot) == before


async def test_an_unknown_command_gets_a_short_help(bot: BotUnderTest) -> None:
    ola = bot.api.person(3008, "Ola")
    await enrol(bot, ola)
    before = await snapshot(bot)
    [reply] = await bot.command(ola, "weather")  # one message, one send
    assert (reply.text or "").startswith("I don't know that command.\n\n")
    assert "/checkin" in (reply.text or "")
    assert await snapshot(bot) == before


async def test_text_when_nothing_was_asked_gets_a_short_help(bot: BotUnderTest) -> None:
    pia = bot.api.person(3009, "Pia")
    await enrol(bot, pia)
    before = await snapshot(bot)
    [reply] = await bot.send(pia, "hello?")
    assert (reply.text or "").startswith("I'm not waiting for an answer right now.\n\n")
    assert "/checkin" in (reply.text or "")
    assert await snapshot(bot) == before


async def test_text_where_a_button_is_expected_repeats_the_question(bot: BotUnderTest) -> None:
    quinn = bot.api.person(3010, "Quinn")
    await bot.command(quinn, "start")
    await bot.tap(quinn, "I agree")
    before = await snapshot(bot)
    [reply] = await bot.send(quinn, "I'm 30")
    assert reply.text == "Please tap one of the buttons below.\n\nHow old are you?"
    assert reply.button_labels == ["Under 16", "16 to 49", "50 or over"]
    assert await snapshot(bot) == before
    await bot.tap(quinn, "16 to 49")  # the repeated question's buttons are live


async def test_in_a_group_the_bot_only_says_it_works_in_private(bot: BotUnderTest) -> None:
    ron = bot.api.person(3011, "Ron")
    group = bot.api.group(chat_id=-100500, title="Back pain club")
    await group.command(ron, "start")
    await group.send(ron, "my back hurts, 7/10")
    await bot.handle_updates()
    assert [message.text for message in group.messages] == [
        "I only work in private chats, to keep your health private.\n"
        "Message me directly: @BackCheckBot"
    ]
    assert all(rows == [] for rows in (await snapshot(bot)).values())


async def test_channel_posts_get_no_reply_not_even_commands(bot: BotUnderTest) -> None:
    channel = bot.api.channel(-100600, "Clinic news")
    for text in ("/start", "/checkin@BackCheckBot", "New opening hours", "7/10"):
        await channel.post(text)
    await bot.handle_updates()
    assert channel.messages == []
    assert all(rows == [] for rows in (await snapshot(bot)).values())


async def test_a_button_tapped_by_someone_else_changes_nothing_in_the_persons_chat(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    ada = bot.api.person(3021, "Ada")
    bo = bot.api.person(3022, "Bo")
    await _at_the_pain_question(bot, ada)
    await enrol(bot, bo)
    question = ada.last
    before = await snapshot(bot)
    sent_to_ada = len(ada.messages)
    button = question.button("5")  # Ada's own question, live
    assert button is not None
    data = str(button["callback_data"])
    # Bo's tap on a message in Ada's chat: only a forged update could carry it.
    with caplog.at_level(logging.INFO):
        bot.api.press(bo.user, bot.api.chat_state(ada.chat_id), question, data)
        await bot.handle_updates()
    assert bot.api.callback_answers[-1].text == "That question has passed."
    assert await snapshot(bot) == before
    assert len(ada.messages) == sent_to_ada
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.endswith("a button of another person's chat, ignored")
    assert data not in warning  # no content


async def test_a_note_too_long_is_refused_and_changes_nothing(bot: BotUnderTest) -> None:
    sol = bot.api.person(3012, "Sol")
    await _at_the_pain_question(bot, sol)
    await bot.tap(sol, "5")
    await bot.tap(sol, "No")
    await bot.tap(sol, "Yes")
    before = await snapshot(bot)
    replies = await bot.send(sol, "x" * 5000)
    assert [reply.text for reply in replies] == [
        "That's a bit long: please keep the note under 500 characters."
    ]
    assert await snapshot(bot) == before
