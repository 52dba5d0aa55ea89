"""What an audit records of each resource: who owns and runs it, under which category and labels.

``party`` is the responsibility split the reports show: ``internal``, ``msp:NAME``, ``shared``,
``unowned`` (no owner), ``unknown`` (an owner that cannot be known statically) or ``invalid``
(an owner that is not a declared party).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ownlint.config import Config
from ownlint.model import Fact, Resource, State
from ownlint.ownership import OPERATOR, OWNER, category_of, fact, msp_named, needs_ownership, party_kind

CLASSIFICATION = "data-classification"
COMPLIANCE = "compliance-scope"


@dataclass(frozen=True)
class InventoryRow:
    address: str
    resource_type: str
    source: str
    file: str
    line: int
    stack: str
    namespace: str | None
    category: str
    in_scope: bool  # taggable and not exempt: counted in the coverage
    owner: str | None
    owner_state: str  # present, missing, unknown
    party: str
    operator: str | None
    operator_state: str
    classification: str | None
    compliance_scope: str | None
    suggested_owner: str | None = None
    suggestion_evidence: str | None = None


def inventory(config: Config, resources: Iterable[Resource]) -> list[InventoryRow]:
    """One row per resource (``for_each`` instances already folded into one), in address order."""
    rows = [_row(config, r) for r in resources if r.type != "module"]
    return sorted(rows, key=lambda row: (row.stack, row.address, row.file))


def _row(config: Config, resource: Resource) -> InventoryRow:
    owner = fact(config, resource, OWNER)
    operator = fact(config, resource, OPERATOR)
    return InventoryRow(
        address=resource.address,
        resource_type=resource.type,
        source=resource.source,
        file=resource.file,
        line=resource.line,
        stack=resource.stack or ".",
        namespace=resource.namespace,
        category=category_of(config, resource.type).name,
        in_scope=needs_ownership(config, resource),
        owner=owner.value,
        owner_state=owner.state.value,
        party=party_of(config, owner, operator),
        operator=operator.value,
        operator_state=operator.state.value,
        classification=_value(fact(config, resource, CLASSIFICATION)),
        compliance_scope=_value(fact(config, resource, COMPLIANCE)),
    )


def party_of(config: Config, owner: Fact, operator: Fact) -> str:
    """Who answers for the resource: an MSP that owns or runs it, a shared operation, the owning team."""
    if owner.state is State.MISSING:
        return "unowned"
    if owner.state is State.UNKNOWN or owner.value is None:
        return "unknown"
    owning_msp = msp_named(config, owner.value)
    if owning_msp is not None:
        return f"msp:{owning_msp}"
    if config.parties_declared and party_kind(config, owner.value) is None:
        return "invalid"
    running = operator.value if operator.state is State.PRESENT and operator.value else ""
    if running.lower() == "shared":
        return "shared"
    operating_msp = msp_named(config, running)
    return f"msp:{operating_msp}" if operating_msp is not None else "internal"


def _value(found: Fact) -> str | None:
    return found.value if found.state is State.PRESENT else None


def with_suggestions(rows: list[InventoryRow], suggestions: Mapping[str, tuple[str, str]]) -> list[InventoryRow]:
    """``rows`` with the suggested owner and its evidence of each unowned one (by address)."""
    from dataclasses import replace

    return [
        replace(row, suggested_owner=suggestions[key][0], suggestion_evidence=suggestions[key][1])
        if (key := row_key(row)) in suggestions
        else row
        for row in rows
    ]


def row_key(row: InventoryRow) -> str:
    return f"{row.stack}//{row.address}"
