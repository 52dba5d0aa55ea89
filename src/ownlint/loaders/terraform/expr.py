"""ownlint's own small HCL model: files, blocks, attributes and expressions.

Parser backends (python-hcl2 today, tree-sitter later) build these values; the evaluator reads only
these, so a backend can be swapped without touching evaluation or rules.
"""

from __future__ import annotations

import re

from ownlint.records import record

Scalar = str | int | float | bool | None


@record(frozen=True, slots=True)
class Lit:
    """A literal: a string, number, bool or null."""

    value: Scalar


@record(frozen=True, slots=True)
class Template:
    """A string with interpolations: literal chunks are ``Lit`` strings."""

    parts: tuple[Expr, ...]


@record(frozen=True, slots=True)
class Name:
    """A bare identifier: ``var``, ``local``, ``each``, ``aws_s3_bucket``, a for-expression variable."""

    name: str


@record(frozen=True, slots=True)
class AttrStep:
    """``.name`` in a traversal."""

    name: str


@record(frozen=True, slots=True)
class IndexStep:
    """``[key]`` in a traversal."""

    key: Expr


@record(frozen=True, slots=True)
class SplatStep:
    """``[*]``: the following steps apply to every element. ``.*`` (``attributes_only``, HCL's legacy splat):
    only the attribute steps right after it do; the steps from the first other one apply to the list they make
    (``x.*.a[0]`` is ``x[*].a``'s first element, as Terraform reads it, where ``x[*].a[0]`` is each ``a[0]``)."""

    attributes_only: bool = False


Step = AttrStep | IndexStep | SplatStep


@record(frozen=True, slots=True)
class Traversal:
    """An expression followed by attribute, index and splat steps: ``aws_s3_bucket.b.arn``."""

    base: Expr
    steps: tuple[Step, ...]


@record(frozen=True, slots=True)
class Call:
    """A function call; ``expand_last``: its last argument is followed by ``...``."""

    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False


@record(frozen=True, slots=True)
class ObjectItem:
    """``key = value`` of an object, with its line."""

    key: Expr
    value: Expr
    line: int


@record(frozen=True, slots=True)
class ObjectExpr:
    """``{ ... }``: its items in their order."""

    items: tuple[ObjectItem, ...]


@record(frozen=True, slots=True)
class TupleExpr:
    """``[ ... ]``: its items in their order."""

    items: tuple[Expr, ...]


@record(frozen=True, slots=True)
class Conditional:
    """``condition ? if_true : if_false``."""

    condition: Expr
    if_true: Expr
    if_false: Expr


@record(frozen=True, slots=True)
class ForExpr:
    """``[for v in c : e if p]`` (key is None) or ``{for k, v in c : key => e... if p}``."""

    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None
    value: Expr
    condition: Expr | None
    grouping: bool = False


@record(frozen=True, slots=True)
class BinaryOp:
    """``left op right``."""

    op: str
    left: Expr
    right: Expr


@record(frozen=True, slots=True)
class UnaryOp:
    """``op operand`` (``!`` or ``-``)."""

    op: str
    operand: Expr


@record(frozen=True, slots=True)
class Unsupported:
    """Syntax the model does not represent (e.g. template directives); evaluates to unknown."""

    what: str


Expr = (
    Lit
    | Template
    | Name
    | Traversal
    | Call
    | ObjectExpr
    | TupleExpr
    | Conditional
    | ForExpr
    | BinaryOp
    | UnaryOp
    | Unsupported
)


@record(frozen=True, slots=True)
class Attribute:
    """``name = expr`` in a body, with its lines."""

    name: str
    expr: Expr
    line: int
    end_line: int


@record(frozen=True, slots=True)
class Block:
    """``type "label" ... { ... }``: its attributes and nested blocks, with its lines."""

    type: str
    labels: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]
    line: int
    end_line: int

    def attribute(self, name: str) -> Attribute | None:
        for attribute in self.attributes:  # a loop, not next() of a generator: a frame fewer (a call per lookup)
            if attribute.name == name:
                return attribute
        return None

    def children(self, block_type: str) -> tuple[Block, ...]:
        return tuple([b for b in self.blocks if b.type == block_type])


@record(frozen=True, slots=True)
class HclFile:
    """One parsed ``.tf`` or ``.tfvars`` file: its top-level attributes and blocks."""

    path: str
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]


@record(frozen=True, slots=True)
class Outline:
    """What finding the root modules needs of a file: where its top-level blocks start (suppression
    comments attach to them) and the ``source`` of each ``module`` block."""

    block_lines: tuple[int, ...]
    module_sources: tuple[Expr, ...]


