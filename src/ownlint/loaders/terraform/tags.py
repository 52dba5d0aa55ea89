"""Trace a tags expression to its keys, each with its value (or why it is unknown) and provenance.

Follows the shapes tag maps are built from (object literals, ``merge``, ``tomap``, locals,
variables, known conditionals) so every key can say where it came from; anything else is
evaluated as a whole and attributed to the expression itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.outputs import instance_of
from ownlint.loaders.terraform.values import EvalError, PartialMap, Unknown, to_text, type_name
from ownlint.model import Place, TagValue
from ownlint.records import record

MAX_TRACE_DEPTH = 32


@dataclass
class TracedTags:
    """Keys in insertion order (later writes win, as in ``merge``) and reasons more may exist."""

    entries: dict[str, TagValue] = field(default_factory=dict)
    opaque: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)  # keys set to null: they drop what is beneath

    def overlay(self, other: TracedTags, merged: bool = False) -> None:
        """``other`` written over these keys; ``merged`` (in ``merge()``): its unknown part may replace any."""
        if merged and other.opaque:
            reason = f"may be overridden by a later merge() argument: {other.opaque[0]}"
            for key, tag in self.entries.items():
                self.entries[key] = tag if tag.reason is not None else replace(tag, value=None, reason=reason)
        for key in other.removed:
            self.entries.pop(key, None)
        self.removed = (self.removed - other.entries.keys()) | other.removed
        self.entries.update(other.entries)
        self.opaque.extend(other.opaque)


def trace_tags(expr: m.Expr, evaluator: Evaluator, place: Place, env: Mapping[str, Any] | None = None) -> TracedTags:
    """Trace ``expr`` (the value of a tags attribute defined at ``place``)."""
    return _trace(_Scope(evaluator, dict(env or {})), expr, place, (), 0)


@record(frozen=True, slots=True)
class _Scope:
    """Where an expression is evaluated: a module instance's evaluator and ``each``/``count``."""

    evaluator: Evaluator
    env: Mapping[str, Any]

    def value(self, expr: m.Expr) -> Any:
        return self.evaluator.value(expr, self.env)

    def binding(self, kind: str, name: str) -> Binding | None:
        table = self.evaluator.variables if kind == "var" else self.evaluator.locals
        return table.get(name)

    def inner(self, binding: Binding) -> _Scope:
        """The scope a binding's expression is written in (a module input: the caller's)."""
        return _Scope(binding.scope, binding.env) if binding.scope is not None else _Scope(self.evaluator, {})


def _trace(scope: _Scope, expr: m.Expr, place: Place, outer: tuple[Place, ...], depth: int) -> TracedTags:
    if depth > MAX_TRACE_DEPTH:
        return _whole(scope, m.Unsupported("tags built too deeply"), place, outer)
    if isinstance(expr, m.ObjectExpr):
        return _object(scope, expr, place, outer)
    if isinstance(expr, m.Call) and expr.name in ("merge", "tomap") and not expr.expand_last:
        traced = TracedTags()
        for arg in expr.args:
            traced.overlay(_trace(scope, arg, place, outer, depth + 1), merged=True)
        return traced
    if isinstance(expr, m.Conditional):
        condition = scope.value(expr.condition)
        if isinstance(condition, bool):
            branch = expr.if_true if condition else expr.if_false
            return _trace(scope, branch, place, outer, depth + 1)
    named = named_reference(expr)
    if named is not None and named[0] in ("var", "local"):
        binding = scope.binding(*named)
        if binding is not None and binding.expr is not None and binding.place not in (place, *outer):
            return _trace(scope.inner(binding), binding.expr, binding.place, (place, *outer), depth + 1)
    defined = _definition(scope, expr, place, outer, depth)
    if defined is not None and defined[2] not in outer:  # a place reached again: a cycle, evaluated whole
        return _trace(*defined, depth + 1)
    known = data_trace(expr, scope.evaluator)
    if known is not None:
        return _extended(known, (place, *outer))
    return _whole(scope, expr, place, outer)


_Defined = tuple[_Scope, m.Expr, Place, tuple[Place, ...]]


