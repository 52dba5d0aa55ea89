"""Issue 20: operators, parentheses and conditional chains, on one line or several, read from the source text
(``ts_text``) build the model the tree walk builds, precedence, comments and near misses included."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.test_cold_speed import models, read_from_the_text

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import ts_backend

CORNERS = [
    # precedence and associativity: the grammar's levels, left to right; unary tighter, steps tighter still
    "a = x || y && z == w\nb = a + b * c - d / e % f\nc = a - b - c\nd = a < b == c >= d\ne = !x && -y\n",
    "a = -x.y[0]\nb = !f(x).y\nc = - -x\nd = !!x\ne = -1\nf = -1.5\ng = -(1.5)\nh = -(x)\ni = 1-2\nj = x -1\n",
    "a = x--y\nb = x- -y\nc = a-b - c\nd = (a) + (b)\ne = (a.b).c\nf = (f(x))[0].y\ng = ((x))\nh = (x ? y : z).w\n",
    # conditional chains: HCL reads them right to left, the grammar nests them left to right
    "a = x ? 1 : y ? 2 : 3\nb = x ? y ? 1 : 2 : 3\nc = (x ? 1 : y) ? 2 : 3\nd = x == 1 ? a + b : c || d\n",
    "a = x ? y ? 1 : 2 : z ? 3 : 4\nb = x ? (y) : (z)\nc = { k = x ? 1 : 2 }\nd = [x ? 1 : 2, y]\n",
    # across lines, with comments between the tokens
    "a = x == null\n  ? y\n  : z\nb = x &&\n  y ||\n  z\nc = (\n  x # why\n  + 1 // more\n)\nd = x\n  ? [] : [1]\n",
    "a = {\n  k = x\n    ? 1\n    : 2\n  l = 3\n}\nb = [\n  x\n  ? 1\n  : 2,\n]\nc = f(\n  a == b\n  ? c\n  : d\n)\n",
    "a = x\r\n  ? y\r\n  : z\r\nb = (\r\n  x &&\r\n  y\r\n)\r\n",
    # near misses left to the tree: block comments, heredocs, splats, floats, strip markers, a space before a step
    "a = x /* c */ + 1\nb = x + /* c */ 1\nc = (x) [0]\nd = (x).0\ne = x[*].y + 1\nf = 1.5 * x\n",
    'a = x == <<EOT\nhi\nEOT\nb = x ? <<EOT\nyes\nEOT\n  : null\nc = "${x ? 1 : 2}"\nd = "${~x + 1}"\n',
    "a = [for v in (x ? y : z) : v]\nb = [for v in x : v if v > 1 && v < 3]\nc = { for k, v in x : k => v ? 1 : 2 }\n",
    'a = x\n.y\nb = { a = x\n  .y }\nc = f(x) .y\nd = "é" == x\ne = x =="é"\nf = x ? "a\\n" : "b"\n',
    "a = " + " + ".join(["x"] * 40) + "\nb = " + "(" * 40 + "x" + ")" * 40 + "\nc = " + "!" * 40 + "x\n",
    # steps after steps; whole-number keys (their text), and the near misses
    "a = x[0].a.b\nb = f(x).a.b[1].c\nc = (x).a.b\nd = x[0].a.0\ne = x[0].a-b.c\nf = x[0].a.*\ng = x[0].a::b\n",
    "a = { 1 = 1 }\nb = { 007 = x, 2: y }\nc = { 1.5 = 1 }\ne = { 1-2 = 1 }\nf = { 99999999999999999999 = 1 }\n",
    "a = x ? 1 : 2",  # the end of the file right after the expression
    "a = x +\n",  # not HCL: the same syntax error both ways
]


@pytest.mark.parametrize("text", CORNERS)
def test_operators_build_the_reference_model(text: str) -> None:
    fast, reference = models(text)
    assert fast == reference


@pytest.mark.parametrize(
    "text",
    [
        'a = x.enabled == null\n  ? y.name\n  : lookup(z, "k", null)\n',
        "a = x != null && (\n  y != null || z != null\n)\n",
        "a = x ? 1 : y ? 2 : 3\n",
        "a = -x\nb = !x.y\nc = (x).y\n",
        "a = { k = x\n  ? [] : [x] }\n",
    ],
)
def test_operators_across_lines_are_read_from_the_text_without_walking_the_tree(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    read_from_the_text(monkeypatch, text)


def test_precedence_is_the_grammars() -> None:
    expr = ts_backend.parse("a = !x || y && z == 1 + 2 * -w.v\n", "main.tf").attributes[0].expr
    w = m.UnaryOp("-", m.Traversal(m.Name("w"), (m.AttrStep("v"),)))
    sum_ = m.BinaryOp("+", m.Lit(1), m.BinaryOp("*", m.Lit(2), w))
    right = m.BinaryOp("&&", m.Name("y"), m.BinaryOp("==", m.Name("z"), sum_))
    assert expr == m.BinaryOp("||", m.UnaryOp("!", m.Name("x")), right)


_TERMS = ["x", "y.z", "f(x)", "1", '"s"', "[1]", "{ a = 1 }", "(x)", "(x).y", "-x", "!x", "1.5", "x[*]"]
_OPS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"]
_GAPS = [" ", "", "\n  ", " # c\n  ", " // c\n "]


@st.composite
def _operation(draw: st.DrawFn, depth: int = 3) -> str:
    """Operators, parentheses and conditionals over terms, laid out on one line or several."""
    if depth == 0:
        return draw(st.sampled_from(_TERMS))
    inner = _operation(depth - 1)
    kind = draw(st.sampled_from(["term", "binary", "unary", "group", "conditional"]))
    gap = draw(st.sampled_from(_GAPS))
    if kind == "term":
        return draw(st.sampled_from(_TERMS))
    if kind == "binary":
        left, right = draw(inner), draw(inner)
        return f"{left}{gap}{draw(st.sampled_from(_OPS))} {right}"
    if kind == "unary":
        return draw(st.sampled_from(["-", "!", "- "])) + draw(inner)
    if kind == "group":
        return f"({gap}{draw(inner)}{gap})" + draw(st.sampled_from(["", ".a", "[0]"]))
    return f"{draw(inner)}{gap}? {draw(inner)}{gap}: {draw(inner)}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_operation(), min_size=1, max_size=3), wrap=st.sampled_from(["@", "[@]", "f(@)", "{ k = @ }"]))
def test_generated_operations_build_the_reference_model(values: list[str], wrap: str) -> None:
    text = "".join(f"a{index} = {wrap.replace('@', value)}\n" for index, value in enumerate(values))
    fast, reference = models(text)
    assert fast == reference
