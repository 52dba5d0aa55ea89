"""What the scanned tree feeds the loaders: plans found in the tree, undecodable text, nesting, and what
discovery drops (issue 15, items 2, 10, 11 and the low ones on Helm charts and unreadable directories)."""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import run_cli

from ownlint.loaders import nesting
from ownlint.loaders.nesting import MAX_DEPTH, too_deep

BUCKET = 'resource "aws_s3_bucket" "x" {\n  bucket = "x"\n}\n'
EMPTY_PLAN = '{"format_version":"1.2","terraform_version":"1.9.0","resource_changes":[]}\n'
FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab", "markdown")


def _check(*args: str, input: str | None = None) -> tuple[int, list[str], list[tuple[str, str, int, str]]]:
    """Exit code, notes, and the findings (rule, file, line, resource) of a JSON check."""
    run = run_cli("check", "--no-cache", "--format", "json", *args, input=input)
    notes = [line for line in run.stderr.splitlines() if line.startswith("note: ")]
    found = [(f["rule"], f["file"], f["line"], f["resource"] or f["message"]) for f in run.json()["findings"]]
    return run.exit_code, notes, found


def _problems(*args: str, input: str | None = None) -> list[str]:
    run = run_cli("check", "--no-cache", "--format", "json", *args, input=input)
    return [f"{f['file']}:{f['line']} {f['message']}" for f in run.json()["findings"] if f["rule"] == "OWN000"]


# --- item 2: a plan in the tree never replaces the configuration -------------------------------------