def outline_of(hcl: HclFile) -> Outline:
    """The outline of a fully parsed file (backends without a faster way)."""
    sources = (b.attribute("source") for b in hcl.blocks if b.type == "module")
    return Outline(tuple(b.line for b in hcl.blocks), tuple(a.expr for a in sources if a is not None))


class HclSyntaxError(Exception):
    """Raised by a parser backend for text that is not valid HCL; carries a 1-based line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_UNICODE_ESCAPE = re.compile(r"\\(?:\\|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")  # or an escaped backslash


def check_escapes(raw: str, line: int) -> None:
    """Refuse a ``\\u``/``\\U`` escape in a quoted string's source that is no character (a surrogate, or
    past U+10FFFF), as Terraform does: decoded, it could reach no UTF-8 output or store."""
    if "\\u" not in raw and "\\U" not in raw:
        return
    for match in _UNICODE_ESCAPE.finditer(raw):
        digits = match.group(1) or match.group(2)
        code = int(digits, 16) if digits else 0
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HclSyntaxError(f"invalid escape sequence: cannot encode character U+{code:04X} in UTF-8", line)


# a template sequence in a quoted label's text, leftmost first: "$${" and "%%{" are text, "${" and "%{" are not
_TEMPLATE_SEQUENCE = re.compile(r"\$\$\{|%%\{|[$%]\{")


def check_label(raw: str, line: int, column: int) -> None:
    """Refuse a quoted block label whose text (``raw``, between the quotes; its first character at ``column``,
    counted in characters) holds a template sequence, as Terraform does ("Template sequences are not allowed
    in this string"): read as '' it would be one block with any other so read."""
    for found in _TEMPLATE_SEQUENCE.finditer(raw):
        if found.end() - found.start() == 2:
            raise label_template_error(line, column + found.start())


def label_template_error(line: int, column: int) -> HclSyntaxError:
    """The error both backends say for a template sequence in a block label, where it starts."""
    advice = 'Terraform allows none; double a "$" or "%" to write it as text'
    return HclSyntaxError(f"template sequence in a block label ({advice}) at line {line}, column {column}", line)


def references(expr: Expr) -> list[tuple[str, ...]]:
    """Every traversal rooted at a name, as its leading attribute names (``("var", "tags")``)."""
    found: list[tuple[str, ...]] = []
    _collect_references(expr, found)
    return found


def _collect_references(expr: Expr, found: list[tuple[str, ...]]) -> None:
    # by exact class, commonest first: no class derives from the model's (``tests/test_cold_speed.py``)
    if type(expr) is Traversal:
        base = expr.base
        if type(base) is Name:
            names = [base.name]
            for step in expr.steps:
                if type(step) is not AttrStep:
                    break
                names.append(step.name)
            found.append(tuple(names))
        else:
            _collect_references(base, found)
        for step in expr.steps:
            if type(step) is IndexStep:
                _collect_references(step.key, found)
    elif type(expr) is Name:
        found.append((expr.name,))
    elif type(expr) is Call:
        for argument in expr.args:
            if type(argument) is not Lit:
                _collect_references(argument, found)
    elif type(expr) is ObjectExpr:
        for item in expr.items:
            if type(item.key) is not Lit:
                _collect_references(item.key, found)
            if type(item.value) is not Lit:
                _collect_references(item.value, found)
    elif type(expr) is not Lit and type(expr) is not Unsupported:
        for child in _children(expr):
            if type(child) is not Lit:
                _collect_references(child, found)


def _children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Template):
        return expr.parts
    if isinstance(expr, TupleExpr):
        return expr.items
    if isinstance(expr, Conditional):
        return (expr.condition, expr.if_true, expr.if_false)
    if isinstance(expr, ForExpr):
        parts = [expr.collection, expr.value]
        parts += [e for e in (expr.key, expr.condition) if e is not None]
        return tuple(parts)
    if isinstance(expr, BinaryOp):
        return (expr.left, expr.right)
    if isinstance(expr, UnaryOp):
        return (expr.operand,)
    return ()


def template_of(parts: list[Expr]) -> Expr:
    """A template from its parts, adjacent literal chunks joined: one literal is just that literal."""
    merged: list[Expr] = []
    for part in parts:
        if merged and isinstance(part, Lit) and isinstance(merged[-1], Lit):
            merged[-1] = Lit(f"{merged[-1].value}{part.value}")
        else:
            merged.append(part)
    if not merged:
        return Lit("")
    if len(merged) == 1 and isinstance(merged[0], Lit):
        return merged[0]
    return Template(tuple(merged))
