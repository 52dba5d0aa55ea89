"""``ownlint graph``: the resource graph as DOT, JSON (node-link) or GraphML.

Names come from the repository: DOT and GraphML show them escaped as on a terminal (nothing leaves a DOT
string; GraphML stays well-formed), JSON keeps them (JSON escapes what it must).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ownlint.report.escape import dot_string, json_text, terminal

if TYPE_CHECKING:
    from ownlint.graph import ResourceGraph

GRAPH_FORMATS = ("dot", "json", "graphml")


def render_graph(graph: ResourceGraph, fmt: str) -> str:
    """``graph`` in ``fmt``, one of ``GRAPH_FORMATS``."""
    if fmt == "json":
        return json_text(graph.node_link(), sort_keys=True) + "\n"
    if fmt == "graphml":
        return graph.graphml(terminal)
    lines = ["digraph ownlint {"]
    for node, data in sorted(graph.graph.nodes(data=True)):
        lines.append(f"  {dot_string(node)} [label={dot_string(node)}, shape={_shape(data['kind'])}];")
    for source, target, data in sorted(graph.graph.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])):
        lines.append(f'  {dot_string(source)} -> {dot_string(target)} [label="{data["kind"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _shape(kind: str) -> str:
    return {"module": "folder", "namespace": "tab", "identity": "doubleoctagon", "group": "ellipse"}.get(kind, "box")
