"""/stats: every figure against the answer worked out by hand in ``history.py``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from telegram.constants import MessageLimit

from bot.care import Level, Severity
from bot.db.engine import reading, session_factory
from bot.db.models import CheckIn, CheckInStatus, Escalation, Person, PersonStatus
from bot.insight.counts import CheckInCounts
from bot.insight.stats import (
    Median,
    collect_stats,
    format_stats,
    median_of,
)
from bot.insight.stats_chart import HEIGHT_PX, WIDTH_PX, render_stats_chart
from bot.texts import ENGLISH
from tests.support.clinic import NOW, WEEK, ZONE
from tests.support.pictures import png_size

pytestmark = pytest.mark.each_database


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        ({}, Median(None, 0)),
        ({4: 1}, Median(4, 1)),
        ({3: 1, 5: 1}, Median(4, 2)),
        ({0: 1, 1: 1, 3: 1, 6: 1}, Median(2, 4)),
        ({2: 2, 7: 1}, Median(2, 3)),
        ({1: 3, 9: 3}, Median(5, 6)),
        ({5: 10, 0: 1, 10: 1}, Median(5, 12)),
        ({1: 1, 2: 1}, Median(1.5, 2)),
    ],
)
def test_the_median_of_a_histogram(histogram: dict[int, int], expected: Median) -> None:
    assert median_of(histogram) == expected


async def test_every_figure_matches_the_hand_worked_answer(session: AsyncSession) -> None:
    stats = await collect_stats(session, NOW, ZONE)

    assert stats.today.isoformat() == "2026-11-25"
    assert (stats.consented, stats.active, stats.paused, stats.blocked) == (6, 1, 1, 2)
    assert (stats.episodes, stats.recovered, stats.new_7d) == (5, 3, 1)
    assert stats.checkins_today == CheckInCounts(sent=2, answered=2, responded=1)
    assert stats.checkins_today.response_rate == 0.5
    assert stats.checkins_7d == CheckInCounts(sent=4, answered=4, responded=3)
    assert stats.checkins_7d.response_rate == 0.75

    assert dict(stats.escalations_7d.by_level) == {
        Level.EMERGENCY: 2,
        Level.URGENT: 1,
        Level.SOON: 2,
        Level.INFO: 0,
    }
    assert dict(stats.escalations_30d.by_level) == {
        Level.EMERGENCY: 3,
        Level.URGENT: 2,
        Level.SOON: 3,
        Level.INFO: 0,
    }
    assert list(stats.escalations_7d.by_rule.items()) == [
        ("RF-AGE-50", 1),
        ("RF-CHEST", 1),
        ("RF-FEVER", 1),
        ("RF-LEGS-BOTH", 1),
        ("TR-NO-IMPROVE-14", 1),
    ]
    assert list(stats.escalations_30d.by_rule.items()) == [
        ("RF-CHEST", 2),
        ("RF-AGE-50", 1),
        ("RF-FEVER", 1),
        ("RF-LEGS-BOTH", 1),
        ("RF-NIGHT", 1),
        ("TR-NO-IMPROVE-14", 1),
        ("TR-WORSE", 1),
    ]
    assert stats.escalations_30d.total == 8
    # ES-FOLLOW-UP and ES-MISTAP: what came of the emergency and urgent ones.
    assert dict(stats.outcomes_7d) == {
        "got_help": 1,
        "not_yet": 0,
        "fine": 0,
        "withdrawn": 0,
        "no_answer": 1,
        "pending": 1,
    }
    assert dict(stats.outcomes_30d) == {
        "got_help": 1,
        "not_yet": 1,
        "fine": 0,  # the one that said fine is older than 30 days
        "withdrawn": 1,
        "no_answer": 1,
        "pending": 1,
    }

    assert dict(stats.median_pain) == {0: Median(5, 5), 7: Median(4, 3), 14: Median(2, 4)}
    assert dict(stats.median_recovery_days) == {
        Severity.MILD: Median(9, 1),
        Severity.MODERATE: Median(25, 2),
        Severity.SEVERE: Median(None, 0),
    }


async def test_windows_follow_the_operators_local_midnight(session: AsyncSession) -> None:
    """An hour earlier it was still Tuesday in New York: "today" is then Tuesday."""
    tuesday = await collect_stats(session, NOW - timedelta(hours=1), ZONE)
    assert tuesday.today.isoformat() == "2026-11-24"
    # Tuesday: only check-in 13 (23:50 local) was sent; it was answered after midnight.
    assert tuesday.checkins_today == CheckInCounts(sent=1, answered=0, responded=1)
    # Tuesday's 7 days run from the 18th to Tuesday's end: check-in 15 (the 18th, 23:59 local)
    # is in them now, 11 and 12 (sent on Wednesday) are not.
    assert tuesday.checkins_7d.sent == 3


async def test_an_empty_database_has_no_medians_and_no_rates(empty_session: AsyncSession) -> None:
    stats = await collect_stats(empty_session, NOW, ZONE)
    assert stats.consented == stats.episodes == stats.recovered == 0
    assert stats.checkins_7d.response_rate is None
    assert all(median == Median(None, 0) for median in stats.median_pain.values())
    assert "none sent" in format_stats(stats, ENGLISH)
    assert png_size(render_stats_chart(stats, ENGLISH)) == (WIDTH_PX, HEIGHT_PX)


async def test_the_stats_text_says_the_figures_in_one_message(session: AsyncSession) -> None:
    message = format_stats(await collect_stats(session, NOW, ZONE), ENGLISH)
    assert len(message) < MessageLimit.MAX_TEXT_LENGTH
    assert message.startswith("BackCheck stats, Wed, 25 Nov 2026, 00:30 (America/New_York)")
    for line in [
        "• consented: 6",
        "• active: 1, paused: 1, blocked the bot: 2",
        "• episodes: 5, recovered: 3, new in 7 days: 1",
        "• today: 1 of 2 answered (50%)",
        "• last 7 days: 3 of 4 answered (75%)",
        "• emergency: 2 / 3",
        "• urgent: 1 / 2",
        "• soon: 2 / 3",
        "• RF-CHEST: 1 / 2",
        "• TR-WORSE: 0 / 1",
        "Emergency and urgent: what came of them (7 / 30 days)",
        "• got help: 1 / 1",
        "• not yet: 0 / 1",
        "• withdrawn: 0 / 1",
        "• no answer yet: 1 / 1",
        "• follow-up due: 1 / 1",
        "• day 0: 5 (5 answers)",
        "• day 14: 2 (4 answers)",
        "• mild: 9 (1 recovered; expected 7-14)",
        "• moderate: 25 (2 recovered; expected 21-42)",
        "• severe: no data (0 recovered; expected 60-180)",
    ]:
        assert line in message.splitlines(), line


async def test_the_stats_chart_is_a_phone_sized_png(session: AsyncSession) -> None:
    png = render_stats_chart(await collect_stats(session, NOW, ZONE), ENGLISH)
    assert png_size(png) == (1080, 1350)


# ---------------------------------------------------------------------------------------------
# Indexes (migration 0004): the plans, never timings.


async def _plan(engine: AsyncEngine, statement: object) -> str:
    query = str(
        statement.compile(  # type: ignore[attr-defined]
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
        )
    )
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = await connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            return " ".join(str(row[-1]) for row in rows)
        await connection.execute(text("SET enable_seqscan = off"))
        rows = await connection.execute(text(f"EXPLAIN {query}"))
        return " ".join(str(row[0]) for row in rows)


async def test_checkins_sent_in_a_window_are_read_from_an_index(engine: AsyncEngine) -> None:
    sent = select(func.count(), func.count(CheckIn.answered_at)).where(
        CheckIn.sent_at >= WEEK, CheckIn.sent_at < NOW
    )
    assert "ix_check_ins_sent_at_answered_at" in await _plan(engine, sent)


async def test_pain_at_day_7_and_14_is_read_from_an_index(engine: AsyncEngine) -> None:
    scores = (
        select(CheckIn.day, CheckIn.pain, func.count())
        .where(
            CheckIn.day.in_([7, 14]),
            CheckIn.status == CheckInStatus.ANSWERED,
            CheckIn.pain.is_not(None),
        )
        .group_by(CheckIn.day, CheckIn.pain)
    )
    assert "ix_check_ins_day_status_pain" in await _plan(engine, scores)


async def test_escalations_of_a_check_in_are_found_by_index(engine: AsyncEngine) -> None:
    # What ON DELETE SET NULL runs for every deleted check-in, and what the export joins on.
    assert "ix_escalations_check_in_id" in await _plan(
        engine, select(Escalation.id).where(Escalation.check_in_id == 11)
    )


async def test_a_stats_read_is_one_snapshot_that_lets_the_bot_write(engine: AsyncEngine) -> None:
    """On SQLite every other transaction begins IMMEDIATE, on the process's one connection: a
    report's read must neither lock nor hold that connection."""
    sessions = session_factory(engine)
    async with reading(sessions) as report:
        await collect_stats(report, NOW, ZONE)  # its transaction is still open
        assert report.in_transaction()
        async with sessions.begin() as writing:
            writing.add(
                Person(
                    telegram_user_id=1,
                    chat_id=1,
                    status=PersonStatus.ENROLLING,
                    consent_at=NOW,
                    missed_in_a_row=0,
                    created_at=NOW,
                )
            )
        # The read keeps its snapshot: the new person is not in it.
        again = await collect_stats(report, NOW, ZONE)
        assert again.consented == 0
    async with reading(sessions) as report:
        assert (await collect_stats(report, NOW, ZONE)).consented == 1
