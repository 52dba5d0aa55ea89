"""``--format json``: version 1 of the JSON contract (DESIGN section 7)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any

from ownlint import __version__
from ownlint.model import Finding, Place, Report, Severity, Suppression
from ownlint.report.escape import json_text, json_without_commands

VERSION = 1


def render(report: Report, colour: bool = False) -> str:
    return "".join(pieces(report))


def pieces(report: Report) -> Iterator[str]:
    """``render``'s text in pieces, a batch of findings at a time: a file is written from them without the
    whole text held (a 30 MB estate's report is 140 MB, and its joined pieces as much again)."""
    by_rule = {rule: 0 for rule in report.rule_ids}
    for rule, count in Counter(map(_RULE, report.findings)).items():  # counted in C (a member's ``value`` is a call)
        by_rule[rule] = by_rule.get(rule, 0) + count
    severities = Counter(map(_SEVERITY, report.findings))
    by_severity = {severity.value: severities[severity] for severity in Severity}
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
    }
    if report.comparison is not None:
        document["summary"]["compared_with"] = {  # type: ignore[index]
            "against": report.comparison.against,
            "known": report.comparison.known,
            "fixed": [{"rule": r, "resource": res, "file": f} for r, res, f in report.comparison.fixed],
        }
    yield "{\n" + ",\n".join(_member(key, value) for key, value in document.items()) + ",\n"
    yield from _findings(report.findings)
    if report.show_suppressed:
        suppressed = [{**_finding(s.finding), "suppressed_by": _suppression(s.by)} for s in report.suppressed]
        yield ",\n" + _member("suppressed", suppressed)
    yield "\n}\n"


_RULE, _SEVERITY = attrgetter("rule"), attrgetter("severity")


def _member(key: str, value: Any) -> str:
    """``"key": value`` as the document's member (``json_text`` of a one-member dict, its braces left out)."""
    return json_text({key: value})[2:-2]


_BATCH = 512  # findings joined at a time: a batch is what a file being written holds of them


def _findings(findings: tuple[Finding, ...]) -> Iterator[str]:
    """The ``findings`` member in pieces, each finding written by ``_finding_texts``: as ``json_text`` writes their
    dicts (a ``##[`` is inside one string, so each batch is escaped on its own)."""
    if not findings:
        yield '  "findings": []'
        return
    yield '  "findings": [\n'
    text_of = _finding_texts()
    for start in range(0, len(findings), _BATCH):
        text = json_without_commands(",\n".join(map(text_of, findings[start : start + _BATCH])))
        yield ",\n" + text if start else text
    yield "\n  ]"


_IN_FINDING = "\n      "  # a finding's members: two levels down in the document, at indent 2


def _finding_texts() -> Callable[[Finding], str]:
    """``_finding`` as ``json_text`` writes it in the list (its ``##[`` left to the caller): one template for
    the usual values (25k findings of a monorepo: a tenth of a warm run went to the generic writer). What
    findings of one report repeat (rule, name and severity; type and source; file; resource) is encoded once:
    kept for this report only, as the tree names the types, files and resources."""
    heads: dict[tuple[str, str, str], str] = {}
    kinds: dict[tuple[str, str], str] = {}
    texts: dict[str, str] = {}
    e = encode_basestring_ascii

    def text(finding: Finding) -> str:
        rule, name, message, resource, resource_type = (
            finding.rule,
            finding.name,
            finding.message,
            finding.resource,
            finding.resource_type,
        )
        source, file, line, end_line, fingerprint = (
            finding.source,
            finding.file,
            finding.line,
            finding.end_line,
            finding.fingerprint,
        )
        severity = _SEVERITIES.get(finding.severity)
        if not (
            type(rule) is str
            and type(name) is str
            and type(message) is str
            and type(resource) is str
            and type(resource_type) is str
            and type(source) is str
            and type(file) is str
            and type(fingerprint) is str
            and type(line) is int
            and type(end_line) is int
            and severity is not None
        ):
            return "    " + _nested(_finding(finding), "\n    ")
        head = heads.get((rule, name, severity))
        if head is None:
            head = heads[rule, name, severity] = (
                f'    {{{_IN_FINDING}"rule": {e(rule)},{_IN_FINDING}"name": {e(name)},'
                f'{_IN_FINDING}"severity": {severity},{_IN_FINDING}"message": '
            )
        kind = kinds.get((resource_type, source))
        if kind is None:
            kind = kinds[resource_type, source] = (
                f'{_IN_FINDING}"resource_type": {e(resource_type)},{_IN_FINDING}"source": {e(source)},'
            )
        shown_file = texts.get(file)
        if shown_file is None:
            shown_file = texts[file] = e(file)
        shown_resource = texts.get(resource)
        if shown_resource is None:
            shown_resource = texts[resource] = e(resource)
        path = _nested(list(finding.path), _IN_FINDING) if finding.path else "[]"
        provenance = _nested(_places(finding.provenance), _IN_FINDING) if finding.provenance else "[]"
        related = (
            f',{_IN_FINDING}"related": {_nested(_places(finding.related), _IN_FINDING)}' if finding.related else ""
        )
        if message.isascii() and not message.encode("ascii").translate(None, _PLAIN):
            shown_message = f'"{message}"'  # as ``e`` writes it, at half the cost (MoJ: 11M characters of messages)
        else:
            shown_message = e(message)
        return (
            f"{head}{shown_message},{_IN_FINDING}"
            f'"resource": {shown_resource},{kind}{_IN_FINDING}"file": {shown_file},'
            f'{_IN_FINDING}"line": {int.__repr__(line)},{_IN_FINDING}"end_line": {int.__repr__(end_line)},'
            f'{_IN_FINDING}"path": {path},{_IN_FINDING}"provenance": {provenance},'
            f'{_IN_FINDING}"fingerprint": {e(fingerprint)}{related}\n    }}'
        )

    return text


# what JSON writes as it is between quotes (``encode_basestring_ascii``): printable ASCII but for a quote or backslash
_PLAIN = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')
_SEVERITIES = {severity: encode_basestring_ascii(severity.value) for severity in Severity}  # written once each


def _nested(value: Any, newline: str) -> str:
    """``value`` as ``json_text`` writes it where its lines start with ``newline`` (a JSON text holds no raw new
    line but those between its values: each is indented further)."""
    if not value and type(value) in (list, dict):
        return "[]" if type(value) is list else "{}"
    text = json_text(value)
    return text.replace("\n", newline)


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
        "provenance": _places(finding.provenance),
        "fingerprint": finding.fingerprint,
    }
    if finding.related:  # located at a module call in a named file: where the resource itself is
        found["related"] = _places(finding.related)
    return found


def _places(places: tuple[Place, ...]) -> list[dict[str, Any]]:
    return [{"file": p.file, "line": p.line, "what": p.what} for p in places]
