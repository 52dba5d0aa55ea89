"""``--format markdown``: a table for a pull request comment or a GitHub step summary."""

from __future__ import annotations

from ownlint.model import Report, Severity
from ownlint.report.escape import markdown, markdown_code

ICONS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def render(report: Report) -> str:
    total = len(report.findings)
    if not total:
        return f"### ownlint\n\nNo findings in {report.files} files ({report.resources} resources).\n"
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    parts = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    lines = [
        "### ownlint",
        "",
        f"{total} finding{'s' if total != 1 else ''} ({parts}) in {report.files} files ({report.resources} resources).",
        "",
        "| severity | rule | resource | location | message |",
        "|---|---|---|---|---|",
    ]
    for finding in report.findings:
        location = markdown_code(f"{report.repository_path(finding.file)}:{finding.line}")
        resource = markdown_code(finding.resource)
        message = "<br>".join(markdown(part) for part in (finding.message, *finding.path))
        lines.append(
            f"| {ICONS[finding.severity]} | {finding.rule} {finding.name} | {resource} | {location} | {message} |"
        )
    return "\n".join(lines) + "\n"
