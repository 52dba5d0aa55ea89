"""Whether an edit did only what it was for: every resource instance's effective facts before and after.

An edit may give a missing fact the value it was made for, to the instances it was made for; any other
change (another instance's owner overridden through a shared module, a waived resource given an owner,
a value the resource could not be known to lack) is refused, named, and the edit undone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ownlint.config import Config
from ownlint.fixes.targets import Target
from ownlint.model import Resource, State, in_stack
from ownlint.ownership import fact, needs_ownership

ALL = "*"  # a record that stands for every instance of its address
Ident = tuple[str, str, str]  # source, stack, address
Facts = tuple[tuple[str, str | None], ...]  # per fact: (state, value)
Snapshot = Mapping[Ident, Mapping[str, Facts]]  # -> instance (or ALL) -> facts


def snapshot(config: Config, resources: Iterable[Resource]) -> Snapshot:
    taken: dict[Ident, dict[str, Facts]] = {}
    names = tuple(config.keys)
    for r in resources:
        if r.type == "module" or not needs_ownership(config, r):
            continue
        facts = tuple(_state(config, r, name) for name in names)
        into = taken.setdefault((r.source, r.stack, r.address), {})
        for instance in r.instances or (ALL,):
            into[instance] = facts
    return taken


def _state(config: Config, resource: Resource, name: str) -> tuple[str, str | None]:
    current = fact(config, resource, name)
    return (current.state.value, current.value if current.state is State.PRESENT else None)


@dataclass(frozen=True)
class Outcome:
    unwanted: tuple[str, ...]  # changes no edit was made for, in words
    fixed: frozenset[tuple[Ident, str, str]]  # (resource, instance, fact) given the value wanted
    changed: frozenset[Ident] = frozenset()  # the resources of the unwanted changes


def compare(config: Config, before: Snapshot, after: Snapshot, wanted: Mapping[tuple[Ident, str, str], str]) -> Outcome:
    """``wanted``: (resource, instance or ALL, fact) -> the value the edits were made to give it."""
    names = tuple(config.keys)
    unwanted: list[str] = []
    changed: set[Ident] = set()
    fixed: set[tuple[Ident, str, str]] = set()
    for ident in sorted(set(before) | set(after)):
        old, new = before.get(ident, {}), after.get(ident, {})
        instances = sorted((set(old) | set(new)) - {ALL}) or [ALL]
        for instance in instances:
            was, now = old.get(instance, old.get(ALL)), new.get(instance, new.get(ALL))
            shown = (
                in_stack(ident[1], ident[2] if instance == ALL else instance) if ident[0] == "terraform" else ident[2]
            )
            if was is None or now is None:
                unwanted.append(f"{shown} {'appeared' if was is None else 'is gone'}")
                changed.add(ident)
                continue
            for name, (state, value), (new_state, new_value) in zip(names, was, now, strict=True):
                if (state, value) == (new_state, new_value):
                    continue
                target = wanted.get((ident, instance, name), wanted.get((ident, ALL, name)))
                if state == State.MISSING.value and new_state == State.PRESENT.value and new_value == target:
                    fixed.add((ident, instance, name))
                    continue
                unwanted.append(f"{shown} would get {name} {_shown(new_state, new_value)} ({_shown(state, value)} now)")
                changed.add(ident)
    return Outcome(tuple(unwanted), frozenset(fixed), frozenset(changed))


def _shown(state: str, value: str | None) -> str:
    return repr(value) if state == State.PRESENT.value else state


def wanted_by(targets: Iterable[Target]) -> dict[tuple[Ident, str, str], str]:
    return {(t.ident, i, t.fact): t.value for t in targets for i in t.resource.instances or (ALL,)}


def fixes_any(outcome: Outcome, targets: Iterable[Target]) -> bool:
    """Whether the outcome gives at least one of ``targets`` its value (an edit that fixes none is useless)."""
    for t in targets:
        for instance in t.resource.instances or (ALL,):
            if (t.ident, instance, t.fact) in outcome.fixed:
                return True
            if instance == ALL and any(f[0] == t.ident and f[2] == t.fact for f in outcome.fixed):
                return True
    return False
