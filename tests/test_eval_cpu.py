"""The CPU of evaluating root modules (issue 20): work that gives the same result is not done twice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import write_tree

from ownlint.loaders.terraform.budget import Budget, OverBudget
from ownlint.loaders.terraform.functions import FUNCTIONS, yaml_values
from ownlint.loaders.terraform.load import load_terraform

DOCUMENT = "teams:\n  core: {owner: alice, ports: [80, 443]}\n  edge: {owner: bob}\n"


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts YAML reads from now on."""
    read: list[str] = []
    load_all = yaml.load_all

    def counted(text: str, Loader: Any) -> Any:
        read.append(text)
        return load_all(text, Loader=Loader)

    monkeypatch.setattr(yaml_values.yaml, "load_all", counted)
    monkeypatch.setattr(yaml_values, "_DECODED", {}, raising=False)
    return read


def test_yamldecode_reads_a_text_once_and_hands_out_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    read = _counting(monkeypatch)
    first = FUNCTIONS["yamldecode"]([DOCUMENT], Budget())
    second = FUNCTIONS["yamldecode"]([DOCUMENT], Budget())
    assert first == second == {"teams": {"core": {"owner": "alice", "ports": [80, 443]}, "edge": {"owner": "bob"}}}
    assert read == [DOCUMENT]
    assert second is not first and second["teams"]["core"]["ports"] is not first["teams"]["core"]["ports"]
    second["teams"]["core"]["ports"].append(8080)  # a copy: what one caller does is not what the next gets
    assert FUNCTIONS["yamldecode"]([DOCUMENT], Budget())["teams"]["core"]["ports"] == [80, 443]


def test_yamldecode_keeps_no_document_a_copy_would_share(monkeypatch: pytest.MonkeyPatch) -> None:
    read = _counting(monkeypatch)
    text = "!!set {a, b}\n"
    assert FUNCTIONS["yamldecode"]([text], Budget()) == {"a", "b"}
    FUNCTIONS["yamldecode"]([text], Budget())
    assert read == [text, text]


def test_yamldecode_keeps_a_bounded_text(monkeypatch: pytest.MonkeyPatch) -> None:
    _counting(monkeypatch)
    monkeypatch.setattr(yaml_values, "MAX_DECODED", 3)
    monkeypatch.setattr(yaml_values, "MAX_DECODED_TEXT", 40)
    for number in range(5):
        FUNCTIONS["yamldecode"]([f"key: {number}\n"], Budget())
    assert list(yaml_values._DECODED) == ["key: 2\n", "key: 3\n", "key: 4\n"]
    FUNCTIONS["yamldecode"]([f"key: {'x' * 30}\n"], Budget())  # 38 characters: the others make way
    assert list(yaml_values._DECODED) == [f"key: {'x' * 30}\n"]
    FUNCTIONS["yamldecode"]([f"key: {'x' * 40}\n"], Budget())  # over the bound: not kept
    assert list(yaml_values._DECODED) == [f"key: {'x' * 30}\n"]


def test_yamldecode_stops_copying_aliases_that_expand_past_one_value() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]  # 10^12 leaves
    started = time.process_time()
    with pytest.raises(OverBudget, match="elements"):
        FUNCTIONS["yamldecode"](["\n".join(lines) + "\n"], Budget())
    assert time.process_time() - started < 5


def test_a_yaml_bomb_is_an_evaluation_budget_problem(tmp_path: Path) -> None:
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    write_tree(
        tmp_path,
        {
            "bomb.yaml": "\n".join(bomb) + "\n",
            "main.tf": 'provider "aws" {}\nlocals {\n  doc = yamldecode(file("bomb.yaml"))\n}\n'
            'resource "aws_sqs_queue" "q" {\n  tags = { owner = local.doc.a0[0] }\n}\n',
        },
    )
    result = load_terraform(tmp_path, [tmp_path / "main.tf"])
    assert [p.message.split(":")[0] for p in result.problems] == ["evaluation budget exhausted in local.doc (main.tf"]
