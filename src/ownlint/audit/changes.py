"""What changed between the last two snapshots of a repository: the resources that became unowned, and
the ones that no longer are (owned now, or removed).

Resources are matched by root module and address, and ``for_each``/``count`` instances by their
addresses where both snapshots name them (a row that names none stands for every instance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ownlint.audit.inventory import InventoryRow

NEW = "new unowned"
FIXED = "fixed"


@dataclass(frozen=True)
class Change:
    kind: str  # NEW or FIXED
    row: InventoryRow  # the latest row; for a removed resource, the previous one
    instances: tuple[str, ...]  # the instances that changed (empty: the whole resource)
    now: str  # "unowned", "owned by VALUE", "owner unknown", "removed"


def changes_between(previous: Sequence[InventoryRow], latest: Sequence[InventoryRow]) -> tuple[Change, ...]:
    """The unowned resources ``latest`` has that ``previous`` had not, then the ones it no longer has."""
    before, after = _by_resource(previous), _by_resource(latest)
    found: list[Change] = []
    for key in sorted(set(before) | set(after)):
        found.extend(_resource_changes(before.get(key, []), after.get(key, [])))
    order = {NEW: 0, FIXED: 1}
    return tuple(sorted(found, key=lambda c: (order[c.kind], c.row.stack, c.row.address, c.instances)))


def _by_resource(rows: Iterable[InventoryRow]) -> dict[tuple[str, str], list[InventoryRow]]:
    table: dict[tuple[str, str], list[InventoryRow]] = {}
    for row in rows:
        if row.in_scope:
            table.setdefault((row.stack, row.address), []).append(row)
    return table


def _unowned(rows: Iterable[InventoryRow]) -> list[InventoryRow]:
    return [r for r in rows if r.party == "unowned"]


def _resource_changes(before: list[InventoryRow], after: list[InventoryRow]) -> list[Change]:
    was, now = _unowned(before), _unowned(after)
    if not was:
        return [Change(NEW, row, row.instances, "unowned") for row in now]
    if not now:
        return [_fixed(row, row.instances, after) for row in was]
    was_all, now_all = any(not r.instances for r in was), any(not r.instances for r in now)
    if was_all and now_all:
        return []
    if was_all:  # every instance was unowned: the instances owned now are fixed
        return [_fixed(row, row.instances, after) for row in after if row.party != "unowned" and row.instances]
    if now_all:  # every instance is unowned now: the ones owned before are new
        gained = [i for row in before if row.party != "unowned" for i in row.instances]
        return [Change(NEW, now[0], tuple(gained), "unowned")] if gained else []
    return _instance_changes(was, now, after)


def _instance_changes(was: list[InventoryRow], now: list[InventoryRow], after: list[InventoryRow]) -> list[Change]:
    """Both snapshots name their unowned instances: compare them one by one."""
    before_names = {i for row in was for i in row.instances}
    after_names = {i for row in now for i in row.instances}
    found = []
    for row in now:
        gained = tuple(i for i in row.instances if i not in before_names)
        if gained:
            found.append(Change(NEW, row, gained, "unowned"))
    for row in was:
        lost = [i for i in row.instances if i not in after_names]
        by_now: dict[str, list[str]] = {}
        for name in lost:
            by_now.setdefault(_now(_holding(after, name)), []).append(name)
        for state, names in by_now.items():
            holder = _holding(after, names[0])
            found.append(Change(FIXED, holder or row, tuple(names), state))
    return found


def _holding(rows: Iterable[InventoryRow], instance: str) -> InventoryRow | None:
    """The row that stands for ``instance`` (one that names it, or one that names none)."""
    return next((r for r in rows if instance in r.instances), next((r for r in rows if not r.instances), None))


def _fixed(row: InventoryRow, instances: tuple[str, ...], after: list[InventoryRow]) -> Change:
    """A row no longer unowned: where it is now, and how (its own row when it is owned now)."""
    if row.party != "unowned":
        return Change(FIXED, row, instances, _now(row))
    holder = _holding(after, instances[0]) if instances else (after[0] if after else None)
    return Change(FIXED, holder or row, instances, _now(holder))


def _now(row: InventoryRow | None) -> str:
    if row is None:
        return "removed"
    if row.owner is not None:
        return f"owned by {row.owner}"
    return "unowned" if row.party == "unowned" else f"owner {row.owner_state}"
