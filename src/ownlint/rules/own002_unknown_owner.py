"""The owner is not a declared internal team or MSP.

What it does
    When ``parties`` declares the organisation's internal teams and MSPs, checks that every
    present owner value names one of them (case-insensitively). Suggests the closest name.
    Does nothing when no parties are declared.

Why it matters
    A typo or a departed team in the owner tag is as bad as no owner: alerts, bills and access
    reviews go nowhere. Declaring the parties turns free text into a checked reference.

Example
    With ``parties: {internal: [platform, data-eng]}``, fails::

        tags = { owner = "data-engineering" }

    Passes::

        tags = { owner = "data-eng" }

Options
    ``parties.internal`` (team names) and ``parties.msp`` (MSP names with their contracts).
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.config import did_you_mean
from ownlint.model import Finding, Severity
from ownlint.ownership import OWNER, PRESENT, party_kind
from ownlint.rules.base import RuleContext, finding, quoted_provenance

CODE = "OWN002"
NAME = "unknown-owner"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    if not config.parties_declared:
        return
    declared = sorted(config.internal) + sorted(config.msps)
    kinds = context.kinds(party_kind)  # by owner value, for the run: an estate names a few parties many times
    for resource, said in context.owned_tagged((OWNER,)):
        owner = said.get(OWNER)
        if owner is None or owner.state is not PRESENT or owner.value is None:
            continue
        if kinds[owner.value] is None:
            message = (
                f"owner {owner.value!r} of {resource.address} is not a declared party "
                f"({', '.join(declared)}){did_you_mean(owner.value, declared)}; "
                f"set at {quoted_provenance(owner.provenance)}"
            )
            yield finding(CODE, NAME, SEVERITY, resource, message, owner.provenance)
