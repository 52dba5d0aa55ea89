"""The audit report as Markdown, for a wiki page or an issue."""

from __future__ import annotations

from collections.abc import Sequence

from ownlint.audit.summary import AuditSummary
from ownlint.report.escape import markdown as md
from ownlint.report.escape import markdown_code as code

UNOWNED_ROWS = 100


def render(summary: AuditSummary) -> str:
    lines = [
        "# Ownership audit",
        "",
        f"Generated {summary.generated.strftime('%Y-%m-%d %H:%M UTC')} for {_repos(summary.repos)}.",
        "",
        f"**Coverage: {summary.coverage:.1f}%** ({summary.owned} of {summary.in_scope} resources have a valid owner); "
        f"**{len(summary.unowned)} unowned**; {len(summary.findings)} findings.",
        "",
        "## Snapshots",
        "",
        *_table(
            ("Repository", "Snapshot", "Commit", "Resources", "Coverage", "Findings"),
            [
                (
                    md(s.repo),
                    s.taken_at.strftime("%Y-%m-%d %H:%M"),
                    md((s.commit or "-")[:12]),
                    str(s.resources),
                    f"{s.coverage:.1f}%",
                    str(s.findings),
                )
                for s in summary.snapshots
            ],
        ),
        "## Trend",
        "",
        *_table(
            ("Week", "Coverage", "Unowned"), [(md(p.week), f"{p.coverage:.1f}%", str(p.unowned)) for p in summary.trend]
        ),
        "## Who answers for what",
        "",
        *_table(("Party", "Resources"), [(md(party), str(count)) for party, count in summary.split]),
        "## Unowned by category",
        "",
        *_table(("Category", "Unowned"), [(md(name), str(count)) for name, count in summary.unowned_by_category]),
        "## Unowned by directory",
        "",
        *_table(("Directory", "Unowned"), [(code(name), str(count)) for name, count in summary.unowned_by_directory]),
    ]
    if summary.unowned_by_namespace:
        rows = [(code(name), str(count)) for name, count in summary.unowned_by_namespace]
        lines += ["## Unowned by namespace", "", *_table(("Namespace", "Unowned"), rows)]
    unowned = [
        (
            code(r.address),
            md(r.category),
            code(f"{r.file}:{r.line}"),
            md(r.suggested_owner or "-"),
            md(r.suggestion_evidence or ""),
        )
        for r in summary.unowned[:UNOWNED_ROWS]
    ]
    lines += ["## Unowned resources", "", *_table(("Resource", "Category", "Where", "Suggested", "Evidence"), unowned)]
    lines += [
        "## Top findings",
        "",
        *_table(("Rule", "Findings"), [(md(f"{r} {n}"), str(c)) for r, n, c in summary.top_rules]),
    ]
    lines += ["## Accountability by owner", ""]
    for owner in summary.owners:
        categories = ", ".join(f"{md(name)} {count}" for name, count in owner.by_category)
        counts = f"{owner.resources} resources ({categories}), {owner.findings} findings"
        lines.append(f"- **{md(owner.owner)}** ({md(owner.party)}): {counts}")
    return "\n".join(lines) + "\n"


def _repos(repos: Sequence[str]) -> str:
    return md(", ".join(repos)) if repos else "nothing"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A table of cells already escaped (``md`` or ``code``)."""
    if not rows:
        return ["(none)", ""]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]
