"""The example estate, its clean twin, and one pass/fail fixture directory per rule."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, expected_lines, finding_lines, fixture_config, run_cli

from ownlint.rules import RULES

RULE_DIRS = {rule.code: FIXTURES / "rules" / f"{rule.code}-{rule.name}" for rule in RULES}


def test_example_estate_gives_exactly_the_expected_findings() -> None:
    run = run_cli("check", str(FIXTURES / "example"), *fixture_config(FIXTURES / "example"), "--format", "json")
    assert run.exit_code == 1
    assert finding_lines(run.json()["findings"]) == expected_lines(FIXTURES / "example" / "expected-findings.txt")


def test_example_estate_covers_every_rule() -> None:
    rules_seen = {line.split()[0] for line in expected_lines(FIXTURES / "example" / "expected-findings.txt")}
    assert rules_seen == {rule.code for rule in RULES}


def test_example_estate_notes_the_skipped_helm_chart() -> None:
    run = run_cli("check", str(FIXTURES / "example"), *fixture_config(FIXTURES / "example"))
    chart = os.path.relpath(FIXTURES / "example" / "charts" / "web")  # named from the current directory
    assert f"note: skipped 1 Helm chart template file in {chart}: render" in run.stderr


def test_clean_twin_has_no_findings() -> None:
    run = run_cli(
        "check", str(FIXTURES / "example-clean"), *fixture_config(FIXTURES / "example-clean"), "--format", "json"
    )
    assert run.json()["findings"] == []
    assert run.exit_code == 0


def standalone(directory: Path, case: str, tmp_path: Path) -> tuple[str, ...]:
    """A rule's ``case`` estate, copied outside this repository, and its config: context (Namespaces, module
    callers) comes from the repository a check is in, and a rule's pass and fail estates are neighbours here."""
    copy = Path(shutil.copytree(directory, tmp_path / directory.name))
    config = [
        str(copy / Path(c).relative_to(directory)) if Path(c).is_file() else c for c in fixture_config(directory / case)
    ]
    return (str(copy / case), *config)


@pytest.mark.parametrize("code", sorted(RULE_DIRS))
def test_rule_fixture_fail_case(code: str, tmp_path: Path) -> None:
    directory = RULE_DIRS[code]
    run = run_cli(
        "check",
        *standalone(directory, "fail", tmp_path),
        "--select",
        code,
        "--format",
        "json",
        "--fail-on",
        "info",
    )
    expected = expected_lines(directory / "expected.txt")
    assert expected, "a fail fixture must expect at least one finding"
    assert finding_lines(run.json()["findings"]) == expected
    assert run.exit_code == 1


@pytest.mark.parametrize("code", sorted(RULE_DIRS))
def test_rule_fixture_pass_case(code: str, tmp_path: Path) -> None:
    run = run_cli(
        "check",
        *standalone(RULE_DIRS[code], "pass", tmp_path),
        "--select",
        code,
        "--format",
        "json",
    )
    assert run.json()["findings"] == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_is_documented(rule: object) -> None:
    doc = rule.doc  # type: ignore[attr-defined]
    for section in ("What it does", "Why it matters", "Example", "Options"):
        assert re.search(rf"^{section}$", doc, re.M), f"{rule.code} docstring lacks {section!r}"  # type: ignore[attr-defined]
    assert doc.lower().index("fails") < doc.lower().index("passes"), "the failing example comes first"


def test_rule_ids_are_unique_ordered_and_named() -> None:
    codes = [rule.code for rule in RULES]
    assert codes == sorted(set(codes))
    for rule in RULES:
        assert re.fullmatch(r"OWN\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert RULE_DIRS[rule.code].is_dir(), f"no fixture directory {RULE_DIRS[rule.code]}"
