"""An MSP's network range is admitted to a resource its boundary denies.

What it does
    Follows ``admits`` and ``selects`` edges from every declared MSP's ``cidrs``: security group
    ingress (inline ``ingress`` blocks, ``aws_security_group_rule``,
    ``aws_vpc_security_group_ingress_rule``) whose CIDRs overlap an MSP range (containment, not
    string equality: ``0.0.0.0/0`` admits everyone), then the databases, instances and functions
    that security group is attached to; Kubernetes NetworkPolicy ingress ``ipBlock`` (minus
    ``except``) and LoadBalancer ``loadBalancerSourceRanges``, then the workloads they select.
    A resource reached whose facts a path boundary denies is a finding with the path; besides the
    boundary's categories (data and security by default), workloads count: a Deployment labelled
    ``data-classification: restricted`` (or in a namespace so labelled) must not be reachable either.

Why it matters
    Network reach is access: a restricted database an MSP's office range can connect to is one
    leaked credential away from an external party reading it.

Example
    With ``acme-msp`` declaring ``cidrs: ["203.0.113.0/24"]``, fails::

        resource "aws_security_group" "db" {
          ingress { from_port = 5432, to_port = 5432, protocol = "tcp", cidr_blocks = ["203.0.113.0/24"] }
        }
        resource "aws_db_instance" "ledger" {
          vpc_security_group_ids = [aws_security_group.db.id]
          tags = { data-classification = "restricted" }
        }

    Passes: the security group admits only ``10.20.0.0/16``.

Options
    ``boundaries`` (path boundaries, as for OWN008); ``parties.msp.NAME.identities.cidrs``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.rules.base import RuleContext
from ownlint.rules.paths import crossings, path_finding

CODE = "OWN009"
NAME = "network-boundary"
SEVERITY = Severity.ERROR
NETWORK = frozenset({"admits", "selects"})


def check(context: RuleContext) -> Iterator[Finding]:
    if not any(m.cidrs for m in context.config.msps.values()) or not context.config.boundaries:
        return
    # a workload that handles restricted data is itself what must not be reachable over the network
    for crossing in crossings(context, NETWORK, also=("compute",)):
        yield path_finding(CODE, NAME, SEVERITY, context, crossing, "network-reachable")
