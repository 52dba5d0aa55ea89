"""Issue 20, a warm run with nothing changed on a Kubernetes monorepo: the rules' facts asked of
``ownership.Facts`` are the facts ``ownership.fact`` gives, and the rules' findings do not change."""

from __future__ import annotations

import dataclasses
import datetime
import gc
import json
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from tests.conftest import FIXTURES, run_cli

from ownlint import ownership
from ownlint.config import Config
from ownlint.config.load import load_config
from ownlint.graph import build_graph
from ownlint.loaders.kubernetes.cached import decoded
from ownlint.model import (
    Comparison,
    Finding,
    Place,
    PlaceKind,
    Report,
    Resource,
    Severity,
    Suppressed,
    Suppression,
    TagValue,
)
from ownlint.ownership import CONTRACT, ESCALATION, OPERATOR, OWNER, Facts, fact, operating_msp
from ownlint.report.escape import json_text
from ownlint.report.findings.json import _BATCH as JSON_BATCH
from ownlint.report.findings.json import _finding as finding_dict
from ownlint.report.findings.json import render as render_json
from ownlint.report.indented_json import _MAX_KEYS, _MAX_PREFIXES, _PREFIXES, dumps_indented
from ownlint.rules import KNOWN_IDS, RULES
from ownlint.rules.base import RuleContext

PLACE = Place("main.tf", 1, "tags", PlaceKind.ATTRIBUTE)
CONFIG_TEXT = """\
keys:
  owner: [owner, Team, "ÉQUIPE"]
  operated-by: [operated-by, operator]
parties:
  internal: [platform]
  msp:
    acme: {location: offshore, contracts: [C-1]}
labels:
  data-classification: [public, internal, confidential]
"""


def _config(text: str = CONFIG_TEXT) -> Config:
    return load_config(Path("ownlint.yaml"), KNOWN_IDS, text=text)


def _tag(key: str, value: str | None, reason: str | None = None) -> TagValue:
    return TagValue(key, value, (Place("main.tf", len(key), f"tag {key}", PlaceKind.LABEL, key),), reason)


def _resource(address: str, *tags: TagValue, opaque: tuple[str, ...] = ()) -> Resource:
    return Resource(address, "aws_sqs_queue", address, "terraform", "main.tf", 1, 2, tags=tags, opaque=opaque)


# the cases a per-resource index could answer otherwise than a scan of the tags: the first of two spellings of a
# key, an alias after another, an unknown value, opaque tags, a key that lowers to several characters, no tag
RESOURCES = [
    _resource("a", _tag("Owner", "first"), _tag("owner", "second"), _tag("OWNER", "third")),
    _resource("b", _tag("team", "by-alias"), _tag("owner", "by-key")),
    _resource("c", _tag("TEAM", None, "var.team has no default"), _tag("operator", "acme")),
    _resource("d", _tag("équipe", "accents")),
    _resource("e", _tag("İ", "dotted"), opaque=("tags = var.tags",)),
    _resource("f"),
    _resource("g", _tag("operated-by", "msp"), _tag("msp-contract", "C-1"), _tag("Data-Classification", "secret")),
]
NAMES = [OWNER, OPERATOR, CONTRACT, ESCALATION, "data-classification", "i̇", "İ", "unknown-fact"]


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.address)
def test_facts_of_a_run_are_the_facts_of_each_resource(resource: Resource) -> None:
    config = _config()
    facts = Facts(config)
    for _ in range(2):  # asked again: the same answer
        assert [facts(resource, name) for name in NAMES] == [fact(config, resource, name) for name in NAMES]
    assert operating_msp(config, resource, facts) == operating_msp(config, resource)


def test_facts_keep_nothing_per_resource() -> None:
    """Peak memory on a 30 MB estate (< 1 GiB): an index of each resource's tags cost 75 MB on a 16 MB estate.
    ``Facts`` holds no resource and at most as many lowered keys as there are distinct tag keys."""
    config = _config()
    facts = Facts(config)
    many = [_resource(f"r{i}", _tag("Owner", "a"), _tag("team", "b")) for i in range(200)]
    held = [sys.getrefcount(resource) for resource in many]
    assert [facts(one, OWNER) for one in many] == [fact(config, one, OWNER) for one in many]
    assert [sys.getrefcount(resource) for resource in many] == held
    assert len(facts._matches) <= 2  # one match per distinct tag key


