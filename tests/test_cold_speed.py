"""Issue 20, a cold check near the parse floor: every shortcut taken for speed gives the same answers.

The tree-sitter converter's shortcut (``simple``: leaves, and templates, calls, tuples and objects of them,
read from the source text by ``ts_text``) is compared with the tree walk it skips, the converter with the
shortcut off, on every fixture file, on syntax corners and on generated expressions and files: the same
model, lines included.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import FIXTURES, run_cli
from tests.test_oracle import EXPRESSIONS

from ownlint.loaders.files import read_text
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import ts_backend, ts_reader
from ownlint.loaders.terraform.directories import ModuleLoader
from ownlint.pipeline.loading import GC_THRESHOLDS
from ownlint.report.escape import json_text
from ownlint.report.indented_json import dumps_indented

HCL_FILES = sorted(
    p for p in FIXTURES.rglob("*") if p.name.endswith((".tf", ".tfvars", ".hcl")) and ".terraform" not in p.parts
)
MODEL_CLASSES = [v for v in vars(m).values() if isinstance(v, type) and dataclasses.is_dataclass(v)]

# where a shortcut on the source text could go wrong: keywords, dashes, digits, unicode, escapes,
# comments inside expressions, interpolation markers, keys that are names, numbers that are not ints
CORNERS = [
    'a = "x"\nb = ""\nc = "é ü"\nd = "a$b"\ne = "50%"\nf = "$${x}"\ng = "%%{x}"\nh = "\\n\\"q\\""\n',
    'a = "\\u00e9\\U0001F600"\nb = "${x}"\nc = "a${"b"}c"\nd = "%{if x}y%{endif}"\ne = "tab\\there"\n',
    "a = x\nb = x.y\nc = x.y.z\nd = true\ne = false\nf = null\ng = true.x\nh = null.y\ni = x-y\nj = x.y-z\n",
    "a = for\nb = x.for\nc = x.in\nd = x.if\ne = each.value\nf = x._y\ng = _x\nh = x.0\ni = x.0.y\nj = x[0]\n",
    "a = 1\nb = 0\nc = 10\nd = 1.5\ne = 1e3\nf = 1.0e-2\ng = 007\nh = -1\ni = -1.5\nj = 99999999999999999999\n",
    'a = é\nb = x.é\nc = ÿ.z\nd = x .y\ne = x. y\nf = (x)\ng = (x).y\nh = ("s")\ni = x # c\nj = x // c\n',
    'a = f(x, # one\n  "b", 2)\nb = [\n  "a", # c\n  x.y,\n]\nc = {\n  # c\n  k = "v" # c\n  "q" = x\n}\n',
    'a = { a = 1, "b" = 2, (c) = 3, 4 = 5, true = 6, null = 7, x.y = 8, "${z}" = 9, -1 = 10 }\n',
    'a = { for k, v in x : k => v... if v }\nb = [for v in x : "${v}-y"]\nc = x[*].y\nd = x.*.y\n',
    # for-expressions the reader takes, and the near misses it leaves to the tree
    "a = [for a-b in x : a-b]\nb = [for v in x ? y : z : v]\nc = {for k in x : k => 1...}\nd = [for\nv in x : v]\n",
    "a = [for v in x : v if v != null]\nb = [ for k, v in x : k if v ]\nc = {for = 1}\nd = [for_each]\n",
    "a = { for k, v in x : k => v\n  if v }\nb = [for v in x : v\n  + 1]\nc = [for v in x: v]\nd = {for k,v in x:k=>v}\n",
    "a = [for v in x : v # c\n]\nb = { # c\n  for k, v in x : k => v }\nc = [for in in x : in]\nd = [for v in x : !v]\n",
    'a = <<EOT\nplain\nEOT\nb = <<-EOT\n  ${x} $${y}\n  EOT\nc = a ? "b" : c ? "d" : "e"\n',
    'resource "a" "b" {\n  x = "1"\n  dynamic "tag" {\n    for_each = var.t\n    content { key = tag.key }\n  }\n}\n',
    'locals {\n  # comment\n  x = 1 // another\n  /* block */ y = "${a}${b}"\n}\nmodule m { source = "./m" }\n',
    'block "a" b "c" {\n}\nempty {}\none { x = 1 }\n"quoted" "label" {}\n',
    'a = "tail\\\\"\nb = "\\\\${x}"\nc = "x\\"\nd"\n',
    f"a = {'9' * 5000}\nb = {'1' * 4301}\nc = {'7' * 4300}\nd = [{'8' * 20}]\n",  # past int()'s digit limit
    # compound expressions the source-text reader takes, and the near misses it must leave to the tree
    "a = object({\n  a = optional(string) # why\n  b = list(object({ c = number, d = optional(bool, true) }))\n})\n",
    'a = merge(var.tags, { Name = "x-${var.n}", "k" = local.v }, {})\nb = f(x...)\nc = f(x, y...)\nd = f()\n',
    'a = [\n  "a", # one\n  x.y, // two\n]\nb = []\nc = [1, 2,]\nd = {}\ne = { a: 1, "b": "c" }\n',
    'a = {\n  a = 1 # c\n  b = 2\n\n  c = [3]\n}\nb = { a = 1, b = 2 }\nc = { "${x}" = 1, "a-${y}" = z }\n',
    'a = "${ x }"\nb = "${x}${y}"\nc = "a${f("b", "c")}d"\nd = "$"\ne = "a$ b%"\nf = "${"${x}"}"\ng = "é${x}ü"\n',
    'a = "${~x}"\nb = "${x~}"\nc = "$${x}${y}"\nd = "%%{x}${y}"\ne = "a\\n${x}"\nf = "%{for v in x}${v}%{endfor}"\n',
    'a = x[0]\nb = x[0].y\nc = x["k"][1]\nd = f(x)[0].y\ne = f(x).y\nf = x[ 0 ]\ng = x [0]\nh = f (x)\n',
    "a = x[*].y\nb = x.*.y\nc = x.0\nd = x.0.y\ne = f(x).0\nf = x[y[0]]\ng = true[0]\nh = null.x\n",
    "a = { a-b = 1 }\nb = { é = 1 }\nc = { true = 1 }\nd = { for = 1 }\ne = { (k) = 1 }\nf = { a.b = 1 }\n",
    "a = f(x\n  .y)\nb = [x\n  .y]\nc = f(a,\n  b,\n)\nd = { a = x\n  .y }\ne = f(x /* c */)\nf = { /* c */ a = 1 }\n",
    "a = [1.5, 1e3, -1, !x, x + 1, x ? 1 : 2, (x)]\nb = { a = 1.5 }\nc = f(a == b)\nd = [for v in x : v]\n",
    "a = provider::aws::arn_parse(x)\nb = f(x)::y\nc = [<<EOT\nhi ${x}\nEOT\n]\nd = {a=1,b=2}\n",
    'a = { a = 1 }\r\nb = [\r\n  "x",\r\n]\r\nc = {\r\n  k = "v" # c\r\n  "q" = x\r\n}\r\n',
    "a = " + "[" * 40 + "1" + "]" * 40 + "\nb = " + "f(" * 40 + "x" + ")" * 40 + "\n",  # past the reader's depth
    'a = f(x, { b = [1, "${y.z[0]}"] })',  # the end of the file right after the expression
]


@contextmanager
def tree_walk_only() -> Iterator[None]:
    """The converter as it was before the shortcut: every expression through the tree."""
    shortcut, whole = ts_reader.Reader.simple, ts_backend.read_without_tree
    ts_reader.Reader.simple = lambda self, start, end: None  # type: ignore[method-assign]
    ts_backend.read_without_tree = lambda source: None
    try:
        yield
    finally:
        ts_reader.Reader.simple = shortcut  # type: ignore[method-assign]
        ts_backend.read_without_tree = whole


def both(parse: Callable[[], Any]) -> tuple[Any, Any]:
    """(fast, reference) results of ``parse``, or the syntax error each raised."""
    found = []
    for reference in (False, True):
        try:
            if reference:
                with tree_walk_only():
                    found.append(parse())
            else:
                found.append(parse())
        except m.HclSyntaxError as error:
            found.append(("syntax error", error.message, error.line))
    return found[0], found[1]


def models(text: str) -> tuple[Any, Any]:
    return both(lambda: ts_backend.parse(text, "main.tf"))


def test_a_wrong_shortcut_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparisons below can fail: the reference walks the tree whatever the shortcut says."""
    monkeypatch.setattr(ts_reader.Reader, "simple", lambda self, start, end: m.Lit("wrong"))
    fast, reference = models('a = "x"\nb = x.in\n')  # a keyword step: the file is no text-only read (``test_ts_file``)
    assert fast != reference


