"""Namespaces across sources: a Kubernetes object that Terraform manages takes the labels of the Namespace
it is placed in, and so does a manifest's object in a Namespace that only Terraform makes (a manifest's
objects already took those of the Namespaces the manifests define). An object's own labels always win."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ownlint.model import Place, PlaceKind, Resource, TagValue

NAMESPACE_TYPES = ("kubernetes_namespace", "kubernetes_namespace_v1")


def inherit_namespaces(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    listed = tuple(resources)
    by_address = {(r.stack, r.address): r for r in listed if r.source == "terraform"}
    from_terraform: dict[str, Resource] = {}
    from_manifests: dict[str, Resource] = {}
    for resource in listed:
        if resource.type in NAMESPACE_TYPES and (name := _name(resource)) is not None:
            from_terraform.setdefault(name, resource)
        elif resource.source == "kubernetes" and resource.type == "k8s:Namespace":
            from_manifests.setdefault(resource.name, resource)
    if not from_terraform and not any(_body(r) for r in listed):
        return listed  # no Kubernetes object is Terraform's: nothing to place
    placed = []
    for resource in listed:
        body = _body(resource)
        if body is not None and isinstance(body.get("namespace_of"), str):
            named = by_address.get((resource.stack, body["namespace_of"]))
            resource = replace(resource, namespace=_name(named) if named is not None else None)
        if resource.namespace is None or resource.type in (*NAMESPACE_TYPES, "k8s:Namespace"):
            placed.append(resource)
            continue
        if body is not None:  # Terraform's object: the Namespace Terraform makes, else a manifest's
            namespace = from_terraform.get(resource.namespace) or from_manifests.get(resource.namespace)
        else:
            namespace = from_terraform.get(resource.namespace) if resource.source == "kubernetes" else None
        placed.append(_inherit(resource, namespace) if namespace is not None else resource)
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


def _inherit(resource: Resource, namespace: Resource) -> Resource:
    own = {t.key.lower() for t in resource.tags}
    shown = f"Namespace/{resource.namespace}"
    what = shown if namespace.address == shown else f"{shown} ({namespace.address})"
    via = Place(namespace.file, namespace.line, what, PlaceKind.INHERITED, "namespace", namespace.address)
    inherited = tuple(
        TagValue(t.key, t.value, (*t.provenance, via), t.reason) for t in namespace.tags if t.key.lower() not in own
    )
    opaque = tuple(f"{reason} (inherited from {namespace.address})" for reason in namespace.opaque)
    if not inherited and not opaque:
        return resource
    return replace(resource, tags=resource.tags + inherited, opaque=resource.opaque + opaque)
