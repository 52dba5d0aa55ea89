"""``terraform fmt``'s alignment, for the lines a fix touched: a repository gated on ``fmt -check`` passes.

``terraform fmt`` (hclwrite) aligns the ``=`` of consecutive lines that each hold a whole single-line
assignment (the first ``=`` of the line, not its first token, with brackets balanced after it), and
then the trailing comments of consecutive lines that end in one. A heredoc belongs to the line that
opens it; a line opening brackets it does not close, a blank line or a comment line ends a run. Only
the runs holding the rows named are changed: the rest of the file stays as its authors wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

_OPEN, _CLOSE, _EQUAL, _COMMENT = "open", "close", "=", "comment"
_OTHER, _HEREDOC, _NEWLINE = "other", "heredoc", "newline"
_OPERATORS = ("==", "!=", "<=", ">=", "=>", "&&", "||", "...", "<<", "%%{", "$${")


@dataclass(frozen=True)
class _Token:
    kind: str
    start: int  # offsets in the text
    end: int


@dataclass(frozen=True)
class _Line:
    """A line as terraform fmt sees it: its tokens, split into lead, ``=`` and trailing comment."""

    row: int  # its first physical row (0-based)
    rows: int  # physical rows it spans (a heredoc, a block comment)
    start: int  # offset of its first character
    tokens: tuple[_Token, ...]
    equal: int | None  # index of the ``=`` of a whole assignment
    comment: _Token | None

    def lead_end(self) -> int:
        assert self.equal is not None
        return self.tokens[self.equal - 1].end

    def code_end(self) -> int:
        """Where its lead and assignment end (before the trailing comment)."""
        code = [t for t in self.tokens if t is not self.comment]
        return code[-1].end if code else self.start


def align(text: str, rows: Iterable[int]) -> str:
    """``text`` with the assignment runs, then the comment runs, that hold any of ``rows`` re-aligned."""
    wanted = set(rows)
    if not wanted:
        return text
    lines = _lines(text)
    touched = [i for i, line in enumerate(lines) if wanted.intersection(range(line.row, line.row + line.rows))]
    changes: dict[int, tuple[int, int]] = {}  # offset of the gap -> (its length, the spaces wanted)
    assigned: set[int] = set()
    for run in _runs(lines, touched, lambda line: line.equal is not None):
        width = max(_columns(text, line.start, line.lead_end()) for line in run)
        for line in run:
            assert line.equal is not None
            gap = line.tokens[line.equal].start - line.lead_end()
            changes[line.lead_end()] = (gap, width - _columns(text, line.start, line.lead_end()) + 1)
            assigned.add(line.row)
    text = _replace(text, changes)
    lines = _lines(text)
    touched = [i for i, line in enumerate(lines) if line.row in assigned or i in touched]
    changes = {}
    for run in _runs(lines, touched, lambda line: line.comment is not None):
        width = max(_columns(text, line.start, line.code_end()) for line in run)
        for line in run:
            assert line.comment is not None
            gap = line.comment.start - line.code_end()
            changes[line.code_end()] = (gap, width - _columns(text, line.start, line.code_end()) + 1)
    return _replace(text, changes)


def _runs(lines: list[_Line], touched: list[int], member: Callable[[_Line], bool]) -> Iterator[list[_Line]]:
    """The maximal runs of consecutive lines for which ``member`` holds that contain a touched line."""
    done: set[int] = set()
    for index in touched:
        if index in done or not member(lines[index]):
            continue
        first = index
        while first > 0 and member(lines[first - 1]):
            first -= 1
        last = index
        while last + 1 < len(lines) and member(lines[last + 1]):
            last += 1
        done.update(range(first, last + 1))
        yield lines[first : last + 1]


def _columns(text: str, start: int, end: int) -> int:
    return end - start  # characters (a key of letters outside ASCII counts one column each, as fmt does)


def _replace(text: str, changes: dict[int, tuple[int, int]]) -> str:
    for offset, (gap, spaces) in sorted(changes.items(), reverse=True):
        text = text[:offset] + " " * spaces + text[offset + gap :]
    return text


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    current: list[_Token] = []
    start, row = 0, 0
    for token in _tokens(text):
        if token.kind != _NEWLINE:
            current.append(token)
            continue
        rows = text.count("\n", start, token.end)
        lines.append(_line(row, rows, start, current))
        current, start, row = [], token.end, row + rows
    lines.append(_line(row, text.count("\n", start) + 1, start, current))
    return lines


def _line(row: int, rows: int, start: int, tokens: list[_Token]) -> _Line:
    comment = tokens[-1] if len(tokens) > 1 and tokens[-1].kind == _COMMENT else None
    code = tokens[:-1] if comment is not None else tokens
    equal = next((i for i, t in enumerate(code) if t.kind == _EQUAL), None)
    if equal == 0:
        equal = None
    if equal is not None:
        net = 0
        for token in code[equal:]:
            if token.kind == _HEREDOC:
                break
            net += {_OPEN: 1, _CLOSE: -1}.get(token.kind, 0)
        equal = equal if net == 0 else None
    return _Line(row, max(rows, 1), start, tuple(tokens), equal, comment)


def _tokens(text: str) -> Iterator[_Token]:
    """HCL tokens, enough to tell brackets, ``=``, comments and line ends apart; quoted strings are
    one token each but for their ``${``/``%{`` sequences, whose brackets count as fmt counts them."""
    braces: list[str] = []  # "{" of an object or block, "${" of a template sequence
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == "\n":
            yield _Token(_NEWLINE, i, i + 1)
            i += 1
        elif char in " \t\r":
            i += 1
        elif char == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = size if end < 0 else end
            yield _Token(_COMMENT, i, end)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = size if end < 0 else end + 2
            yield _Token(_COMMENT, i, end)
            i = end
        elif char == '"':
            tokens, i = _string(text, i, braces)
            yield from tokens
        elif text.startswith("<<", i) and (heredoc := _heredoc_end(text, i)) is not None:
            yield _Token(_HEREDOC, i, heredoc)
            i = heredoc
        elif char in "([{":
            braces.append(char)
            yield _Token(_OPEN, i, i + 1)
            i += 1
        elif char in ")]}":
            opened = braces.pop() if braces else ""
            yield _Token(_CLOSE, i, i + 1)
            i += 1
            if opened == "${":  # back into the string the sequence is in
                tokens, i = _string(text, i, braces, opened=True)
                yield from tokens
        elif char == "=" and not text.startswith(_OPERATORS, i):
            yield _Token(_EQUAL, i, i + 1)
            i += 1
        else:
            operator = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            end = i + len(operator) if operator else _word_end(text, i)
            yield _Token(_OTHER, i, end)
            i = end


def _string(text: str, i: int, braces: list[str], opened: bool = False) -> tuple[list[_Token], int]:
    """A quoted string from its ``"`` (or from inside it, after a sequence's ``}``) to its end or to
    its next ``${``/``%{``, which opens a sequence of expression tokens; and where it stopped."""
    start = i
    i = i if opened else i + 1
    while i < len(text) and text[i] not in '"\n':
        if text[i] == "\\":
            i += 2
        elif text.startswith(("$${", "%%{"), i):
            i += 3
        elif text.startswith(("${", "%{"), i):
            braces.append("${")
            before = [_Token(_OTHER, start, i)] if i > start else []
            return [*before, _Token(_OPEN, i, i + 2)], i + 2
        else:
            i += 1
    end = i + 1 if i < len(text) and text[i] == '"' else i
    return ([_Token(_OTHER, start, end)] if end > start else []), end


def _heredoc_end(text: str, i: int) -> int | None:
    """The end of the heredoc starting at ``i`` (``<<EOT`` or ``<<-EOT``), after its closing marker."""
    j = i + 2 + (text[i + 2 : i + 3] == "-")
    marker_end = _word_end(text, j)
    marker = text[j:marker_end]
    line_end = text.find("\n", marker_end)
    if not marker or not marker[0].isalpha() or line_end < 0 or text[marker_end:line_end].strip():
        return None
    position = line_end + 1
    while position <= len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        if text[position:end].strip() == marker:
            return end
        if end == len(text):
            return None
        position = end + 1
    return None


def _word_end(text: str, i: int) -> int:
    j = i
    while j < len(text) and (text[j].isalnum() or text[j] in "_-"):
        j += 1
    return j if j > i else i + 1
