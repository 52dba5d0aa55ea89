"""What ``ownlint fix`` is asked to write: the rules it fixes and the values given on the command line.

Every fact the config declares can be written, named by its fact name or any of its keys
(``--set operated-by=internal`` is the ``operator`` fact). A name the config does not declare, a value
its ``labels`` (or its parties, for the owner) do not allow, a fact given twice, or one that no rule
being fixed writes is refused with one line: never silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ownlint.config import Config, did_you_mean
from ownlint.errors import OwnlintError
from ownlint.ownership import CONTRACT, ESCALATION, OPERATOR, OWNER, fact_values, operator_kind, party_kind

FIXABLE = ("OWN001", "OWN004", "OWN005", "OWN007")
DEFAULT_RULES = ("OWN001",)


def check_rules(rules: Iterable[str]) -> None:
    unknown = [r for r in rules if r not in FIXABLE]
    if unknown:
        raise OwnlintError(f"--rule {','.join(unknown)}: ownlint fix fixes {', '.join(FIXABLE)}")


# the facts whose absence these rules report, whatever the resource; OWN005's depend on its category
RULE_FACTS: Mapping[str, tuple[str, ...]] = {
    "OWN001": (OWNER,),
    "OWN004": (OPERATOR,),
    "OWN007": (CONTRACT, ESCALATION),
}


def rule_facts(config: Config, rule: str) -> tuple[str, ...]:
    """The facts whose absence ``rule`` reports, which a fix of it writes."""
    if rule in RULE_FACTS:
        return RULE_FACTS[rule]
    return tuple(dict.fromkeys(name for category in config.categories for name in category.requires))


def resolve(
    config: Config, owner: str | None, given: Sequence[tuple[str, str]], rules: tuple[str, ...]
) -> tuple[Mapping[str, str], tuple[str, ...]]:
    """The values given (``--owner``, and ``--set`` as ``(name, value)``: a fact's name or key), as
    fact -> value, and the rules to fix: ``rules``, or when none is named, OWN001 and every rule that
    writes a fact given."""
    values: dict[str, str] = {}
    named = [(OWNER, owner, f"--owner {owner}")] if owner is not None else []
    for name, value, shown in [*named, *((n, v, f"--set {n}={v}") for n, v in given)]:
        fact = _fact_named(config, name, shown)
        if fact in values:
            raise OwnlintError(f"{shown}: {fact} is given twice")
        _check_value(config, fact, value, shown)
        values[fact] = value
    chosen = rules or tuple(r for r in FIXABLE if r in DEFAULT_RULES or any(f in rule_facts(config, r) for f in values))
    for name, _, shown in [*named, *((n, v, f"--set {n}={v}") for n, v in given)]:
        fact = _fact_named(config, name, shown)
        writers = [r for r in FIXABLE if fact in rule_facts(config, r)]
        if not writers:
            raise OwnlintError(f"{shown}: no rule asks for {fact} (no category requires it)")
        if not any(r in chosen for r in writers):
            raise OwnlintError(f"{shown}: {fact} is written for {writers[0]}, which --rule leaves out")
    return values, chosen


def _fact_named(config: Config, name: str, shown: str) -> str:
    wanted = name.strip().lower()
    for fact, keys in config.keys.items():
        if wanted == fact.lower() or wanted in (k.lower() for k in keys):
            return fact
    choices = [*config.keys, *(k for keys in config.keys.values() for k in keys)]
    hint = did_you_mean(name, dict.fromkeys(choices)) or f" (facts: {', '.join(config.keys)}, or their keys)"
    raise OwnlintError(f"{shown}: unknown fact {name!r}{hint}")


def _check_value(config: Config, fact: str, value: str, shown: str) -> None:
    """The value must not be one a check would then report (OWN006, or OWN002 for the owner)."""
    if fact == OWNER and config.parties_declared and party_kind(config, value) is None:
        declared = sorted(config.internal) + sorted(config.msps)
        raise OwnlintError(
            f"{shown}: {value!r} is not a declared party ({', '.join(declared)}){did_you_mean(value, declared)}"
        )
    allowed = config.labels.get(fact)
    if allowed is None:
        return
    lowered = {a.lower() for a in allowed}
    parts = fact_values(fact, value)
    party = fact == OPERATOR
    bad = [v for v in parts if v.lower() not in lowered and not (party and operator_kind(config, v))]
    if bad or not parts:
        listed = ", ".join(sorted(allowed)) + (", or a declared party" if party else "")
        raise OwnlintError(f"{shown}: {value!r} is not a value of {fact} ({listed})")
