"""Issue 20, a cold check of many small Terraform files: what writing the result cache and building the graph
cost per resource is counted, and each shortcut gives the same bytes and edges as the long way."""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli, write_tree
from ownlint.config import load_config
from ownlint.graph import build_graph
from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import LoadedTree
from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.rules import KNOWN_IDS


def _resource(address: str, tags: tuple[TagValue, ...], references: tuple[str, ...] = ()) -> Resource:
    kind, name = address.split(".")
    return Resource(address, kind, name, "terraform", "stack/main.tf", 1, 2, "stack", tags=tags, references=references)


def _payload(value: Any) -> bytes:
    return codec.dumps(value)


def _counting(monkeypatch: pytest.MonkeyPatch, kind: type[Any]) -> Counter[str]:
    """How often the encoder read the fields of a ``kind``."""
    counted: Counter[str] = Counter()
    getter = codec._GETTERS[kind]

    def counting(value: Any) -> Any:
        counted[kind.__name__] += 1
        return getter(value)

    monkeypatch.setitem(codec._GETTERS, kind, counting)
    return counted


def test_a_tag_shared_by_many_resources_is_encoded_once_per_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    """Module instances share their tags (one ``TagValue`` from the caller's input): a root's entry encodes such a
    value once, and writes it once (a reference each time it is met again: fewer bytes than encoding each copy on
    its own); decoding gives it back."""
    place = Place("stack/main.tf", 3, "tags of x", PlaceKind.ATTRIBUTE, "tags", "x")
    shared = (TagValue("Owner", "team-a", (place,)), TagValue("Env", None, (place,), "unknown: var.env"))
    tree = LoadedTree([_resource(f"aws_sqs_queue.q{n}", shared) for n in range(50)], [], [])
    copies = LoadedTree(
        [dataclasses.replace(r, tags=tuple(dataclasses.replace(t) for t in shared)) for r in tree.resources], [], []
    )
    assert all(a.tags[0] is not b.tags[0] for a, b in zip(tree.resources, copies.resources, strict=True))
    expected = _payload(copies)
    counted = _counting(monkeypatch, TagValue)
    found = _payload(tree)
    assert len(found) < 0.8 * len(expected)
    assert counted == {"TagValue": 2}
    for payload in (found, expected):
        assert codec.loads(payload) == tree


def test_values_met_again_are_encoded_alike_whatever_was_encoded_between() -> None:
    """A value met again is the same encoded value, whatever was encoded between."""
    one = Place("a.tf", 1, "x", PlaceKind.ATTRIBUTE, "tags", "x")
    two = Place("b.tf", 2, "y", PlaceKind.ATTRIBUTE, "tags", "y")
    first = (TagValue("Owner", "a", (one,)),)
    second = (TagValue("Owner", "b", (two, one)),)
    value = [first, second, first, {"k": first, "j": [second, 1, "t"]}, (first, second)]
    encoded = codec.encoder()(value)
    fresh = codec.encoder()
    assert encoded[2] is encoded[0] is encoded[3]["k"]
    assert encoded[4] == (encoded[0], encoded[1])
    assert codec.decode(encoded) == value
    assert fresh(value) == encoded


