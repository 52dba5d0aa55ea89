"""Terraform and Kubernetes loaders on inline sources: addresses, lines, tags and their places."""

from __future__ import annotations

from pathlib import Path

import pytest

from ownlint.loaders.kubernetes.load import load_kubernetes
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.loaders.terraform.load import load_terraform
from ownlint.model import Resource


def terraform(root: Path) -> dict[str, Resource]:
    result = load_terraform(root, sorted(root.glob("*.tf")))
    return {r.address: r for r in result.resources}


def kubernetes(root: Path) -> dict[str, Resource]:
    result = load_kubernetes(root, sorted(root.rglob("*.y*ml")))
    return {r.address: r for r in result.resources}


def test_default_tags_with_alias_and_explicit_provider(tree) -> None:
    root = tree(
        {
            "main.tf": """
provider "aws" {
  default_tags { tags = { owner = "platform" } }
}
provider "aws" {
  alias = "us"
  default_tags { tags = { owner = "us-team" } }
}
resource "aws_sqs_queue" "eu" {}
resource "aws_sqs_queue" "us" {
  provider = aws.us
  tags     = { env = "prod" }
}
resource "aws_sqs_queue" "override" {
  tags = { owner = "data-eng" }
}
""",
        }
    )
    resources = terraform(root)
    assert resources["aws_sqs_queue.eu"].tag("owner").value == "platform"
    assert resources["aws_sqs_queue.us"].tag("owner").value == "us-team"
    assert resources["aws_sqs_queue.override"].tag("owner").value == "data-eng"
    assert (
        str(resources["aws_sqs_queue.us"].tag("owner").provenance[-1]) == 'provider "aws.us" default_tags (main.tf:7)'
    )


def test_google_labels_and_default_labels(tree) -> None:
    root = tree(
        {
            "main.tf": 'provider "google" {\n  default_labels = { team = "web" }\n}\n'
            'resource "google_storage_bucket" "b" {\n  labels = { env = "prod" }\n}\n',
        }
    )
    bucket = terraform(root)["google_storage_bucket.b"]
    assert bucket.taggable
    assert {t.key: t.value for t in bucket.tags} == {"team": "web", "env": "prod"}


def test_tfvars_override_defaults_and_auto_tfvars_come_last(tree) -> None:
    root = tree(
        {
            "main.tf": 'variable "team" { default = "a" }\nresource "aws_sqs_queue" "q" {\n  tags = { owner = var.team }\n}\n',
            "terraform.tfvars": 'team = "b"\n',
            "z.auto.tfvars": 'team = "c"\n',
        }
    )
    owner = terraform(root)["aws_sqs_queue.q"].tag("owner")
    assert owner.value == "c"
    assert str(owner.provenance[0]) == "var.team in z.auto.tfvars (z.auto.tfvars:1)"


def test_blocks_have_start_and_end_lines_and_data_sources_are_not_taggable(tree) -> None:
    root = tree(
        {
            "main.tf": '\n\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\ndata "aws_s3_bucket" "d" {\n  bucket = "y"\n}\n'
        }
    )
    resources = terraform(root)
    bucket = resources["aws_s3_bucket.b"]
    assert (bucket.line, bucket.end_line) == (3, 5)
    assert not resources["data.aws_s3_bucket.d"].taggable


def test_unknown_tags_are_opaque_never_missing(tree) -> None:
    main = 'variable "tags" {}\nresource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\n'
    root = tree({"main.tf": main, "providers.tf": 'provider "aws" {}\n'})  # a root module, not a library
    queue = terraform(root)["aws_sqs_queue.q"]
    assert queue.tags == ()
    assert queue.opaque == (
        "var.tags has no default and no value in terraform.tfvars (tags of aws_sqs_queue.q (main.tf:3))",
    )


def test_references_become_addresses(tree) -> None:
    root = tree(
        {
            "main.tf": 'resource "aws_iam_role_policy_attachment" "a" {\n  role = aws_iam_role.r.name\n'
            '  policy_arn = data.aws_iam_policy.p.arn\n}\nmodule "net" {\n  source = "./net"\n  vpc = aws_vpc.v.id\n}\n'
        }
    )
    resources = terraform(root)
    assert resources["aws_iam_role_policy_attachment.a"].references == ("aws_iam_role.r", "data.aws_iam_policy.p")
    assert resources["module.net"].references == ("aws_vpc.v",)


def test_heredoc_and_escapes(tree) -> None:
    root = tree(
        {
            "main.tf": 'locals {\n  o = "plat"\n}\nresource "aws_sqs_queue" "q" {\n  tags = {\n'
            '    owner = <<-EOT\n      ${local.o}form\n      EOT\n    note = "$${literal}"\n  }\n}\n'
        }
    )
    queue = terraform(root)["aws_sqs_queue.q"]
    assert queue.tag("owner").value == "platform\n"
    assert queue.tag("note").value == "${literal}"


