"""Expressions that grow without bound (issue 15, item 5): doubling locals, replace chains, nested lists
through jsonencode/flatten, for over maps of maps, concat and merge products, join of huge lists, format
widths, deep for nesting, backtracking regular expressions, one large value used by many instances.

Each hostile module is checked by the CLI in a child process that may not take more than 1 GiB of
address space or a minute (before the evaluation budget, each was a MemoryError traceback or ran for
hours). With the budget each gives exactly one OWN012 that names the value and the limit it crossed, and
one OWN000 where the budget ran out: no real module comes near it, so a pull request that exhausts it
fails the gate instead of turning its findings into warnings."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import Run, write_tree

from ownlint.loaders.terraform.backends import parser_for
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.values import Unknown

TIMEOUT = 60  # seconds; a budgeted run takes about one
MEMORY = 1 << 30  # bytes of address space for the child: a failing test must not take the machine down
TAGS = '    operated-by = "internal"\n    data-classification = "internal"\n    compliance-scope = "none"\n'
CHARACTERS = "a value of more than 1048576 characters"
ELEMENTS = "a value of more than 100000 elements"
STEPS = "more than 1000000 evaluation steps in this root module"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def boxed_check(root: Path, *options: str) -> Run:
    """``ownlint check --format json`` on ``root`` in a child process limited in memory and time."""
    command = [sys.executable, "-m", "ownlint", "check", "--no-cache", "--format", "json", *options, str(root)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=_limit_memory, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"ownlint check did not finish within {TIMEOUT} s")
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return Run(done.returncode, done.stdout, done.stderr)


def bucket(locals_: list[str], owner: str) -> str:
    """A module whose locals are ``locals_`` (from line 2 on) and a bucket owned by ``owner``."""
    body = "".join(f"  {line}\n" for line in locals_)
    return f'locals {{\n{body}}}\n\nresource "aws_s3_bucket" "b" {{\n  tags = {{\n    owner = {owner}\n{TAGS}  }}\n}}\n'


def owner_unknown(tmp_path: Path, text: str) -> list[str]:
    """Exit code and findings of a check of ``text`` as main.tf: ``OWN012 resource: message``."""
    run = boxed_check(write_tree(tmp_path, {"main.tf": text}))
    return [f"exit {run.exit_code}", *(f"{f['rule']} {f['message']}" for f in run.json()["findings"])]


def stopped(reason: str) -> str:
    """The OWN000 of a root module whose evaluation crossed the budget for ``reason``."""
    return f"OWN000 {reason}; what depends on it is unknown"


def expected(reason: str, where: str) -> list[str]:
    """The gate fails: an OWN000 where the budget ran out, and one OWN012 on the bucket (its owner is
    unknown for ``reason``, reached through ``where``)."""
    return ["exit 1", stopped(reason), f"OWN012 aws_s3_bucket.b: cannot be known statically: owner: {reason} ({where})"]


def chain(first: str, step: str, count: int = 40, name: str = "s") -> list[str]:
    """``s0 = first`` and ``s1`` .. ``s40``, each ``step`` with ``{}`` standing for the previous local."""
    return [f"{name}0 = {first}", *(f"{name}{i} = {step.format(f'local.{name}{i - 1}')}" for i in range(1, count + 1))]


def test_forty_locals_doubling_a_string(tmp_path: Path) -> None:
    text = bucket(chain('"x"', '"${{{0}}}${{{0}}}"'), "local.s40")
    reason = f"evaluation budget exhausted in local.s21 (main.tf:23): {CHARACTERS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s8 (main.tf:10)")


def test_a_replace_chain(tmp_path: Path) -> None:
    text = bucket(chain('"x"', 'replace({0}, "x", "xx")'), "local.s40")
    reason = f"evaluation budget exhausted in local.s21 (main.tf:23): {CHARACTERS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s8 (main.tf:10)")


@pytest.mark.parametrize("use", ["jsonencode(local.s30)", 'join("", flatten(local.s30))'])
def test_nested_lists_through_jsonencode_and_flatten(tmp_path: Path, use: str) -> None:
    """(Past s16, lists holding unknown values double again, up to s32: 30 keeps one reason.)"""
    text = bucket(chain('["x"]', "[{0}, {0}]", 30), use)
    reason = f"evaluation budget exhausted in local.s16 (main.tf:18): {ELEMENTS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s0 (main.tf:2)")


def test_for_over_maps_of_maps(tmp_path: Path) -> None:
    text = bucket(
        chain('{a = "x", b = "y"}', '{{for k in ["a", "b"] : k => {0}}}', 30),
        'join(",", [for k, v in local.s30 : jsonencode(v)])',
    )
    reason = f"evaluation budget exhausted in local.s15 (main.tf:17): {ELEMENTS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s0 (main.tf:2)")


def test_a_concat_product(tmp_path: Path) -> None:
    text = bucket(chain('["x"]', "concat({0}, {0})"), 'join(",", local.s40)')
    reason = f"evaluation budget exhausted in local.s17 (main.tf:19): {ELEMENTS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s8 (main.tf:10)")


def test_merge_and_tomap_of_generated_maps(tmp_path: Path) -> None:
    first = '{for k in range(400) : "k${k}" => k}'
    step = 'merge({{for k, v in {0} : "a${{k}}" => v}}, {{for k, v in {0} : "b${{k}}" => v}})'
    text = bucket(chain(first, step, 10), "jsonencode(tomap(local.s10))")
    reason = f"evaluation budget exhausted in local.s8 (main.tf:10): {STEPS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s0 (main.tf:2)")


def test_string_multiplication_through_join_of_a_for(tmp_path: Path) -> None:
    locals_ = [*chain('"x"', '"${{{0}}}${{{0}}}"', 10), 'big = join("", [for i in range(1024) : local.s10])']
    locals_.append('huge = join("", [for i in range(1024) : local.big])')
    text = bucket(locals_, '"${local.huge}"')
    reason = f"evaluation budget exhausted in local.huge (main.tf:14): {CHARACTERS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s0 (main.tf:2)")


def test_many_large_strings_exhaust_the_root_modules_characters(tmp_path: Path) -> None:
    """Each string is allowed, together they are not: the budget of the root module is spent."""
    wide = 'wide = [for i in range(1000) : [for j in range(1000) : length("${local.s19}${j}")]]'
    text = bucket([*chain('"x"', '"${{{0}}}${{{0}}}"', 19), wide], "local.wide[0][0]")
    reason = "evaluation budget exhausted in local.wide (main.tf:22): more than 8000000 characters in this root module"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s0 (main.tf:2)")


@pytest.mark.parametrize("spec", ["%0999999999d", "%.999999999f", "%999999999s"])
def test_a_format_width(tmp_path: Path, spec: str) -> None:
    text = bucket([f'wide = format("{spec}", 1)'], "local.wide")
    reason = f"evaluation budget exhausted in local.wide (main.tf:2): {CHARACTERS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.wide (main.tf:2)")


BUSY = "j * 2 + j * 3 + j * 4 > 0"  # a dozen steps, one element


def test_range_is_bounded_but_for_nesting_is_not(tmp_path: Path) -> None:
    """A billion iterations building nothing large: the steps run out (building maps of 51200 keys,
    each a template, takes 600000 steps: the merge chain above stops there too)."""
    inner = f"length([for j in range(1000) : {BUSY}])"
    text = bucket([f"busy = length([for i in range(1000) : length([for k in range(1000) : {inner}])])"], "local.busy")
    reason = f"evaluation budget exhausted in local.busy (main.tf:2): {STEPS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.busy (main.tf:2)")


def test_deep_for_nesting_building_a_product(tmp_path: Path) -> None:
    product = "[for a in local.l : [for b in local.l : [for c in local.l : [for d in local.l : d]]]]"
    text = bucket(["l = range(100)", f"p = {product}"], "jsonencode(local.p)")
    reason = f"evaluation budget exhausted in local.p (main.tf:3): {ELEMENTS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.l (main.tf:2)")


def test_jsonencode_escaping_doubles_a_string(tmp_path: Path) -> None:
    text = bucket(chain('"\\""', "jsonencode([{0}])"), "local.s40")
    reason = f"evaluation budget exhausted in local.s19 (main.tf:21): {CHARACTERS}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.s8 (main.tf:10)")


@pytest.mark.parametrize(
    ("pattern", "detail"),
    [
        ("/(a+)+$/", "replace() with a regular expression that may backtrack exponentially"),
        ("/(a|aa)*$/", "replace() with a regular expression that may backtrack exponentially"),
        ("/a*a*a*a*a*b/", "replace() with a regular expression that may take more than 10000000 steps"),
    ],
)
def test_a_backtracking_regular_expression(tmp_path: Path, pattern: str, detail: str) -> None:
    text = bucket([f'x = replace("{"a" * 2000}!", "{pattern}", "")'], "local.x")
    reason = f"evaluation budget exhausted in local.x (main.tf:2): {detail}"
    assert owner_unknown(tmp_path, text) == expected(reason, "local.x (main.tf:2)")


def test_the_budget_covers_the_modules_a_root_calls(tmp_path: Path) -> None:
    """Each instance of the called module is cheap enough (half the steps); a thousand of them are not."""
    child = bucket([f"busy = length([for i in range(1000) : length([for j in range(40) : {BUSY}])])"], "local.busy")
    root = 'module "m" {\n  source = "./m"\n  count  = 1000\n}\n'
    run = boxed_check(write_tree(tmp_path, {"main.tf": root, "m/main.tf": child}))
    reason = f"evaluation budget exhausted in local.busy (m/main.tf:2): {STEPS}"
    findings = [f"{f['rule']} {f['message']}" for f in run.json()["findings"]]
    spent = ", ".join(sorted(f"module.m[{i}].aws_s3_bucket.b" for i in range(1, 1000)))  # [0] is known
    assert [f"exit {run.exit_code}", *findings] == [
        "exit 1",
        stopped(reason),
        f"OWN012 module.m.aws_s3_bucket.b: cannot be known statically: owner: {reason} (local.busy (m/main.tf:2))"
        f" (only in {spent})",
    ]


def test_a_large_value_used_by_many_instances(tmp_path: Path) -> None:
    """A policy of 98302 elements built from 16 small lists, given to a thousand instances that would
    each copy it (the graph reads policies): the root module's elements run out after five."""
    policy = (
        'resource "aws_iam_policy" "p" {\n  count  = 1000\n  policy = local.s15\n  tags   = { owner = local.team }\n}\n'
    )
    text = bucket([*chain('["x"]', "[{0}, {0}]", 15), 'team = "platform"'], "local.team") + policy
    run = boxed_check(write_tree(tmp_path, {"main.tf": text}))
    unknown = [f for f in run.json()["findings"] if f["rule"] == "OWN012"]
    reason = "evaluation budget exhausted: more than 500000 elements in this root module"
    [problem] = [(f["file"], f["line"], f["message"]) for f in run.json()["findings"] if f["rule"] == "OWN000"]
    assert (run.exit_code, problem) == (1, ("main.tf", 1, stopped(reason)[len("OWN000 ") :]))
    spent = ", ".join(sorted(f"aws_iam_policy.p[{i}]" for i in range(6, 1000)))  # the sixth policy crossed
    assert [f["message"] for f in unknown] == [
        f"aws_iam_policy.p: cannot be known statically: owner: {reason} (local.team (main.tf:18)) (only in {spent})"
    ]


