"""The two HCL backends agree: tree-sitter (the default) and python-hcl2 (the reference).

Every Terraform fixture is parsed by both into the same model (files, blocks, attributes, every
expression, lines); every fixture estate gives the same findings; generated expressions parse alike.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import FIXTURES, fixture_config, run_cli
from tests.test_oracle import EXPRESSIONS

from ownlint.loaders.files import read_text
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import hcl2_backend, ts_backend

TF_FILES = sorted(p for p in FIXTURES.rglob("*.tf") if ".terraform" not in p.parts)
ESTATES = sorted(
    {p.parent for p in FIXTURES.rglob("expected*.txt")} | {FIXTURES / "example", FIXTURES / "estate"},
)


def parsed(backend: Any, text: str) -> Any:
    try:
        return _without_heredoc_end_quirk(backend.parse(text, "main.tf"))
    except m.HclSyntaxError as error:
        return ("syntax error at line", error.line)


def _without_heredoc_end_quirk(model: Any) -> Any:
    """python-hcl2 counts the newline after a heredoc's closing marker into its attribute (its
    end_line is one more); attribute end lines are never reported, so the comparison leaves them out."""
    if isinstance(model, m.Attribute):
        return dataclasses.replace(model, end_line=0)
    if isinstance(model, (m.HclFile, m.Block)):
        attributes = tuple(_without_heredoc_end_quirk(a) for a in model.attributes)
        blocks = tuple(_without_heredoc_end_quirk(b) for b in model.blocks)
        return dataclasses.replace(model, attributes=attributes, blocks=blocks)
    return model


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_both_backends_build_the_same_model(path: Path) -> None:
    text = read_text(path, path.name)  # as the loader reads it (BOM and CRLF gone)
    if not isinstance(text, str):
        return  # binary, UTF-16, not UTF-8: neither parser is given it
    tree_sitter, hcl2 = parsed(ts_backend, text), parsed(hcl2_backend, text)
    if FIXTURES / "bad" in path.parents and isinstance(hcl2, tuple):
        # broken on purpose: both must reject it; where each parser notices differs (tree-sitter at the
        # end of an unclosed heredoc or block, python-hcl2 where it opens), and both lines are reported
        assert isinstance(tree_sitter, tuple)
    else:
        assert tree_sitter == hcl2


@pytest.mark.parametrize("estate", ESTATES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_both_backends_give_the_same_findings(estate: Path) -> None:
    runs = [
        run_cli("check", str(estate), *fixture_config(estate), "--parser", name, "--format", "json")
        for name in ("tree-sitter", "hcl2")
    ]
    if FIXTURES / "bad" in estate.parents:  # where each parser notices a break differs (see above)
        assert [(f["rule"], f["file"]) for f in runs[0].json()["findings"]] == [
            (f["rule"], f["file"]) for f in runs[1].json()["findings"]
        ]
        return
    assert runs[0].json()["findings"] == runs[1].json()["findings"]
    assert runs[0].exit_code == runs[1].exit_code


@pytest.mark.parametrize(
    "text",
    [
        "a = x.y[0].z\nb = x[*].y\nc = x.*.y\nd = f(a, b...)\ne = !x\nf = -1.5\n",
        'g = a == b ? "q\\n$${z}\\u00e9" : null\nh = {for k, v in m : k => v... if v}\n',
        'i = <<-EOT\n  hi ${x} $${y}\n  EOT\nj = { a = 1, "b" = 2, (c) = 3, 4 = 5 }\nk = [1, 2]\n',
        'l = (a + b) * c\nm = provider::aws::arn_parse("x")\nn = x.0.y\no = !(a && b) || c\np = -1\n',
        # tree-sitter-hcl nests a chain of conditionals to the left; HCL (and python-hcl2) to the right
        'q = a ? 1 : b ? 2 : c ? 3 : 4\nr = (a ? 1 : b) ? 2 : 3\ns = !x ? [] : y == 1 ? "a" : "b"\n',
        't = (\n  a == null\n  # why\n  ? "x"\n  : a # or this\n)\nu = f(a, # one\n  b)\n',
        'resource "a" b {\n  dynamic "tag" {\n    for_each = var.t\n    content { key = tag.key }\n  }\n}\n',
        'locals {\n  # comment\n  x = 1 // another\n  /* block */ y = "${a}${b}"\n}\n',
    ],
)
def test_syntax_corners_parse_alike(text: str) -> None:
    assert parsed(ts_backend, text) == parsed(hcl2_backend, text)


@pytest.mark.parametrize(
    "text",
    ['resource "a" "b" {\n  x = 1\n', "a = [1, 2\n", "a = <<EOT\nno end\n", "= 1\n", 'a = "x\n'],
)
def test_both_backends_reject_broken_files(text: str) -> None:
    for backend in (ts_backend, hcl2_backend):
        with pytest.raises(m.HclSyntaxError):
            backend.parse(text, "main.tf")


def test_tree_sitter_reads_a_traversal_continued_on_the_next_line() -> None:
    """Valid HCL (``terraform fmt`` accepts it; cloud-foundation-fabric uses it) that python-hcl2 rejects."""
    text = "a = length(try(\n  var.config\n  .registry\n  .domains,\n  []\n)) > 0\n"
    [attribute] = ts_backend.parse(text, "main.tf").attributes
    call = attribute.expr.left.args[0]  # type: ignore[attr-defined]
    assert call.args[0] == m.Traversal(
        m.Name("var"), (m.AttrStep("config"), m.AttrStep("registry"), m.AttrStep("domains"))
    )
    with pytest.raises(m.HclSyntaxError):
        hcl2_backend.parse(text, "main.tf")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=EXPRESSIONS)
def test_generated_expressions_parse_alike(expression: str) -> None:
    assert ts_backend.parse_expression(expression) == hcl2_backend.parse_expression(expression)


def test_unknown_parser_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    run = run_cli("check", str(tmp_path), "--parser", "lark")
    assert run.exit_code == 2


@given(st.just(None))
def test_tree_sitter_is_the_default_where_installed(_: None) -> None:
    from ownlint.loaders.terraform.backends import parser_for, resolve_backend

    assert ts_backend.available()
    assert resolve_backend("auto") == "tree-sitter"  # parser_for imports the backend it names on its first call
    text = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
    assert parser_for("auto")(text, "main.tf") == ts_backend.parse(text, "main.tf")
