"""``json.dumps(value, indent=N)`` byte for byte, two to three times faster.

The standard library writes indented JSON in pure Python through nested generators (its C encoder only
writes compact JSON): a 20 MB report of 25k findings took a tenth of a cold check. This appends to one
list and escapes strings with the same C function. Only the plain values a report holds are written
here; anything else (a subclass, a key that is not a string, a float that is not finite, a cycle) sends
the whole value to ``json.dumps``, so the text is always exactly its text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

_LITERALS = {None: "null", True: "true", False: "false"}
_BATCH = 8192  # pieces joined at a time: a million small strings held at once cost 5-6 times the text
# (indent, keys) -> what precedes each value: a report's dicts share a few key lists (25k findings, one)
_PREFIXES: dict[tuple[str, tuple[Any, ...]], tuple[str, ...]] = {}
_MAX_PREFIXES, _MAX_KEYS = 256, 32  # kept: a few dozen shapes of a few keys; any other is written as it comes


class _NotPlain(Exception):
    """A value this writer leaves to ``json.dumps``."""


def dumps_indented(value: Any, indent: int, batch: Callable[[str], str] = str) -> str:
    """``batch`` rewrites each joined batch of pieces (a batch ends after a whole item of a list, never
    inside a string), or the whole text when it goes to ``json.dumps``."""
    out: list[str] = []
    done: list[str] = []
    try:
        _write(value, out, "\n", " " * indent, done)
    except (_NotPlain, RecursionError):
        return batch(json.dumps(value, indent=indent))
    done.append("".join(out))
    for index, text in enumerate(done):  # in place: one batch rewritten at a time
        done[index] = batch(text)
    return "".join(done)


def _write(value: Any, out: list[str], newline: str, step: str, done: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(encode_basestring_ascii(value))
    elif kind is dict:
        _dict(value, out, newline, step, done)
    elif kind is list or kind is tuple:
        _list(value, out, newline, step, done)
    else:
        out.append(_scalar(value, kind))


def _dict(value: dict[Any, Any], out: list[str], newline: str, step: str, done: list[str]) -> None:
    if not value:
        out.append("{}")
        return
    inner = newline + step
    for prefix, item in zip(_prefixes(value, inner), value.values(), strict=True):
        out.append(prefix)
        if type(item) is str:  # most values: written here, without a call
            out.append(encode_basestring_ascii(item))
        else:
            _write(item, out, inner, step, done)
    out.append(newline + "}")


def _prefixes(value: dict[Any, Any], inner: str) -> tuple[str, ...]:
    """What precedes each value of ``value`` (``{``/``,``, a new line, the key, ``: ``), each written once per shape."""
    keys = tuple(value)
    shape = (inner, keys)
    found = _PREFIXES.get(shape) if len(keys) <= _MAX_KEYS else None
    if found is None:
        for key in keys:
            if type(key) is not str:
                raise _NotPlain
        found = tuple(
            ("," if index else "{") + inner + encode_basestring_ascii(key) + ": " for index, key in enumerate(keys)
        )
        if len(keys) <= _MAX_KEYS and len(_PREFIXES) < _MAX_PREFIXES:
            _PREFIXES[shape] = found
    return found


def _list(value: list[Any] | tuple[Any, ...], out: list[str], newline: str, step: str, done: list[str]) -> None:
    if not value:
        out.append("[]")
        return
    inner = newline + step
    separator = "[" + inner
    for item in value:
        out.append(separator)
        if type(item) is str:
            out.append(encode_basestring_ascii(item))
        else:
            _write(item, out, inner, step, done)
            if len(out) > _BATCH:  # after a whole item (a finding): join what is written so far
                done.append("".join(out))
                out.clear()
        separator = "," + inner
    out.append(newline + "]")


def _scalar(value: Any, kind: type[Any]) -> str:
    if kind is int:
        return int.__repr__(value)
    if kind is bool or value is None:
        return _LITERALS[value]
    if kind is float and value == value and value not in (float("inf"), float("-inf")):
        return float.__repr__(value)
    raise _NotPlain