@pytest.mark.parametrize("path", HCL_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_converter_builds_the_reference_model_of_every_fixture(path: Path) -> None:
    text = read_text(path, path.name)
    if isinstance(text, str):
        fast, reference = models(text)
        assert fast == reference


@pytest.mark.parametrize("text", CORNERS)
def test_converter_builds_the_reference_model_of_syntax_corners(text: str) -> None:
    fast, reference = models(text)
    assert fast == reference


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=EXPRESSIONS)
def test_converter_builds_the_reference_model_of_generated_expressions(expression: str) -> None:
    fast, reference = both(lambda: ts_backend.parse_expression(expression))
    assert fast == reference


_LEAVES = [
    *["var.x", "local.y.z", "each.value", "x[0]", "x[0].y", '"s"', '"é"', '""', "1", "007", "true", "null"],
    *["x-y", "x.0", "x[*].id", "-1", "1.5", '"a\\n"', '"$${x}"', "x == y", "x ? 1 : 2", "(x)"],  # the tree's
]


def _layout(draw: st.DrawFn) -> str:
    """Space between tokens as a file may have it: nothing, blanks, newlines, comments."""
    return draw(st.sampled_from(["", " ", "  ", "\n", "\n  ", " # note\n", " // note\n"]))


@st.composite
def _compound(draw: st.DrawFn, depth: int = 3) -> str:
    """Text of leaves, templates, calls, tuples and objects, laid out as written by hand (and near misses)."""
    leaves = st.sampled_from(_LEAVES)
    if depth == 0:
        return draw(leaves)
    inner = _compound(depth - 1)
    kind = draw(st.sampled_from(["leaf", "call", "tuple", "object", "template", "steps"]))
    if kind == "leaf":
        return draw(leaves)
    if kind == "template":
        parts = draw(st.lists(st.one_of(st.sampled_from(["a", "-", "é", "$", "%", " "]), inner), max_size=3))
        return '"' + "".join(p if len(p) == 1 else "${" + p.replace("\n", " ") + "}" for p in parts) + '"'
    if kind == "steps":
        return f"f({draw(inner)})" + draw(st.sampled_from(["", ".a", "[0]", "[var.k].b", "[0]"]))
    items = draw(st.lists(inner, max_size=3))
    if kind == "call":
        expand = draw(st.sampled_from(["", "...", ","])) if items else ""
        return "f(" + _layout(draw) + ", ".join(items) + expand + ")"
    if kind == "tuple":
        return "[" + _layout(draw) + ("," + _layout(draw)).join(items) + draw(st.sampled_from(["", ","])) + "]"
    keys = draw(
        st.lists(st.sampled_from(["a", "b_c", "d-e", "f-", '"q"', '"${k}"', "(k)", "for"]), min_size=len(items))
    )
    pairs = [f"{key} {draw(st.sampled_from(['=', ':']))} {value}" for key, value in zip(keys, items, strict=False)]
    separator = draw(st.sampled_from([", ", ",\n  ", "\n  ", " # c\n  "]))
    return "{" + _layout(draw).replace(",", "") + separator.join(pairs) + "\n}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_compound(), min_size=1, max_size=4))
