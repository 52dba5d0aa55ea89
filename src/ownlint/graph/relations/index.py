"""Lookups every relation extractor needs: nodes by id, by type, by name, by namespace; references.

Terraform attributes hold apply-time references as ``"${module.a.aws_iam_role.x.arn}"`` text
(see ``loaders.terraform.attributes``); ``referenced`` turns that text back into graph nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, TypeVar

from ownlint.config.globs import matches_type
from ownlint.model import LINE, LINES, Place, PlaceKind, Resource, qualified

T = TypeVar("T")

REFERENCE = re.compile(r"\$\{([^}]+)\}")
# an enum member looked up on its class goes through the metaclass's ``__getattr__`` hook (Python 3.11): a place is
# made per relation found
ATTRIBUTE, RESOURCE = PlaceKind.ATTRIBUTE, PlaceKind.RESOURCE
INSTANCE_KEY = re.compile(r'\[(?:"[A-Za-z0-9_-]+"|[0-9]+)\]')  # as the loader writes one: aws_x.y["k"].arn


@dataclass
class ResourceIndex:
    resources: tuple[Resource, ...]
    by_id: dict[str, Resource] = field(default_factory=dict)
    by_type: dict[str, list[Resource]] = field(default_factory=dict)
    by_namespace: dict[str, list[Resource]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)
    _parsed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    policies: dict[str, Any] = field(default_factory=dict)  # policy JSON text -> its statements' fields

    @classmethod
    def of(
        cls, resources: Iterable[Resource], ids: Sequence[str] | None = None, by_id: dict[str, Resource] | None = None
    ) -> ResourceIndex:
        """``ids``: the resources' node ids, when the caller has them (a property that formats its text); ``by_id``:
        the first resource of each id, when the caller has them too (the graph's: one dict, not two)."""
        index = cls(tuple(resources))
        known = ids if ids is not None else [resource.node_id for resource in index.resources]
        if by_id is not None:
            index.by_id = by_id
        for resource, node_id in zip(index.resources, known, strict=True):
            if by_id is None:
                index.by_id.setdefault(node_id, resource)
            index.by_type.setdefault(resource.type, []).append(resource)
            if resource.namespace is not None:
                index.by_namespace.setdefault(resource.namespace, []).append(resource)
        return index

    def of_types(self, patterns: Iterable[str]) -> Iterator[Resource]:
        wanted = tuple(patterns)
        for resource_type, members in self.by_type.items():
            if matches_type(resource_type, wanted):
                yield from members

    def referenced(self, resource: Resource, value: Any) -> list[Resource]:
        """Resources named by ``${...}`` references in ``value`` (text), in ``resource``'s root module."""
        return distinct(self.referenced_instances(resource, value))

    def referenced_instances(self, resource: Resource, value: Any) -> list[tuple[Resource, str]]:
        """``referenced``, each with the instance key the reference names (``["logs"]``; "" for all)."""
        if not isinstance(value, str):
            return []
        found = []
        for address, key in self._references(value):
            target = self.by_id.get(qualified(resource, address))
            if target is not None:
                found.append((target, key))
        return found

    def _references(self, value: str) -> list[tuple[str, str]]:
        """(address, instance key) of each reference in ``value``: read once per text, as stacks repeat them."""
        parsed = self._parsed.get(value)
        if parsed is None:
            parsed = self._parsed[value] = []
            for text in REFERENCE.findall(value):
                key = INSTANCE_KEY.search(text)
                address = reference_address(text[: key.start()] + text[key.end() :] if key else text)
                parsed.append((address, key.group(0) if key else ""))
        return parsed

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """A lookup structure built once per estate (shared by the extractors that need it)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[no-any-return]

    def named(self, types: Iterable[str], name_attributes: Iterable[str], name: str) -> list[Resource]:
        """Managed resources of ``types`` whose name attribute equals ``name`` (or matches it, with wildcards)."""
        wanted, names = tuple(types), tuple(name_attributes)
        if any(c in name for c in "*?["):
            return [
                r
                for r in self.of_types(wanted)
                if not r.is_data and any(_matches(name, v) for v in attribute_values(r, names))
            ]
        table = self.cached(f"names:{wanted}:{names}", lambda: self._names(wanted, names))
        return table.get(name, [])

    def _names(self, types: tuple[str, ...], names: tuple[str, ...]) -> dict[str, list[Resource]]:
        table: dict[str, list[Resource]] = {}
        for resource in self.of_types(types):
            if not resource.is_data:
                for value in attribute_values(resource, names):
                    if isinstance(value, str) and "${" not in value and resource not in table.get(value, []):
                        table.setdefault(value, []).append(resource)
        return table


def reference_address(text: str) -> str:
    """``module.a.aws_s3_bucket.x.arn`` -> ``module.a.aws_s3_bucket.x`` (``data.`` sources keep three parts)."""
    parts = text.split(".")
    index = 0
    while parts[index : index + 1] == ["module"] and len(parts) > index + 2:
        index += 2
    width = 3 if parts[index : index + 1] == ["data"] else 2
    return ".".join(parts[: index + width])


def attribute_values(resource: Resource, names: Iterable[str]) -> Iterator[Any]:
    """The value of each of ``names`` in every instance of ``resource`` (missing ones skipped)."""
    for attributes in resource.attributes:
        for name in names:
            value = attributes.get(name)
            if value is not None:
                yield value


def first_block(attributes: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """A nested block given once (``metadata { }``): Terraform JSON gives it as a list of one."""
    value = attributes.get(name)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def place_of(resource: Resource, attributes: Mapping[str, Any], name: str = "", what: str = "") -> Place:
    """Where ``name`` is written in ``resource`` (its block when unknown), described by ``what``."""
    lines = attributes.get(LINES)
    line = lines.get(name) if isinstance(lines, dict) and name else None
    if not isinstance(line, int):
        own = attributes.get(LINE)
        line = own if isinstance(own, int) else resource.line
    kind = ATTRIBUTE if name else RESOURCE
    described = what or (f"{name} of {resource.address}" if name else resource.address)
    return Place(resource.file, line, described, kind, name, resource.address)


def _matches(wanted: str, value: Any) -> bool:
    if not isinstance(value, str) or "${" in value:
        return False
    return fnmatchcase(value, wanted) if any(c in wanted for c in "*?") else value == wanted


def distinct(instances: list[tuple[Resource, str]]) -> list[Resource]:
    """The resources of ``ResourceIndex.referenced_instances``, each once, in the order first named."""
    found: list[Resource] = []
    for target, _ in instances:
        if target not in found:
            found.append(target)
    return found
