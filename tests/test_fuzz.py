"""Fuzzing: random and mutated HCL and YAML into the loaders and the evaluator (nothing escapes but a
located problem, in bounded time), locals that build on each other until they explode (the evaluation
budget stops them, in bounded time and memory), and properties of whole checks: the order of files and
blocks, and formatting, never change the findings. ``pytest --hypothesis-profile=long`` runs many more
examples."""

from __future__ import annotations

import functools
import random
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.conftest import FIXTURES, run_cli

from ownlint.loaders.kubernetes.documents import collect as _collect
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.backends import parser_for
from ownlint.loaders.terraform.directories import ModuleLoader
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.values import PartialMap, Unknown
from ownlint.model import LoadProblem, Place, PlaceKind

SEEDS_HCL = sorted((FIXTURES / "example" / "terraform").rglob("*.tf"))
SEEDS_YAML = sorted((FIXTURES / "example" / "kubernetes").rglob("*.yaml"))
HCL_TOKENS = st.sampled_from([*'{}[]()"=<>#\n\t ${}%~!?:,.*/\\-+_abcxyz0129EOT', "<<EOT\n", "\nEOT\n", "${", "%{"])
YAML_TOKENS = st.sampled_from([*"{}[]:-&*!|>'\"#\n ,?%@`abc019", "\n  ", "\n- ", "---\n", "!!python/object ", "<<: "])
SLOW = 2.0  # seconds: no input may take longer


def _mutated(seed: str, edits: list[tuple[int, int, str]]) -> str:
    text = seed
    for position, length, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length % 8 :]
    return text


def _tokens(tokens: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    return st.lists(tokens, max_size=most).map("".join)


EDITS = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 7), _tokens(HCL_TOKENS, 6)), max_size=6)


def _load_hcl(directory: Path, text: str, parser: str) -> m.HclFile | LoadProblem:
    loader = ModuleLoader(directory, parser_for(parser), directory)
    target = directory / "fuzz.tf"
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.monotonic()
    result = loader.load_file(target, "fuzz.tf")
    assert time.monotonic() - started < SLOW
    return result


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(SEEDS_HCL), edits=EDITS, parser=st.sampled_from(["tree-sitter", "hcl2"]))
def test_mutated_hcl_parses_or_is_a_located_problem(
    tmp_path: Path, seed: Path, edits: list[tuple[int, int, str]], parser: str
) -> None:
    result = _load_hcl(tmp_path, _mutated(seed.read_text(), edits), parser)
    assert isinstance(result, (m.HclFile, LoadProblem))
    if isinstance(result, LoadProblem):
        assert result.file == "fuzz.tf" and result.line >= 1 and result.message


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_tokens(HCL_TOKENS, 300))
def test_random_hcl_text_parses_or_is_a_located_problem(tmp_path: Path, text: str) -> None:
    assert isinstance(_load_hcl(tmp_path, text, "tree-sitter"), (m.HclFile, LoadProblem))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS_YAML),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 7), _tokens(YAML_TOKENS, 6)), max_size=6),
)
def test_mutated_manifests_load_or_are_a_located_problem(seed: Path, edits: list[tuple[int, int, str]]) -> None:
    found: list[object] = []
    problems: list[LoadProblem] = []
    started = time.monotonic()
    _collect("fuzz.yaml", _mutated(seed.read_text(), edits), found, problems)  # type: ignore[arg-type]
    assert time.monotonic() - started < SLOW
    assert all(p.file == "fuzz.yaml" and p.line >= 1 for p in problems)


