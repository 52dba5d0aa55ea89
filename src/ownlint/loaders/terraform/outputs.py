"""``module.NAME.OUTPUT``: a called module's outputs, evaluated on demand in each of its instances.

A module call is seen by its caller as ``ModuleCall``: the evaluator of every instance (by ``count``
index or ``for_each`` key), or why they are not known. An output is a binding of the child's evaluator
(``named("output", ...)``: memoised, cycle-safe across modules since every cycle passes through it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.budget import Budget
from ownlint.loaders.terraform.values import EvalError, Unknown, to_text


class Scope(Protocol):
    """What outputs need of a module instance's evaluator (``evaluate.Evaluator``, which imports this module)."""

    @property
    def outputs(self) -> Mapping[str, Any]: ...

    @property
    def budget(self) -> Budget: ...

    def named(self, kind: str, name: str) -> Any: ...

    def part(self, expr: m.Expr, env: Mapping[str, Any]) -> Any: ...


E = TypeVar("E", bound=Scope)


@dataclass(frozen=True)
class ModuleCall(Generic[E]):
    """A module call's instances as its caller sees them (``unknown``: why they cannot be)."""

    expansion: str = "one"  # "one", "count" or "for_each"
    instances: Mapping[Any, E] = field(default_factory=dict)  # None / int / str -> evaluator
    unknown: str | None = None


def module_value(
    caller: Scope, name: str, call: ModuleCall[E], steps: tuple[m.Step, ...], env: dict[str, Any]
) -> tuple[Any, int]:
    """The value of ``module.NAME`` followed by ``steps``, and how many steps it consumed."""
    if call.unknown is not None:
        return Unknown(f"module.{name}'s instances are unknown: {call.unknown}"), len(steps)
    rest = steps[1:]
    if call.expansion == "one":
        child = call.instances[None]
        if rest and isinstance(rest[0], m.AttrStep):
            return child.named("output", rest[0].name), 2
        return _outputs(caller, child), 1
    if len(rest) >= 2 and isinstance(rest[0], m.IndexStep) and isinstance(rest[1], m.AttrStep):
        key = caller.part(rest[0].key, env)
        if isinstance(key, Unknown):
            return key, len(steps)
        return instance_of(call, name, key).named("output", rest[1].name), 3
    if call.expansion == "count":
        return [_outputs(caller, call.instances[i]) for i in sorted(call.instances)], 1
    return {key: _outputs(caller, child) for key, child in sorted(call.instances.items())}, 1


def instance_of(call: ModuleCall[E], name: str, key: Any) -> E:
    """The instance ``module.NAME[key]``; a key it does not have is statically wrong."""
    if call.expansion == "count":
        if isinstance(key, bool) or not isinstance(key, (int, float)) or key not in call.instances:
            raise EvalError(f"module.{name} has no instance [{to_text(key)}]")
        return call.instances[int(key)]
    text = to_text(key)
    if text not in call.instances:
        raise EvalError(f'module.{name} has no instance ["{text}"]')
    return call.instances[text]


def _outputs(caller: Scope, child: Scope) -> dict[str, Any]:
    """Every output of one instance, as the object ``module.NAME`` is."""
    found = {name: child.named("output", name) for name in child.outputs}
    caller.budget.built(elements=len(found))
    return found
