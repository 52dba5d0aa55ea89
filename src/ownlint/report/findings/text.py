"""``--format text``: findings grouped by file, with where each value came from; colour on a TTY.

Files are named from the current directory (``report.paths``), so that a terminal or an editor opens them.
"""

from __future__ import annotations

from itertools import groupby

from ownlint.model import Finding, Report, Severity
from ownlint.report.escape import terminal
from ownlint.report.paths import HumanPaths, config_shown, plural

COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(report: Report, colour: bool = False) -> str:
    paths = HumanPaths.of(report)
    lines: list[str] = []
    for file, group in groupby(report.findings, key=lambda f: f.file):
        lines.append(paint(terminal(paths.file(file)), _BOLD, colour))
        for finding in group:
            lines.extend(_finding(finding, paths, colour))
        lines.append("")
    if report.show_suppressed and report.suppressed:
        lines.append("suppressed:")
        for item in report.suppressed:
            finding, by = item.finding, item.by
            until = f" until {by.expires.isoformat()}" if by.expires else ""
            where = terminal(paths.file(finding.file))
            lines.append(f"  {where}:{finding.line}  {finding.rule} {terminal(finding.resource)}".rstrip())
            reason = terminal(str(by.reason))
            blanket = " for all rules" if by.blanket else ""
            place = f"({terminal(paths.file(by.file))}:{by.line}){until}"
            lines.append(paint(f"        by {by.source}{blanket} {place}: {reason}", _DIM, colour))
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _finding(finding: Finding, paths: HumanPaths, colour: bool) -> list[str]:
    severity = paint(f"{finding.severity.value:<7}", COLOURS[finding.severity], colour)
    head = f"  {finding.line:>4}  {severity}  {finding.rule} {finding.name}: {terminal(finding.message)}"
    rows = [head]
    if len(finding.provenance) > 1:  # a single place is already quoted in the message
        chain = " <- ".join(terminal(paths.place(place)) for place in finding.provenance)
        rows.append(paint(f"        from: {chain}", _DIM, colour))
    if finding.path:
        rows.append(paint(f"        path: {terminal(finding.path[0])}", _DIM, colour))
        rows.extend(paint(f"              {terminal(hop)}", _DIM, colour) for hop in finding.path[1:])
    return rows


def summary(report: Report, listed: bool = True) -> str:
    """The closing lines: counts, the config, what suppressions hid and, with --baseline/--diff-base, what
    was known; ``listed``: name each finding fixed since (else the one line says how many)."""
    return counts(report) + _hidden(report, listed) + _compared(report, listed)


def _compared(report: Report, listed: bool) -> str:
    """With --baseline/--diff-base: what was already there, and what is fixed since."""
    comparison = report.comparison
    if comparison is None:
        return ""
    known = plural(comparison.known, "known finding")
    text = f"\nCompared with {terminal(comparison.against)}: {known} not shown"
    if not comparison.fixed:
        return text + "; none fixed since."
    if not listed:
        return text + f"; {len(comparison.fixed)} fixed since."
    paths = HumanPaths.of(report)
    fixed = "".join(
        f"\n  fixed: {terminal(rule)} {terminal(resource or '-')} ({terminal(paths.file(file))})"
        for rule, resource, file in comparison.fixed
    )
    return text + f"; {len(comparison.fixed)} fixed since:{fixed}"


def _hidden(report: Report, listed: bool) -> str:
    hidden = len(report.suppressed)
    blanket = sum(1 for item in report.suppressed if item.by.blanket)
    by_all = f", {blanket} of them by `all`" if blanket else ""  # a blanket waiver is worth a second look
    hint = " (--show-suppressed lists them)" if listed and not report.show_suppressed else ""
    return f" {hidden} suppressed{by_all}{hint}." if hidden else ""


def counts(report: Report) -> str:
    """``2 findings (1 error, 1 warning) in 3 files (4 resources), config ownlint.yaml.``"""
    scanned = f"in {plural(report.files, 'file')} ({plural(report.resources, 'resource')})"
    config = f", {terminal(config_shown(report.config))}" if report.config else ""
    if not report.findings:
        return f"No findings {scanned}{config}."
    by_severity = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    parts = ", ".join(plural(n, s.value) for s, n in by_severity.items() if n)
    return f"{plural(len(report.findings), 'finding')} ({parts}) {scanned}{config}."


def paint(text: str, code: str, colour: bool) -> str:
    return f"{code}{text}{_RESET}" if colour else text
