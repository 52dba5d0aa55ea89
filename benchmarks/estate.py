"""A deterministic synthetic estate: Terraform stacks with default_tags, locals, merge, module calls
and for_each; Kubernetes namespaces, workloads and RBAC. Same seed, same files.

    python benchmarks/estate.py OUT --stacks 100 --namespaces 100
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

TEAMS = ("platform", "data-eng", "payments", "security")
CONFIG = """parties:
  internal: [platform, data-eng, payments, security]
  msp:
    acme-msp:
      location: offshore
      contracts: [ACME-2025-01]
      identities:
        aws_principals: ["arn:aws:iam::111122223333:root"]
        k8s_subjects: ["Group:acme:operators"]
        cidrs: ["203.0.113.0/24"]
"""


def stack(index: int, rng: random.Random) -> dict[str, str]:
    """One root module (5 files) calling a local module (2 files) for_each over three queues."""
    team = rng.choice(TEAMS)
    classification = rng.choice(("internal", "confidential", "restricted"))
    files = {
        "providers.tf": """provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = local.common_tags
  }
}
""",
        "locals.tf": """locals {
  environment = "prod"
  common_tags = merge(var.extra_tags, {
    owner       = var.team
    operated-by = "internal"
    environment = local.environment
  })
  queues = { for name in ["orders", "refunds", "audit"] : name => { retention = 86400 } }
}
""",
        "variables.tf": """variable "team" {
  type = string
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}
""",
        "terraform.tfvars": f'team = "{team}"\n',
        "main.tf": f"""module "queues" {{
  source   = "./modules/queue"
  for_each = local.queues
  name     = "${{each.key}}-{index}"
  tags     = {{ data-classification = "{classification}", compliance-scope = "none" }}
}}

resource "aws_s3_bucket" "data" {{
  bucket = "estate-{index}-data"
  tags   = {{ data-classification = "{classification}", compliance-scope = "pci" }}
}}

resource "aws_iam_role" "reader" {{
  name = "estate-{index}-reader"
  assume_role_policy = jsonencode({{
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Principal = {{ Service = "ec2.amazonaws.com" }} }}]
  }})
}}

resource "aws_iam_role_policy" "read" {{
  role   = aws_iam_role.reader.id
  policy = jsonencode({{ Statement = [{{
    Effect = "Allow", Action = "s3:GetObject", Resource = "${{aws_s3_bucket.data.arn}}/*"
  }}] }})
}}
""",
        "modules/queue/main.tf": """variable "name" {
  type = string
}

variable "tags" {
  type = map(string)
}

resource "aws_sqs_queue" "this" {
  name = var.name
  tags = var.tags
}
""",
        "modules/queue/outputs.tf": 'output "arn" {\n  value = aws_sqs_queue.this.arn\n}\n',
    }
    return {f"terraform/stack-{index:04d}/{name}": text for name, text in files.items()}


EXTRA_TYPES = ("aws_sns_topic", "aws_cloudwatch_log_group", "aws_sqs_queue", "aws_kms_key", "aws_dynamodb_table")


def extra_resources(index: int, count: int, rng: random.Random) -> dict[str, str]:
    """``count`` more resources in one file, as real stacks have: most inherit default_tags, some add
    their own tags with merge(), some are unlabelled (findings), some use count."""
    blocks = []
    for number in range(count):
        kind = EXTRA_TYPES[number % len(EXTRA_TYPES)]
        shape = rng.random()
        if shape < 0.6:
            body = f'  name = "estate-{index}-{number}"'
        elif shape < 0.85:
            body = (
                f'  name = "estate-{index}-{number}"\n'
                f'  tags = merge(local.common_tags, {{ data-classification = "internal", component = "c{number}" }})'
            )
        else:
            body = f'  count = 2\n  name  = "estate-{index}-{number}-${{count.index}}"'
        blocks.append(f'resource "{kind}" "r{number}" {{\n{body}\n}}\n')
    return {f"terraform/stack-{index:04d}/extra.tf": "\n".join(blocks)} if count else {}


def namespace(index: int, rng: random.Random) -> dict[str, str]:
    """A Namespace and four more documents: ServiceAccount, Deployment, Service, RoleBinding."""
    team = rng.choice(TEAMS)
    operated = rng.choice(("internal", "msp"))
    name = f"ns-{index:04d}"
    return {
        f"kubernetes/{name}/namespace.yaml": f"""apiVersion: v1
kind: Namespace
metadata:
  name: {name}
  labels:
    owner: {team}
    operated-by: {operated}
    msp-contract: ACME-2025-01
  annotations:
    escalation-contact: oncall@example.com
""",
        f"kubernetes/{name}/app.yaml": f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: {name}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: {name}
spec:
  selector:
    matchLabels: {{app: app}}
  template:
    metadata:
      labels: {{app: app}}
    spec:
      serviceAccountName: app
      containers: [{{name: app, image: "registry.example/app:{index}"}}]
---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: {name}
spec:
  selector: {{app: app}}
  ports: [{{port: 80}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: operators
  namespace: {name}
subjects: [{{kind: Group, name: "acme:operators"}}]
roleRef: {{kind: ClusterRole, name: view}}
""",
    }


def write_estate(root: Path, stacks: int, namespaces: int, seed: int = 7, resources: int = 0) -> dict[str, int]:
    """Write the estate under ``root``; ``resources`` more per stack make files the size of real ones."""
    rng = random.Random(seed)
    files: dict[str, str] = {"ownlint.yaml": CONFIG}
    for index in range(stacks):
        files.update(stack(index, rng))
        files.update(extra_resources(index, resources, rng))
    for index in range(namespaces):
        files.update(namespace(index, rng))
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return {
        "tf_files": sum(1 for n in files if n.endswith(".tf")),
        "manifests": sum(1 for n in files if n.endswith(".yaml") and n != "ownlint.yaml"),
        "documents": sum(
            t.count("\nkind: ") + t.startswith("kind: ") for n, t in files.items() if n.startswith("kubernetes/")
        ),
        "bytes": sum(len(t.encode()) for t in files.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--stacks", type=int, default=100)
    parser.add_argument("--namespaces", type=int, default=100)
    parser.add_argument("--resources", type=int, default=0, help="more resources per stack (bigger files)")
    args = parser.parse_args()
    print(write_estate(args.out, args.stacks, args.namespaces, resources=args.resources))


if __name__ == "__main__":
    main()
