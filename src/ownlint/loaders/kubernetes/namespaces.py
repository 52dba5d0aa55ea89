"""The namespace objects are deployed to when their manifests do not say: a directory holding exactly one
Namespace (applied as ``kubectl -n NS apply -f DIR``), an Argo CD ``Application``'s destination namespace
for its source path, a Flux ``Kustomization``'s ``targetNamespace`` for its path. And the instances of one
object that kustomizations build alike, merged into one record that names them."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ownlint.loaders.kubernetes.documents import Manifest, name_of, namespace_of
from ownlint.loaders.kubernetes.kinds import CLUSTER_SCOPED
from ownlint.model import Resource

STDIN_NAME = "<stdin>"


def deployed_namespaces(manifests: list[Manifest]) -> list[Manifest]:
    """``manifests`` with the namespace each is deployed to written in, where the manifest leaves it out
    (a Flux ``targetNamespace`` overrides even a written one, as Flux does)."""
    flux, argo = _tool_paths(manifests)
    written = [namespace_of(m.data) for m in manifests]  # read once each: both loops want it
    lone = _directory_namespaces(manifests, written)
    result = []
    for manifest, given in zip(manifests, written, strict=True):
        if manifest.data["kind"] in CLUSTER_SCOPED:
            result.append(manifest)
            continue
        places = _places(manifest) if flux or argo else []  # none in most repositories: nothing per manifest
        forced = None
        if flux:
            forced = next((ns for path, ns, _ in flux if any(_under(p, path, True) for p in places)), None)
        chosen = forced or given
        if chosen is None and argo:
            chosen = next((ns for path, ns, deep in argo if any(_under(p, path, deep) for p in places)), None)
        if chosen is None and lone and not manifest.instances:
            chosen = lone.get(posixpath.dirname(manifest.file))
        result.append(manifest if chosen is None or chosen == given else _placed(manifest, chosen))
    return result


def _places(manifest: Manifest) -> list[str]:
    """The directories a manifest is deployed from: its kustomizations' (when built), else its own."""
    if manifest.instances:
        return [posixpath.dirname(i) for i in manifest.instances]
    return [] if manifest.file == STDIN_NAME else [posixpath.dirname(manifest.file)]


def _under(directory: str, path: str, deep: bool) -> bool:
    return directory == path or (deep and (path == "" or directory.startswith(f"{path}/")))


def _tool_paths(manifests: list[Manifest]) -> tuple[list[tuple[str, str, bool]], list[tuple[str, str, bool]]]:
    """(path, namespace, recursive) of each Flux Kustomization and Argo CD Application in ``manifests``."""
    flux, argo = [], []
    for manifest in manifests:
        data = manifest.data
        kind = data["kind"]
        if kind != "Kustomization" and kind != "Application":
            continue  # most objects: nothing else looked at
        api = str(data.get("apiVersion", ""))
        spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        if kind == "Kustomization" and api.startswith("kustomize.toolkit.fluxcd.io/"):
            path, namespace = spec.get("path"), spec.get("targetNamespace")
            if isinstance(path, str) and isinstance(namespace, str) and namespace:
                flux.append((_normal(path), namespace, True))
        elif kind == "Application" and api.startswith("argoproj.io/"):
            destination = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
            namespace = destination.get("namespace") if isinstance(destination, dict) else None
            sources = (
                [spec.get("source"), *(spec.get("sources") or [])]
                if isinstance(spec.get("sources") or [], list)
                else []
            )
            for source in sources:
                if isinstance(source, dict) and isinstance(source.get("path"), str) and isinstance(namespace, str):
                    directory = source.get("directory") if isinstance(source.get("directory"), dict) else {}
                    deep = bool(directory.get("recurse")) if isinstance(directory, dict) else False
                    argo.append((_normal(source["path"]), namespace, deep))
    return flux, argo


def _normal(path: str) -> str:
    cleaned = posixpath.normpath(path.strip().lstrip("/"))
    return "" if cleaned == "." else cleaned


def _directory_namespaces(manifests: list[Manifest], written: list[str | None]) -> dict[str, str]:
    """The directories (of manifests not built by kustomize) that hold exactly one Namespace; ``written``: the
    namespace each manifest names."""
    found: dict[str, set[str]] = {}
    for manifest in manifests:
        if manifest.data["kind"] == "Namespace" and not manifest.instances and manifest.file != STDIN_NAME:
            found.setdefault(posixpath.dirname(manifest.file), set()).add(name_of(manifest.data))
    if not found:
        return {}
    directories: dict[str, str] = {}  # a file's directory, once per file (a file holds several objects)
    # a directory whose objects name another namespace is not applied as one
    for manifest, named in zip(manifests, written, strict=True):
        if not named or manifest.instances or manifest.data["kind"] in CLUSTER_SCOPED:
            continue
        file = manifest.file
        directory = directories.get(file)
        if directory is None:
            directory = directories[file] = posixpath.dirname(file)
        if directory in found:
            found[directory].add(named)
    return {directory: names.pop() for directory, names in found.items() if len(names) == 1 and "" not in names}


def _placed(manifest: Manifest, namespace: str) -> Manifest:
    meta = manifest.data.get("metadata")
    data = {**manifest.data, "metadata": {**(meta if isinstance(meta, dict) else {}), "namespace": namespace}}
    return replace(manifest, data=data)


def merged_instances(resources: Iterable[Resource]) -> list[Resource]:
    """Records of one object that several kustomizations build with the same facts become one record that
    names them all; records that differ stay apart (a finding then names the instances it holds for)."""
    merged: dict[tuple[Any, ...], Resource] = {}
    for resource in resources:
        key: tuple[Any, ...] = (id(resource),)
        if resource.instances:
            tags = tuple(sorted((t.key.lower(), t.value, t.reason) for t in resource.tags))
            key = (resource.address, resource.file, resource.line, tags, resource.opaque)
        first = merged.get(key)
        if first is None:
            merged[key] = resource
        else:
            instances = tuple(sorted({*first.instances, *resource.instances}))
            merged[key] = replace(first, instances=instances)
    return list(merged.values())
