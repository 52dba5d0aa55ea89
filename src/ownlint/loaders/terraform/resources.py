"""Resource records of a module instance: each ``resource``/``data`` block's instances with their effective
tags (provider defaults overlaid by the resource's own, tag blocks too), where a missing key is best
added, and the block as a graph node; a module call as a node whose tags are its owner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.addresses import Instance, Shape
from ownlint.loaders.terraform.attributes import block_values, wants_attributes
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.expansion import instances_of, unexpanded
from ownlint.loaders.terraform.providers import ProviderTags, dotted, provider_key
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.loaders.terraform.tags import TracedTags, add_tag, data_trace, named_reference, trace_tags
from ownlint.loaders.terraform.values import Unknown, to_text
from ownlint.model import Place, Resource

MAX_RESOURCE_RECORDS = 200_000


# Resources that carry tags as repeated blocks, not a map, and get no provider default_tags
# (AWS provider docs: aws_autoscaling_group takes `tag { key value propagate_at_launch }`).
TAG_BLOCK_TYPES = {"aws_autoscaling_group": "tag"}


def block_resources(
    where: Instance,
    path: str,
    block: m.Block,
    shape: Shape,
    evaluator: Evaluator,
    providers: dict[str, ProviderTags],
    index: TaggableIndex,
    room: int = MAX_RESOURCE_RECORDS,
) -> Iterator[Resource]:
    resource_type, name = block.labels[0], block.labels[1]
    is_data = block.type == "data"
    local = f"data.{resource_type}.{name}" if is_data else f"{resource_type}.{name}"
    address = where.prefix + local
    expansions = instances_of(block, evaluator, address)
    if len(expansions) > max(room, 1):
        expansions = unexpanded(block, address, f"more than {MAX_RESOURCE_RECORDS} resource instances in this root")
    common = replace(
        _node(where, path, block, shape, address, resource_type, name),
        links=tuple((attribute, where.prefix + r) for attribute, r in shape.links),
    )
    graph_reads = wants_attributes(resource_type)
    if not expansions:  # never created (count = 0, empty for_each): a graph node that needs no owner
        yield common
        return
    provider = None if is_data else providers.get(provider_key(block, resource_type))
    for suffix, env in expansions:
        traced, fix_place, taggable = _effective_tags(path, block, address, evaluator, env, provider, index)
        yield replace(
            common,
            taggable=not is_data and taggable,
            tags=tuple(traced.entries.values()),
            opaque=tuple(traced.opaque),
            fix_place=fix_place,
            instances=(f"{where.instance_prefix}{local}{suffix}",),
            attributes=(block_values(block, evaluator, env),) if graph_reads else (),
        )


def _effective_tags(
    path: str,
    block: m.Block,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
    provider: ProviderTags | None,
    index: TaggableIndex,
) -> tuple[TracedTags, Place, bool]:
    """Provider defaults overlaid by the resource's own tags; where to add a key; whether it takes tags."""
    resource_type = block.labels[0]
    block_name = TAG_BLOCK_TYPES.get(resource_type)
    if block_name is not None:
        return _tag_blocks(path, block, block_name, address, evaluator, env)
    attribute_name = index.attribute_for(resource_type)
    attribute = block.attribute(attribute_name)
    traced = TracedTags()
    if provider is not None:
        traced.overlay(provider.traced)
    own_place = Place(path, attribute.line if attribute is not None else block.line, f"{attribute_name} of {address}")
    if attribute is not None:
        traced.overlay(trace_tags(attribute.expr, evaluator, own_place, env))
    # best place to add a missing key: the module input that forwards tags, the provider defaults, the resource
    fix_place = _module_input_place(attribute, evaluator) or (provider.place if provider is not None else own_place)
    taggable = index.is_taggable(resource_type) or attribute is not None
    return traced, fix_place, taggable


def _module_input_place(attribute: m.Attribute | None, evaluator: Evaluator) -> Place | None:
    """The outermost module input a tags attribute forwards (``tags = var.tags`` set by the caller)."""
    if attribute is None:
        return None
    found: Place | None = None
    for names in _map_references(attribute.expr):
        if len(names) < 2 or names[0] not in ("var", "module"):
            continue
        binding = evaluator.variables.get(names[1]) if names[0] == "var" else _output_input(evaluator, names[1])
        while binding is not None and binding.scope is not None:
            found = binding.place
            inner = named_reference(binding.expr) if binding.expr is not None else None
            binding = binding.scope.variables.get(inner[1]) if inner is not None and inner[0] == "var" else None
        if found is not None:
            return found
    return found


