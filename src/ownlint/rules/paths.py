"""What the boundary rules share: which boundaries bind an MSP, what a resource's facts deny, and
findings that list their path hop by hop (not a rule: the registry lists rules explicitly)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from ownlint.config import Boundary, Config, Msp
from ownlint.model import Edge, Finding, Place, Resource, Severity, State, fingerprint, msp_id
from ownlint.ownership import category_of, fact, fact_values
from ownlint.rules.base import RuleContext, finding


@dataclass(frozen=True)
class Crossing:
    """A resource a boundary denies, reached from an MSP identity by ``path``."""

    boundary: Boundary
    msp: Msp
    resource: Resource
    denied: tuple[str, str, tuple[Place, ...]]  # fact, value, provenance
    path: tuple[Edge, ...]


def binds(boundary: Boundary, msp: Msp) -> bool:
    """Whether a path boundary's ``from`` covers ``msp``."""
    parties = {p.lower() for p in boundary.from_parties}
    named = "msp" in parties or msp.name.lower() in parties
    return named and (not boundary.from_locations or msp.location in boundary.from_locations)


def denied_by(
    config: Config, boundary: Boundary, resource: Resource, also: tuple[str, ...] = ()
) -> tuple[str, str, tuple[Place, ...]] | None:
    """The first fact of ``resource`` whose value the boundary denies (resources of its categories,
    and of the categories ``also`` names)."""
    if category_of(config, resource.type).name not in (*boundary.categories, *also):
        return None
    for name, values in boundary.to.items():
        current = fact(config, resource, name)
        if current.state is not State.PRESENT or current.value is None:
            continue
        for value in fact_values(name, current.value):
            if value.lower() in values:
                return name, value, current.provenance
    return None


def crossings(context: RuleContext, kinds: frozenset[str], also: tuple[str, ...] = ()) -> Iterator[Crossing]:
    """Every denied resource an MSP reaches over ``kinds``: one shortest path per way in (the role it
    assumes, the binding naming it, the workload it operates), since each must be closed on its own."""
    config = context.config
    wanted = {r.node_id for r in context.resources}
    boundaries = [b for b in config.boundaries if not b.is_residency]
    for msp in config.msps.values():
        applicable = [b for b in boundaries if binds(b, msp)]
        if not applicable:
            continue
        graph = context.graph
        for entry in graph.entries(msp_id(msp.name), kinds):
            for node, path in sorted(graph.paths_through(entry, kinds).items()):
                resource = graph.resource(node)
                denied = _first_denied(config, applicable, resource, also) if node in wanted and resource else None
                if denied is not None and resource is not None:
                    yield Crossing(denied[0], msp, resource, denied[1], path)


def _first_denied(
    config: Config, boundaries: list[Boundary], resource: Resource, also: tuple[str, ...]
) -> tuple[Boundary, tuple[str, str, tuple[Place, ...]]] | None:
    for boundary in boundaries:
        denied = denied_by(config, boundary, resource, also)
        if denied is not None:
            return boundary, denied
    return None


def path_finding(
    code: str, name: str, severity: Severity, context: RuleContext, crossing: Crossing, verb: str
) -> Finding:
    """One finding per path: on the resource reached, fingerprinted by the MSP it is reached from."""
    graph = context.graph
    start = msp_id(crossing.msp.name)
    hops = [graph.shown(start), *(graph.hop(edge) for edge in crossing.path)]
    fact_name, value, provenance = crossing.denied
    resource = crossing.resource
    message = (
        f"{resource.address} ({fact_name} {value}) is {verb} by MSP {crossing.msp.name!r} in "
        f"{len(crossing.path)} hop{'s' if len(crossing.path) != 1 else ''}: boundary {crossing.boundary.name!r}"
    )
    found = finding(code, name, severity, resource, message, provenance)
    far_end = f"{start} -> {crossing.path[0].target}"  # the MSP and its way in: one finding per path
    nodes = (start, *(edge.target for edge in crossing.path))
    start_place = graph.place(start) or Place(resource.file, resource.line, start)
    places = (start_place, *(edge.place or start_place for edge in crossing.path))
    return replace(
        found,
        path=tuple(hops),
        nodes=nodes,
        path_places=tuple(Place(p.file, p.line, hop) for p, hop in zip(places, hops, strict=True)),
        fingerprint=fingerprint(code, resource, resource.file, far_end),
    )
