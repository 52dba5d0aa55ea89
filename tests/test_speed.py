"""Speed work keeps behaviour: each faster path gives exactly what the plain one gave."""

from __future__ import annotations

import random
from collections.abc import Callable

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.heredoc import _closing_brace, split_template


def _reference_split(text: str, parse_expression: Callable[[str], m.Expr]) -> m.Expr:
    """The character-at-a-time splitter the heredoc module had before (the oracle)."""
    parts: list[m.Expr] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("$${", index) or text.startswith("%%{", index):
            literal.append(text[index + 1 : index + 3])
            index += 3
        elif text.startswith("${", index) or text.startswith("%{", index):
            end = _closing_brace(text, index + 2)
            if end < 0:
                return m.Unsupported("unterminated template interpolation")
            if literal:
                parts.append(m.Lit("".join(literal)))
                literal = []
            inner = text[index + 2 : end].strip().strip("~").strip()
            parts.append(m.Unsupported("template directive %{...}") if text[index] == "%" else parse_expression(inner))
            index = end + 1
        else:
            literal.append(text[index])
            index += 1
    if literal:
        parts.append(m.Lit("".join(literal)))
    if len(parts) == 1 and isinstance(parts[0], m.Lit):
        return parts[0]
    return m.Template(tuple(parts)) if parts else m.Lit("")


def test_the_heredoc_splitter_skips_literal_runs_and_splits_as_before() -> None:
    rng = random.Random(20)
    pieces = ["$", "%", "{", "}", "${a}", "$${", "%%{", "%{ if x }", '"', "\\", "abc", "\n", " ", "${ {b} }", "$$$"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        assert split_template(text, m.Name) == _reference_split(text, m.Name), text
