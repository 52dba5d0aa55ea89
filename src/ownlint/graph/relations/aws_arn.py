"""The ARNs resources can be named by, and an index that finds the resources an ARN (with wildcards)
may name without comparing it to every resource.

A resource's ARN comes from its name (``*`` where account and region are not known statically).
Candidates for a written ARN are the resources of its service whose resource part shares a literal
prefix with it (either way round: ``bucket/*`` covers ``bucket``; ``role/ops-*`` covers ``role/ops-a``);
``arn_matches`` then decides.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping

from ownlint.graph.relations.aws_policy import arn_matches, literal_prefix
from ownlint.graph.relations.index import ResourceIndex
from ownlint.model import Resource

# The ARN a resource gets from its name: type -> (name attribute, ARN with "{}" for the name)
ARN_TEMPLATES: Mapping[str, tuple[str, str]] = {
    "aws_s3_bucket": ("bucket", "arn:aws:s3:::{}"),
    "aws_dynamodb_table": ("name", "arn:aws:dynamodb:*:*:table/{}"),
    "aws_db_instance": ("identifier", "arn:aws:rds:*:*:db:{}"),
    "aws_rds_cluster": ("cluster_identifier", "arn:aws:rds:*:*:cluster:{}"),
    "aws_secretsmanager_secret": ("name", "arn:aws:secretsmanager:*:*:secret:{}-??????"),
    "aws_sqs_queue": ("name", "arn:aws:sqs:*:*:{}"),
    "aws_sns_topic": ("name", "arn:aws:sns:*:*:{}"),
    "aws_ssm_parameter": ("name", "arn:aws:ssm:*:*:parameter/{}"),
    "aws_opensearch_domain": ("domain_name", "arn:aws:es:*:*:domain/{}"),
    "aws_iam_role": ("name", "arn:aws:iam::*:role{path}{}"),
    "aws_iam_user": ("name", "arn:aws:iam::*:user{path}{}"),
    "aws_iam_group": ("name", "arn:aws:iam::*:group{path}{}"),
    "aws_iam_policy": ("name", "arn:aws:iam::*:policy{path}{}"),
}


def resource_arns(resource: Resource) -> list[str]:
    """The ARNs a resource can be named by, from its name (``*`` for account and region)."""
    template = ARN_TEMPLATES.get(resource.type)
    if template is None:
        return []
    name_attribute, arn = template
    found = []
    for attributes in resource.attributes:
        written_path = attributes.get("path")
        path = written_path if isinstance(written_path, str) else "/"
        name = attributes.get(name_attribute)
        prefix = attributes.get(f"{name_attribute}_prefix")
        text = name if isinstance(name, str) else f"{prefix}*" if isinstance(prefix, str) else None
        if text is not None and "${" not in text:
            found.append(
                arn.replace("{path}", path).format(text.lstrip("/") if resource.type == "aws_ssm_parameter" else text)
            )
    return found


class ArnIndex:
    """Managed resources by service, then by the literal prefix of their ARN's resource part (each service's
    prefixes also sorted: those a written prefix starts are found by bisection)."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.by_service: dict[str, dict[str, list[tuple[str, Resource]]]] = {}
        for resource in resources:
            if resource.type in ARN_TEMPLATES and not resource.is_data:
                for arn in resource_arns(resource):
                    service, part = _split(arn)
                    by_prefix = self.by_service.get(service)
                    if by_prefix is None:
                        by_prefix = self.by_service[service] = {}
                    by_prefix.setdefault(literal_prefix(part), []).append((arn, resource))
        self.sorted_prefixes = {service: sorted(by_prefix) for service, by_prefix in self.by_service.items()}

    def named(self, written: str, types: Iterable[str] | None = None) -> list[Resource]:
        """Resources ``written`` (an ARN, wildcards allowed) can name, optionally only of ``types``."""
        service, part = _split(written)
        by_prefix = self.by_service.get(service) if service else None
        if by_prefix is None:
            return []
        wanted = set(types) if types is not None else None
        prefix = literal_prefix(part)
        # the keys in sorted order, each once (a set's order followed the hash seed, and the edges with it): the
        # shorter prefixes of ``prefix``, then the keys that start with it
        keys = [prefix[:length] for length in range(len(prefix))]
        prefixes = self.sorted_prefixes[service]
        for index in range(bisect.bisect_left(prefixes, prefix), len(prefixes)):
            key = prefixes[index]
            if not key.startswith(prefix):
                break
            keys.append(key)
        found: list[Resource] = []
        for key in keys:
            for arn, resource in by_prefix.get(key, ()):
                if (wanted is None or resource.type in wanted) and resource not in found and arn_matches(written, arn):
                    found.append(resource)
        return found


def arn_index(index: ResourceIndex) -> ArnIndex:
    """The estate's ARN index, built once and shared by every extractor."""
    return index.cached("aws-arns", lambda: ArnIndex(index.resources))


def _split(arn: str) -> tuple[str, str]:
    parts = arn.split(":", 5)
    return (parts[2], parts[5]) if len(parts) == 6 and parts[0] == "arn" else ("", "")
