"""The command line through click's CliRunner: exact output and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.conftest import FIXTURES, ROOT, run_cli

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


def test_text_output_is_exact(tree, monkeypatch) -> None:
    root = tree({"main.tf": QUEUE})
    monkeypatch.chdir(root)
    run = run_cli("check", ".")
    assert run.stdout == (
        "main.tf\n"
        "     8  error    OWN001 missing-owner: aws_sqs_queue.jobs has no owner (looked for: owner, team); "
        'add owner to provider "aws" default_tags (main.tf:4) or to the resource\'s own tags\n'
        "\n"
        "1 finding (1 error) in 1 file (1 resource), preset hybrid-it.\n"
    )
    assert run.exit_code == 1


def test_clean_run_exits_zero_with_summary(tree) -> None:
    root = tree({"main.tf": QUEUE.replace('environment = "prod"', 'owner = "platform"')})
    run = run_cli("check", str(root))
    assert run.stdout == "No findings in 1 file (1 resource), preset hybrid-it.\n"
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
    assert run.stdout.startswith(f"{os.path.realpath(root)}/main.tf\n")  # outside the current directory


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


def test_explain_address_shows_provenance(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    run = run_cli("explain", "aws_s3_bucket.customer_exports", "fixtures/example")
    assert run.exit_code == 0
    assert "  owner: 'data-eng' (key owner)\n" in run.stdout
    assert (
        "      from var.team in terraform.tfvars (fixtures/example/terraform/data/terraform.tfvars:1)\n" in run.stdout
    )


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


# --- issue 16, item 15: paths a developer can open where they stand ----------------------------------------------

OTHER = QUEUE.replace('"jobs"', '"more"')
SUPPRESSED = QUEUE.replace(
    'resource "aws_sqs_queue" "jobs"',
    '# ownlint:ignore OWN001 reason="drained in PLAT-9"\nresource "aws_sqs_queue" "old"',
)


def test_text_paths_are_relative_to_the_current_directory(tree, monkeypatch) -> None:
    root = tree({"infra/main.tf": QUEUE, "infra/b/other.tf": OTHER})
    monkeypatch.chdir(root)
    run = run_cli("check", "infra")
    assert run.stdout == (
        "infra/b/other.tf\n"
        "     8  error    OWN001 missing-owner: aws_sqs_queue.more has no owner (looked for: owner, team); "
        'add owner to provider "aws" default_tags (b/other.tf:4) or to the resource\'s own tags\n'
        "\n"
        "infra/main.tf\n"
        "     8  error    OWN001 missing-owner: aws_sqs_queue.jobs has no owner (looked for: owner, team); "
        'add owner to provider "aws" default_tags (main.tf:4) or to the resource\'s own tags\n'
        "\n"
        "2 findings (2 errors) in 2 files (2 resources), preset hybrid-it.\n"
    )
    assert run.exit_code == 1
    json_files = [f["file"] for f in run_cli("check", "infra", "--format", "json").json()["findings"]]
    assert json_files == ["b/other.tf", "main.tf"]  # the JSON contract: relative to the scan root


def test_paths_outside_the_current_directory_are_absolute(tree, monkeypatch) -> None:
    """As ruff prints them: ``../../x.tf`` is hard to read and breaks when pasted elsewhere; an absolute
    path opens from anywhere."""
    root = tree({"infra/main.tf": QUEUE, "infra/b/other.tf": OTHER})
    monkeypatch.chdir(root / "infra" / "b")
    run = run_cli("check", "..", "--format", "compact")
    real = os.path.realpath(root)
    assert [line.split(":")[0] for line in run.stdout.splitlines()[:2]] == ["other.tf", f"{real}/infra/main.tf"]
    (root / "elsewhere").mkdir()
    monkeypatch.chdir(root / "elsewhere")
    two = run_cli("check", "../infra/main.tf", "../infra/b/other.tf", "--format", "compact")
    one = run_cli("check", "../infra", "--format", "compact")
    assert two.stdout.splitlines()[:2] == one.stdout.splitlines()[:2]
    assert one.stdout.splitlines()[0].startswith(f"{real}/infra/b/other.tf:8:1: OWN001 ")


def test_suppressed_findings_and_notes_name_paths_from_the_current_directory(tree, monkeypatch) -> None:
    plan = '{"format_version": "1.2", "terraform_version": "1.11.0", "planned_values": {}}'
    root = tree({"infra/main.tf": SUPPRESSED, "infra/plan.json": plan})
    monkeypatch.chdir(root)
    run = run_cli("check", "infra", "--select", "OWN001", "--show-suppressed")
    assert run.stdout == (
        "suppressed:\n"
        "  infra/main.tf:9  OWN001 aws_sqs_queue.old\n"
        "        by comment (infra/main.tf:8): drained in PLAT-9\n"
        "\n"
        "No findings in 1 file (1 resource), preset hybrid-it. 1 suppressed.\n"
    )
    assert run.stderr == (
        "note: not read: 1 file that looks like a Terraform plan (infra/plan.json); "
        "ownlint reads a plan only when it is given with --plan FILE\n"
    )


def test_explain_names_paths_from_the_current_directory(tree, monkeypatch) -> None:
    root = tree({"infra/main.tf": QUEUE})
    monkeypatch.chdir(root)
    run = run_cli("explain", "aws_sqs_queue.jobs", "infra")
    assert run.stdout.startswith("aws_sqs_queue.jobs  (aws_sqs_queue, infra/main.tf:8)\n")
    assert '        from provider "aws" default_tags (infra/main.tf:4)\n' in run.stdout


def test_a_var_file_is_named_from_the_current_directory_too(tree, monkeypatch) -> None:
    owned = 'variable "team" {}\nresource "aws_sqs_queue" "jobs" {\n  tags = { owner = var.team }\n}\n'
    root = tree({"infra/main.tf": owned, "vars/prod.tfvars": 'team = "platform"\n'})
    monkeypatch.chdir(root)
    run = run_cli("explain", "aws_sqs_queue.jobs", "infra", "--var-file", "vars/prod.tfvars")
    assert "        from var.team in --var-file (vars/prod.tfvars:1)\n" in run.stdout
    monkeypatch.chdir(root / "infra")
    run = run_cli("explain", "aws_sqs_queue.jobs", ".", "--var-file", "../vars/prod.tfvars")
    assert f"        from var.team in --var-file ({os.path.realpath(root)}/vars/prod.tfvars:1)\n" in run.stdout


def test_fix_names_the_files_it_edits_from_the_current_directory(tree, monkeypatch) -> None:
    root = tree({"infra/main.tf": QUEUE})
    monkeypatch.chdir(root)
    run = run_cli("fix", "infra", "--owner", "platform", "--dry-run")
    assert run.stdout == (
        "infra/main.tf:4: would add owner = 'platform' to provider \"aws\" default_tags (given on the command line)\n"
    )


# --- issue 16, item 16: a one-line format, --exit-zero, colour, plurals, the config, what was read --------------


def test_compact_format_is_one_line_per_finding(tree, monkeypatch) -> None:
    root = tree({"infra/main.tf": QUEUE, "infra/b/other.tf": OTHER})
    monkeypatch.chdir(root)
    run = run_cli("check", "infra", "--format", "compact", "--select", "OWN001")
    assert run.stdout == (
        "infra/b/other.tf:8:1: OWN001 aws_sqs_queue.more has no owner (looked for: owner, team); "
        'add owner to provider "aws" default_tags (b/other.tf:4) or to the resource\'s own tags\n'
        "infra/main.tf:8:1: OWN001 aws_sqs_queue.jobs has no owner (looked for: owner, team); "
        'add owner to provider "aws" default_tags (main.tf:4) or to the resource\'s own tags\n'
        "2 findings (2 errors) in 2 files (2 resources), preset hybrid-it.\n"
    )
    assert run.exit_code == 1


def test_compact_format_escapes_repository_text(tree, monkeypatch) -> None:
    root = tree({"a\nb:3:1: OWN000 forged\x1b[2J.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    monkeypatch.chdir(root)
    run = run_cli("check", ".", "--format", "compact", "--select", "OWN001")
    [finding, summary] = run.stdout.splitlines()
    assert finding.startswith("a\\nb:3:1: OWN000 forged\\x1b[2J.tf:1:1: OWN001 aws_sqs_queue.q has no owner")
    assert summary == "1 finding (1 error) in 1 file (1 resource), preset hybrid-it."


def test_exit_zero_reports_but_never_fails_on_findings(tree) -> None:
    root = tree({"main.tf": QUEUE})
    run = run_cli("check", str(root), "--exit-zero", "--format", "compact")
    assert run.exit_code == 0
    assert "OWN001" in run.stdout
    assert run_cli("check", str(root), "--exit-zero", "--select", "OWX001").exit_code == 2
    assert run_cli("check", str(root), "--exit-zero", "--config", str(root / "none.yaml")).exit_code == 2


def test_colour_always_colours_a_pipe(tree) -> None:
    root = tree({"main.tf": QUEUE})
    assert "\x1b[31merror" in run_cli("check", str(root), "--color", "always").stdout
    assert "\x1b[" not in run_cli("check", str(root)).stdout
    piped = subprocess.run(
        [sys.executable, "-m", "ownlint", "check", str(root), "--color", "always", "--format", "compact"],
        capture_output=True,
        text=True,
    )
    assert "\x1b[31mOWN001\x1b[0m" in piped.stdout


def test_one_file_and_one_resource_are_singular_in_every_summary(tree, monkeypatch) -> None:
    root = tree({"main.tf": QUEUE})
    monkeypatch.chdir(root)
    text = run_cli("check", ".", "--select", "OWN001").stdout
    assert text.endswith("\n1 finding (1 error) in 1 file (1 resource), preset hybrid-it.\n")
    markdown = run_cli("check", ".", "--select", "OWN001", "--format", "markdown").stdout
    assert "\n1 finding (1 error) in 1 file (1 resource), preset hybrid-it.\n" in markdown
    github = run_cli("check", ".", "--select", "OWN001", "--format", "github").stdout
    assert github.endswith("\nownlint: 1 finding in 1 file, preset hybrid-it\n")
    clean = run_cli("check", ".", "--select", "OWN002", "--format", "markdown").stdout
    assert clean == "### ownlint\n\nNo findings in 1 file (1 resource), preset hybrid-it.\n"
    junit = run_cli("check", ".", "--select", "OWN002", "--format", "junit").stdout
    assert 'name="no findings in 1 file"' in junit


def test_the_summary_names_the_config_used(tree, monkeypatch) -> None:
    root = tree({".git/HEAD": "", "ownlint.yaml": "parties:\n  internal: [platform]\n", "infra/main.tf": QUEUE})
    monkeypatch.chdir(root / "infra")
    run = run_cli("check", ".", "--select", "OWN001")
    assert run.stdout.endswith(
        " in 1 file (1 resource), config ../ownlint.yaml.\n".replace("../", f"{os.path.realpath(root)}/")
    )
    monkeypatch.chdir(root)
    assert run_cli("check", "infra", "--select", "OWN001").stdout.endswith(", config ownlint.yaml.\n")
    given = run_cli("check", "infra", "--select", "OWN001", "--config", "infra/../ownlint.yaml")
    assert given.stdout.endswith(", config ownlint.yaml.\n")
    markdown = run_cli("check", "infra", "--select", "OWN001", "--format", "markdown").stdout
    assert "in 1 file (1 resource), config `ownlint.yaml`.\n" in markdown


def test_only_infrastructure_files_are_counted(tree, monkeypatch) -> None:
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {owner: platform}\n"
    root = tree(
        {
            "main.tf": QUEUE,
            "k8s/app.yaml": config_map,
            "k8s/broken.yaml": "apiVersion: v1\nkind: [\n",
            "charts/web/values.yaml": "replicas: 2\n",
            ".github/workflows/ci.yml": "on: push\njobs: {}\n",
            "docs/openapi.json": '{"openapi": "3.0.0"}',
        }
    )
    monkeypatch.chdir(root)
    run = run_cli("check", ".", "--select", "OWN001")
    assert run.stdout.endswith("\n1 finding (1 error) in 3 files (2 resources), preset hybrid-it.\n")
    assert run_cli("check", ".", "--format", "json").json()["summary"]["files"] == 3


def test_what_is_not_read_is_said(tree, monkeypatch) -> None:
    root = tree(
        {
            ".git/HEAD": "",
            "ownlint.yml": "parties:\n  internal: [platform]\n",
            "live/main.tf": QUEUE,
            "live/.terraform.lock.hcl": "# terraform's own lock file\n",
            "live/prod/terragrunt.hcl": 'include "root" { path = find_in_parent_folders() }\n',
            "images/base.pkr.hcl": 'source "amazon-ebs" "base" {}\n',
        }
    )
    monkeypatch.chdir(root)
    run = run_cli("check", ".", "--select", "OWN001")
    assert run.stderr == (
        "note: skipped 1 .hcl file that is not Terraform (ownlint reads *.tf and *.tf.json): images/base.pkr.hcl\n"
        "note: not read: ownlint.yml: the config is read from ownlint.yaml or .ownlint.yaml\n"
        "note: read 1 terragrunt unit(s)\n"  # a terragrunt unit is read (issue 19)
    )
    assert run.stdout.endswith(" in 2 files (2 resources), preset hybrid-it.\n")  # the unit and its call node


def test_terraform_on_standard_input_is_said_to_be_unread() -> None:
    run = run_cli("check", "-", input=QUEUE)
    assert run.stdout == "No findings in 0 files (0 resources), preset hybrid-it.\n"
    assert run.stderr == (
        "note: standard input held no Kubernetes object: only manifests are read from standard input "
        "(give Terraform files as paths)\n"
    )
    assert run.exit_code == 0


def test_the_action_can_report_without_failing(tmp_path: Path) -> None:
    from tests.security.test_git import _action_script, _run_action, new_repo

    repo = new_repo(tmp_path / "repo", {"main.tf": 'resource "aws_sqs_queue" "a" {}\n'})
    gate = _run_action(repo, tmp_path, ARGS="--select OWN001", DIFF_BASE="")
    assert gate.returncode == 1, gate.stdout + gate.stderr
    report = _run_action(repo, tmp_path, ARGS="--select OWN001", DIFF_BASE="", EXIT_ZERO="true")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "::error file=main.tf,line=1" in report.stdout
    broken = _run_action(repo, tmp_path, DIFF_BASE="", EXIT_ZERO="true", CONFIG=str(tmp_path / "missing.yaml"))
    assert broken.returncode == 2, broken.stdout + broken.stderr  # only findings are let through
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["inputs"]["exit-zero"]["default"] == "false"
    assert _action_script()[1]["OWNLINT_EXIT_ZERO"] == "${{ inputs.exit-zero }}"


# --- issue 16, item 17: progress on a terminal, nothing in a pipe ------------------------------------------------

BAR = re.compile(
    r"\r(reading Terraform files|evaluating root modules|reading manifests|checking rules) +\[[# ]{20}\] \d+/\d+"
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An estate big enough to be parsed in worker processes (over 512 Terraform files) and, checked without a
    cache, to last longer than the bar waits (0.2 s): 40 stacks took 0.15 s after start-up, and drew no bar."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from estate import write_estate

    root = tmp_path_factory.mktemp("estate")
    write_estate(root, 200, 200)
    return root


def _on_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """``ownlint ARGS`` with its standard error on a pseudo-terminal and its output in a pipe."""
    import pty
    import threading

    controller, terminal = pty.openpty()
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's last holder closed it
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    command = [sys.executable, "-m", "ownlint", *args]
    done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    reader.join(timeout=30)
    os.close(controller)
    return done.returncode, done.stdout.decode(), b"".join(chunks).decode()


def test_every_stage_reports_its_progress_to_the_end_also_from_worker_processes(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the bar draws, without the clock: each stage in the order of the run, up to its total; the root
    modules counted as the worker processes finish their chunks."""
    from ownlint.commands.check import CheckOptions, run_check
    from ownlint.inputs import Inputs

    seen: dict[str, list[tuple[int, int]]] = {}
    monkeypatch.chdir(estate)
    inputs = Inputs(
        paths=(".",), jobs=2, progress=lambda stage, done, total: seen.setdefault(stage, []).append((done, total))
    )
    assert run_check(CheckOptions(inputs=inputs)).exit_code == 1
    order = ["reading Terraform files", "evaluating root modules", "reading manifests", "checking rules"]
    assert list(seen) == order
    for stage, counts in seen.items():
        assert counts[-1][0] == counts[-1][1] > 0, stage
        assert [done for done, _ in counts] == sorted(done for done, _ in counts), stage