def _definition(scope: _Scope, expr: m.Expr, place: Place, outer: tuple[Place, ...], depth: int) -> _Defined | None:
    """Where the value of ``expr`` is written, when it is a module's output (``module.NAME.OUTPUT``) or an
    attribute of an object written as a literal (``local.input.tags``, ``var.context.tags``): to trace the
    keys through it, with every step in the provenance."""
    output = _output(scope, expr)
    if output is not None:
        child, binding = output
        assert binding.expr is not None  # _output gives only outputs with a value
        return _Scope(child, {}), binding.expr, binding.place, (place, *outer)
    if depth > MAX_TRACE_DEPTH or not isinstance(expr, m.Traversal) or not isinstance(expr.steps[-1], m.AttrStep):
        return None
    base: m.Expr = m.Traversal(expr.base, expr.steps[:-1]) if len(expr.steps) > 1 else expr.base
    found = _named(scope, base, place, outer) or _definition(scope, base, place, outer, depth + 1)
    for _ in range(MAX_TRACE_DEPTH):  # to the literal: through conditionals, references, outputs
        if found is None or isinstance(found[1], m.ObjectExpr):
            break
        inner, written, where, around = found
        if isinstance(written, m.Conditional):
            condition = inner.value(written.condition)
            if not isinstance(condition, bool):
                return None
            found = (inner, written.if_true if condition else written.if_false, where, around)
        else:
            found = _named(inner, written, where, around) or _definition(inner, written, where, around, depth + 1)
    literal = found[1] if found is not None else None
    if found is None or not isinstance(literal, m.ObjectExpr):
        return None
    inner, _, where, around = found
    for item in literal.items:
        if inner.value(item.key) == expr.steps[-1].name:
            return inner, item.value, _at(where, item.line), around
    return None


def _named(scope: _Scope, expr: m.Expr, place: Place, outer: tuple[Place, ...]) -> _Defined | None:
    """``var.NAME``/``local.NAME`` as their binding's expression, in the scope it is written in."""
    named = named_reference(expr)
    binding = scope.binding(*named) if named is not None and named[0] in ("var", "local") else None
    if binding is None or binding.expr is None:
        return None
    return scope.inner(binding), binding.expr, binding.place, (place, *outer)


def _output(scope: _Scope, expr: m.Expr) -> tuple[Evaluator, Binding] | None:
    """For ``module.NAME.OUTPUT`` (or ``module.NAME[KEY].OUTPUT``) of a followed call: the instance's
    evaluator and the output's binding, to trace the keys through it."""
    calls = scope.evaluator.calls
    if not isinstance(expr, m.Traversal) or not isinstance(expr.base, m.Name) or expr.base.name != "module":
        return None
    steps = expr.steps
    if calls is None or not steps or not isinstance(steps[0], m.AttrStep) or not isinstance(steps[-1], m.AttrStep):
        return None
    call = calls(steps[0].name)
    if call is None or call.unknown is not None or len(steps) != (2 if call.expansion == "one" else 3):
        return None
    child: Evaluator | None = None
    if call.expansion == "one":
        child = call.instances[None]
    elif isinstance(steps[1], m.IndexStep):
        key = scope.value(steps[1].key)
        try:
            child = instance_of(call, steps[0].name, key) if not isinstance(key, Unknown) else None
        except EvalError:
            return None
    binding = child.outputs.get(steps[-1].name) if child is not None else None
    if child is None or binding is None or binding.expr is None:
        return None
    return child, binding


def _extended(known: TracedTags, outer: tuple[Place, ...]) -> TracedTags:
    """``known`` (e.g. a provider's default tags read through a data source), reached via ``outer``."""
    traced = TracedTags(opaque=list(known.opaque))
    for key, tag in known.entries.items():
        traced.entries[key] = replace(tag, provenance=(*tag.provenance, *outer))
    return traced


