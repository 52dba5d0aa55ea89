"""Parser backend on python-hcl2's typed tree (``hcl2.parses``): the reference backend.

Converts the LarkElement tree into ownlint's expression model (``expr.py``). Nothing here evaluates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hcl2
from hcl2.utils import process_escape_sequences
from lark.exceptions import LarkError, UnexpectedInput

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.heredoc import heredoc_body, split_template

NAME = "hcl2"
_BINARY_OPS = {"==", "!=", "<", ">", "<=", ">=", "-", "*", "/", "%", "&&", "||", "+"}


def parse(text: str, path: str) -> m.HclFile:
    try:
        tree = hcl2.parses(text)
    except UnexpectedInput as error:
        raise m.HclSyntaxError(_describe(error), int(error.line or 1)) from None
    except RecursionError:
        raise m.HclSyntaxError("nesting too deep to parse", 1) from None
    except (LarkError, RuntimeError, ValueError) as error:
        raise m.HclSyntaxError(_first_line(str(error)) or type(error).__name__, 1) from None
    attributes, blocks = _body(tree.body)
    return m.HclFile(path=path, attributes=attributes, blocks=blocks)


def parse_expression(text: str) -> m.Expr:
    """One expression from source text (used for heredoc interpolations)."""
    try:
        tree = hcl2.parses(f"ownlint_expression = {text}\n")
    except (LarkError, RuntimeError, ValueError, RecursionError):
        return m.Unsupported(f"unparsable interpolation ${{{text}}}")
    attributes, _ = _body(tree.body)
    return attributes[0].expr if attributes else m.Unsupported("empty interpolation")


def _describe(error: UnexpectedInput) -> str:
    """A short message from lark's error: what was found where, without the grammar dump."""
    token = getattr(error, "token", None)
    column = getattr(error, "column", "?")
    if token is not None and token.type == "$END":
        found = "unexpected end of file (is a brace, bracket or heredoc not closed?)"
    elif token is not None:
        found = f"unexpected {str(token)[:40]!r}"
    else:
        found = f"unexpected character {getattr(error, 'char', '?')!r}"
    return f"{found} at line {error.line}, column {column}"


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def _lines(node: Any) -> tuple[int, int]:
    meta = node._meta
    if getattr(meta, "empty", True):
        return 1, 1
    return int(meta.line), int(meta.end_line)


def _body(body: Any) -> tuple[tuple[m.Attribute, ...], tuple[m.Block, ...]]:
    attributes: list[m.Attribute] = []
    blocks: list[m.Block] = []
    for child in body.children:
        kind = type(child).__name__
        if kind == "AttributeRule":
            line, end = _lines(child)
            attributes.append(m.Attribute(_text(child.identifier), _expr(child.expression), line, end))
        elif kind == "BlockRule":
            blocks.append(_block(child))
    return tuple(attributes), tuple(blocks)


def _block(block: Any) -> m.Block:
    labels = [_label(label) for label in block.labels]
    attributes, blocks = _body(block.body)
    line, end = _lines(block)
    return m.Block(labels[0], tuple(labels[1:]), attributes, blocks, line, end)


def _label(label: Any) -> str:
    if type(label).__name__ == "StringRule":
        _check_label(label)
        value = _string(label)
        return value.value if isinstance(value, m.Lit) and isinstance(value.value, str) else ""
    return _text(label)


def _check_label(label: Any) -> None:
    """A template sequence in a quoted label is an error (``m.check_label``), said where it starts: the parts
    before it are text, their source counted on from the opening quote's column."""
    meta = label._meta
    column = int(getattr(meta, "column", 0)) + 1
    for part in label.string_parts:
        content = part.content
        kind = type(content).__name__
        if kind == "InterpolationRule" or kind.startswith("Template"):
            raise m.label_template_error(int(getattr(meta, "line", 1)), column)
        column += len(str(content.value))


def _text(node: Any) -> str:
    """The source text of an identifier-like rule."""
    return str(node.serialize())


def _expr(node: Any) -> m.Expr:
    converter = _CONVERTERS.get(type(node).__name__)
    if converter is None:
        return m.Unsupported(f"HCL syntax {type(node).__name__}")
    return converter(node)


def _string(node: Any) -> m.Expr:
    parts: list[m.Expr] = []
    for part in node.string_parts:
        content = part.content
        kind = type(content).__name__
        if kind == "InterpolationRule":
            parts.append(_expr(content.expression))
        elif kind.startswith("Template"):
            parts.append(m.Unsupported("template directive %{...}"))
        else:
            name = content.lark_name()
            raw = str(content.value)
            if name == "STRING_CHARS":
                m.check_escapes(raw, _lines(node)[0])
                parts.append(m.Lit(process_escape_sequences(raw)))
            else:  # ESCAPED_INTERPOLATION / ESCAPED_DIRECTIVE: "$${x}" is the text "${x}"
                parts.append(m.Lit(raw[1:]))
    return m.template_of(parts)


