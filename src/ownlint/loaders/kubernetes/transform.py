"""kustomize's built-in transformers as they touch ownership: labels and annotations (with the include flags),
namespace, name prefix and suffix, and patches (strategic merge and JSON6902) on the objects being built,
each change remembered with the kustomization line it comes from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ownlint.model import Place, PlaceKind

# the kinds kustomize's schema knows as cluster-scoped: its namespace transformer leaves them alone
KUSTOMIZE_CLUSTER = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "PodSecurityPolicy",
        "ComponentStatus",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
    }
)
NOT_PREFIXED = frozenset({"Namespace", "CustomResourceDefinition", "APIService"})
POD_TEMPLATES: dict[str, list[tuple[str, ...]]] = {
    "Deployment": [("spec", "template", "metadata")],
    "StatefulSet": [("spec", "template", "metadata")],
    "DaemonSet": [("spec", "template", "metadata")],
    "ReplicaSet": [("spec", "template", "metadata")],
    "ReplicationController": [("spec", "template", "metadata")],
    "Job": [("spec", "template", "metadata")],
    "CronJob": [("spec", "jobTemplate", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata")],
}
SELECTORS: dict[str, tuple[str, ...]] = {
    "Service": ("spec", "selector")
}  # others: spec.selector.matchLabels of workloads


@dataclass
class Obj:
    """An object being built: its data (a private copy), where it is written, and where each label and
    annotation key set by a kustomization comes from (``(*prefix, section, key)`` -> place)."""

    data: dict[str, Any]
    file: str
    line: int
    end_line: int
    lines: dict[tuple[str, ...], int]
    origins: dict[tuple[str, ...], Place] = field(default_factory=dict)
    ids: list[tuple[str, str]] = field(default_factory=list)  # (name, namespace) it had, first the original
    # label keys a transformer wrote into its pod templates: kustomize keeps them there in step afterwards
    template_keys: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.remember()

    def remember(self) -> None:
        """Patches find an object by any name and namespace it had (kustomize's previous ids)."""
        current = (self.name, self.namespace or "default")
        if current not in self.ids:
            self.ids.append(current)

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    def meta(self, path: tuple[str, ...] = ("metadata",), create: bool = True) -> dict[str, Any] | None:
        node: Any = self.data
        for name in path:
            child = node.get(name) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                if not create or not isinstance(node, dict):
                    return None
                child = node[name] = {}
            node = child
        return node if isinstance(node, dict) else None

    @property
    def name(self) -> str:
        meta = self.meta(create=False) or {}
        return str(meta.get("name") or "")

    @property
    def namespace(self) -> str:
        meta = self.meta(create=False) or {}
        return str(meta.get("namespace") or "")


def set_keys(
    objs: list[Obj],
    section: str,
    pairs: dict[str, str],
    place: Place,
    field_name: str,
    templates: bool,
    selectors: bool,
) -> None:
    """``pairs`` into each object's ``metadata.<section>`` (and its pod templates, selectors when asked)."""
    for obj in objs:
        prefixes = [("metadata",)] + (POD_TEMPLATES.get(obj.kind, []) if templates else [])
        if section == "labels" and templates:
            obj.template_keys.update(pairs)
        for prefix in prefixes:
            meta = obj.meta(prefix)
            if meta is None:
                continue
            entries = meta.get(section)
            if not isinstance(entries, dict):
                entries = meta[section] = {}
            origin = "pod template " if prefix != ("metadata",) else ""
            for key, value in pairs.items():
                entries[key] = value
                what = f"{origin}{section[:-1]} {key} from {field_name}"
                at = (*prefix, section, key)  # bound first: mypy reads a starred subscript as 3.11 syntax
                obj.origins[at] = Place(place.file, place.line, what, PlaceKind.KUSTOMIZATION, key)
        if selectors:
            _select(obj, pairs)


def follow_templates(objs: list[Obj]) -> None:
    """What kubectl renders: a label key a transformer wrote into the pod templates carries the object's
    final value of it there (a later ``labels`` entry or patch of ``metadata.labels`` reaches them too)."""
    for obj in objs:
        meta = obj.meta(create=False) or {}
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
        assert isinstance(labels, dict)
        for prefix in POD_TEMPLATES.get(obj.kind, []) if obj.template_keys else []:
            template = obj.meta((*prefix, "labels"), create=False)
            for key in obj.template_keys.intersection(labels):
                if template is not None and template.get(key) != labels[key]:
                    template[key] = labels[key]
                    origin = obj.origins.get(("metadata", "labels", key))
                    if origin is not None:
                        at = (*prefix, "labels", key)
                        obj.origins[at] = replace(origin, what=f"pod template {origin.what}")


def _select(obj: Obj, pairs: dict[str, str]) -> None:
    path = SELECTORS.get(obj.kind) or (("spec", "selector", "matchLabels") if obj.kind in POD_TEMPLATES else None)
    if path is None or obj.kind == "CronJob":
        return
    selector = obj.meta(path)
    if selector is not None:
        selector.update(pairs)


def set_namespace(objs: list[Obj], namespace: str) -> str | None:
    """kustomize's namespace transformer; a problem when two Namespaces would both be renamed to it."""
    if sum(1 for o in objs if o.kind == "Namespace") > 1:
        return f"namespace {namespace}: more than one Namespace would be renamed to it (kustomize refuses)"
    for obj in objs:
        if obj.kind == "Namespace":
            meta = obj.meta()
            if meta is not None:
                meta["name"] = namespace
        elif obj.kind not in KUSTOMIZE_CLUSTER:
            meta = obj.meta()
            if meta is not None:
                meta["namespace"] = namespace
        obj.remember()
    return None


def set_names(objs: list[Obj], prefix: str, suffix: str) -> None:
    for obj in objs:
        meta = obj.meta()
        if obj.kind not in NOT_PREFIXED and meta is not None and isinstance(meta.get("name"), str):
            meta["name"] = f"{prefix}{meta['name']}{suffix}"
        obj.remember()
