"""The tree-sitter converter's shortcut: a file, or an expression, read straight from the source text.

An expression (``expression``) covers what most attributes are (strings and ``${...}`` templates with the
common escapes, name chains with ``.name``, ``[key]``, ``.0`` and splat steps, whole numbers,
``true``/``false``/``null``, function calls, tuples, objects with name or string keys, ``#``/``//``
comments, operators, parentheses and ``? :`` chains, across lines as the grammar reads them): each node of the
tree it skips costs a Python call or more; for-expressions of such too. Its text is one tree-sitter parsed
without error, so only what it means is read, not whether it is valid. A whole file (``file``) is read with no
tree at all, and so more strictly than the grammar (a newline after each item, labels on the type's line, no
NUL byte, blocks nested at most ``MAX_DEPTH``): what is read is what tree-sitter reads without error.
Anything else (heredocs, floats, ``\\u`` escapes, a block comment in an expression, a non-ASCII letter in a
name, a space before a step) is ``NotSimple``: the caller walks the tree as before, so the model and every
syntax error are the tree's (``tests/test_cold_speed.py``, ``tests/test_ts_operators.py`` and
``tests/test_ts_file.py`` compare the two on fixtures, corners and generated text).
"""

from __future__ import annotations

import re
from sys import intern  # names and labels as the tree walk keeps them: one string per distinct text

from ownlint.loaders.terraform import expr as m

