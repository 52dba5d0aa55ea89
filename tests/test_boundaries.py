"""Boundary configuration, residency, ownership drift through CODEOWNERS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.config import load_config
from ownlint.errors import ConfigError
from ownlint.rules import KNOWN_IDS

PARTIES = """\
parties:
  internal: [platform, payments, web]
  msp:
    acme: {location: offshore, contracts: [ACME-1]}
    nord: {location: nearshore, contracts: [NORD-1]}
"""


def config_from(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "ownlint.yaml"
    path.write_text(text)
    return load_config(path, KNOWN_IDS)


def test_preset_boundaries_apply_when_the_config_names_none(tmp_path: Path) -> None:
    config = config_from(tmp_path, PARTIES)
    assert [b.name for b in config.boundaries] == ["msp-no-restricted-data", "offshore-no-regulated"]
    path, residency = config.boundaries
    assert (path.from_parties, dict(path.to), path.categories) == (
        ("msp",),
        {"data-classification": frozenset({"restricted"})},
        ("data", "security"),
    )
    assert residency.is_residency and residency.operator_locations == ("offshore",)


def test_boundary_categories_and_named_parties_are_read(tmp_path: Path) -> None:
    config = config_from(
        tmp_path,
        PARTIES
        + "boundaries:\n  - name: nord-no-confidential\n"
        + "    deny: {from: {party: [nord], location: [nearshore]}, to: {data-classification: [confidential],"
        + " category: [data]}}\n",
    )
    [boundary] = config.boundaries
    assert (boundary.from_parties, boundary.from_locations, boundary.categories) == (
        ("nord",),
        ("nearshore",),
        ("data",),
    )


@pytest.mark.parametrize(
    ("deny", "message"),
    [
        ("{from: {party: msp}}", "expected {from, to} (a path boundary) or {operator_location, FACT} (residency)"),
        ("{operator_location: [offshore]}", "a residency boundary needs operator_location and at least one fact"),
        ("{operator_location: [mars], compliance-scope: [gdpr]}", "expected one of onshore, nearshore, offshore"),
        (
            "{from: {party: msp}, to: {classification: [restricted]}}",
            "deny.to.classification: unknown fact 'classification' (did you mean 'data-classification'?)",
        ),
        ("{from: {party: msp}, to: {data-classification: restricted}}", "expected a list, got a string"),
        ("{from: {parties: msp}, to: {data-classification: [restricted]}}", "unknown key (did you mean 'party'?)"),
    ],
)
def test_bad_boundaries_name_key_path_and_line(tmp_path: Path, deny: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from(tmp_path, PARTIES + f"boundaries:\n  - name: b\n    deny: {deny}\n")
    text = str(raised.value)
    assert text.startswith(f"{tmp_path / 'ownlint.yaml'}:8: boundaries[0].deny")
    assert message in text


def test_residency_names_the_msp_by_contract_when_operator_is_just_msp(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": PARTIES,
            "main.tf": """
