"""The audit report as one self-contained HTML page: inline CSS and SVG charts, no script, no network.

Every value is HTML-escaped (autoescape; the template puts no value in an attribute), and repository
text shows control and bidi characters as visible escapes (``finalize``), as on a terminal. A table that
is cut says so and names the report that holds it whole.
"""

from __future__ import annotations

from typing import Any

from ownlint import __version__
from ownlint.audit.summary import AuditSummary, resource_name
from ownlint.report.audit.charts import bars_chart, trend_chart
from ownlint.report.escape import terminal

LIMITS = {"unowned": 500, "findings": 100, "owner": 200}  # rows of a table; the CSV and JSON reports hold all


def render(summary: AuditSummary) -> str:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("ownlint.report.audit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_visible,
    )
    charts = {
        "trend": trend_chart(summary.trend),
        "split": bars_chart(
            "", [("Accountable (owner's party)", summary.split), ("Operated by", summary.operators)], "resources"
        ),
        "unowned": bars_chart(
            "", [("Unowned resources by category", summary.unowned_by_category)], "unowned resources"
        ),
    }
    changes = [(c.repo, change) for c in summary.changes for change in c.changes]
    return environment.get_template("audit.html.j2").render(
        summary=summary,
        charts=charts,
        version=__version__,
        limits=LIMITS,
        changes=changes,
        name=resource_name,
        dict=dict,
    )


def _visible(value: Any) -> Any:
    """Text shown with its control and format characters escaped; markup made here (the charts) as it is."""
    import markupsafe

    return terminal(value) if isinstance(value, str) and not isinstance(value, markupsafe.Markup) else value