def test_check_shows_progress_on_a_terminal(estate: Path) -> None:
    code, stdout, stderr = _on_terminal(["check", ".", "--jobs", "2", "--format", "compact", "--no-cache"], estate)
    assert code == 1
    stages = list(dict.fromkeys(match.group(1) for match in BAR.finditer(stderr)))
    order = ["reading Terraform files", "evaluating root modules", "reading manifests", "checking rules"]
    assert stages and stages == [stage for stage in order if stage in stages]  # the run's order (which
    # stages are drawn depends on the clock: the first draw waits, draws are a tenth of a second apart)
    assert stderr.endswith("\r\x1b[K")  # the bar is gone before anything else is said
    assert "\r" not in stdout and " findings (" in stdout.splitlines()[-1]
    quiet = _on_terminal(["check", ".", "--jobs", "2", "--format", "compact", "--no-cache", "-q"], estate)
    assert quiet[2] == "" and quiet[1] == stdout


def test_check_shows_no_progress_in_a_pipe(estate: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ownlint", "check", ".", "--jobs", "2"], cwd=estate, capture_output=True
    )
    assert done.returncode == 1
    assert done.stderr == b""


def test_a_single_repository_audit_shows_progress_on_a_terminal(estate: Path, tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    code, stdout, stderr = _on_terminal(["audit", ".", "--no-git", "--db", str(tmp_path / "a.db")], estate)
    assert code == 0, stdout + stderr
    assert "evaluating root modules" in [match.group(1) for match in BAR.finditer(stderr)]
    assert stdout.startswith("recorded 1 snapshot: ownership coverage ")
