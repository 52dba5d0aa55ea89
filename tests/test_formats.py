"""Every output format on the example estate: golden files, and the formats' own validators."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import JUnitXml
from tests.conftest import FIXTURES, ROOT, run_cli

from ownlint import __version__

GOLDEN = FIXTURES / "example-output"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
FILES = {
    "text": "ownlint.txt",
    "compact": "compact.txt",
    "sarif": "ownlint.sarif",
    "junit": "junit.xml",
    "github": "github.txt",
    "gitlab": "gl-code-quality.json",
    "markdown": "summary.md",
    "json": "ownlint.json",
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example estate as a repository of its own, so repository-relative paths are stable."""
    root = tmp_path_factory.mktemp("repo") / "example"
    shutil.copytree(FIXTURES / "example", root)
    (root / ".git").mkdir()
    return root


def output(repository: Path, fmt: str) -> str:
    """``fmt`` of a check of the estate from the directory above it: human formats name files from there
    (``example/terraform/...``), machine formats from the scan root or the repository top (``terraform/...``)."""
    here = os.getcwd()
    os.chdir(repository.parent)
    try:
        run = run_cli("check", "example", "--format", fmt)
    finally:
        os.chdir(here)
    assert run.exit_code == 1
    return run.stdout.replace(__version__, "VERSION")


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_golden_output(repository: Path, fmt: str) -> None:
    assert output(repository, fmt) == (GOLDEN / FILES[fmt]).read_text()


def test_sarif_validates_against_the_schema_and_keeps_fingerprints(repository: Path) -> None:
    document = json.loads(output(repository, "sarif"))
    jsonschema.validate(document, SARIF_SCHEMA)
    [run] = document["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]][:3] == ["OWN000", "OWN001", "OWN002"]
    assert all(r["help"]["text"].startswith(r["shortDescription"]["text"]) for r in run["tool"]["driver"]["rules"])
    fingerprints = json.loads(output(repository, "json"))["findings"]
    assert [r["partialFingerprints"]["ownlint/v1"] for r in run["results"]] == [f["fingerprint"] for f in fingerprints]
    flows = [r for r in run["results"] if "codeFlows" in r]
    assert flows and flows[0]["codeFlows"][0]["threadFlows"][0]["locations"][0]["location"]["physicalLocation"][
        "artifactLocation"
    ] == {"uri": "ownlint.yaml"}


def test_sarif_paths_are_relative_to_the_repository_root(tree: Any) -> None:
    root = tree({".git/HEAD": "ref: refs/heads/main\n", "infra/main.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    run = run_cli("check", str(root / "infra"), "--format", "sarif")
    [result, *_] = json.loads(run.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"


def test_junit_parses_with_a_junit_parser(repository: Path, tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text(output(repository, "junit"))
    suites = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    cases = [case for suite in suites for case in suite]
    json_findings = json.loads(output(repository, "json"))["findings"]
    assert len(cases) == len(json_findings)
    assert all(not case.is_passed for case in cases)


def test_junit_names_files_by_their_repository_path_as_sarif_does(tree: Any) -> None:
    """JUnit is read by code hosts (GitLab's test report, GitHub test-report actions), which link a case's
    file from the top of the repository, as SARIF's, GitHub's and GitLab's formats name it."""
    from xml.etree import ElementTree

    root = tree({".git/HEAD": "ref: refs/heads/main\n", "infra/main.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    run = run_cli("check", str(root / "infra"), "--format", "junit", "--select", "OWN001")
    case = ElementTree.fromstring(run.stdout).find(".//testcase")
    assert case is not None
    assert (case.get("file"), case.get("classname"), case.get("name")) == (
        "infra/main.tf",
        "infra/main.tf",
        "OWN001 aws_sqs_queue.q",
    )
    failure = case.find("failure")
    assert failure is not None and (failure.text or "").startswith("infra/main.tf:1: OWN001 missing-owner: ")


def test_junit_of_a_clean_run_has_one_passing_case(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "example-clean", tmp_path / "clean")
    run = run_cli("check", str(tmp_path / "clean"), "--format", "junit")
    (tmp_path / "junit.xml").write_text(run.stdout)
    cases = [case for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml")) for case in suite]
    assert len(cases) == 1 and cases[0].is_passed


def test_github_annotations_are_the_default_under_github_actions(repository: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.chdir(repository.parent)
    run = run_cli("check", "example")
    assert run.stdout == output(repository, "github").replace("VERSION", __version__)
    assert run.stdout.startswith("::error file=kubernetes/monitoring/prometheus.yaml,line=18,endLine=31,title=OWN007")


def test_github_escapes_newlines_and_property_separators(tree: Any) -> None:
    root = tree({".git/HEAD": "", "a,b:c.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    run = run_cli("check", str(root), "--format", "github")
    assert run.stdout.splitlines()[0].startswith(
        "::error file=a%2Cb%3Ac.tf,line=1,endLine=1,title=OWN001 missing-owner::"
    )


def test_gitlab_code_quality_has_the_fields_gitlab_reads(repository: Path) -> None:
    issues = json.loads(output(repository, "gitlab"))
    assert issues and all(
        set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"} for issue in issues
    )
    assert {issue["severity"] for issue in issues} <= {"info", "minor", "major", "critical", "blocker"}


def test_several_formats_at_once(repository: Path, tmp_path: Path) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "junit.xml"
    run = run_cli(
        "check",
        str(repository),
        "--format",
        "sarif",
        "-o",
        str(sarif),
        "--format",
        "junit",
        "-o",
        str(junit),
        "--format",
        "text",
    )
    assert run.exit_code == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert "findings (" in run.stdout.splitlines()[-1]


def test_output_to_a_device_or_through_a_symlink_is_written_in_place(tmp_path: Path) -> None:
    """-o /dev/null must not replace the device with a file (an atomic rename would), and -o through a
    symlink writes its target, leaving the link."""
    import os
    import stat

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        run = run_cli("check", str(FIXTURES / "example"), "--format", "json", "-o", str(fifo))
        assert run.exit_code == 1
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        assert os.read(reader, 64).startswith(b'{\n  "version": 1,')
    finally:
        os.close(reader)
    target = tmp_path / "report.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    run_cli("check", str(FIXTURES / "example"), "--format", "json", "-o", str(link))
    assert link.is_symlink() and target.read_text().startswith('{\n  "version": 1,')
