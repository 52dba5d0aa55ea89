"""Kubernetes objects -> resources: the labels and annotations of an object, its pod template and its
Namespace, each with its place; which kinds are cluster-scoped (``kinds``, and those CRDs declare)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ownlint.loaders.kubernetes.documents import Manifest, name_of
from ownlint.loaders.kubernetes.kinds import CLUSTER_SCOPED, WORKLOADS
from ownlint.model import LINES, Place, PlaceKind, Resource, TagValue


def resources(manifests: list[Manifest], context: list[Manifest] | None = None) -> list[Resource]:
    cluster_scoped = set(CLUSTER_SCOPED) | _crd_cluster_kinds(manifests)
    defined = [*(context or ()), *manifests]  # the files checked win over the context
    namespaces = {name_of(m.data): m for m in defined if m.data["kind"] == "Namespace" and name_of(m.data)}
    found = []
    inherited: dict[str, tuple[TagValue, ...]] = {}  # a Namespace's tags, built once for all its objects
    for manifest in manifests:
        resource = _resource(manifest, cluster_scoped)
        namespace = namespaces.get(resource.namespace or "")
        if namespace is not None:
            key = resource.namespace or ""
            if key not in inherited:
                inherited[key] = _tags(namespace, ("metadata",), "namespace")
            resource = _inherit(resource, inherited[key])
        found.append(resource)
    return found


def _crd_cluster_kinds(manifests: list[Manifest]) -> set[str]:
    kinds = set()
    for m in manifests:
        spec = m.data.get("spec")
        if m.data["kind"] == "CustomResourceDefinition" and isinstance(spec, dict):
            names = spec.get("names")
            if spec.get("scope") == "Cluster" and isinstance(names, dict) and isinstance(names.get("kind"), str):
                kinds.add(names["kind"])
    return kinds


def _resource(manifest: Manifest, cluster_scoped: set[str]) -> Resource:
    data = manifest.data
    kind = data["kind"]
    name = name_of(data) or "<unnamed>"
    raw_meta = data.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    namespace = None if kind in cluster_scoped else str(meta.get("namespace") or "default")
    address = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    tags = _tags(manifest, ("metadata",), "")
    if kind in WORKLOADS or kind == "CronJob":
        template = (
            ("spec", "jobTemplate", "spec", "template", "metadata")
            if kind == "CronJob"
            else ("spec", "template", "metadata")
        )
        own = {t.key.lower() for t in tags}
        tags += tuple(t for t in _tags(manifest, template, "pod template") if t.key.lower() not in own)
    meta_line = manifest.lines.get(("metadata",), manifest.line)
    return Resource(
        address=address,
        type=f"k8s:{kind}",
        name=name,
        source="kubernetes",
        file=manifest.file,
        line=manifest.line,
        end_line=manifest.end_line,
        stack=manifest.file,
        namespace=namespace,
        tags=tags,
        fix_place=Place(
            manifest.file, meta_line, f"metadata.labels of {address}", PlaceKind.OBJECT_LABELS, "labels", address
        ),
        container=f"Namespace/{namespace}" if namespace else None,
        instances=manifest.instances,
        attributes=({**data, LINES: manifest.lines},),
    )


def _tags(manifest: Manifest, prefix: tuple[str, ...], origin: str) -> tuple[TagValue, ...]:
    node: Any = manifest.data
    for name in prefix:
        node = node.get(name) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return ()
    found: dict[str, TagValue] = {}
    kind = PlaceKind.NAMESPACE_LABEL if origin == "namespace" else PlaceKind.LABEL
    of_namespace = f" of Namespace/{name_of(manifest.data)}" if origin == "namespace" else ""
    file, first, lines, origins = manifest.file, manifest.line, manifest.lines, manifest.origins
    for section in ("annotations", "labels"):  # labels win over annotations of the same key
        entries = node.get(section)
        if not isinstance(entries, dict):
            continue
        label = section[:-1]
        for key, value in entries.items():
            name = str(key)
            path = (*prefix, section, name)
            what = f"{label} {name}{of_namespace}" if of_namespace else f"{origin} {label} {name}".strip()
            text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            place = (origins.get(path) if origins else None) or Place(file, lines.get(path, first), what, kind, name)
            found[name.lower()] = TagValue(name, text, (place,))
    return tuple(found.values())


def _inherit(resource: Resource, inherited: tuple[TagValue, ...]) -> Resource:
    own = {t.key.lower() for t in resource.tags}
    extra = tuple(t for t in inherited if t.key.lower() not in own)
    return replace(resource, tags=resource.tags + extra) if extra else resource