resource "aws_db_instance" "a" {
  tags = { owner = "payments", operated-by = "msp", msp-contract = "ACME-1", compliance-scope = "gdpr" }
}
resource "aws_db_instance" "b" {
  tags = { owner = "payments", operated-by = "msp", msp-contract = "NORD-1", compliance-scope = "gdpr" }
}
resource "aws_db_instance" "c" {
  tags = { owner = "payments", operated-by = "msp", compliance-scope = "gdpr" }
}
""",
        }
    )
    run = run_cli("check", str(root), "--select", "OWN010", "--format", "json")
    # b is run by the nearshore MSP; c's MSP cannot be told apart from two declared ones
    assert [f["resource"] for f in run.json()["findings"]] == ["aws_db_instance.a"]


def test_multi_valued_compliance_scope_is_split(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": PARTIES,
            "main.tf": 'resource "aws_s3_bucket" "a" {\n'
            '  tags = { owner = "acme", operated-by = "acme", compliance-scope = "pci,hipaa" }\n}\n',
        }
    )
    run = run_cli("check", str(root), "--select", "OWN010", "--format", "json")
    [finding] = run.json()["findings"]
    assert "compliance-scope hipaa" in finding["message"]


CODEOWNERS_CONFIG = PARTIES + "codeowners:\n  teams:\n    '@corp/payments': payments\n    '@corp/web': web\n"


def test_codeowners_team_mapping_gives_drift(tree: Any) -> None:
    root = tree(
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            ".github/CODEOWNERS": "*  @corp/platform-admins\n/payments/ @corp/payments\n/web/*.tf @corp/web\n",
            "ownlint.yaml": CODEOWNERS_CONFIG,
            "payments/main.tf": 'resource "aws_sqs_queue" "q" {\n  tags = { owner = "web" }\n}\n',
            "web/main.tf": 'resource "aws_sqs_queue" "q" {\n  tags = { owner = "web" }\n}\n',
            "other/main.tf": 'resource "aws_sqs_queue" "q" {\n  tags = { owner = "payments" }\n}\n',
        }
    )
    run = run_cli("check", str(root), "--select", "OWN011", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["file"] == "payments/main.tf"
    assert finding["message"] == (
        "owner 'web' of aws_sqs_queue.q differs from the owners CODEOWNERS gives payments/main.tf "
        "(.github/CODEOWNERS: @corp/payments) (payments)"
    )


def test_codeowners_patterns_are_relative_to_the_repository_not_the_scan_root(tree: Any) -> None:
    root = tree(
        {
            ".git/HEAD": "ref: refs/heads/main\n",
            "CODEOWNERS": "/infra/payments/ @corp/payments\n",
            "ownlint.yaml": CODEOWNERS_CONFIG,
            "infra/payments/main.tf": 'resource "aws_sqs_queue" "q" {\n  tags = { owner = "web" }\n}\n',
        }
    )
    run = run_cli("check", str(root / "infra"), "--select", "OWN011", "--format", "json")
    assert [f["file"] for f in run.json()["findings"]] == ["payments/main.tf"]


def test_without_codeowners_mapping_the_file_is_not_read(tree: Any) -> None:
    root = tree(
        {
            "CODEOWNERS": "* @corp/payments\n",
            "ownlint.yaml": PARTIES,
            "main.tf": 'resource "aws_sqs_queue" "q" {\n  tags = { owner = "web" }\n}\n',
        }
    )
    run = run_cli("check", str(root), "--select", "OWN011", "--format", "json")
    assert run.json()["findings"] == []


MSP_WITH_IDENTITIES = """\
parties:
  internal: [platform]
  msp:
    acme:
      location: onshore
      contracts: [ACME-1]
      identities: {aws_principals: ["arn:aws:iam::111122223333:root"], cidrs: ["203.0.113.0/24"]}
"""
PER_INSTANCE = """\
provider "aws" {{
  default_tags {{
    tags = {{ owner = "platform", operated-by = "internal", compliance-scope = "pci" }}
  }}
}}

resource "aws_iam_role" "ops" {{
  assume_role_policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = {{ AWS = "arn:aws:iam::111122223333:root" }} }}] }})
}}

resource "aws_iam_role_policy" "read" {{
  role   = aws_iam_role.ops.id
  policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "sqs:*", Resource = "*" }}] }})
}}

resource "aws_sqs_queue" "q" {{
  for_each = {queues}
  name     = each.key
  tags     = {{ data-classification = each.value }}
}}

resource "aws_security_group" "db" {{
  ingress {{
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.0/24"]
  }}
}}

