"""Issue 20: the JSON report writes a plain message (printable ASCII, no quote or backslash) as it is between quotes,
and counts its findings by rule and severity in C; any other message is escaped as ``json.dumps`` escapes it. The
text stays ``json.dumps``'s own, ``##[`` escaped."""

from __future__ import annotations

import json
from dataclasses import replace

from tests.test_scaling import _report

from ownlint.model import Report, Severity
from ownlint.report.escape import json_without_commands
from ownlint.report.findings import json as json_format

MESSAGES = [
    "plain words (a.tf:3) or to Namespace/x",
    'provider "aws" default_tags',
    "back\\slash",
    "line\nbreak\ttab",
    "del\x7fchar",
    "caf\u00e9 \u202e and \U0001f600",
    "##[warning] a command",
    "",
    " ~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
]


def test_messages_are_written_as_json_writes_them() -> None:
    base = _report(len(MESSAGES) * 3)
    findings = [replace(f, message=MESSAGES[i % len(MESSAGES)]) for i, f in enumerate(base.findings)]
    findings.append(replace(findings[0], severity=Severity.WARNING, rule="OWN999"))
    report = Report(tuple(findings), 3, 4, base.rule_ids, base.rules)
    text = json_format.render(report)
    loaded = json.loads(text)
    assert [f["message"] for f in loaded["findings"]] == [f.message for f in findings]
    assert text == json_without_commands(json.dumps(loaded, indent=2)) + "\n"
    assert "##[" not in text
    summary = loaded["summary"]
    assert list(summary["by_rule"]) == [*base.rule_ids, "OWN999"]
    assert summary["by_rule"]["OWN001"] == len(findings) - 1 and summary["by_rule"]["OWN999"] == 1
    assert summary["by_severity"] == {"error": len(findings) - 1, "warning": 1, "info": 0}
