"""Google Cloud and Azure role bindings as ``grants`` edges, and their workload identity as ``assumes``.

- ``google_*_iam_member``/``_binding``: the member (an MSP's ``gcp_members``, or a service account of
  this estate) is granted the resource the binding is on; a project-level binding reaches every
  resource of the services its role covers. ``roles/iam.workloadIdentityUser`` for
  ``serviceAccount:PROJECT.svc.id.goog[NS/SA]`` makes that Kubernetes ServiceAccount assume it.
- ``azurerm_role_assignment``: the principal (an MSP's ``azure_principals`` or a managed identity of this
  estate) is granted its scope; a resource group scope reaches what is placed in it.
  ``azurerm_federated_identity_credential`` makes a ServiceAccount assume the managed identity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ownlint.config import Config
from ownlint.graph.relations.index import ResourceIndex, as_list, place_of
from ownlint.model import Edge, Resource, msp_id

GCP_PROJECT_TYPES = ("google_project_iam_member", "google_project_iam_binding")
# a role's service prefix -> the data resources a project-level grant of it reaches
GCP_SERVICE_TYPES: Mapping[str, tuple[str, ...]] = {
    "storage": ("google_storage_bucket",),
    "bigquery": ("google_bigquery_dataset", "google_bigquery_table"),
    "secretmanager": ("google_secret_manager_secret",),
    "cloudsql": ("google_sql_database_instance",),
    "spanner": ("google_spanner_instance", "google_spanner_database"),
    "pubsub": ("google_pubsub_topic", "google_pubsub_subscription"),
    "cloudkms": ("google_kms_crypto_key",),
}
GCP_BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")
# the attribute that names a binding's resource, and the types and name attributes it can name
GCP_TARGETS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bucket": (("google_storage_bucket",), ("name",)),
    "dataset_id": (("google_bigquery_dataset",), ("dataset_id",)),
    "secret_id": (("google_secret_manager_secret",), ("secret_id",)),
    "service_account_id": (("google_service_account",), ("account_id", "email", "name")),
    "crypto_key_id": (("google_kms_crypto_key",), ("name",)),
    "topic": (("google_pubsub_topic",), ("name",)),
    "instance": (("google_sql_database_instance", "google_spanner_instance"), ("name",)),
}
# compiled on first use (re's cache): a graph without a Google IAM member never needs it
WORKLOAD_IDENTITY = r"serviceAccount:[^\[]+\.svc\.id\.goog\[([^/\]]+)/([^\]]+)\]"
AZURE_DATA_TYPES = (
    "azurerm_storage_account",
    "azurerm_key_vault",
    "azurerm_mssql_server",
    "azurerm_mssql_database",
    "azurerm_postgresql_flexible_server",
    "azurerm_cosmosdb_account",
)


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    yield from _google(index, config)
    yield from _azure(index, config)


def _google(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for binding in index.of_types(("google_*_iam_member", "google_*_iam_binding")):
        for attributes in binding.attributes:
            members = [*as_list(attributes.get("member")), *as_list(attributes.get("members"))]
            role = str(attributes.get("role") or "")
            place = place_of(binding, attributes, "member" if "member" in attributes else "members")
            targets = _gcp_targets(binding, attributes, role, index)
            for member in (str(m) for m in members if isinstance(m, str)):
                for source in _gcp_sources(binding, member, index, config):
                    for target in targets:
                        yield Edge(source, target, "grants", place, f"{role} for {member}")
                workload = re.search(WORKLOAD_IDENTITY, member)
                if workload and role == "roles/iam.workloadIdentityUser":
                    account = index.by_id.get(f"ServiceAccount/{workload.group(1)}/{workload.group(2)}")
                    for target in targets if account is not None else ():
                        yield Edge(account.node_id, target, "assumes", place, f"workload identity {member}")  # type: ignore[union-attr]


def _gcp_sources(binding: Resource, member: str, index: ResourceIndex, config: Config) -> list[str]:
    sources = [msp_id(m.name) for m in config.msps.values() if any(_member_matches(d, member) for d in m.gcp_members)]
    sources.extend(r.node_id for r in index.referenced(binding, member) if r.type == "google_service_account")
    return sources


def _member_matches(declared: str, member: str) -> bool:
    """``domain:acme.example`` covers ``user:ops@acme.example``; otherwise members are equal."""
    if declared.lower() == member.lower():
        return True
    kind, _, value = declared.partition(":")
    return kind == "domain" and member.lower().endswith(f"@{value.lower()}")


def _gcp_targets(binding: Resource, attributes: Mapping[str, Any], role: str, index: ResourceIndex) -> list[str]:
    if binding.type in GCP_PROJECT_TYPES:
        service = role.removeprefix("roles/").split(".", 1)[0]
        types = (
            tuple(t for ts in GCP_SERVICE_TYPES.values() for t in ts)
            if role in GCP_BASIC_ROLES
            else GCP_SERVICE_TYPES.get(service, ())
        )
        project = attributes.get("project")
        return [
            r.node_id
            for t in types
            for r in index.by_type.get(t, ())
            if not r.is_data and _in_project(r, binding, project)
        ]
    for attribute, (types, names) in GCP_TARGETS.items():
        value = attributes.get(attribute)
        if isinstance(value, str):
            if "${" in value:
                return [r.node_id for r in index.referenced(binding, value)]
            return [r.node_id for r in index.named(types, names, value.rsplit("/", 1)[-1])]
    return []


def _in_project(resource: Resource, binding: Resource, project: Any) -> bool:
    """A project-level binding reaches its own root module's resources, and others that name its project."""
    if resource.stack == binding.stack:
        return True
    return isinstance(project, str) and any(a.get("project") == project for a in resource.attributes)


