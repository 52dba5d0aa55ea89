"""``--format json``: version 1 of the JSON contract (DESIGN section 7)."""

from __future__ import annotations

from typing import Any

from ownlint import __version__
from ownlint.model import Finding, Report, Severity, Suppression
from ownlint.report.escape import json_text

VERSION = 1


def render(report: Report, colour: bool = False) -> str:
    by_rule = {rule: 0 for rule in report.rule_ids}
    by_severity = {severity.value: 0 for severity in Severity}
    for finding in report.findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
        by_severity[finding.severity.value] += 1
    document = {
        "version": VERSION,
        "tool": {"name": "ownlint", "version": __version__},
        "summary": {
            "files": report.files,
            "resources": report.resources,
            "findings": len(report.findings),
            "parse_errors": by_rule.get("OWN000", 0),
            "by_rule": by_rule,
            "by_severity": by_severity,
            "suppressed": len(report.suppressed),
            "suppressed_by_all": sum(1 for item in report.suppressed if item.by.blanket),
        },
        "findings": [_finding(f) for f in report.findings],
    }
    if report.comparison is not None:
        document["summary"]["compared_with"] = {  # type: ignore[index]
            "against": report.comparison.against,
            "known": report.comparison.known,
            "fixed": [{"rule": r, "resource": res, "file": f} for r, res, f in report.comparison.fixed],
        }
    if report.show_suppressed:
        document["suppressed"] = [
            {**_finding(s.finding), "suppressed_by": _suppression(s.by)} for s in report.suppressed
        ]
    return json_text(document) + "\n"


def _suppression(by: Suppression) -> dict[str, Any]:
    return {
        "source": by.source,
        "rules": list(by.rules),
        "file": by.file,
        "line": by.line,
        "reason": by.reason,
        "expires": by.expires.isoformat() if by.expires else None,
        "approved_by": by.approved_by,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    found = {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "resource": finding.resource,
        "resource_type": finding.resource_type,
        "source": finding.source,
        "file": finding.file,
        "line": finding.line,
        "end_line": finding.end_line,
        "path": list(finding.path),
        "provenance": [{"file": p.file, "line": p.line, "what": p.what} for p in finding.provenance],
        "fingerprint": finding.fingerprint,
    }
    if finding.related:  # located at a module call in a named file: where the resource itself is
        found["related"] = [{"file": p.file, "line": p.line, "what": p.what} for p in finding.related]
    return found
