"""Adding a tag to Terraform source as a careful engineer would: one new line at the right place.

The target is a line ownlint's model points at (``Resource.fix_place``): a ``tags``-like attribute
(the resource's own, a provider's ``default_tags``/``default_labels``), or a resource block without
one. The file is re-read with tree-sitter to find exact positions; the edit is an inserted line
wherever the code is laid out over several lines. Only a one-line object, call or block must be
changed in place, and then only by the characters the key needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Node = Any  # tree_sitter.Node


@dataclass(frozen=True)
class Insertion:
    """``text`` inserted at byte ``offset`` of the file, in place of ``replaced`` bytes (usually none)."""

    offset: int
    text: str
    replaced: int = 0


def hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def hcl_key(key: str) -> str:
    """A bare key when HCL allows it, else a quoted one (``"kubernetes.io/name"``)."""
    plain = key.replace("-", "").replace("_", "").isalnum() and not key[:1].isdigit()
    return key if plain else hcl_string(key)


def add_tag(source: bytes, line: int, attribute: str, key: str, value: str) -> Insertion | None:
    return add_tags(source, line, attribute, [(key, value)])


def add_tags(source: bytes, line: int, attribute: str, pairs: Sequence[tuple[str, str]]) -> Insertion | None:
    """The insertion that adds each ``key = value`` of ``pairs`` to the ``attribute`` written at ``line``
    (1-based), or a new ``attribute`` to the block that starts at ``line``; None when neither is there."""
    from ownlint.loaders.terraform.ts_backend import tree_sitter_parser

    root = tree_sitter_parser().parse(source).root_node
    if root.has_error:
        return None
    entries = [f"{hcl_key(key)} = {hcl_string(value)}" for key, value in pairs]
    node = _at_line(root, line - 1)
    if node is None:  # an item of an object (a local's tags): into that object
        inner = _object_at(root, line - 1)
        return _into_object(source, inner, entries) if inner is not None else None
    if node.type == "block":  # the resource's own tags attribute, when it has one
        inner = _child(node, "body")
        named = [c for c in (inner.children if inner is not None else []) if c.type == "attribute"]
        node = next((c for c in named if _text(source, _child(c, "identifier")) == attribute), None) or node
    if node.type == "attribute":
        return _into_expression(source, _child(node, "expression"), entries)
    body = _child(node, "body")
    closing = _child(node, "block_end")
    new = f"{attribute} = {{ {', '.join(entries)} }}"
    if body is not None and closing is not None and not _same_line(source, body.end_byte, closing.start_byte):
        # last in the block, as tags usually are, indented like the block's first line
        indent = _indent_of(source, body.start_byte)
        return _new_line(_line_start(source, closing.start_byte), indent, new)
    if closing is None:
        return None
    if _same_line(source, node.start_byte, closing.start_byte):  # resource "x" "y" {}
        return Insertion(closing.start_byte, f"\n  {new}\n")
    return _new_line(_line_start(source, closing.start_byte), _indent_of(source, node.start_byte) + "  ", new)


def _at_line(node: Node, row: int) -> Node | None:
    """The attribute or block starting on ``row``, the innermost one."""
    found = None
    for child in node.children:
        if child.start_point[0] <= row <= child.end_point[0]:
            if child.type in ("attribute", "block") and child.start_point[0] == row:
                found = child
            inner = _at_line(child, row)
            if inner is not None:
                found = inner
    return found


def _object_at(node: Node, row: int) -> Node | None:
    """The innermost object literal whose items include one on ``row``."""
    found = None
    for child in node.children:
        if child.start_point[0] <= row <= child.end_point[0]:
            if child.type == "object" and any(
                c.start_point[0] == row for c in child.children if c.type == "object_elem"
            ):
                found = child
            inner = _object_at(child, row)
            if inner is not None:
                found = inner
    return found


def _child(node: Node | None, kind: str) -> Node | None:
    if node is None:
        return None
    return next((c for c in node.children if c.type == kind), None)


def _into_expression(source: bytes, expression: Node | None, entries: list[str]) -> Insertion | None:
    """Into an object literal; into the last object of a ``merge(...)``, or as a new argument to it;
    anything else (a reference) is wrapped: ``merge(EXPR, { key = value })``."""
    if expression is None:
        return None
    target = _unwrap(expression)
    if target.type == "object":
        return _into_object(source, target, entries)
    entry = ", ".join(entries)
    if target.type == "function_call" and _text(source, _child(target, "identifier")) == "merge":
        arguments = _child(target, "function_arguments")
        objects = [_unwrap(a) for a in (arguments.children if arguments is not None else []) if a.type == "expression"]
        if objects and objects[-1].type == "object":
            return _into_object(source, objects[-1], entries)
        closing = next(c for c in target.children if c.type == ")")
        line_start = _line_start(source, closing.start_byte)
        if source[line_start : closing.start_byte].strip():  # `}, local.tags)`: the key goes before the `)`
            return Insertion(closing.start_byte, f", {{ {entry} }}")
        indent = _indent_of(source, closing.start_byte) + "  "
        return _new_line(_line_start(source, closing.start_byte), indent, f", {{ {entry} }}")
    text = _text(source, expression)
    return Insertion(
        expression.start_byte, f"merge({text}, {{ {entry} }})", expression.end_byte - expression.start_byte
    )


def _into_object(source: bytes, node: Node, entries: list[str]) -> Insertion | None:
    closing = _child(node, "object_end") or node.children[-1]
    items = [c for c in node.children if c.type == "object_elem"]
    written = {_text(source, item).split("=", 1)[0].strip().strip('"') for item in items}
    if any(entry.split(" = ", 1)[0].strip('"') in written for entry in entries):
        return None  # the key is written here already (a duplicate key is an error in Terraform)
    if _same_line(source, node.start_byte, closing.start_byte):  # { a = "b" }: the one line changes
        entry = ", ".join(entries)
        if items:
            return Insertion(items[-1].end_byte, f", {entry}")
        opening = source[closing.start_byte - 1 : closing.start_byte]
        return Insertion(closing.start_byte, f" {entry} " if opening == b"{" else f"{entry} ")
    indent = _indent_of(source, items[0].start_byte) if items else _indent_of(source, closing.start_byte) + "  "
    comma = "," if any(_text(source, c) == "," for c in node.children) else ""
    return Insertion(_line_start(source, closing.start_byte), "".join(f"{indent}{e}{comma}\n" for e in entries))


def _unwrap(node: Node) -> Node:
    """Through ``expression`` and ``collection_value`` wrappers to the node that says what it is."""
    while node.type in ("expression", "collection_value") and node.named_children:
        node = node.named_children[0]
    return node


def _new_line(at: int, indent: str, text: str) -> Insertion:
    return Insertion(at, f"{indent}{text}\n")


def _line_start(source: bytes, offset: int) -> int:
    return source.rfind(b"\n", 0, offset) + 1


def _indent_of(source: bytes, offset: int) -> str:
    start = _line_start(source, offset)
    line = source[start:offset]
    return line[: len(line) - len(line.lstrip(b" \t"))].decode()


def _same_line(source: bytes, start: int, end: int) -> bool:
    return b"\n" not in source[start:end]


def _text(source: bytes, node: Node | None) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="surrogatepass") if node is not None else ""


def apply(source: bytes, insertions: list[Insertion]) -> bytes:
    """``source`` with every insertion made, from the end so that the offsets stay true."""
    result = source
    # from the end; of two at one offset, the later first, so that they read in the order given
    for _, insertion in sorted(enumerate(insertions), key=lambda p: (p[1].offset, p[0]), reverse=True):
        end = insertion.offset + insertion.replaced
        result = result[: insertion.offset] + insertion.text.encode("utf-8") + result[end:]
    return result
