"""The responsibility model as pure functions over ``Config``: categories, parties, facts."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import lru_cache

from ownlint.config import Category, Config
from ownlint.config.globs import matches_type
from ownlint.model import Fact, Resource, State, TagValue

OWNER = "owner"
OPERATOR = "operator"
CONTRACT = "msp-contract"
ESCALATION = "escalation-contact"
MULTI_VALUED = frozenset({"compliance-scope"})
_VALUE_SEPARATORS = re.compile(r"[,;+\s]+")

FactOf = Callable[[Resource, str], Fact]  # ``fact`` with its config given: ``Facts``, or ``fact`` itself


def category_of(config: Config, resource_type: str) -> Category:
    known = config.per_type.categories
    found = known.get(resource_type)
    if found is None:
        found = known[resource_type] = _category_of(config.categories, resource_type)
    return found


def _category_of(categories: tuple[Category, ...], resource_type: str) -> Category:
    for category in categories:
        if matches_type(resource_type, category.match):
            return category
    return Category("other", ("*",), frozenset({"internal", "msp"}), frozenset({"internal", "msp", "shared"}), ())


def needs_ownership(config: Config, resource: Resource) -> bool:
    """Taggable and not exempt: the resources every ownership rule looks at."""
    if not resource.taggable:
        return False
    known = config.per_type.exempt
    exempt = known.get(resource.type)
    if exempt is None:
        exempt = known[resource.type] = matches_type(resource.type, config.exempt)
    return not exempt


def fact(config: Config, resource: Resource, name: str) -> Fact:
    """The fact ``name`` on a resource: present, missing, or unknown with the reason."""
    for key in config.keys.get(name, (name,)):
        tag = resource.tag(key)
        if tag is not None:
            return _of_tag(name, tag)
    return _absent(name, resource)


class Facts:
    """``fact`` over the resources of one run, cheaper per ask: the rules ask the same few facts of every
    resource (157k asks on a Kubernetes monorepo, nearly all of facts it does not have). Per fact, each distinct
    tag key is ranked once (the place of the first of the fact's keys it lowers to, or none), so an ask is one
    look-up per tag, not one per tag and key; nothing is kept per resource (an index per resource cost 75 MB on a 16 MB
    estate). Lives as long as the run's rules."""

    __slots__ = ("_keys", "_missing", "_ranks", "config")

    def __init__(self, config: Config) -> None:
        self.config = config
        self._keys: dict[str, tuple[str, ...]] = {}  # a fact's keys, lowered
        self._ranks: dict[str, dict[str, int]] = {}  # per fact: each distinct tag key seen -> its rank
        self._missing: dict[str, Fact] = {}  # one missing fact per name, for every resource it is missing from

    def __call__(self, resource: Resource, name: str) -> Fact:
        ranks = self._ranks.get(name)
        if ranks is None:
            ranks = self._ranks[name] = {}
            self._keys[name] = tuple(key.lower() for key in self.config.keys.get(name, (name,)))
        best, found = _UNMATCHED, None
        for tag in resource.tags:  # the first tag of the first key that has one, as ``fact`` finds it
            rank = ranks.get(tag.key)
            if rank is None:
                rank = self._rank(ranks, name, tag.key)
            if rank < best:
                if rank == 0:
                    return _of_tag(name, tag)
                best, found = rank, tag
        if found is not None:
            return _of_tag(name, found)
        if resource.opaque:
            return _absent(name, resource)
        missing = self._missing.get(name)
        if missing is None:
            missing = self._missing[name] = _absent(name, resource)
        return missing

    def _rank(self, ranks: dict[str, int], name: str, key: str) -> int:
        """The place of the first of the fact's keys ``key`` lowers to (``_UNMATCHED``: none)."""
        lowered, keys = key.lower(), self._keys[name]
        rank = ranks[key] = keys.index(lowered) if lowered in keys else _UNMATCHED
        return rank


_UNMATCHED = sys.maxsize  # the rank of a tag key that is none of the fact's keys


def _of_tag(name: str, tag: TagValue) -> Fact:
    if tag.known:
        return Fact(name, State.PRESENT, tag.value, tag.key, provenance=tag.provenance)
    return Fact(name, State.UNKNOWN, key=tag.key, reason=tag.reason, provenance=tag.provenance)


def _absent(name: str, resource: Resource) -> Fact:
    if resource.opaque:
        return Fact(name, State.UNKNOWN, reason=resource.opaque[0])
    return Fact(name, State.MISSING)


def key_names(config: Config, name: str) -> str:
    return ", ".join(config.keys.get(name, (name,)))


def party_kind(config: Config, value: str) -> str | None:
    """``internal`` or ``msp`` for a declared party (or the words themselves), else None."""
    lowered = value.lower()
    if lowered in _lowered(config.internal) or lowered == "internal":
        return "internal"
    if lowered in _lowered(tuple(config.msps)) or lowered == "msp":
        return "msp"
    return None


@lru_cache(maxsize=64)
def _lowered(names: frozenset[str] | tuple[str, ...]) -> frozenset[str]:
    """Party names in lower case (asked for every resource, of the same few names)."""
    return frozenset(name.lower() for name in names)


def operator_kind(config: Config, value: str) -> str | None:
    lowered = value.lower()
    if lowered == "shared":
        return "shared"
    return party_kind(config, value)


def msp_named(config: Config, value: str | None) -> str | None:
    if value is None:
        return None
    return next((name for name in config.msps if name.lower() == value.lower()), None)


def fact_values(name: str, value: str) -> list[str]:
    """The values a fact holds: ``compliance-scope: pci,gdpr`` (or ``pci+gdpr``) holds two."""
    if name not in MULTI_VALUED:
        return [value]
    return [part for part in _VALUE_SEPARATORS.split(value.strip()) if part]


def operating_msp(config: Config, resource: Resource, fact_of: FactOf | None = None) -> str | None:
    """The declared MSP that runs ``resource``: its owner, its operator, or the MSP holding its contract
    (its facts from ``fact_of``, a run's ``Facts``, when given).

    ``operated-by: msp`` names no MSP by itself: the ``msp-contract`` value tells which, or the only
    declared MSP when there is one.
    """
    if fact_of is None:
        return operating_msp(config, resource, lambda of, name: fact(config, of, name))
    owner = fact_of(resource, OWNER)
    named = msp_named(config, owner.value) if owner.state is State.PRESENT else None
    if named is not None:
        return named
    operator = fact_of(resource, OPERATOR)
    if operator.state is not State.PRESENT or operator.value is None:
        return None
    named = msp_named(config, operator.value)
    if named is not None or operator_kind(config, operator.value) != "msp":
        return named
    contract = fact_of(resource, CONTRACT)
    if contract.state is State.PRESENT:
        holder = next((m.name for m in config.msps.values() if contract.value in m.contracts), None)
        if holder is not None:
            return holder
    return next(iter(config.msps)) if len(config.msps) == 1 else None
