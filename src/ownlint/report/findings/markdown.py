"""``--format markdown``: a table for a pull request comment or a GitHub step summary.

Files are named from the current directory, as in the text format (in CI that is the top of the checkout).
"""

from __future__ import annotations

import os

from ownlint.model import Report, Severity
from ownlint.report.escape import markdown, markdown_code
from ownlint.report.paths import HumanPaths, config_shown, for_humans, plural

ICONS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def render(report: Report, colour: bool = False) -> str:
    total = len(report.findings)
    scanned = f"in {plural(report.files, 'file')} ({plural(report.resources, 'resource')}){_config(report)}."
    if not total:
        return f"### ownlint\n\nNo findings {scanned}\n"
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    parts = ", ".join(plural(n, s.value) for s, n in counts.items() if n)
    lines = [
        "### ownlint",
        "",
        f"{plural(total, 'finding')} ({parts}) {scanned}",
        "",
        "| severity | rule | resource | location | message |",
        "|---|---|---|---|---|",
    ]
    paths = HumanPaths.of(report)
    for finding in report.findings:
        location = markdown_code(f"{paths.file(finding.file)}:{finding.line}")
        resource = markdown_code(finding.resource)
        message = "<br>".join(markdown(part) for part in (finding.message, *finding.path))
        lines.append(
            f"| {ICONS[finding.severity]} | {finding.rule} {finding.name} | {resource} | {location} | {message} |"
        )
    return "\n".join(lines) + "\n"


def _config(report: Report) -> str:
    """``, config `ownlint.yaml``` (a path as code), or ``, preset hybrid-it``."""
    if not report.config:
        return ""
    if os.path.isabs(report.config):
        return f", config {markdown_code(for_humans(report.config))}"
    return f", {markdown(config_shown(report.config))}"
