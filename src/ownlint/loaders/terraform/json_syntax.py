"""Terraform's JSON syntax (``.tf.json``, ``.tfvars.json``) -> ownlint's ``HclFile`` model.

Strings holding ``${...}`` are templates parsed by the HCL expression parser. Lines come from
libyaml's marks (JSON is YAML); when libyaml refuses the text, ``json`` reads it and every
line is 1. Nested blocks are told from map attributes by name, as Terraform's schema would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from ownlint.loaders.files import without_lone_surrogates
from ownlint.loaders.nesting import MAX_DEPTH, json_too_deep, too_deep
from ownlint.loaders.terraform import expr as m

# Block types whose bodies are objects: (block type, number of labels)
_TOP_BLOCKS = {"resource": 2, "data": 2, "module": 1, "provider": 1, "variable": 1, "output": 1}
# Nested blocks ownlint reads (every other object-valued key is a map attribute)
_NESTED_BLOCKS = {"default_tags", "tag", "content", "lifecycle", "provisioner", "connection"}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Node:
    """A JSON value with the 1-based line it starts on."""

    __slots__ = ("end_line", "line", "value")

    def __init__(self, value: Any, line: int, end_line: int) -> None:
        self.value = value
        self.line = line
        self.end_line = end_line


def parse_json_file(text: str, path: str) -> m.HclFile:
    root = _load(text)
    if not isinstance(root.value, dict):
        raise m.HclSyntaxError("a Terraform JSON file must hold an object", root.line)
    if path.endswith(".tfvars.json"):
        return m.HclFile(path, tuple(_attribute(k, v, literal=True) for k, v in root.value.items()), ())
    blocks: list[m.Block] = []
    for key, node in root.value.items():
        if key == "locals":
            for body in _bodies(node):
                attributes = tuple(_attribute(k, v) for k, v in body.value.items())
                blocks.append(m.Block("locals", (), attributes, (), body.line, body.end_line))
        elif key in _TOP_BLOCKS:
            blocks.extend(_labelled(key, node, _TOP_BLOCKS[key], ()))
        elif key == "terraform":
            blocks.extend(_block("terraform", (), body) for body in _bodies(node))
    return m.HclFile(path, (), tuple(blocks))


def _load(text: str) -> _Node:
    deep = too_deep(text)
    if deep is not None:
        raise m.HclSyntaxError(f"nested more than {MAX_DEPTH} levels deep; not parsed", deep)
    try:
        return _from_yaml(yaml.compose(text, Loader=_Loader))
    except yaml.YAMLError:
        pass
    except RecursionError:
        raise m.HclSyntaxError("nesting too deep to parse", 1) from None
    deep = json_too_deep(text)  # what libyaml refused, json reads (tabs, escapes YAML lacks)
    if deep is not None:
        raise m.HclSyntaxError(f"nested more than {MAX_DEPTH} levels deep; not parsed", deep)
    try:
        return _from_plain(without_lone_surrogates(text, json.loads(text)))
    except json.JSONDecodeError as error:
        raise m.HclSyntaxError(error.msg, error.lineno) from None
    except RecursionError:
        raise m.HclSyntaxError("nesting too deep to parse", 1) from None


def _from_yaml(node: Any) -> _Node:
    line, end = node.start_mark.line + 1, node.end_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _Node({str(k.value): _from_yaml(v) for k, v in node.value}, line, end)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_from_yaml(v) for v in node.value], line, end)
    if node is None:
        return _Node(None, 1, 1)
    return _Node(_scalar(node), line, end)


def _scalar(node: Any) -> Any:
    if node.style in ('"', "'"):
        return node.value
    raw = node.value
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number


def _from_plain(value: Any) -> _Node:
    if isinstance(value, dict):
        return _Node({k: _from_plain(v) for k, v in value.items()}, 1, 1)
    if isinstance(value, list):
        return _Node([_from_plain(v) for v in value], 1, 1)
    return _Node(value, 1, 1)


def _bodies(node: _Node) -> list[_Node]:
    """A block body, or several written as an array of objects."""
    if isinstance(node.value, dict):
        return [node]
    if isinstance(node.value, list):
        return [n for n in node.value if isinstance(n.value, dict)]
    return []


def _labelled(block_type: str, node: _Node, depth: int, labels: tuple[str, ...]) -> list[m.Block]:
    if depth == 0:
        return [_block(block_type, labels, body) for body in _bodies(node)]
    found: list[m.Block] = []
    for outer in _bodies(node):
        for label, inner in outer.value.items():
            found.extend(_labelled(block_type, inner, depth - 1, (*labels, label)))
    return found


def _block(block_type: str, labels: tuple[str, ...], body: _Node) -> m.Block:
    attributes: list[m.Attribute] = []
    blocks: list[m.Block] = []
    for key, node in body.value.items():
        if key == "//":
            continue
        if key == "dynamic":
            blocks.extend(_labelled("dynamic", node, 1, ()))
        elif key in _NESTED_BLOCKS and (isinstance(node.value, dict) or _is_object_list(node)):
            blocks.extend(_block(key, (), inner) for inner in _bodies(node))
        else:
            attributes.append(_attribute(key, node))
    return m.Block(block_type, labels, tuple(attributes), tuple(blocks), body.line, body.end_line)


def _is_object_list(node: _Node) -> bool:
    return isinstance(node.value, list) and all(isinstance(n.value, dict) for n in node.value)


def _attribute(name: str, node: _Node, literal: bool = False) -> m.Attribute:
    return m.Attribute(name, _expr(node, literal), node.line, node.end_line)


def _expr(node: _Node, literal: bool = False) -> m.Expr:
    value = node.value
    if isinstance(value, dict):
        items = tuple(m.ObjectItem(_string(k, literal), _expr(v, literal), v.line) for k, v in value.items())
        return m.ObjectExpr(items)
    if isinstance(value, list):
        return m.TupleExpr(tuple(_expr(v, literal) for v in value))
    if isinstance(value, str):
        return _string(value, literal)
    return m.Lit(value)


def _string(text: str, literal: bool) -> m.Expr:
    if literal or ("${" not in text and "%{" not in text):
        return m.Lit(text)
    return _expression_parser()(json.dumps(text))


def _expression_parser() -> Callable[[str], m.Expr]:
    from ownlint.loaders.terraform.backends import expression_parser_for

    return expression_parser_for()
