"""Issue 20, a warm run: a rule does no per-resource work where its answer cannot depend on it (est-d: four in
five resources are in no category a residency boundary covers, and each cost OWN010 its operating MSP)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from ownlint.config.load import load_config
from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.rules import KNOWN_IDS, own010_residency
from ownlint.rules.base import RuleContext

CONFIG = """\
parties:
  internal: [platform]
  msp:
    acme: {location: offshore, contracts: [C-1]}
"""


def _resource(address: str, resource_type: str, **tags: str) -> Resource:
    place = (Place("main.tf", 1, "tags", PlaceKind.ATTRIBUTE),)
    values = tuple(TagValue(key, value, place) for key, value in tags.items())
    return Resource(address, resource_type, address, "terraform", "main.tf", 1, 2, tags=values)


def test_residency_asks_the_operating_msp_only_of_resources_a_residency_boundary_covers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = load_config(Path("ownlint.yaml"), KNOWN_IDS, text=CONFIG)
    covered = {c for b in config.boundaries if b.is_residency for c in b.categories}
    assert covered  # the preset's residency boundary
    facts = {"owner": "acme", "compliance-scope": "gdpr", "data-classification": "restricted"}
    data = _resource("aws_s3_bucket.b", "aws_s3_bucket", **facts)
    others = [_resource(f"aws_instance.i{i}", "aws_instance", **facts) for i in range(3)]
    asked: list[str] = []
    real = own010_residency.operating_msp

    def counted(config: Any, resource: Resource, fact_of: Any = None) -> str | None:
        asked.append(resource.address)
        return real(config, resource, fact_of)

    monkeypatch.setattr(own010_residency, "operating_msp", counted)
    context = RuleContext(config, (data, *others), (), today=datetime.date(2026, 1, 1))
    found = list(own010_residency.check(context))
    assert [f.resource for f in found] == ["aws_s3_bucket.b"]
    assert asked == ["aws_s3_bucket.b"]


def test_msp_accountability_judges_each_owner_and_operator_pair_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who runs a resource follows from its owner and operator values alone: an estate repeats a few pairs."""
    from ownlint.rules import own007_msp_accountability as own007

    config = load_config(Path("ownlint.yaml"), KNOWN_IDS, text=CONFIG)
    pairs = [("acme", "msp"), ("platform", "acme"), ("platform", "internal"), ("msp", "shared")]
    resources = tuple(
        _resource(f"aws_sqs_queue.q{i}", "aws_sqs_queue", owner=owner, **{"operated-by": operator})
        for i in range(12)
        for owner, operator in [pairs[i % len(pairs)]]
    )
    context = RuleContext(config, resources, (), today=datetime.date(2026, 1, 1))
    expected = list(own007.check(context))
    asked: list[str | None] = []
    real = own007.msp_named

    def counted(config: Any, value: str | None) -> str | None:
        asked.append(value)
        return real(config, value)

    monkeypatch.setattr(own007, "msp_named", counted)
    assert list(own007.check(RuleContext(config, resources, (), today=datetime.date(2026, 1, 1)))) == expected
    assert len(expected) == 9
    assert len(asked) <= 2 * len(pairs)
