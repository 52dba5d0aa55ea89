"""``ownlint graph``: the resource graph of a tree, or the part of it around one node."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ownlint.errors import OwnlintError
from ownlint.inputs import Inputs
from ownlint.pipeline import graph_of_loaded, load

if TYPE_CHECKING:
    from ownlint.graph import ResourceGraph


@dataclass(frozen=True)
class GraphOptions:
    inputs: Inputs = field(default_factory=Inputs)
    around: str | None = None  # only the part of the graph around this node
    depth: int = 2  # edges away from ``around``


def run_graph(options: GraphOptions) -> ResourceGraph:
    loaded = load(options.inputs)
    graph = graph_of_loaded(loaded)
    if options.around is not None:
        matches = graph.find(options.around)
        if not matches:
            raise OwnlintError(f"no graph node {options.around!r} under {', '.join(options.inputs.paths)}")
        graph = graph.around(matches[0], options.depth)
    return graph
