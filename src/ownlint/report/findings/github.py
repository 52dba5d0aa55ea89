"""``--format github``: GitHub Actions workflow commands, one annotation per finding on the changed
lines of a pull request (``::error file=..,line=..,endLine=..,title=..::message``).

Chosen by default when ``GITHUB_ACTIONS=true`` and no ``--format`` is given.
"""

from __future__ import annotations

from ownlint.model import Finding, Report, Severity
from ownlint.report.escape import terminal, workflow_data, workflow_property
from ownlint.report.paths import config_shown, plural

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report, colour: bool = False) -> str:
    lines = [_annotation(report, finding) for finding in report.findings]
    config = f", {terminal(config_shown(report.config))}" if report.config else ""
    lines.append(f"ownlint: {plural(len(report.findings), 'finding')} in {plural(report.files, 'file')}{config}")
    return "\n".join(lines) + "\n"


def _annotation(report: Report, finding: Finding) -> str:
    properties = [f"file={workflow_property(terminal(report.repository_path(finding.file)))}"]
    if finding.line > 0:
        properties.append(f"line={finding.line}")
        properties.append(f"endLine={max(finding.end_line, finding.line)}")
    properties.append(f"title={workflow_property(f'{finding.rule} {finding.name}')}")
    # repository text escaped visibly first: only ownlint's own line breaks (between path hops) stay
    message = "\n".join(terminal(part) for part in (finding.message, *finding.path))
    return f"::{COMMANDS[finding.severity]} {','.join(properties)}::{workflow_data(message)}"
