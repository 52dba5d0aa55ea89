"""``operated-by`` is missing, or names an operator the resource's category forbids.

What it does
    Checks the ``operator`` fact (keys from ``keys.operator``, by default ``operated-by``) on every
    taggable, non-exempt resource. Its value is ``internal``, ``msp`` or ``shared``, or the name of
    a declared party (a team counts as internal, an MSP as msp). Reports it when it is missing, or
    when the category (``categories.NAME.operators``) does not allow that kind of operator: in
    ``hybrid-it``, identity is operated internally only, and ``shared`` is allowed only for ``other``.

Why it matters
    Who runs a resource day to day decides who gets paged, who holds credentials and which
    contract applies. An MSP operating IAM is an external party administering access.

Example
    Fails::

        resource "aws_iam_role" "deploy" {
          tags = { owner = "platform", operated-by = "msp" }
        }

    Passes::

        resource "aws_iam_role" "deploy" {
          tags = { owner = "platform", operated-by = "internal" }
        }

Options
    ``keys.operator`` and ``categories.NAME.operators``. A value outside the allowed words and
    parties is reported by OWN006, an unknowable one by OWN012.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.ownership import OPERATOR, PRESENT, category_of, key_names, operator_kind
from ownlint.rules.base import RuleContext, finding, fix_hint, missing, quoted_provenance

CODE = "OWN004"
NAME = "operator-not-allowed"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    keys = key_names(config, OPERATOR)  # asked of every resource: looked up once
    first = keys.split(", ")[0]
    kinds = context.kinds(operator_kind)  # by operator value, for the run: an estate names a few many times
    for resource, said in context.owned_tagged((OPERATOR,)):
        if missing(said, resource, OPERATOR):
            message = (
                f"{resource.address} does not say who operates it (looked for: {keys}); {fix_hint(resource, first)}"
            )
            yield finding(CODE, NAME, SEVERITY, resource, message)
            continue
        operator = said.get(OPERATOR)
        if operator is None or operator.state is not PRESENT or operator.value is None:
            continue
        kind = kinds[operator.value]
        category = category_of(config, resource.type)
        if kind is not None and kind not in category.operators:
            allowed = ", ".join(sorted(category.operators))
            message = (
                f"{resource.address} is operated by {operator.value!r} ({kind}), but {category.name} "
                f"resources may be operated by {allowed} only; set at {quoted_provenance(operator.provenance)}"
            )
            yield finding(CODE, NAME, SEVERITY, resource, message, operator.provenance)
