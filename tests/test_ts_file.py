"""Issue 20: a file read from its text alone (``ts_text.SourceText.file``), no tree-sitter parse, is the model
the tree gives, lines included; whatever it does not take (a syntax error above all) goes to the tree as before,
so every error is tree-sitter's, at the same place with the same words."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.test_cold_speed import CORNERS, HCL_FILES, models
from tests.test_ts_operators import CORNERS as OPERATOR_CORNERS

from ownlint.loaders.files import read_text
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import ts_backend

COMMON = """/**
 * Copyright: the licence atop most files is a block comment
 */

# tfdoc:file:description a module
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" } # pinned
  }
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_s3_bucket" "b" {
  for_each = var.enabled ? toset(var.names) : []
  bucket   = "${var.prefix}-${each.key}"
  tags     = merge(var.tags, { Name = each.key })

  lifecycle { ignore_changes = [tags] }
  dynamic "rule" {
    for_each = { for k, v in var.rules : k => v if v != null }
    content {
      id = rule.key // why
    }
  }
}
empty {}
"""

# near misses: what the grammar reads otherwise, or not at all, or what the text reader leaves to it
NEAR_MISSES = [
    "a = 1 b = 2\n",  # two items on one line: tree-sitter takes it, the text reader not
    "b { a = 1 b = 2 }\n",
    "b { a = 1, b = 2 }\n",
    "b {} c {}\n",
    "x\n= 1\n",
    "b\n{\n}\n",
    'b "x"\n{}\n',
    "-a = 1\n",
    'x = "a""b"\n',
    'x = "a\x00b"\n',
    "# a\x00b\nx = 1\n",
    "x = 1\n\x00",
    "\ufeffx = 1\n",
    "x = 1\n\ufeff",
    "x = 1\n\u00a0y = 2\n",
    'true = 1\nfor = 2\nin {}\nif {}\nnull "x" {}\nb true {}\n',
    "/* open\nx = 1\n",
    "b {\n  x = 1\n",
    "x = 1\n}\n",
    "x = {\n",
    'c "a\\n" {}\nd "50%" {}\ne "$" {}\n',  # not "a${x}": the tree walk and ``simple`` differ there (main's)
    'b "x" y "" {\n}\n',
    "a = 1\r\nb {\r\n  c = 2\r\n}\r\n",
    "a = 1\rb = 2\r",
    "a = 1 /* c */\nb = 2 /* c\n */ c = 3\n/* c */ d = 4\n",
    "a = f\n(1)\nb = x\n.y\nc = x\n[0]\nd = x\n? 1 : 2\ne = x\n+ 1\n",
    "a = <<EOT\nhi\nEOT\nb = 1\n",
    "a =\n  1\nb = # c\n  2\nc = /* c */ 3\n",
    "a-b = 1\n_ = 2\nc-- = 3\né = 4\nxé = 5\n",
    "a = 1 # c",
    "a = 1 // c",
    "b {}",
    "",
    "\n\n# only comments\n// here\n/* and here */\n",
    "a { b { c { d = 1 } } }\n",
    "a {\n  b {\n  }\n  c = 1\n}\n",
    "a = 1\n  b = 2\n",
    "a == 1\n",
    "a = 1 = 2\n",
    "b x.y {}\n",
    'b "x" = 1\n',
    "a = x # c\n  ? 1 : 2\n",
    "a = [\n  1,\n]\nb = {\n  c = 1\n  d = 2\n}\n",
    "a = { b = 1 } c = 2\n",
    "a = 0x1F\nb = 1.5\n",
    # an attribute that is one leaf on its line (read by one match): what may follow the leaf
    "a = x /2\nb = x/* c */ ? 1 : 2\nc = x /* c */\n+ 1\nd = x // c\n  - 1\ne = x\n== 1\n",
    "a = for\n",
    "a = true.x\n",
    "a = 12345678901234567890\n",
    "a = x.0\nb = x.*\nc = x-1\nd = x:y\n",
    'a = "s"# c\nb = "t"// c\nc = 1\t\nd = null /* c */\ne = false\r\n',
    "a = x\tb = 1\n",
    "in = x\n",
    "a = x\n}\n",
    "b {\n  a = x }\n",
    "b {\n  a = x\n  c = 2 }\n",
    "a = 1 # c\x00\n",
    "a = x é\n",
    # a block's head read by one match: labels with and without blanks, keywords, a head that is no head
    'b"x"{}\nc "x""y" {}\nd x"y" {}\ne\t"x"\ty\t{}\nf x-y "" {}\n',
    'b "x" for {}\n',
    'for "x" {}\n',
    'b "x" in {}\n',
    "b é {}\n",
    'b "x" é {}\n',
    'b "x" {} c {}\n',
    'b "x" { a = 1 } # c\nd {\n}\n',
    'b "x" {\n}',
    'abcdefghijklmnopqrstuvwxyzabcdefghijklmnop = [1, x, "s", f(y)]\n',
    'a = f(x, 1, "s", y.z, true, in)\nb = [x, y.0, z[1], -1, !a, a + 1, a ? b : c]\n',
]


def test_a_file_of_common_syntax_is_read_without_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks, labels, attributes, comments of every kind: no tree-sitter parse; the same model as the tree's."""
    with_tree = models(COMMON)[1]

    def no_tree() -> Any:
        raise AssertionError("tree-sitter parsed the file")

    monkeypatch.setattr(ts_backend, "tree_sitter_parser", no_tree)
    assert ts_backend.parse(COMMON, "main.tf") == with_tree
    assert [b.type for b in with_tree.blocks] == ["terraform", "variable", "resource", "empty"]


