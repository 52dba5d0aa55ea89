"""The audit report's charts as inline SVG, drawn with matplotlib (the ``audit`` extra).

Readable without colour: bars carry hatching and their value, lines carry markers and dashes, and
every chart has a title, axis labels and a text table next to it in the page. Text stays text in the
SVG (``svg.fonttype: none``), so the page is searchable and the file small.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ownlint.audit.summary import WeekPoint

HATCHES = ("//", "..", "xx", "\\\\", "oo", "--", "++", "**")
INK = "#1f3b57"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    figure = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return figure


def _svg(figure: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ownlint", "font.size": 10}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # matplotlib's RDF: not for readers
    return text[text.index("<svg") :]  # inline: no XML prologue or DOCTYPE


def trend_chart(points: Sequence[WeekPoint]) -> str:
    """Coverage (line, left axis) and unowned resources (hatched bars, right axis) per week."""
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


def bar_chart(title: str, items: Sequence[tuple[str, int]], label: str) -> str:
    """Horizontal bars, each with its own hatching and its value written at its end."""
    shown = list(items)[:12]
    figure = _figure(7.5, 0.45 * max(len(shown), 1) + 1.1)
    axis = figure.add_subplot()
    names = [name for name, _ in reversed(shown)]
    values = [value for _, value in reversed(shown)]
    hatches = [HATCHES[i % len(HATCHES)] for i in range(len(shown))][::-1]
    bars = axis.barh(names, values, color="white", edgecolor=INK, hatch=hatches)
    axis.bar_label(bars, padding=3)
    axis.set_xlim(0, max([*values, 1]) * 1.2)
    axis.set_xlabel(label)
    axis.set_title(title)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    return _svg(figure)
