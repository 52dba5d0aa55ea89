"""Memory after loading (issue 20): the graph keeps its ``contains`` edges compact and its adjacency lean, and a
report file is written piece by piece, never held whole; the outputs stay what they were."""

from __future__ import annotations

import datetime
import gc
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ownlint.config import load_config
from ownlint.graph import build_graph
from ownlint.model import Finding, Place, PlaceKind, Report, Resource, Severity, Suppressed, Suppression
from ownlint.pipeline import merge_instances
from ownlint.pipeline.scope import Located, Scope
from ownlint.report.findings import formatter, pieces_of
from ownlint.report.findings import json as json_format
from ownlint.report.write import write_atomically, write_reports
from ownlint.rules import KNOWN_IDS
from ownlint.suppressions import apply as suppress


def _resource(address: str, stack: str, references: tuple[str, ...] = (), container: str | None = None) -> Resource:
    kind, name = address.rsplit(".", 1)
    kind = kind.rsplit(".", 1)[-1]
    return Resource(
        address, kind, name, "terraform", f"{stack}/main.tf", 1, 2, stack, references=references, container=container
    )


def _estate(stacks: int, per_stack: int) -> list[Resource]:
    return [
        _resource(f"aws_s3_bucket.b{n}", f"s{s}", (f"aws_s3_bucket.b{n - 1}",) if n else ())
        for s in range(stacks)
        for n in range(per_stack)
    ]


def test_a_graph_costs_under_700_bytes_a_resource() -> None:
    """A resource in a stack, referring to one other: its node, its ``contains`` edge and its ``references`` edge
    (an ``Edge``, a key and a list each way per edge cost 900 bytes a resource)."""
    resources = _estate(10, 300)
    config = load_config(None, KNOWN_IDS)
    build_graph(resources[:10], config)  # the modules it imports are not the graph's
    ids = [r.node_id for r in resources]  # nor the resources' ids (interned: a run has them anyway)
    gc.collect()
    tracemalloc.start()
    try:
        graph = build_graph(resources, config)
        gc.collect()  # what the build left for the collector is not the graph's (a run's thresholds are higher)
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(graph.edges) == 2 * len(resources) - 10 and len(ids) == len(resources)
    assert size / len(resources) < 700, size / len(resources)


def test_edges_come_in_the_order_they_were_found() -> None:
    """``contains`` edges, kept apart, come back among the others where they were found (the graph's exports
    list edges in that order)."""
    resources = [
        _resource("module.m", "st"),
        _resource("module.m.aws_s3_bucket.a", "st", container="module.m"),
        _resource("aws_s3_bucket.b", "st", ("aws_s3_bucket.c", "module.m")),
        _resource("aws_s3_bucket.c", "st"),
    ]
    graph = build_graph(resources, load_config(None, KNOWN_IDS))
    assert list(graph.edges) == [
        ("stack:st", "st//module.m", "contains"),
        ("st//module.m", "st//module.m.aws_s3_bucket.a", "contains"),
        ("stack:st", "st//aws_s3_bucket.b", "contains"),
        ("st//aws_s3_bucket.b", "st//aws_s3_bucket.c", "references"),
        ("st//aws_s3_bucket.b", "st//module.m", "references"),
        ("stack:st", "st//aws_s3_bucket.c", "contains"),
    ]
    assert [e.target for e in graph.entries("stack:st", frozenset({"contains"}))] == [
        "st//aws_s3_bucket.b",
        "st//aws_s3_bucket.c",
        "st//module.m",
    ]
    assert graph.instances_reached("st//module.m", frozenset({"contains"})) is None
    assert graph.instances_reached("st//module.m", frozenset({"references"})) is None
    assert graph.instances_reached("st//module.m", frozenset({"grants"})) == frozenset()
    assert list(graph.shortest_paths("stack:st", frozenset({"contains", "references"}))) == [
        "st//module.m",
        "st//aws_s3_bucket.b",
        "st//aws_s3_bucket.c",
        "st//module.m.aws_s3_bucket.a",
    ]
    assert [graph.hop(e, e.source == "st//module.m") for e in graph.neighbours("st//module.m")] == [
        "-contains-> st//module.m.aws_s3_bucket.a (st/main.tf:1)",
        "<-contains- stack:st",
        "<-references- st//aws_s3_bucket.b (st/main.tf:1) [st/main.tf:1]",
    ]
    assert list(graph.graph.edges(keys=True)) == [  # by source, in the order of the nodes
        ("st//module.m", "st//module.m.aws_s3_bucket.a", "contains"),
        ("st//aws_s3_bucket.b", "st//aws_s3_bucket.c", "references"),
        ("st//aws_s3_bucket.b", "st//module.m", "references"),
        ("stack:st", "st//module.m", "contains"),
        ("stack:st", "st//aws_s3_bucket.b", "contains"),
        ("stack:st", "st//aws_s3_bucket.c", "contains"),
    ]


