"""AWS IAM as graph edges: trust policies (``assumes``), policies and what they allow (``grants``),
attachments and inline policies (``uses``), and resource policies that name principals.

A statement's resources are resolved by reference (``aws_s3_bucket.x.arn``), by ARN against the
names resources are given (``arn:aws:s3:::reports/*``), or, for ``*``, to one node per service that
stands for every resource of that service.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ownlint.config import Config
from ownlint.model import Edge, Place, Resource
from ownlint.relations.aws_arn import arn_index
from ownlint.relations.aws_policy import (
    Statement,
    allows_assume,
    iter_strings,
    principal_matches,
    services,
    statements,
)
from ownlint.relations.index import REFERENCE, ResourceIndex, as_list, place_of

# Resources an action's service reaches when a statement says Resource "*"
SERVICE_TYPES: Mapping[str, tuple[str, ...]] = {
    "s3": ("aws_s3_bucket",),
    "dynamodb": ("aws_dynamodb_table",),
    "rds": ("aws_db_instance", "aws_rds_cluster"),
    "rds-db": ("aws_db_instance", "aws_rds_cluster"),
    "secretsmanager": ("aws_secretsmanager_secret",),
    "kms": ("aws_kms_key",),
    "sqs": ("aws_sqs_queue",),
    "sns": ("aws_sns_topic",),
    "ssm": ("aws_ssm_parameter",),
    "elasticache": ("aws_elasticache_cluster", "aws_elasticache_replication_group"),
    "redshift": ("aws_redshift_cluster",),
    "es": ("aws_opensearch_domain", "aws_elasticsearch_domain"),
    "elasticfilesystem": ("aws_efs_file_system",),
}
# AWS managed policies that reach data, by the services they allow on every resource
MANAGED_POLICIES: Mapping[str, tuple[str, ...]] = {
    "AdministratorAccess": ("*",),
    "PowerUserAccess": ("*",),
    "ReadOnlyAccess": ("*",),
    "AmazonS3FullAccess": ("s3",),
    "AmazonS3ReadOnlyAccess": ("s3",),
    "AmazonDynamoDBFullAccess": ("dynamodb",),
    "AmazonDynamoDBReadOnlyAccess": ("dynamodb",),
    "AmazonRDSFullAccess": ("rds",),
    "AmazonRDSDataFullAccess": ("rds",),
    "SecretsManagerReadWrite": ("secretsmanager",),
    "AmazonSQSFullAccess": ("sqs",),
    "AmazonSNSFullAccess": ("sns",),
    "AmazonSSMReadOnlyAccess": ("ssm",),
    "AmazonElastiCacheFullAccess": ("elasticache",),
    "AmazonRedshiftFullAccess": ("redshift",),
    "AmazonOpenSearchServiceFullAccess": ("es",),
}
MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
# Policies that grant through their own ``policy`` attribute, and inline policies attached to a principal
POLICY_HOLDERS = {"aws_iam_policy": None, "aws_iam_role_policy": "role", "aws_iam_user_policy": "user"}
POLICY_HOLDERS_GROUP = {"aws_iam_group_policy": "group"}
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
ATTACHMENTS: Mapping[str, tuple[tuple[str, str], ...]] = {  # type -> (attribute, principal type)
    "aws_iam_role_policy_attachment": (("role", "aws_iam_role"),),
    "aws_iam_user_policy_attachment": (("user", "aws_iam_user"),),
    "aws_iam_group_policy_attachment": (("group", "aws_iam_group"),),
    "aws_iam_policy_attachment": (("roles", "aws_iam_role"), ("users", "aws_iam_user"), ("groups", "aws_iam_group")),
}
PRINCIPAL_TYPES = {"role": "aws_iam_role", "user": "aws_iam_user", "group": "aws_iam_group"}
HELPER_PREFIXES = ("random_", "time_", "null_", "terraform_data", "module")


def hub_id(service: str) -> str:
    return f"aws:{service}:*"


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    hubs: set[str] = set()
    yield from _trust(index, config)
    yield from _msp_users(index, config)
    yield from _policy_grants(index, hubs)
    yield from _attachments(index, hubs)
    yield from _resource_policies(index, config)
    yield from _memberships(index)
    yield from _managed_grants(index)
    for service in sorted(hubs):
        for member_type in SERVICE_TYPES.get(service, ()):
            for member in managed(index, member_type):
                yield Edge(hub_id(service), member.node_id, "grants", None, f"any {service} resource")


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
                declared = next((p for p in msp.aws_principals if principal_matches(p, principal)), None)
                if declared is not None:
                    owned = "" if declared == principal else f", which covers {msp.name}'s {declared}"
                    detail = f"trust policy allows {principal}{owned}"
                    yield Edge(f"msp:{msp.name}", role.node_id, "assumes", statement.place, detail)
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
    """An MSP principal that is an IAM user (or role) of this estate, named in the config by ARN."""
    arns = arn_index(index)
    for msp in config.msps.values():
        for declared in msp.aws_principals:
            if ":user/" in declared or ":role/" in declared:
                for resource in arns.named(declared, ("aws_iam_user", "aws_iam_role")):
                    place = Place(resource.file, resource.line, resource.address)
                    yield Edge(f"msp:{msp.name}", resource.node_id, "assumes", place, f"{declared} is {msp.name}'s")


def _policy_grants(index: ResourceIndex, hubs: set[str]) -> Iterator[Edge]:
    for holder_type, principal_attribute in {**POLICY_HOLDERS, **POLICY_HOLDERS_GROUP}.items():
        for holder in index.by_type.get(holder_type, ()):
            for attributes in holder.attributes:
                where = place_of(holder, attributes, "policy")
                yield from _grants(holder, statements(holder, attributes.get("policy"), index, where), index, hubs)
                if principal_attribute is not None:
                    principal_type = PRINCIPAL_TYPES[principal_attribute]
                    for principal in _principal(holder, attributes.get(principal_attribute), principal_type, index):
                        place = place_of(holder, attributes, principal_attribute)
                        yield Edge(principal.node_id, holder.node_id, "uses", place, f"inline policy {holder.address}")
    for role in index.by_type.get("aws_iam_role", ()):
        for attributes in role.attributes:
            for block in as_list(attributes.get("inline_policy")):
                if isinstance(block, dict):
                    where = place_of(role, block, "policy", f"inline_policy of {role.address}")
                    yield from _grants(role, statements(role, block.get("policy"), index, where), index, hubs)


def _grants(holder: Resource, found: list[Statement], index: ResourceIndex, hubs: set[str]) -> Iterator[Edge]:
    for statement in found:
        reaching = tuple(a for a in statement.actions if not is_metadata_action(a))
        if not statement.allows or not reaching:
            continue
        actions = ", ".join(reaching[:3]) + (" ..." if len(reaching) > 3 else "")
        for written in statement.resources:
            for target in _targets(holder, written, reaching, index, hubs):
                yield Edge(
                    holder.node_id,
                    target.node_id if isinstance(target, Resource) else target,
                    "grants",
                    statement.place,
                    f"{actions} on {written}",
                )


def is_metadata_action(action: str) -> bool:
    """Actions that describe or enumerate but reach no data (``ec2:Describe*``, ``s3:ListAllMyBuckets``)."""
    verb = action.split(":", 1)[-1].lower()
    return verb.startswith(("describe", "listall", "getbucketlocation")) or action.lower() == "sts:getcalleridentity"


def _targets(
    holder: Resource, written: str, actions: tuple[str, ...], index: ResourceIndex, hubs: set[str]
) -> list[Resource | str]:
    """What a statement's resource reaches: identities only for actions that let one act as them."""
    found: list[Resource | str] = []
    for target in _named_targets(holder, written, actions, index, hubs):
        if isinstance(target, Resource) and target.type in PRINCIPAL_TYPES.values() and not _acts_as(actions):
            continue  # iam:PassRole or iam:GetRole on a role is no way into what the role can do
        found.append(target)
    return found


