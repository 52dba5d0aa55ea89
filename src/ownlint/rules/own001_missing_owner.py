"""A resource that can carry tags has no owner after inheritance.

What it does
    Looks for the ``owner`` fact (keys from ``keys.owner``, by default ``owner`` or ``team``,
    matched case-insensitively) on every taggable, non-exempt resource: its own tags or labels,
    then what it inherits (AWS provider ``default_tags``, Google ``default_labels``, a Kubernetes
    workload's pod template, its Namespace's labels and annotations). Reports the resource when
    none of them has it, and names the best place to add it.

Why it matters
    An unowned resource has nobody accountable for its cost, its security and its incidents:
    in a hybrid model it is exactly the resource that falls between the in-house team and the MSP.

Example
    Fails::

        resource "aws_sqs_queue" "jobs" {
          name = "jobs"
        }

    Passes::

        resource "aws_sqs_queue" "jobs" {
          name = "jobs"
          tags = { owner = "platform" }
        }

Options
    ``keys.owner`` sets the accepted key spellings; ``exempt`` lists types that need no owner.
    A value that cannot be known statically is not missing: it is reported by OWN012.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.ownership import OWNER, key_names
from ownlint.rules.base import RuleContext, finding, fix_hint, missing

CODE = "OWN001"
NAME = "missing-owner"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    keys = key_names(context.config, OWNER)  # asked of every resource: looked up once
    for resource, said in context.owned_tagged((OWNER,)):
        if missing(said, resource, OWNER):
            message = f"{resource.address} has no owner (looked for: {keys}); {fix_hint(resource, 'owner')}"
            yield finding(CODE, NAME, SEVERITY, resource, message)
