"""The pain chart: a phone-sized PNG whose plotted data are the stored check-ins."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Rectangle
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.constants import MessageLimit

from bot.care.levels import Level
from bot.care.severity import Severity
from bot.db.engine import session_factory
from bot.insight.history import PainHistory, load_pain_history, phase_spans
from bot.insight.pain_chart import (
    HEIGHT_PX,
    WIDTH_PX,
    describe_pain_history,
    draw_pain_chart,
    mark_series,
    plot_series,
    render_pain_chart,
    x_limit,
)
from bot.texts import ENGLISH
from tests.support.episode import ANSWERS, ESCALATIONS, NOW, ONSET, seed_episode
from tests.support.pictures import png_size


@pytest.fixture
async def history(engine: AsyncEngine) -> PainHistory:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        person, episode = await seed_episode(session)
    async with sessions() as session:
        return await load_pain_history(session, person, episode, NOW)


def _days(moment_offset: timedelta) -> float:
    return moment_offset / timedelta(days=1)


def _drawn(history: PainHistory) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / 150, HEIGHT_PX / 150), dpi=150)
    FigureCanvasAgg(figure)
    draw_pain_chart(figure, history)
    return figure


def test_the_chart_is_a_png_of_the_chosen_size(history: PainHistory) -> None:
    png = render_pain_chart(history)

    assert png_size(png) == (1080, 1080)
    assert (WIDTH_PX, HEIGHT_PX) == (1080, 1080)
    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (1080, 1080)


def test_the_plotted_line_is_the_stored_check_ins(history: PainHistory) -> None:
    days = [_days(answer.at - ONSET) for answer in ANSWERS]
    pains = [answer.pain for answer in ANSWERS]
    series = plot_series(history)
    assert list(series.x) == pytest.approx(days)
    assert list(series.y) == pains

    axes = _drawn(history).axes[1]
    (line,) = [line for line in axes.get_lines() if line.get_label() == ENGLISH.CHART_PAIN]
    assert list(line.get_xdata()) == pytest.approx(days)
    assert list(line.get_ydata()) == pains
    # The check-in answered at 21:30 New York time on day 3 sits at 3.48 days, before day 4.
    assert line.get_xdata()[2] == pytest.approx(3 + 11.5 / 24)


def test_escalations_are_marked_where_and_at_the_level_they_were_sent(
    history: PainHistory,
) -> None:
    expected: dict[Level, list[float]] = {}
    for at, level, _ in ESCALATIONS:
        expected.setdefault(level, []).append(_days(at - ONSET))
    marks = mark_series(history)
    assert list(marks) == [Level.SOON, Level.URGENT]  # the most urgent drawn last, on top
    assert {level: list(xs) for level, xs in marks.items()} == {
        level: pytest.approx(xs) for level, xs in expected.items()
    }

    axes = _drawn(history).axes[1]
    drawn = {
        collection.get_label(): [x for x, _ in collection.get_offsets()]
        for collection in axes.collections
        if isinstance(collection, PathCollection)
    }
    assert drawn == {
        ENGLISH.CHART_LEVELS[Level.SOON.name]: pytest.approx(expected[Level.SOON]),
        ENGLISH.CHART_LEVELS[Level.URGENT.name]: pytest.approx(expected[Level.URGENT]),
    }
    # The URGENT and SOON marks of enrolment are ten minutes apart: each level has its own
    # row above the 0-10 scale, so neither hides the other or a score.
    heights = {
        collection.get_label(): {y for _, y in collection.get_offsets()}
        for collection in axes.collections
        if isinstance(collection, PathCollection)
    }
    rows = [row for row_set in heights.values() for row in row_set]
    assert all(len(row_set) == 1 for row_set in heights.values())
    assert len(set(rows)) == 2
    assert min(rows) > 10


def _hatched(figure: Figure) -> list[tuple[float, float]]:
    axes = figure.axes[1]
    return [
        (patch.get_x(), patch.get_x() + patch.get_width())
        for patch in axes.patches
        if isinstance(patch, Rectangle) and patch.get_hatch()
    ]


def _texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.texts]


def test_a_mild_strain_shows_its_recovery_band_from_one_to_two_weeks(
    history: PainHistory,
) -> None:
    mild = replace(history, severity=Severity.MILD)
    figure = _drawn(mild)
    assert _hatched(figure) == [(7, 14)]
    assert "A mild strain usually gets better in 1-2 weeks." in _texts(figure)


def test_a_moderate_strain_states_its_band_beyond_the_chart_in_words(
    history: PainHistory,
) -> None:
    figure = _drawn(history)  # day 11 of a moderate strain: recovery expected from day 21
    assert _hatched(figure) == []
    assert "A moderate strain usually gets better in 3-6 weeks." in _texts(figure)
    assert figure.axes[1].get_xlim()[1] == pytest.approx(14.3)


def test_the_band_is_cut_at_the_end_of_the_chart(history: PainHistory) -> None:
    later = replace(history, now=ONSET + timedelta(days=30))
    assert _hatched(_drawn(later)) == [(21, 30)]


def test_the_phases_are_named_in_the_band_above_the_plot(history: PainHistory) -> None:
    ribbon = _drawn(history).axes[0]
    assert [text.get_text() for text in ribbon.texts] == ["Ice", "Heat", "Strengthen"]


def test_the_description_tells_the_charts_facts_in_words(history: PainHistory) -> None:
    words = describe_pain_history(history)

    assert "started on 2026-03-02 (moderate strain, usually better in 3-6 weeks)" in words
    assert "Pain at the start: 6." in words
    assert "Latest: 1, on 2026-03-13 (day 11)." in words
    assert "Pain 1: 5 points better than when you started." in words
    assert "Check-ins answered: 10." in words
    # The fever was reported on 5 March in New York, although it was 6 March in UTC.
    assert (
        "Safety messages so far: 3. You were told to see a doctor that day on 2026-03-02; "
        "see a doctor or physiotherapist within days on 2026-03-02; "
        "see a doctor that day on 2026-03-05." in words
    )
    assert "Phases: Ice from 2026-03-02, Heat from 2026-03-04, Strengthen from 2026-03-09." in words
    # The only word on diagnosis is the closing one saying it is none.
    assert words.lower().count("diagnos") == 1
    assert words.endswith(
        "This repeats what you told me; it is not a diagnosis. If things get worse: /redflags."
    )


def test_an_episode_without_check_ins_still_draws_and_says_so(history: PainHistory) -> None:
    empty = replace(history, points=(), escalations=(), now=ONSET + timedelta(hours=5))
    png = render_pain_chart(empty)
    assert struct.unpack(">II", png[16:24]) == (1080, 1080)
    words = describe_pain_history(empty)
    assert "No check-ins answered yet." in words
    assert "Safety messages: none." in words
    assert "Phases: Ice from 2026-03-02." in words


def test_charts_drawn_in_parallel_threads_match_one_drawn_alone(history: PainHistory) -> None:
    alone = render_pain_chart(history)
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda _: render_pain_chart(history), range(4)))
    assert together == [alone] * 4


def test_importing_insight_does_not_import_matplotlib_nor_pyplot_when_rendering() -> None:
    script = """
