"""The audit report as Markdown, for a wiki page or an issue. A table that is cut says so, and where the
rest is; with several repositories, every table of resources or findings has a repository column."""

from __future__ import annotations

from collections.abc import Sequence

from ownlint.audit.inventory import InventoryRow
from ownlint.audit.summary import AuditSummary, OwnerSection, resource_name
from ownlint.report.escape import markdown as md
from ownlint.report.escape import markdown_code as code

UNOWNED_ROWS = 100
FINDING_ROWS = 100
OWNER_ROWS = 50


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
        *_responsibility(summary),
        *_changes(summary),
        "## Unowned by category",
        "",
        *_table(("Category", "Unowned"), [(md(name), str(count)) for name, count in summary.unowned_by_category]),
        "## Unowned by directory",
        "",
        *_counts_in_repos(summary, "Directory", summary.unowned_by_directory),
    ]
    if summary.unowned_by_namespace:
        lines += ["## Unowned by namespace", "", *_counts_in_repos(summary, "Namespace", summary.unowned_by_namespace)]
    unowned = [
        (
            *_repo(summary, repo),
            code(resource_name(r.address, r.instances)),
            md(r.category),
            code(f"{r.file}:{r.line}"),
            _suggested(r),
            md("; ".join(r.suggestion_evidence)),
        )
        for repo, r in summary.unowned[:UNOWNED_ROWS]
    ]
    header = (*_repo_header(summary), "Resource", "Category", "Where", "Suggested", "Evidence")
    lines += ["## Unowned resources", "", *_table(header, unowned)]
    lines += _cut(UNOWNED_ROWS, len(summary.unowned), "unowned resources", "the CSV report")
    lines += [
        "## Top findings",
        "",
        *_table(("Rule", "Findings"), [(md(f"{r} {n}"), str(c)) for r, n, c in summary.top_rules]),
        "## Findings",
        "",
        *_table(
            (*_repo_header(summary), "Rule", "Severity", "Resource", "Where", "Message"),
            [
                (
                    *_repo(summary, repo),
                    md(f.rule),
                    md(f.severity),
                    code(f.resource),
                    code(f"{f.file}:{f.line}"),
                    md(f.message),
                )
                for repo, f in summary.findings[:FINDING_ROWS]
            ],
        ),
        *_cut(FINDING_ROWS, len(summary.findings), "findings (errors first)", "the JSON report"),
        "## Accountability by owner",
        "",
    ]
    for owner in summary.owners:
        lines += _owner(summary, owner)
    return "\n".join(lines) + "\n"


def _responsibility(summary: AuditSummary) -> list[str]:
    """The owner's party (who answers) against the operator's (who runs it)."""
    columns = summary.operator_columns
    rows = []
    for party, operators in summary.accountability:
        counts = dict(operators)
        cells = [str(counts[c]) if c in counts else "" for c in columns]
        rows.append((md(party), *cells, str(sum(counts.values()))))
    return [
        "## Who answers for what",
        "",
        "The owner's party answers for a resource; the operator runs it. Rows: the owner's party; columns: "
        "the operator (`operated-by`).",
        "",
        *_table(("Owner's party \u2193 / operated by \u2192", *map(md, columns), "Total"), rows),
    ]


def _changes(summary: AuditSummary) -> list[str]:
    lines = ["## Changed since the last snapshot", ""]
    for changes in summary.changes:
        name = f"{md(changes.repo)}: " if summary.several else ""
        if changes.previous is None:
            lines += [f"{name}the first snapshot: nothing to compare yet.", ""]
            continue
        since = changes.previous.taken_at.strftime("%Y-%m-%d")
        lines += [f"{name}{len(changes.new)} new unowned, {len(changes.fixed)} fixed since {since}.", ""]
        rows = [
            (md(c.kind), code(resource_name(c.row.address, c.instances)), code(f"{c.row.file}:{c.row.line}"), md(c.now))
            for c in changes.changes
        ]
        if rows:
            lines += _table(("Change", "Resource", "Where", "Now"), rows)
    return lines


def _owner(summary: AuditSummary, owner: OwnerSection) -> list[str]:
    categories = ", ".join(f"{md(name)} {count}" for name, count in owner.by_category)
    operators = ", ".join(f"{md(name)} {count}" for name, count in owner.operators)
    rows = [
        (
            *_repo(summary, repo),
            code(resource_name(r.address, r.instances)),
            md(r.category),
            md(r.operator_party),
            code(f"{r.file}:{r.line}"),
        )
        for repo, r in owner.resources[:OWNER_ROWS]
    ]
    return [
        f"### {md(owner.owner)} ({md(owner.party)})",
        "",
        f"{len(owner.resources)} resources ({categories}); operated by {operators}; {owner.findings} findings.",
        "",
        *_table((*_repo_header(summary), "Resource", "Category", "Operated by", "Where"), rows),
        *_cut(OWNER_ROWS, len(owner.resources), "resources", "the CSV report (filter by owner)"),
    ]


def _suggested(row: InventoryRow) -> str:
    if row.suggested_owner is None:
        return "-"
    return f"{md(row.suggested_owner)} ({md(row.suggestion_strength or '')})"


def _counts_in_repos(summary: AuditSummary, what: str, counts: Sequence[tuple[str, str, int]]) -> list[str]:
    rows = [(*_repo(summary, repo), code(name), str(count)) for repo, name, count in counts]
    return _table((*_repo_header(summary), what, "Unowned"), rows)


def _repo_header(summary: AuditSummary) -> tuple[str, ...]:
    return ("Repository",) if summary.several else ()


def _repo(summary: AuditSummary, repo: str) -> tuple[str, ...]:
    return (md(repo),) if summary.several else ()


def _cut(shown: int, total: int, what: str, where: str) -> list[str]:
    if total <= shown:
        return []
    return [f"Showing the first {shown} of {total} {what}; {where} lists them all.", ""]


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
