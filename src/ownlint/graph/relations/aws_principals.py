"""Who may act in AWS, as graph edges: trust policies and resource policies that name principals.

- A role's trust policy (``assume_role_policy``) lets principals ``assumes`` it: an MSP whose declared
  ``aws_principals`` it covers (``*``, the account, or an ARN in it), roles and users of the estate
  by reference, and Kubernetes ServiceAccounts through web-identity ``sub`` conditions (IRSA from
  the trust side, globs allowed).
- An MSP principal declared as an IAM user or role ARN of this estate ``assumes`` that user or role.
- A resource policy (bucket, KMS key, secret, queue, topic) ``grants`` its resource to the MSPs and
  roles its principals name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ownlint.config import Config
from ownlint.graph.relations.aws_arn import arn_index
from ownlint.graph.relations.aws_iam import PRINCIPAL_TYPES
from ownlint.graph.relations.aws_policy import Statement, admits_declared, allows_assume, iter_strings, statements
from ownlint.graph.relations.index import ResourceIndex, place_of
from ownlint.model import Edge, Place, PlaceKind, Resource, msp_id

# Resource-based policies: type -> the attribute naming the protected resource (None: itself)
RESOURCE_POLICIES: Mapping[str, str | None] = {
    "aws_s3_bucket_policy": "bucket",
    "aws_s3_bucket": None,
    "aws_kms_key": None,
    "aws_kms_key_policy": "key_id",
    "aws_secretsmanager_secret": None,
    "aws_secretsmanager_secret_policy": "secret_arn",
    "aws_sqs_queue": None,
    "aws_sqs_queue_policy": "queue_url",
    "aws_sns_topic": None,
    "aws_sns_topic_policy": "arn",
}


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    yield from _trust(index, config)
    yield from _msp_users(index, config)
    yield from _resource_policies(index, config)


def _trust(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for role in index.by_type.get("aws_iam_role", ()):
        for attributes in role.attributes:
            where = place_of(role, attributes, "assume_role_policy")
            for statement in statements(role, attributes.get("assume_role_policy"), index, where):
                if allows_assume(statement):
                    yield from _trusted(role, statement, index, config)


def _trusted(role: Resource, statement: Statement, index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for kind, principal in statement.principals:
        if kind in ("AWS", "*"):
            for msp in config.msps.values():
                declared = next((p for p in msp.aws_principals if admits_declared(statement, principal, p)), None)
                if declared is not None:
                    owned = "" if declared == principal else f", which covers {msp.name}'s {declared}"
                    detail = f"trust policy allows {principal}{owned}"
                    yield Edge(msp_id(msp.name), role.node_id, "assumes", statement.place, detail)
            for other in (r for r in index.referenced(role, principal) if r.type in PRINCIPAL_TYPES.values()):
                yield Edge(other.node_id, role.node_id, "assumes", statement.place, f"trust policy allows {principal}")
        elif kind == "Federated":
            yield from _web_identity(role, statement, index)


def _web_identity(role: Resource, statement: Statement, index: ResourceIndex) -> Iterator[Edge]:
    """IRSA from the trust side: ``<oidc>:sub`` = ``system:serviceaccount:NAMESPACE:NAME`` (globs allowed)."""

    for _, variable, values in statement.conditions:
        if not variable.endswith(":sub"):
            continue
        for value in values:
            parts = value.split(":")
            if len(parts) != 4 or parts[:2] != ["system", "serviceaccount"]:
                continue
            for account in _service_accounts(index, parts[2], parts[3]):
                detail = f"trust policy allows web identity {value}"
                yield Edge(account.node_id, role.node_id, "assumes", statement.place, detail)


def _service_accounts(index: ResourceIndex, namespace: str, name: str) -> list[Resource]:
    """ServiceAccounts a web-identity subject names (globs allowed: ``system:serviceaccount:ci:*``)."""
    if not any(c in namespace + name for c in "*?["):
        found = index.by_id.get(f"ServiceAccount/{namespace}/{name}")
        return [found] if found is not None else []
    return [
        account
        for account in index.by_type.get("k8s:ServiceAccount", ())
        if fnmatchcase(account.namespace or "", namespace) and fnmatchcase(account.name, name)
    ]


def _msp_users(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    """An MSP principal that is an IAM user (or role) of this estate, named in the config by ARN (the ARN index is
    built at the first such name: an account root names none, and the index cost a tenth of est-d's graph)."""
    for msp in config.msps.values():
        for declared in msp.aws_principals:
            if ":user/" in declared or ":role/" in declared:
                for resource in arn_index(index).named(declared, ("aws_iam_user", "aws_iam_role")):
                    place = Place(
                        resource.file, resource.line, resource.address, PlaceKind.RESOURCE, subject=resource.address
                    )
                    yield Edge(msp_id(msp.name), resource.node_id, "assumes", place, f"{declared} is {msp.name}'s")


def _resource_policies(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for policy_type, target_attribute in RESOURCE_POLICIES.items():
        for holder in index.by_type.get(policy_type, ()):
            for attributes in holder.attributes:
                policy = attributes.get("policy")
                if policy is None:
                    continue  # (most buckets and queues: no place made for a policy they do not have)
                found = statements(holder, policy, index, place_of(holder, attributes, "policy"))
                if not found:
                    continue
                targets = (
                    [holder]
                    if target_attribute is None
                    else _protected(holder, attributes.get(target_attribute), index)
                )
                for statement in (s for s in found if s.allows):
                    yield from _principal_grants(holder, statement, targets, index, config)


def _protected(holder: Resource, value: Any, index: ResourceIndex) -> list[Resource]:
    found = []
    for text in iter_strings(value):
        found.extend(
            index.referenced(holder, text) if "${" in text else index.named(["aws_s3_bucket"], ["bucket"], text)
        )
    return found


def _principal_grants(
    holder: Resource, statement: Statement, targets: list[Resource], index: ResourceIndex, config: Config
) -> Iterator[Edge]:
    actions = ", ".join(statement.actions[:3])
    for kind, principal in statement.principals:
        if kind not in ("AWS", "*"):
            continue
        sources = [
            msp_id(msp.name)
            for msp in config.msps.values()
            if any(admits_declared(statement, principal, p) for p in msp.aws_principals)
        ]
        sources.extend(r.node_id for r in index.referenced(holder, principal) if r.type in PRINCIPAL_TYPES.values())
        for source in sources:
            for target in targets:
                detail = f"resource policy of {holder.address} allows {principal}: {actions}"
                yield Edge(source, target.node_id, "grants", statement.place, detail)