def test_the_graph_formats_each_resource_s_node_id_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``node_id`` formats (and interns) its text at each call: the graph's build asks it once per resource,
    not again for its ``contains`` and ``references`` edges; the nodes and edges are the same."""
    resources = [
        _resource("null_resource.a", ()),
        _resource("null_resource.b", (), ("null_resource.a",)),
        _resource("null_resource.c", (), ("null_resource.a", "null_resource.b")),
    ]
    config = load_config(None, KNOWN_IDS)
    expected = build_graph(resources, config)
    counted: Counter[str] = Counter()
    original = Resource.node_id

    def node_id(resource: Resource) -> str:
        counted[resource.address] += 1
        return original.fget(resource)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Resource, "node_id", property(node_id))
    graph = build_graph(resources, config)
    assert counted == {r.address: 1 for r in resources}
    assert graph.nodes == expected.nodes
    assert list(graph.edges.items()) == list(expected.edges.items())
    assert sorted((k[0], k[1], k[2]) for k in graph.edges) == [
        ("stack//null_resource.b", "stack//null_resource.a", "references"),
        ("stack//null_resource.c", "stack//null_resource.a", "references"),
        ("stack//null_resource.c", "stack//null_resource.b", "references"),
        ("stack:stack", "stack//null_resource.a", "contains"),
        ("stack:stack", "stack//null_resource.b", "contains"),
        ("stack:stack", "stack//null_resource.c", "contains"),
    ]


def _small_estate(root: Path) -> Path:
    files = {"modules/q/main.tf": 'variable "tags" {}\nresource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\n'}
    for stack in range(3):
        files[f"stacks/s{stack}/main.tf"] = (
            'module "q" {\n  source = "../../modules/q"\n  for_each = toset(["a", "b"])\n'
            '  tags = { Owner = "team-a" }\n}\n'
        )
    return write_tree(root, files)


def test_a_cold_run_hashes_each_result_entry_s_key_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry's key (a digest of its key material) is looked up, then written: made once, not twice; the
    warm run that follows replays what the cold one wrote, with the same output."""
    from ownlint.loaders.terraform import results

    repo = _small_estate(tmp_path / "repo")
    cache = tmp_path / "cache"
    counted: Counter[str] = Counter()
    original = results.ResultCache._key

    def key(self: Any, kind: str, directory: Path) -> str:
        counted[f"{kind} {directory}"] += 1
        return original(self, kind, directory)

    monkeypatch.setattr(results.ResultCache, "_key", key)
    cold = run_cli("check", "--cache-dir", str(cache), "--jobs", "1", "--format", "json", str(repo))
    assert counted and set(counted.values()) == {1}, counted
    monkeypatch.undo()
    warm = run_cli("check", "--cache-dir", str(cache), "--jobs", "1", "--format", "json", str(repo))
    uncached = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(repo))
    assert cold.exit_code == warm.exit_code == uncached.exit_code == 1
    assert cold.stdout == warm.stdout == uncached.stdout


def test_a_listing_s_recorded_real_path_comes_from_the_run_s_path_memo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing is recorded with its directory's real path (a link swapped in changes it): the run's memo
    gives it without a look at each of its parents (``os.path.realpath`` lstats every one), and a directory
    reached through a link is still recorded by its real path."""
    from ownlint.loaders.files import one_run
    from ownlint.loaders.terraform import reads

    repo = _small_estate(tmp_path / "repo")
    (repo / "linked").symlink_to(repo / "stacks" / "s0")
    real = os.path.realpath
    asked: list[str] = []

    def realpath(path: Any, *args: Any, **kwargs: Any) -> str:
        asked.append(os.fspath(path))
        return real(path, *args, **kwargs)

    with one_run():
        plain = reads._listing_value(repo / "stacks" / "s1", "stacks/s1", [])
        monkeypatch.setattr(os.path, "realpath", realpath)
        again = reads._listing_value(repo / "stacks" / "s1", "stacks/s1", [])
        linked = reads._listing_value(repo / "linked", "linked", [])
    assert json.loads(plain)[0] == json.loads(again)[0] == real(repo / "stacks" / "s1")
    assert json.loads(linked)[0] == real(repo / "stacks" / "s0")
    assert str(repo / "stacks" / "s1") not in asked


def _reference_weigh(value: Any) -> tuple[int, int, int]:
    """(elements, characters, steps) of a value as the budget's walk counts them: every list and map element
    at every level, every string and key's characters, one step per element of each container walked."""
    from ownlint.loaders.terraform.values import PartialMap

    if isinstance(value, str):
        return 0, len(value), 0
    if isinstance(value, PartialMap):
        value = value.known
    if isinstance(value, dict):
        totals = [(len(value), sum(map(len, value)), len(value))]
        totals.extend(_reference_weigh(child) for child in value.values())
    elif isinstance(value, list):
        totals = [(len(value), 0, len(value))]
        totals.extend(_reference_weigh(child) for child in value)
    else:
        return 0, 0, 0
    return sum(t[0] for t in totals), sum(t[1] for t in totals), sum(t[2] for t in totals)


