"""An MSP owns or operates the resource, but no valid contract or escalation contact is recorded.

What it does
    When the owner is an MSP, or ``operated-by`` is ``msp``, ``shared`` or an MSP's name, the
    resource must carry ``msp-contract`` and ``escalation-contact``. When parties are declared, the
    contract id must be one of that MSP's ``contracts`` (or any declared MSP's, when the operator
    is just ``msp``).

Why it matters
    Every MSP engagement is bound by a contract with SLAs and an escalation path. A resource an
    MSP runs without them is one where nobody can say which SLA applies or whom to call at 3 a.m.

Example
    With ``parties: {msp: {acme-msp: {contracts: [ACME-2025-01]}}}``, fails::

        tags = { owner = "platform", operated-by = "acme-msp" }

    Passes::

        tags = {
          owner = "platform", operated-by = "acme-msp"
          msp-contract = "ACME-2025-01", escalation-contact = "noc@acme.example"
        }

Options
    ``parties.msp.NAME.contracts``; the keys ``msp-contract`` and ``escalation-contact``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ownlint.config import Config
from ownlint.model import Fact, Finding, Resource, Severity
from ownlint.ownership import CONTRACT, ESCALATION, OPERATOR, OWNER, PRESENT, msp_named, operator_kind
from ownlint.rules.base import RuleContext, finding, fix_hint, missing

CODE = "OWN007"
NAME = "msp-accountability"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    config = context.config
    involved: dict[tuple[str | None, str | None], str | None] = {}  # by the present owner and operator values
    for resource, said in context.owned_tagged((OWNER, OPERATOR, CONTRACT, ESCALATION)):
        owner, operator = said.get(OWNER), said.get(OPERATOR)
        if owner is None and operator is None:
            continue  # neither says an MSP is involved
        pair = (
            owner.value if owner is not None and owner.state is PRESENT else None,
            operator.value if operator is not None and operator.state is PRESENT else None,
        )
        if pair in involved:  # an estate repeats a few pairs: each judged once, not per resource
            msp = involved[pair]
        else:
            msp = involved[pair] = _msp_involved(config, *pair)
        if msp is None:
            continue
        problems = _problems(config, said, resource, msp)
        if problems:
            who = f"MSP {msp!r}" if msp else "an MSP"
            message = f"{resource.address} is run by {who} but " + "; ".join(problems)
            yield finding(CODE, NAME, SEVERITY, resource, message)


def _msp_involved(config: Config, owner: str | None, operator: str | None) -> str | None:
    """The MSP's name ("" when only ``msp``/``shared`` is said), or None when no MSP is involved; ``owner`` and
    ``operator``: the values of the facts present (None: missing or unknown)."""
    for value in (owner, operator):
        if value is not None:
            named = msp_named(config, value)
            if named is not None:
                return named
    if owner and owner.lower() == "msp":
        return ""
    if operator and operator_kind(config, operator) in ("msp", "shared"):
        return ""
    return None


def _problems(config: Config, said: Mapping[str, Fact], resource: Resource, msp: str) -> list[str]:
    """What is wrong with the contract and escalation contact of ``resource`` (``said``: what its tags say)."""
    problems = []
    contract = said.get(CONTRACT)
    if missing(said, resource, CONTRACT):
        problems.append(f"has no {CONTRACT} ({fix_hint(resource, CONTRACT)})")
    elif contract is not None and contract.state is PRESENT and contract.value is not None and config.msps:
        valid = config.msps[msp].contracts if msp else tuple(c for m in config.msps.values() for c in m.contracts)
        if contract.value not in valid:
            listed = ", ".join(valid) or "none declared"
            problems.append(f"{CONTRACT} {contract.value!r} is not a contract of {msp or 'any MSP'} ({listed})")
    if missing(said, resource, ESCALATION):
        problems.append(f"has no {ESCALATION} ({fix_hint(resource, ESCALATION)})")
    return problems