def _heredoc(node: Any) -> m.Expr:
    body, _ = heredoc_body(str(node.children[0].value))
    return split_template(body, parse_expression)


def _literal_value(node: Any) -> m.Expr:
    text = str(node.children[0].value)
    return m.Lit({"true": True, "false": False, "null": None}.get(text, text))


def _number(node: Any) -> m.Expr:
    text = str(node.children[0].value)
    try:
        return m.Lit(int(text))
    except ValueError:
        return m.Lit(float(text))


def _traverse(base: Any, steps: list[m.Step]) -> m.Expr:
    inner = _expr(base)
    if isinstance(inner, m.Traversal):
        return m.Traversal(inner.base, inner.steps + tuple(steps))
    return m.Traversal(inner, tuple(steps))


def _step(node: Any) -> m.Step:
    kind = type(node).__name__
    if kind == "GetAttrRule":
        return m.AttrStep(_text(node.identifier))
    if kind == "ShortIndexRule":
        return m.IndexStep(m.Lit(int(str(node.index.value))))
    return m.IndexStep(_expr(node.index_expression))


def _index(node: Any) -> m.Expr:
    return _traverse(node.children[0], [_step(node.children[1])])


def _splat(node: Any) -> m.Expr:
    every = m.SplatStep(attributes_only=type(node).__name__ == "AttrSplatExprTermRule")
    return _traverse(node.expr_term, [every, *[_step(s) for s in node.attr_splat.get_attrs]])


def _call(node: Any) -> m.Expr:
    name = "::".join(_text(identifier) for identifier in node.identifiers)
    arguments = node.arguments
    args = tuple(_expr(arg) for arg in arguments.arguments) if arguments is not None else ()
    expand = bool(arguments is not None and arguments.has_ellipsis)
    return m.Call(name, args, expand)


def _object(node: Any) -> m.Expr:
    items = []
    for element in node.elements:
        key_rule = element.key
        if type(key_rule).__name__ == "ObjectElemKeyExpressionRule":
            key = _expr(key_rule.expression)
        else:
            key_node = key_rule.value
            key = _expr(key_node)
            if isinstance(key, m.Name):  # a bare identifier key is its own name as a string
                key = m.Lit(key.name)
            elif isinstance(key, m.Lit) and not isinstance(key.value, str):
                key = m.Lit(_text(key_node))
        items.append(m.ObjectItem(key, _expr(element.expression), _lines(element)[0]))
    return m.ObjectExpr(tuple(items))


def _for(node: Any) -> m.Expr:
    intro = node.for_intro
    second = intro.second_iterator
    key_var = _text(intro.first_iterator) if second is not None else None
    value_var = _text(second) if second is not None else _text(intro.first_iterator)
    condition = node.condition
    is_object = type(node).__name__ == "ForObjectExprRule"
    return m.ForExpr(
        key_var=key_var,
        value_var=value_var,
        collection=_expr(intro.iterable),
        key=_expr(node.key_expr) if is_object else None,
        value=_expr(node.value_expr),
        condition=_expr(condition.condition_expr) if condition is not None else None,
        grouping=bool(is_object and node.ellipsis is not None),
    )


def _binary(node: Any) -> m.Expr:
    term = node.binary_term
    op = str(term.binary_operator.token.value).strip()
    if op not in _BINARY_OPS:
        return m.Unsupported(f"operator {op}")
    return m.BinaryOp(op, _expr(node.expr_term), _expr(term.expr_term))


_CONVERTERS: dict[str, Callable[[Any], m.Expr]] = {
    "ExprTermRule": lambda n: _expr(n.expression),
    "IdentifierRule": lambda n: m.Name(_text(n)),
    "LiteralValueRule": _literal_value,
    "KeywordRule": lambda n: m.Lit(_text(n)),
    "IntLitRule": _number,
    "FloatLitRule": _number,
    "StringRule": _string,
    "HeredocTemplateRule": _heredoc,
    "HeredocTrimTemplateRule": _heredoc,
    "GetAttrExprTermRule": lambda n: _traverse(n.expr_term, [_step(n.get_attr)]),
    "IndexExprTermRule": _index,
    "AttrSplatExprTermRule": _splat,
    "FullSplatExprTermRule": _splat,
    "FunctionCallRule": _call,
    "ObjectRule": _object,
    "TupleRule": lambda n: m.TupleExpr(tuple(_expr(e) for e in n.elements)),
    "ConditionalRule": lambda n: m.Conditional(_expr(n.condition), _expr(n.if_true), _expr(n.if_false)),
    "BinaryOpRule": _binary,
    "UnaryOpRule": lambda n: m.UnaryOp(str(n.operator).strip(), _expr(n.expr_term)),
    "ForTupleExprRule": _for,
    "ForObjectExprRule": _for,
}