def test_facts_keep_a_bounded_number_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak memory on a 30 MB estate (< 1 GiB): a row per resource for the whole run cost 92 MiB there. Rows
    past the bound are walked at each ask, with the same answers."""
    monkeypatch.setattr(ownership, "ROWS", 50, raising=False)
    config = _config()
    facts = Facts(config)
    many = [_resource(f"r{i}", _tag("Owner", f"a{i}"), _tag("operator", "acme")) for i in range(200)]
    for name in (OWNER, OPERATOR, OWNER):
        assert [facts(one, name) for one in many] == [fact(config, one, name) for one in many]
    assert len(facts._rows) == 50


def test_facts_hold_no_tag_past_their_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A memo of each tag's ``Fact`` cost 26 MiB of a 16 MB estate's peak and saved nothing on MoJ."""
    monkeypatch.setattr(ownership, "ROWS", 0)
    config = _config()
    facts = Facts(config)
    many = [_resource(f"r{i}", _tag("Owner", f"a{i}"), _tag("operator", "acme")) for i in range(100)]
    held = [sys.getrefcount(one.tags[0]) for one in many]
    assert [facts(one, OWNER) for one in many] == [fact(config, one, OWNER) for one in many]
    assert [sys.getrefcount(one.tags[0]) for one in many] == held


def test_facts_of_equal_resources_answer_alike() -> None:
    config = _config()
    facts = Facts(config)
    one, two = _resource("x", _tag("owner", "a")), _resource("x", _tag("owner", "a"))
    assert facts(one, OWNER) == facts(two, OWNER) == fact(config, one, OWNER)


def test_every_rule_finds_the_same_with_facts_of_the_run_as_with_fact() -> None:
    """The rules over resources of every case, with one ``Facts`` shared by all, and with ``fact`` itself."""
    assert rules_agree_with_fact(_config(), tuple(RESOURCES)) >= len(RESOURCES)


def rules_agree_with_fact(config: Config, resources: tuple[Resource, ...]) -> int:
    """Asserts that every rule finds the same with the run's ``Facts`` as with ``fact``; how many it found."""
    today = datetime.date(2026, 1, 1)

    def context() -> RuleContext:
        return RuleContext(config, resources, (), lambda: build_graph(resources, config), today=today)

    shared, found = context(), 0
    for rule in RULES:
        plain = context()
        plain.__dict__["fact"] = lambda resource, name: fact(config, resource, name)  # the cached property's slot
        expected = list(rule.check(plain))
        assert list(rule.check(shared)) == expected, rule.code
        found += len(expected)
    return found


# --- the manifest cache's key lines, checked in one loop -------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([["metadata", 3], ["metadata", "labels", "owner", 5], ["kind", 0]], {"metadata": 3, "owner": 5, "kind": 0}),
        ([["a", 1], ["a", 2]], {"a": 2}),  # the later of two spellings, as a dict display keeps it
        ([], {}),
        ([["metadata"]], None),  # no line
        ([[5]], None),
        ([["metadata", -1]], None),
        ([["metadata", True]], None),  # a boolean is no line
        ([["metadata", 1.0]], None),
        ([["metadata", "3"]], None),
        ([["metadata", 7, 3]], None),  # a part of the key that is no text
        ([["metadata", None, 3]], None),
        ([{"metadata": 3}], None),
        (["metadata"], None),
    ],
)
def test_cached_key_lines_are_used_only_in_the_shape_encoded_wrote(keys: list[Any], expected: Any) -> None:
    stored = [[[{"kind": "Namespace"}, 1, 9, keys]], []]
    found = decoded(stored, "ns.yaml")
    if expected is None:
        assert found is None
        return
    assert found is not None
    documents, problems = found
    assert problems == []
    assert {key[-1]: line for key, line in documents[0].lines.items()} == expected
    assert documents[0].lines == {tuple(k[:-1]): k[-1] for k in keys}


# --- the report's indented JSON: what precedes each value written once per shape of dict ---------------------


def test_indented_json_of_dicts_sharing_keys_at_every_depth_is_json_dumps_byte_for_byte() -> None:
    finding = {"rule": "OWN001", "path": [], "provenance": [{"file": "a\\u005b", "line": 1}], "x": None}
    many = {f"k{i}": i for i in range(_MAX_KEYS + 5)}  # more keys than a kept shape has
    value: Any = {
        "findings": [finding, {**finding, "rule": "é"}, {"nested": finding}, [finding, [finding]]],
        "same keys, other order": [{"x": 1, "rule": 2}, {"rule": 2, "x": 1}],
        "many": [many, many],
        "numbers": {"1": 1.5, "2": True, "3": -0.0},
    }
    for indent in (0, 2, 4):
        for _ in range(2):  # the second time from the kept shapes
            assert dumps_indented(value, indent) == json.dumps(value, indent=indent)


