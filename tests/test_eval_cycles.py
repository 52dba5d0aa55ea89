"""The Terraform loader makes no garbage cycle (issue 20): it runs with the cyclic garbage collector off and
then freezes what it built, so a cycle left behind (an evaluator and its module calls, a call and the
instances whose inputs are evaluated in the caller's scope) would hold its memory to the end of the run."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, run_cli, write_tree

from ownlint.loaders.terraform.load import load_terraform

TERRAFORM_FIXTURES = [
    *sorted(p for p in (FIXTURES / "terraform").iterdir() if any(p.rglob("*.tf"))),
    FIXTURES / "estate",
]

ROOT = """
provider "aws" {}
locals {
  names = toset(["a", "b"])
  policy = file("${path.module}/policy.json")
  rendered = templatefile("${path.module}/t.tpl", { team = "core" })
}
module "each" {
  for_each = local.names
  source   = "../../modules/bucket"
  name     = each.key
  team     = module.one.team
}
module "one" {
  source = "../../modules/bucket"
  name   = "one"
  team   = local.rendered
}
resource "aws_sqs_queue" "q" {
  name = module.each["a"].id
  tags = { owner = module.one.team, policy = md5(local.policy), sha = filesha256("policy.json") }
}
"""
MODULE = """
variable "name" {}
variable "team" {}
module "inner" {
  source = "../inner"
  team   = var.team
}
resource "aws_s3_bucket" "b" {
  bucket = var.name
  tags   = { owner = module.inner.team }
}
output "id" { value = aws_s3_bucket.b.id }
output "team" { value = var.team }
"""
INNER = 'variable "team" {}\noutput "team" { value = var.team }\n'


@contextmanager
def _collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cycles_left(root: Path) -> int:
    """Objects only a garbage cycle held after loading ``root`` with the collector off."""
    with _collector_off():
        result = load_terraform(root, sorted(root.rglob("*.tf")))
        assert result.resources  # something was evaluated
        del result
        return gc.collect()


def test_evaluating_roots_with_module_calls_leaves_no_cycle(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "live/app/main.tf": ROOT,
            "live/app/policy.json": '{"Version": "2012-10-17"}',
            "live/app/t.tpl": "team-${team}",
            "modules/bucket/main.tf": MODULE,
            "modules/inner/main.tf": INNER,
            ".git/HEAD": "ref: refs/heads/main\n",
        },
    )
    assert _cycles_left(tmp_path) == 0


@pytest.mark.parametrize("fixture", TERRAFORM_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_loading_a_fixture_leaves_no_cycle(fixture: Path) -> None:
    assert _cycles_left(fixture) == 0


def test_the_loader_runs_without_the_collector_and_freezes_what_it_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders.terraform import load

    write_tree(tmp_path, {"main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'})
    inner = load._load
    collecting: list[bool] = []

    def observed(*args: object) -> object:
        collecting.append(gc.isenabled())
        return inner(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(load, "_load", observed)
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    load.load_terraform(tmp_path, [tmp_path / "main.tf"])
    assert collecting == [False]
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen


def test_a_run_with_the_result_cache_freezes_no_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing and reading result entries (the codec's encoder and decoder) leave no garbage cycle either:
    a closure calling itself was one per entry, 150 MB frozen for good on a 30 MB estate."""
    write_tree(
        tmp_path / "repo",
        {
            "live/app/main.tf": ROOT,
            "live/app/policy.json": '{"Version": "2012-10-17"}',
            "live/app/t.tpl": "team-${team}",
            "modules/bucket/main.tf": MODULE,
            "modules/inner/main.tf": INNER,
        },
    )
    left: list[int] = []
    disable = gc.disable
    monkeypatch.setattr(gc, "disable", lambda: (gc.collect(), disable()))  # older garbage is not the loaders'
    monkeypatch.setattr(gc, "freeze", lambda: left.append(gc.collect()))  # what each freeze would keep
    cache = str(tmp_path / "cache")
    for _ in ("cold", "warm"):
        run_cli("check", "--jobs", "1", "--cache-dir", cache, "--format", "json", str(tmp_path / "repo"))
    assert left and set(left) == {0}
