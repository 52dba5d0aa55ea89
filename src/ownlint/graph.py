"""The resource graph: one networkx ``MultiDiGraph`` for Terraform and Kubernetes together.

The only module that imports networkx. Nodes are resources (Terraform addresses, prefixed by their
stack directory when it is not the scan root; Kubernetes ``Kind/namespace/name``), modules
(``stack:DIR``) and namespaces. Edges carry a ``kind``: ``contains`` and ``references``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ownlint.model import Resource


def node_id(resource: Resource) -> str:
    if resource.source == "terraform" and resource.stack not in ("", "."):
        return f"{resource.stack}//{resource.address}"
    return resource.address


def build_graph(resources: Iterable[Resource]) -> Any:
    import networkx as nx  # heavy: only commands that need the graph pay for it

    graph = nx.MultiDiGraph()
    listed = list(resources)
    for resource in listed:
        graph.add_node(
            node_id(resource),
            kind="module" if resource.type == "module" else "resource",
            type=resource.type,
            source=resource.source,
            file=resource.file,
            line=resource.line,
        )
    for resource in listed:
        _add_container_edges(graph, resource)
        attributes = {address: name for name, address in resource.links}
        for target in resource.references:
            target_id = node_id_in_stack(resource, target)
            if graph.has_node(target_id) and not graph.has_edge(node_id(resource), target_id, key="references"):
                graph.add_edge(
                    node_id(resource),
                    target_id,
                    key="references",
                    kind="references",
                    attribute=attributes.get(target, ""),
                )
    return graph


def node_id_in_stack(resource: Resource, address: str) -> str:
    return f"{resource.stack}//{address}" if resource.stack not in ("", ".") else address


def _add_container_edges(graph: Any, resource: Resource) -> None:
    if resource.source == "terraform" and resource.container is not None:
        container = node_id_in_stack(resource, resource.container)  # the module call it is instantiated by
    elif resource.source == "terraform":
        container = f"stack:{resource.stack or '.'}"
        graph.add_node(container, kind="module", type="module", source="terraform", file=resource.stack, line=0)
    elif resource.container is not None:
        container = resource.container
        if not graph.has_node(container):
            graph.add_node(container, kind="namespace", type="k8s:Namespace", source="kubernetes", file="", line=0)
    else:
        return
    if not graph.has_edge(container, node_id(resource), key="contains"):
        graph.add_edge(container, node_id(resource), key="contains", kind="contains")


def render_graph(graph: Any, fmt: str) -> str:
    import networkx as nx

    if fmt == "json":
        return json.dumps(nx.node_link_data(graph, edges="edges"), indent=2, sort_keys=True) + "\n"
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(graph)) + "\n"
    lines = ["digraph ownlint {"]
    for node, data in sorted(graph.nodes(data=True)):
        lines.append(f"  {json.dumps(node)} [label={json.dumps(node)}, shape={_shape(data['kind'])}];")
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])):
        lines.append(f'  {json.dumps(source)} -> {json.dumps(target)} [label="{data["kind"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _shape(kind: str) -> str:
    return {"module": "folder", "namespace": "tab"}.get(kind, "box")
