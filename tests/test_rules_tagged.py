"""Issue 20, a warm run: the ownership rules read what each resource's tags say of their facts in one lookup
(``Facts.tagged``), not one ask of ``Facts`` per fact, and OWN006 judges each (fact, value) once. What they
read is what ``ownership.fact`` finds, and the rules find the same."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from typing import Any

import pytest
from tests.test_warm_facts import NAMES, _config, _estate, _resource, _tag
from tests.test_warm_rules_speed import rules_agree_with_fact

from ownlint.model import Resource
from ownlint.ownership import Facts, fact
from ownlint.rules import RULES, own006_invalid_label_value
from ownlint.rules.base import RuleContext

TODAY = datetime.date(2026, 1, 1)


def test_what_the_tags_say_is_what_fact_finds() -> None:
    """For any facts asked (declared or not, learnt before or after others, a reader made before a later one
    learnt more): a fact is there exactly when ``fact`` finds it from a tag (present or unknown), as that ``Fact``."""
    config = _config()
    for seed in range(5):
        rng = random.Random(seed)
        facts = Facts(config)
        readers = []
        for resource in _estate(seed):
            if not readers or rng.random() < 0.1:
                names = tuple(rng.sample(NAMES, rng.randint(1, 3)))
                readers.append((names, facts.tagged(names)))
            names, tagged = rng.choice(readers)
            said = tagged(resource)
            for name in names:
                expected = fact(config, resource, name)
                if expected.key is None:  # missing, or unknown for an opaque reason
                    assert name not in said, (resource.address, name)
                else:
                    assert said[name] == expected, (resource.address, name)
            if rng.random() < 0.3:
                facts(resource, rng.choice(NAMES))


def test_what_the_tags_say_without_the_runs_facts_is_what_fact_finds() -> None:
    """A context whose ``fact`` is ``ownership.fact`` itself (as tests give one) asks each fact."""
    config = _config()
    estate = tuple(_estate(3))
    context = RuleContext(config, estate, (), today=TODAY)
    context.__dict__["fact"] = lambda resource, name: fact(config, resource, name)  # the cached property's slot
    tagged = context.tagged(tuple(NAMES))
    for resource in estate:
        expected = {n: f for n in NAMES if (f := fact(config, resource, n)).key is not None}
        assert tagged(resource) == expected


def test_rules_find_the_same_reading_what_the_tags_say() -> None:
    resources = (*_estate(11), _resource("empty", ()), _resource("opaque", (), ("tags = var.t",)))
    assert rules_agree_with_fact(_config(), resources) >= len(resources)


def test_ownership_rules_ask_no_fact_one_by_one_of_resources_their_tags_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Of a resource that is not opaque, what its tags say settles every fact (an ask each cost a Python call:
    est-d's rules asked 50k)."""
    config = _config()
    estate = tuple(r for r in _estate(5) if not r.opaque)
    asked: list[str] = []
    call = Facts.__call__

    def counted(self: Facts, resource: Resource, name: str) -> Any:
        asked.append(name)
        return call(self, resource, name)

    monkeypatch.setattr(Facts, "__call__", counted)
    context = RuleContext(config, estate, (), today=TODAY)
    found = 0
    for rule in RULES:
        if rule.code in {"OWN001", "OWN002", "OWN003", "OWN004", "OWN005", "OWN006", "OWN007", "OWN011", "OWN012"}:
            found += len(list(rule.check(context)))
    assert found
    assert asked == []


def test_invalid_label_values_are_judged_once_per_fact_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config()
    estate = tuple(
        _resource(f"r{i}", (_tag("data-classification", ["secret", "public"][i % 2], i), _tag("operator", "acme")))
        for i in range(40)
    )
    judged: list[tuple[str, str]] = []
    values = own006_invalid_label_value.fact_values

    def counted(name: str, value: str) -> list[str]:
        judged.append((name, value))
        return values(name, value)

    monkeypatch.setattr(own006_invalid_label_value, "fact_values", counted)
    found: Iterator[Any] = own006_invalid_label_value.check(RuleContext(config, estate, (), today=TODAY))
    assert len(list(found)) == 20  # "secret" is not allowed
    assert sorted(set(judged)) == sorted(judged)