def test_weighing_a_value_counts_its_steps_without_a_call_per_container(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every built list and map is weighed (a fifth of a small estate's evaluation): the walk counts its steps
    inline, not by a method call per container, and gives the same sizes, steps and limits."""
    from ownlint.loaders.terraform import budget
    from ownlint.loaders.terraform.values import PartialMap, Unknown

    values: list[Any] = [
        "text",
        7,
        None,
        ["a", ["bc", {"k": "v", "kk": [1, 2, "x"]}], ("t", "u")],
        {"Owner": "team", "nested": {"deep": ["1", "22", {"x": "yyy"}]}},
        PartialMap({"a": "b", "c": PartialMap({"d": ["e"]}, "unknown")}, "unknown"),
        [[[[["deep"]]]]],
        [Unknown("u"), {"u": Unknown("v")}],
    ]
    calls: list[int] = []
    original = budget.Budget.step

    def step(self: Any, count: int = 1) -> None:
        calls.append(count)
        original(self, count)

    monkeypatch.setattr(budget.Budget, "step", step)
    for value in values:
        spent = budget.Budget()
        size = spent.weigh(value, budget.Size(2, 3))
        elements, characters, steps = _reference_weigh(value)
        assert (size, spent.steps) == (budget.Size(elements + 2, characters + 3), steps), value
    assert calls == []
    nested: Any = "leaf"
    for _ in range(budget.MAX_VALUE_DEPTH + 1):
        nested = [nested]
    with pytest.raises(budget.OverBudget, match="nested more than"):
        budget.Budget().weigh(nested)
    wide = budget.Budget()
    with pytest.raises(budget.OverBudget, match="elements"):
        wide.weigh([["x"] * 1000] * 101)
    assert wide.steps == 101 + 100 * 1000  # it stops in the container where the limit was crossed
    spent = budget.Budget()
    spent.steps = budget.MAX_STEPS
    with pytest.raises(budget.OverBudget, match="evaluation steps"):
        spent.weigh(["a", "b"])


# conditionals and single operators of simple operands (validation conditions, count = x ? 1 : 0), and the
# near misses left to the tree: chains, several operators, unary ones, parentheses, comments and newlines
OPERATOR_CORNERS = [
    'a = x ? 1 : 0\nb = var.n > 0 ? "y" : null\nc = length(var.l) == 0\nd = f(x) != "a" ? [1] : { k = v }\n',
    "a = x == y\nb = x != y\nc = x < y\nd = x > y\ne = x <= y\nf = x >= y\ng = x && y\nh = x || y\n",
    "a = x + 1\nb = x - 1\nc = x * 2\nd = x / 2\ne = x % 2\nf = x -1\ng = 1 - x\nh = x.y[0] + f(z).w\n",
    "a = x ? y : z ? 1 : 2\nb = x == y == z\nc = x + y * z\nd = !x ? 1 : 2\ne = -x + 1\nf = x ? -1 : 1\n",
    "a = (x) ? 1 : 2\nb = x ? (y) : z\nc = x ? y : (z)\nd = x - - 1\ne = x ? y: z\nf = x ?y:z\ng = x?1:2\n",
    "a = x /* c */ + 1\nb = x # c\nc = x // c\nd = x + # c\n  1\ne = [x\n  == y]\nf = f(x ?\n  1 : 2)\n",
    "a = { k = x ? 1 : 2, j = y == 1 }\nb = {\n  k = x\n  j = y ? 1 : 2\n}\nc = [x ? 1 : 2, y + 1]\n",
    'a = "${x ? "a" : "b"}"\nb = "p-${x == 1}-s"\nc = x[y + 1]\nd = f(x ? y : z, w)\ne = x ? 1.5 : 2\n',
    "a = x < <<EOT\nhi\nEOT\nb = 1 + 2 + 3\nc = true ? false : null\nd = x.for ? 1 : 2\ne = for ? 1 : 2\n",
    'a = x ? y\n  : z\nb = x\n  ? y : z\nc = x ==\n  y\nd = "a" == "b"\ne = x ? "${y}" : "z-${w}"\n',
    "a = x>0?1:0\nb = x&&y||z\nc = x <= -1\nd = x == [1, 2]\ne = {} == x\nf = x == {}\n",
    # a dash is part of a name (tree-sitter-hcl lexes x-1 as one identifier): only spaced, it subtracts
    "a = x-1\nb = 1-2\nc = x.y-z.w\nd = true-x\ne = x--1\nf = for-x\ng = x.a-1[0]\nh = f-g(x)\ni = x.in-y\n",
    "a = null-x.y\nb = x-\nc = x-é\nd = x -1\ne = x - 1\nf = a-b.c-d ? e-f : g-h\ng = { a-b = 1 }\nh = x[0].a-b\n",
]


@pytest.mark.parametrize("text", OPERATOR_CORNERS)
def test_operators_and_conditionals_give_the_tree_s_model(text: str) -> None:
    from tests.test_cold_speed import models

    fast, reference = models(text)
    assert fast == reference
