"""kustomize's ConfigMap and Secret generators as they make objects: name, namespace, behavior (create,
merge, replace), labels and annotations of their options and of ``generatorOptions``. Contents are not read
(ownership does not depend on them), so generated names carry no content hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ownlint.loaders.kubernetes.transform import Obj
from ownlint.model import Place, PlaceKind

GENERATORS = (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret"))


class Source(Protocol):
    shown: str
    data: dict[str, Any]

    def line(self, *path: Any) -> int: ...


def generate(kust: Source, objs: list[Obj], problem: Callable[[int, str], None]) -> None:
    """The objects ``kust``'s generators make, added to (or merged into) ``objs``."""
    defaults = kust.data.get("generatorOptions")
    defaults = defaults if isinstance(defaults, dict) else {}
    for key, kind in GENERATORS:
        items = kust.data.get(key)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                problem(kust.line(key, index), f"{key} entry without a name; not generated")
                continue
            _one(kust, objs, key, kind, index, item, defaults)


def _one(
    kust: Source, objs: list[Obj], key: str, kind: str, index: int, item: dict[str, Any], defaults: dict[str, Any]
) -> None:
    options = item.get("options") if isinstance(item.get("options"), dict) else {}
    assert isinstance(options, dict)
    namespace = item.get("namespace") if isinstance(item.get("namespace"), str) else None
    behavior = item.get("behavior", "create")
    existing = next(
        (
            o
            for o in objs
            if o.kind == kind
            and any(name == item["name"] for name, _ in o.ids)  # a base's generated object, maybe renamed since
            and (namespace is None or o.namespace == namespace)
        ),
        None,
    )
    line = kust.line(key, index)
    if existing is None or behavior == "create":
        meta: dict[str, Any] = {"name": item["name"]}
        if namespace:
            meta["namespace"] = namespace
        data: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": meta}
        if kind == "Secret":
            data["type"] = str(item.get("type") or "Opaque")
        existing = Obj(data, kust.shown, line, line, {("metadata",): line})
        objs.append(existing)
    elif behavior == "replace":
        meta = existing.meta() or {}
        for section in ("labels", "annotations"):
            meta.pop(section, None)
        existing.origins = {k: v for k, v in existing.origins.items() if k[0] != "metadata"}
    for section in ("labels", "annotations"):
        for source, at in ((defaults, ("generatorOptions",)), (options, (key, index, "options"))):
            entries = source.get(section)
            if not isinstance(entries, dict):
                continue
            meta = existing.meta() or {}
            target = meta.setdefault(section, {})
            if not isinstance(target, dict):
                continue
            for name, value in entries.items():
                target[str(name)] = "" if value is None else str(value)
                what = f"{section[:-1]} {name} from {'generatorOptions' if at[0] == 'generatorOptions' else key}"
                existing.origins[("metadata", section, str(name))] = Place(
                    kust.shown, kust.line(*at, section, name), what, PlaceKind.KUSTOMIZATION, str(name)
                )
