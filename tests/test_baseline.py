"""Baselines (`ownlint baseline`, `check --baseline`) and new-findings-only (`check --diff-base`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli

QUEUE = 'resource "aws_sqs_queue" "{name}" {{\n  name = "{name}"\n}}\n'
OWNED = 'resource "aws_sqs_queue" "{name}" {{\n  name = "{name}"\n  tags = {{ owner = "platform" }}\n}}\n'


def findings(root: Path, *options: str) -> list[tuple[str, str]]:
    run = run_cli("check", str(root), "--select", "OWN001", "--format", "json", *options)
    return [(f["rule"], f["resource"]) for f in run.json()["findings"]]


def test_baseline_hides_known_findings_even_after_they_move(tree: Any) -> None:
    root = tree({"main.tf": QUEUE.format(name="old")})
    baseline_file = root.parent / "baseline.json"
    run = run_cli("baseline", str(root), "-o", str(baseline_file))
    assert (run.exit_code, run.stdout) == (0, f"wrote {baseline_file}: 3 findings recorded\n")
    recorded = json.loads(baseline_file.read_text())
    assert recorded["version"] == 1 and recorded["created"].endswith("+00:00")
    assert {entry["rule"] for entry in recorded["findings"]} >= {"OWN001"}
    assert "line" not in recorded["findings"][0]
    # 20 lines later, nothing renamed: still the known finding
    (root / "main.tf").write_text("\n" * 20 + QUEUE.format(name="old"))
    assert findings(root, "--baseline", str(baseline_file)) == []
    run = run_cli("check", str(root), "--select", "OWN001", "--baseline", str(baseline_file))
    assert run.exit_code == 0


def test_baseline_reports_new_ones_and_lists_fixed_ones(tree: Any, monkeypatch: Any) -> None:
    root = tree({"main.tf": QUEUE.format(name="old") + QUEUE.format(name="gone")})
    monkeypatch.chdir(root)  # text names files from the current directory
    baseline_file = root.parent / "baseline.json"
    run_cli("baseline", str(root), "-o", str(baseline_file))
    (root / "main.tf").write_text(QUEUE.format(name="old") + QUEUE.format(name="fresh"))
    run = run_cli("check", str(root), "--select", "OWN001", "--baseline", str(baseline_file))
    assert run.exit_code == 1
    assert run.stdout.splitlines()[-3:] == [
        "1 finding (1 error) in 1 file (2 resources), preset hybrid-it.",
        f"Compared with baseline {baseline_file}: 1 known finding not shown; 1 fixed since:",
        "  fixed: OWN001 aws_sqs_queue.gone (main.tf)",
    ]
    data = run_cli("check", str(root), "--select", "OWN001", "--baseline", str(baseline_file), "--format", "json")
    assert data.json()["summary"]["compared_with"]["fixed"] == [
        {"rule": "OWN001", "resource": "aws_sqs_queue.gone", "file": "main.tf"}
    ]


def test_regenerating_the_baseline_ratchets_it_down(tree: Any) -> None:
    root = tree({"main.tf": QUEUE.format(name="a") + QUEUE.format(name="b")})
    baseline_file = root.parent / "baseline.json"
    run_cli("baseline", str(root), "-o", str(baseline_file))
    before = len(json.loads(baseline_file.read_text())["findings"])
    (root / "main.tf").write_text(QUEUE.format(name="a") + OWNED.format(name="b"))
    run_cli("baseline", str(root), "-o", str(baseline_file))
    assert len(json.loads(baseline_file.read_text())["findings"]) == before - 1
    (root / "main.tf").write_text(QUEUE.format(name="a") + QUEUE.format(name="b"))
    assert findings(root, "--baseline", str(baseline_file)) == [("OWN001", "aws_sqs_queue.b")]


@pytest.mark.parametrize(
    ("content", "message"),
    [("not json", "not a baseline (invalid JSON"), ('{"version": 9}', "not an ownlint baseline of version 1")],
)
def test_a_bad_baseline_is_a_usage_error(tree: Any, content: str, message: str) -> None:
    root = tree({"main.tf": QUEUE.format(name="a"), "b.json.txt": content})
    run = run_cli("check", str(root / "main.tf"), "--baseline", str(root / "b.json.txt"))
    assert run.exit_code == 2 and message in run.stderr


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_base_reports_exactly_the_finding_the_change_introduces(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "dev")
    (root / "infra" / "main.tf").write_text(QUEUE.format(name="stays") + QUEUE.format(name="fixed"))
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "base")
    git(root, "checkout", "--quiet", "-b", "change")
    # the change fixes one finding, adds one, and moves the one that stays
    (root / "infra" / "main.tf").write_text(
        "\n\n" + QUEUE.format(name="stays") + OWNED.format(name="fixed") + QUEUE.format(name="added")
    )
    git(root, "commit", "--quiet", "-am", "change")
    run = run_cli("check", str(root / "infra"), "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert [(f["rule"], f["resource"]) for f in run.json()["findings"]] == [("OWN001", "aws_sqs_queue.added")]
    compared = run.json()["summary"]["compared_with"]
    assert compared["against"].startswith("main (merge base ")
    assert (compared["known"], compared["fixed"]) == (
        1,
        [{"rule": "OWN001", "resource": "aws_sqs_queue.fixed", "file": "main.tf"}],
    )
    assert run.exit_code == 1
    assert git(root, "worktree", "list").count("\n") == 1  # no worktree is added
    assert not (root / ".ownlint").exists()  # no result cache in the repository (issue 15)
    again = run_cli("check", str(root / "infra"), "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert again.json()["findings"] == run.json()["findings"]


def test_diff_base_outside_a_repository_is_a_usage_error(tree: Any) -> None:
    root = tree({"main.tf": QUEUE.format(name="a")})
    run = run_cli("check", str(root), "--diff-base", "main")
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: git rev-parse --show-toplevel: ") or "git" in run.stderr
