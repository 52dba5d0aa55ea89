"""Kubernetes manifests (YAML/JSON, multi-document, ``kind: List``) -> resources with labels.

Facts may come from labels or annotations (an e-mail cannot be a label value), from a workload's
pod template, or from the labels/annotations of its Namespace object, each with its place.
Only safe loaders are used; nothing in a manifest is executed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ownlint.loaders.files import MAX_FILE_BYTES, checked_text, read_text, relative, without_lone_surrogates
from ownlint.model import LoadProblem, LoadResult, Place, Progress, Resource, Suppression, TagValue
from ownlint.nesting import MAX_DEPTH, json_too_deep, too_deep
from ownlint.parallel import counter, run_chunks
from ownlint.suppressions.parse import ANNOTATION, annotation_suppressions

NAMESPACE_KIND = re.compile(r"^\s*kind:\s*[\"']?Namespace[\"']?\s*$|\"kind\"\s*:\s*\"Namespace\"", re.M)
LINES = "__lines__"  # in a resource's attributes: key path -> line, for the graph's evidence

try:  # libyaml is several times faster; the pure-Python loader is the fallback
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

CLUSTER_SCOPED = frozenset(
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
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "VolumeSnapshotClass",
        "PodSecurityPolicy",
        "ComponentStatus",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "ClusterIssuer",
        "ClusterPolicy",
        "ClusterSecretStore",
        "GatewayClass",
    }
)
WORKLOADS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "ReplicationController",
    }
)


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object as found: its data, file, first and last line, and key lines."""

    data: dict[str, Any]
    file: str
    line: int
    end_line: int
    lines: dict[tuple[str, ...], int]


def load_kubernetes(
    root: Path,
    files: Iterable[Path],
    stdin_text: str | None = None,
    context: Iterable[Path] = (),
    jobs: int = 1,
    max_bytes: int = MAX_FILE_BYTES,
    progress: Progress | None = None,
) -> LoadResult:
    """The objects of ``files`` (and standard input); ``context`` files only lend their Namespaces.
    With ``jobs`` > 1 the files are parsed in that many processes (when there are many)."""
    manifests: list[Manifest] = []
    problems: list[LoadProblem] = []
    shown_files: list[str] = []
    tasks = [(str(root), str(p), max_bytes) for p in files]
    read = counter(progress, "reading manifests", len(tasks))
    for shown, found, problem in run_chunks(_read_manifests, tasks, jobs, on_chunk=read):
        shown_files.append(shown)
        manifests.extend(found)
        problems.extend(problem)
    if stdin_text is not None:
        shown_files.append("<stdin>")
        _collect("<stdin>", checked_text(stdin_text, "<stdin>"), manifests, problems)
    namespaces = _context_namespaces(root, context, manifests, max_bytes)
    return LoadResult(
        resources=tuple(_resources(manifests, namespaces)),
        problems=tuple(problems),
        files=tuple(shown_files),
        suppressions=tuple(s for manifest in manifests for s in _suppressions(manifest)),
    )


def _read_manifests(tasks: list[tuple[str, str, int]]) -> list[tuple[str, list[Manifest], list[LoadProblem]]]:
    """Each (root, path, size limit)'s file as shown, its objects and problems (a worker's chunk, or all)."""
    results = []
    for root, path, limit in tasks:
        shown = relative(Path(root), Path(path))
        found: list[Manifest] = []
        problems: list[LoadProblem] = []
        _collect(shown, read_text(Path(path), shown, limit), found, problems)
        results.append((shown, found, problems))
    return results


def _context_namespaces(
    root: Path, context: Iterable[Path], manifests: list[Manifest], max_bytes: int = MAX_FILE_BYTES
) -> list[Manifest]:
    """The Namespaces defined in ``context`` files that ``manifests`` are placed in and do not define:
    a text search picks the few files worth parsing (a pre-commit run names one file of thousands)."""
    used = {_namespace_of(m.data) or "default" for m in manifests if m.data["kind"] not in CLUSTER_SCOPED}
    wanted = used - {_name(m.data) for m in manifests if m.data["kind"] == "Namespace"}
    found: list[Manifest] = []
    if not wanted:
        return found
    for path in context:
        text = read_text(path, path.name, max_bytes)
        if isinstance(text, LoadProblem) or not any(n in text for n in wanted) or not NAMESPACE_KIND.search(text):
            continue
        documents: list[Manifest] = []
        _collect(relative(root, path), text, documents, [])  # problems there are not this run's
        for document in documents:
            if document.data["kind"] == "Namespace" and _name(document.data) in wanted:
                found.append(document)
                wanted.discard(_name(document.data))  # the nearest definition stands
        if not wanted:
            break
    return found


def _namespace_of(data: dict[str, Any]) -> str | None:
    meta = data.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    return str(namespace) if namespace else None


def _suppressions(manifest: Manifest) -> list[Suppression]:
    """The object's ``ownlint.io/ignore`` annotation, if any."""
    metadata = manifest.data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(annotations, dict) or ANNOTATION not in annotations:
        return []
    written = manifest.lines.get(("metadata", "annotations", ANNOTATION), manifest.line)
    found = annotation_suppressions(manifest.file, written, annotations[ANNOTATION])
    return [replace(s, target_line=manifest.line) for s in found]


def _collect(shown: str, text: str | LoadProblem, out: list[Manifest], problems: list[LoadProblem]) -> None:
    if isinstance(text, LoadProblem):
        problems.append(text)
        return
    if "apiVersion" not in text or "kind" not in text:
        return  # not Kubernetes: skipped silently, without building any objects
    parse = _json_documents if shown.endswith(".json") else _yaml_documents
    documents, problem = parse(text, shown)
    if problem is not None:
        problems.append(problem)
    for document in documents:
        out.extend(_objects(document))