def test_indented_json_with_a_key_that_is_no_text_in_a_known_shape_is_json_dumps() -> None:
    dumps_indented([{"a": 1, "b": 2}], 2)  # the shape ("a", "b") is kept
    for odd in ({"a": 1, 2: 2}, {"a": 1, None: 2}, {1.5: 1, "b": 2}):
        assert dumps_indented([odd], 2) == json.dumps([odd], indent=2)


def test_indented_json_keeps_a_bounded_number_of_shapes() -> None:
    for size in range(3 * _MAX_PREFIXES):
        shape = {f"key {size} {i}": i for i in range(3)}
        assert dumps_indented(shape, 2) == json.dumps(shape, indent=2)
    assert len(_PREFIXES) <= _MAX_PREFIXES


# --- no cyclic garbage collection while findings are made and written ---------------------------------------


def test_findings_are_made_and_written_without_cyclic_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a collection due at nearly every allocation, none runs in the rules or the reporters (their values
    hold no cycles: a collection only walked them again), and collection is on again afterwards."""
    import ownlint.pipeline.loading as loading

    monkeypatch.setattr(loading, "GC_THRESHOLDS", (50, 1, 1))
    during: list[str] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        frame: FrameType | None = sys._getframe(1)
        names = set()
        while frame is not None:
            names.add(frame.f_code.co_name)
            frame = frame.f_back
        if phase == "start":
            during.extend(sorted(names & {"run_rules", "render", "write_reports"}))

    thresholds = gc.get_threshold()
    gc.callbacks.append(seen)
    try:
        run = run_cli("check", str(FIXTURES / "example"), "--no-cache", "--format", "json", "--format", "sarif")
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*thresholds)
    assert run.exit_code == 1, run.stderr
    assert during == []
    assert gc.isenabled()


# --- --format json: each finding written from one template, as the generic writer writes its dict -------------

ODD = 'é ##[error]x ##vso[task] \u202e\x00 \ud800 "q" \\ \n'  # non-ASCII, CI commands, controls, a lone surrogate


def _finding_of(index: int, **changes: Any) -> Finding:
    base = Finding(
        rule="OWN001",
        name="missing-owner",
        severity=Severity.ERROR,
        message=f"m{index} {ODD}",
        resource=f"Deployment/ns/{ODD}",
        resource_type="k8s:Deployment",
        source="kubernetes",
        file=f"dir/{ODD}.yaml",
        line=index,
        end_line=index + 3,
        fingerprint=f"{index:032x}",
    )
    return dataclasses.replace(base, **changes)


FINDINGS = [
    _finding_of(1),
    _finding_of(2, path=("msp:acme", ODD), provenance=(Place(ODD, 4, ODD, PlaceKind.LABEL),)),
    _finding_of(3, related=(Place("a.tf", 1, "x", PlaceKind.FINDING), Place(ODD, 2, ODD, PlaceKind.FINDING))),
    _finding_of(4, severity=Severity.WARNING, line=0, end_line=10**20),
    _finding_of(5, line=True, end_line=False),  # no such finding: the generic writer's way for what is no int
]


@pytest.mark.parametrize("count", [0, 1, len(FINDINGS), 2 * JSON_BATCH + 3])  # past the batches joined
@pytest.mark.parametrize("show_suppressed", [False, True])
def test_json_report_is_the_generic_writers_text_of_its_document(count: int, show_suppressed: bool) -> None:
    findings = tuple(dataclasses.replace(FINDINGS[i % len(FINDINGS)], fingerprint=f"{i:032x}") for i in range(count))
    hidden = (Suppressed(FINDINGS[1], Suppression(("OWN001",), ODD, "a.yaml", 3, "comment", approved_by="me")),)
    comparison = Comparison("baseline b.json", 2, (("OWN001", ODD, "a.yaml"),))
    for compared in (None, comparison):
        report = Report(findings, 3, 4, ("OWN001", "OWN002"), suppressed=hidden, show_suppressed=show_suppressed)
        report = dataclasses.replace(report, comparison=compared)
        text = render_json(report)
        document = json.loads(text)
        assert document["findings"] == [finding_dict(f) for f in findings]
        assert text == json_text(document) + "\n"  # the generic writer (itself json.dumps byte for byte)
        assert "##[" not in text and "##vso[" not in text
        assert list(document) == [
            "version",
            "tool",
            "summary",
            "findings",
            *(["suppressed"] if show_suppressed else []),
        ]