def _azure(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for assignment in index.by_type.get("azurerm_role_assignment", ()):
        for attributes in assignment.attributes:
            principal = str(attributes.get("principal_id") or "")
            role = str(attributes.get("role_definition_name") or attributes.get("role_definition_id") or "")
            place = place_of(assignment, attributes, "principal_id")
            sources = [
                msp_id(m.name)
                for m in config.msps.values()
                if principal.lower() in (p.lower() for p in m.azure_principals)
            ]
            sources.extend(r.node_id for r in index.referenced(assignment, principal))
            for target in _azure_scope(assignment, attributes.get("scope"), index):
                for source in sources:
                    yield Edge(source, target, "grants", place, f"{role} for {principal}")
    for credential in index.by_type.get("azurerm_federated_identity_credential", ()):
        for attributes in credential.attributes:
            subject = str(attributes.get("subject") or "")
            parts = subject.split(":")
            if len(parts) != 4 or parts[:2] != ["system", "serviceaccount"]:
                continue
            account = index.by_id.get(f"ServiceAccount/{parts[2]}/{parts[3]}")
            for identity in index.referenced(credential, attributes.get("parent_id")) if account is not None else ():
                place = place_of(credential, attributes, "subject")
                yield Edge(account.node_id, identity.node_id, "assumes", place, f"federated credential {subject}")  # type: ignore[union-attr]


def _azure_scope(assignment: Resource, scope: Any, index: ResourceIndex) -> list[str]:
    """The scope's resource; a resource group stands for what is placed in it; a subscription for all."""
    if not isinstance(scope, str):
        return []
    if "${" not in scope:
        if re.fullmatch(r"/subscriptions/[^/]+/?", scope):
            return [r.node_id for t in AZURE_DATA_TYPES for r in index.by_type.get(t, ())]
        return []
    found = []
    for target in index.referenced(assignment, scope):
        found.append(target.node_id)
        if target.type == "azurerm_resource_group":
            address = target.address
            found.extend(
                r.node_id
                for r in index.resources
                if r.source == "terraform" and any(a == "resource_group_name" and ad == address for a, ad in r.links)
            )
    return found
