"""Tags written as a list of ``{key, value, propagate_at_launch}`` rather than a map: ``aws_autoscaling_group``'s
``tag`` blocks (static or ``dynamic``) and its legacy ``tags`` list attribute (AWS provider < 5), in HCL and in
plan JSON. Provider ``default_tags`` never reach them (AWS provider docs)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.overrides import file_of
from ownlint.loaders.terraform.providers import dotted
from ownlint.loaders.terraform.tags import TracedTags, add_tag, data_trace
from ownlint.loaders.terraform.values import PartialMap, Unknown, to_text
from ownlint.model import Place, PlaceKind, Resource, TagValue

# Resource type -> the name of its repeated tag block; its ``tags`` attribute, when set, is the legacy list.
TAG_BLOCK_TYPES = {"aws_autoscaling_group": "tag"}


def tag_blocks(
    path: str,
    block: m.Block,
    block_name: str,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> TracedTags:
    """The legacy ``tags`` list, then the ``tag`` blocks, static or ``dynamic``."""
    traced = TracedTags()
    legacy = block.attribute("tags")
    if legacy is not None:
        _legacy_list(
            traced,
            legacy,
            Place(file_of(legacy, path), legacy.line, f"tags of {address}", PlaceKind.ATTRIBUTE, "tags", address),
            evaluator,
            env,
        )
    for nested in block.children(block_name):
        _entry(
            traced,
            nested,
            Place(
                file_of(nested, path),
                nested.line,
                f"{block_name} block of {address}",
                PlaceKind.TAG_BLOCK,
                block_name,
                address,
            ),
            evaluator,
            env,
        )
    for dynamic in block.children("dynamic"):
        if dynamic.labels[:1] != (block_name,):
            continue
        dynamic_place = Place(
            file_of(dynamic, path),
            dynamic.line,
            f'dynamic "{block_name}" of {address}',
            PlaceKind.TAG_BLOCK,
            block_name,
            address,
        )
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
                _entry(traced, content, outer, evaluator, scope)
    return traced


def _entry(
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
    key = evaluator.value(key_attribute.expr, env)
    if isinstance(key, Unknown):
        traced.opaque.append(f"a tag key is unknown: {key.reason} ({where[0]})")
        return
    add_tag(traced, to_text(key), evaluator.value(value_attribute.expr, env), where)


def _legacy_list(
    traced: TracedTags, attribute: m.Attribute, place: Place, evaluator: Evaluator, env: Mapping[str, Any]
) -> None:
    """``tags = [{ key = "owner", value = "x", propagate_at_launch = true }, ...]``: each item where it is written."""
    if isinstance(attribute.expr, m.TupleExpr):
        for item in attribute.expr.items:
            line = item.items[0].line if isinstance(item, m.ObjectExpr) and item.items else place.line
            _legacy_item(traced, evaluator.value(item, env), replace(place, line=line))
        return
    value = evaluator.value(attribute.expr, env)
    if isinstance(value, Unknown):
        traced.opaque.append(f"{value.reason} ({place})")
    elif isinstance(value, list):
        for item in value:
            _legacy_item(traced, item, place)
    elif value is not None:
        traced.opaque.append(f"the tags value is not a list of {{key, value}} ({place})")


def _legacy_item(traced: TracedTags, item: Any, place: Place) -> None:
    if isinstance(item, PartialMap):
        item = {**item.known} if "key" in item.known and "value" in item.known else Unknown(", ".join(item.reasons))
    if isinstance(item, Unknown):
        traced.opaque.append(f"a tag is unknown: {item.reason} ({place})")
    elif isinstance(item, dict) and "key" in item:
        key = item.get("key")
        if isinstance(key, Unknown):
            traced.opaque.append(f"a tag key is unknown: {key.reason} ({place})")
        elif key is not None:
            add_tag(traced, to_text(key), item.get("value"), (place,))
    else:
        traced.opaque.append(f"a tag is not a {{key, value}} map ({place})")


def plan_tag_list(
    after: Mapping[str, Any], unknown: Mapping[str, Any], place: Place, configured: Resource | None
) -> tuple[tuple[TagValue, ...], tuple[str, ...]]:
    """The plan's ``tag`` set and legacy ``tags`` list (``[{key, value, propagate_at_launch}]``) as tags."""
    tags: dict[str, TagValue] = {}
    opaque: list[str] = []
    for name in ("tags", "tag"):
        marked, value = unknown.get(name), after.get(name)
        if marked is True and configured is not None:  # the whole list after apply: its keys from configuration
            what = replace(place, what=f"{place.what}: {name} known only after apply, keys from configuration")
            tags.update((t.key, replace(t, provenance=(what, *t.provenance))) for t in configured.tags)
            opaque.extend(configured.opaque)
            continue
        if marked is True:
            opaque.append(f"{name} is known only after apply ({place})")
            continue
        marks = marked if isinstance(marked, list) else []
        for position, item in enumerate(value if isinstance(value, list) else []):
            mark = marks[position] if position < len(marks) else None
            if not isinstance(item, dict) or mark is True or not isinstance(item.get("key"), str):
                opaque.append(f"a {name} entry is known only after apply ({place})")
                continue
            key = item["key"]
            origin = configured.tag(key) if configured is not None else None
            where = (place, *origin.provenance) if origin is not None else (place,)
            if isinstance(mark, dict) and mark.get("value") is True:
                tags[key] = TagValue(key, None, where, f"{key} is known only after apply ({place.file})")
            elif item.get("value") is None:
                tags[key] = TagValue(key, None, where, f"{key} is null in the plan")
            else:
                text = item["value"]
                tags[key] = TagValue(key, text if isinstance(text, str) else json.dumps(text), where)
    return tuple(tags.values()), tuple(opaque)