_SPACE = re.compile(rb"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*)*")  # a block comment is NotSimple: it may hold a newline
# one match reads a leaf: a string with no escape, interpolation or directive; a name chain (a dash is part of
# a name, as tree-sitter-hcl lexes it: x-1 is a name, x - 1 a subtraction); a whole number
# (no group: a match with groups allocates their marks; the kind is the first byte's, ``_KINDS``)
_LEAF = re.compile(rb'"[^"\\$%\n]*"|[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*|[0-9]{1,18}')
_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
# an object key's name (a dash is part of it, as of any name), or a whole number (its text, as the tree walk keys it)
_KEY = re.compile(rb"[A-Za-z_][A-Za-z0-9_-]*|[0-9]+")
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_-]*")  # an attribute's name, a block's type or bare label
_LABEL = re.compile(rb'"[^"\\$%\n]*"')  # a quoted label: a plain string (interpolation is no label)
# an attribute whose value is one leaf on its line (two in three of them): one match for what is otherwise a
# dozen calls; a space, newline or comment must follow the leaf (so the leaf is whole), an operator or "?" not
_LEAF_ATTRIBUTE = re.compile(
    rb"(?=([A-Za-z_][A-Za-z0-9_-]*))\1[ \t]*=[ \t]*"
    rb'("[^"\\$%\n]*"|(?=([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))\3|[0-9]{1,18})(?=[ \t\r\n#/])'
)
# a block's type, its labels (quoted or bare, blanks between them or none) and "{": one match for the head
# (each name matched whole and never given back, as a possessive quantifier would, which Python 3.10's re
# lacks: a lookahead takes the name and a backreference steps over it; so a name is never split in two labels,
# and a miss fails in one pass)
_BLOCK_HEAD = re.compile(
    rb"(?=([A-Za-z_][A-Za-z0-9_-]*))\1[ \t]*"
    rb'((?:(?:"[^"\\$%\n]*"|(?=([A-Za-z_][A-Za-z0-9_-]*))\3)[ \t]*)*)\{'
)
_LABELS = re.compile(rb'"[^"\\$%\n]*"|[A-Za-z_][A-Za-z0-9_-]*')
_BLANKS = re.compile(rb"[ \t]*")
# space between a body's items: block comments too (a licence atop most files); not in an expression, where
# a newline inside one could part two object items. A block comment is read a run of non-stars at a time (what
# a lazy ".*?" tried a step per byte: a seventh of cloud-foundation-fabric's bytes are block comments), and
# stays linear on an unclosed one
_GAP = re.compile(rb"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/)*")
# _GAP, _BLANKS and _CHUNK match the empty string: their ``match(...).end()`` is taken at once in the hot loops
# (no call to ``_ends``, which says so to the type checker)
_SLASH = 0x2F
_CHUNK = re.compile(rb'[^"\\$%\n]*')  # literal text of a quoted template, up to a character that may mean more
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if", "endfor", "else", "endif"})
_EMPTY = m.Lit("")
_LITERALS = {"true": m.Lit(True), "false": m.Lit(False), "null": m.Lit(None)}
_NAME_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NON_ASCII = frozenset(range(0x80, 0x100))
_AFTER_NAMES = frozenset(b"-:.") | _NON_ASCII  # a name goes on (dash, unicode), is ``a::b``, or steps (x.0, x.*)
_AFTER_KEY = _AFTER_NAMES | frozenset(b"[(")
_AFTER_STEP = frozenset(b"-:(") | _NON_ASCII  # a step's name goes on, or is called: more steps may follow
_AFTER_NUMBER = frozenset(b"0123456789.eE") | _NAME_START | _NON_ASCII
_SPACE_START = frozenset(b" \t\r\n#/")
# a binary operator (not "/*" nor "//": comments; not "<<": a heredoc), and its precedence in the grammar
_OPERATOR = re.compile(rb"==|!=|<=|>=|&&|\|\||(?:[<>+*%-]|/)(?![/*<])")
_LEVELS = [["||"], ["&&"], ["==", "!="], [">", ">=", "<", "<="], ["+", "-"], ["*", "/", "%"]]  # loosest first
_OPERATORS = {op.encode("ascii"): (op, precedence) for precedence, ops in enumerate(_LEVELS, 1) for op in ops}
_OPERATOR_START = frozenset(b"=!<>&|+-*/%")
_LEAF_ENDS = _OPERATOR_START | {0x3F}  # after a leaf attribute's space: it goes on (an operator, "? :")
_PREFIX = frozenset(b"!-")  # a unary operator
_BLANK = frozenset(b" \t")
_AFTER_FOR_NAME = frozenset(b" \t,")  # a for-expression's names: no dash, no newline (the tree's way)
_TERM_ENDS = frozenset(b",)]}")  # right after a term: neither an operator nor "?" follows
_QUESTION, _COLON, _BLANK_SPACE = 0x3F, 0x3A, 0x20
_EQUALS, _END = 0x3D, 0x00  # the end: the sentinel after the source
_DOT, _STAR, _BACKSLASH = 0x2E, 0x2A, 0x5C
_DOT_STEP = frozenset(b"*0123456789")  # after a dot: a splat or a whole-number index, not a name
_DIGITS = re.compile(rb"[0-9]{1,18}")
_SPLAT, _ATTRIBUTE_SPLAT = m.SplatStep(), m.SplatStep(attributes_only=True)  # [*] and .*
# the escapes a quoted string may hold, but \u and \U (which the tree walk checks for what they encode)
_ESCAPED = {ord(k): m.Lit(v) for k, v in {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}.items()}
_QUOTE, _DOLLAR, _PERCENT, _COMMA, _TILDE, _BANG, _MINUS = 0x22, 0x24, 0x25, 0x2C, 0x7E, 0x21, 0x2D
_LBRACE, _RBRACE, _LBRACKET, _RBRACKET, _LPAREN, _RPAREN = 0x7B, 0x7D, 0x5B, 0x5D, 0x28, 0x29
_KINDS = {**dict.fromkeys(b"0123456789", "number"), _QUOTE: "text"}  # a leaf's by its first byte; else "names"
MAX_DEPTH = 32  # deeper: the tree's way, so text nested past the recursion limit fails as it always did
# Leaves are shared: the model is immutable, and a third of its nodes are the same few names and steps
# (fewer objects to build, keep and have the garbage collector walk). Bounded: short texts, so many of them.
_SHARED: dict[bytes, m.Expr] = {}
MAX_SHARED, MAX_SHARED_BYTES = 65_536, 128


