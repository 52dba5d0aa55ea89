"""The cross-stack graph: relations from Terraform and Kubernetes, boundary paths, explain and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import FIXTURES, expected_lines, fixture_config, run_cli

from ownlint.graph import ResourceGraph, build_graph
from ownlint.inputs import Inputs
from ownlint.pipeline import load

ESTATE = FIXTURES / "estate"
PINNED = fixture_config(ESTATE)
MSP_CONFIG = """\
parties:
  internal: [platform, data-eng, security]
  msp:
    acme:
      location: offshore
      contracts: [ACME-1]
      identities:
        aws_principals: ["arn:aws:iam::111122223333:root"]
        k8s_subjects: ["Group:acme:operators"]
        cidrs: ["203.0.113.0/24"]
        gcp_members: ["domain:acme.example"]
        azure_principals: ["00000000-aaaa-bbbb-cccc-000000000001"]
"""
TRUST_ACME = """jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = "arn:aws:iam::111122223333:root" } }]})"""


def findings_with_paths(findings: list[dict[str, Any]]) -> list[str]:
    lines = []
    for finding in findings:
        lines.append(f"{finding['rule']} {finding['file']}:{finding['line']} {finding['resource']}")
        lines.extend(f"    {hop}" for hop in finding["path"])
    return lines


def graph_of(root: Path) -> ResourceGraph:
    loaded = load(Inputs(paths=(str(root),)))
    return build_graph(loaded.resources, loaded.config)


def edges_of(graph: ResourceGraph, kind: str) -> set[tuple[str, str]]:
    return {(source, target) for source, target, key in graph.edges if key == kind}


def test_estate_gives_exactly_the_expected_findings_and_paths() -> None:
    run = run_cli("check", str(ESTATE), *PINNED, "--format", "json")
    assert findings_with_paths(run.json()["findings"]) == expected_lines(ESTATE / "expected.txt")
    assert run.exit_code == 1


def test_estate_irsa_path_crosses_from_kubernetes_into_terraform_in_at_least_four_hops() -> None:
    run = run_cli("check", str(ESTATE), *PINNED, "--select", "OWN008", "--format", "json")
    paths = [f["path"] for f in run.json()["findings"]]
    irsa = [p for p in paths if any("eks.amazonaws.com/role-arn" in hop for hop in p)]
    assert len(irsa) == 1 and len(irsa[0]) - 1 >= 4
    assert irsa[0][0] == "msp:acme-msp (ownlint.yaml:7)"


def test_estate_text_output_lists_each_hop_with_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ESTATE)  # text names files from the current directory
    run = run_cli("check", str(ESTATE), *PINNED, "--select", "OWN009")
    assert run.stdout.splitlines()[:5] == [
        "terraform/platform/data.tf",
        "    18  error    OWN009 network-boundary: aws_db_instance.ledger (data-classification restricted) is "
        "network-reachable by MSP 'acme-msp' in 2 hops: boundary 'msp-no-restricted-data'",
        "        from: local.restricted (terraform/platform/data.tf:2) <- tags of aws_db_instance.ledger "
        "(terraform/platform/data.tf:23)",
        "        path: msp:acme-msp (ownlint.yaml:7)",
        "              -admits-> terraform/platform//aws_security_group.ledger_db (terraform/platform/network.tf:1): "
        "203.0.113.0/24 overlaps 203.0.113.0/25, tcp 5432 [terraform/platform/network.tf:5]",
    ]


def test_boundary_fingerprints_differ_per_way_in_and_ignore_lines() -> None:
    run = run_cli("check", str(ESTATE), *PINNED, "--select", "OWN008", "--format", "json")
    ledger = [f for f in run.json()["findings"] if f["resource"] == "aws_s3_bucket.ledger"]
    assert len({f["fingerprint"] for f in ledger}) == 2


def test_explain_shows_neighbourhood_and_paths_through_the_node() -> None:
    run = run_cli("explain", "aws_iam_role.acme_ops", str(ESTATE), *PINNED)
    text = run.stdout
    assert "  graph:\n    -references-> terraform/platform//data.aws_iam_policy_document.acme_trust" in text
    assert "\n    -uses-> terraform/platform//aws_iam_policy.ledger_read (terraform/platform/iam.tf:29)" in text
    assert "    <-assumes- msp:acme-msp (ownlint.yaml:7): trust policy allows arn:aws:iam::111122223333:root" in text
    assert "  boundary paths through it:\n    OWN008 access-boundary: aws_s3_bucket.ledger" in text


def test_explain_of_the_target_lists_its_boundary_findings_with_paths() -> None:
    run = run_cli("explain", "Secret/vault/db-credentials", str(ESTATE), *PINNED)
    assert "  OWN008 access-boundary: Secret/vault/db-credentials (data-classification restricted)" in run.stdout
    assert "    path: msp:acme-msp (ownlint.yaml:7)" in run.stdout


@pytest.mark.parametrize("fmt", ["dot", "json", "graphml"])
def test_graph_around_a_node_keeps_only_its_neighbourhood(fmt: str) -> None:
    run = run_cli(
        "graph", str(ESTATE), *PINNED, "--format", fmt, "--around", "ServiceAccount/payments/api", "--depth", "1"
    )
    assert run.exit_code == 0
    assert "terraform/eks//aws_iam_role.payments_api" in run.stdout
    assert "Deployment/payments/api" in run.stdout
    assert "aws_s3_bucket.brochures" not in run.stdout


def test_graph_json_edges_carry_kind_and_evidence() -> None:
    run = run_cli("graph", str(ESTATE), *PINNED, "--format", "json")
    data = json.loads(run.stdout)
    edge = next(
        e
        for e in data["edges"]
        if e["source"] == "msp:acme-msp" and e["target"] == "RoleBinding/vault/acme-secret-reader"
    )
    assert (edge["kind"], edge["file"], edge["line"], edge["detail"]) == (
        "grants",
        "kubernetes/vault.yaml",
        36,
        "subject Group acme:operators",
    )


def test_graph_around_unknown_node_is_a_usage_error() -> None:
    run = run_cli("graph", str(ESTATE), *PINNED, "--around", "aws_s3_bucket.nope")
    assert run.exit_code == 2
    assert "no graph node 'aws_s3_bucket.nope'" in run.stderr


# --- Terraform IAM ---------------------------------------------------------------------------------


def test_policy_document_with_source_documents_and_dynamic_statements(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": f"""
locals {{ buckets = {{ a = "alpha", b = "beta" }} }}
resource "aws_s3_bucket" "alpha" {{ bucket = "corp-alpha" }}
resource "aws_s3_bucket" "beta" {{ bucket = "corp-beta" }}
resource "aws_s3_bucket" "gamma" {{ bucket = "corp-gamma" }}
data "aws_iam_policy_document" "base" {{
  statement {{
    actions   = ["s3:GetObject"]
    resources = ["${{aws_s3_bucket.gamma.arn}}/*"]
  }}
}}
data "aws_iam_policy_document" "read" {{
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  dynamic "statement" {{
    for_each = local.buckets
    content {{
      actions   = ["s3:GetObject"]
      resources = ["arn:aws:s3:::corp-${{statement.value}}/*"]
    }}
  }}
  statement {{
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = ["*"]
  }}
}}
resource "aws_iam_role" "ops" {{
  name               = "ops"
  assume_role_policy = {TRUST_ACME}
  inline_policy {{
    name   = "read"
    policy = data.aws_iam_policy_document.read.json
  }}
}}
""",
        }
    )
    grants = edges_of(graph_of(root), "grants")
    assert grants == {
        ("aws_iam_role.ops", "aws_s3_bucket.alpha"),
        ("aws_iam_role.ops", "aws_s3_bucket.beta"),
        ("aws_iam_role.ops", "aws_s3_bucket.gamma"),
    }


def test_wildcard_resources_reach_every_resource_of_the_service_through_one_node(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": f"""
resource "aws_s3_bucket" "one" {{}}
resource "aws_s3_bucket" "two" {{}}
resource "aws_dynamodb_table" "orders" {{ name = "orders" }}
resource "aws_iam_role" "ops" {{ assume_role_policy = {TRUST_ACME} }}
resource "aws_iam_role_policy" "s3" {{
  role   = aws_iam_role.ops.name
  policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "s3:Get*", Resource = "*" }}] }})
}}
resource "aws_iam_role_policy_attachment" "ro" {{
  role       = aws_iam_role.ops.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"
}}
""",
        }
    )
    graph = graph_of(root)
    grants = edges_of(graph, "grants")
    assert ("aws_iam_role_policy.s3", "aws:s3:*") in grants
    assert {("aws:s3:*", "aws_s3_bucket.one"), ("aws:s3:*", "aws_s3_bucket.two")} <= grants
    assert ("aws_iam_role.ops", "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess") in edges_of(graph, "uses")
    reached = graph.shortest_paths("msp:acme", frozenset({"assumes", "grants", "uses"}))
    assert [e.kind for e in reached["aws_dynamodb_table.orders"]] == ["assumes", "uses", "grants", "grants"]
    assert ("aws:dynamodb:*", "aws_s3_bucket.one") not in grants


@pytest.mark.parametrize(
    ("principal", "trusted"),
    [
        ('"arn:aws:iam::111122223333:root"', True),
        ('"111122223333"', True),
        ('"arn:aws:iam::111122223333:role/noc"', True),  # a role in the MSP's account is the MSP's
        ('"*"', True),
        ('"arn:aws:iam::999999999999:root"', False),
        ('"arn:aws:iam::999999999999:role/111122223333"', False),
    ],
)
def test_trust_policy_principals_match_the_msp_account(tree: Any, principal: str, trusted: bool) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": f"""
resource "aws_iam_role" "ops" {{
  assume_role_policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = {{ AWS = [{principal}] }} }}] }})
}}
""",
        }
    )
    assert (("msp:acme", "aws_iam_role.ops") in edges_of(graph_of(root), "assumes")) is trusted


def test_trust_policy_that_only_allows_other_actions_is_no_trust(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_iam_role" "ops" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:TagSession",
    Principal = { AWS = "arn:aws:iam::111122223333:root" } }] })
}
""",
        }
    )
    assert edges_of(graph_of(root), "assumes") == set()


