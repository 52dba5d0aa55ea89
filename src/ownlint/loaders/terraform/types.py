"""Type constraints of variables (``type = map(object({tags = optional(map(string), {})}))``).

Terraform converts every value bound to a variable to its type: absent ``optional`` attributes
become their default (or null) and attributes the object type does not declare are dropped.
Modules lean on this (``each.value.tags`` of an ``optional`` attribute), so ownlint does the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.values import PartialMap, Unknown, to_text

Evaluate = Callable[[m.Expr], Any]
MAX_TYPE_DEPTH = 32


def convert(value: Any, constraint: m.Expr, evaluate: Evaluate, depth: int = 0) -> Any:
    """``value`` converted to ``constraint`` as far as it is known; anything unexpected is kept as is."""
    if value is None or isinstance(value, Unknown) or depth > MAX_TYPE_DEPTH:
        return value
    if isinstance(constraint, m.Name):
        return _primitive(value, constraint.name)
    if not isinstance(constraint, m.Call) or not constraint.args:
        return value
    name, argument = constraint.name, constraint.args[0]
    if name == "object" and isinstance(argument, m.ObjectExpr):
        return _object(value, argument, evaluate, depth)
    if name == "map" and isinstance(value, dict):
        return {k: convert(v, argument, evaluate, depth + 1) for k, v in value.items()}
    if name == "map" and isinstance(value, PartialMap):
        known = {k: convert(v, argument, evaluate, depth + 1) for k, v in value.known.items()}
        return PartialMap(known, value.reasons)
    if name in ("list", "set") and isinstance(value, list):
        return [convert(v, argument, evaluate, depth + 1) for v in value]
    return value


def _primitive(value: Any, type_name: str) -> Any:
    if type_name == "string" and isinstance(value, (int, float, bool)):
        return to_text(value)
    return value


def _object(value: Any, attributes: m.ObjectExpr, evaluate: Evaluate, depth: int) -> Any:
    if not isinstance(value, dict):
        return value
    converted: dict[str, Any] = {}
    for item in attributes.items:
        key = _attribute_name(item.key)
        if key is None:
            return value  # a computed attribute name: not a type constraint ownlint reads
        attribute_type, default = _optional(item.value)
        present = value.get(key)
        if present is None and default is not None:
            present = evaluate(default)
        converted[key] = convert(present, attribute_type, evaluate, depth + 1)
    return converted


def _attribute_name(key: m.Expr) -> str | None:
    if isinstance(key, m.Name):
        return key.name
    if isinstance(key, m.Lit) and isinstance(key.value, str):
        return key.value
    return None


def _optional(attribute: m.Expr) -> tuple[m.Expr, m.Expr | None]:
    """``optional(T, default)`` -> (T, default); a plain ``T`` -> (T, None)."""
    if isinstance(attribute, m.Call) and attribute.name == "optional" and attribute.args:
        return attribute.args[0], attribute.args[1] if len(attribute.args) > 1 else None
    return attribute, None
