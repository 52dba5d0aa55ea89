"""kustomize's built-in transformers as they touch ownership: labels and annotations (with the include flags),
namespace, name prefix and suffix, and patches (strategic merge and JSON6902) on the objects being built,
each change remembered with the kustomization line it comes from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ownlint.model import Place

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
POD_TEMPLATES = {
    "Deployment": [("spec", "template", "metadata")],
    "StatefulSet": [("spec", "template", "metadata")],
    "DaemonSet": [("spec", "template", "metadata")],
    "ReplicaSet": [("spec", "template", "metadata")],
    "ReplicationController": [("spec", "template", "metadata")],
    "Job": [("spec", "template", "metadata")],
    "CronJob": [("spec", "jobTemplate", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata")],
}
SELECTORS = {"Service": ("spec", "selector")}  # others: spec.selector.matchLabels of workloads


class PatchError(ValueError):
    """A patch kustomize would refuse (a JSON6902 path that is not there): the build stops."""


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
    objs: list[Obj], section: str, pairs: dict[str, str], place: Place, field_name: str, templates: bool, selectors: bool
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
                obj.origins[(*prefix, section, key)] = Place(place.file, place.line, what)
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
                        obj.origins[(*prefix, "labels", key)] = Place(origin.file, origin.line, f"pod template {origin.what}")


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


def selected(obj: Obj, target: dict[str, Any]) -> bool:
    """Whether a patch's ``target`` selects ``obj`` (kind, name and namespace as anchored regexes, group,
    version, label and annotation selectors)."""
    api = str(obj.data.get("apiVersion", ""))
    group, _, version = api.rpartition("/")
    original, current = obj.ids[0], (obj.name, obj.namespace or "default")
    wanted = {
        "kind": [obj.kind],
        "group": [group],
        "version": [version],
        "name": [original[0], current[0]],
        "namespace": [original[1], current[1]],
    }
    for key, actual in wanted.items():
        pattern = target.get(key)
        if pattern is None or pattern == "":
            continue
        if not any(_fits(str(pattern), value) for value in actual):
            return False
    for key, section in (("labelSelector", "labels"), ("annotationSelector", "annotations")):
        if isinstance(target.get(key), str) and not _matches(obj, section, target[key]):
            return False
    return True


def _fits(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


def patched_by_id(obj: Obj, patch: dict[str, Any]) -> bool:
    """Whether an untargeted strategic-merge patch is for ``obj``: same kind and group, and a name and
    namespace the object has or had."""
    meta = patch.get("metadata") if isinstance(patch.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    group = str(patch.get("apiVersion", "")).rpartition("/")[0]
    if patch.get("kind") != obj.kind or group != str(obj.data.get("apiVersion", "")).rpartition("/")[0]:
        return False
    return (str(meta.get("name") or ""), str(meta.get("namespace") or "default")) in obj.ids


def _matches(obj: Obj, section: str, selector: str) -> bool:
    meta = obj.meta(create=False) or {}
    entries = meta.get(section) if isinstance(meta.get(section), dict) else {}
    assert isinstance(entries, dict)
    for term in (t.strip() for t in selector.split(",") if t.strip()):
        if "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if str(entries.get(key)) == value:
                return False
        elif "=" in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if key not in entries or str(entries[key]) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in entries:
                return False
        elif term not in entries:
            return False
    return True


def strategic_merge(obj: Obj, patch: dict[str, Any], place: Place, lines: dict[tuple[str, ...], int]) -> bool:
    """Merge ``patch`` into ``obj`` (maps merged, null deletes, lists of named items merged by name, other lists
    replaced); False when the patch deletes the object (``$patch: delete``)."""
    if patch.get("$patch") == "delete":
        return False
    body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
    if isinstance(body.get("metadata"), dict):  # the patch's name and namespace say what it is for
        body["metadata"] = {k: v for k, v in body["metadata"].items() if k not in ("name", "namespace")}
    _merge(obj.data, body)
    for prefix in [("metadata",), *POD_TEMPLATES.get(obj.kind, [])]:
        node: Any = patch
        for name in prefix:
            node = node.get(name) if isinstance(node, dict) else None
        for section in ("labels", "annotations"):
            entries = node.get(section) if isinstance(node, dict) else None
            for key, value in (entries or {}).items() if isinstance(entries, dict) else ():
                where = (*prefix, section, str(key))
                if value is None:
                    obj.origins.pop(where, None)
                    continue
                origin = "pod template " if prefix != ("metadata",) else ""
                what = f"{origin}{section[:-1]} {key} from {place.what}"
                obj.origins[where] = Place(place.file, lines.get(where, place.line), what)
    return True


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if key == "$patch":
            continue
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            if value.get("$patch") == "replace":
                target[key] = {k: v for k, v in value.items() if k != "$patch"}
            else:
                _merge(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list) and _named(value) and _named(target[key]):
            by_name = {item["name"]: item for item in target[key]}
            for item in value:
                if item["name"] in by_name:
                    _merge(by_name[item["name"]], item)
                else:
                    target[key].append(item)
        else:
            target[key] = value


def _named(items: list[Any]) -> bool:
    return all(isinstance(i, dict) and "name" in i for i in items)


def json_patch(obj: Obj, operations: list[Any], place: Place) -> None:
    """RFC 6902 operations (add, replace, remove, copy, move; test is not checked) on ``obj``."""
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise PatchError("a JSON6902 operation without a path")
        kind, path = op.get("op"), _pointer(op["path"])
        if kind in ("add", "replace"):
            _put(obj.data, path, op.get("value"), kind == "add")
        elif kind == "remove":
            _take(obj.data, path)
        elif kind in ("copy", "move") and isinstance(op.get("from"), str):
            source = _pointer(op["from"])
            value = _take(obj.data, source) if kind == "move" else _get(obj.data, source)
            _put(obj.data, path, value, True)
        elif kind != "test":
            raise PatchError(f"unknown JSON6902 op {kind!r}")
        _note(obj, path, op.get("value"), kind, place)


def _note(obj: Obj, path: list[str], value: Any, kind: Any, place: Place) -> None:
    """Provenance of the label and annotation keys an operation sets (or drops)."""
    for prefix in [("metadata",), *POD_TEMPLATES.get(obj.kind, [])]:
        size = len(prefix)
        if tuple(path[:size]) != prefix or len(path) < size + 1 or path[size] not in ("labels", "annotations"):
            continue
        section = path[size]
        keys = path[size + 1 :]
        if not keys:  # the whole map replaced: every key is the patch's now
            for where in [w for w in obj.origins if w[: size + 1] == (*prefix, section)]:
                del obj.origins[where]
            written = value if isinstance(value, dict) and kind != "remove" else {}
            keys_set = [str(k) for k in written]
        else:
            keys_set = [keys[0]] if kind != "remove" else []
            if kind == "remove":
                obj.origins.pop((*prefix, section, keys[0]), None)
        for key in keys_set:
            what = f"{section[:-1]} {key} from {place.what}"
            obj.origins[(*prefix, section, key)] = Place(place.file, place.line, what)


def _pointer(text: str) -> list[str]:
    if text in ("", "/"):
        return [] if text == "" else [""]
    return [part.replace("~1", "/").replace("~0", "~") for part in text.lstrip("/").split("/")]


def _parent(data: Any, path: list[str]) -> Any:
    node = data
    for part in path[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchError(f"doc is missing path: /{'/'.join(path)}")
    return node


def _get(data: Any, path: list[str]) -> Any:
    if not path:
        return data
    parent, last = _parent(data, path), path[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"doc is missing path: /{'/'.join(path)}")


def _put(data: Any, path: list[str], value: Any, add: bool) -> None:
    if not path:
        raise PatchError("a JSON6902 operation on the whole object")
    parent, last = _parent(data, path), path[-1]
    if isinstance(parent, dict):  # kustomize replaces a key that is not there as if added
        parent[last] = value
    elif isinstance(parent, list) and (last == "-" or (last.isdigit() and int(last) <= len(parent))):
        if last == "-":
            parent.append(value)
        elif add:
            parent.insert(int(last), value)
        elif int(last) < len(parent):
            parent[int(last)] = value
        else:
            raise PatchError(f"doc is missing path: /{'/'.join(path)}")
    else:
        raise PatchError(f"doc is missing path: /{'/'.join(path)}")


def _take(data: Any, path: list[str]) -> Any:
    value = _get(data, path)
    parent, last = _parent(data, path), path[-1]
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return value
