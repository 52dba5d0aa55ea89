"""A bound on how deeply YAML or JSON text nests, checked before a C parser sees it: libyaml's
composer recurses on the C stack, and 100,000 nested brackets crash the process (SIGSEGV) instead of
raising an error that could become a located problem."""

from __future__ import annotations

import re

MAX_DEPTH = 1000  # far beyond any manifest or config; well within the C stack
_QUOTED = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*'")
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The 1-based line where flow collections (``[``, ``{``) or block indentation first nest deeper
    than ``limit``, or None. Brackets inside quoted strings do not count."""
    if text.count("[") + text.count("{") > limit:
        depth = 0
        for match in _BRACKETS.finditer(_QUOTED.sub("", text)):
            depth += 1 if match.group() in "[{" else -1
            if depth > limit:
                return _QUOTED.sub("", text).count("\n", 0, match.start()) + 1
    indented = re.search(f"^ {{{2 * limit + 1}}}", text, re.M)  # a level of block nesting takes an indent
    return text.count("\n", 0, indented.start()) + 1 if indented is not None else None
