"""The string functions that can build far more than they are given (``format``, ``join``, ``replace``,
``split``): what they would build is measured before it is built, and a regular expression that could
backtrack for long is not run (Python's engine backtracks; Terraform's, RE2, does not)."""

from __future__ import annotations

import json
import re
from typing import Any

from ownlint.loaders.terraform.budget import (
    MAX_VALUE_CHARACTERS,
    MAX_VALUE_ELEMENTS,
    TOO_MANY_CHARACTERS,
    TOO_MANY_ELEMENTS,
    Budget,
    OverBudget,
)
from ownlint.loaders.terraform.values import EvalError, to_text

MAX_REGEX_STEPS = 10_000_000  # backtracking steps one replace() may take at worst (a fraction of a second)
REGEX_STEPS_PER_STEP = 100  # what a backtracking step costs, in evaluation steps
_VERB = re.compile(r"%%|%[-+# 0-9.]*[sdvqft]")
_REPEAT = re.compile(r"[*+?]|\{(?:\d+(?:,\d*)?|,\d+)\}")
_LOOK = ("(?=", "(?!", "(?<=", "(?<!", "(?P=")
_EXPONENTIAL = "replace() with a regular expression that may backtrack exponentially"


def fits(length: int) -> None:
    """Before building a string of ``length`` characters: is it within one value's limit?"""
    if length > MAX_VALUE_CHARACTERS:
        raise OverBudget(TOO_MANY_CHARACTERS)


def format_text(spec: str, *values: Any) -> str:
    """``format()``: each piece is measured (its width and precision) before it is made."""
    pieces = iter(values)
    length = len(spec)

    def substitute(match: re.Match[str]) -> str:
        nonlocal length
        verb = match.group(0)
        if verb == "%%":
            return "%"
        value = next(pieces, _MISSING)
        if value is _MISSING:
            raise EvalError("format(): not enough arguments")
        flags, kind = verb[1:-1], verb[-1]
        fits(length + max((int(n) for n in re.findall(r"\d+", flags)), default=0))
        piece = _piece(flags, kind, value)
        length += len(piece)
        fits(length)
        return piece

    return _VERB.sub(substitute, spec)


_MISSING = object()


def _piece(flags: str, kind: str, value: Any) -> str:
    if kind == "q":
        return json.dumps(to_text(value))
    if kind == "d":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise EvalError("format(): %d needs a whole number")
        return f"%{flags}d" % int(value)
    if kind == "f":
        return f"%{flags}f" % float(value)
    if kind == "s" and isinstance(value, (list, dict)):
        raise EvalError("format(): %s needs a string")
    text = json.dumps(value) if isinstance(value, (list, dict)) else to_text(value)
    return f"%{flags}s" % text


def join_texts(separator: Any, items: list[Any]) -> str:
    """``join()``: the length is the parts' and the separators', known before joining."""
    texts = [to_text(item) for item in items]
    glue = to_text(separator)
    fits(sum(map(len, texts)) + len(glue) * max(len(texts) - 1, 0))
    return glue.join(texts)


def split_text(separator: Any, text: Any) -> list[str]:
    glue, whole = to_text(separator), to_text(text)
    if glue and whole.count(glue) >= MAX_VALUE_ELEMENTS:
        raise OverBudget(TOO_MANY_ELEMENTS)
    return whole.split(glue)


def replace_text(budget: Budget, text: str, search: str, replacement: str) -> str:
    """``replace()``: a plain search gives its length from the number of matches; a ``/regex/`` one
    is run only if its backtracking is bounded, and its result is measured piece by piece."""
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return _regex_replace(budget, text, search[1:-1], replacement)
    count = text.count(search)
    fits(len(text) + count * (len(replacement) - len(search)))
    return text.replace(search, replacement)


def _regex_replace(budget: Budget, text: str, pattern: str, replacement: str) -> str:
    quantifiers = regex_quantifiers(pattern)
    if quantifiers is None:
        raise OverBudget(_EXPONENTIAL)
    cost = (len(text) + 1) ** (quantifiers + 1)
    if cost > MAX_REGEX_STEPS:
        raise OverBudget(f"replace() with a regular expression that may take more than {MAX_REGEX_STEPS} steps")
    budget.step(cost // REGEX_STEPS_PER_STEP)
    template = re.sub(r"\$\{?(\d+)\}?", r"\\\1", replacement)
    length = len(text)

    def substitute(match: re.Match[str]) -> str:
        nonlocal length
        piece = match.expand(template)
        length += len(piece) - (match.end() - match.start())
        fits(length)
        return piece

    return re.sub(pattern, substitute, text)


def bounded_regex(budget: Budget, pattern: str, text: str, what: str) -> re.Pattern[str]:
    """``pattern`` compiled for a search of ``text``, if its backtracking is bounded (and charged)."""
    quantifiers = regex_quantifiers(pattern)
    if quantifiers is None:
        raise OverBudget(f"{what}() with a regular expression that may backtrack exponentially")
    cost = (len(text) + 1) ** (quantifiers + 1)
    if cost > MAX_REGEX_STEPS:
        raise OverBudget(f"{what}() with a regular expression that may take more than {MAX_REGEX_STEPS} steps")
    budget.step(cost // REGEX_STEPS_PER_STEP)
    return re.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern))  # RE2's (?<name>) as Python spells it


def regex_quantifiers(pattern: str) -> int | None:
    """How many quantifiers ``pattern`` has: on n characters it backtracks about n ** (that + 1) times
    at most. None when it may backtrack exponentially (a quantified group holding a quantifier or an
    alternative) or refers back (back-references and look-around, which RE2 has not either)."""
    count = 0
    groups = [False]  # per open group: does it hold a quantifier or an alternative?
    risky = False  # the atom just read is a group that does
    at = 0
    while at < len(pattern):
        char = pattern[at]
        repeat = _REPEAT.match(pattern, at)
        if char == "\\":
            if pattern[at + 1 : at + 2] in tuple("123456789"):
                return None
            at, risky = at + 2, False
        elif char == "[":
            at, risky = _class_end(pattern, at + 1), False
        elif char == "(":
            if pattern.startswith(_LOOK, at):
                return None
            groups.append(False)
            at, risky = _group_body(pattern, at + 1), False
        elif char == ")":
            holds = groups.pop() if len(groups) > 1 else False
            groups[-1] = groups[-1] or holds
            at, risky = at + 1, holds
        elif char == "|":
            groups[-1] = True
            at, risky = at + 1, False
        elif repeat is not None:
            if risky:
                return None
            count += 1
            groups[-1] = True
            at = repeat.end() + (pattern[repeat.end() : repeat.end() + 1] in ("?", "+"))  # lazy, possessive
        else:
            at, risky = at + 1, False
    return count


def _class_end(pattern: str, at: int) -> int:
    """Where a character class that opened before ``at`` ends (after its ``]``)."""
    at += pattern.startswith("^", at)
    at += pattern.startswith("]", at)  # a leading ] is a member
    while at < len(pattern) and pattern[at] != "]":
        at += 2 if pattern[at] == "\\" else 1
    return at + 1


def _group_body(pattern: str, at: int) -> int:
    """Where a group's pattern starts: after ``?:``, ``?P<name>`` or inline flags (``(?i)`` ends there)."""
    if not pattern.startswith("?", at):
        return at
    for end in range(at, len(pattern)):
        if pattern[end] in ":>":
            return end + 1
        if pattern[end] == ")":
            return end
    return len(pattern)
