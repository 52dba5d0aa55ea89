"""Converts a tree-sitter-hcl tree into ownlint's expression model (``ts_backend`` parses and checks the
file first). Most expressions are read straight from the source text (``ts_text``); the rest, and those
when the shortcut is off (``tests/test_cold_speed.py``), walk the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import intern  # one string per distinct text: resources keep them (a fifth of a run's memory)
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.heredoc import heredoc_body, split_template
from ownlint.loaders.terraform.ts_text import NotSimple, SourceText

_BINARY_OPS = {"==", "!=", "<", ">", "<=", ">=", "-", "*", "/", "%", "&&", "||", "+"}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
Node = Any  # tree_sitter.Node
ExpressionParser = Callable[[str], m.Expr]
_NAME_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_LEAF_START = _NAME_START | frozenset(b'"0123456789')
_COMPOUND = frozenset(b'"[{(!-') | _NAME_START  # what ``SourceText`` may read when a leaf's pattern does not


class Reader:
    """Converts tree-sitter nodes into the model, reading text from the source bytes."""

    def __init__(self, source: bytes, parse_expression: ExpressionParser) -> None:
        self.source = source
        self.parse_expression = parse_expression  # for heredocs' interpolations
        self.text_reader = SourceText(source)
        self.not_simple_at = -1  # where the source text last held something only the tree reads

    def text(self, node: Node) -> str:
        return intern(self.source[node.start_byte : node.end_byte].decode("utf-8", errors="surrogatepass"))

    def body(self, body: Node) -> tuple[tuple[m.Attribute, ...], tuple[m.Block, ...]]:
        attributes: list[m.Attribute] = []
        blocks: list[m.Block] = []
        simple, source = self.simple, self.source
        for child in body.named_children:  # a comment is neither kind
            kind = child.type
            if kind == "attribute":
                parts = child.children  # name, "=", value; more with a comment among them
                name, value = (parts[0], parts[2]) if len(parts) == 3 else named_children(child)[:2]
                # the commonest value read at once, as ``expression`` would: two calls fewer per attribute
                expr = simple(value.start_byte, value.end_byte) if value.type == "expression" else None
                text = intern(source[name.start_byte : name.end_byte].decode("utf-8", errors="surrogatepass"))
                attribute = m.Attribute(
                    text,
                    self.tree_expression(value) if expr is None else expr,
                    child.start_point[0] + 1,
                    child.end_point[0] + 1,
                )
                attributes.append(attribute)
            elif kind == "block":
                blocks.append(self.block(child))
        return tuple(attributes), tuple(blocks)

    def block(self, node: Node) -> m.Block:
        """The type, the labels after it (identifiers and strings), and the first body: one pass."""
        block_type: str | None = None
        labels: list[str] = []
        inner: Node | None = None
        for child in node.named_children:
            kind = child.type
            if kind == "comment":
                continue
            if block_type is None:
                block_type = self.text(child)
            elif kind == "identifier":
                labels.append(self.text(child))
            elif kind == "string_lit":
                labels.append(self.label(child))
            elif kind == "body" and inner is None:
                inner = child
        attributes, blocks = self.body(inner) if inner is not None else ((), ())
        start, end = node.start_point[0] + 1, node.end_point[0] + 1
        return m.Block(block_type or "", tuple(labels), attributes, blocks, start, end)

    def label(self, node: Node) -> str:
        if node.type == "identifier":
            return self.text(node)
        source, start = self.source, node.start_byte
        if source.find(b"{", start, node.end_byte) >= 0:  # a template sequence is refused (the grammar's is text)
            row, column = node.start_point
            before = len(source[start - column : start].decode("utf-8", errors="surrogatepass"))
            raw = source[start + 1 : node.end_byte - 1].decode("utf-8", errors="surrogatepass")
            m.check_label(raw, row + 1, before + 2)
        value = self.simple(node.start_byte, node.end_byte) or self.template(node)
        return value.value if isinstance(value, m.Lit) and isinstance(value.value, str) else ""

    def expr(self, node: Node) -> m.Expr:
        converter = _CONVERTERS.get(node.type)
        if converter is None:
            return m.Unsupported(f"HCL syntax {node.type}")
        return converter(self, node)

    def expression(self, node: Node) -> m.Expr:
        """``expression``: a term followed by traversal steps, a parenthesised expression, or an operator."""
        simple = self.simple(node.start_byte, node.end_byte)
        return simple if simple is not None else self._walked(node)

    def tree_expression(self, node: Node) -> m.Expr:
        """``expr`` of an attribute's value that ``simple`` did not read (not tried again)."""
        return self._walked(node) if node.type == "expression" else self.expr(node)

    def _walked(self, node: Node) -> m.Expr:
        named = named_children(node)
        if not named:
            return m.Unsupported("empty expression")
        return self.term(named)  # "(expr)": the parentheses only group; steps may follow them

    def simple(self, start: int, end: int) -> m.Expr | None:
        """Three of four expressions are a plain string, a name chain or a whole number, and most others
        strings, calls, tuples and objects of such: read from the source text at once, no child node
        touched (``tests/test_cold_speed.py`` compares the two ways). Inside a range that held something
        else, the tree is walked without trying again until below that spot."""
        source = self.source
        first = source[start] if start < end else 0
        if first in _LEAF_START:
            try:
                leaf = self.text_reader.leaf(start, end)
            except NotSimple:  # a keyword in a name chain (x.for): the tree's way
                return None
            if leaf is not None:
                return leaf
        if first not in _COMPOUND or start <= self.not_simple_at < end:
            return None
        try:
            return self.text_reader.expression(start, end)
        except NotSimple as stop:
            self.not_simple_at = stop.at
            return None

    def steps(self, node: Node) -> list[m.Step]:
        if node.type == "get_attr":
            return [m.AttrStep(self.text(named_children(node)[0]))]
        if node.type == "index":
            inner = named_children(node)[0]
            if inner.type == "legacy_index":  # x.0
                return [m.IndexStep(m.Lit(int(self.text(inner).lstrip("."))))]
            return [m.IndexStep(self.expr(named_children(inner)[0]))]
        if node.type == "splat":
            splat = named_children(node)[0]
            every = m.SplatStep(attributes_only=splat.type == "attr_splat")
            return [every, *(s for child in named_children(splat) for s in self.steps(child))]
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
                inner = next((c for c in named_children(child) if c.type == "expression"), None)
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
        return split_template(body, self.parse_expression)

    def literal(self, node: Node) -> m.Expr:
        inner = named_children(node)[0]
        if inner.type == "numeric_lit":
            return m.Lit(_number(self.text(inner), inner))
        if inner.type == "bool_lit":
            return m.Lit(self.text(inner) == "true")
        if inner.type == "null_lit":
            return m.Lit(None)
        return self.template(inner)

    def call(self, node: Node) -> m.Expr:
        named = named_children(node)
        arguments = next((n for n in named if n.type == "function_arguments"), None)
        given = named_children(arguments) if arguments is not None else []
        args = tuple(self.expr(a) for a in given if a.type == "expression")
        expand = any(a.type == "ellipsis" for a in given)
        return m.Call(self.text(named[0]), args, expand)

    def object(self, node: Node) -> m.Expr:
        items = []
        for element in (n for n in named_children(node) if n.type == "object_elem"):
            key_node = element.child_by_field_name("key")
            value_node = element.child_by_field_name("val")
            items.append(m.ObjectItem(self.key(key_node), self.expr(value_node), element.start_point[0] + 1))
        return m.ObjectExpr(tuple(items))

    def key(self, node: Node) -> m.Expr:
        """A bare identifier or number key is its text; ``(expr)`` and strings are expressions."""
        named = named_children(node)
        if node.children[0].type != "(" and len(named) == 1:
            only = named[0]
            if only.type == "variable_expr":
                return m.Lit(self.text(only))
            if only.type == "literal_value" and named_children(only)[0].type != "string_lit":
                literal = self.literal(only)
                return literal if isinstance(literal.value, str) else m.Lit(self.text(only))  # type: ignore[union-attr]
        return self.expr(node)

    def for_expr(self, node: Node) -> m.Expr:
        inner = named_children(node)[0]
        parts = named_children(inner)
        intro = next(n for n in parts if n.type == "for_intro")
        introduced = named_children(intro)
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
            condition=self.expr(named_children(condition)[0]) if condition is not None else None,
            grouping=is_object and any(n.type == "ellipsis" for n in parts),
        )

    def operation(self, node: Node) -> m.Expr:
        """Operands are a term and the traversal steps after it, up to the operator (no wrapper node)."""
        inner = named_children(node)[0]
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
    condition, if_true, if_false = named_children(node)[:3]
    inner = named_children(condition)[0] if condition.type == "expression" and named_children(condition) else None
    parenthesised = condition.children and condition.children[0].type == "("
    if inner is not None and inner.type == "conditional" and not parenthesised and len(named_children(condition)) == 1:
        return [*_chain(inner), if_true, if_false]
    return [condition, if_true, if_false]