def test_the_budget_is_the_same_in_one_process_and_in_two(tmp_path: Path) -> None:
    """Exhaustion is decided by counts, not by the clock: ``--jobs 1`` and ``--jobs 2`` print the same."""
    files = {f"filler{i}/main.tf": f'resource "aws_sqs_queue" "q{i}" {{\n  name = "q"\n}}\n' for i in range(64)}
    files["doubling/main.tf"] = bucket(chain('"x"', '"${{{0}}}${{{0}}}"'), "local.s40")
    files["busy/main.tf"] = bucket(
        [f"busy = length([for i in range(1000) : length([for j in range(1000) : {BUSY}])])"], "local.busy"
    )
    root = write_tree(tmp_path, files)
    one, two = boxed_check(root, "--jobs", "1"), boxed_check(root, "--jobs", "2")
    assert (two.stdout, two.exit_code) == (one.stdout, one.exit_code)
    found = [(f["rule"], f["file"]) for f in one.json()["findings"] if "evaluation budget exhausted" in f["message"]]
    assert sorted(found) == [(r, f"{d}/main.tf") for r in ("OWN000", "OWN012") for d in ("busy", "doubling")]


BIG = "1" + "0" * 400  # more than a float holds


@pytest.mark.parametrize(
    "expression",
    [
        'replace("a", "/a**/", "")',
        'format("%s %s", "a")',
        "element([], 1)",
        f"{BIG} * 1",
        f'format("%d", {BIG[:300]} * {BIG[:300]})',
        f"range({BIG})",
    ],
)
def test_statically_wrong_arguments_are_unknown_not_a_traceback(expression: str) -> None:
    parsed = parser_for("tree-sitter")(f"locals {{\n  x = {expression}\n}}\n", "e.tf")
    value = Evaluator({}, {}).value(parsed.blocks[0].attributes[0].expr)
    assert isinstance(value, Unknown)
    assert value.reason.startswith("evaluation error: ")
