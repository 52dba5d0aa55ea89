"""Trace a tags expression to its keys, each with its value (or why it is unknown) and provenance.

Follows the shapes tag maps are built from (object literals, ``merge``, ``tomap``, locals,
variables, known conditionals) so every key can say where it came from; anything else is
evaluated as a whole and attributed to the expression itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.values import PartialMap, Unknown, to_text
from ownlint.model import Place, TagValue

MAX_TRACE_DEPTH = 32


@dataclass
class TracedTags:
    """Keys in insertion order (later writes win, as in ``merge``) and reasons more may exist."""

    entries: dict[str, TagValue] = field(default_factory=dict)
    opaque: list[str] = field(default_factory=list)

    def overlay(self, other: TracedTags) -> None:
        self.entries.update(other.entries)
        self.opaque.extend(other.opaque)


def trace_tags(expr: m.Expr, evaluator: Evaluator, place: Place, env: Mapping[str, Any] | None = None) -> TracedTags:
    """Trace ``expr`` (the value of a tags attribute defined at ``place``)."""
    return _Tracer(evaluator, dict(env or {})).trace(expr, place, (), 0)


class _Tracer:
    def __init__(self, evaluator: Evaluator, env: dict[str, Any]) -> None:
        self.evaluator = evaluator
        self.env = env

    def trace(self, expr: m.Expr, place: Place, outer: tuple[Place, ...], depth: int) -> TracedTags:
        if depth > MAX_TRACE_DEPTH:
            return self._whole(m.Unsupported("tags built too deeply"), place, outer)
        if isinstance(expr, m.ObjectExpr):
            return self._object(expr, place, outer)
        if isinstance(expr, m.Call) and expr.name in ("merge", "tomap") and not expr.expand_last:
            traced = TracedTags()
            for arg in expr.args:
                traced.overlay(self.trace(arg, place, outer, depth + 1))
            return traced
        if isinstance(expr, m.Conditional):
            condition = self.evaluator.value(expr.condition, self.env)
            if isinstance(condition, bool):
                branch = expr.if_true if condition else expr.if_false
                return self.trace(branch, place, outer, depth + 1)
        named = _named_reference(expr)
        if named is not None:
            table = self.evaluator.variables if named[0] == "var" else self.evaluator.locals
            binding = table.get(named[1])
            if binding is not None and binding.expr is not None:
                return self.trace(binding.expr, binding.place, (place, *outer), depth + 1)
        return self._whole(expr, place, outer)

    def _object(self, expr: m.ObjectExpr, place: Place, outer: tuple[Place, ...]) -> TracedTags:
        traced = TracedTags()
        for item in expr.items:
            key = self.evaluator.value(item.key, self.env)
            if isinstance(key, Unknown):
                traced.opaque.append(f"a tag key is unknown: {key.reason}")
                continue
            value = self.evaluator.value(item.value, self.env)
            origins = self._origins(item.value)
            provenance = (*origins, Place(place.file, item.line, place.what), *outer)
            _add(traced, to_text(key), value, provenance)
        return traced

    def _origins(self, value: m.Expr, depth: int = 0) -> tuple[Place, ...]:
        """Where the variables and locals a value is built from are defined, innermost first."""
        origins: list[Place] = []
        for names in m.references(value):
            if len(names) < 2 or names[0] not in ("var", "local") or depth > MAX_TRACE_DEPTH:
                continue
            table = self.evaluator.variables if names[0] == "var" else self.evaluator.locals
            binding = table.get(names[1])
            if binding is None or binding.place in origins:
                continue
            if binding.expr is not None:
                origins.extend(p for p in self._origins(binding.expr, depth + 1) if p not in origins)
            origins.append(binding.place)
        return tuple(origins)

    def _whole(self, expr: m.Expr, place: Place, outer: tuple[Place, ...]) -> TracedTags:
        value = self.evaluator.value(expr, self.env)
        traced = TracedTags()
        provenance = (place, *outer)
        if isinstance(value, Unknown):
            traced.opaque.append(f"{value.reason} ({place})")
        elif isinstance(value, PartialMap):
            for key, item in value.known.items():
                _add(traced, key, item, provenance)
            traced.opaque.extend(f"{reason} ({place})" for reason in value.reasons)
        elif isinstance(value, dict):
            for key, item in value.items():
                _add(traced, key, item, provenance)
        elif value is not None:
            traced.opaque.append(f"the tags value is not a map ({place})")
        return traced


def _add(traced: TracedTags, key: str, value: Any, provenance: tuple[Place, ...]) -> None:
    if value is None:  # a null tag is dropped by the provider
        traced.entries.pop(key, None)
        return
    if isinstance(value, Unknown):
        traced.entries[key] = TagValue(key, None, provenance, value.reason)
    elif isinstance(value, (dict, list, PartialMap)):
        traced.entries[key] = TagValue(key, None, provenance, f"tag {key} is not a string")
    else:
        traced.entries[key] = TagValue(key, to_text(value), provenance)


def _named_reference(expr: m.Expr) -> tuple[str, str] | None:
    """``("var", "tags")`` for exactly ``var.tags`` (or ``local.tags``), else None."""
    if (
        isinstance(expr, m.Traversal)
        and isinstance(expr.base, m.Name)
        and expr.base.name in ("var", "local")
        and len(expr.steps) == 1
        and isinstance(expr.steps[0], m.AttrStep)
    ):
        return expr.base.name, expr.steps[0].name
    return None