def test_invalid_hcl_is_a_located_problem(tree) -> None:
    root = tree({"ok.tf": 'resource "aws_sqs_queue" "q" {}\n', "bad.tf": 'resource "x" "y" {\n  a = [\n'})
    result = load_terraform(root, sorted(root.glob("*.tf")))
    [problem] = result.problems
    assert problem.file == "bad.tf"
    assert problem.line == 3
    assert problem.message.startswith("invalid HCL: unexpected end of file")


MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    owner: web
  annotations:
    escalation-contact: web@example.com
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            operated-by: msp
---
apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: reader, labels: {owner: security}}
  - apiVersion: example.com/v1
    kind: Widget
    metadata: {name: w}
"""


def test_kubernetes_documents_lists_and_inheritance(tree) -> None:
    resources = kubernetes(tree({"k8s/all.yaml": MANIFESTS}))
    # the directory holds one Namespace: what names none is applied there (`kubectl -n shop apply -f k8s`)
    assert sorted(resources) == ["ClusterRole/reader", "CronJob/shop/report", "Namespace/shop", "Widget/shop/w"]
    job = resources["CronJob/shop/report"]
    assert (job.line, job.end_line) == (10, 22)
    tags = {t.key: (t.value, str(t.provenance[0])) for t in job.tags}
    assert tags == {
        "operated-by": ("msp", "pod template label operated-by (k8s/all.yaml:21)"),
        "escalation-contact": ("web@example.com", "annotation escalation-contact of Namespace/shop (k8s/all.yaml:8)"),
        "owner": ("web", "label owner of Namespace/shop (k8s/all.yaml:6)"),
    }
    assert resources["ClusterRole/reader"].namespace is None


def test_crd_scope_is_learned_from_its_definition(tree) -> None:
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gizmos.example.com}\n"
        "spec:\n  scope: Cluster\n  names: {kind: Gizmo}\n---\napiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g}\n"
    )
    assert "Gizmo/g" in kubernetes(tree({"crd.yaml": crd}))


def test_non_kubernetes_yaml_is_skipped_silently(tree) -> None:
    root = tree(
        {
            "values.yaml": "replicaCount: 2\nimage: {tag: x}\n",
            "workflow.yml": "on: [push]\njobs: {}\n",
            "broken-but-not-k8s.yaml": "a: [\n",
        }
    )
    result = load_kubernetes(root, sorted(root.glob("*.y*ml")))
    assert result.resources == ()
    assert result.problems == ()


def test_invalid_yaml_keeps_earlier_documents_and_reports_the_line(tree) -> None:
    root = tree(
        {
            "x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: X\nmetadata: {name: [\n"
        }
    )
    result = load_kubernetes(root, [root / "x.yaml"])
    assert [r.address for r in result.resources] == ["ConfigMap/default/a"]
    [problem] = result.problems
    assert (problem.file, problem.line) == ("x.yaml", 8)


def test_unsafe_yaml_tags_are_refused(tree) -> None:
    root = tree({"evil.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: !!python/object/apply:os.system ['true']\n"})
    result = load_kubernetes(root, [root / "evil.yaml"])
    assert result.resources == ()
    assert result.problems[0].message.startswith("invalid YAML")


def test_parser_backend_seam(tree) -> None:
    import pytest

    from ownlint.errors import OwnlintError

    root = tree({"main.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    assert [r.address for r in load_terraform(root, [root / "main.tf"], TerraformInputs(parser="hcl2")).resources] == [
        "aws_sqs_queue.q"
    ]
    with pytest.raises(OwnlintError, match="unknown HCL parser 'nope'"):
        load_terraform(root, [root / "main.tf"], TerraformInputs(parser="nope"))


def test_python_dash_m_entry_point() -> None:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "ownlint", "--version"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("ownlint, version ")


def test_pathological_hcl_nesting_is_a_located_problem(tree) -> None:
    root = tree({"deep.tf": "locals {\n  x = " + "(" * 3000 + "1" + ")" * 3000 + "\n}\n"})
    [problem] = load_terraform(root, [root / "deep.tf"]).problems
    assert problem.message == "invalid HCL: nesting too deep to parse"


def test_manifests_only_run_never_imports_the_hcl_parser(tree) -> None:
    import subprocess
    import sys

    root = tree({"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
    script = (
        "import sys\nfrom ownlint.commands.check import CheckOptions, run_check\nfrom ownlint.inputs import Inputs\n"
        f"run_check(CheckOptions(Inputs(paths=({str(root)!r},))))\n"
        "print('lark' in sys.modules, 'networkx' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout == "False False\n"


def test_relative_paths_follow_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan root '.' is wherever the process is now: a cached resolution must not outlive a chdir."""
    from ownlint.loaders.files import relative

    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text("")
        monkeypatch.chdir(tmp_path / name)
        assert relative(Path("."), Path("main.tf")) == "main.tf"
