"""AWS IAM policies as graph edges: what policies allow (``grants``), and which principals carry them
(``uses``: attachments, ``managed_policy_arns``, inline policies, group membership). Trust and
resource policies, which say who may act, are in ``aws_principals``.

A statement's resources are resolved by reference (``aws_s3_bucket.x.arn``), by ARN against the
names resources are given (``arn:aws:s3:::reports/*``), or, for ``*``, to one node per service that
stands for every resource of that service.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ownlint.config import Config
from ownlint.config.globs import matches_type
from ownlint.graph.relations.aws_arn import arn_index
from ownlint.graph.relations.aws_policy import (
    Statement,
    iter_strings,
    services,
    statements,
)
from ownlint.graph.relations.identities import COMPUTE_TYPES
from ownlint.graph.relations.index import REFERENCE, ResourceIndex, as_list, distinct, place_of
from ownlint.model import Edge, Resource, in_stack, qualified

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
ATTACHMENTS: Mapping[str, tuple[tuple[str, str], ...]] = {  # type -> (attribute, principal type)
    "aws_iam_role_policy_attachment": (("role", "aws_iam_role"),),
    "aws_iam_user_policy_attachment": (("user", "aws_iam_user"),),
    "aws_iam_group_policy_attachment": (("group", "aws_iam_group"),),
    "aws_iam_policy_attachment": (("roles", "aws_iam_role"), ("users", "aws_iam_user"), ("groups", "aws_iam_group")),
}
PRINCIPAL_TYPES = {"role": "aws_iam_role", "user": "aws_iam_user", "group": "aws_iam_group"}
HELPER_PREFIXES = ("random_", "time_", "null_", "terraform_data", "module")


Hubs = set[tuple[str, str]]  # (root module, service) that some statement reaches through Resource "*"


def hub_id(service: str, stack: str = ".") -> str:
    """The node for every resource of ``service`` in a root module (``stack//aws:s3:*``).

    Per root module, because ``Resource: "*"`` means the account's resources and a root module is
    the one thing sure to be a single account; other stacks' resources are reached by name or ARN.
    """
    return in_stack(stack, f"aws:{service}:*")


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    hubs: Hubs = set()
    yield from _policy_grants(index, hubs)
    yield from _attachments(index, hubs)
    yield from _memberships(index)
    yield from _managed_grants(index, hubs)
    for stack, service in sorted(hubs):
        for member_type in SERVICE_TYPES.get(service, ()):
            for member in _managed_in_stacks(index, member_type).get(stack, ()):
                yield Edge(hub_id(service, stack), member.node_id, "grants", None, f"any {service} resource")


def _managed_in_stacks(index: ResourceIndex, resource_type: str) -> dict[str, list[Resource]]:
    """Managed Terraform resources of a type by root module, in order: looked up per hub, not scanned."""

    def build() -> dict[str, list[Resource]]:
        table: dict[str, list[Resource]] = {}
        for member in managed(index, resource_type):
            if member.source == "terraform":
                table.setdefault(member.stack, []).append(member)
        return table

    return index.cached(f"managed-by-stack:{resource_type}", build)


def _policy_grants(index: ResourceIndex, hubs: Hubs) -> Iterator[Edge]:
    for holder_type, principal_attribute in {**POLICY_HOLDERS, **POLICY_HOLDERS_GROUP}.items():
        for holder in index.by_type.get(holder_type, ()):
            for attributes in holder.attributes:
                where = place_of(holder, attributes, "policy")
                yield from _grants(holder, statements(holder, attributes.get("policy"), index, where), index, hubs)
                if principal_attribute is not None:
                    principal_type = PRINCIPAL_TYPES[principal_attribute]
                    for principal in principal_named(
                        holder, attributes.get(principal_attribute), principal_type, index
                    ):
                        place = place_of(holder, attributes, principal_attribute)
                        yield Edge(principal.node_id, holder.node_id, "uses", place, f"inline policy {holder.address}")
    for role in index.by_type.get("aws_iam_role", ()):
        for attributes in role.attributes:
            for block in as_list(attributes.get("inline_policy")):
                if isinstance(block, dict):
                    where = place_of(role, block, "policy", f"inline_policy of {role.address}")
                    yield from _grants(role, statements(role, block.get("policy"), index, where), index, hubs)


def _grants(holder: Resource, found: list[Statement], index: ResourceIndex, hubs: Hubs) -> Iterator[Edge]:
    for statement in found:
        reaching = tuple(a for a in statement.actions if not is_metadata_action(a))
        if not statement.allows or not reaching:
            continue
        actions = ", ".join(reaching[:3]) + (" ..." if len(reaching) > 3 else "")
        for written in statement.resources:
            # the references it writes, resolved once for the instances they name and the targets they reach
            referenced = index.referenced_instances(holder, written) if "${" in written else []
            keys = _instance_keys(referenced)
            for target in _targets(holder, written, reaching, index, hubs, referenced):
                yield Edge(
                    holder.node_id,
                    target.node_id if isinstance(target, Resource) else target,
                    "grants",
                    statement.place,
                    f"{actions} on {written}",
                    keys.get(target.node_id, ()) if isinstance(target, Resource) else (),
                )


def _instance_keys(referenced: list[tuple[Resource, str]]) -> dict[str, tuple[str, ...]]:
    """The instances a statement's resource names by reference (``aws_s3_bucket.b["logs"].arn``: ``referenced``, of
    ``ResourceIndex.referenced_instances``), by node; a node it names without a key (or by name, or ``*``) is absent:
    every instance is reached."""
    keys: dict[str, set[str]] = {}
    unkeyed: set[str] = set()
    for target, key in referenced:
        if key:
            keys.setdefault(target.node_id, set()).add(key)
        else:
            unkeyed.add(target.node_id)
    return {node: tuple(sorted(found)) for node, found in keys.items() if node not in unkeyed}


def is_metadata_action(action: str) -> bool:
    """Actions that describe or enumerate but reach no data (``ec2:Describe*``, ``s3:ListAllMyBuckets``)."""
    verb = action.split(":", 1)[-1].lower()
    return verb.startswith(("describe", "listall", "getbucketlocation")) or action.lower() == "sts:getcalleridentity"


def _targets(
    holder: Resource,
    written: str,
    actions: tuple[str, ...],
    index: ResourceIndex,
    hubs: Hubs,
    referenced: list[tuple[Resource, str]],
) -> list[Resource | str]:
    """What a statement's resource reaches: identities and compute only for actions that let one act as
    them (assume the role; change the function's code or run a command on the instance), not for
    iam:PassRole, lambda:InvokeFunction or ec2:StartInstances; ``referenced``: what its references name."""
    found: list[Resource | str] = []
    for target in _named_targets(holder, written, actions, index, hubs, referenced):
        if isinstance(target, Resource):
            if target.type in PRINCIPAL_TYPES.values() and not _acts_as(actions, ASSUME_ACTIONS):
                continue
            if matches_type(target.type, tuple(COMPUTE_TYPES)) and not _acts_as(actions, RUN_AS_ACTIONS):
                continue
        found.append(target)
    return found


# actions that let their holder act as an identity, or run code as the compute that carries one;
# an action with wildcards counts when it covers one of them (``lambda:Update*``, ``iam:*``)
ASSUME_ACTIONS = (
    "sts:assumerole",
    "sts:assumerolewithwebidentity",
    "sts:assumerolewithsaml",
    "iam:updateassumerolepolicy",
)
RUN_AS_ACTIONS = (
    "lambda:updatefunctioncode",
    "lambda:updatefunctionconfiguration",
    "ssm:sendcommand",
    "ssm:startsession",
    "ec2-instance-connect:sendsshpublickey",
    "ecs:executecommand",
    "ec2:modifyinstanceattribute",
)


def _acts_as(actions: tuple[str, ...], allowing: tuple[str, ...]) -> bool:
    """Whether an action (wildcards allowed) covers one of ``allowing``."""
    return any(fnmatchcase(specific, action.lower()) for action in actions for specific in allowing)


def _named_targets(
    holder: Resource,
    written: str,
    actions: tuple[str, ...],
    index: ResourceIndex,
    hubs: Hubs,
    referenced: list[tuple[Resource, str]],
) -> list[Resource | str]:
    if "${" in written:
        named: list[Resource | str] = [target for target in distinct(referenced) if is_target(target)]
        if named or not written.startswith("arn:"):
            return named
        # an ARN built from the partition, region or account (data sources): its other parts still name
        written = REFERENCE.sub("*", written)
    if written == "*":
        chosen = sorted(SERVICE_TYPES) if "*" in services(actions) else sorted(services(actions) & set(SERVICE_TYPES))
        hubs.update((holder.stack, service) for service in chosen)
        return [hub_id(service, holder.stack) for service in chosen]
    return list(arn_index(index).named(written))


def managed(index: ResourceIndex, resource_type: str) -> list[Resource]:
    """Managed resources of a type (data sources read what exists; they are not what is granted)."""
    return [r for r in index.by_type.get(resource_type, ()) if not r.is_data]


def is_target(resource: Resource) -> bool:
    """A resource a policy can grant: not a data source, not a helper such as ``random_pet``."""
    return not resource.is_data and not resource.type.startswith(HELPER_PREFIXES)


def principal_named(holder: Resource, value: Any, principal_type: str, index: ResourceIndex) -> list[Resource]:
    """The role/user/group an attachment names, by reference or by name."""
    found = []
    for text in iter_strings(value):
        referenced = [r for r in index.referenced(holder, text) if r.type == principal_type]
        found.extend(referenced or (index.named([principal_type], ["name"], text) if "${" not in text else []))
    return found


def _attachments(index: ResourceIndex, hubs: Hubs) -> Iterator[Edge]:
    for attachment_type, principal_attributes in ATTACHMENTS.items():
        for attachment in index.by_type.get(attachment_type, ()):
            for attributes in attachment.attributes:
                place = place_of(attachment, attributes, "policy_arn", attachment.address)
                policies = _policies(attachment, attributes.get("policy_arn"), index, hubs)
                for attribute, principal_type in principal_attributes:
                    for principal in principal_named(attachment, attributes.get(attribute), principal_type, index):
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


def _managed_grants(index: ResourceIndex, hubs: Hubs) -> Iterator[Edge]:
    """What the AWS managed policies attached in each root module allow there."""
    named = {
        (r.stack, text)
        for resource_type in (*ATTACHMENTS, "aws_iam_role")  # by type: a set, sorted after
        for r in index.by_type.get(resource_type, ())
        for name in ("policy_arn", "managed_policy_arns")
        for v in r.attributes
        for text in iter_strings(v.get(name))
        if text.startswith(MANAGED_PREFIX)
    }
    for stack, arn in sorted(named):
        policy_name = arn.rsplit("/", 1)[-1]
        for service in _managed_services(policy_name):
            hubs.add((stack, service))
            yield Edge(
                in_stack(stack, arn), hub_id(service, stack), "grants", None, f"AWS managed policy {policy_name}"
            )


def _policies(holder: Resource, value: Any, index: ResourceIndex, hubs: Hubs) -> list[str]:
    """Node ids of the policies named by ARN: this estate's ``aws_iam_policy``, or an AWS managed one."""
    found: list[str] = []
    for text in iter_strings(value):
        if "${" in text:
            found.extend(r.node_id for r in index.referenced(holder, text) if r.type == "aws_iam_policy")
        elif text.startswith(MANAGED_PREFIX):
            found.append(qualified(holder, text))  # one node per root module, as its "*" reaches
        else:
            found.extend(r.node_id for r in arn_index(index).named(text, ("aws_iam_policy",)))
    return found


def _memberships(index: ResourceIndex) -> Iterator[Edge]:
    """Users in groups take the groups' policies."""
    for membership in index.by_type.get("aws_iam_user_group_membership", ()):
        for attributes in membership.attributes:
            place = place_of(membership, attributes, "groups", membership.address)
            for user in principal_named(membership, attributes.get("user"), "aws_iam_user", index):
                for group in principal_named(membership, attributes.get("groups"), "aws_iam_group", index):
                    yield Edge(user.node_id, group.node_id, "uses", place, "group membership")
    for membership in index.by_type.get("aws_iam_group_membership", ()):
        for attributes in membership.attributes:
            place = place_of(membership, attributes, "users", membership.address)
            for group in principal_named(membership, attributes.get("group"), "aws_iam_group", index):
                for user in principal_named(membership, attributes.get("users"), "aws_iam_user", index):
                    yield Edge(user.node_id, group.node_id, "uses", place, "group membership")
