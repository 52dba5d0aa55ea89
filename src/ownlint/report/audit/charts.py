"""The audit report's charts as inline SVG, drawn with matplotlib (the ``audit`` extra).

Honest small multiples: a percentage and a count never share an axis (the trend is two panels, coverage
above and unowned resources below, on one week axis); counts have whole-number ticks from 0; a bar is as
wide for one week as for twelve (the week axis has room for at least ``MIN_SLOTS`` weeks); no two texts
overlap (value labels that would are left out, beginning with the oldest; week names are thinned to every
Nth, always naming the latest). Readable without colour: bars carry hatching and their value, lines carry
markers, and every chart has a title, axis labels and a text table next to it in the page. Text stays
text in the SVG (``svg.fonttype: none``), so the page is searchable and the file small.

Names on the charts come from repositories and their configs, so they are drawn as plain text: never
mathtext (``$...$``) or TeX, on one line, printable, and short (the table beside a chart holds each
whole). matplotlib's own defaults apply, whatever a ``matplotlibrc`` says, and the one a checkout may
hold in the working directory is never read.
"""

from __future__ import annotations

import io
import math
import os
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from ownlint.audit.summary import WeekPoint

HATCHES = ("//", "..", "xx", "\\\\", "oo", "--", "++", "**")
INK = "#1f3b57"
LABEL_CHARS = 40  # a name on a chart: longer ones end in "…"
STYLE = {"svg.fonttype": "none", "svg.hashsalt": "ownlint", "font.size": 10, "text.usetex": False}
MIN_SLOTS = 8  # the week axis is at least this many weeks wide: one week is one bar, not a wall
BAR_WIDTH = 0.6  # of a week's slot
GAP = 3.0  # pixels between two texts
Panels = Sequence[tuple[str, Sequence[tuple[str, int]]]]  # (panel title, (name, count) bars)


def _matplotlib() -> ModuleType:
    """matplotlib, first imported away from the working directory: it reads ./matplotlibrc then."""
    if "matplotlib" not in sys.modules:
        try:
            here = os.getcwd()
        except OSError:
            here = None
        os.chdir(Path(__file__).parent)  # a directory of ownlint's own, with no matplotlibrc in it
        try:
            import matplotlib
        finally:
            if here is not None:
                os.chdir(here)
    import matplotlib

    return matplotlib


@contextmanager
def chart_style() -> Iterator[None]:
    """matplotlib's defaults and ours while a chart is drawn; a missing glyph is not worth a warning."""
    matplotlib = _matplotlib()
    with matplotlib.rc_context(), warnings.catch_warnings():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(STYLE)
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        yield


def label(name: str) -> str:
    """A name as one short line of plain text: whitespace runs as one space, other unprintable
    characters (controls, bidirectional overrides, lone surrogates) as U+FFFD."""
    flat = re.sub(r"\s+", " ", name).strip()
    flat = "".join(c if c.isprintable() else "\ufffd" for c in flat)
    return flat if len(flat) <= LABEL_CHARS else flat[: LABEL_CHARS - 1] + "\u2026"


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    figure = Figure(figsize=(width, height), dpi=96, layout="constrained")
    FigureCanvasAgg(figure)  # a canvas that measures text, so labels can be kept apart
    return figure


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # matplotlib's RDF: not for readers
    return text[text.index("<svg") :]  # inline: no XML prologue or DOCTYPE


