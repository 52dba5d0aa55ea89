"""``--format github``: GitHub Actions workflow commands, one annotation per finding on the changed
lines of a pull request (``::error file=..,line=..,endLine=..,title=..::message``).

Chosen by default when ``GITHUB_ACTIONS=true`` and no ``--format`` is given.
"""

from __future__ import annotations

from ownlint.model import Finding, Report, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report) -> str:
    lines = [_annotation(report, finding) for finding in report.findings]
    total = len(report.findings)
    lines.append(f"ownlint: {total} finding{'s' if total != 1 else ''} in {report.files} files")
    return "\n".join(lines) + "\n"


def _annotation(report: Report, finding: Finding) -> str:
    properties = [f"file={_property(report.repository_path(finding.file))}"]
    if finding.line > 0:
        properties.append(f"line={finding.line}")
        properties.append(f"endLine={max(finding.end_line, finding.line)}")
    properties.append(f"title={_property(f'{finding.rule} {finding.name}')}")
    message = finding.message
    if finding.path:
        message += "\n" + "\n".join(finding.path)
    return f"::{COMMANDS[finding.severity]} {','.join(properties)}::{_data(message)}"


def _data(text: str) -> str:
    """Escapes GitHub's runner applies to a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Escapes for a command property, where ``:`` and ``,`` separate."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