def named_children(node: Node) -> list[Node]:
    """A node's named children without comments, which the grammar allows between any tokens."""
    return [child for child in node.named_children if child.type != "comment"]


def lines_of(node: Node) -> tuple[int, int]:
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


_CONVERTERS: dict[str, Callable[[Reader, Node], m.Expr]] = {
    "expression": Reader.expression,
    "variable_expr": lambda r, n: m.Name(r.text(n)),
    "literal_value": Reader.literal,
    "template_expr": lambda r, n: r.expr(named_children(n)[0]),
    "quoted_template": Reader.template,
    "string_lit": Reader.template,
    "heredoc_template": Reader.heredoc,
    "collection_value": lambda r, n: r.expr(named_children(n)[0]),
    "tuple": lambda r, n: m.TupleExpr(tuple(r.expr(e) for e in named_children(n) if e.type == "expression")),
    "object": Reader.object,
    "function_call": Reader.call,
    "for_expr": Reader.for_expr,
    "operation": Reader.operation,
    "conditional": Reader.conditional,
}


def _number(text: str, node: Node) -> int | float:
    """A numeric literal's value; one tree-sitter-hcl lexes as a number but HCL does not (``0x1F``: Terraform
    says "Missing key/value separator") is a syntax error where it stands, not a crash."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        line, column = node.start_point
        raise m.HclSyntaxError(
            f"invalid number {text[:40]!r} at line {line + 1}, column {column + 1}", line + 1
        ) from None
