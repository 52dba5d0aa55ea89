"""Kubernetes manifest files (YAML/JSON, multi-document, ``kind: List``) -> ``Manifest`` documents, with the
lines of the keys findings and graph evidence point at. Only safe loaders are used; nothing is executed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from ownlint.loaders.files import without_lone_surrogates
from ownlint.loaders.nesting import MAX_DEPTH, json_too_deep, too_deep
from ownlint.model import LoadProblem

if TYPE_CHECKING:
    from ownlint.loaders.terraform.cache import ParseCache

try:  # libyaml is several times faster; the pure-Python loader is the fallback
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object as found: its data, file, first and last line, and key lines."""

    data: dict[str, Any]
    file: str
    line: int
    end_line: int
    lines: dict[tuple[str, ...], int]


def collect(
    shown: str,
    text: str | LoadProblem,
    out: list[Manifest],
    problems: list[LoadProblem],
    cache: ParseCache | None = None,
) -> None:
    """The objects of one file into ``out``; YAML through ``cache`` (a ``cached.BACKEND`` one) when given."""
    if isinstance(text, LoadProblem):
        problems.append(text)
        return
    if "apiVersion" not in text or "kind" not in text:
        return  # not Kubernetes: skipped silently, without building any objects
    if cache is not None and not shown.endswith(".json"):  # by its name not YAML: JSON, quick to parse anyway
        from ownlint.loaders.kubernetes.cached import cached_documents  # only runs with a cache

        documents, found = cached_documents(cache, text, shown, documents_of)
    else:
        documents, found = documents_of(text, shown)
    problems.extend(found)
    for document in documents:
        out.extend(_objects(document))


def documents_of(text: str, shown: str) -> tuple[list[Manifest], list[LoadProblem]]:
    """A file's mapping documents and the problems that stopped parsing: what the cache keeps of a text."""
    parse = _json_documents if shown.endswith(".json") else _yaml_documents
    documents, problem = parse(text, shown)
    return documents, [problem] if problem is not None else []


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


def name_of(data: dict[str, Any]) -> str:
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return ""
    return str(meta.get("name") or meta.get("generateName") or "")
