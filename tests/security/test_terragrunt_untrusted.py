"""Terragrunt units from an untrusted pull request (issue 15 rules for issue 19 item 9): nothing is executed,
no path leaves the repository, reading is bounded, and what cannot be read is a located OWN000."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import finding_lines, run_cli, write_tree

AWS_QUEUE = 'variable "tags" {\n  default = {}\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n  tags = var.tags\n}\n'


def check(root: Path) -> list[str]:
    return finding_lines(
        run_cli("check", str(root), "--select", "OWN000,OWN001", "--format", "json").json()["findings"]
    )


def test_include_climbing_out_of_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.hcl"
    outside.write_text('inputs = {\n  tags = { owner = "attacker" }\n}\n')
    repo = write_tree(
        tmp_path / "repo",
        {
            "unit/terragrunt.hcl": 'include "x" {\n  path = "../../secret.hcl"\n}\n',
            "unit/main.tf": AWS_QUEUE,
        },
    )
    assert sorted(check(repo)) == ["OWN000 unit/terragrunt.hcl:1 -", "OWN001 unit/main.tf:4 aws_sqs_queue.q"]


def test_find_in_parent_folders_stops_at_the_top_and_symlinks_out_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "root.hcl").write_text('inputs = {\n  tags = { owner = "attacker" }\n}\n')
    repo = write_tree(
        tmp_path / "repo",
        {
            "live/unit/terragrunt.hcl": (
                'include "root" {\n  path = find_in_parent_folders("root.hcl")\n}\n'
                'include "link" {\n  path = "${get_repo_root()}/linked.hcl"\n}\n'
            ),
            "live/unit/main.tf": AWS_QUEUE,
        },
    )
    os.symlink(tmp_path / "root.hcl", repo / "linked.hcl")
    assert sorted(check(repo)) == [
        "OWN000 live/unit/terragrunt.hcl:1 -",
        "OWN000 live/unit/terragrunt.hcl:4 -",
        "OWN001 live/unit/main.tf:4 aws_sqs_queue.q",
    ]


def test_run_cmd_and_get_env_are_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    repo = write_tree(
        tmp_path / "repo",
        {
            "unit/terragrunt.hcl": (
                f'inputs = {{\n  tags = {{ owner = run_cmd("touch", "{marker}"), team = get_env("HOME") }}\n}}\n'
            ),
            "unit/main.tf": AWS_QUEUE,
        },
    )
    run = run_cli("check", str(repo), "--select", "OWN012", "--format", "json")
    assert not marker.exists()
    reasons = " ".join(f["message"] for f in run.json()["findings"])
    assert "run_cmd() is not run by ownlint" in reasons


def test_read_terragrunt_config_bombs_and_cycles_are_bounded(tmp_path: Path) -> None:
    fan_out = ", ".join(['read_terragrunt_config("a.hcl")'] * 20)
    repo = write_tree(
        tmp_path / "repo",
        {
            "a.hcl": f"locals {{\n  x = [{fan_out}]\n}}\n",
            "unit/terragrunt.hcl": 'locals {\n  a = read_terragrunt_config("../a.hcl")\n}\ninputs = {\n  tags = { owner = "x" }\n}\n',
            "unit/main.tf": AWS_QUEUE,
        },
    )
    run = run_cli("check", str(repo), "--select", "OWN001", "--format", "json")
    assert run.json()["findings"] == []


def test_remote_source_is_a_note_never_fetched(tmp_path: Path) -> None:
    repo = write_tree(
        tmp_path / "repo",
        {"unit/terragrunt.hcl": 'terraform {\n  source = "git::https://example.invalid/x.git//m"\n}\n'},
    )
    run = run_cli("check", str(repo), "--format", "json")
    assert run.exit_code == 0
    assert "1 terragrunt unit(s) not wholly followed: unit (unit/terragrunt.hcl:2)" in run.stderr
