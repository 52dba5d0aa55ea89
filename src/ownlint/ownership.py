"""The responsibility model as pure functions over ``Config``: categories, parties, facts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from ownlint.config import Category, Config, Msp
from ownlint.config.globs import matches_type
from ownlint.model import Fact, Resource, State, TagValue
from ownlint.records import builder

OWNER = "owner"
OPERATOR = "operator"
CONTRACT = "msp-contract"
ESCALATION = "escalation-contact"
MULTI_VALUED = frozenset({"compliance-scope"})
# an enum member looked up on its class goes through the metaclass's ``__getattr__`` hook (Python 3.11): ten times
# the cost of a global, and every rule asks it of every resource (a tenth of a warm run's rules)
PRESENT, UNKNOWN, MISSING = State.PRESENT, State.UNKNOWN, State.MISSING
_VALUE_SEPARATORS = re.compile(r"[,;+\s]+")

# rows ``Facts`` keeps: a row per resource for the whole run cost 92 MiB of a 30 MB estate's peak (MoJ: 33k resources)
ROWS = 1 << 15
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
    resource (157k asks on a Kubernetes monorepo, nearly all of facts it does not have). Each distinct tag key
    is matched once against the keys of every fact asked (the place of the first of a fact's keys it lowers to);
    one walk of a resource's tags finds the tag of every fact, and its row (fact name -> ``Fact``) is kept by the
    identity of the tags tuple (held, so that identity is never another's), as every rule asks of every resource:
    one walk per resource, not one per rule. A row of tags without facts is the one shared empty row, so a row
    costs a slot, not an index of the tags (an index per resource cost 75 MB on a 16 MB estate; a memo of each
    tag's ``Fact`` cost 26 MiB and saved nothing on MoJ). Lives as long as the run's rules, at most ``ROWS``
    rows; a fact asked for the first time clears the rows (they are walked again with its keys too)."""

    __slots__ = ("_keys", "_listed", "_matches", "_missing", "_rows", "config")

    def __init__(self, config: Config) -> None:
        self.config = config
        self._keys = {name: tuple(key.lower() for key in keys) for name, keys in config.keys.items()}  # and those asked
        self._matches: dict[str, tuple[tuple[str, int], ...]] = {}  # each distinct tag key: (fact, rank) it is a key of
        self._rows: dict[int, tuple[tuple[TagValue, ...], dict[str, Fact]]] = {}  # id(tags) -> (tags, their facts)
        self._missing: dict[tuple[str, str | None], Fact] = {}  # one absent fact per name (and opaque reason)
        self._listed: tuple[tuple[Resource, ...], list[dict[str, Fact]]] | None = None  # ``listed``'s resources, rows

    def __call__(self, resource: Resource, name: str) -> Fact:
        if name not in self._keys:
            self._learn(name)
        found = self._row(resource).get(name)
        if found is not None:
            return found
        opaque = resource.opaque[0] if resource.opaque else None
        missing = self._missing.get((name, opaque))
        if missing is None:
            missing = self._missing[name, opaque] = _absent(name, resource)
        return missing

    def tagged(self, names: Iterable[str]) -> Callable[[Resource], Mapping[str, Fact]]:
        """What the tags of each resource say of the facts asked (``names`` learnt first): the ``Fact`` each present
        or unknown tag gives, by name; a fact not there is missing, or unknown for the resource's opaque reason. One
        lookup per resource for a rule that asks several facts (an ask each cost a call, est-d: 50k asks)."""
        for name in names:
            if name not in self._keys:
                self._learn(name)
        return self._row

    def listed(self, resources: tuple[Resource, ...]) -> list[dict[str, Fact]]:
        """``tagged``'s row of each of ``resources``, in order (the facts asked learnt first): listed once for the
        rules that each walk the same resources (a lookup per resource and rule cost est-d 28k calls), again after a
        fact is learnt. Kept until then, it holds a row per resource: for at most ``ROWS`` resources."""
        listed = self._listed
        if listed is None or listed[0] is not resources:
            row = self._row
            listed = self._listed = (resources, [row(resource) for resource in resources])
        return listed[1]

    def _learn(self, name: str) -> None:
        self._keys[name] = tuple(key.lower() for key in self.config.keys.get(name, (name,)))
        self._matches.clear()  # matched again, with this fact's keys too
        self._rows.clear()
        self._listed = None

    def _row(self, resource: Resource) -> dict[str, Fact]:
        tags, rows = resource.tags, self._rows
        row = rows.get(id(tags))
        if row is not None and row[0] is tags:
            return row[1]
        found = self._walk(tags)
        if row is not None or len(rows) < ROWS:  # past the bound, a resource's tags are walked at each ask
            rows[id(tags)] = (tags, found)
        return found

    def _walk(self, tags: tuple[TagValue, ...]) -> dict[str, Fact]:
        """Each fact's ``Fact``: of the first tag of the first of its keys that has one, as ``fact`` finds it."""
        matches = self._matches
        best: dict[str, tuple[int, TagValue]] = {}
        for tag in tags:
            of = matches.get(tag.key)
            if of is None:
                of = matches[tag.key] = self._matched(tag.key)
            if of:
                for name, rank in of:
                    held = best.get(name)
                    if held is None or rank < held[0]:
                        best[name] = (rank, tag)
        return {name: _of_tag(name, tag) for name, (_, tag) in best.items()} if best else _NONE

    def _matched(self, key: str) -> tuple[tuple[str, int], ...]:
        lowered = key.lower()
        return tuple((name, keys.index(lowered)) for name, keys in self._keys.items() if lowered in keys)


