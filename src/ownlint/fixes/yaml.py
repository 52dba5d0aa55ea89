"""Adding a label to a Kubernetes manifest: one new line under ``metadata.labels`` (two when the object
has no labels yet), indented like its neighbours; comments, key order and quoting elsewhere untouched.
Flow-style mappings (``metadata: {name: x}``) are changed in place, by the characters the key needs."""

from __future__ import annotations

import json
from collections.abc import Sequence

import yaml

from ownlint.fixes.hcl import Insertion

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_string(value: str) -> str:
    return json.dumps(value)  # a double-quoted YAML scalar: never read back as a number or a boolean


def yaml_key(key: str) -> str:
    plain = key.replace("-", "").replace("_", "").replace(".", "").replace("/", "").isalnum()
    return key if plain and not key[:1].isdigit() else yaml_string(key)


def add_label(text: str, line: int, key: str, value: str) -> Insertion | None:
    return add_labels(text, line, [(key, value)])


def add_labels(text: str, line: int, pairs: Sequence[tuple[str, str]]) -> Insertion | None:
    """The insertion that adds each ``key: value`` of ``pairs`` to the labels of the document starting at ``line``."""
    source = text.encode("utf-8")
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError:
        return None
    document = next((d for d in documents if isinstance(d, yaml.MappingNode) and d.start_mark.line + 1 == line), None)
    metadata = _value(document, "metadata")
    if not isinstance(metadata, yaml.MappingNode) or not metadata.value:
        return None
    entries = [f"{yaml_key(key)}: {yaml_string(value)}" for key, value in pairs]
    labels = _value(metadata, "labels")
    if labels is None:
        if metadata.flow_style:
            return _into_flow(source, metadata, f"labels: {{{', '.join(entries)}}}")
        first_key = metadata.value[0][0]
        indent = " " * first_key.start_mark.column
        lines = "".join(f"{indent}  {entry}\n" for entry in entries)
        return Insertion(_offset(source, first_key.start_mark.line), f"{indent}labels:\n{lines}")
    if not isinstance(labels, yaml.MappingNode):
        return None
    if labels.flow_style or not labels.value:
        return _into_flow(source, labels, ", ".join(entries))
    first_label = labels.value[0][0]
    indent = " " * first_label.start_mark.column
    return Insertion(_offset(source, first_label.start_mark.line), "".join(f"{indent}{e}\n" for e in entries))


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _into_flow(source: bytes, node: yaml.MappingNode, entry: str) -> Insertion | None:
    """``{a: b}`` -> ``{a: b, entry}``; ``{}`` -> ``{entry}``."""
    if not node.flow_style:
        return None
    end = _char_offset(source, node.end_mark.line, node.end_mark.column - 1)  # the closing brace
    if source[end : end + 1] != b"}":
        return None
    return Insertion(end, f", {entry}" if node.value else entry)


def _char_offset(source: bytes, row: int, column: int) -> int:
    """Byte offset of character ``column`` of line ``row`` (YAML marks count characters)."""
    start = _offset(source, row)
    end = source.find(b"\n", start)
    line = source[start : end if end >= 0 else len(source)].decode("utf-8", errors="surrogatepass")
    return start + len(line[:column].encode("utf-8", errors="surrogatepass"))


def _offset(source: bytes, row: int) -> int:
    """Byte offset of the start of 0-based line ``row``."""
    offset = 0
    for _ in range(row):
        offset = source.index(b"\n", offset) + 1
    return offset
