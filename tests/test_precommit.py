"""pre-commit: the changed files are checked in their module and namespace context, and only their
findings are reported; the hook runs for real through `pre-commit try-repo` against this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import ROOT, require_git, run_cli, write_tree
from tests.test_changed_files import BARE_CALL, BUCKET_MODULE, REPOSITORY

PROVIDERS = 'provider "aws" {\n  default_tags {\n    tags = { owner = "platform", operated-by = "internal" }\n  }\n}\n'
LABELLED = 'tags = { data-classification = "internal", compliance-scope = "none" }'
QUEUE = 'resource "aws_sqs_queue" "{name}" {{\n  name = "{name}"\n  {tags}\n}}\n'


def test_a_changed_tf_file_is_checked_with_its_module_and_only_its_findings_reported(tree: Any) -> None:
    root = tree(
        {
            "providers.tf": PROVIDERS,
            "changed.tf": QUEUE.format(name="labelled", tags=LABELLED),
            "other.tf": QUEUE.format(name="unlabelled", tags=""),
        }
    )
    run = run_cli("check", str(root / "changed.tf"), "--format", "json")
    assert run.json()["findings"] == []  # default_tags in providers.tf count; other.tf is not reported
    run = run_cli("check", str(root / "other.tf"), "--format", "json")
    assert {f["file"] for f in run.json()["findings"]} == {"other.tf"}


def test_a_changed_manifest_takes_its_namespace_from_elsewhere_in_the_repository(tree: Any, monkeypatch: Any) -> None:
    root = tree(
        {
            "cluster/namespaces.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
            "  labels: {owner: platform, operated-by: internal}\n",
            "apps/web.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: shop}\n",
            "apps/orphan.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: orphan, namespace: nowhere}\n",
        }
    )
    monkeypatch.chdir(root)
    run = run_cli("check", "apps/web.yaml", "apps/orphan.yaml", "--format", "json")
    assert sorted({(f["rule"], f["resource"]) for f in run.json()["findings"]}) == [
        ("OWN001", "ConfigMap/nowhere/orphan"),
        ("OWN004", "ConfigMap/nowhere/orphan"),
    ]
    assert run.json()["summary"]["resources"] == 2  # the context Namespace is not itself checked


def test_the_namespace_defined_nearest_the_changed_manifest_stands(tree: Any, monkeypatch: Any) -> None:
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {labels}\n"
    root = tree(
        {
            "z-far/namespaces.yaml": namespace.format(labels="{operated-by: internal}"),
            "apps/shop/namespace.yaml": namespace.format(labels="{}"),
            "apps/shop/web.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: shop}\n",
        }
    )
    monkeypatch.chdir(root)
    run = run_cli("check", "apps/shop/web.yaml", "--format", "json", "--select", "OWN004")
    # z-far/ comes last in the tree, but apps/shop/ is nearer: its Namespace says nothing
    assert [f["resource"] for f in run.json()["findings"]] == ["ConfigMap/shop/web"]
    (root / "apps/shop/namespace.yaml").unlink()
    run = run_cli("check", "apps/shop/web.yaml", "--format", "json", "--select", "OWN004")
    assert run.json()["findings"] == []


def test_the_hook_definition_matches_the_readme() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["entry"], h["language"]) for h in hooks] == [
        ("ownlint", "ownlint check", "python"),
        ("ownlint-fix", "ownlint fix", "python"),
    ]
    assert all(f"id: {hook['id']}" in (ROOT / "README.md").read_text() for hook in hooks)


def _git(repo: Path, *args: str) -> None:
    subprocess.run([require_git(), *args], cwd=repo, check=True, capture_output=True)


def _try_repo(
    repo: Path, home: Path, hook: str = "ownlint", all_files: bool = True
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, *(["--all-files"] if all_files else [])]
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    environment.pop("GITHUB_ACTIONS", None)
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, env=environment, check=False)


@pytest.mark.slow  # pre-commit try-repo
def test_pre_commit_try_repo_fails_on_a_violation_and_passes_when_fixed(tmp_path: Path) -> None:
    require_git()
    repo, home = tmp_path / "infra", tmp_path / "pre-commit-home"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    (repo / "providers.tf").write_text(PROVIDERS)
    (repo / "main.tf").write_text(QUEUE.format(name="jobs", tags=""))
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "a queue without compliance labels")
    failed = _try_repo(repo, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "ownlint" in failed.stdout and "Failed" in failed.stdout
    assert "OWN005 missing-compliance-label: aws_sqs_queue.jobs (data) is missing" in failed.stdout
    (repo / "main.tf").write_text(QUEUE.format(name="jobs", tags=LABELLED))
    _git(repo, "commit", "--quiet", "-am", "label the queue")
    passed = _try_repo(repo, home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.slow  # pre-commit try-repo
def test_the_fix_hook_adds_the_owner_codeowners_names_and_fails_then_passes(tmp_path: Path) -> None:
    require_git()
    repo, home = tmp_path / "infra", tmp_path / "pre-commit-home"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    (repo / "CODEOWNERS").write_text("*.tf @acme/platform-team\n")
    (repo / "ownlint.yaml").write_text(
        'parties:\n  internal: [platform]\ncodeowners:\n  teams:\n    "@acme/platform-team": platform\n'
    )
    (repo / "main.tf").write_text(QUEUE.format(name="jobs", tags=""))
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "a queue without an owner")
    fixed = _try_repo(repo, home, "ownlint-fix")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout
    assert '  tags = { owner = "platform" }\n}' in (repo / "main.tf").read_text()
    _git(repo, "commit", "--quiet", "-am", "owner from CODEOWNERS")
    again = _try_repo(repo, home, "ownlint-fix")
    assert again.returncode == 0 and "Passed" in again.stdout, again.stdout + again.stderr


def test_the_github_action_runs_a_check_that_the_cli_accepts(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    script = action["runs"]["steps"][-1]["run"]
    assert "--format sarif -o" in script and "--format github" in script and "GITHUB_STEP_SUMMARY" in script
    # the same options on the example estate: SARIF and markdown to files, annotations to standard output
    sarif, summary = tmp_path / "ownlint.sarif", tmp_path / "summary.md"
    run = run_cli(
        "check",
        str(ROOT / "fixtures" / "example"),
        "--fail-on",
        "error",
        "--format",
        "sarif",
        "-o",
        str(sarif),
        "--format",
        "markdown",
        "-o",
        str(summary),
        "--format",
        "github",
    )
    assert run.exit_code == 1
    assert run.stdout.startswith("::error file=")
    assert summary.read_text().startswith("### ownlint") and sarif.is_file()


def _committed_repository(tmp_path: Path) -> Path:
    """tests/test_changed_files.py's repository, in git: two roots, a module both reach."""
    repo = write_tree(tmp_path / "infra", {k: v for k, v in REPOSITORY.items() if not k.startswith(".git/")})
    _git(repo, "init", "--quiet")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    _git(repo, "add", ".")
    _git(repo, "commit", "--quiet", "-m", "two roots and a shared module")
    return repo


