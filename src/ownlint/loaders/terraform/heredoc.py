"""Heredoc bodies: strip the markers, apply ``<<-`` indentation, split ``${...}`` interpolations.

Backends hand heredocs over as raw text; this turns one into a ``Template`` using the backend's own
expression parser for each interpolation, so the result is the same whichever backend parsed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ownlint.loaders.terraform.expr import Expr, Lit, Template, Unsupported

_MARKER = re.compile(r"[$%]")


def heredoc_body(raw: str) -> tuple[str, bool]:
    """``<<EOT\\n...\\nEOT\\n`` -> (body text with a final newline, whether it was ``<<-``)."""
    trimmed = raw.startswith("<<-")
    lines = raw.rstrip("\r\n").split("\n")
    body_lines = [line.rstrip("\r") for line in lines[1:-1]]
    if trimmed:
        indents = [len(line) - len(line.lstrip(" \t")) for line in body_lines if line.strip()]
        cut = min(indents, default=0)
        body_lines = [line[cut:] for line in body_lines]
    return "".join(line + "\n" for line in body_lines), trimmed


def split_template(text: str, parse_expression: Callable[[str], Expr]) -> Expr:
    """Split template text into literal chunks and parsed interpolations."""
    parts: list[Expr] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        found = _MARKER.search(text, index)  # literal text up to the next $ or %, copied at once
        if found is None:
            literal.append(text[index:])
            break
        if found.start() > index:
            literal.append(text[index : found.start()])
            index = found.start()
        if text.startswith("$${", index) or text.startswith("%%{", index):
            literal.append(text[index + 1 : index + 3])
            index += 3
        elif text.startswith("${", index) or text.startswith("%{", index):
            end = _closing_brace(text, index + 2)
            if end < 0:
                return Unsupported("unterminated template interpolation")
            if literal:
                parts.append(Lit("".join(literal)))
                literal = []
            inner = text[index + 2 : end].strip().strip("~").strip()
            if text[index] == "%":
                parts.append(Unsupported("template directive %{...}"))
            else:
                parts.append(parse_expression(inner))
            index = end + 1
        else:
            literal.append(text[index])
            index += 1
    if literal:
        parts.append(Lit("".join(literal)))
    if len(parts) == 1 and isinstance(parts[0], Lit):
        return parts[0]
    return Template(tuple(parts)) if parts else Lit("")


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing an interpolation, skipping nested braces and quoted strings."""
    depth = 0
    index = start
    in_string = False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return -1
