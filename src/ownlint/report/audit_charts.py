"""The audit report's charts as inline SVG, drawn with matplotlib (the ``audit`` extra).

Readable without colour: bars carry hatching and their value, lines carry markers and dashes, and
every chart has a title, axis labels and a text table next to it in the page. Text stays text in the
SVG (``svg.fonttype: none``), so the page is searchable and the file small.

Names on the charts come from repositories and their configs, so they are drawn as plain text: never
mathtext (``$...$``) or TeX, on one line, printable, and short (the table beside a chart holds each
whole). matplotlib's own defaults apply, whatever a ``matplotlibrc`` says, and the one a checkout may
hold in the working directory is never read.
"""

from __future__ import annotations

import io
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
def _style() -> Iterator[None]:
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
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    figure = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return figure


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # matplotlib's RDF: not for readers
    return text[text.index("<svg") :]  # inline: no XML prologue or DOCTYPE


def trend_chart(points: Sequence[WeekPoint]) -> str:
    """Coverage (line, left axis) and unowned resources (hatched bars, right axis) per week."""
    with _style():
        return _trend(points)


def _trend(points: Sequence[WeekPoint]) -> str:
    figure = _figure(7.5, 3.2)
    axis = figure.add_subplot()
    weeks = [p.week for p in points]
    positions = list(range(len(points)))
    bars_axis = axis.twinx()
    bars = bars_axis.bar(
        positions, [p.unowned for p in points], width=0.5, color="white", edgecolor=INK, hatch="//", label="unowned"
    )
    bars_axis.bar_label(bars, padding=2, fontsize=8)
    bars_axis.set_ylabel("unowned resources")
    bars_axis.set_ylim(0, max([*(p.unowned for p in points), 1]) * 1.3)
    axis.plot(
        positions, [p.coverage for p in points], marker="o", linestyle="-", color=INK, linewidth=2, label="coverage %"
    )
    for x, point in zip(positions, points, strict=True):
        axis.annotate(
            f"{point.coverage:.1f}%", (x, point.coverage), textcoords="offset points", xytext=(0, 7), ha="center"
        )
    axis.set_ylim(0, 110)
    axis.set_ylabel("ownership coverage (%)")
    axis.set_xticks(positions, weeks, rotation=30 if len(weeks) > 6 else 0)
    axis.set_zorder(bars_axis.get_zorder() + 1)
    axis.patch.set_visible(False)
    axis.set_title("Ownership coverage and unowned resources per week")
    handles = [*axis.get_legend_handles_labels()[0], *bars_axis.get_legend_handles_labels()[0]]
    axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    return _svg(figure)


def bar_chart(title: str, items: Sequence[tuple[str, int]], axis_label: str) -> str:
    """Horizontal bars, each with its own hatching and its value written at its end."""
    with _style():
        return _bars(title, items, axis_label)


def _bars(title: str, items: Sequence[tuple[str, int]], axis_label: str) -> str:
    shown = list(items)[:12]
    figure = _figure(7.5, 0.45 * max(len(shown), 1) + 1.1)
    axis = figure.add_subplot()
    names = [label(name) for name, _ in reversed(shown)]
    values = [value for _, value in reversed(shown)]
    hatches = [HATCHES[i % len(HATCHES)] for i in range(len(shown))][::-1]
    positions = list(range(len(shown)))  # not the names: a category axis would merge equal labels
    bars = axis.barh(positions, values, color="white", edgecolor=INK, hatch=hatches)
    axis.set_yticks(positions, names, parse_math=False)  # a name is text, never mathtext
    axis.bar_label(bars, padding=3)
    axis.set_xlim(0, max([*values, 1]) * 1.2)
    axis.set_xlabel(axis_label)
    axis.set_title(title)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    return _svg(figure)