def test_converter_builds_the_reference_model_of_generated_files(values: list[str]) -> None:
    text = "".join(f"a{index} = {value}\n" for index, value in enumerate(values))
    fast, reference = models(text)
    assert fast == reference


def read_from_the_text(monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    """Parse ``text`` and check that no node below its attributes was walked and that the tree walk alone builds
    the same model; the node types walked from then on (``Reader.term`` stays watched) are appended to the list."""
    walked: list[str] = []
    term = ts_reader.Reader.term
    monkeypatch.setattr(ts_reader.Reader, "term", lambda self, nodes: walked.append(nodes[0].type) or term(self, nodes))
    fast = ts_backend.parse(text, "main.tf")
    assert walked == []
    with tree_walk_only():
        assert ts_backend.parse(text, "main.tf") == fast
    return walked


@pytest.mark.parametrize(
    ("text", "reference_walks"),
    [
        (  # types, tags and inputs are mostly calls, objects and templates of leaves
            "a = object({\n  a = optional(string) # why\n  b = list(object({ c = number }))\n})\n"
            'b = merge(var.tags, { Name = "x-${var.name}", "k" = [1, "v"] }, local.extra[0].tags)\n'
            'c = ["${each.key}/${each.value}", lookup(var.m, "k", null), f(x...)]\n',
            {"function_call"},
        ),
        (  # variable validations and counts: a comparison and a choice of leaves, calls and objects
            'validation {\n  condition     = length(var.name) > 0\n  error_message = "x"\n}\n'
            'count = var.enabled ? 1 : 0\nname = var.name == "" ? "default-${var.env}" : var.name\n'
            'tags = merge(var.tags, { On = var.on ? "yes" : "no" })\n',
            {"operation", "conditional"},
        ),
        (  # tags keyed by names with dashes, as Kubernetes-style and compliance labels are
            'tags = { data-classification = "restricted", compliance-scope = var.scope, a--b = 1, c- = 2 }\n'
            'labels = merge(var.labels, {\n  operated-by = "internal"\n  owner = var.team\n})\n',
            {"collection_value", "function_call"},
        ),
        (  # for-expressions, a fifth of what the tree read in cloud-foundation-fabric
            'a = { for k, v in var.m : k => v.name if v != null }\nb = [for v in local.l : "${v}-x"]\n'
            "c = {\n  for k, v in var.m :\n  v.group => k...\n}\nd = [for i, v in f(x) : { n = i, v = v }]\n",
            {"for_expr"},
        ),
    ],
    ids=["calls-objects-templates", "operator-and-choice", "dashed-keys", "for-expressions"],
)
def test_compound_expressions_are_read_from_the_text_without_walking_the_tree(
    monkeypatch: pytest.MonkeyPatch, text: str, reference_walks: set[str]
) -> None:
    """No node below the attribute is walked; what more the tree reads (a chain) still goes through it."""
    walked = read_from_the_text(monkeypatch, text)
    assert reference_walks <= set(walked)  # the reference walks the tree
    walked.clear()
    ts_backend.parse(text + "d = x.in.y\n", "main.tf")
    assert walked == ["variable_expr"]  # what the text reader does not take (a keyword step) goes through the tree


def test_equal_leaves_are_one_object() -> None:
    """The model is immutable: the names, steps and strings repeated all over a module are built once."""
    first = ts_backend.parse('a = var.x\nb = f(var.x, "s")\n', "a.tf")
    second = ts_backend.parse('c = "s"\nd = var.x\n', "b.tf")
    expressions = [a.expr for a in (*first.attributes, *second.attributes)]
    assert expressions[0] is expressions[1].args[0] is expressions[3]  # type: ignore[union-attr]
    assert expressions[1].args[1] is expressions[2]  # type: ignore[union-attr]


def _reference_references(expr: m.Expr) -> list[tuple[str, ...]]:
    """``m.references`` as it was, by ``isinstance`` and a generic walk: the exact-class dispatch's reference."""
    if isinstance(expr, m.Traversal):
        found: list[tuple[str, ...]] = []
        if isinstance(expr.base, m.Name):
            names = [expr.base.name]
            for step in expr.steps:
                if not isinstance(step, m.AttrStep):
                    break
                names.append(step.name)
            found.append(tuple(names))
        else:
            found += _reference_references(expr.base)
        for step in expr.steps:
            if isinstance(step, m.IndexStep):
                found += _reference_references(step.key)
        return found
    if isinstance(expr, m.Name):
        return [(expr.name,)]
    if isinstance(expr, m.ObjectExpr):
        return [n for item in expr.items for e in (item.key, item.value) for n in _reference_references(e)]
    if isinstance(expr, m.ForExpr):  # the value before the key and condition
        children = [expr.collection, expr.value, expr.key, expr.condition]
    else:
        children = [getattr(expr, f.name) for f in dataclasses.fields(expr)]  # type: ignore[arg-type]
    flat = [c for child in children for c in (child if isinstance(child, tuple) else (child,))]
    return [n for child in flat if isinstance(child, tuple(EXPRESSION_CLASSES)) for n in _reference_references(child)]


EXPRESSION_CLASSES = [
    *(m.Lit, m.Template, m.Name, m.Traversal, m.Call, m.ObjectExpr, m.TupleExpr, m.Conditional),
    *(m.ForExpr, m.BinaryOp, m.UnaryOp, m.Unsupported),
]


def _all_expressions(hcl: m.HclFile | m.Block) -> Iterator[m.Expr]:
    for attribute in hcl.attributes:
        yield attribute.expr
    for block in hcl.blocks:
        yield from _all_expressions(block)


def test_references_are_found_as_the_generic_walk_finds_them() -> None:
    checked = 0
    for path in HCL_FILES:
        text = read_text(path, path.name)
        try:
            hcl = ts_backend.parse(text, "main.tf") if isinstance(text, str) else None
        except m.HclSyntaxError:
            continue
        for expr in _all_expressions(hcl) if hcl is not None else ():
            assert m.references(expr) == _reference_references(expr), expr
            checked += 1
    assert checked > 1000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_compound(), min_size=1, max_size=4))
