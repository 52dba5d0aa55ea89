"""The attributes the resource graph reads (policies, principals, CIDRs, names), as plain values.

Only resource types the graph has relations for are evaluated, so a large estate pays nothing for
the rest. References known only after apply stay as ``"${address.attribute}"`` text, which is how
a policy names the bucket it grants; anything else that cannot be known becomes ``None``.
A block becomes a mapping with its line under ``LINE`` and its attributes' lines under ``LINES``;
nested blocks (static or ``dynamic``) become lists of such mappings under their type. A resource's own
``tags`` are not evaluated again here (``UNREAD``): no relation reads them, the loader traces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ownlint.config.globs import matches_type
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.values import PartialMap, Unknown
from ownlint.model import LINE, LINES

MAX_DYNAMIC = 1000
_SKIPPED_BLOCKS = frozenset({"lifecycle", "provisioner", "connection", "timeouts"})
# a resource's own attributes the graph never reads (its effective tags are traced with provenance instead):
# their lines are kept, their values not built (a third of this module's work on a tagged estate)
UNREAD = frozenset({"tags", "tags_all"})
_NONE: frozenset[str] = frozenset()  # a nested block's: kept whole

GRAPH_TYPES = (
    "aws_iam_*",
    "aws_s3_bucket",
    "aws_s3_bucket_policy",
    "aws_kms_key",
    "aws_kms_key_policy",
    "aws_secretsmanager_secret",
    "aws_secretsmanager_secret_policy",
    "aws_dynamodb_table",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_eks_cluster",
    "aws_lambda_function",
    "aws_instance",
    "aws_elasticache_*",
    "aws_redshift_cluster",
    "aws_docdb_cluster",
    "aws_opensearch_domain",
    "aws_efs_file_system",
    "kubernetes_service_account",
    "kubernetes_service_account_v1",
    "google_*_iam_member",
    "google_*_iam_binding",
    "google_service_account",
    "google_storage_bucket",
    "google_bigquery_dataset",
    "google_secret_manager_secret",
    "google_sql_database_instance",
    "azurerm_role_assignment",
    "azurerm_user_assigned_identity",
    "azurerm_federated_identity_credential",
    "azurerm_storage_account",
    "azurerm_key_vault",
    "azurerm_mssql_server",
    "azurerm_postgresql_flexible_server",
)


@lru_cache(maxsize=4096)
def wants_attributes(resource_type: str) -> bool:
    return matches_type(resource_type, tuple(GRAPH_TYPES))


def block_values(block: m.Block, evaluator: Evaluator, env: Mapping[str, Any]) -> dict[str, Any]:
    """The block's attributes (but ``UNREAD``) and nested blocks as plain values, apply-time references as text."""
    return _values(block, evaluator, env, UNREAD)


def _values(block: m.Block, evaluator: Evaluator, env: Mapping[str, Any], unread: frozenset[str]) -> dict[str, Any]:
    values: dict[str, Any] = {LINE: block.line, LINES: {a.name: a.line for a in block.attributes}}
    for attribute in block.attributes:
        if attribute.name not in unread:
            values[attribute.name] = plain(evaluator.symbolic_value(attribute.expr, env))
    for nested in block.blocks:
        if nested.type == "dynamic" and nested.labels:
            values.setdefault(nested.labels[0], []).extend(_dynamic(nested, evaluator, env))
        elif nested.type not in _SKIPPED_BLOCKS:
            values.setdefault(nested.type, []).append(_values(nested, evaluator, env, _NONE))
    return values


def _dynamic(block: m.Block, evaluator: Evaluator, env: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The blocks a ``dynamic`` block generates, one per known element of its ``for_each``."""
    for_each = block.attribute("for_each")
    items = evaluator.symbolic_value(for_each.expr, env) if for_each is not None else None
    if isinstance(items, list):
        items = dict(enumerate(items))
    if not isinstance(items, dict):
        return []
    iterator = block.attribute("iterator")
    name = iterator.expr.name if iterator is not None and isinstance(iterator.expr, m.Name) else block.labels[0]
    generated: list[dict[str, Any]] = []
    for key, item in list(items.items())[:MAX_DYNAMIC]:
        scope = {**env, name: {"key": key, "value": item}}
        generated.extend(_values(content, evaluator, scope, _NONE) for content in block.children("content"))
    return generated


def plain(value: Any) -> Any:
    """JSON-like data: unknowns become None, partially known maps their known entries."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # the commonest: itself, no test more
        return value
    if isinstance(value, Unknown):
        return None
    if isinstance(value, PartialMap):
        return {k: plain(v) for k, v in value.known.items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