class NotSimple(Exception):
    """The text holds something only the tree walk reads; ``at`` is where (to skip trying again there)."""

    def __init__(self, at: int) -> None:
        self.at = at


class SourceText:
    """Reads one file's source bytes: an expression (``expression(start, end)``), or the whole file (``file``)."""

    def __init__(self, source: bytes) -> None:
        self.source = source + b"\0"  # a sentinel: an operator is looked for past the last expression
        self._counted = (0, 1)  # the last offset ``line`` was asked for, and its line
        self._end = 0  # where the expression read ends: no operator after it is its own
        self._skipped = (-1, -1)  # the space after the last expression read: where it starts and ends

    def leaf(self, start: int, end: int) -> m.Expr | None:
        """The expression ``source[start:end]`` when it is one leaf (plain string, name chain, whole number)."""
        found = _LEAF.fullmatch(self.source, start, end)
        return _leaf(found.group(), _KINDS.get(self.source[start], "names"), start) if found is not None else None

    def expression(self, start: int, end: int) -> m.Expr:
        """The expression that is exactly ``source[start:end]``, or ``NotSimple``."""
        self._end = end
        try:
            value, position = self._expr(start, 0)
        except IndexError:  # ran into the end of the file (no newline after its last attribute)
            raise NotSimple(end) from None
        if position > end or _ends(_SPACE.match(self.source, position, end)) != end:
            raise NotSimple(position)
        return value

    def file(self) -> tuple[tuple[m.Attribute, ...], tuple[m.Block, ...]]:
        """The whole file's attributes and blocks with no tree at all, or ``NotSimple``: stricter than the
        grammar (a newline after each item, labels and ``{`` on the type's line, no NUL byte), so whatever is
        read here tree-sitter parses without error to the same model; anything else is the tree's."""
        self._end = -1  # no expression ends at a known offset: an operator may follow any
        if self.source.find(b"\0") < len(self.source) - 1:  # tree-sitter's error, even in a string or comment
            raise NotSimple(self.source.find(b"\0"))
        try:
            attributes, blocks, _ = self._body(0, _END, 0)
        except IndexError:  # ran past the sentinel
            raise NotSimple(len(self.source) - 1) from None
        return attributes, blocks

    def _body(self, position: int, closer: int, depth: int) -> tuple[tuple[m.Attribute, ...], tuple[m.Block, ...], int]:
        """Attributes and blocks up to ``closer`` (a block's ``}``, or the end), each ending its line; where
        ``closer`` is. Blocks nested deeper than ``MAX_DEPTH`` are the tree's, as deep expressions are."""
        if depth > MAX_DEPTH:
            raise NotSimple(position)
        source = self.source
        attributes: list[m.Attribute] = []
        blocks: list[m.Block] = []
        position = _GAP.match(source, position).end()  # type: ignore[union-attr]
        while source[position] != closer:
            start = position
            simple = _LEAF_ATTRIBUTE.match(source, position)
            if simple is not None:
                word = simple.group(1).decode("ascii")
                end = simple.end()
                after = _GAP.match(source, end).end()  # type: ignore[union-attr]
                if word not in _KEYWORDS and source[after] not in _LEAF_ENDS:
                    value = _leaf(simple.group(2), _KINDS.get(source[simple.start(2)], "names"), simple.start(2))
                    line = self.line(start)
                    attributes.append(m.Attribute(intern(word), value, line, line))
                    if source[after] != closer and source.find(b"\n", end, after) < 0:
                        raise NotSimple(after)
                    position = after
                    continue
            head = _BLOCK_HEAD.match(source, position)
            if head is not None:
                word = head.group(1).decode("ascii")
                if word not in _KEYWORDS:
                    found = _LABELS.findall(head.group(2)) if head.end(2) > head.start(2) else ()
                    read_labels = tuple([_label(raw, position) for raw in found])
                    line = self.line(start)
                    inner, nested, close = self._body(head.end(), _RBRACE, depth + 1)
                    blocks.append(m.Block(intern(word), read_labels, inner, nested, line, self.line(close)))
                    position = close + 1
                    after = _GAP.match(source, position).end()  # type: ignore[union-attr]
                    if source[after] != closer and source.find(b"\n", position, after) < 0:
                        raise NotSimple(after)
                    position = after
                    continue
            name = _IDENTIFIER.match(source, position)
            if name is None:
                raise NotSimple(position)
            word = name.group().decode("ascii")
            position = name.end()
            if word in _KEYWORDS or source[position] in _NON_ASCII:
                raise NotSimple(position)
            if source[position] == _BLANK_SPACE and source[position + 1] not in _BLANK:
                position += 1
            else:
                position = _BLANKS.match(source, position).end()  # type: ignore[union-attr]
            line = self.line(start)
            if source[position] == _EQUALS:
                if source[position + 1] == _EQUALS:
                    raise NotSimple(position)
                value, position = self._expr(self._space(position + 1), 0)
                attributes.append(m.Attribute(intern(word), value, line, self.line(position)))
                skipped = self._skipped
                after = skipped[1] if skipped[0] == position else self._space(position)
                if source[after] == _SLASH:
                    after = _GAP.match(source, after).end()  # type: ignore[union-attr]
            else:
                labels: list[str] = []
                while source[position] != _LBRACE:
                    label = _LABEL.match(source, position) or _IDENTIFIER.match(source, position)
                    if label is None:
                        raise NotSimple(position)
                    raw = label.group()
                    position = label.end()
                    if raw[0] == _QUOTE:
                        labels.append(_leaf(raw, "text", position).value)  # type: ignore[union-attr,arg-type]
                    elif raw.decode("ascii") in _KEYWORDS or source[position] in _NON_ASCII:
                        raise NotSimple(position)
                    else:
                        labels.append(intern(raw.decode("ascii")))
                    position = _BLANKS.match(source, position).end()  # type: ignore[union-attr]
                inner, nested, close = self._body(position + 1, _RBRACE, depth + 1)
                blocks.append(m.Block(intern(word), tuple(labels), inner, nested, line, self.line(close)))
                position = close + 1
                after = _GAP.match(source, position).end()  # type: ignore[union-attr]
            if source[after] != closer and source.find(b"\n", position, after) < 0:
                raise NotSimple(after)  # two items on one line: the grammar may take them, this reader not
            position = after
        return tuple(attributes), tuple(blocks), position

    def line(self, position: int) -> int:
        """1-based line of a byte offset, as tree-sitter counts rows (newlines before it): counted on from the
        offset asked before (items are read in order), in C, with no table of every line's start. An offset
        before it (the tree walk reading again inside an expression this reader gave up on, a tenth of the
        calls in cloud-foundation-fabric) is counted back from there, or on from the start if that is nearer:
        three times the source's bytes were counted from the start again."""
        at, line = self._counted
        if position >= at:
            line += self.source.count(b"\n", at, position)
        elif position < at - position:
            line = 1 + self.source.count(b"\n", 0, position)
        else:
            line -= self.source.count(b"\n", position, at)
        self._counted = (position, line)
        return line

    def _space(self, position: int) -> int:
        source = self.source
        if source[position] in _SPACE_START:
            if source[position] == _BLANK_SPACE and source[position + 1] not in _SPACE_START:
                return position + 1  # one blank, the commonest space: no pattern run
            found = _SPACE.match(source, position)  # (always a match; not through _ends: a call fewer)
            return found.end() if found is not None else position
        return position

    def _expr(self, position: int, depth: int) -> tuple[m.Expr, int]:
        """Operations, and ``condition ? a : b`` of them (right to left, as the tree walk rebuilds the chain the
        grammar nests the other way), across lines and comments as the grammar reads them."""
        source = self.source
        value, end = self._unary(position, depth) if source[position] in _PREFIX else self._term(position, depth)
        mark = source[end]
        if mark in _TERM_ENDS or end == self._end:  # most terms: no operator can follow
            return value, end
        if mark == _BLANK_SPACE and source[end + 1] in _TERM_ENDS:  # nor here: "{ a = 1 }"
            return value, end
        after = self._space(end) if mark in _SPACE_START else end
        if source[after] in _OPERATOR_START:
            value, end = self._binary(value, end, depth, 1)
            after = self._space(end)
        self._skipped = (end, after)  # the caller skips it again (to its comma or next item): kept
        if source[after] != _QUESTION:
            return value, end
        yes, end = self._expr(self._space(after + 1), depth + 1)
        colon = self._space(end)
        if source[colon] != _COLON:
            raise NotSimple(colon)
        no, end = self._expr(self._space(colon + 1), depth + 1)
        return m.Conditional(value, yes, no), end

    def _binary(self, value: m.Expr, end: int, depth: int, lowest: int) -> tuple[m.Expr, int]:
        """``value`` (ending at ``end``) and the operators after it that bind at least as tight as ``lowest``,
        left to right (precedence climbing: the tree the grammar's precedences build). Each operator counts
        as a level, so a long chain is left to the tree."""
        source = self.source
        while True:
            after = self._space(end)
            found = _OPERATOR.match(source, after)
            if found is None:
                return value, end
            operator, precedence = _OPERATORS[found.group()]
            if precedence < lowest:
                return value, end
            depth += 1
            if depth > MAX_DEPTH:
                raise NotSimple(after)
            right, end = self._unary(self._space(found.end()), depth)
            right, end = self._binary(right, end, depth, precedence + 1)
            value = m.BinaryOp(operator, value, right)

    def _unary(self, position: int, depth: int) -> tuple[m.Expr, int]:
        """``!`` and ``-`` bind tighter than any binary operator, looser than the steps of their operand."""
        mark = self.source[position]
        if mark != _BANG and mark != _MINUS:
            return self._term(position, depth)
        if depth > MAX_DEPTH:
            raise NotSimple(position)
        operand, end = self._unary(self._space(position + 1), depth + 1)
        if mark == _MINUS:
            if type(operand) is m.Lit and type(operand.value) is float:
                return m.Lit(-operand.value), end  # as the tree walk: python-hcl2 reads -1.5 as one literal
            return m.UnaryOp("-", operand), end
        return m.UnaryOp("!", operand), end

    def _term(self, position: int, depth: int) -> tuple[m.Expr, int]:
        if depth > MAX_DEPTH:
            raise NotSimple(position)
        source = self.source
        leaf = _LEAF.match(source, position)
        if leaf is None:
            first = source[position]
            if first == _LBRACKET:
                return self._tuple(position + 1, depth)
            if first == _LBRACE:
                return self._object(position + 1, depth)
            if first == _QUOTE:
                return self._template(position + 1, depth)
            if first == _LPAREN:
                return self._group(position + 1, depth)
            raise NotSimple(position)
        end = leaf.end()
        kind = _KINDS.get(source[position], "names")
        after = source[end]
        if kind == "text" or (kind == "number" and after not in _AFTER_NUMBER):
            return _leaf(leaf.group(), kind, position), end
        dot_step = after == _DOT and source[end + 1] in _DOT_STEP  # x.*, x.0
        if kind == "number" or (after in _AFTER_NAMES and not dot_step and not source.startswith(b"...", end)):
            raise NotSimple(end)
        if after != _LPAREN and after != _LBRACKET and not dot_step:
            return _leaf(leaf.group(), kind, position), end
        names = leaf.group().decode("ascii").split(".")
        if not _KEYWORDS.isdisjoint(names):
            raise NotSimple(position)
        if after == _LPAREN:  # a function call
            if len(names) > 1:
                raise NotSimple(end)
            base, end = self._call(names[0], end + 1, depth)
        else:
            base = m.Name(names[0])
        steps: list[m.Step] = [m.AttrStep(name) for name in names[1:]]
        if source[end] in b"[.":
            end = self._steps(steps, end, depth)
        return (m.Traversal(base, tuple(steps)) if steps else base), end

    def _group(self, position: int, depth: int) -> tuple[m.Expr, int]:
        """``(expr)`` after its opening parenthesis: the parentheses only group; steps may follow them, added to
        the inner traversal's own as the tree walk does."""
        source = self.source
        inner, end = self._expr(self._space(position), depth + 1)
        end = self._space(end)
        if source[end] != _RPAREN:
            raise NotSimple(end)
        end += 1
        if source[end] != _DOT and source[end] != _LBRACKET:
            return inner, end
        steps: list[m.Step] = []
        end = self._steps(steps, end, depth)
        if not steps:
            return inner, end
        if type(inner) is m.Traversal:
            return m.Traversal(inner.base, inner.steps + tuple(steps)), end
        return m.Traversal(inner, tuple(steps)), end

    def _steps(self, steps: list[m.Step], position: int, depth: int) -> int:
        """More ``.name`` and ``[key]`` steps (a space before one: NotSimple); where they end."""
        source = self.source
        while True:
            mark = source[position]
            if mark == _DOT and not source.startswith(b"...", position):  # "." but not an expansion
                name = _NAME.match(source, position + 1)
                if name is None:
                    position = self._dot_step(steps, position + 1)
                    continue
                word = name.group().decode("ascii")
                position = name.end()
                if word in _KEYWORDS or source[position] in _AFTER_STEP:
                    raise NotSimple(position)
                steps.append(m.AttrStep(word))
            elif mark == _LBRACKET:
                inner = self._space(position + 1)
                if source[inner] == _STAR:  # "[*]": the following steps apply to every element
                    if inner != position + 1 or source[inner + 1] != _RBRACKET:
                        raise NotSimple(inner)
                    steps.append(_SPLAT)
                    position = inner + 2
                    continue
                key, inner = self._expr(inner, depth + 1)
                inner = self._space(inner)
                if source[inner] != _RBRACKET:
                    raise NotSimple(inner)
                steps.append(m.IndexStep(key))
                position = inner + 1
            else:
                return position

    def _dot_step(self, steps: list[m.Step], position: int) -> int:
        """``.*`` (a splat) or ``.0`` (a whole-number index, as the tree walk reads it) after the dot; where it
        ends."""
        source = self.source
        if source[position] == _STAR:
            steps.append(_ATTRIBUTE_SPLAT)
            return position + 1
        digits = _DIGITS.match(source, position)
        if digits is None:
            raise NotSimple(position)
        end = digits.end()
        if source[end] in _AFTER_NUMBER and not (source[end] == _DOT and source[end + 1] in _NAME_START):
            raise NotSimple(end)  # x.0.5, x.0e1, x.0a: the tree's
        steps.append(m.IndexStep(_leaf(digits.group(), "number", position)))
        return end

    def _template(self, position: int, depth: int) -> tuple[m.Expr, int]:
        """A quoted string after its opening quote: literal chunks and ``${...}`` interpolations."""
        source = self.source
        parts: list[m.Expr] = []
        while True:
            end = _CHUNK.match(source, position).end()  # type: ignore[union-attr]
            if end > position:
                parts.append(m.Lit(source[position:end].decode("utf-8", errors="surrogatepass")))
            mark = source[end]
            following = source[end + 1]
            if mark == _QUOTE:
                return m.template_of(parts), end + 1
            if mark == _DOLLAR and following == _LBRACE:
                inner = self._space(end + 2)
                if source[inner] == _TILDE:
                    raise NotSimple(inner)
                value, inner = self._expr(inner, depth + 1)
                inner = self._space(inner)
                if source[inner] != _RBRACE:
                    raise NotSimple(inner)
                if value != _EMPTY:  # as the tree walk: an interpolated "" is no part either
                    parts.append(value)
                position = inner + 1
            elif mark in (_DOLLAR, _PERCENT) and following not in (_LBRACE, _DOLLAR, _PERCENT):
                parts.append(m.Lit(chr(mark)))  # a lone "$" or "%" is itself
                position = end + 1
            elif mark == _BACKSLASH and following in _ESCAPED:
                parts.append(_ESCAPED[following])
                position = end + 2
            elif following == mark and source[end + 2] == _LBRACE and mark in (_DOLLAR, _PERCENT):
                parts.append(m.Lit(chr(mark) + "{"))  # "$${" and "%%{" are "${" and "%{" as text
                position = end + 3
            else:  # another escape (\u: the tree checks it), a directive, "$$", a newline
                raise NotSimple(end)

    def _tuple(self, position: int, depth: int) -> tuple[m.Expr, int]:
        start = self._space(position)
        if self.source.startswith(b"for", start) and self.source[start + 3] in _BLANK:
            return self._for(start + 3, depth, _RBRACKET)
        items, _, position = self._items(position, depth, _RBRACKET, expandable=False)
        return m.TupleExpr(tuple(items)), position

    def _for(self, position: int, depth: int, closer: int) -> tuple[m.Expr, int]:
        """``[for k, v in c : e if p]`` or ``{for k, v in c : k => e... if p}`` after its ``for``: a fifth of
        the expressions the shortcut left to the tree in real estates (cloud-foundation-fabric)."""
        source = self.source
        names: list[str] = []
        position = self._space(position)
        while True:
            name = _NAME.match(source, position)
            if name is None or source[name.end()] not in _AFTER_FOR_NAME:
                raise NotSimple(position)
            names.append(name.group().decode("ascii"))
            position = self._space(name.end())
            if source[position] != _COMMA or len(names) == 2:
                break
            position = self._space(position + 1)
        if not _KEYWORDS.isdisjoint(names) or not self._word(b"in", position):
            raise NotSimple(position)
        collection, position = self._expr(self._space(position + 2), depth + 1)
        position = self._space(position)
        if isinstance(collection, m.Conditional) or source[position] != _COLON:  # "c ? a : b : e": the tree's
            raise NotSimple(position)
        key: m.Expr | None = None
        value, position = self._expr(self._space(position + 1), depth + 1)
        position = self._space(position)
        grouping = False
        if closer == _RBRACE:
            if not source.startswith(b"=>", position):
                raise NotSimple(position)
            key = value
            value, position = self._expr(self._space(position + 2), depth + 1)
            position = self._space(position)
            if source.startswith(b"...", position):
                grouping = True
                position = self._space(position + 3)
        condition: m.Expr | None = None
        if self._word(b"if", position):
            condition, position = self._expr(self._space(position + 2), depth + 1)
            position = self._space(position)
        if source[position] != closer:
            raise NotSimple(position)
        key_var = names[0] if len(names) > 1 else None
        return m.ForExpr(key_var, names[-1], collection, key, value, condition, grouping), position + 1

    def _word(self, word: bytes, position: int) -> bool:
        """Whether the keyword ``word`` is at ``position``, a blank after it."""
        return self.source.startswith(word, position) and self.source[position + len(word)] in _BLANK

    def _call(self, name: str, position: int, depth: int) -> tuple[m.Expr, int]:
        """Arguments after ``name(``; ``...`` after the last one expands it."""
        args, expand, position = self._items(position, depth, _RPAREN, expandable=True)
        return m.Call(name, tuple(args), expand), position

    def _items(self, position: int, depth: int, closer: int, expandable: bool) -> tuple[list[m.Expr], bool, int]:
        """Expressions separated by commas up to ``closer`` (a trailing comma allowed), and the position after
        it; ``...`` after the last one (``expandable``: a call's arguments) is said as the flag."""
        source = self.source
        items: list[m.Expr] = []
        expand = False
        position = self._space(position)
        while source[position] != closer:
            leaf = _LEAF.match(source, position)
            if leaf is not None and source[leaf.end()] in _TERM_ENDS and depth < MAX_DEPTH:  # no operator follows
                value = _leaf(leaf.group(), _KINDS.get(source[position], "names"), position)
                position = leaf.end()
            else:
                value, position = self._expr(position, depth + 1)
            items.append(value)
            if source[position] in _SPACE_START:  # most items end at their comma: no call
                position = self._space(position)
            mark = source[position]
            if mark == _COMMA:
                position = self._space(position + 1)
            elif expandable and source.startswith(b"...", position):
                expand = True
                position = self._space(position + 3)
                if source[position] != closer:
                    raise NotSimple(position)
            elif mark != closer:
                raise NotSimple(position)
        return items, expand, position + 1

    def _object(self, position: int, depth: int) -> tuple[m.Expr, int]:
        """Items keyed by a name or a quoted string, ``=`` or ``:``, apart by a comma or a newline."""
        source = self.source
        items: list[m.ObjectItem] = []
        position = self._space(position)
        if self._word(b"for", position):
            return self._for(position + 3, depth, _RBRACE)
        while source[position] != _RBRACE:
            start = position
            if source[position] == _QUOTE:
                key, position = self._template(position + 1, depth + 1)
            else:
                name = _KEY.match(source, position)
                if name is None:
                    raise NotSimple(position)
                word = name.group().decode("ascii")
                position = name.end()
                if word in _KEYWORDS or source[position] in _AFTER_KEY:
                    raise NotSimple(position)
                key = m.Lit(word)
            position = self._space(position)
            if source[position] not in b"=:" or source[position + 1] in b"=>":
                raise NotSimple(position)
            value, position = self._expr(self._space(position + 1), depth + 1)
            items.append(m.ObjectItem(key, value, self.line(start)))
            skipped = self._skipped
            after = skipped[1] if skipped[0] == position else self._space(position)
            mark = source[after]
            if mark == _COMMA:
                position = self._space(after + 1)
            elif mark == _RBRACE or source.find(b"\n", position, after) >= 0:
                position = after
            else:
                raise NotSimple(after)
        return m.ObjectExpr(tuple(items)), position + 1


