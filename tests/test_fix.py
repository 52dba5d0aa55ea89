"""ownlint fix: golden before/after trees for each placement, idempotence, and a clean check after."""

from __future__ import annotations

import difflib
import shlex
import shutil
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, run_cli

CASES = sorted(p.name for p in (FIXTURES / "fix").iterdir() if p.is_dir())
# the one-line constructs a key cannot be added to without changing that line
IN_PLACE = {
    "new-tags-attribute": ['resource "aws_sns_topic" "alerts" {}'],
    "resource-tags": ["  tags   = local.common", '  tags   = { app = "inline" }'],
}


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_fix_places_the_key_as_the_golden_tree_shows(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / case
    shutil.copytree(FIXTURES / "fix" / case / "before", tree)
    (tree / ".git").mkdir()  # the repository: module sources may climb to it
    args = shlex.split((FIXTURES / "fix" / case / "args.txt").read_text())  # the paths first
    monkeypatch.chdir(tree)
    first = run_cli("fix", "--no-cache", *args)
    assert first.exit_code == 1, first.stderr  # files changed: pre-commit's signal
    (tree / ".git").rmdir()
    assert _files(tree) == _files(FIXTURES / "fix" / case / "after")
    (tree / ".git").mkdir()
    again = run_cli("fix", "--no-cache", *args)
    assert (again.exit_code, again.stdout) == (0, "")  # idempotent
    check = run_cli("check", args[0], "--no-cache", "--format", "json", "--select", "OWN000,OWN001")
    assert check.json()["findings"] == []  # every fixed file parses, and no owner is missing


@pytest.mark.parametrize("case", CASES)
def test_fix_only_adds_lines_but_for_one_line_constructs(case: str) -> None:
    before, after = _files(FIXTURES / "fix" / case / "before"), _files(FIXTURES / "fix" / case / "after")
    removed = [
        line[1:].rstrip("\n")
        for name in before
        for line in difflib.unified_diff(before[name].splitlines(True), after[name].splitlines(True))
        if line.startswith("-") and not line.startswith("---")
    ]
    assert removed == IN_PLACE.get(case, [])


def test_without_evidence_nothing_is_written(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "fix" / "new-tags-attribute" / "before", tmp_path / "tree")
    run = run_cli("fix", str(tmp_path / "tree"), "--no-cache")
    assert run.exit_code == 0 and run.stdout == ""
    assert run.stderr.splitlines() == [
        "not fixed: main.tf:1: aws_dynamodb_table.sessions: no evidence for owner; give --owner VALUE",
        "not fixed: main.tf:11: aws_sns_topic.alerts: no evidence for owner; give --owner VALUE",
    ]
    assert _files(tmp_path / "tree") == _files(FIXTURES / "fix" / "new-tags-attribute" / "before")


def test_dry_run_and_diff_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "fix" / "provider-default-tags" / "before", tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")  # fix names files from the current directory
    run = run_cli("fix", str(tmp_path / "tree"), "--no-cache", "--owner", "platform", "--dry-run", "--diff")
    assert run.exit_code == 1
    assert run.stdout.splitlines()[0] == (
        "providers.tf:5: would add owner = 'platform' to provider \"aws\" default_tags (given on the command line)"
    )
    assert '+      owner = "platform"' in run.stdout
    assert _files(tmp_path / "tree") == _files(FIXTURES / "fix" / "provider-default-tags" / "before")


def test_other_facts_with_set_and_unfixable_rules_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "fix" / "object-labels" / "before", tmp_path / "tree")
    refused = run_cli("fix", str(tmp_path / "tree"), "--rule", "OWN002")
    assert (refused.exit_code, refused.stderr.strip()) == (
        2,
        "ownlint: error: --rule OWN002: ownlint fix fixes OWN001, OWN005, OWN007",
    )
    bad = run_cli("fix", str(tmp_path / "tree"), "--set", "owner")
    assert bad.exit_code == 2 and "expected FACT=VALUE" in bad.stderr


@pytest.mark.parametrize(
    ("source", "line", "wanted"),
    [
        # a key already written is never written twice (Terraform rejects duplicate keys)
        ('resource "aws_sqs_queue" "q" {\n  tags = {\n    owner = "x"\n  }\n}\n', 2, None),
        # a reference is wrapped, a trailing `)` on a line with code gets the key before it
        (
            'resource "aws_sqs_queue" "q" {\n  tags = local.t\n}\n',
            2,
            '  tags = merge(local.t, { owner = "platform" })\n',
        ),
        (
            'resource "aws_sqs_queue" "q" {\n  tags = merge({\n    a = "b"\n  }, local.t)\n}\n',
            2,
            '  }, local.t, { owner = "platform" })\n',
        ),
        # an item of a local's object: into that object
        ('locals {\n  tags = {\n    a = "b"\n  }\n}\n', 3, '    owner = "platform"\n'),
    ],
)
def test_hcl_insertions(source: str, line: int, wanted: str | None) -> None:
    from ownlint.fixes.hcl import add_tag, apply

    insertion = add_tag(source.encode(), line, "tags", "owner", "platform")
    if wanted is None:
        assert insertion is None
        return
    assert insertion is not None
    changed = apply(source.encode(), [insertion]).decode()
    assert wanted in changed.splitlines(keepends=True)


def test_defaults_name_declared_facts(tmp_path: Path) -> None:
    (tmp_path / "ownlint.yaml").write_text('defaults:\n  - path: "*"\n    values: {ownr: platform}\n')
    run = run_cli("fix", str(tmp_path))
    assert (run.exit_code, run.stderr.strip()) == (
        2,
        f"ownlint: error: {tmp_path / 'ownlint.yaml'}:3: defaults[0].values.ownr: unknown fact 'ownr' "
        "(did you mean 'owner'?); declare it under keys",
    )