_NONE: dict[str, Fact] = {}  # the facts of tags that have none (never written to)


def _of_tag(name: str, tag: TagValue) -> Fact:
    build = _FACT[0] if _FACT else _fact_builder()
    reason = tag.reason
    if reason is None:
        return build(name, PRESENT, tag.value, tag.key, None, tag.provenance)
    return build(name, UNKNOWN, None, tag.key, reason, tag.provenance)


_FACT: list[Callable[..., Fact]] = []  # ``builder(Fact)``, made on first use (a one-file check may walk no tags)


def _fact_builder() -> Callable[..., Fact]:
    """A ``Fact`` of name, state, value, key, reason and provenance, without ``__init__`` (est-d walks 11k facts)."""
    _FACT.append(builder(Fact))
    return _FACT[0]


def _absent(name: str, resource: Resource) -> Fact:
    if resource.opaque:
        return Fact(name, UNKNOWN, reason=resource.opaque[0])
    return Fact(name, MISSING)


def key_names(config: Config, name: str) -> str:
    return ", ".join(config.keys.get(name, (name,)))


def party_kind(config: Config, value: str) -> str | None:
    """``internal`` or ``msp`` for a declared party (or the words themselves), else None."""
    lowered = value.lower()
    if lowered in _lowered(config.internal) or lowered == "internal":
        return "internal"
    if lowered in _msp_names(config.msps) or lowered == "msp":
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
    return _msp_names(config.msps).get(value.lower())


_MSP_NAMES: list[tuple[Mapping[str, Msp], dict[str, str]]] = []  # the last config's MSPs, held: its id stays theirs


def _msp_names(msps: Mapping[str, Msp]) -> dict[str, str]:
    """The declared MSPs by their names in lower case (the first of a name): asked for every resource by several
    rules (a generator over the MSPs, or a tuple of them hashed, at each ask cost 1% of a warm run)."""
    if _MSP_NAMES and _MSP_NAMES[0][0] is msps:
        return _MSP_NAMES[0][1]
    names: dict[str, str] = {}
    for name in msps:
        names.setdefault(name.lower(), name)
    _MSP_NAMES[:] = [(msps, names)]
    return names


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
    named = msp_named(config, owner.value) if owner.state is PRESENT else None
    if named is not None:
        return named
    operator = fact_of(resource, OPERATOR)
    if operator.state is not PRESENT or operator.value is None:
        return None
    named = msp_named(config, operator.value)
    if named is not None or operator_kind(config, operator.value) != "msp":
        return named
    contract = fact_of(resource, CONTRACT)
    if contract.state is PRESENT:
        holder = next((m.name for m in config.msps.values() if contract.value in m.contracts), None)
        if holder is not None:
            return holder
    return next(iter(config.msps)) if len(config.msps) == 1 else None
