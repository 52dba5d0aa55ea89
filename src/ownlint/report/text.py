"""``--format text``: findings grouped by file, with where each value came from; colour on a TTY."""

from __future__ import annotations

from itertools import groupby

from ownlint.model import Finding, Report, Severity
from ownlint.report.escape import terminal

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def render(report: Report, colour: bool = False) -> str:
    lines: list[str] = []
    for file, group in groupby(report.findings, key=lambda f: f.file):
        lines.append(_paint(terminal(file), _BOLD, colour))
        for finding in group:
            lines.extend(_finding(finding, colour))
        lines.append("")
    if report.show_suppressed and report.suppressed:
        lines.append("suppressed:")
        for item in report.suppressed:
            finding, by = item.finding, item.by
            until = f" until {by.expires.isoformat()}" if by.expires else ""
            lines.append(
                f"  {terminal(finding.file)}:{finding.line}  {finding.rule} {terminal(finding.resource)}".rstrip()
            )
            reason = terminal(str(by.reason))
            blanket = " for all rules" if by.blanket else ""
            place = f"({terminal(by.file)}:{by.line}){until}"
            lines.append(_paint(f"        by {by.source}{blanket} {place}: {reason}", _DIM, colour))
        lines.append("")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _finding(finding: Finding, colour: bool) -> list[str]:
    severity = _paint(f"{finding.severity.value:<7}", _COLOURS[finding.severity], colour)
    head = f"  {finding.line:>4}  {severity}  {finding.rule} {finding.name}: {terminal(finding.message)}"
    rows = [head]
    if len(finding.provenance) > 1:  # a single place is already quoted in the message
        chain = " <- ".join(terminal(str(place)) for place in finding.provenance)
        rows.append(_paint(f"        from: {chain}", _DIM, colour))
    if finding.path:
        rows.append(_paint(f"        path: {terminal(finding.path[0])}", _DIM, colour))
        rows.extend(_paint(f"              {terminal(hop)}", _DIM, colour) for hop in finding.path[1:])
    return rows


def _summary(report: Report) -> str:
    return _counts(report) + _hidden(report) + _compared(report)


def _compared(report: Report) -> str:
    """With --baseline/--diff-base: what was already there, and what is fixed since."""
    comparison = report.comparison
    if comparison is None:
        return ""
    text = f"\nCompared with {terminal(comparison.against)}: {comparison.known} known finding(s) not shown"
    if not comparison.fixed:
        return text + "; none fixed since."
    fixed = "".join(
        f"\n  fixed: {terminal(rule)} {terminal(resource or '-')} ({terminal(file)})"
        for rule, resource, file in comparison.fixed
    )
    return text + f"; {len(comparison.fixed)} fixed since:{fixed}"


def _hidden(report: Report) -> str:
    hidden = len(report.suppressed)
    blanket = sum(1 for item in report.suppressed if item.by.blanket)
    by_all = f", {blanket} of them by `all`" if blanket else ""  # a blanket waiver is worth a second look
    listed = "" if report.show_suppressed else " (--show-suppressed lists them)"
    return f" {hidden} suppressed{by_all}{listed}." if hidden else ""


def _counts(report: Report) -> str:
    if not report.findings:
        return f"No findings in {_files(report.files)} ({report.resources} resources)."
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    parts = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    total = len(report.findings)
    noun = "finding" if total == 1 else "findings"
    return f"{total} {noun} ({parts}) in {_files(report.files)} ({report.resources} resources)."


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _paint(text: str, code: str, colour: bool) -> str:
    return f"{code}{text}{_RESET}" if colour else text
