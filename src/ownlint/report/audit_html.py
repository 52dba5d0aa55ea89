"""The audit report as one self-contained HTML page: inline CSS and SVG charts, no script, no network.

Every value is HTML-escaped (autoescape; the template puts no value in an attribute), and repository
text shows control and bidi characters as visible escapes (``finalize``), as on a terminal.
"""

from __future__ import annotations

from typing import Any

from ownlint import __version__
from ownlint.audit.summary import AuditSummary
from ownlint.report.audit_charts import bar_chart, trend_chart
from ownlint.report.escape import terminal

UNOWNED_ROWS = 500  # the CSV report holds them all
TOP_FINDINGS = 100


def render(summary: AuditSummary) -> str:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("ownlint.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_visible,
    )
    charts = {
        "trend": trend_chart(summary.trend),
        "split": bar_chart("In-scope resources by accountable party", summary.split, "resources"),
        "unowned": bar_chart("Unowned resources by category", summary.unowned_by_category, "unowned resources"),
    }
    severity_rank = {"error": 0, "warning": 1, "info": 2}
    top = sorted(summary.findings, key=lambda f: (severity_rank.get(f.severity, 3), f.rule, f.file, f.line))
    return environment.get_template("audit.html.j2").render(
        summary=summary, charts=charts, version=__version__, limit=UNOWNED_ROWS, top_findings=top[:TOP_FINDINGS]
    )


def _visible(value: Any) -> Any:
    """Text shown with its control and format characters escaped; markup made here (the charts) as it is."""
    import markupsafe

    return terminal(value) if isinstance(value, str) and not isinstance(value, markupsafe.Markup) else value