def test_references_of_generated_files_are_found_as_the_generic_walk_finds_them(values: list[str]) -> None:
    text = "".join(f"a{index} = {value}\n" for index, value in enumerate(values))
    try:
        hcl = ts_backend.parse(text, "main.tf")
    except m.HclSyntaxError:
        return  # generated text need not be HCL
    for expr in _all_expressions(hcl):
        assert m.references(expr) == _reference_references(expr)


@pytest.mark.parametrize("cls", [*EXPRESSION_CLASSES, m.AttrStep, m.IndexStep, m.SplatStep], ids=lambda c: c.__name__)
def test_no_class_derives_from_an_expression_class(cls: type[Any]) -> None:
    """``references`` and the source-text reader dispatch on the exact class."""
    assert cls.__subclasses__() == []


def test_a_text_met_twice_in_a_run_is_parsed_once_and_shown_at_each_path(tmp_path: Path) -> None:
    text = 'variable "x" {}\nresource "aws_sqs_queue" "q" {\n  tags = { owner = var.x }\n}\n'
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text(text)
    parsed: list[str] = []

    def counting(source: str, path: str) -> m.HclFile:
        parsed.append(path)
        return ts_backend.parse(source, path)

    loader = ModuleLoader(tmp_path, counting, tmp_path)
    sources = [loader.source(tmp_path / name) for name in ("a", "b")]
    assert parsed == ["a/main.tf"]
    assert [s.files if s is not None else None for s in sources] == [
        (ts_backend.parse(text, "a/main.tf"),),
        (ts_backend.parse(text, "b/main.tf"),),
    ]