def _ends(found: re.Match[bytes] | None) -> int:
    """Where a match of a pattern that matches the empty string ends (it always matches)."""
    assert found is not None
    return found.end()


def _label(raw: bytes, position: int) -> str:
    """A block label's text (a quoted label's, as ``_leaf`` reads it); a keyword is the tree's."""
    if raw[0] == _QUOTE:
        return _leaf(raw, "text", position).value  # type: ignore[union-attr,return-value]
    word = raw.decode("ascii")
    if word in _KEYWORDS:
        raise NotSimple(position)
    return intern(word)


def _leaf(raw: bytes, kind: str | None, position: int) -> m.Expr:
    """A leaf's model from its text (``kind`` as ``_LEAF`` names it), shared with every equal leaf."""
    value = _SHARED.get(raw)
    if value is not None:
        return value
    if kind == "text":
        value = m.Lit(raw[1:-1].decode("utf-8", errors="surrogatepass"))
    elif kind == "number":
        value = m.Lit(int(raw))
    else:
        names = raw.decode("ascii").split(".")
        if not _KEYWORDS.isdisjoint(names):
            literal = _LITERALS.get(names[0]) if len(names) == 1 else None
            if literal is None:
                raise NotSimple(position)
            return literal
        base = m.Name(names[0])
        value = m.Traversal(base, tuple([m.AttrStep(name) for name in names[1:]])) if len(names) > 1 else base
    if len(_SHARED) < MAX_SHARED and len(raw) <= MAX_SHARED_BYTES:
        _SHARED[raw] = value
    return value
