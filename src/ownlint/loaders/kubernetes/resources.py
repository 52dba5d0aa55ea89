"""Kubernetes objects -> resources: the labels and annotations of an object, its pod template and its
Namespace, each with its place; which kinds are cluster-scoped (``kinds``, and those CRDs declare)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ownlint.loaders.kubernetes.documents import Manifest, name_of
from ownlint.loaders.kubernetes.kinds import CLUSTER_SCOPED, WORKLOADS
from ownlint.model import LINES, Place, PlaceKind, Resource, TagValue
from ownlint.records import builder

# each made of all its fields in order, without ``__init__`` (a slot descriptor's call per field: Resource's 18 cost
# a tenth of the loading of 9k cached manifests)
_RESOURCE, _PLACE, _TAG = builder(Resource), builder(Place), builder(TagValue)


def resources(manifests: list[Manifest], context: list[Manifest] | None = None) -> list[Resource]:
    cluster_scoped = set(CLUSTER_SCOPED) | _crd_cluster_kinds(manifests)
    defined = [*(context or ()), *manifests]  # the files checked win over the context
    namespaces = {name_of(m.data): m for m in defined if m.data["kind"] == "Namespace" and name_of(m.data)}
    inherited: dict[str, Inherited] = {}  # a Namespace's tags, built once for all its objects
    whats: dict[tuple[str, str], dict[str, str]] = {}

    def of_namespace(name: str) -> Inherited:
        found = inherited.get(name)
        if found is None:
            namespace = namespaces.get(name)
            meta = namespace.data.get("metadata") if namespace is not None else None
            tags = _tags(namespace, meta, ("metadata",), "namespace") if namespace is not None else {}
            found = inherited[name] = (tags, tuple(tags.values()))
        return found

    return [_resource(manifest, cluster_scoped, of_namespace, whats) for manifest in manifests]


# a Namespace's tags by lowered key, and in order: the objects that set none of its keys share the tuple
Inherited = tuple[dict[str, TagValue], tuple[TagValue, ...]]


def _crd_cluster_kinds(manifests: list[Manifest]) -> set[str]:
    kinds = set()
    for m in manifests:
        if m.data["kind"] != "CustomResourceDefinition":
            continue
        spec = m.data.get("spec")
        if isinstance(spec, dict):
            names = spec.get("names")
            if spec.get("scope") == "Cluster" and isinstance(names, dict) and isinstance(names.get("kind"), str):
                kinds.add(names["kind"])
    return kinds


def _resource(
    manifest: Manifest,
    cluster_scoped: set[str],
    of_namespace: Callable[[str], Inherited],
    whats: dict[tuple[str, str], dict[str, str]],
) -> Resource:
    """The object as a resource, with the tags of its pod template and its Namespace that it does not set itself
    (built once, not replaced after: ``dataclasses.replace`` cost a tenth of the loading of 9k manifests). An
    object that sets none of its Namespace's keys has its own tags and then the Namespace's tuple, as adding each
    of those that it does not set would give (most set none at all: they share the Namespace's tuple)."""
    data = manifest.data
    kind = data["kind"]
    raw_meta = data.get("metadata")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    name = name_of(data) or "<unnamed>"
    namespace = None if kind in cluster_scoped else str(meta.get("namespace") or "default")
    address = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    tags = _tags(manifest, meta, ("metadata",), "", whats)
    if kind in WORKLOADS or kind == "CronJob":
        template = (
            ("spec", "jobTemplate", "spec", "template", "metadata")
            if kind == "CronJob"
            else ("spec", "template", "metadata")
        )
        node: Any = data
        for step in template:
            node = node.get(step) if isinstance(node, dict) else None
        for key, tag in _tags(manifest, node, template, "pod template", whats).items():
            tags.setdefault(key, tag)  # its own win, the template's follow
    if not namespace:
        merged = tuple(tags.values())
    else:
        by_key, shared = of_namespace(namespace)
        if not tags:
            merged = shared
        elif tags.keys().isdisjoint(by_key):
            merged = (*tags.values(), *shared)
        else:
            for key, tag in by_key.items():
                tags.setdefault(key, tag)
            merged = tuple(tags.values())
    file, meta_line = manifest.file, manifest.lines.get(("metadata",), manifest.line)
    # address, type, name, source, file, line, end_line, stack, namespace, taggable, tags, opaque, fix_place,
    # references, container, instances, links, attributes
    return _RESOURCE(
        address,
        f"k8s:{kind}",
        name,
        "kubernetes",
        file,
        manifest.line,
        manifest.end_line,
        file,
        namespace,
        True,
        merged,
        (),
        _PLACE(file, meta_line, f"metadata.labels of {address}", PlaceKind.OBJECT_LABELS, "labels", address),
        (),
        f"Namespace/{namespace}" if namespace else None,
        manifest.instances,
        (),
        ({**data, LINES: manifest.lines},),
    )


def _tags(
    manifest: Manifest,
    node: Any,
    prefix: tuple[str, ...],
    origin: str,
    whats: dict[tuple[str, str], dict[str, str]] | None = None,
) -> dict[str, TagValue]:
    """The labels and annotations of ``node``, the manifest's value at ``prefix``, by their lowered key; ``whats``:
    the words of each place by (origin, label) and key, shared by the objects of a run (one string per distinct key,
    not one per object)."""
    found: dict[str, TagValue] = {}
    if not isinstance(node, dict) or not (
        isinstance(node.get("annotations"), dict) or isinstance(node.get("labels"), dict)
    ):
        return found  # most objects have neither: nothing below is worked out for them
    kind = PlaceKind.NAMESPACE_LABEL if origin == "namespace" else PlaceKind.LABEL
    of_namespace = f" of Namespace/{name_of(manifest.data)}" if origin == "namespace" else ""
    file, first, lines, origins = manifest.file, manifest.line, manifest.lines, manifest.origins
    shared = {} if whats is None or of_namespace else whats  # a Namespace's are built once per Namespace anyway
    for section in ("annotations", "labels"):  # labels win over annotations of the same key
        entries = node.get(section)
        if not isinstance(entries, dict):
            continue
        label = section[:-1]
        words = shared.get((origin, label))  # by key alone (no tuple made and hashed per key)
        if words is None:
            words = shared[origin, label] = {}
        for key, value in entries.items():
            name = key if type(key) is str else str(key)
            path = (*prefix, section, name)
            what = words.get(name)
            if what is None:
                what = f"{label} {name}{of_namespace}" if of_namespace else f"{origin} {label} {name}".strip()
                words[name] = what
            text = value if type(value) is str else _text(value)
            place = (origins.get(path) if origins else None) or _PLACE(
                file, lines.get(path, first), what, kind, name, ""
            )
            found[name.lower()] = _TAG(name, text, (place,), None)
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
