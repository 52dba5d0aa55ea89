"""The resource graph: one networkx ``MultiDiGraph`` for Terraform and Kubernetes together.

The only module that imports networkx. Nodes are resources (Terraform addresses, prefixed by their
root module's directory when it is not the scan root; Kubernetes ``Kind/namespace/name``), module
calls and stacks, namespaces, declared MSP identities (``msp:NAME``), and nodes that stand for
"every resource of a service" (``aws:s3:*``) or an AWS managed policy. Edges carry a ``kind``
(contains, references, grants, assumes, uses, operates, admits, selects) and the place that
makes them true; boundary rules are breadth-first path queries over chosen kinds.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, NamedTuple

from ownlint.config import Config
from ownlint.graph.containment import CONTAINS, Containment
from ownlint.graph.relations import relations
from ownlint.model import Edge, Place, PlaceKind, Resource, msp_id, qualified


class Node(NamedTuple):
    """A node's attributes: a tuple, a third of a dict's memory (a graph has a node per resource)."""

    kind: str  # resource, module, identity, namespace, group
    type: str
    source: str
    file: str
    line: int


GROUP = Node("group", "group", "", "", 0)

Key = tuple[str, str, str]  # (source, target, kind)
# the keys of the edges out of (or into) each node: the key itself when it is the only one (most nodes have one
# edge each way: a list of one cost 64 bytes more per edge)
Adjacency = dict[str, Key | list[Key]]


def _adjacent(adjacency: Adjacency, node: str, key: Key) -> None:
    held = adjacency.get(node)
    if held is None:
        adjacency[node] = key
    elif isinstance(held, list):
        held.append(key)
    else:
        adjacency[node] = [held, key]


def _keys(adjacency: Adjacency, node: str) -> list[Key] | tuple[Key, ...]:
    held = adjacency.get(node)
    if held is None:
        return ()
    return held if isinstance(held, list) else (held,)


class ResourceGraph:
    """The graph, the resources behind its nodes, and the evidence of every edge.

    Path queries walk plain adjacency lists; the networkx ``MultiDiGraph`` (``graph``) is made on
    first use, so a check whose rules only ask for paths never imports networkx (0.2 s of a
    pre-commit run's budget). ``contains`` edges are kept apart, compact (``Containment``): ``edges``
    makes the whole dict, in the order the edges were found, when asked."""

    def __init__(
        self,
        nodes: dict[str, Node],
        resources: dict[str, Resource],
        edges: dict[tuple[str, str, str], Edge],
        contains: Containment | None = None,
        more: dict[str, list[Resource]] | None = None,
    ) -> None:
        self.nodes = nodes
        self.resources = resources  # the first record of each node
        self._more = more if more is not None else {}  # the records after the first, of nodes that have several
        self._edges = edges  # all but the ``contains`` edges of ``_contains``
        self._contains = contains if contains is not None else Containment()
        self._out: Adjacency = {}
        self._in: Adjacency = {}
        for key in edges:
            _adjacent(self._out, key[0], key)
            _adjacent(self._in, key[1], key)
        self._graph: Any = None
        self._all_out: tuple[Adjacency, dict[tuple[str, str, str], Edge]] | None = None

    @property
    def edges(self) -> dict[tuple[str, str, str], Edge]:
        """Every edge by (source, target, kind), in the order they were found."""
        if not self._contains:
            return self._edges
        return dict(self._contains.merged(self._edges))

    @property
    def graph(self) -> Any:
        """The networkx ``MultiDiGraph`` of these nodes and edges, with their attributes."""
        if self._graph is None:
            import networkx as nx  # heavy: only the commands that export or explore the graph pay for it

            graph = nx.MultiDiGraph()
            graph.add_nodes_from((name, node._asdict()) for name, node in self.nodes.items())
            for (source, target, kind), edge in self._contains.merged(self._edges):
                place = edge.place
                graph.add_edge(
                    source,
                    target,
                    key=kind,
                    kind=kind,
                    file=place.file if place else "",
                    line=place.line if place else 0,
                    detail=edge.detail,
                )
            self._graph = graph
        return self._graph

    def resource(self, node: str) -> Resource | None:
        return self.resources.get(node)

    def records(self, node: str) -> list[Resource]:
        """Every resource of ``node``, in the order loaded: the records of its instances whose facts differ."""
        first = self.resources.get(node)
        return [] if first is None else [first, *self._more.get(node, ())]

    def place(self, node: str) -> Place | None:
        data = self.nodes.get(node)
        return Place(data.file, data.line, node, PlaceKind.RESOURCE, subject=node) if data and data.file else None

    def shown(self, node: str) -> str:
        """``node (file:line)``, or the node alone for the ones that stand for many."""
        place = self.place(node)
        return f"{node} ({place.file}:{place.line})" if place is not None and place.line else node

    def hop(self, edge: Edge, outgoing: bool = True) -> str:
        """``-grants-> target (file:line): detail [evidence file:line]`` (``<-grants- source`` inbound)."""
        evidence = f" [{edge.place.file}:{edge.place.line}]" if edge.place is not None and edge.place.file else ""
        detail = f": {edge.detail}" if edge.detail else ""
        if outgoing:
            return f"-{edge.kind}-> {self.shown(edge.target)}{detail}{evidence}"
        return f"<-{edge.kind}- {self.shown(edge.source)}{detail}{evidence}"

    def instances_reached(self, node: str, kinds: frozenset[str]) -> frozenset[str] | None:
        """The keys of the instances of ``node`` that edges of ``kinds`` into it reach; None: all of them."""
        keys: set[str] = set()
        for key in _keys(self._in, node):
            if key[2] in kinds:
                if not self._edges[key].instances:
                    return None
                keys.update(self._edges[key].instances)
        if CONTAINS in kinds and node in self._contains.container:
            return None  # a contains edge names no instance
        return frozenset(keys)

    def entries(self, start: str, kinds: frozenset[str]) -> list[Edge]:
        """The edges of ``kinds`` out of ``start``: where each path from it begins."""
        found = [self._edges[key] for key in _keys(self._out, start) if key[2] in kinds]
        if CONTAINS in kinds:
            found.extend(self._contains.edges_out(start))
        return sorted(found, key=_edge_order)

    def paths_through(self, entry: Edge, kinds: frozenset[str]) -> dict[str, tuple[Edge, ...]]:
        """Every node reachable through ``entry`` (its target included) over ``kinds``, by a shortest path
        that does not come back to ``entry``'s source."""
        found: dict[str, tuple[Edge, ...]] = {entry.target: (entry,)}
        for target, path in self.shortest_paths(entry.target, kinds, avoid=entry.source).items():
            found[target] = (entry, *path)
        return found

    def shortest_paths(
        self, start: str, kinds: frozenset[str], avoid: str | None = None
    ) -> dict[str, tuple[Edge, ...]]:
        """Every node reachable from ``start`` over edges of ``kinds``, with a shortest path to it."""
        if start not in self.nodes:
            return {}
        previous: dict[str, Edge] = {}
        queue = deque([start])
        seen = {start} if avoid is None else {start, avoid}
        out, edges = (self._out, self._edges) if CONTAINS not in kinds else self._every_out()
        while queue:
            node = queue.popleft()
            held = out.get(node)
            if held is None:
                continue
            for key in held if isinstance(held, list) else (held,):
                target = key[1]
                if key[2] in kinds and target not in seen:
                    seen.add(target)
                    previous[target] = edges[key]
                    queue.append(target)
        return {target: _path(previous, target) for target in previous}

    def neighbours(self, node: str) -> list[Edge]:
        """Every edge into and out of ``node``, outgoing first."""
        out = [self._edges[key] for key in _keys(self._out, node)]
        out.extend(self._contains.edges_out(node))
        into = [self._edges[key] for key in _keys(self._in, node)]
        contained = self._contains.edge_into(node)
        if contained is not None:
            into.append(contained)
        return sorted(out, key=_edge_order) + sorted(into, key=_edge_order)

    def _every_out(self) -> tuple[Adjacency, dict[tuple[str, str, str], Edge]]:
        """The edges out of each node, ``contains`` ones too, in the order they were found, and every edge by its
        key (paths over them): made once, at the first such ask (``edges`` makes its dict at each)."""
        if self._all_out is None:
            edges = self.edges
            out: Adjacency = {}
            for key in edges:
                _adjacent(out, key[0], key)
            self._all_out = out, edges
        return self._all_out

    def node_link(self) -> dict[str, Any]:
        """The graph as networkx's node-link data (``ownlint graph --format json``)."""
        import networkx as nx

        data: dict[str, Any] = nx.node_link_data(self.graph, edges="edges")
        return data

    def graphml(self, text: Callable[[str], str]) -> str:
        """The graph as GraphML, its names and text attributes passed through ``text`` (an escape that is one
        to one, so that names stay distinct)."""
        import networkx as nx

        graph = self.graph
        copy = type(graph)()
        copy.add_nodes_from((text(node), _mapped(data, text)) for node, data in graph.nodes(data=True))
        copy.add_edges_from(
            (text(source), text(target), key, _mapped(data, text))
            for source, target, key, data in graph.edges(keys=True, data=True)
        )
        return "\n".join(nx.generate_graphml(copy)) + "\n"

    def around(self, node: str, depth: int) -> ResourceGraph:
        """The part of the graph within ``depth`` edges of ``node``, in either direction."""
        import networkx as nx

        kept = set(nx.ego_graph(self.graph, node, radius=depth, undirected=True).nodes) if node in self.nodes else set()
        edges = {key: edge for key, edge in self.edges.items() if key[0] in kept and key[1] in kept}
        nodes = {n: data for n, data in self.nodes.items() if n in kept}
        more = {n: r for n, r in self._more.items() if n in kept}
        return ResourceGraph(nodes, {n: r for n, r in self.resources.items() if n in kept}, edges, more=more)

    def find(self, target: str) -> list[str]:
        """Node ids equal to ``target``, or ending with ``.target`` or ``//target``."""
        if target in self.nodes:
            return [target]
        return sorted(n for n in self.nodes if n.endswith((f".{target}", f"//{target}")))


def _path(previous: dict[str, Edge], target: str) -> tuple[Edge, ...]:
    hops = []
    node = target
    while node in previous:
        hops.append(previous[node])
        node = previous[node].source
    return tuple(reversed(hops))


def _edge_order(edge: Edge) -> tuple[str, str, str]:
    return (edge.kind, edge.source, edge.target)


def build_graph(
    resources: Iterable[Resource], config: Config, config_file: str = "", structural: bool = True
) -> ResourceGraph:
    """The graph of ``resources``; MSP identity nodes are placed in ``config_file`` (as shown). Without
    ``structural``, no ``contains`` and HCL ``references`` edges (nor the stack and namespace nodes they end
    at): the graph the boundary rules walk, which never takes them (8% of its build on a 4k-resource estate)."""
    nodes: dict[str, Node] = {}
    listed = list(resources)
    ids = [resource.node_id for resource in listed]  # once each: a property that formats its text
    by_id: dict[str, Resource] = {}
    more: dict[str, list[Resource]] = {}
    for resource, node_id in zip(listed, ids, strict=True):
        if node_id in by_id:
            more.setdefault(node_id, []).append(resource)
        else:
            by_id[node_id] = resource
        kind = "module" if resource.type == "module" else "resource"
        nodes[node_id] = Node(kind, resource.type, resource.source, resource.file, resource.line)
    for msp in config.msps.values():
        nodes[msp_id(msp.name)] = Node("identity", "msp", "config", config_file or config.source, msp.line)
    evidence: dict[tuple[str, str, str], Edge] = {}
    contains = Containment()
    for edge in _structural_edges(nodes, listed, ids, evidence, contains) if structural else ():
        _add(nodes, evidence, edge)
    for edge in relations(listed, config, ids, by_id):
        _add(nodes, evidence, edge)
    return ResourceGraph(nodes, by_id, evidence, contains, more)


def _add(nodes: dict[str, Node], evidence: dict[tuple[str, str, str], Edge], edge: Edge) -> None:
    key = (edge.source, edge.target, edge.kind)
    if edge.source == edge.target:
        return
    if key in evidence:  # one edge per kind between two nodes: the first evidence found stands
        first = evidence[key]
        if first.instances:  # ... and it reaches the instances either one reaches
            reached = () if not edge.instances else tuple(sorted({*first.instances, *edge.instances}))
            evidence[key] = replace(first, instances=reached)
        return
    for node in (edge.source, edge.target):
        if node not in nodes:
            nodes[node] = GROUP
    evidence[key] = edge


def _structural_edges(
    nodes: dict[str, Node],
    resources: list[Resource],
    ids: list[str],
    evidence: dict[tuple[str, str, str], Edge],
    contains: Containment,
) -> Iterator[Edge]:
    """``contains`` (stack/module call/namespace to member: kept in ``contains`` as they come, after the edges
    of ``evidence`` so far) and ``references`` (HCL traversals); ``ids``: the resources' node ids."""
    for resource, node_id in zip(resources, ids, strict=True):
        container = _container(nodes, resource)
        if container is not None and container != node_id:
            if container not in nodes:
                nodes[container] = GROUP
            if not contains.add(container, node_id, len(evidence)):
                yield Edge(container, node_id, CONTAINS)  # a second container: kept as any edge
        if not resource.references:
            continue
        attributes = {address: name for name, address in resource.links} if resource.links else {}
        place = None  # one place for all of a resource's references
        for target in resource.references:
            target_id = qualified(resource, target)
            if target_id in nodes:
                place = place or Place(
                    resource.file, resource.line, resource.address, PlaceKind.RESOURCE, subject=resource.address
                )
                yield Edge(node_id, target_id, "references", place, attributes.get(target, ""))


def _container(nodes: dict[str, Node], resource: Resource) -> str | None:
    if resource.source == "terraform" and resource.container is not None:
        return qualified(resource, resource.container)  # the module call it is instantiated by
    if resource.source == "terraform":
        container = sys.intern(f"stack:{resource.stack or '.'}")  # one string and one node per stack
        if container in nodes:
            return container
        nodes[container] = Node("module", "module", "terraform", resource.stack, 0)
        return container
    if resource.container is not None and resource.container not in nodes:
        nodes[resource.container] = Node("namespace", "k8s:Namespace", "kubernetes", "", 0)
    return resource.container


def _mapped(data: dict[str, Any], text: Callable[[str], str]) -> dict[str, Any]:
    return {name: text(value) if isinstance(value, str) else value for name, value in data.items()}
