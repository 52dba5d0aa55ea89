"""A file could not be read or parsed; the rest of the run continues.

What it does
    Reports every Terraform or Kubernetes file that ownlint could not read (binary, not UTF-8,
    too large, permission denied) or parse (invalid HCL, invalid YAML or JSON), at the line
    where the parser stopped.

Why it matters
    A file that cannot be parsed is a file whose resources are not checked. Reporting it keeps
    a broken file from silently hiding unowned resources, without stopping the other files.

Example
    Fails::

        resource "aws_s3_bucket" "logs" {
          bucket = "logs"
        # the closing brace is missing

    Passes::

        resource "aws_s3_bucket" "logs" {
          bucket = "logs"
        }

Options
    None. Helm chart templates are not parsed (render them with ``helm template``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity, fingerprint
from ownlint.rules.base import RuleContext

CODE = "OWN000"
NAME = "parse-error"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    for problem in context.problems:
        source = "terraform" if problem.file.endswith((".tf", ".tfvars")) else "kubernetes"
        yield Finding(
            rule=CODE,
            name=NAME,
            severity=SEVERITY,
            message=problem.message,
            resource="",
            resource_type="",
            source=source,
            file=problem.file,
            line=problem.line,
            end_line=problem.line,
            fingerprint=fingerprint(CODE, None, problem.file, problem.message),
        )
