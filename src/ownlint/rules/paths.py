"""What the boundary rules share: which boundaries bind an MSP, what a resource's facts deny, and
findings that list their path hop by hop (not a rule: the registry lists rules explicitly).

A graph node stands for every ``for_each``/``count`` instance of its address; instances whose facts
differ are separate records of it, and each is judged: a finding names the instances it holds for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from ownlint.config import Boundary, Config, Msp
from ownlint.model import Edge, Finding, Place, PlaceKind, Resource, Severity, fingerprint, msp_id
from ownlint.ownership import PRESENT, FactOf, category_of, fact, fact_values
from ownlint.records import record
from ownlint.rules.base import RuleContext, finding

Denial = tuple[str, str, tuple[Place, ...]]  # fact, value, provenance


@record(frozen=True)
class Crossing:
    """A resource a boundary denies, reached from an MSP identity by ``path``; ``instances``: those of
    its instances the boundary denies (empty: all), ``also``: further denials of other instances."""

    boundary: Boundary
    msp: Msp
    resource: Resource
    denied: Denial
    path: tuple[Edge, ...]
    instances: tuple[str, ...] = ()
    also: tuple[tuple[Boundary, Denial], ...] = ()


def binds(boundary: Boundary, msp: Msp) -> bool:
    """Whether a path boundary's ``from`` covers ``msp``."""
    parties = {p.lower() for p in boundary.from_parties}
    named = "msp" in parties or msp.name.lower() in parties
    return named and (not boundary.from_locations or msp.location in boundary.from_locations)


def covers(config: Config, boundary: Boundary, resource_type: str, also: tuple[str, ...] = ()) -> bool:
    """Whether ``boundary`` holds resources of ``resource_type``: those of its categories (and of the categories
    ``also`` names); it denies no other."""
    return category_of(config, resource_type).name in (*boundary.categories, *also)


def denied_by(
    config: Config, boundary: Boundary, resource: Resource, also: tuple[str, ...] = (), fact_of: FactOf | None = None
) -> Denial | None:
    """The first fact of ``resource`` whose value the boundary denies (resources of its categories,
    and of the categories ``also`` names; its facts from ``fact_of``, a run's ``Facts``, when given)."""
    if not covers(config, boundary, resource.type, also):
        return None
    for name, values in boundary.to.items():
        current = fact_of(resource, name) if fact_of is not None else fact(config, resource, name)
        if current.state is not PRESENT or current.value is None:
            continue
        for value in fact_values(name, current.value):
            if value.lower() in values:
                return name, value, current.provenance
    return None


def crossings(context: RuleContext, kinds: frozenset[str], also: tuple[str, ...] = ()) -> Iterator[Crossing]:
    """Every denied resource an MSP reaches over ``kinds``: one shortest path per way in (the role it
    assumes, the binding naming it, the workload it operates), since each must be closed on its own."""
    config = context.config
    boundaries = _denying(context, [b for b in config.boundaries if not b.is_residency], also)
    if not _reportable(context, boundaries, also):
        return
    for msp in config.msps.values():
        applicable = [b for b in boundaries if binds(b, msp)]
        if not applicable:
            continue
        graph = context.graph
        covered: dict[str, bool] = {}  # by node type: whether one of ``applicable`` covers it (none denies the rest)
        for entry in graph.entries(msp_id(msp.name), kinds):
            for node, path in sorted(graph.paths_through(entry, kinds).items()):
                node_type = graph.nodes[node].type
                if node_type not in covered:
                    covered[node_type] = any(covers(config, b, node_type, also) for b in applicable)
                if not covered[node_type]:
                    continue  # none of its records is denied (est-d: every node its MSP reaches)
                found = graph.records(node)  # the graph's: no node id formatted again
                reached = _reached(found, graph.instances_reached(node, kinds))
                crossing = _crossing(context, applicable, reached, len(found), also, msp, path)
                if crossing is not None:
                    yield crossing


def _denying(context: RuleContext, boundaries: list[Boundary], also: tuple[str, ...]) -> list[Boundary]:
    """The boundaries that deny some resource of the run: only a path to such a resource is a crossing, so
    without one the graph is not built (a one-file check of resources no boundary denies)."""
    resources = context.resources
    return [b for b in boundaries if any(denied_by(context.config, b, r, also, context.fact) for r in resources)]


