"""Namespaces across sources: a Kubernetes object that Terraform manages takes the labels of the Namespace
it is placed in, and so does a manifest's object in a Namespace that only Terraform makes (a manifest's
objects already took those of the Namespaces the manifests define). An object's own labels always win."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.records import replacer

NAMESPACE_TYPES = ("kubernetes_namespace", "kubernetes_namespace_v1")
_LENT = replacer(Resource, "tags", "opaque")  # ``replace(resource, tags=..., opaque=...)``, by position
_UNPLACED = frozenset((*NAMESPACE_TYPES, "k8s:Namespace"))  # never given a Namespace's tags
# what a Namespace lends the objects placed in it under one name: each of its tags (by lowered key) with the place
# it is inherited through, all of them, their keys, and its opaque reasons (made once, not once per object)
Lent = tuple[tuple[tuple[str, TagValue], ...], tuple[TagValue, ...], frozenset[str], tuple[str, ...]]


def inherit_namespaces(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    listed = tuple(resources)
    from_terraform: dict[str, Resource] = {}
    from_manifests: dict[str, Resource] = {}
    bodies: dict[int, Mapping[str, Any]] = {}  # each Terraform object's body (by the resource, alive for the call)
    for resource in listed:  # (one pass, each resource's source looked at once: tens of thousands)
        if resource.source == "terraform":
            body = _body(resource) if resource.type.startswith("kubernetes_") else None
            if body is None:
                continue
            bodies[id(resource)] = body
            if resource.type in NAMESPACE_TYPES and (name := _name(resource)) is not None:
                from_terraform.setdefault(name, resource)
        elif resource.source == "kubernetes" and resource.type == "k8s:Namespace":
            from_manifests.setdefault(resource.name, resource)
    if not from_terraform and not bodies:
        return listed  # no Kubernetes object is Terraform's: nothing to place
    by_address: dict[tuple[str, str], Resource] | None = None  # made when a body names its Namespace's resource
    placed = []
    lent: dict[tuple[int, str], Lent] = {}  # by the Namespace (alive for the call) and the name placed in
    for resource in listed:
        if resource.namespace is None and resource.source != "terraform":
            placed.append(resource)  # (most manifest objects are placed; cluster-scoped ones are not)
            continue
        body = bodies.get(id(resource)) if resource.source == "terraform" else None
        if body is not None and isinstance(body.get("namespace_of"), str):
            if by_address is None:
                by_address = {(r.stack, r.address): r for r in listed if r.source == "terraform"}
            named = by_address.get((resource.stack, body["namespace_of"]))
            resource = replace(resource, namespace=_name(named) if named is not None else None)
        if resource.namespace is None or resource.type in _UNPLACED:
            placed.append(resource)
            continue
        if body is not None:  # Terraform's object: the Namespace Terraform makes, else a manifest's
            namespace = from_terraform.get(resource.namespace) or from_manifests.get(resource.namespace)
        else:
            namespace = from_terraform.get(resource.namespace) if resource.source == "kubernetes" else None
        placed.append(_inherit(resource, namespace, lent) if namespace is not None else resource)
    return tuple(placed)


def _body(resource: Resource) -> Mapping[str, Any] | None:
    """What the Terraform loader found a ``kubernetes_*`` resource is in the cluster (kind, name, namespace)."""
    if resource.source != "terraform" or not resource.type.startswith("kubernetes_") or not resource.attributes:
        return None
    body = resource.attributes[0].get("kubernetes")
    return body if isinstance(body, dict) and "kind" in body else None


def _name(resource: Resource) -> str | None:
    body = _body(resource)
    name = body.get("name") if body is not None else None
    return name if isinstance(name, str) and name else None


def _inherit(resource: Resource, namespace: Resource, lent: dict[tuple[int, str], Lent]) -> Resource:
    """``resource`` with the tags of ``namespace`` that it does not set itself, and its opaque reasons; what the
    Namespace lends is made once per Namespace and name (``_lent``): the objects of one share its tags."""
    name = resource.namespace or ""
    found = lent.get((id(namespace), name))
    if found is None:
        found = lent[id(namespace), name] = _lent(namespace, name)
    pairs, every, keys, opaque = found
    if not resource.tags:
        inherited = every
    else:
        own = {t.key.lower() for t in resource.tags}
        inherited = every if keys.isdisjoint(own) else tuple(t for key, t in pairs if key not in own)
    if not inherited and not opaque:
        return resource
    return _LENT(resource, resource.tags + inherited, resource.opaque + opaque)  # (thousands of objects)


def _lent(namespace: Resource, name: str) -> Lent:
    shown = f"Namespace/{name}"
    what = shown if namespace.address == shown else f"{shown} ({namespace.address})"
    via = Place(namespace.file, namespace.line, what, PlaceKind.INHERITED, "namespace", namespace.address)
    pairs = tuple((t.key.lower(), TagValue(t.key, t.value, (*t.provenance, via), t.reason)) for t in namespace.tags)
    opaque = tuple(f"{reason} (inherited from {namespace.address})" for reason in namespace.opaque)
    return pairs, tuple(t for _, t in pairs), frozenset(key for key, _ in pairs), opaque
