"""What an audit records of each resource: who owns and runs it, under which category and labels.

Accountability and operation are two columns, as in the model: ``party`` is the party of the owner,
who answers for the resource (``internal``, ``msp:NAME``, ``msp`` for an MSP not named, ``unowned``: no
owner, ``unknown``: an owner that cannot be known statically, ``invalid``: an owner that is not a declared
party); ``operator_party`` is who runs it (``internal``, ``msp:NAME``, ``msp``, ``shared``, ``unset``,
``unknown``, ``invalid``; ``unrecorded`` in rows of stores older than schema 4). An MSP that runs what a
team owns never makes the team's resource the MSP's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ownlint.config import Config
from ownlint.model import Fact, Resource, State
from ownlint.ownership import (
    OPERATOR,
    OWNER,
    category_of,
    fact,
    msp_named,
    needs_ownership,
    operating_msp,
    operator_kind,
    party_kind,
)

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
    operator_party: str = "unset"
    instances: tuple[str, ...] = ()  # the for_each/count instance addresses it stands for (empty: all)
    suggested_owner: str | None = None
    suggestion_strength: str | None = None  # strong, medium, weak (see audit.suggest)
    suggestion_evidence: tuple[str, ...] = ()


def inventory(config: Config, resources: Iterable[Resource]) -> list[InventoryRow]:
    """One row per resource, in address order: ``for_each`` instances whose facts agree are one row (with
    no instance named), else one row per variant, naming the instances it stands for."""
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
        party=party_of(config, owner),
        operator=operator.value,
        operator_state=operator.state.value,
        classification=_value(fact(config, resource, CLASSIFICATION)),
        compliance_scope=_value(fact(config, resource, COMPLIANCE)),
        operator_party=operator_party(config, resource, operator),
        instances=resource.instances,
    )


def party_of(config: Config, owner: Fact) -> str:
    """The party accountable for the resource: its owner's (whoever operates it)."""
    if owner.state is State.MISSING:
        return "unowned"
    if owner.state is State.UNKNOWN or owner.value is None:
        return "unknown"
    owning_msp = msp_named(config, owner.value)
    if owning_msp is not None:
        return f"msp:{owning_msp}"
    kind = party_kind(config, owner.value)
    if kind == "msp":
        return "msp"
    return "invalid" if config.parties_declared and kind is None else "internal"


def operator_party(config: Config, resource: Resource, operator: Fact) -> str:
    """Who runs the resource: ``operated-by`` as a party (an MSP named by its contract when the value is
    just ``msp``)."""
    if operator.state is State.MISSING:
        return "unset"
    if operator.state is State.UNKNOWN or operator.value is None:
        return "unknown"
    kind = operator_kind(config, operator.value)
    if kind == "msp":
        named = msp_named(config, operator.value) or operating_msp(config, resource)
        return f"msp:{named}" if named is not None else "msp"
    return kind if kind is not None else "invalid"


def _value(found: Fact) -> str | None:
    return found.value if found.state is State.PRESENT else None


def with_suggestions(rows: list[InventoryRow], suggestions: Mapping[str, Suggested]) -> list[InventoryRow]:
    """``rows`` with the suggested owner, its strength and its evidence of each unowned one (by address)."""
    from dataclasses import replace

    return [
        replace(
            row,
            suggested_owner=suggestions[key].owner,
            suggestion_strength=suggestions[key].strength,
            suggestion_evidence=suggestions[key].evidence,
        )
        if (key := row_key(row)) in suggestions
        else row
        for row in rows
    ]


def row_key(row: InventoryRow) -> str:
    return f"{row.stack}//{row.address}"


@dataclass(frozen=True)
class Suggested:
    """A suggested owner (None when the evidence is too weak or conflicts), how strong, and why."""

    owner: str | None
    strength: str | None
    evidence: tuple[str, ...]
