"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers).

Rules carry their documentation as help text; every result has its stable fingerprint in
``partialFingerprints`` (never line-based) and repository-relative locations; a boundary finding's
path becomes a code flow whose steps are the places that make each hop true. Artifact URIs are
percent-encoded (RFC 3986); texts carry the raw values, JSON-escaped.
"""

from __future__ import annotations

from typing import Any

from ownlint import __version__
from ownlint.model import Finding, Place, PlaceKind, Report, Severity, Suppressed
from ownlint.report.escape import json_text, uri

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ownlint/ownlint"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, colour: bool = False) -> str:
    index = {rule.code: position for position, rule in enumerate(report.rules)}
    driver = {
        "name": "ownlint",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": _section(rule.doc, "What it does") or rule.summary},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
            }
            for rule in report.rules
        ],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [
            *(_result(report, finding, index) for finding in report.findings),
            *(_suppressed(report, item, index) for item in (report.suppressed if report.show_suppressed else ())),
        ],
    }
    return json_text({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}) + "\n"


def _section(doc: str, title: str) -> str:
    """The text under a heading of a rule's documentation (indented lines), joined into one paragraph."""
    lines = doc.splitlines()
    if title not in lines:
        return ""
    body = []
    for line in lines[lines.index(title) + 1 :]:
        if line and not line.startswith(" "):
            break
        body.append(line.strip())
    return " ".join(part for part in body if part)


def _result(report: Report, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            _location(
                report, Place(finding.file, finding.line, "", PlaceKind.FINDING), finding.end_line, finding.resource
            )
        ],
        "partialFingerprints": {"ownlint/v1": finding.fingerprint},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.path_places:
        steps = [
            {"location": {**_location(report, place, place.line), "message": {"text": place.what}}}
            for place in finding.path_places
        ]
        result["codeFlows"] = [{"threadFlows": [{"locations": steps}]}]
    if finding.related or finding.provenance:
        result["relatedLocations"] = [
            {**_location(report, place, place.line), "id": number, "message": {"text": place.what}}
            for number, place in enumerate((*finding.related, *finding.provenance))
        ]
    return result


def _suppressed(report: Report, item: Suppressed, index: dict[str, int]) -> dict[str, Any]:
    """A suppressed result: ``inSource`` for comments and annotations, ``external`` for config waivers."""
    kind = "external" if item.by.source == "waiver" else "inSource"
    justification = item.by.reason or ""
    return {**_result(report, item.finding, index), "suppressions": [{"kind": kind, "justification": justification}]}


def _location(report: Report, place: Place, end_line: int, resource: str = "") -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(report.repository_path(place.file)) or "."}}
    if place.line > 0:
        physical["region"] = {"startLine": place.line, "endLine": max(end_line, place.line)}
    location: dict[str, Any] = {"physicalLocation": physical}
    if resource:
        location["logicalLocations"] = [{"fullyQualifiedName": resource, "kind": "resource"}]
    return location
