"""``--format compact``: one line per finding, ``path:line:col: OWNnnn message``, as flake8, ruff and
tflint's compact format print them (editors, ``grep`` and problem matchers read it), then the summary.

Findings have no column: it is always 1. Files are named from the current directory (``report.paths``);
repository text is escaped as on a terminal, so that no name can forge a line.
"""

from __future__ import annotations

from ownlint.model import Finding, Report
from ownlint.report.escape import terminal
from ownlint.report.findings.text import COLOURS, paint, summary
from ownlint.report.paths import HumanPaths


def render(report: Report, colour: bool = False) -> str:
    paths = HumanPaths.of(report)
    lines = [_line(finding, paths, colour) for finding in report.findings]
    lines.append(summary(report, listed=False))
    return "\n".join(lines) + "\n"


def _line(finding: Finding, paths: HumanPaths, colour: bool) -> str:
    rule = paint(finding.rule, COLOURS[finding.severity], colour)
    where = f"{terminal(paths.file(finding.file))}:{max(finding.line, 1)}:1"
    return f"{where}: {rule} {terminal(finding.message)}"
