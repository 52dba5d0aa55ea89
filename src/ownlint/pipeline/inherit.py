"""Children that cannot be owned on their own (attachments, associations, rules, policies of a parent)
take their parent's ownership facts through the reference that names the parent.

Which types are children, and through which attribute, is data: the ``inherit`` section of the
configuration (the ``hybrid-it`` preset lists the common AWS ones). A child's own tags always win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ownlint.config import Config, Inheritance
from ownlint.config.globs import matches_type
from ownlint.model import Place, PlaceKind, Resource, TagValue

MAX_CHAIN = 8  # listener rule -> listener -> load balancer is three; cycles stop here


def inherit_ownership(config: Config, resources: Iterable[Resource]) -> tuple[Resource, ...]:
    listed = tuple(resources)
    if not config.inherit:
        return listed
    fact_keys = {name.lower() for names in config.keys.values() for name in names}
    by_address: dict[tuple[str, str], Resource] = {}
    for resource in listed:
        by_address.setdefault((resource.stack, resource.address), resource)
    resolved: dict[int, Resource] = {}
    rules: dict[str, Inheritance | None] = {}  # each type's rule, matched once a run
    # a plain function, not a recursive closure: a closure's cycle kept every resource alive until a full gc
    return tuple(
        _effective(r, 0, config, by_address, fact_keys, resolved, rules) if r.source == "terraform" else r
        for r in listed
    )


def _effective(
    resource: Resource,
    depth: int,
    config: Config,
    by_address: dict[tuple[str, str], Resource],
    fact_keys: set[str],
    resolved: dict[int, Resource],
    rules: dict[str, Inheritance | None],
) -> Resource:
    """``resource`` with its parent's facts (the parent's own inherited first), each resource resolved once."""
    if id(resource) in resolved:
        return resolved[id(resource)]
    result = resource
    rule = _rule_for(config.inherit, resource, rules)
    parent = _parent(rule, resource, by_address) if rule is not None and depth < MAX_CHAIN else None
    if parent is not None and rule is not None:
        parent = _effective(parent, depth + 1, config, by_address, fact_keys, resolved, rules)
        result = _with_parent_facts(resource, parent, fact_keys)
    resolved[id(resource)] = result
    return result


def _rule_for(
    rules: tuple[Inheritance, ...], resource: Resource, known: dict[str, Inheritance | None]
) -> Inheritance | None:
    """The first rule matching the resource's type, from ``known`` (this run's, by type: a memo keyed by the rules
    too hashed every rule at each ask: 1% of a warm run)."""
    kind = resource.type
    if kind in known:
        return known[kind]
    found = known[kind] = next((r for r in rules if matches_type(kind, r.match)), None)
    return found


def _parent(rule: Inheritance, resource: Resource, by_address: dict[tuple[str, str], Resource]) -> Resource | None:
    for attribute in rule.via:
        for name, address in resource.links:
            parent = by_address.get((resource.stack, address)) if name == attribute else None
            if parent is not None and parent is not resource and parent.type != "module":
                return parent
    return None


def _with_parent_facts(child: Resource, parent: Resource, fact_keys: set[str]) -> Resource:
    own = {t.key.lower() for t in child.tags}
    via = next(name for name, address in child.links if address == parent.address)
    place = Place(parent.file, parent.line, f"{parent.address} through {via}", PlaceKind.INHERITED, via, parent.address)
    inherited = tuple(
        TagValue(t.key, t.value, (*t.provenance, place), t.reason)
        for t in parent.tags
        if t.key.lower() in fact_keys and t.key.lower() not in own
    )
    if not inherited and not parent.opaque:
        return child
    opaque = child.opaque + tuple(f"{reason} (inherited from {parent.address})" for reason in parent.opaque)
    return replace(child, tags=child.tags + inherited, opaque=opaque, fix_place=parent.fix_place or child.fix_place)