import sys
import bot.insight.history, bot.insight.pain_chart, bot.insight.doctor_summary
assert "matplotlib" not in sys.modules, "imported at start-up"
from datetime import UTC, datetime
from bot.care.phases import Protocol
from bot.care.severity import Severity
from bot.insight.history import PainHistory
from bot.insight.pain_chart import render_pain_chart
moment = datetime(2026, 3, 2, tzinfo=UTC)
render_pain_chart(PainHistory(moment, "UTC", Severity.MILD, Protocol.SEED, 3, moment, (), (),
                              moment))
assert "matplotlib" in sys.modules
assert "matplotlib.pyplot" not in sys.modules, "pyplot keeps global figures"
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_long_story_still_fits_a_photo_caption(history: PainHistory) -> None:
    # Pain swinging around the strengthening threshold changes the phase at every check-in.
    swings = tuple(
        replace(history.points[0], at=ONSET + timedelta(days=day, hours=1), day=day, pain=pain)
        for day, pain in zip(range(3, 80), [3, 6] * 40, strict=False)
    )
    marks = tuple(replace(history.escalations[0], at=point.at) for point in swings)
    busy = replace(history, points=swings, escalations=marks, now=ONSET + timedelta(days=80))

    words = describe_pain_history(busy)
    assert len(words) <= MessageLimit.CAPTION_LENGTH
    assert f"Safety messages so far: {len(marks)}. You were told to" in words
    assert f"and {len(marks) - 4} more." in words


def test_a_finished_follow_up_is_drawn_to_its_end_not_to_today(history: PainHistory) -> None:
    """Looked back at a year later, the chart still spans the follow-up, not the year."""
    ended = history.points[-1].at + timedelta(days=2)
    looked_back = replace(history, ended_at=ended, now=ended + timedelta(days=365))
    end_day = looked_back.days_since_onset(ended)

    assert x_limit(looked_back) == max(14, end_day)
    assert phase_spans(looked_back)[-1].end == pytest.approx(end_day)
    assert x_limit(replace(history, now=ended + timedelta(days=365))) > 365
