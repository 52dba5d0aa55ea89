"""The pre-commit path stays fast: a one-file check imports only what its kind of file needs, and walks the
repository once (issue 20). Each guard names what a regression would bring back."""

from __future__ import annotations

import collections
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

TERRAFORM = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "stack/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  tags = { owner = "platform" }\n}\n',
    "stack/terraform.tfvars": "",
}
MANIFEST = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "apps/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: apps\n"
    "  labels:\n    owner: platform\n",
    "apps/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels:\n    owner: platform\n",
}

# what a check of .tf files never needs: the Kubernetes loaders, the audit, terragrunt's reader (no unit is
# on the path); (ipaddress is not listed: pathlib imports it through urllib.parse)
NOT_FOR_TERRAFORM = (
    "ownlint.loaders.kubernetes.kustomize",
    "ownlint.loaders.kubernetes.load",
    "ownlint.loaders.kubernetes.documents",
    "ownlint.loaders.kubernetes.helm",
    "ownlint.loaders.codeowners",
    "ownlint.cli.audit",
    "ownlint.report.audit",
    "ownlint.audit",
    "ownlint.loaders.terraform.terragrunt.config",
)
# what a check of manifests never needs: the HCL parsers, the evaluator, terragrunt
NOT_FOR_MANIFESTS = (
    "ownlint.loaders.terraform.load",
    "ownlint.loaders.terraform.evaluate",
    "ownlint.loaders.terraform.ts_backend",
    "ownlint.loaders.terraform.terragrunt.load",
    "tree_sitter",
    "ownlint.loaders.codeowners",
    "ownlint.cli.audit",
    "ownlint.audit",
)


def _imported(cwd: Path, *args: str) -> set[str]:
    """The modules ``ownlint ARGS`` imports, from ``python -X importtime`` (the run as pre-commit starts it)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ownlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"},
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return {line.rpartition("|")[2].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


def test_a_terraform_file_check_imports_no_kubernetes_audit_or_terragrunt_reader(tmp_path: Path) -> None:
    write_tree(tmp_path, TERRAFORM)
    imported = _imported(tmp_path, "check", "--cache-dir", str(tmp_path / "cache"), "--", "stack/main.tf")
    assert "ownlint.loaders.terraform.load" in imported  # the probe sees the run's imports
    assert sorted(imported.intersection(NOT_FOR_TERRAFORM)) == []


def test_a_manifest_check_imports_no_hcl_parser_or_evaluator(tmp_path: Path) -> None:
    write_tree(tmp_path, MANIFEST)
    imported = _imported(tmp_path, "check", "--cache-dir", str(tmp_path / "cache"), "--", "apps/app.yaml")
    assert "ownlint.loaders.kubernetes.load" in imported
    assert sorted(imported.intersection(NOT_FOR_MANIFESTS)) == []


def _listings(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """How many times each directory is listed (``os.scandir``, which ``os.walk`` uses, and ``os.listdir``)."""
    listed: collections.Counter[str] = collections.Counter()
    scandir, listdir = os.scandir, os.listdir

    def counted_scandir(path: Any = ".") -> Any:
        if not isinstance(path, int):  # a directory opened by descriptor (the cache's own) is not the tree's
            listed[os.path.realpath(path)] += 1
        return scandir(path)

    def counted_listdir(path: Any = ".") -> Any:
        if not isinstance(path, int):
            listed[os.path.realpath(path)] += 1
        return listdir(path)

    monkeypatch.setattr(os, "scandir", counted_scandir)
    monkeypatch.setattr(os, "listdir", counted_listdir)
    return listed


ELSEWHERE = {f"other/team-{n}/deep/main.tf": 'resource "aws_sqs_queue" "q" {}\n' for n in range(3)}


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({**TERRAFORM, "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {}\n'}, "modules/queue/main.tf"),
        (TERRAFORM, "stack/main.tf"),
        ({**MANIFEST, "apps/app.yaml": MANIFEST["apps/app.yaml"].replace("apps", "elsewhere")}, "apps/app.yaml"),
    ],
    ids=["module file", "root file", "manifest whose Namespace is nowhere"],
)
def test_a_one_file_check_lists_each_directory_of_the_repository_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], named: str
) -> None:
    write_tree(tmp_path, {**files, **ELSEWHERE, "other/k8s/x.yaml": "apiVersion: v1\nkind: ConfigMap\n"})
    (tmp_path / ".git").mkdir()  # the repository's top: context comes from all of it
    monkeypatch.chdir(tmp_path)
    listed = _listings(monkeypatch)
    run = run_cli("check", "--no-cache", "--", named)
    assert run.exit_code in (0, 1), run.stderr
    deep = os.path.realpath(tmp_path / "other/team-0/deep")
    assert listed[deep] == 1
    own = os.path.realpath(tmp_path / named).rpartition("/")[0]  # its loader lists it as it reads it
    assert [(d, n) for d, n in listed.items() if n > 1 and d != own] == []


def _opened(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The files opened (``os.open`` and ``io.open``, which pathlib's reads use), as real paths."""
    opened: set[str] = set()
    os_open, io_open = os.open, io.open

    def counted_os_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)):
            opened.add(os.path.realpath(path))
        return os_open(path, *args, **kwargs)

    def counted_io_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(path, (str, os.PathLike)):
            opened.add(os.path.realpath(path))
        return io_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", counted_os_open)
    monkeypatch.setattr(io, "open", counted_io_open)
    return opened


CALLED = {
    **TERRAFORM,
    "stack/main.tf": TERRAFORM["stack/main.tf"] + 'module "queue" {\n  source = "../modules/queue"\n}\n',
    "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    **{f"other/team-{n}/main.tf": f'module "m" {{\n  source = "./modules/m{n}"\n}}\n' for n in range(3)},
}


def test_a_warm_module_file_check_reads_only_the_files_of_its_callers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders.terraform import outline_cache

    monkeypatch.setattr(outline_cache, "RACY_NS", 0)  # record files written a moment ago (the test's)
    repo = write_tree(tmp_path / "repo", CALLED)
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    cache = str(tmp_path / "cache")
    uncached = run_cli("check", "--no-cache", "--", "modules/queue/main.tf")
    cold = run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")
    opened = _opened(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")
    assert "module.queue.aws_sqs_queue.q" in warm.stdout  # checked as its caller instantiates it
    assert warm.stdout == cold.stdout == uncached.stdout
    others = {os.path.realpath(repo / f"other/team-{n}/main.tf") for n in range(3)}
    assert opened & others == set()
