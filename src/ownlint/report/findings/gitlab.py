"""``--format gitlab``: GitLab Code Quality report (a JSON array), shown in merge request widgets."""

from __future__ import annotations

from ownlint.model import Report, Severity
from ownlint.report.escape import json_text

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(report: Report, colour: bool = False) -> str:
    issues = [
        {
            "type": "issue",
            "check_name": f"{finding.rule} {finding.name}",
            "description": f"{finding.rule}: {finding.message}",
            "categories": ["Security" if finding.rule in ("OWN008", "OWN009", "OWN010") else "Style"],
            "severity": SEVERITIES[finding.severity],
            "fingerprint": finding.fingerprint,
            "location": {
                "path": report.repository_path(finding.file),
                "lines": {"begin": max(finding.line, 1), "end": max(finding.end_line, finding.line, 1)},
            },
        }
        for finding in report.findings
    ]
    return json_text(issues) + "\n"