def _object(scope: _Scope, expr: m.ObjectExpr, place: Place, outer: tuple[Place, ...]) -> TracedTags:
    traced = TracedTags()
    value_of, env = scope.evaluator.value, scope.env  # ``scope.value``'s, a call fewer per key and value
    for item in expr.items:
        key = value_of(item.key, env)
        if isinstance(key, Unknown):
            traced.opaque.append(f"a tag key is unknown: {key.reason}")
            continue
        value = value_of(item.value, env)
        written = item.value
        origins = () if type(written) is m.Lit else _origins(scope, written)  # a literal refers to nothing
        provenance = (*origins, _at(place, item.line), *outer)
        add_tag(traced, to_text(key), value, provenance)
    return traced


def _at(place: Place, line: int) -> Place:
    """``place`` at another line (made directly: ``dataclasses.replace`` costs twice as much, per tag)."""
    return Place(place.file, line, place.what, place.kind, place.name, place.subject)


def _origins(scope: _Scope, value: m.Expr, depth: int = 0) -> tuple[Place, ...]:
    """Where the variables and locals a value is built from are defined, innermost first."""
    origins: list[Place] = []
    for names in m.references(value):
        if len(names) < 2 or names[0] not in ("var", "local") or depth > MAX_TRACE_DEPTH:
            continue
        binding = scope.binding(names[0], names[1])
        if binding is None or binding.place in origins:
            continue
        if binding.expr is not None:
            inner = _origins(scope.inner(binding), binding.expr, depth + 1)
            origins.extend(p for p in inner if p not in origins)
        origins.append(binding.place)
    return tuple(origins)


def _whole(scope: _Scope, expr: m.Expr, place: Place, outer: tuple[Place, ...]) -> TracedTags:
    value = scope.value(expr)
    traced = TracedTags()
    provenance = (*_origins(scope, expr), place, *outer)
    if isinstance(value, Unknown):
        traced.opaque.append(f"{value.reason} ({place})")
    elif isinstance(value, PartialMap):
        for key, item in value.known.items():
            add_tag(traced, key, item, provenance)
        traced.opaque.extend(f"{reason} ({place})" for reason in value.reasons)
    elif isinstance(value, dict):
        for key, item in value.items():
            add_tag(traced, key, item, provenance)
    elif value is not None:  # known, but no map: said for what it is (OWN012 does not call it unknown)
        traced.opaque.append(f"tags is a {type_name(value)}, not a map ({place})")
    return traced


def add_tag(traced: TracedTags, key: str, value: Any, provenance: tuple[Place, ...]) -> None:
    """Set ``key`` as the provider would: null drops it; a value not known or not a string is unknown."""
    if value is None:  # a null tag is dropped by the provider
        traced.entries.pop(key, None)
        traced.removed.add(key)
        return
    traced.removed.discard(key)
    if isinstance(value, Unknown):
        traced.entries[key] = TagValue(key, None, provenance, value.reason)
    elif isinstance(value, (dict, list, PartialMap)):
        traced.entries[key] = TagValue(key, None, provenance, f"tag {key} is not a string")
    else:
        traced.entries[key] = TagValue(key, to_text(value), provenance)


def data_trace(expr: m.Expr | None, evaluator: Evaluator) -> TracedTags | None:
    """The traced tags behind ``data.aws_default_tags.X.tags`` (for provenance), else None."""
    named = named_reference(expr) if expr is not None else None
    trace = evaluator.data_traces.get(named[1]) if named is not None and named[0] == "data" else None
    return trace if isinstance(trace, TracedTags) else None


def named_reference(expr: m.Expr) -> tuple[str, str] | None:
    """``("var", "tags")`` for exactly ``var.tags`` (or ``local.tags``), ``("data", "aws_default_tags.x")``
    for ``data.aws_default_tags.x.tags``, else None."""
    if not isinstance(expr, m.Traversal) or not isinstance(expr.base, m.Name):
        return None
    names = [s.name for s in expr.steps if isinstance(s, m.AttrStep)]
    if len(names) != len(expr.steps):
        return None
    if expr.base.name in ("var", "local") and len(names) == 1:
        return expr.base.name, names[0]
    if expr.base.name == "data" and len(names) == 3 and names[2] == "tags":
        return "data", f"{names[0]}.{names[1]}"
    return None