def test_a_run_collects_young_objects_less_often(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        run_cli("check", str(tmp_path), "--no-cache")
        assert gc.get_threshold() == GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_the_expression_model_has_slots_not_a_dict_per_node(cls: type[Any]) -> None:
    """A cold check builds a node per expression part: slots make each smaller and quicker to collect."""
    assert "__slots__" in vars(cls)
    assert "__dict__" not in dir(cls)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text() | st.integers() | st.booleans(), inner),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(value=JSON_VALUES, indent=st.sampled_from([0, 2, 4]))
def test_indented_json_is_json_dumps_byte_for_byte(value: Any, indent: int) -> None:
    assert dumps_indented(value, indent) == json.dumps(value, indent=indent)


class _Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    "value",
    [
        [float("nan"), float("inf"), -float("inf"), -0.0, 1e100, 1.5],
        {2: 2, True: "t", None: [], 1.5: {}},
        {"a": _Level.HIGH, "b": [_Level.HIGH], "c": ()},
        ["é\u202e\x00\ud800", "", {"": ""}, [[[]]], [{}]],
        {"nested": {"deeper": [1, {"x": None, "y": True, "z": False}]}},
    ],
)
def test_indented_json_of_corners_is_json_dumps_byte_for_byte(value: Any) -> None:
    for indent in (0, 2, 4):
        assert dumps_indented(value, indent) == json.dumps(value, indent=indent)


