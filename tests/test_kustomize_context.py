"""A manifest named alone (pre-commit's changed file) is checked as the kustomizations of the repository
that use it build it: the overlays give it context, findings are reported only in what was named."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_git, run_cli, write_tree
from tests.test_kustomize import DEPLOY

OWNED = "labels:\n- pairs:\n    owner: team-a\n    operated-by: platform\n"
UNOWNED = "labels:\n- pairs:\n    operated-by: platform\n"


def repository(tmp: Path, monkeypatch: Any, staging: str = OWNED, extra: dict[str, str] | None = None) -> Path:
    root = write_tree(
        tmp / "repo",
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOY,
            "overlays/prod/kustomization.yaml": f"resources:\n- ../../base\n{OWNED}",
            "overlays/staging/kustomization.yaml": f"resources:\n- ../../base\n{staging}",
            **(extra or {}),
        },
    )
    monkeypatch.chdir(root)
    return root


def findings(*args: str) -> list[str]:
    run = run_cli("check", *args, "--format", "json", "--select", "OWN000,OWN001")
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    return [f"{f['rule']} {f['file']}:{f['line']} {f['resource']} | {f['message']}" for f in run.json()["findings"]]


def test_a_base_manifest_named_alone_takes_the_owner_every_overlay_gives_it(tmp_path: Path, monkeypatch: Any) -> None:
    repository(tmp_path, monkeypatch)
    assert findings("base/deployment.yaml") == []


def test_an_overlay_without_an_owner_is_named_in_the_base_finding(tmp_path: Path, monkeypatch: Any) -> None:
    repository(tmp_path, monkeypatch, staging=UNOWNED)
    assert findings("base/deployment.yaml") == [
        "OWN001 base/deployment.yaml:1 Deployment/default/web | Deployment/default/web has no owner (looked for: "
        "owner, team); add owner to metadata.labels (base/deployment.yaml:4) or to the labels of "
        "overlays/staging/kustomization.yaml or to Namespace/default (only in overlays/staging/kustomization.yaml)"
    ]


def test_a_manifest_no_kustomization_uses_is_checked_as_itself(tmp_path: Path, monkeypatch: Any) -> None:
    repository(tmp_path, monkeypatch, extra={"base/lone.yaml": DEPLOY.replace("web", "lone")})
    assert [f.split(" | ")[0] for f in findings("base/lone.yaml")] == [
        "OWN001 base/lone.yaml:1 Deployment/default/lone"
    ]


def test_a_named_base_kustomization_is_built_by_the_overlays_that_use_it(tmp_path: Path, monkeypatch: Any) -> None:
    repository(tmp_path, monkeypatch)
    assert findings("base/kustomization.yaml", "base/deployment.yaml") == []


def test_a_named_overlay_kustomization_reports_what_it_builds_at_itself(tmp_path: Path, monkeypatch: Any) -> None:
    repository(tmp_path, monkeypatch, staging=UNOWNED)
    assert findings("overlays/prod/kustomization.yaml") == []
    assert [f.split(" | ")[0] for f in findings("overlays/staging/kustomization.yaml")] == [
        "OWN001 overlays/staging/kustomization.yaml:1 Deployment/default/web"
    ]


def test_a_patch_file_named_alone_is_no_object_of_its_own(tmp_path: Path, monkeypatch: Any) -> None:
    patch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
    repository(
        tmp_path,
        monkeypatch,
        extra={
            "overlays/prod/kustomization.yaml": f"resources:\n- ../../base\n{OWNED}patches:\n- path: patch.yaml\n",
            "overlays/prod/patch.yaml": patch,
        },
    )
    assert findings("overlays/prod/patch.yaml") == []


def test_a_kustomization_linking_out_of_the_repository_lends_no_context(tmp_path: Path, monkeypatch: Any) -> None:
    root = repository(tmp_path, monkeypatch)
    outside = write_tree(tmp_path / "outside", {"kustomization.yaml": f"resources:\n- ../../base\n{UNOWNED}"})
    (root / "overlays/staging/kustomization.yaml").unlink()
    (root / "overlays/staging/kustomization.yaml").symlink_to(outside / "kustomization.yaml")
    assert findings("base/deployment.yaml") == []


def _git(repo: Path, *args: str) -> None:
    subprocess.run([require_git(), *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.parametrize(("staging", "expected"), [(OWNED, 0), (UNOWNED, 1)])
def test_diff_base_where_only_the_base_changed(tmp_path: Path, monkeypatch: Any, staging: str, expected: int) -> None:
    """The base manifest had its own owner; the change leaves its owner to the overlays."""
    owned = DEPLOY.replace("  name: web\n", "  name: web\n  labels: {owner: team-a, operated-by: platform}\n", 1)
    root = repository(tmp_path, monkeypatch, staging=staging, extra={"base/deployment.yaml": owned})
    (root / ".git/HEAD").unlink()
    (root / ".git").rmdir()
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "-c", "user.email=dev@example.com", "-c", "user.name=dev", "add", ".")
    _git(root, "-c", "user.email=dev@example.com", "-c", "user.name=dev", "commit", "--quiet", "-m", "base")
    write_tree(root, {"base/deployment.yaml": DEPLOY})
    run = run_cli(
        "check", "--diff-base", "main", "--format", "json", "--select", "OWN001", "--", "base/deployment.yaml"
    )
    found = run.json()["findings"]
    assert (run.exit_code, len(found)) == (expected, expected), run.stdout
    if expected:
        assert found[0]["message"].endswith("(only in overlays/staging/kustomization.yaml)")


QUEUE_MODULE = 'variable "tags" {\n  type    = map(string)\n  default = {}\n}\n\nresource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\n'
UNIT = 'terraform {{\n  source = "../../modules/queue"\n}}\n\ninputs = {{\n  tags = {tags}\n}}\n'
FULL = '{ owner = "team-a", operated-by = "platform", data-classification = "internal", compliance-scope = "none" }'


def units_repository(tmp: Path, monkeypatch: Any, staging_tags: str) -> Path:
    root = write_tree(
        tmp / "repo",
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "modules/queue/main.tf": QUEUE_MODULE,
            "live/prod/terragrunt.hcl": UNIT.format(tags=FULL),
            "live/staging/terragrunt.hcl": UNIT.format(tags=staging_tags),
        },
    )
    monkeypatch.chdir(root)
    return root


def test_a_module_file_only_terragrunt_units_use_is_checked_as_they_instantiate_it(
    tmp_path: Path, monkeypatch: Any
) -> None:
    units_repository(tmp_path, monkeypatch, FULL)
    assert findings("modules/queue/main.tf") == []


def test_a_unit_that_gives_no_owner_is_found_for_a_named_module_file(tmp_path: Path, monkeypatch: Any) -> None:
    units_repository(tmp_path, monkeypatch, '{ operated-by = "platform" }')
    assert findings("modules/queue/main.tf") == [
        "OWN001 modules/queue/main.tf:6 aws_sqs_queue.q | aws_sqs_queue.q has no owner (looked for: owner, team); "
        "add owner to input tags of terragrunt unit live/staging (live/staging/terragrunt.hcl:6)"
    ]
