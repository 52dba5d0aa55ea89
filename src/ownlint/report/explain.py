"""``ownlint explain ADDRESS`` and ``ownlint explain RULE``, as text (repository text escaped as on a terminal;
files named from the current directory, as in the text format)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ownlint.model import ExplainedNode, Explanation, Finding, State
from ownlint.report.escape import quoted
from ownlint.report.escape import terminal as t
from ownlint.report.paths import HumanPaths

if TYPE_CHECKING:
    from ownlint.rules.base import Rule


def render_rule(rule: Rule) -> str:
    return f"{rule.code} {rule.name} (default severity: {rule.severity.value})\n\n{rule.doc}\n"


def render_resources(explanation: Explanation) -> str:
    paths = HumanPaths.of(explanation)
    blocks = []
    for item in explanation.items:
        if isinstance(item, ExplainedNode):
            blocks.append("\n".join([t(item.node), *_graph_lines(item.neighbours, item.paths_through)]))
            continue
        resource = item.resource
        stack = f"{resource.stack}//" if resource.source == "terraform" and resource.stack != "." else ""
        lines = [
            f"{t(stack + resource.address)}  ({t(resource.type)}, {t(paths.file(resource.file))}:{resource.line})",
            f"  category: {t(item.category)}"
            + ("" if item.needs_ownership else "  (not checked: not taggable, never created, or exempt)"),
        ]
        if resource.instances:
            lines.append(f"  instances: {t(', '.join(resource.instances))}")
        lines.append("  effective tags:" if resource.tags else "  effective tags: none")
        for tag in resource.tags:
            shown = _value(tag.value) if tag.known else f"unknown ({t(str(tag.reason))})"
            lines.append(f"    {t(tag.key)} = {shown}")
            lines.extend(f"        from {t(paths.place(place))}" for place in tag.provenance)
        lines.append("  ownership facts:")
        for current in item.facts:
            if current.state is State.PRESENT:
                shown = f"{_value(current.value)} (key {t(str(current.key))})"
            elif current.state is State.UNKNOWN:
                shown = f"unknown: {t(str(current.reason))}"
            else:
                shown = "missing"
            lines.append(f"    {t(current.name)}: {shown}")
        if resource.opaque:
            lines.extend(f"  may hold more tags: {t(reason)}" for reason in resource.opaque)
        if resource.fix_place is not None and item.needs_ownership:
            lines.append(f"  add a missing key at: {t(paths.place(resource.fix_place))}")
        for found in item.findings:
            lines.append(f"  {found.rule} {found.name}: {t(found.message)}")
            lines.extend(_path(found))
        lines.extend(_graph_lines(item.neighbours, item.paths_through))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _value(value: str | None) -> str:
    return "None" if value is None else quoted(value)


def _graph_lines(neighbours: tuple[str, ...], paths: tuple[Finding, ...]) -> list[str]:
    lines = ["  graph:", *(f"    {t(hop)}" for hop in neighbours)] if neighbours else []
    if paths:
        lines.append("  boundary paths through it:")
        for through in paths:
            lines.append(f"    {through.rule} {through.name}: {t(through.message)}")
            lines.extend(f"  {row}" for row in _path(through))
    return lines


def _path(finding: Finding) -> list[str]:
    if not finding.path:
        return []
    return [f"    path: {t(finding.path[0])}", *(f"          {t(hop)}" for hop in finding.path[1:])]


def render_rule_list(rules: tuple[Rule, ...]) -> str:
    width = max(len(rule.name) for rule in rules)
    return "".join(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}\n" for rule in rules)
