"""A label that the resource's category requires is absent.

What it does
    Each category lists the facts its resources must also carry (``categories.NAME.requires``).
    In ``hybrid-it``: security resources need ``data-classification``; data resources need
    ``data-classification`` and ``compliance-scope``. One finding per resource names every
    missing one and the best place to add them.

Why it matters
    Classification and compliance scope decide who may reach the data (OWN008), where it may be
    operated from (OWN010) and what audits cover it. Without them those checks cannot be made.

Example
    Fails::

        resource "aws_s3_bucket" "exports" {
          tags = { owner = "data-eng", operated-by = "internal" }
        }

    Passes::

        resource "aws_s3_bucket" "exports" {
          tags = {
            owner = "data-eng", operated-by = "internal"
            data-classification = "confidential", compliance-scope = "gdpr"
          }
        }

Options
    ``categories.NAME.requires`` (fact names declared under ``keys``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.ownership import category_of
from ownlint.rules.base import RuleContext, finding, fix_hint, missing

CODE = "OWN005"
NAME = "missing-compliance-label"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    required = tuple(dict.fromkeys(name for c in config.categories for name in c.requires))
    for resource, said in context.owned_tagged(required):
        category = category_of(config, resource.type)
        if not category.requires:
            continue
        absent = [name for name in category.requires if missing(said, resource, name)]
        if absent:
            names = ", ".join(absent)
            message = f"{resource.address} ({category.name}) is missing {names}; {fix_hint(resource, names)}"
            yield finding(CODE, NAME, SEVERITY, resource, message)