def _yaml_documents(text: str, shown: str) -> tuple[list[Manifest], LoadProblem | None]:
    """Every mapping document, and the problem that stopped parsing (earlier documents are kept)."""
    deep = too_deep(text)
    if deep is not None:
        return [], LoadProblem(shown, deep, f"invalid YAML: nested more than {MAX_DEPTH} levels deep; not parsed")
    loader = SafeLoader(text)
    documents: list[Manifest] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            data = loader.construct_document(node)
            if isinstance(data, dict):
                documents.append(
                    Manifest(data, shown, node.start_mark.line + 1, node.end_mark.line + 1, _key_lines(node))
                )
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = f"invalid YAML: {error.problem or error.context or 'syntax error'}"
        return documents, LoadProblem(shown, line, message)
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return documents, LoadProblem(shown, 1, f"invalid YAML: {error}")
    finally:
        loader.dispose()
    return documents, None


def _json_documents(text: str, shown: str) -> tuple[list[Manifest], LoadProblem | None]:
    deep = json_too_deep(text)
    if deep is not None:
        return [], LoadProblem(shown, deep, f"invalid JSON: nested more than {MAX_DEPTH} levels deep; not parsed")
    try:
        data = without_lone_surrogates(text, json.loads(text))
    except json.JSONDecodeError as error:
        return [], LoadProblem(shown, error.lineno, f"invalid JSON: {error.msg}")
    except RecursionError:
        return [], LoadProblem(shown, 1, "invalid JSON: nesting too deep")
    documents = [Manifest(data, shown, 1, text.count("\n") + 1, {})] if isinstance(data, dict) else []
    return documents, None


def _key_lines(node: yaml.Node) -> dict[tuple[str, ...], int]:
    """Lines of ``metadata`` label/annotation keys (and the pod template's), for precise provenance,
    and of the top-level keys the graph quotes as evidence (``subjects``, ``rules``, ``spec``)."""
    lines: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            lines[(str(key.value),)] = key.start_mark.line + 1
    wanted = [("metadata",), ("spec", "template", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata")]
    for prefix in wanted:
        meta = _child(node, prefix)
        if meta is None:
            continue
        lines[prefix] = meta.start_mark.line + 1
        for section in ("labels", "annotations"):
            mapping = _child(meta, (section,))
            if isinstance(mapping, yaml.MappingNode):
                for key, _ in mapping.value:
                    lines[(*prefix, section, str(key.value))] = key.start_mark.line + 1
    return lines


def _child(node: yaml.Node | None, path: tuple[str, ...]) -> yaml.Node | None:
    for name in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if getattr(k, "value", None) == name), None)
    return node


def _objects(document: Manifest) -> Iterator[Manifest]:
    data = document.data
    if not isinstance(data.get("apiVersion"), str) or not isinstance(data.get("kind"), str):
        return
    if data["kind"].endswith("List") and isinstance(data.get("items"), list):
        for item in data["items"]:
            if isinstance(item, dict) and isinstance(item.get("kind"), str):
                yield Manifest(item, document.file, document.line, document.end_line, {})
        return
    yield document


def _resources(manifests: list[Manifest], context: list[Manifest] | None = None) -> list[Resource]:
    cluster_scoped = set(CLUSTER_SCOPED) | _crd_cluster_kinds(manifests)
    defined = [*(context or ()), *manifests]  # the files checked win over the context
    namespaces = {_name(m.data): m for m in defined if m.data["kind"] == "Namespace" and _name(m.data)}
    found = []
    for manifest in manifests:
        resource = _resource(manifest, cluster_scoped)
        namespace = namespaces.get(resource.namespace or "")
        if namespace is not None:
            inherited = _tags(namespace, ("metadata",), "namespace")
            resource = _inherit(resource, inherited)
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


def _name(data: dict[str, Any]) -> str:
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return ""
    return str(meta.get("name") or meta.get("generateName") or "")


def _resource(manifest: Manifest, cluster_scoped: set[str]) -> Resource:
    data = manifest.data
    kind = data["kind"]
    name = _name(data) or "<unnamed>"
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
        fix_place=Place(manifest.file, meta_line, f"metadata.labels of {address}"),
        container=f"Namespace/{namespace}" if namespace else None,
        attributes=({**data, LINES: manifest.lines},),
    )


def _tags(manifest: Manifest, prefix: tuple[str, ...], origin: str) -> tuple[TagValue, ...]:
    node: Any = manifest.data
    for name in prefix:
        node = node.get(name) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return ()
    found: dict[str, TagValue] = {}
    for section in ("annotations", "labels"):  # labels win over annotations of the same key
        entries = node.get(section)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            line = manifest.lines.get((*prefix, section, str(key)), manifest.line)
            label = section[:-1]
            what = (
                f"{origin} {label} {key}".strip()
                if origin != "namespace"
                else (f"{label} {key} of Namespace/{_name(manifest.data)}")
            )
            text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            found[str(key).lower()] = TagValue(str(key), text, (Place(manifest.file, line, what),))
    return tuple(found.values())


def _inherit(resource: Resource, inherited: tuple[TagValue, ...]) -> Resource:
    own = {t.key.lower() for t in resource.tags}
    extra = tuple(t for t in inherited if t.key.lower() not in own)
    return replace(resource, tags=resource.tags + extra) if extra else resource