def test_a_plan_committed_beside_the_configuration_is_not_read(tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree({"main.tf": BUCKET, "evil.json": EMPTY_PLAN, "sub/other.json": EMPTY_PLAN})
    monkeypatch.chdir(root)  # notes name files from the current directory
    code, notes, found = _check(str(root))
    assert code == 1
    assert ("OWN001", "main.tf", 1, "aws_s3_bucket.x") in found
    assert {f[1] for f in found} == {"main.tf"}  # nor is it read as a manifest
    assert notes == [
        "note: not read: 2 files that look like a Terraform plan (evil.json, sub/other.json); "
        "ownlint reads a plan only when it is given with --plan FILE"
    ]


def test_a_plan_named_as_a_path_is_not_read_either(tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit names changed files as paths: a committed plan among them is still from the tree."""
    root = tree({"main.tf": BUCKET, "evil.json": EMPTY_PLAN})
    monkeypatch.chdir(root)
    code, notes, found = _check(str(root / "main.tf"), str(root / "evil.json"))
    assert code == 1 and ("OWN001", "main.tf", 1, "aws_s3_bucket.x") in found
    assert len(notes) == 1 and "(evil.json)" in notes[0]


def test_a_plan_given_with_the_option_is_read_and_not_noted(tree: Any) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.x",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "x",
                "change": {"actions": ["create"], "after": {"tags_all": {"owner": "a", "operated-by": "internal"}}},
            }
        ],
    }
    root = tree({"main.tf": BUCKET, "plan.json": json.dumps(plan)})
    code, notes, found = _check(str(root), "--plan", str(root / "plan.json"), "--select", "OWN000,OWN001")
    assert (code, notes, found) == (0, [], [])


def test_a_plan_that_drops_declared_resources_is_a_located_problem(tree: Any, tmp_path: Path) -> None:
    tree(
        {
            "config/main.tf": BUCKET
            + 'resource "aws_sqs_queue" "never" {\n  count = 0\n}\n'
            + 'resource "aws_sqs_queue" "none" {\n  for_each = {}\n}\n'
            + 'resource "aws_sqs_queue" "maybe" {\n  count = var.n\n}\n'
            + 'variable "n" {}\n'
            + 'data "aws_caller_identity" "me" {}\n'
            + 'module "m" {\n  source = "./m"\n}\n',
            "config/m/main.tf": 'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n',
            "config/providers.tf": 'provider "aws" {}\n',  # the root module the plan is made from
            "plan.json": EMPTY_PLAN,
        }
    )
    config = tmp_path / "config"
    code, notes, found = _check(str(config), "--plan", str(tmp_path / "plan.json"), "--select", "OWN000,OWN001")
    message = "the plan {} has no {} that {} declares: is the plan from this configuration? It is checked from the configuration"
    assert code == 1 and notes == []
    assert found == [
        ("OWN000", "m/main.tf", 1, message.format("../plan.json", "module.m.aws_sns_topic.t", "m/main.tf:1")),
        ("OWN001", "m/main.tf", 1, "module.m.aws_sns_topic.t"),
        ("OWN000", "main.tf", 1, message.format("../plan.json", "aws_s3_bucket.x", "main.tf:1")),
        ("OWN001", "main.tf", 1, "aws_s3_bucket.x"),
    ]  # the plan decides how many of a counted resource exist: "maybe" has none, as the plan says


# --- item 10: lone surrogates are never a traceback ---------------------------------------------------

SURROGATES = {
    "cm.json": '{"apiVersion": "v1", "kind": "ConfigMap",\n'
    ' "metadata": {"name": "a\\ud800b", "labels": {"owner": "x\\udc00", "k\\udfff": "v"}}}\n',
    "tfjson/main.tf.json": '{"resource": {"aws_s3_bucket": {"x": {"bucket": "b",\n'
    '  "tags": {"owner": "\\ud83d\\ude00\\ud800", "operated-by": "\\udc00"}}}}}\n',
    "hcl/main.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = "b"\n  tags = { owner = "a\\ud800" }\n}\n',
    "big/main.tf": 'resource "aws_s3_bucket" "y" {\n  bucket = "b"\n  tags = { owner = "a\\U00110000" }\n}\n',
    "cm.yaml": 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\\ud800"\n',
}


@pytest.fixture
def surrogates(tree: Any) -> Path:
    root: Path = tree(SURROGATES)
    name = os.fsencode(root) + b"/\xff.yaml"
    with open(name, "w") as stream:
        stream.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    os.mkdir(os.fsencode(root) + b"/d\xfe")
    with open(os.fsencode(root) + b"/d\xfe/main.tf", "w") as stream:
        stream.write(BUCKET)
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_lone_surrogates_never_traceback_in_any_format(surrogates: Path, fmt: str, tmp_path: Path) -> None:
    for parser in ("tree-sitter", "hcl2"):
        run = run_cli("check", "--no-cache", "--parser", parser, "--format", fmt, str(surrogates))
        assert run.exit_code == 1, run.stderr
        written = run_cli("check", "--no-cache", "--format", fmt, "-o", str(tmp_path / "out"), str(surrogates))
        assert written.exit_code == 1 and (tmp_path / "out").read_text("utf-8")


@pytest.mark.parametrize("parser", ["tree-sitter", "hcl2"])
def test_lone_surrogates_are_replaced_as_the_tools_do_or_located_problems(surrogates: Path, parser: str) -> None:
    run = run_cli("check", "--no-cache", "--parser", parser, "--format", "json", str(surrogates))
    findings = run.json()["findings"]
    assert [f"{f['file']}:{f['line']} {f['message']}" for f in findings if f["rule"] == "OWN000"] == [
        "\\xff.yaml:1 file name is not UTF-8; not read",
        "big/main.tf:3 invalid HCL: invalid escape sequence: cannot encode character U+110000 in UTF-8",
        "cm.yaml:4 invalid YAML: found invalid Unicode character escape code",
        "d\\xfe/main.tf:1 file name is not UTF-8; not read",
        "hcl/main.tf:3 invalid HCL: invalid escape sequence: cannot encode character U+D800 in UTF-8",
    ]
    # JSON, as kubectl and Terraform decode it: a lone surrogate is U+FFFD, a pair is its character
    resources = {f["resource"] for f in findings}
    assert "ConfigMap/default/a\ufffdb" in resources
    assert "aws_s3_bucket.x" in resources
    from ownlint.inputs import Inputs
    from ownlint.pipeline import load

    loaded = {r.address: r for r in load(Inputs(paths=(str(surrogates / "tfjson"),))).resources}
    assert [(t.key, t.value) for t in loaded["aws_s3_bucket.x"].tags] == [
        ("owner", "\U0001f600\ufffd"),
        ("operated-by", "\ufffd"),
    ]


def test_undecodable_standard_input_is_a_located_problem() -> None:
    manifest = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\xff\n"
    assert _problems("-", input=manifest) == ["<stdin>:4 not UTF-8 text"]  # type: ignore[arg-type]


def test_a_surrogate_in_a_plan_is_replaced(tree: Any) -> None:
    """Terraform writes plans with Go's JSON encoder, which never writes a lone surrogate; one that is
    there anyway is read as U+FFFD, so no value downstream (reports, the audit store) holds one."""
    from ownlint.inputs import Inputs
    from ownlint.loaders.terraform.inputs import TerraformInputs
    from ownlint.pipeline import load

    change = {"address": "aws_s3_bucket.x", "mode": "managed", "type": "aws_s3_bucket", "name": "x"}
    change["change"] = {"actions": ["create"], "after": {"tags_all": {"owner": "a\ud800", "operated-by": "\udfff"}}}
    plan = json.dumps({"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": [change]})
    root = tree({"main.tf": BUCKET, "p/plan.json": plan})
    inputs = Inputs(paths=(str(root),), terraform=TerraformInputs(plans=(str(root / "p/plan.json"),)))
    [bucket] = load(inputs).resources
    assert [(t.key, t.value) for t in bucket.tags] == [("owner", "a\ufffd"), ("operated-by", "\ufffd")]
    for fmt in FORMATS:
        run = run_cli("check", "--no-cache", "--format", fmt, "--plan", str(root / "p/plan.json"), str(root))
        assert run.exit_code == 1


def test_jsondecode_replaces_a_lone_surrogate_as_terraform_does(tree: Any) -> None:
    root = tree(
        {
            "main.tf": 'locals {\n  bad = jsondecode("\\"a\\\\ud800b\\"")\n}\n'
            'resource "aws_s3_bucket" "x" {\n  bucket = "b"\n  tags = { owner = local.bad }\n}\n'
        }
    )
    run = run_cli("explain", "aws_s3_bucket.x", str(root))
    assert run.exit_code == 0 and "owner = 'a\ufffdb'" in run.stdout


# --- item 11: nesting is bounded before any recursive composer sees it ----------------------------------

DEEP = {
    "dashes": "- " * 5000 + "a\n",
    "dashes-in-a-document": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n" + "- " * 5000 + "a\n",
    "brackets-in-quotes": "apiVersion: v1\nkind: ConfigMap\ndata: [a', " + "[" * 5000 + "]" * 5000 + ", 'b]\n",
    "mapping-in-sequence": "x: " + "[a: " * 3000 + "]" * 3000 + "\n",
    "keys": "".join(f"{' ' * d}k{d}:\n" for d in range(1500)),
}


def _event_depth(text: str) -> int:
    """The deepest nesting libyaml's parser (not recursive) reports, up to an error."""
    depth = deepest = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    return deepest


@pytest.mark.parametrize("case", sorted(DEEP))
def test_nesting_the_old_guard_missed_is_found_on_its_line(case: str) -> None:
    """The line where nesting first exceeds the limit (100 here: libyaml 0.2.6 refuses 1000 itself)."""
    text = DEEP[case]
    assert too_deep(text, 100) == text.count("\n", 0, _position_of_depth(text, 101)) + 1


def _position_of_depth(text: str, wanted: int) -> int:
    """Where the collection ``wanted`` deep starts (libyaml >= 0.2.6 may refuse 1000 levels on the same
    line before delivering it: it scans ahead for a ':' on that line)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth == wanted:
                    return int(event.start_mark.index)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        if error.problem == "exceeded maximum nesting depth" and error.problem_mark is not None:
            return int(error.problem_mark.index)
        raise
    raise AssertionError("not that deep")


TOKENS = [
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ":",
    "? ",
    ",",
    "'",
    '"',
    "#",
    "\n",
    " ",
    "  ",
    "\t",
    "a",
    "&x ",
    "*x",
    "|",
    "---\n",
]
YAMLISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(YAMLISH)
def test_whatever_the_guard_lets_through_nests_no_deeper_than_the_limit(text: str) -> None:
    limit = 3
    if too_deep(text, limit) is None:
        assert _event_depth(text) <= limit


COLUMN_TOKENS = [*TOKENS, "\r", "\r\n", "\x85", "\u2028", "&x ", "!t ", "!!seq ", "--- ", "-\t", "?\t", ":\t"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(COLUMN_TOKENS), max_size=80).map("".join), st.integers(0, 6))
def test_block_collections_nest_no_deeper_than_two_a_column(text: str, columns: int) -> None:
    """The column bound the guard takes for large text: with no line prefix of indentation and compact
    indicators longer than ``columns``, blocks nest at most ``2 * (columns + 2)`` deep, brackets aside."""
    if nesting._indented_within(text, columns):
        assert _event_depth(text) <= 2 * (columns + 2) + 2 * text.count("[") + text.count("{")


def test_a_large_manifest_is_measured_without_parsing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CustomResourceDefinition has thousands of indicators but is shallow by its columns: no event parse
    (kube-prometheus: a third of a warm check went to parsing its CRDs twice)."""
    described = {n: "'a [list] {of} x'" if n % 25 == 0 else "a plain one" for n in range(800)}
    properties = "".join(f"      f{n}:\n        type: string\n        description: {d}\n" for n, d in described.items())
    text = "apiVersion: v1\nkind: CustomResourceDefinition\nspec:\n  schema:\n    properties:\n" + properties
    deep = "a:\n" + "".join(f"{' ' * (2 * n + 2)}k{n}:\n" for n in range(1200))
    monkeypatch.setattr(yaml, "parse", _no_parse)  # imported by nesting when it measures events
    assert too_deep(text) is None
    with pytest.raises(AssertionError, match="parsed"):
        too_deep(deep)


def _no_parse(*args: object, **kwargs: object) -> None:
    raise AssertionError("parsed")


def test_guard_is_exact_enough_for_ordinary_text() -> None:
    assert too_deep("a: [1, 2, {b: c}]\nd:\n  - e\n  - f: g\n", 3) is None
    assert too_deep("a: [1, 2, {b: [c]}]\n", 3) == 1
    assert too_deep("s: '[[[[[[[[[['\nt: \"{{{{{{{{{{\"\n", 2) is None  # brackets in quotes do not nest


@pytest.mark.parametrize("case", ["dashes-in-a-document", "brackets-in-quotes"])
def test_deep_manifests_are_a_located_problem_and_never_composed(
    case: str, tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders.kubernetes import composing as kubernetes

    class NoDeepCompose(kubernetes.ManifestLoader):  # type: ignore[misc, valid-type]
        def get_node(self) -> Any:
            node = super().get_node()
            assert _node_depth(node) <= MAX_DEPTH
            return node

    monkeypatch.setattr(kubernetes, "ManifestLoader", NoDeepCompose)
    root = tree({"deep.yaml": DEEP[case]})
    line = too_deep(DEEP[case])
    assert _problems(str(root)) == [
        f"deep.yaml:{line} invalid YAML: nested more than {MAX_DEPTH} levels deep; not parsed"
    ]


def _node_depth(node: Any) -> int:
    deepest, pending = 0, [(node, 1)]
    while pending:
        current, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(current, yaml.SequenceNode):
            pending.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            pending.extend((child, depth + 1) for pair in current.value for child in pair)
    return deepest


def test_deep_terraform_json_and_json_manifests_are_located_problems(tree: Any) -> None:
    root = tree(
        {
            "dashes.tf.json": "- " * 5000 + "a\n",  # Terraform JSON is read as YAML first, for its lines
            "deep.tf.json": '{"locals": {"x":\n' + "[" * 5000 + "]" * 5000 + "}}",
            "deep.json": '{"apiVersion": "v1", "kind": "ConfigMap",\n"data": ' + "[" * 5000 + "]" * 5000 + "}",
        }
    )
    assert _problems(str(root)) == [
        "dashes.tf.json:1 invalid JSON: nested more than 1000 levels deep; not parsed",
        "deep.json:2 invalid JSON: nested more than 1000 levels deep; not parsed",
        "deep.tf.json:2 invalid JSON: nested more than 1000 levels deep; not parsed",
    ]


def test_deep_json_inside_the_tree_is_never_a_traceback(tree: Any) -> None:
    """JSON the loaders decode beyond the scanned files: a policy document written as a string, and a
    committed ``.terraform/modules/modules.json``. Neither is valid, so neither is read: no traceback."""
    deep = "[" * 100_000 + "]" * 100_000
    root = tree(
        {
            "ownlint.yaml": "parties:\n  internal: [platform]\n  msp:\n    acme:\n      identities:\n"
            '        aws_principals: ["arn:aws:iam::111122223333:root"]\n',
            "main.tf": f'resource "aws_iam_policy" "p" {{\n  policy = "{deep}"\n}}\n'
            'module "m" {\n  source = "git::https://example.com/m.git"\n}\n',
            ".terraform/modules/modules.json": deep,
        }
    )
    code, _, found = _check(str(root), "--select", "OWN000,OWN001")
    assert (code, found) == (1, [("OWN001", "main.tf", 1, "aws_iam_policy.p")])


def test_a_deep_config_is_a_one_line_error(tree: Any) -> None:
    root = tree({"ownlint.yaml": "parties:\n  internal:\n" + "    " + "- " * 5000 + "a\n", "main.tf": BUCKET})
    run = run_cli("check", "--no-cache", str(root))
    assert (run.exit_code, run.stderr) == (
        2,
        f"ownlint: error: {root / 'ownlint.yaml'}:3: invalid YAML: nested more than 64 levels deep\n",
    )  # the config's own bound (config_yaml), tighter than the manifests' {MAX_DEPTH}


# --- low: Helm charts, unreadable directories, over-long paths -------------------------------------------

PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"
TEMPLATED = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"


@pytest.mark.parametrize("chart", ["", "{}\n", "[not, a, mapping]\n", "name: x\n", "apiVersion: v2\n", "{{{\n"])
def test_a_chart_yaml_that_is_no_chart_hides_nothing(tree: Any, chart: str) -> None:
    root = tree({"c/Chart.yaml": chart, "c/templates/cm.yaml": PLAIN})
    code, notes, found = _check(str(root), "--select", "OWN001")
    assert (code, notes, found) == (1, [], [("OWN001", "c/templates/cm.yaml", 1, "ConfigMap/default/plain")])


def test_in_a_real_chart_only_files_with_template_actions_are_skipped(
    tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tree(
        {
            "c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
            "c/templates/plain.yaml": PLAIN,
            "c/templates/sub/tpl.yaml": TEMPLATED,
            "c/templates/_partial.yaml": PLAIN,  # helm never renders files whose name starts with _
        }
    )
    monkeypatch.chdir(root)
    code, notes, found = _check(str(root), "--select", "OWN001")
    assert (code, found) == (1, [("OWN001", "c/templates/plain.yaml", 1, "ConfigMap/default/plain")])
    assert notes == [
        "note: skipped 2 Helm chart template files in c: render them first, e.g. `helm template CHART | ownlint check -`"
    ]


def test_an_unreadable_directory_is_a_located_problem(tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree({"main.tf": BUCKET, "locked/main.tf": BUCKET})
    scandir = os.scandir

    def refusing(path: Any = ".") -> Iterator[os.DirEntry[str]]:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    assert _problems(str(root)) == ["locked:1 cannot list directory: Permission denied; its files are not checked"]


def test_an_unreadable_directory_for_real(tree: Any) -> None:
    if os.geteuid() == 0:
        pytest.skip("root lists every directory: the injected error above covers this as root")
    root = tree({"main.tf": BUCKET, "locked/main.tf": BUCKET})
    (root / "locked").chmod(0)
    try:
        assert _problems(str(root)) == ["locked:1 cannot list directory: Permission denied; its files are not checked"]
    finally:
        (root / "locked").chmod(0o755)


def test_paths_too_long_to_open_are_located_problems(tmp_path: Path) -> None:
    """Longer than PATH_MAX (4096; root cannot get past that either), made relative to open directories:
    a directory that can be listed holds a file and a directory whose paths cannot be opened."""
    (tmp_path / "main.tf").write_text(BUCKET)
    parts: list[str] = []
    descriptor = os.open(tmp_path, os.O_RDONLY)
    while len(str(tmp_path)) + sum(len(p) + 1 for p in parts) < 3900:  # a directory 3900 characters long
        segment = "d" * min(200, 3900 - len(str(tmp_path)) - sum(len(p) + 1 for p in parts) - 1 or 1)
        os.mkdir(segment, dir_fd=descriptor)
        inner = os.open(segment, os.O_RDONLY, dir_fd=descriptor)
        os.close(descriptor)
        descriptor, parts = inner, [*parts, segment]
    room = 4096 - len(str(tmp_path)) - sum(len(p) + 1 for p in parts) - 1
    long_name, long_directory = "f" * (room - 3) + ".tf", "g" * room
    for name in (long_name, "main.tf"):
        handle = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(handle, BUCKET.encode())
        os.close(handle)
    os.mkdir(long_directory, dir_fd=descriptor)
    os.close(descriptor)
    deep = "/".join(parts)
    assert [p.replace(deep, "DEEP") for p in _problems(str(tmp_path))] == [
        "DEEP/" + long_name + ":1 cannot read file: File name too long",
        "DEEP/" + long_directory + ":1 cannot list directory: File name too long; its files are not checked",
    ]


def test_notes_and_problems_name_paths_as_found(tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan-like file's note shows its name from the current directory, one line."""
    root = tree({"main.tf": BUCKET, "a b/evil.json": EMPTY_PLAN})
    monkeypatch.chdir(root)
    _, notes, _ = _check(str(root))
    assert len(notes) == 1 and "(a b/evil.json)" in notes[0] and "\n" not in notes[0]
    assert re.fullmatch(r"note: not read: 1 file that looks .*", notes[0])


@pytest.mark.parametrize("name", ["pipe.yaml", "pipe.json", "pipe.tf", "terraform.tfvars"])
def test_a_fifo_in_the_tree_is_a_located_problem_never_a_hang(tmp_path: Path, name: str) -> None:
    """A pull request can commit no FIFO, but a CI job may scan a tree where one was made (a build step,
    a cache): reading it would block for ever. It is a located OWN000, and the rest is checked."""
    import subprocess
    import sys

    os.mkfifo(tmp_path / name)
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  tags = { owner = "platform" }\n}\n')
    command = [sys.executable, "-m", "ownlint", "check", str(tmp_path), "--no-cache", "--format", "json"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    found = json.loads(run.stdout)["findings"]
    assert run.returncode == 1, run.stderr
    assert [f["file"] for f in found if f["rule"] == "OWN000"] == [name]
    assert any(f["resource"] == "aws_sqs_queue.q" for f in found)
