"""The comments of an HCL file, found by a scanner that knows quoted templates, interpolations and
heredocs: ``# ...`` inside a string or a heredoc is text, not a comment. Comments inside an
interpolation (``"${x # ...}"``) are skipped too: no suppression can hide in a template.

Both parser backends drop comments (python-hcl2 cannot see them at all), so suppressions are read
from this one scanner whichever backend parsed the file; ``tests/security/test_policy.py`` checks it
against tree-sitter's comment nodes. It runs only on files that parsed, and never raises.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\n")
# where something may start or end: everything between is skipped at C speed
_NEXT = {
    "code": re.compile(r"[#/\"<{}]"),
    "string": re.compile(r"[\\\"\n]|\$\$\{|%%\{|[$%]\{"),
    "heredoc": re.compile(r"\n|\$\$\{|%%\{|[$%]\{"),
}


@dataclass(frozen=True)
class Comment:
    line: int  # 1-based, where it starts
    text: str  # with its ``#``, ``//`` or ``/* */``
    alone: bool  # nothing but blanks before it on its line


@dataclass
class _Frame:
    mode: str
    braces: int = 0  # open ``{`` of a code frame (an interpolation ends at its unmatched ``}``)
    marker: str = ""  # a heredoc's closing word


def hcl_comments(text: str) -> list[Comment]:
    """Every comment of ``text``, in order. Iterative (a stack of frames): nesting cannot recurse."""
    scanner = _Scanner(text)
    while scanner.index < len(text):
        scanner.step()
    return scanner.found


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.stack = [_Frame("code")]
        self.found: list[Comment] = []
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def step(self) -> None:
        frame = self.stack[-1]
        if frame.mode == "heredoc" and self._closes(frame.marker):
            return
        found = _NEXT[frame.mode].search(self.text, self.index)
        if found is None:
            self.index = len(self.text)
            return
        self.index = found.start()
        if frame.mode == "code":
            self._code(frame)
        else:
            self._template(found.group())

    def _code(self, frame: _Frame) -> None:
        text, index = self.text, self.index
        char = text[index]
        if char == "#" or text.startswith("//", index):
            self._comment(_find(text, "\n", index))
        elif text.startswith("/*", index):
            self._comment(min(_find(text, "*/", index + 2) + 2, len(text)))
        elif char == '"':
            self.stack.append(_Frame("string"))
            self.index += 1
        elif char == "<" and (heredoc := _HEREDOC.match(text, index)) is not None:
            self.stack.append(_Frame("heredoc", marker=heredoc.group(1)))
            self.index = heredoc.end()
        elif char == "}" and frame.braces == 0 and len(self.stack) > 1:
            self.stack.pop()  # the end of an interpolation: back to its template
            self.index += 1
        else:
            frame.braces = max(frame.braces + (1 if char == "{" else -1 if char == "}" else 0), 0)
            self.index += 1

    def _template(self, token: str) -> None:
        """In a quoted template or a heredoc: an escape, an interpolation, or the end of the string."""
        if token in ("${", "%{"):
            self.stack.append(_Frame("code"))
        elif token == "\\":
            self.index += 1  # the escaped character is skipped below
        elif token in ('"', "\n") and self.stack[-1].mode == "string":
            self.stack.pop()  # a quoted template ends at its quote (unterminated: at the line's end)
        self.index += len(token)

    def _closes(self, marker: str) -> bool:
        """At a heredoc line that holds its closing marker: leave the heredoc after it."""
        text, index = self.text, self.index
        if index and text[index - 1] != "\n":
            return False
        index = _blanks(text, index)
        after = index + len(marker)
        rest = _blanks(text, after)
        if not text.startswith(marker, index) or (rest < len(text) and text[rest] != "\n"):
            return False  # only the marker alone on its line (blanks around it allowed) closes the heredoc
        self.stack.pop()
        self.index = after
        return True

    def _comment(self, end: int) -> None:
        start = self.index
        self.index = end
        if len(self.stack) > 1:
            return  # inside an interpolation: skipped, never taken for a suppression
        line = bisect.bisect_right(self.line_starts, start)
        alone = not self.text[self.line_starts[line - 1] : start].strip()
        self.found.append(Comment(line, self.text[start:end], alone))


def _blanks(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t":
        index += 1
    return index


def _find(text: str, what: str, start: int) -> int:
    found = text.find(what, start)
    return len(text) if found < 0 else found
