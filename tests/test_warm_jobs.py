"""Issue 20, a warm run with the default ``--jobs`` (workers would be used for this many files, yet every root is
replayed): each directory's parse is decoded from the result cache once, as with ``--jobs 1``. The roots' entries
were decoded whole, again for the scanned directories already replayed: a warm est-d run cost 5% more
instructions with workers than without."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders import identity
from ownlint.loaders.terraform import load, results, workers

ROOTS = 8  # four files a stack: 32, enough for workers at the threshold set below
ROOT = """provider "aws" {}
module "queue" {
  source = "./modules/queue"
  tags   = { owner = "team-a" }
}
"""
VARIABLES = 'variable "region" {\n  default = "eu-west-1"\n}\n'
MODULE = """variable "tags" {
  default = {}
}
resource "aws_sqs_queue" "q" {
  name = "q"
  tags = var.tags
}
"""


def _estate(root: Path) -> Path:
    files = {"ownlint.yaml": "extends: hybrid-it\nparties:\n  internal: [team-a]\n"}
    for index in range(ROOTS):
        stack = f"stacks/s{index:02d}"
        files[f"{stack}/main.tf"] = ROOT
        files[f"{stack}/variables.tf"] = VARIABLES
        files[f"{stack}/modules/queue/main.tf"] = MODULE
        files[f"{stack}/modules/queue/variables.tf"] = 'variable "name" {\n  default = "q"\n}\n'
    return write_tree(root, files)


def _check(estate: Path, cache: str, jobs: str) -> str:
    run = run_cli(
        "check", str(estate), "--config", str(estate / "ownlint.yaml"), "--format", "json", "--today", "2026-12-01",
        "--cache-dir", cache, "--jobs", jobs,
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    return run.stdout


def _counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    count = [0]
    original = getattr(module, name)

    def counting(*args: object) -> object:
        count[0] += 1
        return original(*args)

    monkeypatch.setattr(module, name, counting)
    return count


def _decoded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many directory parses the run decodes from result entries."""
    count = [0]
    original = results._parsed

    def counting(data: bytes) -> object:
        count[0] += 1
        return original(data)

    monkeypatch.setattr(results, "_parsed", counting)
    return count


def test_a_warm_run_with_workers_decodes_each_directory_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "RACY_NS", 0)
    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", 4 * ROOTS)
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    cold = _check(estate, cache, "2")
    decoded = {}
    phases = _counted(monkeypatch, workers, "_phases")
    for jobs in ("1", "2"):
        count = _decoded(monkeypatch)
        assert _check(estate, cache, jobs) == cold
        decoded[jobs] = count[0]
    assert decoded["1"] == 2 * ROOTS  # a stack and its module, each once
    assert phases == [1]  # the second run took the workers' path (it found nothing to send them)
    assert decoded["2"] == decoded["1"]


def test_the_workers_module_imports_no_evaluator() -> None:
    """A warm run with workers imports their module (its roots are all replayed, none sent): the evaluator and
    the expression model it would pull in cost 45M instructions of est-d's warm run for nothing."""
    shown = "print(sorted(m for m in sys.modules if m.startswith('ownlint.loaders.terraform.')))"
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, ownlint.loaders.terraform.workers; {shown}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    imported = set(ast.literal_eval(done.stdout))
    assert "ownlint.loaders.terraform.workers" in imported
    assert not imported & {"ownlint.loaders.terraform.evaluate", "ownlint.loaders.terraform.expr"}
