"""Operators, indexing and iteration on evaluated values, as Terraform does them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ownlint.loaders.terraform.values import EvalError, PartialMap, Unknown, first_unknown, to_text


def unified(chosen: Any, other: Any) -> Any:
    """Terraform gives both results of a conditional one type: a string beside a number or bool makes
    the result a string (``false ? "" : 1 == 1`` is ``"true"``); a primitive beside a collection, or a
    list beside a map, is an error even when the other branch is not taken (``true ? {} : ""``)."""
    primitive = (str, int, float, bool)
    if _kind(chosen) and _kind(other) and _kind(chosen) != _kind(other):
        raise EvalError("inconsistent conditional result types")
    if isinstance(other, str) and isinstance(chosen, primitive) and not isinstance(chosen, str):
        return to_text(chosen)
    return chosen


def _kind(value: Any) -> str:
    """What Terraform cannot unify across: primitives, lists (tuples, sets), maps (objects); "" for
    null and unknown values, which take any type."""
    if isinstance(value, (str, int, float, bool)):
        return "primitive"
    if isinstance(value, list):
        return "list"
    return "map" if isinstance(value, (dict, PartialMap)) else ""


def pairs(collection: Any) -> list[tuple[Any, Any]]:
    if isinstance(collection, dict):
        return [(k, collection[k]) for k in sorted(collection)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    raise EvalError("for expression needs a list, set or map")


def index(value: Any, key: Any) -> Any:
    if isinstance(key, Unknown):
        return key
    if isinstance(value, PartialMap):
        return value.known[key] if key in value.known else Unknown(value.reasons[0])
    if isinstance(value, dict):
        if to_text(key) not in value:
            raise EvalError(f"no key {key!r}")
        return value[to_text(key)]
    if isinstance(value, list):
        if isinstance(key, bool) or not isinstance(key, (int, float, str)):
            raise EvalError("list index must be a number")
        try:
            position = int(key)
        except (OverflowError, ValueError):
            raise EvalError(f"list index {key!r} is not a whole number") from None
        if not 0 <= position < len(value):
            raise EvalError(f"index {position} out of range")
        return value[position]
    raise EvalError(f"cannot index a {type(value).__name__}")


def binary(op: str, left: Any, right: Any) -> Any:
    if op == "&&" and (left is False or right is False):
        return False
    if op == "||" and (left is True or right is True):
        return True
    unknown = first_unknown([left, right])
    if unknown is not None:
        return unknown
    try:
        if op == "==":
            return left == right
        if op == "!=":
            return left != right
        if op in ("&&", "||"):
            return bool(left and right) if op == "&&" else bool(left or right)
        a, b = float(left), float(right)
        operations: dict[str, Callable[[], Any]] = {
            "<": lambda: a < b,
            ">": lambda: a > b,
            "<=": lambda: a <= b,
            ">=": lambda: a >= b,
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: a / b,
            "%": lambda: a % b,
        }
        result = operations[op]()
    except (TypeError, ValueError, ArithmeticError, KeyError) as error:
        raise EvalError(f"operator {op}: {error}") from None
    return int(result) if isinstance(result, float) and result.is_integer() else result


def unary(op: str, operand: Any) -> Any:
    if isinstance(operand, Unknown):
        return operand
    if op == "!":
        if not isinstance(operand, bool):
            raise EvalError("! needs a bool")
        return not operand
    try:
        return -float(operand) if not isinstance(operand, int) else -operand
    except (TypeError, ValueError) as error:
        raise EvalError(str(error)) from None