def _output_input(evaluator: Evaluator, name: str) -> Binding | None:
    """For ``tags = module.NAME.tags``: the ``tags`` input the call sets (a label module's tags come from it)."""
    call = evaluator.calls(name) if evaluator.calls is not None else None
    child = next(iter(call.instances.values()), None) if call is not None else None
    return child.variables.get("tags") if child is not None else None


def _map_references(expr: m.Expr) -> list[tuple[str, ...]]:
    """References that stand for a whole map of tags: the expression itself, an argument of
    ``merge``, a branch of a conditional (not ``var.name`` inside ``{ Name = var.name }``)."""
    if isinstance(expr, m.Traversal):
        return m.references(expr)
    if isinstance(expr, m.Call) and expr.name == "merge":
        return [names for argument in expr.args for names in _map_references(argument)]
    if isinstance(expr, m.Conditional):
        return _map_references(expr.if_true) + _map_references(expr.if_false)
    return []


def _tag_blocks(
    path: str,
    block: m.Block,
    block_name: str,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> tuple[TracedTags, Place, bool]:
    """Tags written as repeated blocks (``tag { key value }``), static or ``dynamic``."""
    traced = TracedTags()
    place = Place(path, block.line, f"{block_name} blocks of {address}")
    for nested in block.children(block_name):
        _tag_block_entry(traced, nested, Place(path, nested.line, f"{block_name} block of {address}"), evaluator, env)
    for dynamic in block.children("dynamic"):
        if dynamic.labels[:1] != (block_name,):
            continue
        dynamic_place = Place(path, dynamic.line, f'dynamic "{block_name}" of {address}')
        for_each = dynamic.attribute("for_each")
        iterator = dynamic.attribute("iterator")
        iterator_name = dotted(iterator.expr) if iterator is not None else block_name
        items = evaluator.value(for_each.expr, env) if for_each is not None else Unknown("no for_each")
        if isinstance(items, list):
            items = dict(enumerate(items))
        if not isinstance(items, dict):
            reason = items.reason if isinstance(items, Unknown) else "its for_each is not a known collection"
            traced.opaque.append(f"{reason} ({dynamic_place})")
            continue
        known = data_trace(for_each.expr if for_each is not None else None, evaluator)
        for content in dynamic.children("content"):
            for key, item in items.items():
                scope = {**env, iterator_name or block_name: {"key": key, "value": item}}
                origin = known.entries.get(str(key)) if known is not None else None
                outer = (dynamic_place, *origin.provenance) if origin is not None else (dynamic_place,)
                _tag_block_entry(traced, content, outer, evaluator, scope)
    return traced, place, True


def _tag_block_entry(
    traced: TracedTags,
    block: m.Block,
    provenance: Place | tuple[Place, ...],
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> None:
    key_attribute, value_attribute = block.attribute("key"), block.attribute("value")
    if key_attribute is None or value_attribute is None:
        return
    where = provenance if isinstance(provenance, tuple) else (provenance,)
    place = where[0]
    key = evaluator.value(key_attribute.expr, env)
    if isinstance(key, Unknown):
        traced.opaque.append(f"a tag key is unknown: {key.reason} ({place})")
        return
    add_tag(traced, to_text(key), evaluator.value(value_attribute.expr, env), where)


def module_node(
    where: Instance,
    path: str,
    block: m.Block,
    shape: Shape,
    address: str,
    opaque: tuple[str, ...],
    evaluator: Evaluator,
) -> Resource:
    """The call as a node; the tags it passes down (``tags``/``labels``) are its owner, for drift."""
    node = replace(_node(where, path, block, shape, address, "module", block.labels[0]), opaque=opaque)
    attribute = block.attribute("tags") or block.attribute("labels")
    if attribute is None:
        return node
    traced = trace_tags(attribute.expr, evaluator, Place(path, attribute.line, f"{attribute.name} of {address}"))
    return replace(node, tags=tuple(traced.entries.values()))


def _node(
    where: Instance, path: str, block: m.Block, shape: Shape, address: str, node_type: str, name: str
) -> Resource:
    """A block as a graph node that needs no owner (yet): where it is and what it references."""
    return Resource(
        address=address,
        type=node_type,
        name=name,
        source="terraform",
        file=path,
        line=block.line,
        end_line=block.end_line,
        stack=where.stack,
        taggable=False,
        references=tuple(where.prefix + r for r in shape.references),
        container=where.container,
    )