@pytest.mark.slow  # pre-commit try-repo
def test_the_hook_fails_on_a_module_call_added_without_tags(tmp_path: Path) -> None:
    """Before: the bucket's finding was located in modules/bucket/main.tf, not a staged file: 'Passed'."""
    require_git()
    repo = _committed_repository(tmp_path)
    (repo / "roots/prod/main.tf").write_text(REPOSITORY["roots/prod/main.tf"] + "\n" + BARE_CALL)
    _git(repo, "add", "roots/prod/main.tf")
    failed = _try_repo(repo, tmp_path / "pre-commit-home", all_files=False)
    assert failed.returncode == 1 and "Failed" in failed.stdout, failed.stdout + failed.stderr
    assert "roots/prod/main.tf\n     6  error    OWN005 missing-compliance-label: module.temp.aws_s3_bucket.this" in (
        failed.stdout
    )
    assert "; in module.temp (modules/bucket/main.tf:6)" in failed.stdout


@pytest.mark.slow  # pre-commit try-repo
def test_the_hook_passes_an_edit_of_a_module_every_caller_gives_full_tags(tmp_path: Path) -> None:
    """Before: the module was checked alone with its defaults: OWN001, OWN004, OWN005, 'Failed'."""
    require_git()
    repo = _committed_repository(tmp_path)
    (repo / "modules/bucket/main.tf").write_text("# the shared bucket\n" + BUCKET_MODULE)
    _git(repo, "add", "modules/bucket/main.tf")
    passed = _try_repo(repo, tmp_path / "pre-commit-home", all_files=False)
    assert passed.returncode == 0 and "Passed" in passed.stdout, passed.stdout + passed.stderr