EXPRESSIONS = st.recursive(
    st.sampled_from(
        ['"a"', "1", "true", "null", "local.x", "var.v", "each.key", "count.index", "[]", "{}", "path.module"]
    ),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "==", "&&", "||", "<"]), inner).map(" ".join),
        st.tuples(
            st.sampled_from(
                [
                    "merge",
                    "lookup",
                    "concat",
                    "length",
                    "upper",
                    "range",
                    "format",
                    "coalesce",
                    "try",
                    "jsonencode",
                    "keys",
                    "flatten",
                    "join",
                ]
            ),
            st.lists(inner, max_size=3),
        ).map(lambda c: f"{c[0]}({', '.join(c[1])})"),
        inner.map(lambda e: f"[{e}, {e}]"),
        inner.map(lambda e: f"{{ k = {e} }}"),
        inner.map(lambda e: f"({e})[0]"),
        inner.map(lambda e: f'"${{{e}}}-x"'),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        inner.map(lambda e: f"[for i in {e} : i]"),
    ),
    max_leaves=12,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=EXPRESSIONS)
def test_the_evaluator_never_raises_on_any_expression(expression: str) -> None:
    parsed = parser_for("tree-sitter")(f"locals {{\n  x = {expression}\n  y = local.x\n}}\n", "e.tf")
    attribute = parsed.blocks[0].attributes[1]
    started = time.monotonic()
    local = parsed.blocks[0].attributes[0]
    Evaluator({}, {"x": Binding(local.expr, Place("e.tf", local.line, "local.x", PlaceKind.LOCAL, "x"))}).value(
        attribute.expr
    )
    assert time.monotonic() - started < SLOW


# Locals built from earlier locals (and sometimes from themselves or later ones): chains that double a
# string, a list or a map at every step, through the functions that can build large values. Each family
# keeps its type, so that chains grow rather than stop at a type error; a few steps mix families.
FAMILIES = {
    "string": (
        ['"x"', '"x,y"', '"\\""'],
        [
            '"${{{a}}}${{{b}}}"',
            'replace({a}, "x", {b})',
            'join("", [{a}, {b}])',
            "jsonencode([{a}, {b}])",
            'format("%s%s", {a}, {b})',
            'replace({a}, "/(x)/", "$1${{{b}}}")',
            "upper({a})",
            "{a} == {b} ? {a} : {b}",
        ],
    ),
    "list": (
        ['["x", "y"]', "range(8)"],
        [
            "[{a}, {b}]",
            "concat({a}, {b})",
            "flatten([{a}, {b}])",
            "[for v in {a} : {b}]",
            '[for x in {a} : [for y in {b} : "${{x}}${{y}}"]]',
            'split(",", join(",", concat({a}, {b})))',
            "distinct(concat({a}, {b}))",
        ],
    ),
    "map": (
        ['{a = "x", b = "y"}', '{for i in range(8) : "k${i}" => i}'],
        [
            "merge({a}, {{k = {b}}})",
            '{{for k, v in {a} : "${{k}}x" => {b}}}',
            'merge({{for k, v in {a} : "a${{k}}" => v}}, {{for k, v in {b} : "b${{k}}" => v}})',
            "tomap({{a = {a}, b = {b}}})",
            "zipmap(keys({a}), values({b}))",
            "{{for k, v in {a} : k => [v, {b}]}}",
            "length({a}) > 0 ? {a} : {b}",
        ],
    ),
}


NOT_EVALUATED = ['formatlist("%s-%s", {a}, {b})', "setproduct({a}, {b})", "strrev({a})"]  # unknown: they stop a chain


@st.composite
def locals_that_double(draw: st.DrawFn) -> list[str]:
    """``s0 = seed`` then ``sN = template(a, b)``: a step is mostly the example's main template (a chain
    doubles the same way at every step), else another of its family or any; a and b are mostly the
    local just before, else any earlier one, and in some examples any at all (itself, later: cycles)."""
    seeds, templates = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))]
    anything = [*(t for _, family in FAMILIES.values() for t in family), *NOT_EVALUATED]
    main = draw(st.sampled_from(templates))
    count = draw(st.integers(10, 40))
    cycles = draw(st.booleans())

    def local(index: int) -> str:
        pick = draw(st.integers(0, 9))
        earlier = index - 1 if pick < 8 else draw(st.integers(0, count - 1 if cycles and pick == 9 else index - 1))
        return f"local.s{earlier}"

    lines = [f"s0 = {draw(st.sampled_from(seeds))}"]
    for index in range(1, count):
        pick = draw(st.integers(0, 9))
        template = main if pick < 8 else draw(st.sampled_from(templates if pick == 8 else anything))
        lines.append(f"s{index} = {template.format(a=local(index), b=local(index))}")
    return lines


