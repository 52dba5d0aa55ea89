"""Parser backend on tree-sitter-hcl (the C grammar editors use): fast, and the default when installed.

Builds the same expression model as the python-hcl2 backend (``tests/test_backends.py`` compares the
two on every fixture); heredocs go through the shared ``heredoc`` module so both read them alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from sys import intern  # one string per distinct text: resources keep them (a fifth of a run's memory)
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.heredoc import heredoc_body, split_template

NAME = "tree-sitter"
_BINARY_OPS = {"==", "!=", "<", ">", "<=", ">=", "-", "*", "/", "%", "&&", "||", "+"}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
Node = Any  # tree_sitter.Node
# source text whose meaning is plain (no escape, interpolation, directive, keyword, dash, unicode or comment)
_PLAIN_STRING = re.compile(rb'"[^"\\$%\n]*"')
_NAME_CHAIN = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WHOLE_NUMBER = re.compile(rb"[0-9]{1,18}")  # longer: the tree's way (int() refuses past 4300 digits)
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endfor", "else", "endif"})
_QUOTE = ord('"')
_NAME_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_DIGITS = frozenset(b"0123456789")
UNCLOSED = "unexpected end of file (is a brace, bracket or heredoc not closed?)"  # as the hcl2 backend says


@lru_cache(maxsize=1)
def tree_sitter_parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def available() -> bool:
    try:
        tree_sitter_parser()
    except (ImportError, OSError, ValueError):
        return False
    return True


def parse(text: str, path: str) -> m.HclFile:
    source = text.encode("utf-8", errors="surrogatepass")
    tree = tree_sitter_parser().parse(source)
    root = tree.root_node
    if root.has_error:
        raise m.HclSyntaxError(*_first_error(root, len(source)))
    reader = _Reader(source)
    body = next((c for c in _named(root) if c.type == "body"), None)
    attributes, blocks = reader.body(body) if body is not None else ((), ())
    return m.HclFile(path=path, attributes=attributes, blocks=blocks)


def outline(text: str, path: str) -> m.Outline:
    """Top-level block lines and module ``source`` expressions, reading nothing else: a fifth of a parse."""
    source = text.encode("utf-8", errors="surrogatepass")
    root = tree_sitter_parser().parse(source).root_node
    if root.has_error:
        raise m.HclSyntaxError(*_first_error(root, len(source)))
    reader = _Reader(source)
    body = next((c for c in _named(root) if c.type == "body"), None)
    lines: list[int] = []
    sources: list[m.Expr] = []
    for block in (c for c in (_named(body) if body is not None else ()) if c.type == "block"):
        lines.append(_lines(block)[0])
        named = _named(block)
        inner = next((n for n in named if n.type == "body"), None)
        if reader.text(named[0]) != "module" or inner is None:
            continue
        for attribute in (c for c in _named(inner) if c.type == "attribute"):
            name, value = _named(attribute)[:2]
            if reader.text(name) == "source":
                sources.append(reader.expr(value))
                break  # the first one, as Block.attribute finds it
    return m.Outline(tuple(lines), tuple(sources))


def parse_expression(text: str) -> m.Expr:
    """One expression from source text (heredoc interpolations, ``--var`` values)."""
    try:
        parsed = parse(f"ownlint_expression = {text}\n", "<expression>")
    except (m.HclSyntaxError, RecursionError):
        return m.Unsupported(f"unparsable interpolation ${{{text}}}")
    return parsed.attributes[0].expr if parsed.attributes else m.Unsupported("empty interpolation")


def _first_error(root: Node, size: int) -> tuple[str, int]:
    """The first ERROR or MISSING node, as a message and a 1-based line (an error that runs to the end
    of the file is an unclosed brace, bracket or heredoc: reported where the file ends)."""
    stack = [root]
    while stack:
        node = stack.pop(0)
        at_end = node.end_byte >= size and (node.is_missing or node.type == "ERROR")
        if at_end:
            line, column = node.end_point
            return f"{UNCLOSED} at line {line + 1}, column {column + 1}", line + 1
        if node.is_missing:
            line, column = node.start_point
            return f"missing {node.type!r} at line {line + 1}, column {column + 1}", line + 1
        if node.type == "ERROR":
            line, column = node.start_point
            text = node.text.decode("utf-8", errors="replace").strip().splitlines()
            found = f"unexpected {text[0][:40]!r}" if text else "unexpected end of file"
            return f"{found} at line {line + 1}, column {column + 1}", line + 1
        if node.has_error:
            stack = list(node.children) + stack
    return "syntax error", 1


class _Reader:
    """Converts tree-sitter nodes into the model, reading text from the source bytes."""

    def __init__(self, source: bytes) -> None:
        self.source = source

    def text(self, node: Node) -> str:
        return intern(self.source[node.start_byte : node.end_byte].decode("utf-8", errors="surrogatepass"))

    def body(self, body: Node) -> tuple[tuple[m.Attribute, ...], tuple[m.Block, ...]]:
        attributes: list[m.Attribute] = []
        blocks: list[m.Block] = []
        for child in _named(body):
            kind = child.type
            if kind == "attribute":
                name, value = _named(child)[:2]
                lines = _lines(child)
                attributes.append(m.Attribute(self.text(name), self.expr(value), *lines))
            elif kind == "block":
                blocks.append(self.block(child))
        return tuple(attributes), tuple(blocks)

    def block(self, node: Node) -> m.Block:
        named = _named(node)
        block_type = self.text(named[0])
        labels = [self.label(n) for n in named[1:] if n.type in ("string_lit", "identifier")]
        inner = next((n for n in named if n.type == "body"), None)
        attributes, blocks = self.body(inner) if inner is not None else ((), ())
        return m.Block(block_type, tuple(labels), attributes, blocks, *_lines(node))

    def label(self, node: Node) -> str:
        if node.type == "identifier":
            return self.text(node)
        value = self.template(node)
        return value.value if isinstance(value, m.Lit) and isinstance(value.value, str) else ""

    def expr(self, node: Node) -> m.Expr:
        converter = _CONVERTERS.get(node.type)
        if converter is None:
            return m.Unsupported(f"HCL syntax {node.type}")
        return converter(self, node)

    def expression(self, node: Node) -> m.Expr:
        """``expression``: a term followed by traversal steps, a parenthesised expression, or an operator."""
        simple = self.simple(node.start_byte, node.end_byte)
        if simple is not None:
            return simple
        named = _named(node)
        if not named:
            return m.Unsupported("empty expression")
        return self.term(named)  # "(expr)": the parentheses only group; steps may follow them

    def simple(self, start: int, end: int) -> m.Expr | None:
        """Three of four expressions are a plain string, a name chain or a whole number: read from the
        source text at once, no child node touched (``tests/test_cold_speed.py`` compares the two ways)."""
        source = self.source
        first = source[start] if start < end else 0
        if first == _QUOTE:
            if _PLAIN_STRING.fullmatch(source, start, end) is not None:
                return m.Lit(intern(source[start + 1 : end - 1].decode("utf-8", errors="surrogatepass")))
        elif first in _NAME_START:
            if _NAME_CHAIN.fullmatch(source, start, end) is not None:
                names = source[start:end].decode("ascii").split(".")
                if _KEYWORDS.isdisjoint(names):
                    if len(names) == 1:
                        return m.Name(names[0])
                    return m.Traversal(m.Name(names[0]), tuple([m.AttrStep(n) for n in names[1:]]))
        elif first in _DIGITS and _WHOLE_NUMBER.fullmatch(source, start, end) is not None:
            return m.Lit(int(source[start:end]))
        return None

    def steps(self, node: Node) -> list[m.Step]:
        if node.type == "get_attr":
            return [m.AttrStep(self.text(_named(node)[0]))]
        if node.type == "index":
            inner = _named(node)[0]
            if inner.type == "legacy_index":  # x.0
                return [m.IndexStep(m.Lit(int(self.text(inner).lstrip("."))))]
            return [m.IndexStep(self.expr(_named(inner)[0]))]
        if node.type == "splat":
            splat = _named(node)[0]
            return [m.SplatStep(), *(s for child in _named(splat) for s in self.steps(child))]
        return []

    def template(self, node: Node) -> m.Expr:
        """A quoted string (``string_lit`` or ``quoted_template``): literal chunks and interpolations.

        Literal text is taken from the source between the parts, since the grammar's
        ``template_literal`` nodes leave out surrounding whitespace.
        """
        children = node.children
        if len(children) < 2:
            return m.Lit("")
        parts: list[m.Expr] = []
        position = children[0].end_byte  # after the opening quote
        for child in children[1:-1]:
            if child.type not in ("template_interpolation", "template_directive"):
                continue
            parts.append(m.Lit(_unescape(self.between(position, child.start_byte), node.start_point[0] + 1)))
            if child.type == "template_interpolation":
                inner = next((c for c in _named(child) if c.type == "expression"), None)
                parts.append(self.expr(inner) if inner is not None else m.Unsupported("empty interpolation"))
            else:
                parts.append(m.Unsupported("template directive %{...}"))
            position = child.end_byte
        parts.append(m.Lit(_unescape(self.between(position, children[-1].start_byte), node.start_point[0] + 1)))
        return m.template_of([p for p in parts if not (isinstance(p, m.Lit) and p.value == "")])

    def between(self, start: int, end: int) -> str:
        return intern(self.source[start:end].decode("utf-8", errors="surrogatepass"))

    def heredoc(self, node: Node) -> m.Expr:
        body, _ = heredoc_body(self.text(node))
        return split_template(body, parse_expression)

    def literal(self, node: Node) -> m.Expr:
        inner = _named(node)[0]
        if inner.type == "numeric_lit":
            text = self.text(inner)
            try:
                return m.Lit(int(text))
            except ValueError:
                return m.Lit(float(text))
        if inner.type == "bool_lit":
            return m.Lit(self.text(inner) == "true")
        if inner.type == "null_lit":
            return m.Lit(None)
        return self.template(inner)

    def call(self, node: Node) -> m.Expr:
        named = _named(node)
        arguments = next((n for n in named if n.type == "function_arguments"), None)
        given = _named(arguments) if arguments is not None else []
        args = tuple(self.expr(a) for a in given if a.type == "expression")
        expand = any(a.type == "ellipsis" for a in given)
        return m.Call(self.text(named[0]), args, expand)

    def object(self, node: Node) -> m.Expr:
        items = []
        for element in (n for n in _named(node) if n.type == "object_elem"):
            key_node = element.child_by_field_name("key")
            value_node = element.child_by_field_name("val")
            items.append(m.ObjectItem(self.key(key_node), self.expr(value_node), element.start_point[0] + 1))
        return m.ObjectExpr(tuple(items))

    def key(self, node: Node) -> m.Expr:
        """A bare identifier or number key is its text; ``(expr)`` and strings are expressions."""
        named = _named(node)
        if node.children[0].type != "(" and len(named) == 1:
            only = named[0]
            if only.type == "variable_expr":
                return m.Lit(self.text(only))
            if only.type == "literal_value" and _named(only)[0].type != "string_lit":
                literal = self.literal(only)
                return literal if isinstance(literal.value, str) else m.Lit(self.text(only))  # type: ignore[union-attr]
        return self.expr(node)

    def for_expr(self, node: Node) -> m.Expr:
        inner = _named(node)[0]
        parts = _named(inner)
        intro = next(n for n in parts if n.type == "for_intro")
        introduced = _named(intro)
        names = [self.text(n) for n in introduced if n.type == "identifier"]
        collection = next(n for n in introduced if n.type == "expression")
        bodies = [n for n in parts if n.type == "expression"]
        condition = next((n for n in parts if n.type == "for_cond"), None)
        is_object = inner.type == "for_object_expr"
        return m.ForExpr(
            key_var=names[0] if len(names) > 1 else None,
            value_var=names[-1],
            collection=self.expr(collection),
            key=self.expr(bodies[0]) if is_object else None,
            value=self.expr(bodies[-1]),
            condition=self.expr(_named(condition)[0]) if condition is not None else None,
            grouping=is_object and any(n.type == "ellipsis" for n in parts),
        )

    def operation(self, node: Node) -> m.Expr:
        """Operands are a term and the traversal steps after it, up to the operator (no wrapper node)."""
        inner = _named(node)[0]
        groups: list[list[Node]] = [[]]
        operator = ""
        for child in inner.children:
            if child.is_named and child.type != "comment":
                groups[-1].append(child)
            elif not child.is_named and child.type not in ("(", ")") and not operator:
                operator = self.text(child)
                groups.append([])
        operands = [self.term(group) for group in groups if group]
        if inner.type == "unary_operation":
            if not operands:
                return m.Unsupported("unary operation")
            operand = operands[0]
            if operator == "-" and isinstance(operand, m.Lit) and type(operand.value) is float:
                return m.Lit(-operand.value)  # python-hcl2 reads -1.5 as one literal (but -1 as minus one)
            return m.UnaryOp(operator, operand)
        if operator not in _BINARY_OPS or len(operands) != 2:
            return m.Unsupported(f"operator {operator}")
        return m.BinaryOp(operator, operands[0], operands[1])

    def term(self, nodes: list[Node]) -> m.Expr:
        """A term node followed by its traversal steps (get_attr, index, splat)."""
        base = self.expr(nodes[0])
        steps = [step for node in nodes[1:] for step in self.steps(node)]
        if not steps:
            return base
        if isinstance(base, m.Traversal):
            return m.Traversal(base.base, base.steps + tuple(steps))
        return m.Traversal(base, tuple(steps))

    def conditional(self, node: Node) -> m.Expr:
        """``a ? b : c ? d : e`` is ``a ? b : (c ? d : e)`` in HCL; tree-sitter-hcl nests such a chain
        the other way round, ``(a ? b : c) ? d : e``, so the chain is flattened and rebuilt."""
        parts = [self.expr(n) for n in _chain(node)]
        built = parts[-1]
        for index in range(len(parts) - 3, -1, -2):
            built = m.Conditional(parts[index], parts[index + 1], built)
        return built


def _chain(node: Node) -> list[Node]:
    """A conditional's operands, its unparenthesised condition's own chain first: [a, b, c, d, e]."""
    condition, if_true, if_false = _named(node)[:3]
    inner = _named(condition)[0] if condition.type == "expression" and _named(condition) else None
    parenthesised = condition.children and condition.children[0].type == "("
    if inner is not None and inner.type == "conditional" and not parenthesised and len(_named(condition)) == 1:
        return [*_chain(inner), if_true, if_false]
    return [condition, if_true, if_false]


def _named(node: Node) -> list[Node]:
    """A node's named children without comments, which the grammar allows between any tokens."""
    return [child for child in node.named_children if child.type != "comment"]


