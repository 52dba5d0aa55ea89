"""Terraform plan JSON (``terraform show -json PLAN``): the strict mode, read only with ``--plan``.

Resources come from ``resource_changes`` (every instance that exists after the plan); the
provider's ``tags_all`` (AWS) or ``terraform_labels`` (Google) is the truth for effective tags.
Where the plan marks the whole map unknown, its keys are recovered from the configuration.
When the configuration directory was loaded too, every resource keeps its ``.tf`` file:line and
provenance, and its fingerprint matches the one the HCL check gives; a resource the configuration
declares unconditionally but the plan lacks is a problem, and is checked from the configuration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ownlint.loaders.files import without_lone_surrogates
from ownlint.loaders.nesting import MAX_DEPTH, json_too_deep
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.attributes import wants_attributes
from ownlint.loaders.terraform.tag_blocks import TAG_BLOCK_TYPES, plan_tag_list
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.model import LoadProblem, Place, PlaceKind, Resource, TagValue

_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')


@dataclass(frozen=True)
class Plan:
    path: str
    text: str
    changes: tuple[Mapping[str, Any], ...]


def read_plan(text: str, shown: str) -> Plan | LoadProblem | None:
    """The plan's resource changes; None for other ``terraform show -json`` output (a state)."""
    deep = json_too_deep(text)
    if deep is not None:
        return LoadProblem(shown, deep, f"invalid plan JSON: nested more than {MAX_DEPTH} levels deep; not parsed")
    try:
        data = without_lone_surrogates(text, json.loads(text))
    except json.JSONDecodeError as error:
        return LoadProblem(shown, error.lineno, f"invalid plan JSON: {error.msg}")
    except RecursionError:
        return LoadProblem(shown, 1, "invalid plan JSON: nesting too deep")
    if not isinstance(data, dict) or "format_version" not in data:
        return LoadProblem(shown, 1, "not a Terraform plan: no format_version")
    if "resource_changes" not in data and "planned_values" not in data:
        return None
    changes = data.get("resource_changes") or []
    if not isinstance(changes, list):
        return LoadProblem(shown, 1, "invalid plan JSON: resource_changes is not a list")
    return Plan(shown, text, tuple(c for c in changes if isinstance(c, dict)))


def config_address(instance_address: str) -> str:
    """``module.a["x"].aws_s3_bucket.b[0]`` -> ``module.a.aws_s3_bucket.b``."""
    return _INSTANCE_KEY.sub("", instance_address)


def plan_resources(plan: Plan, stack: str, configured: Iterable[Resource], index: TaggableIndex) -> list[Resource]:
    """One resource per planned instance; ``configured`` (the same stack's HCL resources) gives
    locations, provenance and the keys of maps the plan only knows after apply."""
    by_address: dict[str, Resource] = {}
    for resource in configured:
        by_address.setdefault(resource.address, resource)
    planned = (_planned(plan, stack, change, by_address, index) for change in plan.changes)
    return [r for r in planned if r is not None]


def missing_from_plan(
    plan: Plan,
    planned: Iterable[Resource],
    configured: Iterable[Resource],
    block_at: Callable[[str, int], m.Block | None],
) -> tuple[list[Resource], list[LoadProblem]]:
    """The resources of ``configured`` (one root module's HCL records, module calls included) that
    every plan of that configuration has, as no ``count``/``for_each`` on them or on a module call
    above them decides otherwise, but ``planned`` lacks; and a problem for each at its declaration."""
    have = {r.address for r in planned}
    modules = {r.address: r for r in configured if r.type == "module"}
    missing = [
        r
        for r in configured
        if r.type != "module" and not r.is_data and r.instances and r.address not in have
        if _unconditional(r, modules, block_at)
    ]
    problems = {
        r.address: LoadProblem(
            r.file,
            r.line,
            f"the plan {plan.path} has no {r.address} that {r.file}:{r.line} declares: "
            "is the plan from this configuration? It is checked from the configuration",
        )
        for r in missing
    }
    return missing, list(problems.values())


def _unconditional(
    resource: Resource, modules: Mapping[str, Resource], block_at: Callable[[str, int], m.Block | None]
) -> bool:
    """Neither the resource's block nor a module call it is reached through has ``count``/``for_each``."""
    parts = resource.address.split(".")
    calls = [modules.get(".".join(parts[: i + 2])) for i in range(0, len(parts) - 2, 2) if parts[i] == "module"]
    for record in (resource, *calls):
        block = block_at(record.file, record.line) if record is not None else None
        if block is None or block.attribute("count") is not None or block.attribute("for_each") is not None:
            return False
    return True