def _report(count: int, show_suppressed: bool = False) -> Report:
    place = Place("a.tf", 3, "tags of x", PlaceKind.ATTRIBUTE)
    findings = tuple(
        Finding(
            "OWN001",
            "missing-owner",
            Severity.ERROR,
            f"aws_s3_bucket.b{n} has no owner ##[warning]",
            f"aws_s3_bucket.b{n}",
            "aws_s3_bucket",
            "terraform",
            f"s{n % 7}/main.tf",
            n + 1,
            n + 2,
            provenance=(place,),
            fingerprint=f"{n:016x}",
        )
        for n in range(count)
    )
    waiver = Suppression(("OWN001",), "known", "ownlint.yaml", 4, "waiver")
    return Report(
        findings,
        10,
        count,
        ("OWN001", "OWN002"),
        suppressed=tuple(Suppressed(f, waiver) for f in findings[:1]),
        show_suppressed=show_suppressed,
    )


def test_json_pieces_are_the_whole_text(tmp_path: Path) -> None:
    for count in (0, 1, 700, 1300):
        for shown in (False, True):
            report = _report(count, shown)
            whole = json_format.render(report)
            assert "".join(json_format.pieces(report)) == whole
            target = tmp_path / f"r{count}{shown}.json"
            write_atomically(target, json_format.pieces(report))
            assert target.read_text(encoding="utf-8") == whole
    report = _report(3)
    assert list(pieces_of("sarif")(report)) == [formatter("sarif")(report)]  # a format without pieces: one


def test_a_json_report_file_is_never_held_whole(tmp_path: Path) -> None:
    report = _report(12_000)
    target = tmp_path / "report.json"
    write_reports(report, ("json",), (str(target),), colour=False)  # the modules it imports are not the report's
    gc.collect()
    tracemalloc.start()
    try:
        write_reports(report, ("json",), (str(target),), colour=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = target.stat().st_size
    assert target.read_text(encoding="utf-8") == json_format.render(report)
    assert size > 6_000_000
    assert peak < size / 2  # its text and its joined pieces cost twice its size


def test_merging_instances_costs_little_a_finding() -> None:
    """Findings alone on their fingerprint (nearly all) are kept as they are while merging, not in lists of one
    (while the graph is still held: the run's peak)."""
    findings = _report(20_000).findings
    merge_instances(findings[:10], ())
    gc.collect()
    tracemalloc.start()
    try:
        merged = merge_instances(findings, ())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert merged == list(findings)
    assert peak / len(findings) < 80


def test_a_whole_tree_s_findings_need_no_index_of_module_calls() -> None:
    """Under a named directory every finding is reported where it is: the indexes of calls and instances that
    locate the others are never made (they cost as much as the graph's nodes)."""
    resources = (
        _resource("module.m", "st"),
        _resource("module.m.aws_s3_bucket.a", "st", container="module.m"),
    )
    findings = _report(3).findings
    located = Located(Scope(), resources, ())
    assert located.findings(findings) == list(findings)
    assert all(located.holds(r) for r in resources)
    assert "calls" not in vars(located) and "instances" not in vars(located)
    named = Located(Scope(frozenset({"st/main.tf"}), ()), resources, ())
    assert named.holds(resources[1])
    assert named.calls.named_call("terraform", "st", "module.m.aws_s3_bucket.a", named.scope) == resources[0]


def test_a_node_s_records_come_from_the_graph() -> None:
    """The boundary rules judge every record of a node reached (instances whose facts differ): the graph keeps the
    records after the first, so that the rules need not format every resource's node id again."""
    first = _resource("aws_s3_bucket.a", "st")
    second = replace(first, instances=('["x"]',))
    other = _resource("aws_s3_bucket.b", "st")
    graph = build_graph([first, other, second], load_config(None, KNOWN_IDS))
    assert graph.records("st//aws_s3_bucket.a") == [first, second]
    assert graph.records("st//aws_s3_bucket.b") == [other]
    assert graph.records("stack:st") == []


def test_without_active_suppressions_the_resources_are_not_walked() -> None:
    def walked() -> Iterator[Resource]:
        raise AssertionError("the resources were walked")
        yield  # pragma: no cover

    findings = _report(3).findings
    expired = Suppression(("OWN001",), "", "a.tf", 1, "comment")  # no reason: not active
    assert suppress.apply(findings, (expired,), walked(), datetime.date(2026, 12, 1)) == (list(findings), [])
