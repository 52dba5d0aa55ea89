"""``ownlint explain``: a rule's documentation, or resources (or graph nodes) with their effective facts,
provenance, graph neighbourhood and the boundary paths through them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ownlint.config import Config, did_you_mean
from ownlint.errors import OwnlintError
from ownlint.inputs import Inputs
from ownlint.model import Explained, ExplainedNode, Explanation, Finding, Resource
from ownlint.ownership import category_of, fact, needs_ownership
from ownlint.pipeline import config_name, load, rule_context, run_rules
from ownlint.rules import RULES, rule_by_id
from ownlint.rules.base import Rule

if TYPE_CHECKING:
    from ownlint.graph import ResourceGraph


@dataclass(frozen=True)
class ExplainOptions:
    target: str  # a rule id (OWN003), a resource address, or a graph node
    inputs: Inputs = field(default_factory=Inputs)


def run_explain(options: ExplainOptions) -> Rule | Explanation:
    """The rule ``options.target`` names (``OWN...``), else what the tree holds at that address."""
    if options.target.upper().startswith("OWN"):
        return explain_rule(options.target)
    return explain_resources(options.target, options.inputs)


def explain_rule(code: str) -> Rule:
    rule = rule_by_id(code)
    if rule is None:
        raise OwnlintError(f"unknown rule {code!r}{did_you_mean(code.upper(), [r.code for r in RULES])}")
    return rule


def explain_resources(target: str, inputs: Inputs) -> Explanation:
    """Resources whose address is ``target`` (or ends with it), explained with their graph
    neighbourhood and every boundary path that ends at them or passes through them; or a node that
    is no resource (``msp:acme``, ``aws:s3:*``) with its edges and the paths through it."""
    loaded = load(inputs)
    matches = [r for r in loaded.resources if r.address == target or r.address.endswith(f".{target}")]
    context = rule_context(loaded)  # boundary paths need the whole estate
    nodes = context.graph.find(target) if not matches else []
    if not matches and not nodes:
        raise OwnlintError(f"no resource or graph node {target!r} under {', '.join(inputs.paths)}")
    findings = run_rules(RULES, context)
    graph = context.graph
    if not matches:
        items: list[Explained | ExplainedNode] = [_explained_node(graph, node, findings) for node in nodes]
    else:
        items = [_explained(loaded.config, graph, resource, findings) for resource in matches]
    return Explanation(tuple(items), os.path.realpath(loaded.root), config_name(loaded.config))


def _explained_node(graph: ResourceGraph, node: str, findings: list[Finding]) -> ExplainedNode:
    return ExplainedNode(
        node=graph.shown(node),
        neighbours=tuple(graph.hop(e, outgoing=e.source == node) for e in graph.neighbours(node)),
        paths_through=tuple(f for f in findings if node in f.nodes),
    )


def _explained(config: Config, graph: ResourceGraph, resource: Resource, findings: list[Finding]) -> Explained:
    own = tuple(
        f
        for f in findings
        if (f.resource, f.stack, f.file) == (resource.address, resource.stack, resource.file)
        and (not f.instances or not resource.instances or set(f.instances) & set(resource.instances))
    )
    node = resource.node_id
    through = tuple(f for f in findings if f not in own and node in f.nodes)
    edges = graph.neighbours(node)
    return Explained(
        resource=resource,
        category=category_of(config, resource.type).name,
        needs_ownership=needs_ownership(config, resource),
        facts=tuple(fact(config, resource, name) for name in config.keys),
        findings=own,
        neighbours=tuple(graph.hop(e, outgoing=e.source == node) for e in edges),
        paths_through=through,
    )
