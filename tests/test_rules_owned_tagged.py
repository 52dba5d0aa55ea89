"""Issue 20, a warm run: the ownership rules walk the resources with what their tags say (``owned_tagged``), the
run's ``Facts`` listing each resource's row once for all of them, not one lookup per resource and rule."""

from __future__ import annotations

import datetime

import pytest
from tests.test_warm_facts import NAMES, _config, _estate

from ownlint import ownership
from ownlint.ownership import CONTRACT, OWNER, Facts, fact
from ownlint.rules import base
from ownlint.rules.base import RuleContext

TODAY = datetime.date(2026, 1, 1)


def _said(context: RuleContext, names: tuple[str, ...]) -> list[tuple[str, dict[str, object]]]:
    """What ``owned_tagged`` says of ``names`` (a row may say more: of other facts)."""
    return [(r.address, {n: said[n] for n in names if n in said}) for r, said in context.owned_tagged(names)]


def _expected(context: RuleContext, names: tuple[str, ...]) -> list[tuple[str, dict[str, object]]]:
    config = context.config
    return [
        (r.address, {n: f for n in names if (f := fact(config, r, n)).key is not None})
        for r in context.owned_resources()
    ]


def test_owned_tagged_is_each_owned_resource_with_what_its_tags_say() -> None:
    context = RuleContext(_config(), tuple(_estate(5)), (), today=TODAY)
    for names in ((OWNER,), ("operator", CONTRACT), tuple(NAMES), ("tier",), (OWNER,)):
        assert _said(context, names) == _expected(context, names), names


def test_the_rows_are_listed_once_for_every_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second rule asking facts already learnt walks no resource's tags again, nor looks each row up."""
    context = RuleContext(_config(), tuple(_estate(6)), (), today=TODAY)
    first = [said for _, said in context.owned_tagged((OWNER,))]
    asked: list[object] = []
    monkeypatch.setattr(Facts, "_row", lambda self, resource: asked.append(resource) or {})
    again = [said for _, said in context.owned_tagged(("operator",))]
    assert asked == [] and [id(s) for s in again] == [id(s) for s in first]


def test_a_fact_learnt_later_lists_the_rows_again() -> None:
    context = RuleContext(_config(), tuple(_estate(7)), (), today=TODAY)
    list(context.owned_tagged((OWNER,)))
    names = ("not-declared", "app")  # tag keys of the estate, facts not declared under ``keys``
    assert _said(context, names) == _expected(context, names)


def test_past_the_rows_kept_each_resource_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """More resources than ``Facts`` keeps rows for: no list of them all is held."""
    monkeypatch.setattr(base, "ROWS", 3)
    monkeypatch.setattr(ownership, "ROWS", 3)
    context = RuleContext(_config(), tuple(_estate(8)), (), today=TODAY)
    assert _said(context, tuple(NAMES)) == _expected(context, tuple(NAMES))
    assert context.fact._listed is None