resource "aws_db_instance" "db" {{
  for_each               = {databases}
  vpc_security_group_ids = [aws_security_group.db.id]
  tags                   = {{ data-classification = each.value }}
}}
"""


def _boundary_findings(tree: Any, queues: str, databases: str) -> list[dict[str, Any]]:
    root = tree(
        {"ownlint.yaml": MSP_WITH_IDENTITIES, "main.tf": PER_INSTANCE.format(queues=queues, databases=databases)}
    )
    run = run_cli("check", str(root), "--select", "OWN008,OWN009", "--format", "json")
    return list(run.json()["findings"])


def test_boundary_rules_judge_every_for_each_instance_not_only_the_first(tree: Any) -> None:
    """The restricted instance comes second: before, only the first instance's facts were judged."""
    found = _boundary_findings(
        tree, '{ alerts = "internal", settlements = "restricted" }', '{ alpha = "internal", beta = "restricted" }'
    )
    assert [(f["rule"], f["resource"], f["message"].split(": boundary")[1]) for f in found] == [
        ("OWN008", "aws_sqs_queue.q", " 'msp-no-restricted-data' (only in aws_sqs_queue.q[\"settlements\"])"),
        ("OWN009", "aws_db_instance.db", " 'msp-no-restricted-data' (only in aws_db_instance.db[\"beta\"])"),
    ]
    # the same path to the same resource whichever instance is restricted: the same fingerprint
    swapped = _boundary_findings(
        tree, '{ alerts = "restricted", settlements = "internal" }', '{ alpha = "restricted", beta = "internal" }'
    )
    assert [f["fingerprint"] for f in swapped] == [f["fingerprint"] for f in found]
    assert [f["message"].rsplit("(only in ", 1)[1] for f in swapped] == [
        'aws_sqs_queue.q["alerts"])',
        'aws_db_instance.db["alpha"])',
    ]


def test_a_boundary_finding_on_instances_denied_for_different_values_names_each_value(tree: Any) -> None:
    boundaries = "boundaries:\n  - name: no-secrets\n    deny: {from: {party: msp}, to: {data-classification: [confidential, restricted]}}\n"
    root = tree(
        {
            "ownlint.yaml": MSP_WITH_IDENTITIES + boundaries,
            "main.tf": PER_INSTANCE.format(
                queues='{ a = "confidential", b = "public", c = "restricted" }', databases='{ x = "public" }'
            ),
        }
    )
    run = run_cli("check", str(root), "--select", "OWN008", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["message"] == (
        "aws_sqs_queue.q (data-classification confidential, restricted) is reachable by MSP 'acme' in 4 hops: "
        'boundary \'no-secrets\' (only in aws_sqs_queue.q["a"], aws_sqs_queue.q["c"])'
    )
    # every instance denied: no "only in"
    write_tree(
        root, {"main.tf": PER_INSTANCE.format(queues='{ a = "confidential", c = "restricted" }', databases="{}")}
    )
    [finding] = run_cli("check", str(root), "--select", "OWN008", "--format", "json").json()["findings"]
    assert finding["message"].endswith("boundary 'no-secrets'")


@pytest.mark.parametrize(
    ("granted", "expected"),
    [
        ('aws_sqs_queue.q["alerts"].arn', []),
        ('aws_sqs_queue.q["settlements"].arn', ['only in aws_sqs_queue.q["settlements"]']),
        (
            '[aws_sqs_queue.q["alerts"].arn, aws_sqs_queue.q["settlements"].arn]',
            ['only in aws_sqs_queue.q["settlements"]'],
        ),
        ("aws_sqs_queue.q.arn", ['only in aws_sqs_queue.q["settlements"]']),
    ],
)
def test_a_policy_that_names_one_instance_reaches_that_one(tree: Any, granted: str, expected: list[str]) -> None:
    """Judging every instance must not judge those a path does not reach: the grant names its instance."""
    text = PER_INSTANCE.format(queues='{ alerts = "internal", settlements = "restricted" }', databases="{}")
    root = tree(
        {"ownlint.yaml": MSP_WITH_IDENTITIES, "main.tf": text.replace('Resource = "*"', f"Resource = {granted}")}
    )
    run = run_cli("check", str(root), "--select", "OWN008", "--format", "json")
    assert [f["message"].rsplit("(", 1)[1].rstrip(")") for f in run.json()["findings"]] == expected