def test_indented_json_of_a_report_is_json_dumps_byte_for_byte() -> None:
    run = run_cli("check", str(FIXTURES / "example"), "--no-cache", "--format", "json")
    document = run.json()
    assert document["findings"]
    assert json_text(document) + "\n" == run.stdout
    assert dumps_indented(document, 2) == json.dumps(document, indent=2)
    assert dumps_indented((1, "é", [{}], {"a": ()}), 2) == json.dumps((1, "é", [{}], {"a": ()}), indent=2)


YAML_SAMPLES = [
    "owner: platform\nenv: prod\n",
    "a: y\nb: n\nc: yes\nd: off\ne: On\nf: true\n",
    "octal: 010\nhex: 0x1F\nbin: 0b101\nunder: 1_000\nneg: -0o17\nfloat: 1.5e3\n",
    "when: 2001-12-14t21:59:43.10-05:00\nday: 2002-12-14\n",
    "base: &b {owner: a, team: x}\nchild:\n  <<: *b\n  team: y\n",
    "list:\n  - 1\n  - two\n  - [3, {four: 4}]\n",
    "1: one\ntrue: yes\nnull: ~\n",
    "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
    '"quoted: key": "010"\nplain: "y"\n',
]


def test_yamldecode_reads_with_libyaml_and_gives_the_pure_python_values() -> None:
    """``yamldecode`` read every ``file()`` of cloud-foundation-fabric's factories with PyYAML's pure-Python
    scanner (a quarter of its cold check); libyaml asks the same Python resolver and constructors."""
    import yaml

    from ownlint.loaders.terraform.functions import yaml_values

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    assert issubclass(yaml_values._Loader, yaml.CSafeLoader)

    class Reference(yaml.SafeLoader):
        yaml_implicit_resolvers = yaml_values._Loader.yaml_implicit_resolvers
        yaml_constructors = yaml_values._Loader.yaml_constructors

    for sample in YAML_SAMPLES:
        expected = yaml_values._Copy().of(yaml.load(sample, Loader=Reference))
        assert yaml_values.yamldecode(sample) == expected, sample
