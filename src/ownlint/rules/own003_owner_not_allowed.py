"""The resource's category requires an internal owner, but an MSP owns it.

What it does
    Finds the resource's category in the responsibility matrix (``categories``, matched by type
    pattern such as ``aws_iam_*`` or ``k8s:ClusterRoleBinding``) and checks that the kind of its
    owner (internal team or MSP) is one the category allows. In the ``hybrid-it`` preset, identity,
    security and data must be owned internally.

Why it matters
    The in-house team stays accountable for identity, security and data governance even when an
    MSP runs the infrastructure; an MSP owning an IAM role or a customer database is a loss of
    control the organisation did not decide on.

Example
    With ``parties: {msp: {acme-msp: {...}}}``, fails::

        resource "aws_iam_role" "deploy" {
          tags = { owner = "acme-msp" }
        }

    Passes::

        resource "aws_iam_role" "deploy" {
          tags = { owner = "platform", operated-by = "internal" }
        }

Options
    ``categories.NAME.owners``: ``[internal]``, ``[msp]`` or ``[internal, msp]``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.ownership import OWNER, PRESENT, category_of, party_kind
from ownlint.rules.base import RuleContext, finding, quoted_provenance

CODE = "OWN003"
NAME = "owner-not-allowed"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    kinds = context.kinds(party_kind)  # by owner value, for the run: an estate names a few parties many times
    for resource, said in context.owned_tagged((OWNER,)):
        owner = said.get(OWNER)
        if owner is None or owner.state is not PRESENT or owner.value is None:
            continue
        kind = kinds[owner.value]
        category = category_of(config, resource.type)
        if kind is not None and kind not in category.owners:
            allowed = " or ".join(sorted(category.owners))
            message = (
                f"{resource.address} is owned by {kind} party {owner.value!r}, but {category.name} "
                f"resources must be owned by {allowed}; set at {quoted_provenance(owner.provenance)}"
            )
            yield finding(CODE, NAME, SEVERITY, resource, message, owner.provenance)
