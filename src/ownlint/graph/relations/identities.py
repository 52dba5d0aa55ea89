"""Who runs what: an MSP ``operates`` the compute it owns or operates (and so can act as the identity
that compute runs with), and compute ``uses`` its cloud identity (Lambda role, instance profile,
ECS task role, node role, GCE service account, Azure managed identity).

An MSP that operates a database is the residency rule's concern (OWN010), not a path: operating
data is what the responsibility matrix allows MSPs; acting as a workload's identity is the risk.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from ownlint.config import Config
from ownlint.graph.relations.index import ResourceIndex, place_of
from ownlint.graph.relations.kubernetes import WORKLOAD_KINDS
from ownlint.model import Edge, Place, PlaceKind, Resource, msp_id, qualified
from ownlint.ownership import CONTRACT, OPERATOR, OWNER, fact, operating_msp

COMPUTE_TYPES = (
    *(f"k8s:{kind}" for kind in WORKLOAD_KINDS),
    "aws_instance",
    "aws_lambda_function",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_eks_node_group",
    "aws_launch_template",
    "aws_autoscaling_group",
    "google_compute_instance",
    "google_compute_instance_template",
    "google_cloud_run_service",
    "google_cloud_run_v2_service",
    "google_cloudfunctions_function",
    "google_cloudfunctions2_function",
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_container_group",
)
# (type pattern, attribute) through which compute runs as an identity
IDENTITY_LINKS = (
    ("aws_lambda_function", "role"),
    ("aws_instance", "iam_instance_profile"),
    ("aws_iam_instance_profile", "role"),
    ("aws_ecs_task_definition", "task_role_arn"),
    ("aws_ecs_task_definition", "execution_role_arn"),
    ("aws_ecs_service", "task_definition"),
    ("aws_eks_node_group", "node_role_arn"),
    ("aws_launch_template", "iam_instance_profile.name"),
    ("aws_launch_template", "iam_instance_profile.arn"),
    ("aws_autoscaling_group", "launch_template.id"),
    ("google_compute_instance*", "service_account.email"),
    ("google_cloud_run_v2_service", "template.service_account"),
    ("google_cloud_run_service", "template.spec.service_account_name"),
    ("google_cloudfunctions_function", "service_account_email"),
    ("google_cloudfunctions2_function", "service_config.service_account_email"),
    ("azurerm_*", "identity.identity_ids"),
)


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    if config.msps:
        for resource in index.of_types(COMPUTE_TYPES):
            name = operating_msp(config, resource)
            if name is not None:
                place = _operated_place(config, resource)
                yield Edge(msp_id(name), resource.node_id, "operates", place, f"{name} operates it")
    carries: dict[tuple[str, str], bool] = {}  # (type, attribute) -> runs as what it names: asked once per pair
    for resource in index.resources:
        for attribute, address in resource.links:
            pair = (resource.type, attribute)
            if pair not in carries:
                carries[pair] = any(attribute == a and fnmatchcase(resource.type, t) for t, a in IDENTITY_LINKS)
            if carries[pair]:
                target = index.by_id.get(qualified(resource, address))
                if target is not None:
                    place = place_of(resource, resource.attributes[0] if resource.attributes else {}, attribute)
                    yield Edge(resource.node_id, target.node_id, "uses", place, f"runs as ({attribute})")


def _operated_place(config: Config, resource: Resource) -> Place:
    """Where the fact that makes the MSP its operator is written (a label, maybe the namespace's)."""
    for name in (OPERATOR, OWNER, CONTRACT):
        provenance = fact(config, resource, name).provenance
        if provenance:
            return provenance[0]
    return Place(resource.file, resource.line, resource.address, PlaceKind.RESOURCE, subject=resource.address)