def _acts_as(actions: tuple[str, ...]) -> bool:
    return any(a.lower() in ("*", "sts:*", "iam:*") or a.lower().startswith("sts:assumerole") for a in actions)


def _named_targets(
    holder: Resource, written: str, actions: tuple[str, ...], index: ResourceIndex, hubs: set[str]
) -> list[Resource | str]:
    if "${" in written:
        referenced = [r for r in index.referenced(holder, written) if is_target(r)]
        if referenced or not written.startswith("arn:"):
            return list(referenced)
        # an ARN built from the partition, region or account (data sources): its other parts still name
        written = REFERENCE.sub("*", written)
    if written == "*":
        chosen = sorted(SERVICE_TYPES) if "*" in services(actions) else sorted(services(actions) & set(SERVICE_TYPES))
        hubs.update(chosen)
        return [hub_id(service) for service in chosen]
    return list(arn_index(index).named(written))


def managed(index: ResourceIndex, resource_type: str) -> list[Resource]:
    """Managed resources of a type (data sources read what exists; they are not what is granted)."""
    return [r for r in index.by_type.get(resource_type, ()) if not r.is_data]


def is_target(resource: Resource) -> bool:
    """A resource a policy can grant: not a data source, not a helper such as ``random_pet``."""
    return not resource.is_data and not resource.type.startswith(HELPER_PREFIXES)


