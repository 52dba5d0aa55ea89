"""An MSP identity can reach data its boundary denies, through trust, grants, workloads and bindings.

What it does
    Walks the resource graph from every declared MSP identity (``parties.msp.NAME.identities``:
    AWS principals, Kubernetes subjects, GCP members, Azure principals) over ``assumes``, ``grants``,
    ``uses`` and ``operates`` edges: a trust policy that lets the MSP's account assume a role, the
    policies attached to that role and what they allow, a RoleBinding whose subject is the MSP's
    group, the workloads the MSP operates and the ServiceAccount and cloud role they run as
    (IRSA, GKE workload identity). Every resource on such a path whose facts a ``boundaries``
    entry denies (``deny: {from: {party: msp}, to: {data-classification: [restricted]}}``) is a
    finding, with the shortest path hop by hop, each hop with the file and line that makes it true.

Why it matters
    The in-house team stays accountable for data governance; an external party reaching internal
    data is the central risk of the hybrid model. No single resource shows it: the trust policy,
    the attachment, the policy and the bucket are each fine on their own.

Example
    With ``acme-msp`` declaring ``aws_principals: ["arn:aws:iam::111122223333:root"]``, fails::

        resource "aws_iam_role" "ops" {
          assume_role_policy = jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole",
            Principal = {AWS = "arn:aws:iam::111122223333:root"}}]})
        }
        resource "aws_iam_role_policy" "read" {
          role   = aws_iam_role.ops.name
          policy = jsonencode({Statement = [{Effect = "Allow", Action = "s3:GetObject",
            Resource = "${aws_s3_bucket.ledger.arn}/*"}]})
        }
        resource "aws_s3_bucket" "ledger" { tags = { data-classification = "restricted" } }

    Passes: the same role granted ``aws_s3_bucket.brochures`` tagged ``data-classification = "public"``.

Options
    ``boundaries`` (path boundaries: ``from.party`` an MSP name or ``msp``, ``from.location``,
    ``to`` facts and denied values); the MSP identities under ``parties.msp``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.rules.base import RuleContext
from ownlint.rules.paths import crossings, path_finding

CODE = "OWN008"
NAME = "access-boundary"
SEVERITY = Severity.ERROR
ACCESS = frozenset({"assumes", "grants", "uses", "operates"})


def check(context: RuleContext) -> Iterator[Finding]:
    if not context.config.msps or not context.config.boundaries:
        return
    for crossing in crossings(context, ACCESS):
        yield path_finding(CODE, NAME, SEVERITY, context, crossing, "reachable")
