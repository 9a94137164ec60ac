"""/history and /summary: what a person sees of their own recovery, drawn from the stored rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db import repository
from bot.db.models import CheckIn, CheckInStatus, Episode, Person
from bot.insight.history import load_pain_history
from bot.insight.pain_chart import HEIGHT_PX, WIDTH_PX, describe_pain_history, plot_series
from tests.support.enrol import enrol
from tests.support.harness import BotUnderTest
from tests.support.pictures import png_size


async def _two_check_ins(bot: BotUnderTest, user_id: int) -> object:
    """Enrolled at pain 6, then a day-1 check-in at 6 (walked) and a day-2 one at 4 with a
    fever, which the rules escalate to "doctor today"."""
    person = bot.api.person(user_id, "Ray")
    await enrol(bot, person)
    bot.clock.advance(timedelta(days=1))
    await bot.command(person, "checkin")
    for label in ("6", "No", "Yes", "Skip"):
        await bot.tap(person, label)
    bot.clock.advance(timedelta(days=1))
    await bot.command(person, "checkin")
    for label in ("4", "Yes", "Fever or very unwell"):
        await bot.tap(person, label)
    return person


async def test_history_is_a_chart_of_the_stored_check_ins_with_its_words_as_caption(
    bot: BotUnderTest,
) -> None:
    ray = await _two_check_ins(bot, 2003)
    [chart] = await bot.command(ray, "history")  # type: ignore[arg-type]

    assert chart.kind == "photo"
    assert chart.file_bytes is not None
    assert png_size(chart.file_bytes) == (WIDTH_PX, HEIGHT_PX)
    async with bot.sessions() as session:
        person = await session.scalar(select(Person).where(Person.telegram_user_id == 2003))
        assert person is not None
        episode = await repository.latest_episode(session, person.id)
        assert episode is not None
        answered = list(
            await session.scalars(
                select(CheckIn)
                .where(CheckIn.status == CheckInStatus.ANSWERED)
                .order_by(CheckIn.answered_at)
            )
        )
        past = await load_pain_history(session, person, episode, bot.clock.now())
    assert [row.pain for row in answered] == [6, 4]
    assert plot_series(past).y == (6, 4)
    onset = episode.onset_at
    assert plot_series(past).x == tuple(
        (row.answered_at - onset) / timedelta(days=1)
        for row in answered
        if row.answered_at is not None
    )
    assert chart.text == describe_pain_history(past)
    assert "Pain at the start: 6" in chart.text
    assert "You were told to see a doctor that day on 2026-11-25." in chart.text
    assert chart.text.endswith("it is not a diagnosis. If things get worse: /redflags.")


async def test_history_before_any_check_in_says_there_is_none_yet(bot: BotUnderTest) -> None:
    ana = bot.api.person(2004, "Ana")
    await enrol(bot, ana)
    [reply] = await bot.command(ana, "history")
    assert reply.kind == "text"
    assert reply.text == "No check-ins yet. Send /checkin to do one now."


async def test_summary_is_a_one_page_pdf_and_the_same_facts_as_a_message(
    bot: BotUnderTest,
) -> None:
    ray = await _two_check_ins(bot, 2005)
    document, words = await bot.command(ray, "summary")  # type: ignore[arg-type]

    assert document.kind == "document"
    assert document.file is not None
    assert document.file.filename == "backcheck-summary-2026-11-25.pdf"
    assert document.file_bytes is not None
    assert document.file_bytes.startswith(b"%PDF-")
    assert words.kind == "text"
    text = words.text
    assert "Lifting or bending" in text
    assert "At the start: 6 (2026-11-23)." in text.splitlines()
    assert "Latest: 4 (2026-11-25, day 2)." in text.splitlines()
    assert "fever" in text.lower()
    assert "not a diagnosis" in text
    async with bot.sessions() as session:
        episode = await session.scalar(select(Episode))
        assert episode is not None
        assert episode.baseline_pain == 6


async def test_insight_commands_before_enrolment_explain_how_to_start(bot: BotUnderTest) -> None:
    sam = bot.api.person(2006, "Sam")
    for command in ("history", "summary"):
        [reply] = await bot.command(sam, command)
        assert reply.text.startswith("I follow people through the weeks after a back strain.")


async def test_insight_during_enrolment_returns_to_the_open_question(bot: BotUnderTest) -> None:
    kai = bot.api.person(2007, "Kai")
    await bot.command(kai, "start")
    await bot.tap(kai, "I agree")
    for command in ("history", "summary"):
        [question] = await bot.command(kai, command)
        assert (question.text or "").startswith(
            "Let's finish setting up first. Here's where we were:\n\nHow old are you?"
        )
        assert question.reply_markup is not None
