"""The /stats figures as one picture for a phone: 1080 x 1350 px (portrait 4:5), PNG.

Four panels stacked, each the full width so its text stays large on a small screen: check-ins
answered (today, 7 days), escalations by level (7 and 30 days), median pain at day 0, 7 and 14,
and median days to recovery by severity against the expected range. Colours are the Okabe-Ito
palette, which stays distinct with every common colour-vision deficiency; every bar also
carries its number in text, so nothing depends on colour alone.

matplotlib is imported when a chart is drawn, not when the bot starts: most processes never
draw one. Drawing uses ``Figure`` and the Agg canvas directly; pyplot's global state is not
safe to share between the bot's concurrent updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.care import EXPECTED_RECOVERY, PAIN_MAX, Level, Severity
from bot.insight.drawing import BLUE, GREEN, ORANGE, SKY_BLUE, render
from bot.insight.stats import Median, Stats, number
from bot.texts import Texts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX = 1080, 1350
DPI = 100
GREY = "#BBBBBB"
INK = "#222222"
FONT = 19
_SHOWN_LEVELS = (Level.EMERGENCY, Level.URGENT, Level.SOON)


def render_stats_chart(stats: Stats, words: Texts) -> bytes:
    """The PNG bytes of the stats picture, :data:`WIDTH_PX` x :data:`HEIGHT_PX` pixels."""
    return render(
        (WIDTH_PX / DPI, HEIGHT_PX / DPI), DPI, lambda figure: _draw(figure, stats, words)
    )


def _draw(figure: Figure, stats: Stats, words: Texts) -> None:
    when = stats.as_of.astimezone(ZoneInfo(stats.zone))
    figure.text(
        0.04,
        0.975,
        words.STATS_CHART_TITLE.format(when=words.catalogue.moment(when)),
        fontsize=FONT + 11,
        fontweight="bold",
        color=INK,
        va="top",
    )
    figure.text(
        0.04,
        0.935,
        words.STATS_CHART_SUBTITLE.format(
            consented=number(stats.consented, words),
            active=number(stats.active, words),
            recovered=number(stats.recovered, words),
        ),
        fontsize=FONT + 1,
        color="#555555",
        va="top",
    )
    grid = figure.add_gridspec(
        4, 1, left=0.2, right=0.9, top=0.86, bottom=0.04, hspace=0.62, height_ratios=[2, 3, 3, 3]
    )
    axes = [figure.add_subplot(grid[row]) for row in range(4)]
    _response(axes[0], stats, words)
    _escalations(axes[1], stats, words)
    _pain(axes[2], stats, words)
    _recovery(axes[3], stats, words)


def _style(axis: Any, title: str) -> None:
    axis.set_title(title, loc="left", fontsize=FONT + 5, fontweight="bold", color=INK, pad=14)
    axis.tick_params(labelsize=FONT, colors=INK, length=0)
    for side in ("top", "right", "left"):
        axis.spines[side].set_visible(False)
    axis.spines["bottom"].set_color(GREY)
    axis.grid(axis="x", color="#E6E6E6", linewidth=1)
    axis.set_axisbelow(True)
    axis.invert_yaxis()


def _label(axis: Any, y: float, x: float, text: str) -> None:
    axis.annotate(
        text,
        (x, y),
        xytext=(8, 0),
        textcoords="offset points",
        va="center",
        fontsize=FONT - 1,
        color=INK,
        annotation_clip=False,
        bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
    )


def _response(axis: Any, stats: Stats, words: Texts) -> None:
    _style(axis, words.STATS_CHART_RESPONSE)
    names = [words.STATS_CHART_RESPONSE_TODAY, words.STATS_CHART_RESPONSE_WEEK]
    rows = [stats.checkins_today, stats.checkins_7d]
    rates = [(counts.response_rate or 0.0) * 100 for counts in rows]
    axis.barh(names, [100, 100], color="#F0F0F0", height=0.6)
    axis.barh(names, rates, color=[BLUE, SKY_BLUE], height=0.6)
    axis.set_xlim(0, 100)
    axis.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    for y, counts in enumerate(rows):
        if counts.response_rate is None:
            text = words.STATS_NOTHING_SENT
        else:
            text = (
                f"{words.catalogue.percent(counts.response_rate)}  "
                f"({number(counts.responded, words)} / {number(counts.sent, words)})"
            )
        axis.annotate(
            text,
            (2, y),
            va="center",
            fontsize=FONT - 1,
            color="white" if (counts.response_rate or 0) > 0.45 else INK,
            fontweight="bold",
        )


def _escalations(axis: Any, stats: Stats, words: Texts) -> None:
    _style(axis, words.STATS_CHART_ESCALATIONS)
    height = 0.38
    labels = [words.STATS_LEVEL_LABELS[level.name] for level in _SHOWN_LEVELS]
    week = [stats.escalations_7d.by_level.get(level, 0) for level in _SHOWN_LEVELS]
    month = [stats.escalations_30d.by_level.get(level, 0) for level in _SHOWN_LEVELS]
    positions = range(len(_SHOWN_LEVELS))
    axis.barh(
        [y - height / 2 for y in positions], week, height, color=BLUE, label=words.STATS_CHART_WEEK
    )
    axis.barh(
        [y + height / 2 for y in positions],
        month,
        height,
        color=SKY_BLUE,
        hatch="//",
        edgecolor="white",
        label=words.STATS_CHART_MONTH,
    )
    axis.set_yticks(list(positions), labels)
    axis.set_xlim(0, max([*month, *week, 1]) * 1.25)
    for y, (w, m) in enumerate(zip(week, month, strict=True)):
        _label(axis, y - height / 2, w, number(w, words))
        _label(axis, y + height / 2, m, number(m, words))
    axis.legend(
        loc="lower right", fontsize=FONT - 3, frameon=False, ncols=2, bbox_to_anchor=(1.0, 1.0)
    )
    _whole_ticks(axis)


def _pain(axis: Any, stats: Stats, words: Texts) -> None:
    _style(axis, words.STATS_CHART_PAIN)
    days = list(stats.median_pain)
    labels = [words.STATS_CHART_PAIN_DAY.format(day=day) for day in days]
    medians = [stats.median_pain[day] for day in days]
    axis.barh(labels, [m.value or 0 for m in medians], color=ORANGE, height=0.6)
    axis.set_xlim(0, PAIN_MAX)
    axis.set_xticks(range(0, PAIN_MAX + 1, 2))
    for y, median in enumerate(medians):
        _label(axis, y, median.value or 0, _median_label(median, words))


def _recovery(axis: Any, stats: Stats, words: Texts) -> None:
    _style(axis, words.STATS_CHART_RECOVERY)
    severities = list(Severity)
    labels = [words.STATS_SEVERITY_LABELS[severity] for severity in severities]
    medians = [stats.median_recovery_days[severity] for severity in severities]
    for y, severity in enumerate(severities):
        earliest, latest = EXPECTED_RECOVERY[severity]
        axis.barh(
            y,
            latest - earliest,
            left=earliest,
            height=0.8,
            color="#E8E8E8",
            edgecolor=GREY,
            hatch="..",
            label=words.STATS_CHART_EXPECTED if y == 0 else None,
        )
    axis.barh(labels, [m.value or 0 for m in medians], color=GREEN, height=0.45)
    # The scale reaches the expected range of every severity with recoveries (at least
    # moderate's), so a median reads against its range; severe's months may run off the edge.
    reach: list[float] = [EXPECTED_RECOVERY[Severity.MODERATE][1]]
    reach += [EXPECTED_RECOVERY[s][1] for s, m in zip(severities, medians, strict=True) if m.count]
    axis.set_xlim(0, max([m.value or 0.0 for m in medians] + reach) * 1.3)
    _whole_ticks(axis)
    for y, median in enumerate(medians):
        _label(axis, y, median.value or 0, _median_label(median, words))
    axis.legend(loc="lower right", fontsize=FONT - 3, frameon=False, bbox_to_anchor=(1.0, 1.0))


def _median_label(median: Median, words: Texts) -> str:
    if median.value is None:
        return words.STATS_CHART_NO_DATA
    answers = words.STATS_CHART_ANSWERS.format(count=number(median.count, words))
    return f"{number(median.value, words)}  ({answers})"


def _whole_ticks(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:,.0f}"))
