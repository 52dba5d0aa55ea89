"""Kubernetes manifest files (YAML/JSON, multi-document, ``kind: List``) -> ``Manifest`` documents, with the
lines of the keys findings and graph evidence point at. Only safe loaders are used; nothing is executed.
Read as kubectl reads them: YAML 1.2 core scalars (``schema``), a stream of JSON objects, and every good
document of a file that has a bad one (each bad one is a located problem)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from ownlint.loaders.files import without_lone_surrogates
from ownlint.loaders.kubernetes.manifest import DOCUMENT_START as DOCUMENT_START
from ownlint.loaders.kubernetes.manifest import Manifest as Manifest
from ownlint.loaders.kubernetes.manifest import Parsed as Parsed
from ownlint.loaders.nesting import MAX_DEPTH, json_too_deep
from ownlint.model import LoadProblem

JSON_START = re.compile(r"[ \t\r\n]*\{")
Parse = Callable[[str, str], Parsed]  # a file's text and name -> what parsing it gave


def collect(
    shown: str,
    text: str | LoadProblem,
    out: list[Manifest],
    problems: list[LoadProblem],
    parse: Parse | None = None,
) -> None:
    """The objects of one file into ``out``; YAML through ``parse`` (the cache's, ``cached.cached_documents``)
    when given."""
    if isinstance(text, LoadProblem):
        problems.append(text)
        return
    if not looks_like_kubernetes(text):
        return  # not Kubernetes: skipped silently, without building any objects
    use = parse if parse is not None and not shown.endswith(".json") else documents_of  # JSON: quick anyway
    collected(use(text, shown), out, problems)


def looks_like_kubernetes(text: str) -> bool:
    """Whether a file's text may hold a Kubernetes object (one without ``apiVersion`` and ``kind`` holds none)."""
    return "apiVersion" in text and "kind" in text


def collected(parsed: Parsed, out: list[Manifest], problems: list[LoadProblem]) -> None:
    """A file's documents (their objects: a ``kind: List``'s items) into ``out``, its problems into ``problems``."""
    documents, found = parsed
    problems.extend(found)
    for document in documents:
        kind = document.data.get("kind")
        if type(kind) is str and not kind.endswith("List") and type(document.data.get("apiVersion")) is str:
            out.append(document)  # what ``_objects`` gives it, without a generator per document
        else:
            out.extend(_objects(document))


def documents_of(text: str, shown: str) -> Parsed:
    """A file's mapping documents and the problems that stopped parsing."""
    documents, found, _ = parsed(text, shown)
    return documents, found


def parsed(text: str, shown: str) -> tuple[list[Manifest], list[LoadProblem], bool]:
    """``documents_of``, and whether the documents are plain JSON data (what the manifest cache may store)."""
    documents: list[Manifest] = []
    found: list[LoadProblem] = []
    plain = True
    json_file = shown.endswith(".json")
    if json_file or JSON_START.match(text):  # kubectl sniffs JSON by its first `{`, whatever the name
        documents, problem = _json_documents(text, shown)
        found = [problem] if problem is not None else []
    if not json_file and (found or not documents):  # YAML, or a YAML flow mapping that is no JSON stream
        documents, found, plain = _yaml_stream()(text, shown)
    return documents, found, plain


@cache
def _yaml_stream() -> Callable[[str, str], tuple[list[Manifest], list[LoadProblem], bool]]:
    """``composing.yaml_stream``: PyYAML is imported when a first YAML text is parsed, not with this module (a
    warm run takes its documents from the manifest cache); kept (an import statement per file costs a microsecond)."""
    from ownlint.loaders.kubernetes.composing import yaml_stream

    return yaml_stream


def _json_documents(text: str, shown: str) -> tuple[list[Manifest], LoadProblem | None]:
    """The JSON values of ``text`` one after another, with or without whitespace between them (kubectl's
    stream), and the problem that stopped decoding (earlier objects are kept)."""
    deep = json_too_deep(text)
    if deep is not None:
        return [], LoadProblem(shown, deep, f"invalid JSON: nested more than {MAX_DEPTH} levels deep; not parsed")
    decoder = json.JSONDecoder()
    documents: list[Manifest] = []
    position, line = 0, 1
    while True:
        start = _skip_space(text, position)
        if start == len(text):
            return documents, None
        line += text.count("\n", position, start)
        try:
            data, position = decoder.raw_decode(text, start)
        except json.JSONDecodeError as error:
            return documents, LoadProblem(shown, error.lineno, f"invalid JSON: {error.msg}")
        except RecursionError:
            return documents, LoadProblem(shown, line, "invalid JSON: nesting too deep")
        first, line = line, line + text.count("\n", start, position)
        if isinstance(data, dict):
            documents.append(Manifest(without_lone_surrogates(text, data), shown, first, line, {}))


def _skip_space(text: str, position: int) -> int:
    """Past the JSON whitespace at ``position``."""
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


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


def namespace_of(data: dict[str, Any]) -> str | None:
    """The namespace an object's metadata names, or None."""
    meta = data.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    return str(namespace) if namespace else None
