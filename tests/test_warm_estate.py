"""Issue 20, a warm run with nothing changed on a Terraform estate: a file whose identity (device, inode, size,
modification and change times) is the one the result entry recorded is not read again, its digest is the entry's;
one changed in place (the same size, even the same modification time), replaced, or changed too close to the run
that recorded it is read. Cold, warm and uncached runs agree byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders import identity
from ownlint.loaders.terraform import directories, reads

CONFIG = """extends: hybrid-it
parties:
  internal: [team-a, team-b]
"""
MODULE = """variable "tags" {
  default = {}
}
resource "aws_sqs_queue" "shared" {
  name = "shared"
  tags = var.tags
}
"""
ROOT = """provider "aws" {}
module "shared" {
  source = "../../modules/shared"
  tags   = { owner = "team-a" }
}
resource "aws_s3_bucket" "b" {
  bucket = "b"
  tags   = { owner = "team-a" }
}
"""
CHANGED = ROOT.replace('"team-a" }\n}\n', '"team-q" }\n}\n')  # the same size: only the identity tells


def _estate(root: Path) -> Path:
    return write_tree(
        root,
        {
            "ownlint.yaml": CONFIG,
            "modules/shared/main.tf": MODULE,
            "roots/a/main.tf": ROOT,
            "roots/b/main.tf": ROOT.replace('bucket = "b"', 'bucket = "c"'),
            "roots/b/terraform.tfvars": 'owner = "team-b"\n',
        },
    )


def check(estate: Path, *options: str) -> tuple[int, str, str]:
    run = run_cli(
        "check", str(estate), "--config", str(estate / "ownlint.yaml"), "--format", "json", "--today", "2026-12-01",
        *options,
    )  # fmt: skip
    return run.exit_code, run.stdout, run.stderr


def counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Terraform files a run reads as text (to parse them, or to check a result entry), by path."""
    read: list[str] = []
    for module in (directories, reads):
        original = module.read_text

        def counting(path: Path, shown: str, limit: int, original: object = original) -> object:
            read.append(os.path.relpath(path))
            return original(path, shown, limit)  # type: ignore[operator]

        monkeypatch.setattr(module, "read_text", counting)
    return read


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "RACY_NS", 0)


def test_cold_warm_and_uncached_runs_agree(tmp_path: Path, no_racy_window: None) -> None:
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    expected = check(estate, "--no-cache")
    assert '"rule"' in expected[1]
    assert check(estate, "--cache-dir", cache) == expected
    assert check(estate, "--cache-dir", cache) == expected
    assert check(estate, "--cache-dir", cache) == expected


def test_a_warm_run_reads_no_terraform_file_whose_identity_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    check(estate, "--cache-dir", cache)
    assert _read_again(estate, cache, monkeypatch) == []


def _read_again(estate: Path, cache: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the warm run reads; it gives what ``--no-cache`` gives."""
    expected = check(estate, "--no-cache")
    monkeypatch.chdir(estate)
    read = counted_reads(monkeypatch)
    assert check(estate, "--cache-dir", cache) == expected
    return read


def test_a_terraform_file_changed_in_place_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    before_run = check(estate, "--cache-dir", cache)
    path = estate / "roots/a/main.tf"
    before = os.stat(path)
    with open(path, "r+") as stream:  # the same inode, the same size
        stream.write(CHANGED)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # even the modification time kept
    assert os.stat(path).st_size == before.st_size
    assert "roots/a/main.tf" in _read_again(estate, cache, monkeypatch)
    assert check(estate, "--cache-dir", cache) != before_run


def test_a_terraform_file_replaced_by_another_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_racy_window: None
) -> None:
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    check(estate, "--cache-dir", cache)
    (estate / "other.tf").write_text(CHANGED)
    os.replace(estate / "other.tf", estate / "roots/a/main.tf")  # a new inode at the old name
    assert "roots/a/main.tf" in _read_again(estate, cache, monkeypatch)


def test_a_terraform_file_changed_within_the_racy_window_is_not_taken_by_its_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written just before the run (as every file of this test is): a change within the same clock tick would
    keep its identity, so the entry records none and the next run reads the file (and checks its digest)."""
    estate = _estate(tmp_path / "estate")
    cache = str(tmp_path / "cache")
    check(estate, "--cache-dir", cache)
    assert "roots/a/main.tf" in _read_again(estate, cache, monkeypatch)


VENDORING = """provider "aws" {}
module "queue" {
  source = "registry.example.com/acme/queue/aws"
  tags   = { owner = "team-a" }
}
"""


def test_a_vendored_module_checked_out_after_a_run_is_followed_by_the_next(
    tmp_path: Path, no_racy_window: None
) -> None:
    """A root the walk listed without ``.terraform`` has no vendored module; once ``terraform init`` checks one
    out, the warm run follows it as an uncached run does (and again when the checkout changes)."""
    estate = _estate(tmp_path / "estate")
    (estate / "roots/v").mkdir()
    (estate / "roots/v/main.tf").write_text(VENDORING)
    cache = str(tmp_path / "cache")
    unvendored = check(estate, "--no-cache")
    assert check(estate, "--cache-dir", cache) == unvendored
    vendored = estate / "roots/v/.terraform/modules"
    (vendored / "queue").mkdir(parents=True)
    (vendored / "queue/main.tf").write_text(MODULE)
    (vendored / "modules.json").write_text('{"Modules": [{"Key": "queue", "Dir": ".terraform/modules/queue"}]}')
    followed = check(estate, "--no-cache")
    assert followed != unvendored
    assert check(estate, "--cache-dir", cache) == followed
    assert check(estate, "--cache-dir", cache) == followed
    (vendored / "modules.json").write_text('{"Modules": []}')
    assert check(estate, "--cache-dir", cache) == check(estate, "--no-cache") == unvendored