def _planned(
    plan: Plan,
    stack: str,
    change: Mapping[str, Any],
    by_address: Mapping[str, Resource],
    index: TaggableIndex,
) -> Resource | None:
    body: Mapping[str, Any] = change["change"] if isinstance(change.get("change"), dict) else {}
    actions = body.get("actions") or []
    instance = str(change.get("address", ""))
    resource_type, name = str(change.get("type", "")), str(change.get("name", ""))
    if actions == ["delete"] or not instance or not resource_type:
        return None
    address = config_address(instance)
    configured = by_address.get(address)
    place = Place(plan.path, _line_of(plan.text, instance), f"{instance} in plan", PlaceKind.PLAN, subject=instance)
    is_data = change.get("mode") == "data"
    after: Mapping[str, Any] = body["after"] if isinstance(body.get("after"), dict) else {}
    unknown: Mapping[str, Any] = body["after_unknown"] if isinstance(body.get("after_unknown"), dict) else {}
    if resource_type in TAG_BLOCK_TYPES:
        tags, opaque = plan_tag_list(after, unknown, place, configured)
        attribute: str | None = TAG_BLOCK_TYPES[resource_type]
    else:
        tags, opaque, attribute = _effective(_label_names(resource_type, index), after, unknown, place, configured)
    return Resource(
        address=address,
        type=resource_type,
        name=name,
        source="terraform",
        file=configured.file if configured else plan.path,
        line=configured.line if configured else place.line,
        end_line=configured.end_line if configured else place.line,
        stack=stack,
        taggable=not is_data and (index.is_taggable(resource_type) or attribute is not None),
        tags=tags,
        opaque=opaque,
        fix_place=configured.fix_place if configured else place,
        references=configured.references if configured else (),
        container=configured.container if configured else None,
        links=configured.links if configured else (),
        instances=(instance,),
        # the configuration names what a policy grants by reference; without it, the plan's values
        attributes=configured.attributes
        if configured and configured.attributes
        else _graph_values(resource_type, after),
    )


def _graph_values(resource_type: str, after: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    return (after,) if wants_attributes(resource_type) else ()


def _label_names(resource_type: str, index: TaggableIndex) -> tuple[tuple[str, ...], ...]:
    """Where the plan holds a type's effective labels, most authoritative first: the provider's merged map
    (``tags_all``, ``terraform_labels``) where defaults reach the type, then its own label path."""
    provider, own = resource_type.split("_", 1)[0], index.label_path(resource_type)
    merged = {"aws": "tags_all", "google": "terraform_labels"}.get(provider)
    if merged is None or not index.takes_provider_defaults(resource_type):
        return (own,)
    return ((*own[:-1], merged), own)  # a sibling: metadata.terraform_labels for Cloud Run v1


def _effective(
    names: tuple[tuple[str, ...], ...],
    after: Mapping[str, Any],
    unknown: Mapping[str, Any],
    place: Place,
    configured: Resource | None,
) -> tuple[tuple[TagValue, ...], tuple[str, ...], str | None]:
    """Effective tags from the plan: known keys with values, keys known only after apply, or the
    configuration's keys when the whole map is unknown."""
    for label_path in names:
        name = ".".join(label_path)
        marked, value = _at(unknown, label_path), _at(after, label_path)
        if marked is True:
            if configured is None:
                return (), (f"{name} is known only after apply ({place})",), name
            what = replace(place, what=f"{place.what}: {name} known only after apply, keys from configuration")
            recovered = tuple(replace(tag, provenance=(what, *tag.provenance)) for tag in configured.tags)
            return recovered, configured.opaque, name
        if isinstance(value, dict) or isinstance(marked, dict):
            known = value if isinstance(value, dict) else {}
            marks = marked if isinstance(marked, dict) else {}
            # an element known only after apply is absent from "after" and true in "after_unknown"
            keys = [*known, *(k for k, v in marks.items() if v is True and k not in known)]
            tags = tuple(_tag(key, known.get(key), marks.get(key) is True, place, configured) for key in keys)
            return tags, (), name
    return (), (), None


def _at(document: Any, label_path: tuple[str, ...]) -> Any:
    """The value at ``label_path``, through nested blocks (lists of one object in plan JSON); ``True``
    (known only after apply) when a part on the way is."""
    for key in label_path:
        if isinstance(document, list):
            document = document[0] if document else None
        if document is True or not isinstance(document, dict):
            return document if document is True else None
        document = document.get(key)
    return document


def _tag(key: str, value: Any, unknown: bool, place: Place, configured: Resource | None) -> TagValue:
    where = _place(place, configured, key)
    if unknown:
        return TagValue(key, None, where, f"{key} is known only after apply ({place.file})")
    if value is None:
        return TagValue(key, None, where, f"{key} is null in the plan")
    return TagValue(key, value if isinstance(value, str) else json.dumps(value), where)


def _place(place: Place, configured: Resource | None, key: str) -> tuple[Place, ...]:
    """The plan, then where the configuration sets the key (when loaded)."""
    tag = configured.tag(key) if configured else None
    return (place, *tag.provenance) if tag else (place,)


def _line_of(text: str, instance: str) -> int:
    for needle in (f'"address":{json.dumps(instance)}', f'"address": {json.dumps(instance)}'):
        position = text.find(needle)
        if position >= 0:
            return text.count("\n", 0, position) + 1
    return 1