def test_a_wrong_text_reader_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparisons below can fail: the reference parses the tree whatever the text reader says."""
    monkeypatch.setattr(ts_backend, "read_without_tree", lambda source: ((), ()))
    fast, reference = models(COMMON)
    assert fast != reference


@pytest.mark.parametrize("text", NEAR_MISSES + CORNERS + OPERATOR_CORNERS)
def test_near_misses_give_the_tree_model_or_its_syntax_error(text: str) -> None:
    fast, reference = models(text)
    assert fast == reference


def test_most_fixture_files_are_read_without_the_tree() -> None:
    read = total = 0
    for path in HCL_FILES:
        text = read_text(path, path.name)
        if isinstance(text, str):
            total += 1
            read += ts_backend.read_without_tree(text.encode("utf-8", errors="surrogatepass")) is not None
    assert read > total * 3 // 4


_INSERTS = [*'{}[]()"=\n #/*,.:?$%\\\x00\r-x1é\t<>!&|+~', "\n}", "{\n", "/*", "*/", "${", "<<EOT\n", "\ufeff", "..."]


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """A fixture file or corner with a few characters inserted, deleted or copied: mostly not HCL any more."""
    text = draw(st.sampled_from([COMMON, *NEAR_MISSES, *CORNERS, *_FIXTURE_TEXTS]))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "copy"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(_INSERTS)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 3)) :]
        else:
            start = draw(st.integers(0, len(text)))
            text = text[:at] + text[min(start, at) : max(start, at)][:20] + text[at:]
    return text


def _fixture_texts() -> list[str]:
    texts = [read_text(path, path.name) for path in HCL_FILES]
    return [t for t in texts if isinstance(t, str) and len(t) < 3000][:200]


_FIXTURE_TEXTS = _fixture_texts()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_mutated())
def test_mutated_files_give_the_tree_model_or_its_syntax_error(text: str) -> None:
    """Whatever the text reader takes, tree-sitter parses without error to the same model."""
    fast, reference = models(text)
    assert fast == reference


def _layout(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["\n", "\n\n", " # c\n", " // c\n", "\n/* c */\n", " /* c\n */\n", "\r\n", " "]))


@st.composite
def _body(draw: st.DrawFn, depth: int = 2) -> str:
    """Attributes and blocks with labels of each kind, laid out as written by hand (and near misses)."""
    items = []
    for index in range(draw(st.integers(0, 3))):
        if depth == 0 or draw(st.booleans()):
            value = draw(st.sampled_from(["1", '"s"', "var.x", "{ a = 1 }", "[1, 2]", "f(x)", "x ? 1 : 2", "x[*]"]))
            items.append(f"a{index} = {value}")
        else:
            labels = draw(st.lists(st.sampled_from(['"x"', "y", '""', '"a-b"', '"é"', "for"]), max_size=2))
            inner = draw(_body(depth - 1))
            items.append(" ".join([f"b{index}", *labels]) + " {" + _layout(draw) + inner + "}")
    return "".join(item + _layout(draw) for item in items)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_body())
def test_generated_bodies_give_the_tree_model(text: str) -> None:
    fast, reference = models(text)
    assert fast == reference


def test_lines_are_counted_as_the_tree_counts_them() -> None:
    hcl = ts_backend.parse('\n# c\nb "x" {\n  a = {\n    k = 1\n  }\n}\nc = 2 # end', "main.tf")
    assert (hcl.blocks[0].line, hcl.blocks[0].end_line) == (3, 7)
    assert (hcl.blocks[0].attributes[0].line, hcl.blocks[0].attributes[0].end_line) == (4, 6)
    assert hcl.blocks[0].attributes[0].expr == m.ObjectExpr((m.ObjectItem(m.Lit("k"), m.Lit(1), 5),))
    assert (hcl.attributes[0].line, hcl.attributes[0].end_line) == (8, 8)


def test_blocks_nested_past_the_readers_depth_are_the_trees() -> None:
    text = "a {\n" * 40 + "x = 1\n" + "}\n" * 40
    assert ts_backend.read_without_tree(text.encode()) is None
    fast, reference = models(text)
    assert fast == reference


MORE_KINDS = (
    'a = "say \\"hi\\"\\n\\tC:\\\\dir\\r"\nb = "$${x} %%{y} ${z}\\\\"\nc = x[*].id\nd = x.*.name\ne = x.0.id\n'
    'f = f(x)[*]\ng = (x).*\nh = x[0].*.y[1]\ni = module.m[*].arn[0]\nj = x.007\nk = "\\\\${x}"\n'
)


def test_escapes_splats_and_whole_number_steps_are_read_without_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    with_tree = models(MORE_KINDS)[1]
    monkeypatch.setattr(ts_backend, "tree_sitter_parser", lambda: pytest.fail("tree-sitter parsed the file"))
    assert ts_backend.parse(MORE_KINDS, "main.tf") == with_tree


@pytest.mark.parametrize(
    "text",
    [
        'a = "\\u00e9\\U0001F600"\nb = "\\ud800"\nc = "\\q"\nd = "\\\\u0041"\n',
        'a = "$$x"\nb = "%%x"\nc = "$$${x}"\nd = "a\\\\"\ne = "\\\\\\"${x}"\n',
        "a = x[ * ]\nb = x.* .y\nc = x.0.5\nd = x.0e1\ne = x.0a\nf = x.0[1]\ng = x.99999999999999999999\n",
        "a = x.*[0]\nb = x[*][0]\nc = x.*.0\nd = x[*].0\ne = f(x.*)\nf = [x.*, x[*]]\ng = x.*...\n",
    ],
)
def test_near_misses_of_escapes_and_steps(text: str) -> None:
    fast, reference = models(text)
    assert fast == reference
