"""``--format junit``: JUnit XML, one test case per finding (a failure), grouped in one suite per rule.

A clean run still has one passing case, so CI test views show that the check ran. Files are named from the
top of the repository, as in SARIF, GitHub and GitLab output: code hosts link a case's ``file`` from there.
Repository text is escaped as on a terminal: the XML is well-formed whatever the names hold, and safe in a
CI log.
"""

from __future__ import annotations

from itertools import groupby
from xml.etree import ElementTree

from ownlint.model import Finding, Report
from ownlint.report.escape import terminal
from ownlint.report.paths import plural


def render(report: Report, colour: bool = False) -> str:
    suites = ElementTree.Element("testsuites", name="ownlint", tests="0", failures="0")
    by_rule = sorted(report.findings, key=lambda f: f.rule)
    total = 0
    for rule, group in groupby(by_rule, key=lambda f: f.rule):
        findings = list(group)
        total += len(findings)
        suite = ElementTree.SubElement(
            suites, "testsuite", name=f"ownlint.{rule}", tests=str(len(findings)), failures=str(len(findings))
        )
        for finding in findings:
            _case(suite, finding, report.repository_path(finding.file))
    if total == 0:
        suite = ElementTree.SubElement(suites, "testsuite", name="ownlint", tests="1", failures="0")
        ElementTree.SubElement(
            suite, "testcase", name=f"no findings in {plural(report.files, 'file')}", classname="ownlint"
        )
        total = 1
    suites.set("tests", str(total))
    suites.set("failures", str(len(report.findings)))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def _case(suite: ElementTree.Element, finding: Finding, path: str) -> None:
    file, message = terminal(path), terminal(finding.message)
    name = f"{finding.rule} {terminal(finding.resource or path)}"
    case = ElementTree.SubElement(suite, "testcase", name=name, classname=file, file=file)
    case.set("line", str(finding.line))
    failure = ElementTree.SubElement(case, "failure", message=message, type=finding.severity.value)
    details = [f"{file}:{finding.line}: {finding.rule} {finding.name}: {message}"]
    details.extend(f"  from {terminal(str(place))}" for place in finding.provenance)
    details.extend(f"  path {terminal(hop)}" for hop in finding.path)
    failure.text = "\n".join(details)
