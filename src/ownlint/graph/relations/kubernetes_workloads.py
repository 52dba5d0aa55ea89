"""Kubernetes workloads as graph edges.

A workload ``uses`` its ServiceAccount and the Secrets, ConfigMaps and PVCs it mounts or reads
(volumes, projected volumes, ``env``/``envFrom``, ``imagePullSecrets``); a Service ``selects`` the
workloads its selector matches; a ServiceAccount ``assumes`` the cloud identity it is annotated with:
an IAM role (IRSA ``eks.amazonaws.com/role-arn``, by reference, by ARN, or by name when only the
account is interpolated) or a GCP service account (``iam.gke.io/gcp-service-account``). Terraform's
``kubernetes_service_account`` resources count as ServiceAccounts here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ownlint.config import Config
from ownlint.graph.relations.aws_arn import arn_index
from ownlint.graph.relations.index import REFERENCE, ResourceIndex, as_list, first_block
from ownlint.graph.relations.kubernetes import (
    GKE,
    IRSA,
    at,
    body,
    labelled_workloads,
    manifest_place,
    pod_spec,
    selector_matches,
    workloads,
)
from ownlint.model import Edge, Resource


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    yield from _workloads(index)
    yield from _services(index)
    yield from _workload_identity(index)


def _workloads(index: ResourceIndex) -> Iterator[Edge]:
    for workload in workloads(index):
        spec = pod_spec(workload)
        namespace = workload.namespace or "default"
        account_name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        account = index.by_id.get(f"ServiceAccount/{namespace}/{account_name}")
        if account is not None:
            yield Edge(
                workload.node_id,
                account.node_id,
                "uses",
                manifest_place(workload, "serviceAccountName", "spec"),
                "runs as",
            )
        for kind, name, how in sorted(set(_mounted(spec))):
            target = index.by_id.get(f"{kind}/{namespace}/{name}")
            if target is not None:
                yield Edge(workload.node_id, target.node_id, "uses", manifest_place(workload, how), how)


def _mounted(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(kind, name, how) of every Secret, ConfigMap and PVC a pod spec mounts or reads."""
    for volume in as_list(spec.get("volumes")):
        if not isinstance(volume, dict):
            continue
        yield from _volume_sources(volume)
    for pull in as_list(spec.get("imagePullSecrets")):
        if isinstance(pull, dict) and pull.get("name"):
            yield "Secret", str(pull["name"]), "imagePullSecrets"
    for container in [*as_list(spec.get("containers")), *as_list(spec.get("initContainers"))]:
        if isinstance(container, dict):
            yield from _container_sources(container)


def _volume_sources(volume: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    secret, config_map, claim = volume.get("secret"), volume.get("configMap"), volume.get("persistentVolumeClaim")
    if isinstance(secret, dict) and secret.get("secretName"):
        yield "Secret", str(secret["secretName"]), "volume"
    if isinstance(config_map, dict) and config_map.get("name"):
        yield "ConfigMap", str(config_map["name"]), "volume"
    if isinstance(claim, dict) and claim.get("claimName"):
        yield "PersistentVolumeClaim", str(claim["claimName"]), "volume"
    projected = volume.get("projected")
    for source in as_list(projected.get("sources")) if isinstance(projected, dict) else ():
        if isinstance(source, dict):
            for key, kind in (("secret", "Secret"), ("configMap", "ConfigMap")):
                item = source.get(key)
                if isinstance(item, dict) and item.get("name"):
                    yield kind, str(item["name"]), "projected volume"


def _container_sources(container: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    for item in as_list(container.get("envFrom")):
        if isinstance(item, dict):
            for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                ref = item.get(key)
                if isinstance(ref, dict) and ref.get("name"):
                    yield kind, str(ref["name"]), "envFrom"
    for variable in as_list(container.get("env")):
        source = variable.get("valueFrom") if isinstance(variable, dict) else None
        if isinstance(source, dict):
            for key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                ref = source.get(key)
                if isinstance(ref, dict) and ref.get("name"):
                    yield kind, str(ref["name"]), "env valueFrom"


def _services(index: ResourceIndex) -> Iterator[Edge]:
    for service in index.by_type.get("k8s:Service", ()):
        selector = at(body(service), ("spec", "selector"))
        if not isinstance(selector, dict) or not selector:
            continue
        for workload, labels in labelled_workloads(index, service.namespace).candidates(selector):
            if selector_matches(selector, labels):
                yield Edge(
                    service.node_id,
                    workload.node_id,
                    "selects",
                    manifest_place(service, "spec.selector", "spec"),
                    "selector",
                )


def _workload_identity(index: ResourceIndex) -> Iterator[Edge]:
    accounts = [
        *index.by_type.get("k8s:ServiceAccount", ()),
        *index.by_type.get("kubernetes_service_account", ()),
        *index.by_type.get("kubernetes_service_account_v1", ()),
    ]
    resolvers = {IRSA: _roles, GKE: _gcp_accounts}  # annotation -> the cloud identities it names
    for account in accounts:
        for annotation, value in _annotations(account).items():
            resolve = resolvers.get(annotation)
            if resolve is None:
                continue
            place = manifest_place(account, f"annotation {annotation}", "metadata", "annotations", annotation)
            for target in resolve(account, value, index):
                yield Edge(account.node_id, target.node_id, "assumes", place, f"{annotation}: {value}")


def _annotations(account: Resource) -> dict[str, str]:
    found: dict[str, str] = {}
    for data in account.attributes:
        metadata = first_block(data, "metadata")  # a manifest's mapping, or Terraform's metadata block
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            found.update({str(k): str(v) for k, v in annotations.items() if isinstance(v, str)})
    return found


def _roles(account: Resource, value: str, index: ResourceIndex) -> list[Resource]:
    """The IAM role an IRSA annotation names: by reference (Terraform), else by ARN and name, also when
    only the account is interpolated (``arn:aws:iam::${data.aws_caller_identity.x.account_id}:role/app``)."""
    if "${" in value:
        referenced = [r for r in index.referenced(account, value) if r.type == "aws_iam_role"]
        if referenced or not value.startswith("arn:"):
            return referenced
        value = REFERENCE.sub("*", value)
    return arn_index(index).named(value, ("aws_iam_role",))


def _gcp_accounts(account: Resource, value: str, index: ResourceIndex) -> list[Resource]:
    if "${" in value:
        return [r for r in index.referenced(account, value) if r.type == "google_service_account"]
    local_part = value.split("@", 1)[0]
    return index.named(["google_service_account"], ["account_id"], local_part)
