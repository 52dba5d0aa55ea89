"""A quoted block label is a plain string: Terraform 1.11 rejects a template sequence in one ("Invalid string
literal: Template sequences are not allowed in this string"), so both backends say a located syntax error,
alike, where the tree-sitter reader read '' (two such blocks one resource) and python-hcl2 '' or the text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import run_cli

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import hcl2_backend, ts_backend

BACKENDS = (ts_backend, hcl2_backend)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('resource "aws_s3_bucket" "${var.x}" {}\n', 1, 27),
        ('b "x" "${y}" {}\n', 1, 8),
        ('x = 1\nb "a${y}" {}\n', 2, 5),
        ('b "a%{if x}a%{endif}" {}\n', 1, 5),
        ('b "a$$${y}x${z}" {}\n', 1, 12),  # "$$" then "${": the escape, then an interpolation
        ('terraform {\n  b "ok" "é${y}" {\n  }\n}\n', 2, 12),  # columns in characters, as lark counts
    ],
)
def test_a_template_sequence_in_a_label_is_a_located_syntax_error(text: str, line: int, column: int) -> None:
    said = []
    for backend in BACKENDS:
        with pytest.raises(m.HclSyntaxError) as raised:
            backend.parse(text, "main.tf")
        assert raised.value.line == line
        said.append(raised.value.message)
    assert said[0] == said[1]
    assert said[0].startswith("template sequence in a block label (Terraform allows none; double")
    assert said[0].endswith(f" at line {line}, column {column}")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ('b "a$${y}" {}\n', "a${y}"),
        ('b "a%%{y}" {}\n', "a%{y}"),
        ('b "$" {}\n', "$"),
        ('b "a$b%c" {}\n', "a$b%c"),
        ('b "a$$${y}" {}\n', "a$${y}"),
        ('b "\\u0041" {}\n', "A"),
    ],
)
def test_an_escaped_or_lone_marker_is_text(text: str, label: str) -> None:
    for backend in BACKENDS:
        assert backend.parse(text, "main.tf").blocks[0].labels == (label,)


@pytest.mark.parametrize("parser", ["tree-sitter", "hcl2"])
def test_check_reports_the_file_not_one_resource_for_two(tmp_path: Path, parser: str) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "x" {}\nresource "aws_s3_bucket" "${var.x}" {}\nresource "aws_s3_bucket" "" {}\n'
    )
    run = run_cli("check", str(tmp_path), "--no-cache", "--parser", parser, "--format", "json")
    report = json.loads(run.stdout)
    [problem] = [f for f in report["findings"] if f["rule"] == "OWN000"]
    assert problem["line"] == 2
    assert "template sequence in a block label" in problem["message"]
