"""Issue 19 item 9: terragrunt units read as module calls (include, locals, inputs, generate, dependency),
inside the repository only, nothing executed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import FIXTURES, effective_tag_lines, expected_lines, finding_lines, run_cli, write_tree

from ownlint.inputs import Inputs
from ownlint.pipeline import load

TREE = FIXTURES / "terragrunt"
SELECT = ("--select", "OWN000,OWN001,OWN004,OWN012", "--format", "json")


def copy_tree(tmp_path: Path) -> Path:
    """The tree as the top of its own repository (``get_repo_root()`` and the walk up stop there)."""
    return Path(shutil.copytree(TREE, tmp_path / "estate"))


def test_units_are_instantiated_with_merged_inputs_and_generated_provider(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    resources = load(Inputs(paths=(str(estate),))).resources
    assert effective_tag_lines(resources) == expected_lines(TREE / "expected-tags.txt")


def test_terragrunt_tree_gives_exactly_the_expected_findings(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    run = run_cli("check", str(estate), *SELECT)
    assert finding_lines(run.json()["findings"]) == expected_lines(TREE / "expected.txt")
    assert run.exit_code == 1
    assert run.stderr == (
        "note: read 6 terragrunt unit(s)\n"
        "note: 1 terragrunt unit(s) not wholly followed: live/prod/db (live/prod/db/terragrunt.hcl:6): its module "
        "'git::git@github.com:acme/terraform-modules.git//db?ref=v1.4.0' is remote and not followed "
        "(no .terragrunt-cache checkout)\n"
    )


def test_missing_owner_names_the_unit_input_to_add_it_to(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    run = run_cli("check", str(estate), "--select", "OWN004", "--format", "json")
    messages = {f["message"] for f in run.json()["findings"] if f["file"] == "modules/app/main.tf"}
    assert messages == {
        f"aws_{name} does not say who operates it (looked for: operated-by); add operated-by to input tags of "
        "terragrunt unit live/staging/app (live/_envcommon/app.hcl:12)"
        for name in ("sqs_queue.orders", "security_group.app")
    }


def test_a_named_unit_file_locates_findings_in_the_unit(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    cwd = os.getcwd()
    os.chdir(estate)
    try:
        run = run_cli("check", "live/staging/app/terragrunt.hcl", "--select", "OWN004", "--format", "json")
    finally:
        os.chdir(cwd)
    lines = finding_lines(run.json()["findings"])
    assert lines == [
        "OWN004 live/staging/app/terragrunt.hcl:7 aws_security_group.app",
        "OWN004 live/staging/app/terragrunt.hcl:7 aws_sqs_queue.orders",
    ]


def test_remote_module_is_followed_from_the_terragrunt_cache(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    checkout = estate / "live/prod/db/.terragrunt-cache/Xq1/Ab2/db"
    write_tree(checkout, {"main.tf": 'resource "aws_db_instance" "main" {\n  identifier = "main"\n}\n'})
    run = run_cli("check", str(estate), *SELECT)
    assert "not wholly followed" not in run.stderr
    resources = load(Inputs(paths=(str(estate),))).resources
    [db] = [r for r in resources if r.address == "aws_db_instance.main"]
    assert (db.stack, db.file) == ("live/prod/db", "live/prod/db/.terragrunt-cache/Xq1/Ab2/db/main.tf")
    assert {t.key: t.value for t in db.tags}["owner"] == "platform"


def test_terragrunt_cache_is_not_a_root_module_of_its_own(tmp_path: Path) -> None:
    write_tree(tmp_path, {".terragrunt-cache/a/b/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'})
    run = run_cli("check", str(tmp_path), "--format", "json")
    assert run.json()["findings"] == []


def test_unit_without_source_uses_its_own_directory_once(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    resources = load(Inputs(paths=(str(estate),))).resources
    topics = [r for r in resources if r.address == "aws_sns_topic.events"]
    assert [r.stack for r in topics] == ["live/staging/legacy"]


def test_a_root_terragrunt_hcl_that_units_include_is_not_a_unit(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "terragrunt.hcl": 'inputs = {\n  tags = { owner = "platform" }\n}\n',
            "app/terragrunt.hcl": "include {\n  path = find_in_parent_folders()\n}\n",
            "app/main.tf": 'variable "tags" {}\nresource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\n',
        },
    )
    run = run_cli("check", str(tmp_path), "--select", "OWN000,OWN001", "--format", "json")
    assert run.json()["findings"] == []
    assert run.stderr == "note: read 1 terragrunt unit(s)\n"


def test_fix_reads_the_units_in_its_private_copy(tmp_path: Path) -> None:
    estate = copy_tree(tmp_path)
    run = run_cli("fix", str(estate), "--set", "operated-by=internal", "--rule", "OWN004", "--dry-run")
    assert "modules/vpc/main.tf:17: would add operated-by" in run.stdout
    assert "legacy" not in run.stdout  # its operated-by comes from the root's generated provider


def test_generated_file_whose_contents_cannot_be_known_is_a_note(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app/terragrunt.hcl": (
                'generate "backend" {\n  path     = "backend.tf"\n'
                '  contents = "terraform {\\n  backend \\"s3\\" {\\n    bucket = \\"${get_env("BUCKET")}\\"\\n  }\\n}\\n"\n}\n'
                'inputs = {\n  tags = { owner = "platform" }\n}\n'
            ),
            "app/main.tf": 'variable "tags" {}\nresource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\n',
        },
    )
    run = run_cli("check", str(tmp_path), "--select", "OWN000,OWN001", "--format", "json")
    assert run.json()["findings"] == []
    assert run.stderr == (
        "note: read 1 terragrunt unit(s)\n"
        'note: app: generate "backend" (app/terragrunt.hcl:1) not applied: its contents cannot be known '
        "(get_env(BUCKET): the environment is not read)\n"
    )