def test_bucket_policy_granting_the_msp_principal_is_a_direct_grant(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_s3_bucket" "ledger" {
  bucket = "ledger"
  tags   = { owner = "data-eng", operated-by = "internal", data-classification = "restricted", compliance-scope = "pci" }
}
resource "aws_s3_bucket_policy" "ledger" {
  bucket = aws_s3_bucket.ledger.id
  policy = <<-EOT
    {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.ledger.arn}/*"}]}
  EOT
}
""",
        }
    )
    run = run_cli("check", str(root), "--select", "OWN008", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["path"][1].startswith("-grants-> aws_s3_bucket.ledger (main.tf:2): resource policy of")


def test_attachment_by_name_across_stacks_and_group_membership(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "iam/main.tf": """
resource "aws_iam_user" "noc" { name = "acme-noc" }
resource "aws_iam_group" "readers" { name = "readers" }
resource "aws_iam_user_group_membership" "noc" {
  user   = aws_iam_user.noc.name
  groups = [aws_iam_group.readers.name]
}
resource "aws_iam_policy" "read" {
  name   = "read"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::corp-ledger/*" }] })
}
resource "aws_iam_group_policy_attachment" "read" {
  group      = "readers"
  policy_arn = "arn:aws:iam::444455556666:policy/read"
}
""",
            "data/main.tf": 'resource "aws_s3_bucket" "ledger" { bucket = "corp-ledger" }\n',
        }
    )
    graph = graph_of(root)
    assert ("iam//aws_iam_user.noc", "iam//aws_iam_group.readers") in edges_of(graph, "uses")
    assert ("iam//aws_iam_group.readers", "iam//aws_iam_policy.read") in edges_of(graph, "uses")
    assert ("iam//aws_iam_policy.read", "data//aws_s3_bucket.ledger") in edges_of(graph, "grants")


def test_msp_iam_user_declared_by_arn_is_the_msp(tree: Any) -> None:
    config = MSP_CONFIG.replace('"arn:aws:iam::111122223333:root"', '"arn:aws:iam::444455556666:user/acme-noc"')
    root = tree({"ownlint.yaml": config, "main.tf": 'resource "aws_iam_user" "noc" { name = "acme-noc" }\n'})
    assert ("msp:acme", "aws_iam_user.noc") in edges_of(graph_of(root), "assumes")


def test_lambda_operated_by_the_msp_runs_as_its_role(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_iam_role" "fn" { name = "fn" }
resource "aws_lambda_function" "etl" {
  function_name = "etl"
  role          = aws_iam_role.fn.arn
  tags          = { owner = "data-eng", operated-by = "msp", msp-contract = "ACME-1" }
}
""",
        }
    )
    graph = graph_of(root)
    assert ("msp:acme", "aws_lambda_function.etl") in edges_of(graph, "operates")
    assert ("aws_lambda_function.etl", "aws_iam_role.fn") in edges_of(graph, "uses")


def test_policies_inside_a_module_resolve_references_in_the_module(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": 'module "store" {\n  source = "./store"\n  trusted = "arn:aws:iam::111122223333:root"\n}\n',
            "store/main.tf": """
variable "trusted" { type = string }
resource "aws_s3_bucket" "this" { bucket = "store" }
resource "aws_iam_role" "reader" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = var.trusted } }] })
  inline_policy {
    name   = "read"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = aws_s3_bucket.this.arn }] })
  }
}
""",
        }
    )
    graph = graph_of(root)
    assert ("msp:acme", "module.store.aws_iam_role.reader") in edges_of(graph, "assumes")
    assert ("module.store.aws_iam_role.reader", "module.store.aws_s3_bucket.this") in edges_of(graph, "grants")


# --- network ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidr", "admitted"),
    [
        ("203.0.113.0/24", True),
        ("203.0.113.7/32", True),  # inside the MSP's range
        ("203.0.0.0/16", True),  # contains it
        ("0.0.0.0/0", True),
        ("203.0.114.0/24", False),
        ("10.0.0.0/8", False),
    ],
)
def test_security_group_rules_admit_by_cidr_overlap(tree: Any, cidr: str, admitted: bool) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": f"""
resource "aws_security_group" "db" {{ name = "db" }}
resource "aws_security_group_rule" "in" {{
  type              = "ingress"
  security_group_id = aws_security_group.db.id
  from_port         = 5432
  to_port           = 5432
  protocol          = "tcp"
  cidr_blocks       = ["{cidr}"]
}}
resource "aws_vpc_security_group_ingress_rule" "v2" {{
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = "{cidr}"
  ip_protocol       = "tcp"
}}
resource "aws_rds_cluster" "ledger" {{ vpc_security_group_ids = [aws_security_group.db.id] }}
""",
        }
    )
    graph = graph_of(root)
    assert (("msp:acme", "aws_security_group.db") in edges_of(graph, "admits")) is admitted
    assert ("aws_security_group.db", "aws_rds_cluster.ledger") in edges_of(graph, "admits")


def test_egress_rules_admit_nothing(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_security_group" "db" {
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group_rule" "out" {
  type              = "egress"
  security_group_id = aws_security_group.db.id
  cidr_blocks       = ["0.0.0.0/0"]
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
}
resource "aws_db_instance" "x" { vpc_security_group_ids = [aws_security_group.db.id] }
""",
        }
    )
    graph = graph_of(root)
    assert edges_of(graph, "admits") == {("aws_security_group.db", "aws_db_instance.x")}
    assert graph.resource("aws_security_group.db") is not None


NETPOL = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - ipBlock: {cidr: 203.0.0.0/16, except: [EXCEPT]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: data}
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""


@pytest.mark.parametrize(("exception", "admitted"), [("198.51.100.0/24", True), ("203.0.113.0/24", False)])
def test_network_policy_ip_blocks_admit_minus_except(tree: Any, exception: str, admitted: bool) -> None:
    root = tree({"ownlint.yaml": MSP_CONFIG, "netpol.yaml": NETPOL.replace("EXCEPT", exception)})
    graph = graph_of(root)
    assert (("msp:acme", "NetworkPolicy/data/db") in edges_of(graph, "admits")) is admitted
    assert edges_of(graph, "selects") == {("NetworkPolicy/data/db", "StatefulSet/data/db")}


# --- Kubernetes --------------------------------------------------------------------------------------

RBAC = """
apiVersion: v1
kind: Secret
metadata: {name: one, namespace: ns1}
---
apiVersion: v1
kind: Secret
metadata: {name: two, namespace: ns1}
---
apiVersion: v1
kind: Secret
metadata: {name: three, namespace: ns2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ns1}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
  - {apiGroups: [""], resources: [secrets], resourceNames: [one, three], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: msp-reader, namespace: ns1}
subjects: [{kind: Group, name: "acme:operators"}]
roleRef: {kind: ClusterRole, name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admins}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
roleRef: {kind: ClusterRole, name: everything}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ci}
"""


def test_rolebinding_scopes_a_clusterrole_to_its_namespace_and_resource_names(tree: Any) -> None:
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "rbac.yaml": RBAC}))
    grants = edges_of(graph, "grants")
    assert ("msp:acme", "RoleBinding/ns1/msp-reader") in grants
    assert {t for s, t in grants if s == "RoleBinding/ns1/msp-reader"} == {"Secret/ns1/one"}


def test_clusterrolebinding_with_wildcards_grants_every_object(tree: Any) -> None:
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "rbac.yaml": RBAC}))
    grants = edges_of(graph, "grants")
    granted = {t for s, t in grants if s == "ClusterRoleBinding/admins"}
    assert {"Secret/ns1/one", "Secret/ns1/two", "Secret/ns2/three", "ConfigMap/ns1/settings"} <= granted
    assert ("ServiceAccount/ci/deployer", "ClusterRoleBinding/admins") in grants


def test_workloads_use_their_service_account_secrets_configmaps_and_claims(tree: Any) -> None:
    manifest = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: ops}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: backup
          imagePullSecrets: [{name: registry}]
          volumes:
            - {name: creds, secret: {secretName: db}}
            - {name: data, persistentVolumeClaim: {claimName: dumps}}
            - name: mixed
              projected: {sources: [{configMap: {name: settings}}]}
          containers:
            - name: backup
              image: backup:1
              envFrom: [{secretRef: {name: s3}}]
              env: [{name: X, valueFrom: {configMapKeyRef: {name: flags, key: x}}}]
"""
    others = "".join(
        f"---\napiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: ops}}\n"
        for kind, name in [
            ("ServiceAccount", "backup"),
            ("Secret", "registry"),
            ("Secret", "db"),
            ("Secret", "s3"),
            ("PersistentVolumeClaim", "dumps"),
            ("ConfigMap", "settings"),
            ("ConfigMap", "flags"),
        ]
    )
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "cron.yaml": manifest + others}))
    assert {t for s, t in edges_of(graph, "uses") if s == "CronJob/ops/backup"} == {
        "ServiceAccount/ops/backup",
        "Secret/ops/registry",
        "Secret/ops/db",
        "Secret/ops/s3",
        "PersistentVolumeClaim/ops/dumps",
        "ConfigMap/ops/settings",
        "ConfigMap/ops/flags",
    }


def test_service_selects_matching_workloads_only(tree: Any) -> None:
    manifest = NETPOL.replace("EXCEPT", "1.2.3.4/32") + (
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: data}\nspec: {selector: {app: db}}\n"
    )
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "all.yaml": manifest}))
    assert ("Service/data/db", "StatefulSet/data/db") in edges_of(graph, "selects")
    assert ("Service/data/db", "Deployment/data/web") not in edges_of(graph, "selects")


def test_gke_workload_identity_both_ways(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "google_service_account" "app" { account_id = "app-reader" }
resource "google_service_account" "batch" { account_id = "batch" }
resource "google_service_account_iam_member" "wi" {
  service_account_id = google_service_account.batch.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:corp-prod.svc.id.goog[jobs/batch]"
}
resource "google_storage_bucket" "exports" { name = "corp-exports" }
resource "google_storage_bucket_iam_member" "app" {
  bucket = google_storage_bucket.exports.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.app.email}"
}
resource "google_project_iam_member" "msp" {
  project = "corp-prod"
  role    = "roles/storage.admin"
  member  = "user:noc@acme.example"
}
""",
            "k8s.yaml": """
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: web
  annotations: {iam.gke.io/gcp-service-account: app-reader@corp-prod.iam.gserviceaccount.com}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: batch, namespace: jobs}
""",
        }
    )
    graph = graph_of(root)
    assumes = edges_of(graph, "assumes")
    assert ("ServiceAccount/web/app", "google_service_account.app") in assumes
    assert ("ServiceAccount/jobs/batch", "google_service_account.batch") in assumes
    grants = edges_of(graph, "grants")
    assert ("google_service_account.app", "google_storage_bucket.exports") in grants
    assert ("msp:acme", "google_storage_bucket.exports") in grants


def test_azure_role_assignments_and_federated_identity(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "azurerm_resource_group" "data" {
  name     = "data"
  location = "westeurope"
}
resource "azurerm_storage_account" "ledger" {
  name                = "ledger"
  resource_group_name = azurerm_resource_group.data.name
}
resource "azurerm_role_assignment" "msp" {
  scope                = azurerm_resource_group.data.id
  role_definition_name = "Reader"
  principal_id         = "00000000-aaaa-bbbb-cccc-000000000001"
}
resource "azurerm_user_assigned_identity" "app" { name = "app" }
resource "azurerm_role_assignment" "app" {
  scope                = azurerm_storage_account.ledger.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
}
resource "azurerm_federated_identity_credential" "app" {
  name      = "app"
  parent_id = azurerm_user_assigned_identity.app.id
  subject   = "system:serviceaccount:web:app"
}
""",
            "k8s.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: web}\n",
        }
    )
    graph = graph_of(root)
    grants = edges_of(graph, "grants")
    assert ("msp:acme", "azurerm_storage_account.ledger") in grants
    assert ("azurerm_user_assigned_identity.app", "azurerm_storage_account.ledger") in grants
    assert ("ServiceAccount/web/app", "azurerm_user_assigned_identity.app") in edges_of(graph, "assumes")


def test_graph_has_no_relation_edges_without_declared_msps(tree: Any) -> None:
    root = tree({"main.tf": 'resource "aws_security_group" "a" {\n  ingress { cidr_blocks = ["0.0.0.0/0"] }\n}\n'})
    graph = graph_of(root)
    assert not [n for n in graph.graph if str(n).startswith("msp:")]
    assert edges_of(graph, "admits") == set()


def test_irsa_from_the_trust_side_with_a_wildcard_subject(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_iam_role" "ci" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity",
    Principal = { Federated = "arn:aws:iam::444455556666:oidc-provider/oidc.eks.example/id/X" },
    Condition = { StringLike = { "oidc.eks.example/id/X:sub" = "system:serviceaccount:ci:*" } } }] })
}
""",
            "k8s.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner, namespace: ci}\n---\n"
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner, namespace: web}\n",
        }
    )
    graph = graph_of(root)
    assert edges_of(graph, "assumes") == {("ServiceAccount/ci/runner", "aws_iam_role.ci")}
    [edge] = [e for k, e in graph.edges.items() if k[2] == "assumes"]
    assert edge.detail == "trust policy allows web identity system:serviceaccount:ci:*"


def test_terraform_kubernetes_service_account_annotation_by_reference(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_iam_role" "app" { name = "app" }
resource "kubernetes_service_account_v1" "app" {
  metadata {
    name        = "app"
    namespace   = "web"
    annotations = { "eks.amazonaws.com/role-arn" = aws_iam_role.app.arn }
  }
}
""",
        }
    )
    assert ("kubernetes_service_account_v1.app", "aws_iam_role.app") in edges_of(graph_of(root), "assumes")


def test_metadata_only_actions_and_pass_role_reach_nothing(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
resource "aws_s3_bucket" "a" {}
resource "aws_iam_role" "worker" { name = "worker" }
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = ["s3:ListAllMyBuckets", "ec2:DescribeInstances"], Resource = "*" },
    { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.worker.arn },
    { Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::444455556666:role/worker" },
  ] })
}
""",
        }
    )
    assert edges_of(graph_of(root), "grants") == {("aws_iam_policy.p", "aws_iam_role.worker")}


def test_partition_and_account_interpolations_do_not_become_targets(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
resource "aws_s3_bucket" "logs" { bucket = "corp-logs" }
resource "aws_s3_bucket" "other" { bucket = "corp-other" }
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject",
    Resource = "arn:${data.aws_partition.current.partition}:s3:::corp-logs/*" }] })
}
""",
        }
    )
    assert edges_of(graph_of(root), "grants") == {("aws_iam_policy.p", "aws_s3_bucket.logs")}


def test_explain_an_msp_identity_lists_its_ways_in_and_every_path() -> None:
    run = run_cli("explain", "msp:acme-msp", str(ESTATE), *PINNED)
    lines = run.stdout.splitlines()
    assert lines[0] == "msp:acme-msp (ownlint.yaml:7)"
    assert sum(1 for line in lines if line.startswith("    OWN00")) == 4
    assert "    -operates-> Deployment/payments/api (kubernetes/payments.yaml:24)" in run.stdout


def test_network_policy_peers_by_namespace_and_pod_selector(tree: Any) -> None:
    manifest = """
apiVersion: v1
kind: Namespace
metadata: {name: monitoring, labels: {team: sre}}
---
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: data}
spec:
  podSelector: {}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {team: sre}}
        - podSelector: {matchExpressions: [{key: app, operator: In, values: [api]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: data}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api}]}
"""
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "np.yaml": manifest}))
    assert edges_of(graph, "admits") == {
        ("Namespace/monitoring", "NetworkPolicy/data/db"),
        ("Deployment/data/api", "NetworkPolicy/data/db"),
    }


def test_every_rbac_user_and_group_subject_is_a_node(tree: Any) -> None:
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "rbac.yaml": RBAC}))
    assert ("k8s:Group:acme:operators", "RoleBinding/ns1/msp-reader") in edges_of(graph, "grants")


def test_irsa_annotation_with_an_interpolated_account_finds_the_role_by_name(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": """
data "aws_caller_identity" "current" {}
resource "aws_iam_role" "app" { name = "app-reader" }
resource "kubernetes_service_account" "app" {
  metadata {
    name = "app"
    annotations = {
      "eks.amazonaws.com/role-arn" = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/app-reader"
    }
  }
}
""",
        }
    )
    assert ("kubernetes_service_account.app", "aws_iam_role.app") in edges_of(graph_of(root), "assumes")


def _change(address: str, after: dict[str, Any]) -> dict[str, Any]:
    resource_type, name = address.split(".")
    return {
        "address": address,
        "mode": "managed",
        "type": resource_type,
        "name": name,
        "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {"arn": True}},
    }


def test_plan_json_alone_gives_boundary_paths_from_planned_values(tree: Any) -> None:
    restricted = {"owner": "data-eng", "operated-by": "internal", "data-classification": "restricted"}
    trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}}]}
    read = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::corp-ledger/*"}]}
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.11.0",
        "resource_changes": [
            _change("aws_s3_bucket.ledger", {"bucket": "corp-ledger", "tags": restricted, "tags_all": restricted}),
            _change("aws_iam_role.ops", {"name": "ops", "assume_role_policy": json.dumps(trust)}),
            _change("aws_iam_role_policy.read", {"role": "ops", "policy": json.dumps(read)}),
        ],
    }
    root = tree({"ownlint.yaml": MSP_CONFIG, "plan.json": json.dumps(plan)})
    run = run_cli("check", "--plan", str(root / "plan.json"), str(root), "--select", "OWN008", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["resource"] == "aws_s3_bucket.ledger"
    assert [hop.split(" ")[0] for hop in finding["path"]] == ["msp:acme", "-assumes->", "-uses->", "-grants->"]


@pytest.mark.parametrize(
    ("excluded", "trusted"),
    [
        ('"arn:aws:iam::111122223333:root"', False),  # the MSP's whole account is spared
        ('"arn:aws:iam::111122223333:role/auditor"', True),  # one role spared: the rest of the account is not
        ('"arn:aws:iam::999999999999:root"', True),
    ],
)
def test_not_principal_allows_everyone_but_the_listed(tree: Any, excluded: str, trusted: bool) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": f"""
resource "aws_s3_bucket" "b" {{ bucket = "b" }}
resource "aws_s3_bucket_policy" "b" {{
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*",
    NotPrincipal = {{ AWS = [{excluded}] }} }}] }})
}}
""",
        }
    )
    assert (("msp:acme", "aws_s3_bucket.b") in edges_of(graph_of(root), "grants")) is trusted


def test_resource_star_reaches_its_own_root_module_only(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "ops/main.tf": f"""
resource "aws_s3_bucket" "mine" {{}}
resource "aws_iam_role" "ops" {{ assume_role_policy = {TRUST_ACME} }}
resource "aws_iam_role_policy" "all" {{
  role   = aws_iam_role.ops.name
  policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "s3:*", Resource = "*" }}] }})
}}
resource "aws_iam_role_policy_attachment" "admin" {{
  role       = aws_iam_role.ops.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}}
""",
            "other/main.tf": 'resource "aws_s3_bucket" "theirs" {}\n',
        }
    )
    reached = graph_of(root).shortest_paths("msp:acme", frozenset({"assumes", "grants", "uses"}))
    assert "ops//aws_s3_bucket.mine" in reached
    assert "other//aws_s3_bucket.theirs" not in reached
    assert "ops//arn:aws:iam::aws:policy/AdministratorAccess" in reached


def test_project_level_gcp_binding_reaches_its_stack_and_named_project(tree: Any) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "iam/main.tf": """
resource "google_project_iam_member" "noc" {
  project = "corp-prod"
  role    = "roles/storage.objectViewer"
  member  = "group:noc@acme.example"
}
resource "google_storage_bucket" "local" { name = "local" }
""",
            "prod/main.tf": 'resource "google_storage_bucket" "a" {\n  name    = "a"\n  project = "corp-prod"\n}\n',
            "dev/main.tf": 'resource "google_storage_bucket" "b" {\n  name    = "b"\n  project = "corp-dev"\n}\n',
        }
    )
    grants = edges_of(graph_of(root), "grants")
    assert {t for s, t in grants if s == "msp:acme"} == {
        "iam//google_storage_bucket.local",
        "prod//google_storage_bucket.a",
    }


def test_pods_exec_lets_an_msp_act_as_the_workload_and_its_identity(tree: Any) -> None:
    manifest = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: debug, namespace: pay}
rules:
  - {apiGroups: [""], resources: [pods, pods/exec], verbs: [get, create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: acme-debug, namespace: pay}
subjects: [{kind: Group, name: "acme:operators"}]
roleRef: {kind: Role, name: debug}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: pay}
spec:
  template:
    spec: {serviceAccountName: api, containers: [{name: api, image: api}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: pay}
"""
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "k8s.yaml": manifest}))
    reached = graph.shortest_paths("msp:acme", frozenset({"assumes", "grants", "uses"}))
    assert [e.target for e in reached["ServiceAccount/pay/api"]] == [
        "RoleBinding/pay/acme-debug",
        "Deployment/pay/api",
        "ServiceAccount/pay/api",
    ]
    assert reached["Deployment/pay/api"][-1].detail == "get,create pods/exec of its pods via Role/pay/debug"


@pytest.mark.parametrize(
    ("rule", "acts_as"),
    [
        ("{apiGroups: [apps], resources: [deployments], verbs: [get, list]}", False),
        ("{apiGroups: [apps], resources: [deployments], verbs: [patch]}", True),
        ('{apiGroups: [""], resources: [serviceaccounts], verbs: [get]}', False),
        ('{apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}', True),
        ('{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}', True),
    ],
)
def test_reading_workloads_or_service_accounts_is_not_acting_as_them(tree: Any, rule: str, acts_as: bool) -> None:
    manifest = f"""
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: r, namespace: pay}}
rules: [{rule}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: b, namespace: pay}}
subjects: [{{kind: Group, name: "acme:operators"}}]
roleRef: {{kind: Role, name: r}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: pay}}
spec:
  template:
    spec: {{serviceAccountName: api, containers: [{{name: api, image: api}}]}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: api, namespace: pay}}
"""
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "k8s.yaml": manifest}))
    reached = graph.shortest_paths("msp:acme", frozenset({"assumes", "grants", "uses"}))
    assert ("ServiceAccount/pay/api" in reached) is acts_as


@pytest.mark.parametrize(("action", "runs_as"), [("lambda:InvokeFunction", False), ("lambda:UpdateFunctionCode", True)])
def test_invoking_a_function_is_not_running_as_its_role(tree: Any, action: str, runs_as: bool) -> None:
    root = tree(
        {
            "ownlint.yaml": MSP_CONFIG,
            "main.tf": f"""
resource "aws_iam_role" "fn" {{ name = "fn" }}
resource "aws_lambda_function" "etl" {{ role = aws_iam_role.fn.arn }}
resource "aws_iam_role" "ops" {{
  assume_role_policy = {TRUST_ACME}
  inline_policy {{
    name   = "x"
    policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "{action}", Resource = aws_lambda_function.etl.arn }}] }})
  }}
}}
""",
        }
    )
    reached = graph_of(root).shortest_paths("msp:acme", frozenset({"assumes", "grants", "uses"}))
    assert ("aws_iam_role.fn" in reached) is runs_as


@pytest.mark.parametrize(("cluster_role", "reaches_secret"), [("edit", True), ("admin", True), ("view", False)])
def test_bindings_to_built_in_cluster_roles(tree: Any, cluster_role: str, reaches_secret: bool) -> None:
    manifest = f"""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: acme, namespace: pay}}
subjects: [{{kind: Group, name: "acme:operators"}}]
roleRef: {{kind: ClusterRole, name: {cluster_role}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: pay}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: pay}}
---
apiVersion: v1
kind: Secret
metadata: {{name: other, namespace: elsewhere}}
"""
    graph = graph_of(tree({"ownlint.yaml": MSP_CONFIG, "k8s.yaml": manifest}))
    granted = {t for s, t in edges_of(graph, "grants") if s == "RoleBinding/pay/acme"}
    assert ("Secret/pay/db" in granted) is reaches_secret
    assert "ConfigMap/pay/settings" in granted and "Secret/elsewhere/other" not in granted
    [edge] = [e for (s, t, k), e in graph.edges.items() if t == "ConfigMap/pay/settings" and k == "grants"]
    assert edge.detail.endswith(f"configmaps via ClusterRole/{cluster_role} (built-in)")


ODD_MANIFESTS = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: a, namespace: x}
subjects: "acme:operators"
roleRef: [ClusterRole, edit]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: x}
subjects: [{kind: Group, name: {nested: 1}}, 7, null]
roleRef: {kind: ClusterRole, name: [edit]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: x}
rules: [{apiGroups: "", resources: 5, verbs: "*"}, "x"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: c, namespace: x}
subjects: [{kind: Group, name: "acme:operators"}]
roleRef: {kind: Role, name: r}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: x}
spec:
  template:
    metadata: {labels: [1, 2]}
    spec: {serviceAccountName: [x], volumes: "v", containers: [{envFrom: [1, {secretRef: "s"}], env: [{valueFrom: 3}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: n, namespace: x}
spec: {podSelector: {matchExpressions: [{key: a, operator: Bogus}]}, ingress: [{from: [{ipBlock: {cidr: "not-a-cidr"}}, {namespaceSelector: {matchLabels: 3}}]}, 5]}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: x}
spec: {type: LoadBalancer, selector: [a], loadBalancerSourceRanges: "203.0.113.0/24"}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: x, annotations: {eks.amazonaws.com/role-arn: 12, iam.gke.io/gcp-service-account: "@@"}}
"""
ODD_TERRAFORM = """resource "aws_iam_role" "r" {
  name               = 5
  assume_role_policy = 42
  inline_policy {
    policy = "{not json"
  }
  managed_policy_arns = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = "x" })
}
resource "aws_iam_policy" "q" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = 5, Resource = { a = 1 }, Principal = ["x"], Condition = "c" }] })
}
data "aws_iam_policy_document" "d" {
  statement {
    principals {
      type        = "AWS"
      identifiers = "arn:aws:iam::111122223333:root"
    }
    condition {
      test = "StringLike"
    }
  }
}
resource "aws_security_group" "g" {
  ingress = "nope"
}
resource "aws_security_group_rule" "x" {
  type              = "ingress"
  security_group_id = aws_security_group.g.id
  cidr_blocks       = "203.0.113.0/24"
}
resource "aws_vpc_security_group_ingress_rule" "y" {
  security_group_id = aws_security_group.g.id
  cidr_ipv4         = ["10.0.0.0/8"]
}
resource "google_project_iam_member" "m" {
  role   = 3
  member = ["user:a@acme.example"]
}
resource "azurerm_role_assignment" "z" {
  scope        = 4
  principal_id = null
}
resource "aws_s3_bucket_policy" "bp" {
  bucket = ["a"]
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:*", Resource = "*" }] })
}
"""


@pytest.mark.parametrize(
    "command",
    [["check", "ROOT", "--format", "json"], ["graph", "ROOT", "--format", "graphml"], ["explain", "msp:acme", "ROOT"]],
)
def test_wrongly_shaped_policies_and_manifests_never_break_the_graph(tree: Any, command: list[str]) -> None:
    root = tree({"ownlint.yaml": MSP_CONFIG, "k.yaml": ODD_MANIFESTS, "main.tf": ODD_TERRAFORM})
    run = run_cli(*(str(root) if part == "ROOT" else part for part in command))
    assert run.exit_code in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
