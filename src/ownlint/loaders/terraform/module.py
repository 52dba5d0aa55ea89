"""One Terraform module (a directory of ``.tf`` files) -> resources with effective tags.

Variables take ``terraform.tfvars`` and ``*.auto.tfvars`` (lexical order) over their defaults;
provider ``default_tags`` (AWS) and ``default_labels`` (Google) are overlaid by the resource's own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.loaders.terraform.tags import TracedTags, trace_tags
from ownlint.loaders.terraform.values import Unknown
from ownlint.model import Place, Resource

_NOT_ADDRESSES = {"var", "local", "each", "count", "path", "terraform", "self"}


@dataclass(frozen=True)
class ProviderTags:
    key: str
    traced: TracedTags
    place: Place


def load_module(
    stack: str, files: Sequence[m.HclFile], tfvars: Sequence[m.HclFile], index: TaggableIndex
) -> list[Resource]:
    evaluator = Evaluator(_variables(files, tfvars), _locals(files))
    providers = _providers(files, evaluator)
    found: list[Resource] = []
    for hcl in files:
        for block in hcl.blocks:
            if block.type in ("resource", "data") and len(block.labels) >= 2:
                found.append(_resource(stack, hcl.path, block, evaluator, providers, index))
            elif block.type == "module" and block.labels:
                found.append(_module_call(stack, hcl.path, block))
    return found


def _variables(files: Sequence[m.HclFile], tfvars: Sequence[m.HclFile]) -> dict[str, Binding]:
    bindings: dict[str, Binding] = {}
    for hcl in files:
        for block in _top(hcl, "variable"):
            name = block.labels[0] if block.labels else ""
            default = block.attribute("default")
            if default is not None:
                bindings[name] = Binding(default.expr, Place(hcl.path, default.line, f"default of var.{name}"))
            else:
                reason = f"var.{name} has no default and no value in terraform.tfvars"
                bindings[name] = Binding(None, Place(hcl.path, block.line, f"variable {name}"), reason)
    for values in tfvars:
        for attribute in values.attributes:
            if attribute.name in bindings:
                what = f"var.{attribute.name} in {posixpath.basename(values.path)}"
                bindings[attribute.name] = Binding(attribute.expr, Place(values.path, attribute.line, what))
    return bindings


def _top(hcl: m.HclFile, block_type: str) -> list[m.Block]:
    return [b for b in hcl.blocks if b.type == block_type]


def _locals(files: Sequence[m.HclFile]) -> dict[str, Binding]:
    bindings: dict[str, Binding] = {}
    for hcl in files:
        for block in _top(hcl, "locals"):
            for attribute in block.attributes:
                place = Place(hcl.path, attribute.line, f"local.{attribute.name}")
                bindings[attribute.name] = Binding(attribute.expr, place)
    return bindings


def _providers(files: Sequence[m.HclFile], evaluator: Evaluator) -> dict[str, ProviderTags]:
    providers: dict[str, ProviderTags] = {}
    for hcl in files:
        for block in _top(hcl, "provider"):
            if not block.labels:
                continue
            alias = block.attribute("alias")
            alias_value = evaluator.value(alias.expr) if alias is not None else None
            key = block.labels[0] + (f".{alias_value}" if isinstance(alias_value, str) else "")
            tags = _provider_tags(hcl.path, block, evaluator, key)
            if tags is not None:
                providers[key] = tags
    return providers


def _provider_tags(path: str, block: m.Block, evaluator: Evaluator, key: str) -> ProviderTags | None:
    for nested in block.children("default_tags"):
        attribute = nested.attribute("tags")
        if attribute is not None:
            place = Place(path, attribute.line, f'provider "{key}" default_tags')
            return ProviderTags(key, trace_tags(attribute.expr, evaluator, place), place)
    labels = block.attribute("default_labels")
    if labels is not None:
        place = Place(path, labels.line, f'provider "{key}" default_labels')
        return ProviderTags(key, trace_tags(labels.expr, evaluator, place), place)
    return None


def _provider_key(block: m.Block, resource_type: str) -> str:
    attribute = block.attribute("provider")
    if attribute is not None and isinstance(attribute.expr, m.Traversal):
        base = attribute.expr.base
        steps = [s.name for s in attribute.expr.steps if isinstance(s, m.AttrStep)]
        if isinstance(base, m.Name):
            return ".".join([base.name, *steps])
    if attribute is not None and isinstance(attribute.expr, m.Name):
        return attribute.expr.name
    return resource_type.split("_", 1)[0]


def _resource(
    stack: str,
    path: str,
    block: m.Block,
    evaluator: Evaluator,
    providers: dict[str, ProviderTags],
    index: TaggableIndex,
) -> Resource:
    resource_type, name = block.labels[0], block.labels[1]
    is_data = block.type == "data"
    address = f"data.{resource_type}.{name}" if is_data else f"{resource_type}.{name}"
    attribute_name = index.attribute_for(resource_type)
    attribute = block.attribute(attribute_name)
    provider = providers.get(_provider_key(block, resource_type)) if not is_data else None
    traced = TracedTags()
    if provider is not None:
        traced.overlay(provider.traced)
    if attribute is not None:
        place = Place(path, attribute.line, f"{attribute_name} of {address}")
        traced.overlay(trace_tags(attribute.expr, evaluator, place))
    # a resource that is never created (count = 0) stays a graph node but needs no owner
    count_reason = _absent_reason(block, evaluator)
    if provider is not None:
        fix_place = provider.place
    else:
        line = attribute.line if attribute is not None else block.line
        fix_place = Place(path, line, f"{attribute_name} of {address}")
    return Resource(
        address=address,
        type=resource_type,
        name=name,
        source="terraform",
        file=path,
        line=block.line,
        end_line=block.end_line,
        stack=stack,
        taggable=not is_data and count_reason is None and (index.is_taggable(resource_type) or attribute is not None),
        tags=tuple(traced.entries.values()),
        opaque=tuple(traced.opaque),
        fix_place=fix_place,
        references=tuple(sorted(_references(block))),
    )


def _absent_reason(block: m.Block, evaluator: Evaluator) -> str | None:
    """Why the resource is never created (``count = 0``, empty ``for_each``), else None."""
    count = block.attribute("count")
    if count is not None and evaluator.value(count.expr) == 0:
        return "count = 0"
    for_each = block.attribute("for_each")
    if for_each is not None:
        value = evaluator.value(for_each.expr)
        if not isinstance(value, Unknown) and value in ({}, [], None):
            return "for_each is empty"
    return None


def _module_call(stack: str, path: str, block: m.Block) -> Resource:
    address = f"module.{block.labels[0]}"
    return Resource(
        address=address,
        type="module",
        name=block.labels[0],
        source="terraform",
        file=path,
        line=block.line,
        end_line=block.end_line,
        stack=stack,
        taggable=False,
        references=tuple(sorted(_references(block))),
    )


def _references(block: m.Block) -> set[str]:
    found: set[str] = set()
    for attribute in block.attributes:
        for names in m.references(attribute.expr):
            if names[0] in _NOT_ADDRESSES:
                continue
            if names[0] == "data" and len(names) >= 3:
                found.add(".".join(names[:3]))
            elif len(names) >= 2 and (names[0] == "module" or "_" in names[0]):
                found.add(".".join(names[:2]))
    for nested in block.blocks:
        found |= _references(nested)
    return found
