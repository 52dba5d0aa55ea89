"""Runtime values of the evaluator: plain Python values, plus unknowns and partially known maps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically, and why."""

    reason: str


@dataclass(frozen=True)
class PartialMap:
    """A map whose listed entries are known but which may hold more keys (from unknown parts)."""

    known: dict[str, Any]
    reasons: tuple[str, ...]


class EvalError(Exception):
    """The expression is statically wrong (wrong type, missing key); ``try()`` catches it."""


MAX_COLLECTION = 100_000


def first_unknown(values: list[Any]) -> Unknown | None:
    """The first argument that is not fully known, as an ``Unknown``."""
    for value in values:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, PartialMap):
            return Unknown(value.reasons[0])
    return None


def overridden(value: Any, reason: str) -> Any:
    """A merged value that a later, unknown argument of ``merge`` may replace: unknown (an unknown stays)."""
    if isinstance(value, Unknown):
        return value
    return Unknown(f"may be overridden by a later merge() argument: {reason}")


def nested_unknown(value: Any) -> Unknown | None:
    """The first part of ``value``, at any depth, that is not fully known, as an ``Unknown``."""
    stack = [value]
    while stack:
        item = stack.pop()
        found = first_unknown([item])
        if found is not None:
            return found
        if isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return None


def to_text(value: Any) -> str:
    """Terraform's automatic conversion of a primitive to a string."""
    if type(value) is str:  # the commonest, and no bool: itself at once
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        try:
            return str(value)
        except ValueError:  # an integer of more digits than Python converts
            raise EvalError("number too large to convert to string") from None
    raise EvalError(f"cannot convert {type_name(value)} to string")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, (dict, PartialMap)):
        return "map"
    return "unknown"
