"""A composed YAML document -> Python data, quickly: what ``ManifestLoader.construct_document`` gives, built
by one walk of the nodes for the plain case (maps, sequences, the core schema's scalars, each node reached
once, text keys). Anything else (a merge key ``<<``, another tag, an alias to a collection, a key that is not
text, an error) is left to PyYAML's constructor, whole document, so that its result and its errors stay
exactly those of the constructor (``tests/test_yaml_speed.py`` compares them), and the loader is marked
``unusual``: what the quick walk builds is plain JSON data (the manifest cache stores only that)."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ownlint.loaders.kubernetes.schema import ManifestLoader, core_int

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_TAG + name for name in ("str", "null", "bool", "int", "float"))
_MAP, _SEQ = _TAG + "map", _TAG + "seq"
_BOOLS = yaml.SafeLoader.bool_values  # what PyYAML's bool constructor reads (an explicit `!!bool yes` too)


class _Unusual(Exception):
    """A node the quick walk leaves to PyYAML's constructor."""


def construct(loader: ManifestLoader, node: yaml.Node) -> Any:
    """The document's data, as ``loader.construct_document(node)`` builds it."""
    try:
        return _value(loader, node, set())
    except Exception:  # unusual or bad: PyYAML's constructor decides (and raises) as before
        loader.unusual = True
        return loader.construct_document(node)


def _value(loader: ManifestLoader, node: yaml.Node, seen: set[int]) -> Any:
    kind = type(node)
    if kind is ScalarNode:
        return _scalar(loader, node)
    if id(node) in seen:  # an alias: PyYAML's constructor shares the object (and ties recursive ones)
        raise _Unusual
    seen.add(id(node))
    if kind is MappingNode and node.tag == _MAP:
        data: dict[Any, Any] = {}
        for key, value in node.value:
            if type(key) is not ScalarNode or key.tag == _TAG + "merge":
                raise _Unusual
            name = _scalar(loader, key)
            if type(name) is not str:
                raise _Unusual
            data[name] = _value(loader, value, seen)
        return data
    if kind is SequenceNode and node.tag == _SEQ:
        return [_value(loader, item, seen) for item in node.value]
    raise _Unusual


def _scalar(loader: ManifestLoader, node: yaml.Node) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _INT:
        return core_int(text)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _BOOLS[text.lower()]
    if tag == _FLOAT:
        return loader.construct_yaml_float(node)  # type: ignore[arg-type]
    raise _Unusual
