"""Issue 20, a warm run: the graph a check's boundary rules walk has only the edges they can take (no
``contains``, no HCL ``references``), with the same paths as the whole graph; ``explain`` keeps the whole one."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import run_cli
from tests.test_graph import ESTATE, PINNED, findings_with_paths

import ownlint.graph
from ownlint.graph import build_graph
from ownlint.inputs import Inputs
from ownlint.pipeline import load
from ownlint.rules.own008_access_boundary import ACCESS
from ownlint.rules.own009_network_boundary import NETWORK


def test_the_rules_graph_is_the_whole_graph_without_contains_and_hcl_references() -> None:
    loaded = load(Inputs(paths=(str(ESTATE),)))
    whole = build_graph(loaded.resources, loaded.config)
    walked = build_graph(loaded.resources, loaded.config, structural=False)
    assert any(kind == "contains" for _, _, kind in whole.edges)
    assert all(kind != "contains" for _, _, kind in walked.edges)
    kept = {key: edge for key, edge in whole.edges.items() if key[2] not in ("contains", "references")}
    assert {key: edge for key, edge in walked.edges.items() if key[2] != "references"} == kept
    for kinds in (ACCESS, NETWORK):
        for node in whole.nodes:
            if node.startswith("msp:"):
                assert walked.entries(node, kinds) == whole.entries(node, kinds)
                assert walked.shortest_paths(node, kinds) == whole.shortest_paths(node, kinds)
    for node in walked.nodes:
        assert walked.shown(node) == whole.shown(node)


def test_a_check_finds_the_same_without_building_the_structural_edges(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = findings_with_paths(run_cli("check", str(ESTATE), *PINNED, "--format", "json").json()["findings"])

    def refused(*args: Any) -> Any:
        raise AssertionError("a check's rules never walk contains or references edges")

    monkeypatch.setattr(ownlint.graph, "_structural_edges", refused)
    run = run_cli("check", str(ESTATE), *PINNED, "--format", "json")
    assert findings_with_paths(run.json()["findings"]) == expected
    assert any(line.startswith("OWN008") for line in expected)