MEMORY = 1 << 30  # address space an example may add: a budget that fails must not take the machine down
GROWTH_KIB = 100 * 1024  # peak resident memory an example may add


@functools.cache
def _address_space_limit() -> int:
    """What the process may map while fuzzing: what it has when the first example starts, and 1 GiB
    more (fixed: failing examples that hypothesis keeps must not raise it for the next ones)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize() + MEMORY


@contextmanager
def _address_space_capped() -> Iterator[None]:
    """A MemoryError past ``_address_space_limit``, while in the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space_limit()
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _explained(value: Any) -> bool:
    """Known, or unknown with a reason, at every depth."""
    if isinstance(value, Unknown):
        return bool(value.reason)
    if isinstance(value, PartialMap):
        return all(value.reasons) and bool(value.reasons) and _explained(value.known)
    if isinstance(value, dict):
        return all(_explained(v) for v in value.values())
    if isinstance(value, list):
        return all(_explained(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=locals_that_double())
def test_locals_that_double_each_other_stay_within_the_evaluation_budget(lines: list[str]) -> None:
    """Every local is evaluated, as a module would, then the last one through ``jsonencode``: each is
    known or unknown with a reason, within a bound of CPU time and memory, never an exception."""
    text = "locals {\n" + "".join(f"  {line}\n" for line in lines) + "}\n"
    parsed = parser_for("tree-sitter")(text, "locals.tf")
    bindings = {
        a.name: Binding(a.expr, Place("locals.tf", a.line, f"local.{a.name}", PlaceKind.LOCAL, a.name))
        for a in parsed.blocks[0].attributes
    }
    last = parser_for("tree-sitter")(f"locals {{\n  all = jsonencode(local.s{len(lines) - 1})\n}}\n", "e.tf")
    evaluator = Evaluator({}, bindings)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    with _address_space_capped():
        values = [evaluator.value(m.Traversal(m.Name("local"), (m.AttrStep(name),))) for name in bindings]
        values.append(evaluator.value(last.blocks[0].attributes[0].expr))
    assert time.process_time() - started < SLOW
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < GROWTH_KIB
    assert all(_explained(value) for value in values)
    event("budget exhausted" if "evaluation budget exhausted" in repr(values) else "within the budget")


def _fingerprints(root: Path) -> list[str]:
    run = run_cli("check", str(root), "--no-cache", "--format", "json")
    return sorted(f["fingerprint"] + f["rule"] + f["file"] for f in run.json()["findings"])


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_block_order_file_order_and_formatting_never_change_the_findings(tmp_path: Path, seed: int) -> None:
    """The example estate as written, and again with its top-level blocks shuffled, its files renamed
    into another order, blank lines and comments added: the same findings (by fingerprint and file)."""
    rng = random.Random(seed)
    original, shuffled = tmp_path / f"a{seed}", tmp_path / f"b{seed}"
    for source in sorted((FIXTURES / "example").rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(FIXTURES / "example")
        (original / relative).parent.mkdir(parents=True, exist_ok=True)
        (original / relative).write_bytes(source.read_bytes())
        text = source.read_text()
        if source.suffix == ".tf":
            text = _reformatted(text, rng)
        (shuffled / relative).parent.mkdir(parents=True, exist_ok=True)
        (shuffled / relative).write_text(text)
    assert _fingerprints(original) == _fingerprints(shuffled)


def _reformatted(text: str, rng: random.Random) -> str:
    """Top-level blocks in another order, each with a comment before it and blank lines between."""
    blocks, current, depth = [], [], 0
    for line in text.splitlines(keepends=True):
        current.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0 and line.strip() == "}":
            blocks.append("".join(current))
            current = []
    tail = "".join(current)
    rng.shuffle(blocks)
    padding = ["\n", "\n\n", "# reformatted\n", "  \n"]
    return "".join(rng.choice(padding) + block for block in blocks) + tail