def _lines(node: Node) -> tuple[int, int]:
    return node.start_point[0] + 1, node.end_point[0] + 1


def _unescape(raw: str, line: int) -> str:
    """HCL's escapes in a quoted template's literal text, and ``$${``/``%%{`` as ``${``/``%{``."""
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw
    m.check_escapes(raw, line)
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            marker = raw[index + 1]
            if marker in _ESCAPES:
                out.append(_ESCAPES[marker])
                index += 2
                continue
            width = {"u": 4, "U": 8}.get(marker)
            digits = raw[index + 2 : index + 2 + width] if width else ""
            if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                out.append(chr(int(digits, 16)))
                index += 2 + width
                continue
            out.append(raw[index : index + 2])
            index += 2
            continue
        if raw.startswith(("$${", "%%{"), index):
            out.append(raw[index + 1 : index + 3])
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


_CONVERTERS: dict[str, Callable[[_Reader, Node], m.Expr]] = {
    "expression": _Reader.expression,
    "variable_expr": lambda r, n: m.Name(r.text(n)),
    "literal_value": _Reader.literal,
    "template_expr": lambda r, n: r.expr(_named(n)[0]),
    "quoted_template": _Reader.template,
    "string_lit": _Reader.template,
    "heredoc_template": _Reader.heredoc,
    "collection_value": lambda r, n: r.expr(_named(n)[0]),
    "tuple": lambda r, n: m.TupleExpr(tuple(r.expr(e) for e in _named(n) if e.type == "expression")),
    "object": _Reader.object,
    "function_call": _Reader.call,
    "for_expr": _Reader.for_expr,
    "operation": _Reader.operation,
    "conditional": _Reader.conditional,
}