def _principal(holder: Resource, value: Any, principal_type: str, index: ResourceIndex) -> list[Resource]:
    """The role/user/group an attachment names, by reference or by name."""
    found = []
    for text in iter_strings(value):
        referenced = [r for r in index.referenced(holder, text) if r.type == principal_type]
        found.extend(referenced or (index.named([principal_type], ["name"], text) if "${" not in text else []))
    return found


def _attachments(index: ResourceIndex, hubs: set[str]) -> Iterator[Edge]:
    for attachment_type, principal_attributes in ATTACHMENTS.items():
        for attachment in index.by_type.get(attachment_type, ()):
            for attributes in attachment.attributes:
                place = place_of(attachment, attributes, "policy_arn", attachment.address)
                policies = _policies(attachment, attributes.get("policy_arn"), index, hubs)
                for attribute, principal_type in principal_attributes:
                    for principal in _principal(attachment, attributes.get(attribute), principal_type, index):
                        for policy in policies:
                            yield Edge(principal.node_id, policy, "uses", place, f"attached by {attachment.address}")
    for role in index.by_type.get("aws_iam_role", ()):
        for attributes in role.attributes:
            place = place_of(role, attributes, "managed_policy_arns")
            for policy in _policies(role, attributes.get("managed_policy_arns"), index, hubs):
                yield Edge(role.node_id, policy, "uses", place, "managed_policy_arns")


def _managed_services(name: str) -> list[str]:
    services_allowed = MANAGED_POLICIES.get(name, ())
    return sorted(SERVICE_TYPES) if "*" in services_allowed else list(services_allowed)


def _managed_grants(index: ResourceIndex) -> Iterator[Edge]:
    """What the AWS managed policies attached in this estate allow."""
    named = {
        text
        for r in index.resources
        if r.type in ATTACHMENTS or r.type == "aws_iam_role"
        for name in ("policy_arn", "managed_policy_arns")
        for v in r.attributes
        for text in iter_strings(v.get(name))
        if text.startswith(MANAGED_PREFIX)
    }
    for arn in sorted(named):
        policy_name = arn.rsplit("/", 1)[-1]
        for service in _managed_services(policy_name):
            yield Edge(arn, hub_id(service), "grants", None, f"AWS managed policy {policy_name}")


def _policies(holder: Resource, value: Any, index: ResourceIndex, hubs: set[str]) -> list[str]:
    """Node ids of the policies named by ARN: this estate's ``aws_iam_policy``, or an AWS managed one."""
    found: list[str] = []
    for text in iter_strings(value):
        if "${" in text:
            found.extend(r.node_id for r in index.referenced(holder, text) if r.type == "aws_iam_policy")
        elif text.startswith(MANAGED_PREFIX):
            name = text.rsplit("/", 1)[-1]
            hubs.update(_managed_services(name))
            found.append(text)
        else:
            found.extend(r.node_id for r in arn_index(index).named(text, ("aws_iam_policy",)))
    return found


def _resource_policies(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for policy_type, target_attribute in RESOURCE_POLICIES.items():
        for holder in index.by_type.get(policy_type, ()):
            for attributes in holder.attributes:
                where = place_of(holder, attributes, "policy")
                found = statements(holder, attributes.get("policy"), index, where)
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
            f"msp:{msp.name}"
            for msp in config.msps.values()
            if any(principal_matches(p, principal) for p in msp.aws_principals)
        ]
        sources.extend(r.node_id for r in index.referenced(holder, principal) if r.type in PRINCIPAL_TYPES.values())
        for source in sources:
            for target in targets:
                detail = f"resource policy of {holder.address} allows {principal}: {actions}"
                yield Edge(source, target.node_id, "grants", statement.place, detail)


def _memberships(index: ResourceIndex) -> Iterator[Edge]:
    """Users in groups take the groups' policies."""
    for membership in index.by_type.get("aws_iam_user_group_membership", ()):
        for attributes in membership.attributes:
            place = place_of(membership, attributes, "groups", membership.address)
            for user in _principal(membership, attributes.get("user"), "aws_iam_user", index):
                for group in _principal(membership, attributes.get("groups"), "aws_iam_group", index):
                    yield Edge(user.node_id, group.node_id, "uses", place, "group membership")
    for membership in index.by_type.get("aws_iam_group_membership", ()):
        for attributes in membership.attributes:
            place = place_of(membership, attributes, "users", membership.address)
            for group in _principal(membership, attributes.get("group"), "aws_iam_group", index):
                for user in _principal(membership, attributes.get("users"), "aws_iam_user", index):
                    yield Edge(user.node_id, group.node_id, "uses", place, "group membership")
