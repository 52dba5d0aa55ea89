"""An ownership value cannot be known statically; says why.

What it does
    Reports resources whose owner, operator, required labels or MSP facts are present but not
    knowable without running Terraform: a variable with no default and no tfvars value, an
    attribute known only after apply, a function ownlint does not evaluate, a tag map built from
    an unknown value. The message gives the reason and where the value comes from.

Why it matters
    Unknown is neither missing nor valid. Treating it as missing gives false positives (the
    complaint against most tag checkers); silently passing it hides unowned resources. This rule
    makes it visible and says what to pin down, e.g. a default or a ``terraform.tfvars`` entry.

Example
    Fails (as a warning)::

        variable "team" {}
        resource "aws_sqs_queue" "jobs" {
          tags = { owner = var.team }
        }

    Passes::

        variable "team" { default = "platform" }

Options
    Severity ``warning`` by default; ``rules: {OWN012: {severity: off}}`` turns it off, or
    ``error`` makes unknowns block.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Place, Severity
from ownlint.ownership import CONTRACT, ESCALATION, OPERATOR, OWNER, UNKNOWN, category_of
from ownlint.rules.base import RuleContext, finding, missing

CODE = "OWN012"
NAME = "unresolved-ownership"
SEVERITY = Severity.WARNING
NOT_A_MAP = ", not a map ("  # the loader's reason for tags that are known but are no map


def check(context: RuleContext) -> Iterator[Finding]:
    config, fact = context.config, context.fact
    asked: dict[str, tuple[str, ...]] = {}  # the facts asked, by resource type (its category's requires)
    required = (name for category in config.categories for name in category.requires)
    every = tuple(dict.fromkeys([OWNER, OPERATOR, *required, CONTRACT, ESCALATION]))
    for resource, said in context.owned_tagged(every):
        names = asked.get(resource.type)
        if names is None:
            requires = category_of(config, resource.type).requires
            names = asked[resource.type] = tuple(dict.fromkeys([OWNER, OPERATOR, *requires, CONTRACT, ESCALATION]))
        if not said and not resource.opaque:
            continue  # all missing: none unknown
        reasons: list[str] = []
        provenance: list[Place] = []
        for name in names:
            current = said.get(name)
            if current is None:
                if missing(said, resource, name) or name in (CONTRACT, ESCALATION):
                    continue  # missing; or unknown for the opaque reason, only asked of MSP-run resources
                current = fact(resource, name)
            if current.state is not UNKNOWN:
                continue
            where = f" ({current.provenance[0]})" if current.provenance else ""
            reasons.append(f"{name}: {current.reason}{where}")
            provenance.extend(current.provenance[:1])
        if reasons:  # a known value that is no map (``tags is a string, not a map``) is not called unknown
            known = all(NOT_A_MAP in reason for reason in reasons)
            message = f"{resource.address}: {'' if known else 'cannot be known statically: '}" + "; ".join(reasons)
            yield finding(CODE, NAME, SEVERITY, resource, message, tuple(provenance))
