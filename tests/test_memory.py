"""Memory: a report's JSON text costs about its own size, graph nodes share one id string, inheritance leaves
no garbage cycle behind, and peak memory grows linearly with the estate (issue 20: under 1 GiB on 30 MB)."""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
from pathlib import Path

from ownlint.config import load_config
from ownlint.graph import build_graph
from ownlint.inputs import Inputs
from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.pipeline import findings_of, load, select_rules
from ownlint.pipeline.inherit import inherit_ownership
from ownlint.report.escape import json_text
from ownlint.rules import KNOWN_IDS

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from estate import write_estate


def _document(count: int) -> dict[str, object]:
    item = {"rule": "OWN001", "message": "x" * 40, "line": 3, "path": [], "provenance": [{"file": "a.tf"}]}
    return {"version": 1, "findings": [{**item, "resource": f"aws_s3_bucket.b{n} ##[warning]"} for n in range(count)]}


def test_json_text_costs_about_its_output() -> None:
    document = _document(20_000)
    gc.collect()
    tracemalloc.start()
    try:
        text = json_text(document)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # the encoder's chunks all held at once cost 5-6 times the text; joined batch by batch, about twice
    assert peak < 3 * len(text)
    assert text == json.dumps(document, indent=2).replace("##[", "##\\u005b")


def _resource(address: str, stack: str, **fields: object) -> Resource:
    kind, name = address.split(".")
    return Resource(address, kind, name, "terraform", f"{stack}/main.tf", 1, 2, stack, **fields)  # type: ignore[arg-type]


def test_graph_shares_one_string_per_node() -> None:
    bucket = _resource("aws_s3_bucket.data", "infra/app")
    policy = _resource("aws_s3_bucket_policy.data", "infra/app", references=("aws_s3_bucket.data",))
    graph = build_graph([bucket, policy], load_config(None, KNOWN_IDS))
    node = next(n for n in graph.nodes if n == "infra/app//aws_s3_bucket.data")
    edge = next(e for e in graph.edges.values() if e.kind == "references")
    assert edge.target is node
    assert next(k for k in graph.resources if k == node) is node
    assert sys.getsizeof(graph.nodes[node]) < 100  # a tuple of five, not a dict (184 bytes and more)


def test_inheritance_leaves_no_garbage_cycle() -> None:
    config = load_config(None, KNOWN_IDS)
    place = Place("main.tf", 1, "tag owner", PlaceKind.ATTRIBUTE, "owner")
    role = _resource("aws_iam_role.r", ".", tags=(TagValue("owner", "platform", (place,)),))
    attached = _resource("aws_iam_role_policy.p", ".", links=(("role", "aws_iam_role.r"),))
    gc.collect()
    gc.disable()
    try:
        found = inherit_ownership(config, [role, attached])
        garbage = gc.collect()
    finally:
        gc.enable()
    assert found[1].tag("owner") is not None  # the child did inherit
    assert garbage == 0


def _peak(root: Path) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        loaded = load(Inputs(paths=(str(root),)))
        findings_of(select_rules((), ()), loaded, __import__("datetime").date(2026, 1, 1))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_grows_linearly(tmp_path: Path) -> None:
    write_estate(tmp_path / "one", 12, 12, resources=20)
    write_estate(tmp_path / "two", 24, 24, resources=20)
    _peak(tmp_path / "one")  # imports and caches first: they are no part of the growth
    one, two = _peak(tmp_path / "one"), _peak(tmp_path / "two")
    assert two <= 2.1 * one


ROOT_CALLING = 'provider "aws" {{}}\nmodule "m" {{\n  source = "../../modules/{module}"\n}}\n'
MODULE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'


def test_a_module_model_is_dropped_after_the_last_root_that_reaches_it(tmp_path: Path) -> None:
    from ownlint.loaders.terraform.backends import parser_for
    from ownlint.loaders.terraform.directories import ModuleLoader, ModuleSource
    from ownlint.loaders.terraform.roots import directory_calls, load_roots

    files = {
        "live/a/main.tf": ROOT_CALLING.format(module="shared"),
        "live/b/main.tf": ROOT_CALLING.format(module="shared"),
        "live/c/main.tf": ROOT_CALLING.format(module="own"),
        "modules/shared/main.tf": MODULE,
        "modules/own/main.tf": MODULE.replace('"q"', '"own"'),
        ".git/HEAD": "ref: refs/heads/main\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    root = tmp_path.resolve()
    loader = ModuleLoader(root, parser_for("auto"), root)
    scanned = sorted((root / name).parent for name in files if name.endswith(".tf"))
    held: list[tuple[set[str], int]] = []

    def evaluated(_: object) -> None:  # after each root: the directories whose model is still held
        models = {d.relative_to(root).as_posix() for d, s in loader.cache.items() if isinstance(s, ModuleSource)}
        held.append((models, len(loader.models)))

    calls = {d: directory_calls(loader, d) for d in scanned}
    roots = [root / "live/a", root / "live/b", root / "live/c"]
    trees, _ = load_roots(loader, scanned, roots, [], set(), evaluated, calls)
    assert len(trees) == 3
    assert held == [
        ({"live/b", "live/c", "modules/own", "modules/shared"}, 4),  # live/b still calls modules/shared
        ({"live/c", "modules/own"}, 2),
        (set(), 0),  # the memo of models by text is emptied with them
    ]
