"""What a check of some files or directories of a repository reads and reports: context (the callers of a
module, Namespaces) comes from the whole repository, findings only from what was named; a finding in a
module that a named file calls is located at the call."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.conftest import require_git, run_cli, write_tree
from tests.test_formats import SARIF_SCHEMA

PROVIDERS = """\
terraform {
  backend "s3" {}
}

provider "aws" {
  default_tags {
    tags = { owner = "platform", operated-by = "internal" }
  }
}
"""
FULL_TAGS = '{ data-classification = "internal", compliance-scope = "none", owner = "payments" }'
BUCKET_MODULE = """\
variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_s3_bucket" "this" {
  tags = var.tags
}
"""
CALL = 'module "{name}" {{\n  source = "{source}"\n  tags   = {tags}\n}}\n'
BARE_CALL = 'module "temp" {\n  source = "../../modules/bucket"\n}\n'
REPOSITORY = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "roots/prod/providers.tf": PROVIDERS,
    "roots/prod/main.tf": CALL.format(name="data", source="../../modules/bucket", tags=FULL_TAGS),
    "roots/staging/providers.tf": PROVIDERS,
    "roots/staging/main.tf": CALL.format(name="platform", source="../../modules/platform", tags=FULL_TAGS),
    "modules/platform/main.tf": 'variable "tags" {\n  type = map(string)\n}\n\n'
    + CALL.format(name="logs", source="../bucket", tags="var.tags"),
    "modules/bucket/main.tf": BUCKET_MODULE,
}


@pytest.fixture
def repository(tree: Any, monkeypatch: Any) -> Path:
    """Two roots; the shared bucket module is called by one directly and by the other through a module."""
    root: Path = tree(REPOSITORY)
    monkeypatch.chdir(root)
    return root


def _findings(*args: str) -> list[tuple[str, str, str]]:
    run = run_cli("check", *args, "--format", "json")
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    return sorted((f["rule"], f["file"], f["resource"]) for f in run.json()["findings"])


def test_a_changed_module_file_is_checked_as_its_callers_instantiate_it(repository: Path) -> None:
    """Before: the module was checked alone with its defaults (OWN001, OWN004, OWN005 on the bucket)."""
    assert _findings("modules/bucket/main.tf") == []
    assert _findings("modules/platform/main.tf") == []
    assert _findings("modules/bucket") == []  # the directory says the same


def test_every_caller_counts_and_only_the_module_findings_are_reported(repository: Path) -> None:
    lacking = '{ owner = "payments" }'
    write_tree(
        repository,
        {"roots/staging/main.tf": CALL.format(name="platform", source="../../modules/platform", tags=lacking)},
    )
    write_tree(repository, {"roots/staging/other.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    # prod passes full tags, staging (through modules/platform) does not: its instance is reported
    assert _findings("modules/bucket/main.tf") == [
        ("OWN005", "modules/bucket/main.tf", "module.platform.module.logs.aws_s3_bucket.this")
    ]


def test_a_module_nothing_in_the_repository_calls_is_a_library(repository: Path) -> None:
    """Issue 19: its tags come from an input, so they depend on a caller the repository does not have."""
    write_tree(repository, {"modules/orphan/main.tf": BUCKET_MODULE})
    assert [rule for rule, _, _ in _findings("modules/orphan/main.tf")] == ["OWN012"]


def test_a_module_nothing_calls_with_a_root_marker_is_a_root(repository: Path) -> None:
    write_tree(repository, {"modules/orphan/main.tf": BUCKET_MODULE, "modules/orphan/dev.tfvars": "tags = {}\n"})
    assert [rule for rule, _, _ in _findings("modules/orphan/main.tf")] == ["OWN001", "OWN004", "OWN005"]


def test_a_module_call_added_in_a_changed_file_is_reported_at_the_call(repository: Path) -> None:
    """Before: the finding was in modules/bucket/main.tf, not a changed file, so the hook passed."""
    write_tree(repository, {"roots/prod/temp.tf": "\n" + BARE_CALL})
    run = run_cli("check", "roots/prod/temp.tf", "--format", "json")
    [finding] = run.json()["findings"]
    assert (run.exit_code, finding["rule"], finding["file"], finding["line"], finding["end_line"]) == (
        1,
        "OWN005",
        "roots/prod/temp.tf",
        2,
        4,
    )
    assert finding["resource"] == "module.temp.aws_s3_bucket.this"
    assert finding["message"].endswith("; in module.temp (modules/bucket/main.tf:6)")
    assert finding["related"] == [
        {"file": "modules/bucket/main.tf", "line": 6, "what": "module.temp.aws_s3_bucket.this"}
    ]
    # a full scan locates it in the module, with the same fingerprint
    full = run_cli("check", ".", "--format", "json").json()["findings"]
    [same] = [f for f in full if f["resource"] == "module.temp.aws_s3_bucket.this"]
    assert (same["file"], same["line"], same["fingerprint"]) == ("modules/bucket/main.tf", 6, finding["fingerprint"])
    assert "related" not in same and "; in module.temp" not in same["message"]


def test_a_finding_located_at_a_call_in_text_and_sarif(repository: Path) -> None:
    write_tree(repository, {"roots/prod/main.tf": BARE_CALL})
    text = run_cli("check", "roots/prod/main.tf", "--select", "OWN005")
    assert text.stdout.splitlines()[:2] == [
        "roots/prod/main.tf",
        "     1  error    OWN005 missing-compliance-label: module.temp.aws_s3_bucket.this (data) is missing "
        'data-classification, compliance-scope; add data-classification, compliance-scope to provider "aws" '
        "default_tags (roots/prod/providers.tf:7) or to the resource's own tags; in module.temp (modules/bucket/main.tf:6)",
    ]
    sarif = json.loads(run_cli("check", "roots/prod/main.tf", "--select", "OWN005", "--format", "sarif").stdout)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    [result] = sarif["runs"][0]["results"]
    [location] = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "roots/prod/main.tf"},
        "region": {"startLine": 1, "endLine": 3},
    }
    related = [
        (r["physicalLocation"]["artifactLocation"]["uri"], r["message"]["text"]) for r in result["relatedLocations"]
    ]
    assert ("modules/bucket/main.tf", "module.temp.aws_s3_bucket.this") in related


def test_a_call_in_a_changed_module_locates_what_it_instantiates(repository: Path) -> None:
    """modules/platform is checked through roots/staging; what its call instantiates is reported at the call."""
    write_tree(
        repository,
        {
            "modules/platform/main.tf": 'variable "tags" {\n  type = map(string)\n}\n\n'
            + BARE_CALL.replace("../../modules/bucket", "../bucket")
        },
    )
    found = run_cli("check", "modules/platform/main.tf", "--select", "OWN005", "--format", "json").json()["findings"]
    assert [(f["rule"], f["file"], f["line"], f["resource"]) for f in found] == [
        ("OWN005", "modules/platform/main.tf", 5, "module.platform.module.temp.aws_s3_bucket.this")
    ]


def test_a_directory_takes_namespaces_from_the_repository_as_its_files_do(tree: Any, monkeypatch: Any) -> None:
    """Before: 'check k8s/payments' found no Namespace (OWN001, OWN004 on each object), the files form did."""
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n  labels: {owner: payments, operated-by: internal}\n"
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: payments}}\n"
    root = tree(
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "cluster/namespaces.yaml": namespace,
            "k8s/payments/a.yaml": config_map.format(name="a"),
            "k8s/payments/b.yaml": config_map.format(name="b")
            + "---\n"
            + config_map.format(name="c").replace("payments", "nowhere"),
        }
    )
    monkeypatch.chdir(root)
    expected = [("OWN001", "ConfigMap/nowhere/c"), ("OWN004", "ConfigMap/nowhere/c")]
    for args in (("k8s/payments",), ("k8s/payments/a.yaml", "k8s/payments/b.yaml"), (str(root / "k8s/payments"),)):
        run = run_cli("check", *args, "--format", "json")
        assert sorted((f["rule"], f["resource"]) for f in run.json()["findings"]) == expected, args


def _git(repo: Path, *args: str) -> None:
    subprocess.run([require_git(), *args], cwd=repo, check=True, capture_output=True)


def _in_git(root: Path) -> Path:
    (root / ".git" / "HEAD").unlink()
    (root / ".git").rmdir()
    _git(root, "init", "--quiet", "--initial-branch=main")
    _git(root, "config", "user.email", "dev@example.com")
    _git(root, "config", "user.name", "dev")
    _git(root, "add", ".")
    _git(root, "commit", "--quiet", "-m", "base")
    return root


def test_diff_base_on_a_changed_root_file_reports_the_call_it_adds(repository: Path) -> None:
    _in_git(repository)
    write_tree(repository, {"roots/prod/main.tf": REPOSITORY["roots/prod/main.tf"] + "\n" + BARE_CALL})
    run = run_cli("check", "--diff-base", "main", "--format", "json", "--", "roots/prod/main.tf")
    assert [(f["rule"], f["file"], f["line"], f["resource"]) for f in run.json()["findings"]] == [
        ("OWN005", "roots/prod/main.tf", 6, "module.temp.aws_s3_bucket.this")
    ]
    assert run.json()["summary"]["compared_with"]["fixed"] == []


def test_diff_base_of_a_directory_reads_the_base_namespaces_from_the_whole_repository(tree: Any) -> None:
    """Before, the base held only the files under the scanned directory: its objects had no Namespace, and
    their findings were reported as fixed by the change."""
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: payments}}\n"
    root = _in_git(
        tree(
            {
                ".git/HEAD": "ref: refs/heads/main\n",
                "cluster/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments\n"
                "  labels: {owner: payments, operated-by: internal}\n",
                "k8s/payments/a.yaml": config_map.format(name="a"),
            }
        )
    )
    write_tree(root, {"k8s/payments/b.yaml": config_map.format(name="b")})
    run = run_cli("check", str(root / "k8s/payments"), "--diff-base", "main", "--format", "json")
    assert (run.exit_code, run.json()["findings"], run.json()["summary"]["compared_with"]["fixed"]) == (0, [], [])


def test_an_audit_of_the_modules_records_them_as_the_roots_instantiate_them(repository: Path) -> None:
    """An audit of modules/ alone: before, each module was a root (the bucket unowned, with findings);
    now they are what roots/prod and roots/staging make of them, and the roots' own resources are not
    this audit's."""
    pytest.importorskip("sqlalchemy")
    from ownlint.commands.audit import audit_repository
    from ownlint.inputs import Inputs

    write_tree(repository, {"roots/prod/other.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    snapshot = audit_repository("modules", Inputs(), "infra", use_git=False)
    assert [(r.stack, r.address, r.owner, r.party) for r in snapshot.rows] == [
        ("../roots/prod", "module.data.aws_s3_bucket.this", "payments", "internal"),
        ("../roots/staging", "module.platform.module.logs.aws_s3_bucket.this", "payments", "internal"),
    ]
    assert snapshot.findings == ()


def test_with_jobs_the_callers_are_found_as_in_one_process(repository: Path) -> None:
    """Enough files for worker processes: the roots that call the scanned modules are loaded there too."""
    modules = {f"modules/m{i:02d}/{name}": BUCKET_MODULE for i in range(34) for name in ("main.tf", "other.tf")}
    modules = {k: v.replace('"this"', '"a"' if k.endswith("main.tf") else '"b"') for k, v in modules.items()}
    calls = "".join(CALL.format(name=f"m{i:02d}", source=f"../../modules/m{i:02d}", tags=FULL_TAGS) for i in range(33))
    write_tree(repository, {**modules, "roots/all/providers.tf": PROVIDERS, "roots/all/main.tf": calls})
    runs = [run_cli("check", "modules", "--jobs", jobs, "--format", "json").json() for jobs in ("1", "2")]
    assert runs[0] == runs[1]
    assert sorted({(f["rule"], f["file"]) for f in runs[0]["findings"]}) == [
        ("OWN012", f"m33/{name}")
        for name in ("main.tf", "other.tf")  # nothing calls m33: a library
    ]


def test_the_config_s_own_findings_are_reported_unless_only_files_are_named(tree: Any, monkeypatch: Any) -> None:
    waiver = "waivers:\n  - {rule: OWN001, resource: x, reason: old, expires: 2020-01-01}\n"
    root = tree({".git/HEAD": "ref: refs/heads/main\n", "ownlint.yaml": waiver, "k8s/a.yaml": "kind: List\n"})
    monkeypatch.chdir(root)
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {owner: x, operated-by: internal}}\n"
    for args, expected in ((["k8s"], ["../ownlint.yaml"]), (["-"], ["ownlint.yaml"]), (["k8s/a.yaml"], [])):
        run = run_cli("check", "--select", "OWN013", "--format", "json", *args, input=manifest)
        assert [f["file"] for f in run.json()["findings"]] == expected, args
