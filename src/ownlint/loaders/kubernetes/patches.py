"""kustomize's patches as they touch ownership: which objects a patch is for (its target, or its own kind
and name against every name the object had), strategic merge and JSON6902 (RFC 6902) applied to the object,
the label and annotation keys they set remembered with the patch they come from."""

from __future__ import annotations

import re
from typing import Any

from ownlint.loaders.kubernetes.transform import POD_TEMPLATES, Obj
from ownlint.model import Place, PlaceKind

UNSAFE = re.compile(r"\)[*+?{]|\\[1-9]|\(\?[=!<]")  # repeated groups, backreferences, lookaround


class PatchError(ValueError):
    """A patch kustomize would refuse (a JSON6902 path that is not there): the build stops."""


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
    """kustomize's target patterns are Go (RE2) regular expressions; Python's backtracks, so a pattern that
    could backtrack for long (a repeated group, more than two quantifiers, over 200 characters) matches only
    itself, literally; names are at most 253 characters in Kubernetes."""
    risky = UNSAFE.search(pattern) or sum(pattern.count(q) for q in "*+?{") > 2
    if len(pattern) > 200 or risky or len(value) > 253:
        return pattern == value
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
                obj.origins[where] = Place(place.file, lines.get(where, place.line), what, PlaceKind.KUSTOMIZATION, key)
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
            at = (*prefix, section, key)  # bound first: mypy reads a starred subscript as 3.11 syntax
            obj.origins[at] = Place(place.file, place.line, what, PlaceKind.KUSTOMIZATION, key)


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
