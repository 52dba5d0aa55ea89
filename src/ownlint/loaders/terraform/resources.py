"""Resource records of a module instance: each ``resource``/``data`` block's instances with their effective
tags (provider defaults overlaid by the resource's own, tag blocks too), where a missing key is best
added, and the block as a graph node; a module call as a node whose tags are its owner."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.addresses import Instance, Shape
from ownlint.loaders.terraform.attributes import block_values, wants_attributes
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.expansion import instances_of, unexpanded
from ownlint.loaders.terraform.kubernetes_objects import kubernetes_kind, kubernetes_object
from ownlint.loaders.terraform.overrides import file_of
from ownlint.loaders.terraform.providers import ProviderTags, provider_key
from ownlint.loaders.terraform.tag_blocks import TAG_BLOCK_TYPES, tag_blocks
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.loaders.terraform.tags import TracedTags, named_reference, trace_tags
from ownlint.model import Place, PlaceKind, Resource

MAX_RESOURCE_RECORDS = 200_000


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
    # the fields every instance shares, each record made once (no dataclasses.replace: thousands per root)
    common = _node(where, path, block, shape, address, resource_type, name)
    common["links"] = tuple((attribute, where.prefix + r) for attribute, r in shape.links)
    graph_reads = wants_attributes(resource_type)
    if not expansions:  # never created (count = 0, empty for_each): a graph node that needs no owner
        yield Resource(**common, taggable=False)
        return
    provider = None if is_data else providers.get(provider_key(block, resource_type))
    managed = not is_data and kubernetes_kind(resource_type) is not None
    for suffix, env in expansions:
        found = kubernetes_object(path, block, address, where.prefix, evaluator, env) if managed else None
        if found is not None:  # a Kubernetes object: its labels are in metadata {}
            yield Resource(
                **common,
                taggable=True,
                tags=tuple(found.traced.entries.values()),
                opaque=tuple(found.traced.opaque),
                fix_place=found.fix_place,
                namespace=found.namespace,
                instances=(f"{where.instance_prefix}{local}{suffix}",),
                attributes=({**(block_values(block, evaluator, env) if graph_reads else {}), **found.body},),
            )
            continue
        traced, fix_place, taggable = _effective_tags(path, block, address, evaluator, env, provider, index)
        yield Resource(
            **common,
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
        legacy = block.attribute("tags")  # AWS provider < 5: a list attribute instead of the blocks
        line, what = (legacy.line, "tags") if legacy is not None else (block.line, f"{block_name} blocks")
        kind = PlaceKind.ATTRIBUTE if legacy is not None else PlaceKind.TAG_BLOCK
        name = "tags" if legacy is not None else block_name
        return (
            tag_blocks(path, block, block_name, address, evaluator, env),
            Place(path, line, f"{what} of {address}", kind, name, address),
            True,
        )
    label_path = index.label_path(resource_type)
    attribute, line, dynamic = _label_attribute(block, label_path)
    traced = TracedTags()
    defaults = provider if provider is not None and index.takes_provider_defaults(resource_type) else None
    if defaults is not None:
        traced.overlay(defaults.traced)
    name = ".".join(label_path)
    own_file = file_of(attribute, path) if attribute is not None else path
    own_place = Place(own_file, line, f"{name} of {address}", PlaceKind.ATTRIBUTE, name, address)
    if attribute is not None:
        traced.overlay(trace_tags(attribute.expr, evaluator, own_place, env))
    elif dynamic is not None:  # the labels sit in a generated block: not followed
        traced.opaque.append(f'{label_path[-1]} may be set inside dynamic "{dynamic}" ({own_place})')
    if defaults is not None and defaults.caller:  # a library's own unknowns say more than its caller's
        traced.opaque = [r for r in traced.opaque if r not in defaults.traced.opaque] + defaults.traced.opaque
    # best place to add a missing key: the module input that forwards tags, the provider defaults, the resource
    provider_place = defaults.place if defaults is not None and not defaults.caller else None
    fix_place = _module_input_place(attribute, evaluator) or provider_place or own_place
    taggable = index.is_taggable(resource_type) or attribute is not None
    return traced, fix_place, taggable


def _label_attribute(block: m.Block, label_path: tuple[str, ...]) -> tuple[m.Attribute | None, int, str | None]:
    """The attribute at ``label_path`` through nested blocks (the first of each), the line of it or of the
    innermost block that would hold it, and the name of a ``dynamic`` block that stands for a missing one."""
    holder = block
    for name in label_path[:-1]:
        nested = holder.children(name)
        if not nested:
            dynamic = any(d.labels[:1] == (name,) for d in holder.children("dynamic"))
            return None, holder.line, name if dynamic else None
        holder = nested[0]
    attribute = holder.attribute(label_path[-1])
    return attribute, attribute.line if attribute is not None else holder.line, None


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
    node = _node(where, path, block, shape, address, "module", block.labels[0])
    attribute = block.attribute("tags") or block.attribute("labels")
    if attribute is None:
        return Resource(**node, taggable=False, opaque=opaque)
    what = f"{attribute.name} of {address}"
    place = Place(file_of(attribute, path), attribute.line, what, PlaceKind.ATTRIBUTE, attribute.name, address)
    traced = trace_tags(attribute.expr, evaluator, place)
    return Resource(**node, taggable=False, opaque=opaque, tags=tuple(traced.entries.values()))


def _node(
    where: Instance, path: str, block: m.Block, shape: Shape, address: str, node_type: str, name: str
) -> dict[str, Any]:
    """A block's fields as a graph node (``taggable`` aside): where it is and what it references."""
    return {
        "address": address,
        "type": node_type,
        "name": name,
        "source": "terraform",
        "file": path,
        "line": block.line,
        "end_line": block.end_line,
        "stack": where.stack,
        "references": tuple(where.prefix + r for r in shape.references),
        "container": where.container,
    }