def whole_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 up to ``top``, at most ``most`` + 1 of them, at a 1-2-5 step."""
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            if top / step <= most:
                return list(range(0, math.floor(top) + 1, step))
        magnitude *= 10


def trend_chart(points: Sequence[WeekPoint]) -> str:
    """Coverage (line, top panel) and unowned resources (hatched bars, bottom panel) per week."""
    with chart_style():
        return _svg(trend_figure(points))


def trend_figure(points: Sequence[WeekPoint]) -> Any:
    """The trend as a matplotlib figure, laid out: two panels on one week axis."""
    figure = _figure(7.5, 4.6)
    percent, counts = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    positions = list(range(len(points)))
    spare = (max(len(points), MIN_SLOTS) - len(points)) / 2
    percent.set_xlim(-0.5 - spare, len(points) - 0.5 + spare)
    coverage = [p.coverage for p in points]
    percent.plot(positions, coverage, marker="o", linestyle="-", color=INK, linewidth=2)
    percent.set_ylim(0, 118)  # room above 100% for the value labels
    percent.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    percent.set_ylabel("coverage (%)")
    percent.set_title("Ownership coverage per week")
    unowned = [p.unowned for p in points]
    bars = counts.bar(positions, unowned, width=BAR_WIDTH, color="white", edgecolor=INK, hatch="//")
    top = max([*unowned, 1]) * 1.35
    counts.set_ylim(0, top)
    counts.set_yticks(whole_ticks(top))
    counts.set_ylabel("unowned resources")
    counts.set_title("Unowned resources per week")
    for axis in (percent, counts):
        axis.spines[["top", "right"]].set_visible(False)
        axis.grid(axis="y", color="#dddddd", linewidth=0.6)
        axis.set_axisbelow(True)
    percent_labels = [_value(percent, x, y, f"{y:.1f}%", 6) for x, y in zip(positions, coverage, strict=True)]
    count_labels = [
        _value(counts, b.get_x() + b.get_width() / 2, b.get_height(), str(n), 2)
        for b, n in zip(bars, unowned, strict=True)
    ]
    counts.set_xticks(positions, [p.week for p in points], parse_math=False)
    figure.draw_without_rendering()
    _thin_weeks(counts, [p.week for p in points])
    figure.draw_without_rendering()
    _keep_apart(percent, percent_labels, _priority(coverage))
    _keep_apart(counts, count_labels, _priority(unowned))
    return figure


def _value(axis: Any, x: float, y: float, text: str, offset: float) -> Any:
    return axis.annotate(
        text, (x, y), textcoords="offset points", xytext=(0, offset), ha="center", va="bottom", fontsize=8
    )


def _priority(values: Sequence[float]) -> list[int]:
    """The order in which value labels claim their place: the latest, the first, the lowest, the
    highest, then the rest from the latest back."""
    if not values:
        return []
    last = len(values) - 1
    lowest = min(range(len(values)), key=lambda i: (values[i], -i))
    highest = max(range(len(values)), key=lambda i: (values[i], i))
    return list(dict.fromkeys([last, 0, lowest, highest, *range(last, -1, -1)]))


def _keep_apart(axis: Any, labels: Sequence[Any], order: Sequence[int]) -> None:
    """Hide the labels that would overlap one shown before them, or leave the panel."""
    renderer = axis.figure.canvas.get_renderer()
    inside = axis.get_window_extent(renderer)
    kept: list[Any] = []
    for index in order:
        box = labels[index].get_window_extent(renderer)
        if box.x0 < inside.x0 or box.x1 > inside.x1:  # at an edge: start (or end) at its point instead
            labels[index].set_horizontalalignment("left" if box.x0 < inside.x0 else "right")
            box = labels[index].get_window_extent(renderer)
        fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and box.y1 <= inside.y1
        if fits and not any(_near(box, other) for other in kept):
            kept.append(box)
        else:
            labels[index].set_visible(False)


def _near(one: Any, other: Any) -> bool:
    return bool(
        one.x0 < other.x1 + GAP and other.x0 < one.x1 + GAP and one.y0 < other.y1 + GAP and other.y0 < one.y1 + GAP
    )


def _thin_weeks(axis: Any, weeks: Sequence[str]) -> None:
    """Name every Nth week, counting back from the latest, so that no two names touch."""
    if len(weeks) < 2:
        return
    renderer = axis.figure.canvas.get_renderer()
    widest = max(t.get_window_extent(renderer).width for t in axis.get_xticklabels())
    slot = abs(axis.transData.transform((1, 0))[0] - axis.transData.transform((0, 0))[0])
    step = max(1, math.ceil((widest + 4 * GAP) / slot))
    shown = [i for i in range(len(weeks)) if (len(weeks) - 1 - i) % step == 0]
    axis.set_xticks(shown, [weeks[i] for i in shown], parse_math=False)


def bars_chart(title: str, panels: Panels, axis_label: str) -> str:
    """Horizontal bars in stacked panels, each bar with its own hatching and its value at its end."""
    with chart_style():
        return _svg(bars_figure(title, panels, axis_label))


def bars_figure(title: str, panels: Panels, axis_label: str) -> Any:
    """The bars as a matplotlib figure: one panel per (title, bars), each on its own count axis."""
    shown = [(name, list(items)[:12]) for name, items in panels]
    heights = [max(len(items), 1) for _, items in shown]
    figure = _figure(7.5, 0.4 * sum(heights) + 1.0 * len(shown) + (0.3 if title else 0))
    axes = figure.subplots(len(shown), 1, squeeze=False, height_ratios=heights)[:, 0]
    if title:
        figure.suptitle(title)
    for axis, (name, items) in zip(axes, shown, strict=True):
        _panel(axis, name, items, axis_label)
    figure.draw_without_rendering()
    return figure


def _panel(axis: Any, title: str, items: Sequence[tuple[str, int]], axis_label: str) -> None:
    names = [label(name) for name, _ in reversed(items)]
    values = [value for _, value in reversed(items)]
    hatches = [HATCHES[i % len(HATCHES)] for i in range(len(items))][::-1]
    positions = list(range(len(items)))  # not the names: a category axis would merge equal labels
    bars = axis.barh(positions, values, height=0.6, color="white", edgecolor=INK, hatch=hatches)
    axis.set_yticks(positions, names, parse_math=False)  # a name is text, never mathtext
    axis.set_ylim(-0.6, max(len(items), 1) - 0.4)
    for bar, value in zip(bars, values, strict=True):
        axis.annotate(
            str(value),
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            textcoords="offset points",
            xytext=(3, 0),
            va="center",
        )
    top = max([*values, 1]) * 1.25
    axis.set_xlim(0, top)
    axis.set_xticks(whole_ticks(top))
    axis.set_xlabel(axis_label)
    axis.set_title(title, parse_math=False)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
