"""The command line through click's CliRunner: exact output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import FIXTURES, run_cli

from ownlint import __version__
from ownlint.cli import main
from ownlint.rules import RULES

QUEUE = """\
provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { environment = "prod" }
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  tags = { operated-by = "internal", data-classification = "internal", compliance-scope = "none" }
}
"""


def test_text_output_is_exact(tree) -> None:
    root = tree({"main.tf": QUEUE})
    run = run_cli("check", str(root))
    assert run.stdout == (
        "main.tf\n"
        "     8  error    OWN001 missing-owner: aws_sqs_queue.jobs has no owner (looked for: owner, team); "
        'add owner to provider "aws" default_tags (main.tf:4) or to the resource\'s own tags\n'
        "\n"
        "1 finding (1 error) in 1 file (1 resources).\n"
    )
    assert run.exit_code == 1


def test_clean_run_exits_zero_with_summary(tree) -> None:
    root = tree({"main.tf": QUEUE.replace('environment = "prod"', 'owner = "platform"')})
    run = run_cli("check", str(root))
    assert run.stdout == "No findings in 1 file (1 resources).\n"
    assert run.exit_code == 0


def test_json_output_follows_the_contract(tree) -> None:
    root = tree({"main.tf": QUEUE})
    document = run_cli("check", str(root), "--format", "json").json()
    assert set(document) == {"version", "tool", "summary", "findings"}
    assert document["version"] == 1
    assert document["tool"] == {"name": "ownlint", "version": __version__}
    assert document["summary"]["files"] == 1
    assert document["summary"]["resources"] == 1
    assert document["summary"]["findings"] == 1
    assert document["summary"]["by_rule"]["OWN001"] == 1
    assert document["summary"]["by_severity"] == {"error": 1, "warning": 0, "info": 0}
    [finding] = document["findings"]
    assert set(finding) == {
        "rule",
        "name",
        "severity",
        "message",
        "resource",
        "resource_type",
        "source",
        "file",
        "line",
        "end_line",
        "path",
        "provenance",
        "fingerprint",
    }
    assert (finding["file"], finding["line"], finding["end_line"]) == ("main.tf", 8, 11)
    assert finding["resource"] == "aws_sqs_queue.jobs"
    assert finding["source"] == "terraform"


def test_fingerprint_ignores_line_numbers(tree, tmp_path: Path) -> None:
    first = tree({"a/main.tf": QUEUE})
    moved = tree({"b/main.tf": "\n\n\n" + QUEUE})
    one = run_cli("check", str(first / "a"), "--format", "json").json()["findings"][0]
    two = run_cli("check", str(moved / "b"), "--format", "json").json()["findings"][0]
    assert one["line"] != two["line"]
    assert one["fingerprint"] == two["fingerprint"]


def test_fail_on_warning_turns_warnings_into_failure(tree) -> None:
    root = tree(
        {
            "main.tf": 'variable "team" {}\nresource "aws_instance" "a" {\n'
            '  tags = { owner = var.team, operated-by = "internal" }\n}\n'
        }
    )
    assert run_cli("check", str(root)).exit_code == 0
    assert run_cli("check", str(root), "--fail-on", "warning").exit_code == 1


def test_select_and_ignore(tree) -> None:
    root = tree({"main.tf": QUEUE})
    assert run_cli("check", str(root), "--ignore", "OWN001").exit_code == 0
    assert run_cli("check", str(root), "--select", "OWN004,OWN005").exit_code == 0
    assert run_cli("check", str(root), "--select", "OWN00").exit_code == 1


def test_unknown_rule_id_is_a_usage_error(tree) -> None:
    root = tree({"main.tf": QUEUE})
    run = run_cli("check", str(root), "--select", "OWN01")
    assert run.exit_code == 0  # a prefix of OWN012
    run = run_cli("check", str(root), "--select", "OWX001")
    assert run.exit_code == 2
    assert run.stderr == "ownlint: error: unknown rule id 'OWX001' (did you mean 'OWN001'?)\n"


def test_missing_path_exits_two(tmp_path: Path) -> None:
    run = run_cli("check", str(tmp_path / "nope"))
    assert run.exit_code == 2
    assert run.stderr == f"ownlint: error: {tmp_path / 'nope'}: no such file or directory\n"
    assert run.stdout == ""


def test_output_file_and_second_format(tree, tmp_path: Path) -> None:
    root = tree({"main.tf": QUEUE})
    out = tmp_path / "out.json"
    run = run_cli("check", str(root), "--format", "json", "-o", str(out), "--format", "text")
    assert json.loads(out.read_text())["summary"]["findings"] == 1
    assert run.stdout.startswith("main.tf\n")


def test_stdin_manifests() -> None:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {operated-by: internal}\n"
    run = run_cli("check", "-", "--format", "json", input=manifest)
    findings = run.json()["findings"]
    assert [(f["rule"], f["file"], f["resource"]) for f in findings] == [("OWN001", "<stdin>", "ConfigMap/default/c")]


def test_rules_lists_every_rule() -> None:
    run = run_cli("rules")
    assert run.exit_code == 0
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [rule.code for rule in RULES]
    assert lines[1].startswith("OWN001  missing-owner")


def test_explain_rule_prints_its_documentation() -> None:
    run = run_cli("explain", "own003")
    assert run.exit_code == 0
    assert run.stdout.startswith("OWN003 owner-not-allowed (default severity: error)\n\n")
    assert "Why it matters" in run.stdout
    assert run_cli("explain", "OWN099").exit_code == 2


def test_explain_address_shows_provenance() -> None:
    run = run_cli("explain", "aws_s3_bucket.customer_exports", str(FIXTURES / "example"))
    assert run.exit_code == 0
    assert "  owner: 'data-eng' (key owner)\n" in run.stdout
    assert "      from var.team in terraform.tfvars (terraform/data/terraform.tfvars:1)\n" in run.stdout


def test_version_and_main_entry_point(capsys) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"ownlint, version {__version__}\n"
    assert main(["check", "/definitely/not/here"]) == 2
    assert main(["no-such-command"]) == 2


def test_graph_has_contains_and_references_edges() -> None:
    run = run_cli("graph", str(FIXTURES / "example-clean" / "terraform" / "iam"), "--format", "json")
    graph = run.json()
    edges = {(e["source"], e["target"], e["kind"]) for e in graph["edges"]}
    assert ("stack:.", "aws_iam_role.deploy", "contains") in edges
    assert ("aws_iam_role_policy_attachment.deploy", "aws_iam_role.deploy", "references") in edges


def test_init_writes_an_editable_config_once(tmp_path: Path) -> None:
    target = tmp_path / "ownlint.yaml"
    assert run_cli("init", "--path", str(target)).exit_code == 0
    assert target.read_text().startswith("extends: none\n")
    assert run_cli("check", str(tmp_path), "--config", str(target)).exit_code == 0
    again = run_cli("init", "--path", str(target))
    assert again.exit_code == 2
    assert "already exists" in again.stderr
