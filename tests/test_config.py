"""ownlint.yaml: discovery, extends, and one clear line with exit 2 for every bad config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import run_cli

RESOURCE = 'resource "aws_instance" "a" {\n  tags = { owner = "platform", operated-by = "internal" }\n}\n'


def check_with(tree, config: str) -> tuple[int, str]:
    root = tree({"ownlint.yaml": config, "main.tf": RESOURCE})
    run = run_cli("check", str(root))
    return run.exit_code, run.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("parties: [a, b]\n", "ownlint.yaml:1: parties: expected a mapping, got a list"),
        ("partys: {}\n", "ownlint.yaml:1: partys: unknown key (did you mean 'parties'?)"),
        (
            "rules:\n  OWM001: {severity: error}\n",
            "ownlint.yaml:2: rules.OWM001: unknown rule id 'OWM001' (did you mean 'OWN001'?)",
        ),
        (
            "rules:\n  OWN001: {severity: fatal}\n",
            "ownlint.yaml:2: rules.OWN001.severity: expected one of error, warning, info, off, got 'fatal'",
        ),
        (
            "parties:\n  msp:\n    acme:\n      location: moon\n",
            "ownlint.yaml:4: parties.msp.acme.location: expected one of onshore, nearshore, offshore, got 'moon'",
        ),
        (
            "categories:\n  data:\n    requires: [data-class]\n",
            "ownlint.yaml:3: categories.data.requires[0]: unknown fact 'data-class' (did you mean 'data-classification'?); declare it under keys",
        ),
        ("extends: hybrid\n", "ownlint.yaml: extends: unknown preset 'hybrid' (did you mean 'hybrid-it'?)"),
        ("parties: {internal: [a]\n", "ownlint.yaml:2: invalid YAML: did not find expected ',' or '}'"),
        ("waivers:\n  - {rule: OWN001, resource: x}\n", "ownlint.yaml:2: waivers[0]: missing required key 'reason'"),
        ("- just\n- a list\n", "ownlint.yaml:1: (top level): expected a mapping at the top level"),
    ],
)
def test_bad_config_is_one_line_and_exit_two(tree, config: str, message: str) -> None:
    exit_code, stderr = check_with(tree, config)
    assert exit_code == 2
    assert stderr.count("\n") == 1
    assert stderr.startswith("ownlint: error: ")
    assert stderr.rstrip("\n").endswith(message)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read unreadable files")
def test_unreadable_config(tree) -> None:
    root = tree({"ownlint.yaml": "{}\n", "main.tf": RESOURCE})
    (root / "ownlint.yaml").chmod(0)
    run = run_cli("check", str(root))
    assert run.exit_code == 2
    assert "cannot read config: Permission denied" in run.stderr


def test_config_that_is_a_directory_is_unreadable(tree) -> None:
    root = tree({"main.tf": RESOURCE})
    (root / "conf.yaml").mkdir()
    run = run_cli("check", str(root), "--config", str(root / "conf.yaml"))
    assert run.exit_code == 2
    assert run.stderr.endswith("conf.yaml: config file not found\n")


def test_config_is_found_at_the_top_of_the_repository(tree) -> None:
    root = tree(
        {
            "ownlint.yaml": "parties:\n  internal: [platform]\n",
            "stacks/app/main.tf": RESOURCE.replace("platform", "plattform"),
        }
    )
    (root / ".git").mkdir()  # the top of a repository: configs are looked for there only (issue 15)
    run = run_cli("check", str(root / "stacks" / "app"), "--format", "json")
    assert [f["rule"] for f in run.json()["findings"]] == ["OWN002"]


def test_overrides_merge_over_the_preset(tree) -> None:
    config = (
        "parties:\n  internal: [platform]\n"
        "keys:\n  owner: [owner, team, cost-owner]\n"
        "rules:\n  OWN004: {severity: warning}\n"
        "categories:\n  batch:\n    match: [aws_instance]\n    owners: [msp]\n"
    )
    root = tree(
        {"ownlint.yaml": config, "main.tf": 'resource "aws_instance" "a" {\n  tags = { cost-owner = "platform" }\n}\n'}
    )
    run = run_cli("check", str(root), "--format", "json")
    got = [(f["rule"], f["severity"]) for f in run.json()["findings"]]
    # owner found under the extra spelling; the organisation's own category wins over the preset's
    assert got == [("OWN003", "error"), ("OWN004", "warning")]


def test_severity_off_drops_a_rule(tree) -> None:
    root = tree(
        {
            "ownlint.yaml": "rules:\n  OWN001: {severity: 'off'}\n  OWN004: {severity: 'off'}\n",
            "main.tf": 'resource "aws_instance" "a" {}\n',
        }
    )
    assert run_cli("check", str(root)).exit_code == 0


def test_reserved_rule_ids_are_accepted_in_config(tree) -> None:
    exit_code, stderr = check_with(tree, "rules:\n  OWN011: {severity: error}\n")
    assert (exit_code, stderr) == (0, "")


def test_bundled_policy_examples_are_valid(tmp_path: Path) -> None:
    policies = Path(__file__).resolve().parent.parent / "policies" / "examples"
    examples = sorted(policies.glob("*.yaml"))
    assert examples
    for example in examples:
        (tmp_path / "main.tf").write_text(RESOURCE)
        run = run_cli("check", str(tmp_path), "--config", str(example))
        assert run.exit_code in (0, 1), run.stderr