def _reportable(context: RuleContext, boundaries: list[Boundary], also: tuple[str, ...]) -> bool:
    """Whether a resource one of ``boundaries`` denies can be reported on: a crossing is a finding on a denied record
    of the node reached, located (or not) as that record or another denied record of it would be, so without one the
    graph is not built (a one-file check of a module whose callers hold the denied resources)."""
    reported, config = context.reported, context.config
    if reported is None or not boundaries:
        return bool(boundaries)
    return any(
        reported(r) and any(denied_by(config, b, r, also, context.fact) for b in boundaries) for r in context.resources
    )


def _reached(records: Sequence[Resource], keys: frozenset[str] | None) -> list[Resource]:
    """The records of a node whose instances the edges into it reach (``keys``; None: every one): a policy
    that names ``aws_s3_bucket.b["logs"]`` reaches that instance, not the others."""
    if keys is None:
        return list(records)
    return [r for r in records if not r.instances or any(i.endswith(k) for i in r.instances for k in keys)]


def _crossing(
    context: RuleContext,
    boundaries: list[Boundary],
    reached: Sequence[Resource],
    records: int,
    also: tuple[str, ...],
    msp: Msp,
    path: tuple[Edge, ...],
) -> Crossing | None:
    """The node's records reached (one per group of instances with the same facts) judged one by one;
    ``records``: how many the node has (a finding on all of them names no instance)."""
    judged = [(record, _first_denied(context, boundaries, record, also)) for record in reached]
    denied = [(record, found) for record, found in judged if found is not None]
    if not denied:
        return None
    first, (boundary, denial) = denied[0]
    instances = () if len(denied) == records else tuple(i for record, _ in denied for i in record.instances)
    others: dict[tuple[str, str, str], tuple[Boundary, Denial]] = {}
    for _, (other, what) in denied[1:]:
        others.setdefault((other.name, what[0], what[1]), (other, what))
    others.pop((boundary.name, denial[0], denial[1]), None)
    return Crossing(boundary, msp, first, denial, path, instances, tuple(others.values()))


def _first_denied(
    context: RuleContext, boundaries: list[Boundary], resource: Resource, also: tuple[str, ...]
) -> tuple[Boundary, Denial] | None:
    for boundary in boundaries:
        denied = denied_by(context.config, boundary, resource, also, context.fact)
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
    resource = crossing.resource
    denials = [(crossing.boundary, crossing.denied), *crossing.also]
    message = (
        f"{resource.address} ({_facts(d for _, d in denials)}) is {verb} by MSP {crossing.msp.name!r} in "
        f"{len(crossing.path)} hop{'s' if len(crossing.path) != 1 else ''}: {_boundaries(b for b, _ in denials)}"
    )
    provenance = tuple(dict.fromkeys(p for _, d in denials for p in d[2]))
    found = finding(code, name, severity, resource, message, provenance)
    far_end = f"{start} -> {crossing.path[0].target}"  # the MSP and its way in: one finding per path
    nodes = (start, *(edge.target for edge in crossing.path))
    start_place = graph.place(start) or Place(resource.file, resource.line, start, PlaceKind.RESOURCE, subject=start)
    places = (start_place, *(edge.place or start_place for edge in crossing.path))
    return replace(
        found,
        path=tuple(hops),
        nodes=nodes,
        path_places=tuple(
            Place(p.file, p.line, hop, PlaceKind.RESOURCE, subject=hop) for p, hop in zip(places, hops, strict=True)
        ),
        fingerprint=fingerprint(code, resource, resource.file, far_end),
        instances=crossing.instances,
    )


def _facts(denials: Iterator[Denial]) -> str:
    """``data-classification confidential, restricted``: the denied values, grouped by fact."""
    values: dict[str, list[str]] = {}
    for fact_name, value, _ in denials:
        if value not in values.setdefault(fact_name, []):
            values[fact_name].append(value)
    return "; ".join(f"{fact_name} {', '.join(shown)}" for fact_name, shown in values.items())


def _boundaries(boundaries: Iterator[Boundary]) -> str:
    names = list(dict.fromkeys(b.name for b in boundaries))
    return f"boundar{'y' if len(names) == 1 else 'ies'} {', '.join(repr(n) for n in names)}"
