"""An offshore (or nearshore) MSP operates data whose compliance scope forbids it.

What it does
    For every resource with an operating MSP (its owner is an MSP, or ``operated-by`` names one,
    or says ``msp`` with that MSP's contract id, or there is only one MSP), compares the MSP's
    ``location`` with the residency ``boundaries``: ``deny: {operator_location: [offshore],
    compliance-scope: [gdpr, hipaa]}`` fails a resource in GDPR or HIPAA scope run by an offshore
    MSP. Facts come from the resource's own tags or labels, or from its namespace.

Why it matters
    Regulated data often may not be administered from outside a jurisdiction; the contract with an
    offshore provider does not change what the regulation allows.

Example
    With ``acme-msp: {location: offshore}``, fails::

        resource "aws_db_instance" "customers" {
          tags = { owner = "data-eng", operated-by = "acme-msp", compliance-scope = "gdpr" }
        }

    Passes: ``operated-by = "internal"``, or an onshore MSP.

Options
    ``boundaries`` entries with ``operator_location``; ``parties.msp.NAME.location``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Severity
from ownlint.ownership import OPERATOR, OWNER, operating_msp
from ownlint.rules.base import RuleContext, finding
from ownlint.rules.paths import covers, denied_by

CODE = "OWN010"
NAME = "residency"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    boundaries = [b for b in config.boundaries if b.is_residency]
    if not boundaries or not config.msps:
        return
    covered: dict[str, bool] = {}  # by type: whether a boundary covers its category (none denies the rest)
    for resource in context.resources:
        judged = covered.get(resource.type)
        if judged is None:
            judged = covered[resource.type] = any(covers(config, b, resource.type) for b in boundaries)
        if not judged:
            continue  # four in five of a 4k-resource estate: its operating MSP was asked for nothing
        name = operating_msp(config, resource, context.fact)
        msp = config.msps.get(name) if name is not None else None
        if msp is None:
            continue
        for boundary in boundaries:
            binding = msp.location in boundary.operator_locations
            denied = denied_by(config, boundary, resource, fact_of=context.fact) if binding else None
            if denied is None:
                continue
            fact_name, value, provenance = denied
            operator = context.fact(resource, OPERATOR).provenance or context.fact(resource, OWNER).provenance
            message = (
                f"{resource.address} is in {fact_name} {value} but operated by {msp.location} MSP {msp.name!r}: "
                f"boundary {boundary.name!r}"
            )
            yield finding(CODE, NAME, SEVERITY, resource, message, (*provenance, *operator))
            break
