"""A composed YAML document -> Python data, quickly: what ``ManifestLoader.construct_document`` gives, built
by one walk of the nodes for the plain case (maps, sequences, the core schema's scalars, each node reached
once, text keys). Anything else (a merge key ``<<``, another tag, an alias to a collection, a key that is not
text, an error) is left to PyYAML's constructor, whole document, so that its result and its errors stay
exactly those of the constructor (``tests/test_yaml_speed.py`` compares them), and the loader is marked
``unusual``: what the quick walk builds is plain JSON data (the manifest cache stores only that). The composer
resolves no tag (``defer``): the walk does, as ``ManifestLoader.resolve`` would, and resolves a document's before
PyYAML's constructor sees it."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ownlint.loaders.kubernetes.schema import FIRST, ManifestLoader, core_int

_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_TAG + name for name in ("str", "null", "bool", "int", "float"))
_MAP, _SEQ = _TAG + "map", _TAG + "seq"
_BOOLS = yaml.SafeLoader.bool_values  # what PyYAML's bool constructor reads (an explicit `!!bool yes` too)


class _Unusual(Exception):
    """A node the quick walk leaves to PyYAML's constructor."""


def construct(loader: ManifestLoader, node: yaml.Node) -> Any:
    """The document's data, as ``loader.construct_document(node)`` builds it (its tags ``defer``-red or not)."""
    try:
        return _value(loader, node, set())
    except Exception:  # unusual or bad: PyYAML's constructor decides (and raises) as before
        loader.unusual = True
        resolved(loader, node)
        return loader.construct_document(node)


def defer(loader: ManifestLoader) -> None:
    """Has the loader's composer keep, as each implicit node's tag, what resolving it takes: ``slice(kind, value,
    implicit)``, made in C, not a call of ``resolve`` in Python per node (46k a cold est-d run: a tenth of its YAML
    load); most scalars are text, told by their first character where they are read (``_value``)."""
    loader.resolve = slice  # type: ignore[method-assign, assignment]


def resolved(loader: ManifestLoader, node: yaml.Node) -> None:
    """Every deferred tag under ``node`` resolved as ``ManifestLoader.resolve`` resolves it (each node once)."""
    seen: set[int] = set()
    pending = [node]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        tag: Any = node.tag  # (a slice where deferred)
        if type(tag) is slice:
            node.tag = ManifestLoader.resolve(loader, tag.start, tag.stop, tag.step)
        if type(node) is MappingNode:
            pending.extend(part for pair in node.value for part in pair)
        elif type(node) is SequenceNode:
            pending.extend(node.value)


def _value(loader: ManifestLoader, node: yaml.Node, seen: set[int]) -> Any:
    kind = type(node)
    if kind is ScalarNode:
        return _scalar(loader, node)
    if id(node) in seen:  # an alias: PyYAML's constructor shares the object (and ties recursive ones)
        raise _Unusual
    seen.add(id(node))
    tag: Any = node.tag  # (a slice where deferred)
    if kind is MappingNode and (type(tag) is slice or tag == _MAP):  # (an implicit collection's is the default)
        data: dict[Any, Any] = {}
        for key, value in node.value:  # scalars read here, not by a call (35k a cold est-d run)
            if type(key) is not ScalarNode:
                raise _Unusual
            name, tag = key.value, key.tag
            if type(tag) is slice:
                if tag.step[0] and (not name or name[0] in FIRST):
                    tag = _PLAIN.get(name) or _plain(loader, name, tag.step)
                else:
                    tag = _STR
            if tag != _STR:
                raise _Unusual  # a merge key, or one that is no text
            if type(value) is not ScalarNode:
                data[name] = _value(loader, value, seen)
                continue
            tag, text = value.tag, value.value
            if type(tag) is slice:
                if tag.step[0] and (not text or text[0] in FIRST):
                    tag = _PLAIN.get(text) or _plain(loader, text, tag.step)
                else:
                    tag = _STR
            data[name] = text if tag == _STR else _typed(loader, tag, value)
        return data
    if kind is SequenceNode and (type(tag) is slice or tag == _SEQ):
        return [_value(loader, item, seen) for item in node.value]
    raise _Unusual


# a plain scalar's text -> its tag (the core schema resolves it by its text alone): a run's keys and common values
# are resolved once each, not once per node by regular expressions; short ones, a bounded number
_PLAIN: dict[str, str] = {}
_MAX_PLAIN_TEXT, _MAX_PLAINS = 64, 4096


def _plain(loader: ManifestLoader, text: str, implicit: Any) -> str:
    """The tag of a plain scalar ``text`` (its resolution deferred), kept in ``_PLAIN``."""
    tag: str = ManifestLoader.resolve(loader, ScalarNode, text, implicit)
    if len(text) <= _MAX_PLAIN_TEXT and len(_PLAIN) < _MAX_PLAINS:
        _PLAIN[text] = tag
    return tag


def _scalar(loader: ManifestLoader, node: yaml.Node) -> Any:
    tag: Any = node.tag
    text = node.value
    if type(tag) is slice:  # as ``_value`` reads a mapping's
        if not tag.step[0] or (text and text[0] not in FIRST):
            return text
        tag = _PLAIN.get(text) or _plain(loader, text, tag.step)
    return text if tag == _STR else _typed(loader, tag, node)


def _typed(loader: ManifestLoader, tag: str, node: yaml.Node) -> Any:
    """A scalar of another tag than text."""
    text = node.value
    if tag == _INT:
        return core_int(text)
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return _BOOLS[text.lower()]
    if tag == _FLOAT:
        return loader.construct_yaml_float(node)  # type: ignore[arg-type]
    raise _Unusual
