"""Kubernetes as graph edges: RBAC bindings, workloads, Services, NetworkPolicies, workload identity.

- a binding's subjects ``grants`` it (MSP ``k8s_subjects``, ServiceAccounts); the binding ``grants``
  the objects its role's rules allow (verbs, resources, resourceNames, wildcards), in its namespace
  (RoleBinding) or everywhere (ClusterRoleBinding);
- a workload ``uses`` its ServiceAccount and the Secrets, ConfigMaps and PVCs it mounts or reads;
- a Service and a NetworkPolicy ``selects`` the workloads their selectors match; a NetworkPolicy
  ``admits`` from the MSP ranges its ipBlocks cover (see ``network``);
- a ServiceAccount ``assumes`` the cloud identity it is annotated with (IRSA, GKE workload identity).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ownlint.config import Config
from ownlint.model import Edge, Place, Resource
from ownlint.relations.aws_arn import arn_index
from ownlint.relations.index import LINES, REFERENCE, ResourceIndex, as_list, first_block

POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "Pod",
)
IRSA = "eks.amazonaws.com/role-arn"
GKE = "iam.gke.io/gcp-service-account"
_IRREGULAR_PLURALS = {"Endpoints": "endpoints"}


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    yield from _bindings(index, config)
    yield from _workloads(index)
    yield from _services(index)
    yield from _workload_identity(index)


def body(resource: Resource) -> Mapping[str, Any]:
    return resource.attributes[0] if resource.attributes else {}


def kind_of(resource: Resource) -> str:
    return resource.type.removeprefix("k8s:")


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        data = data.get(name) if isinstance(data, dict) else None
    return data


def manifest_place(resource: Resource, what: str, *path: str) -> Place:
    """Where ``path`` (e.g. ``subjects``) is written in the manifest; its first line when not known."""
    lines = body(resource).get(LINES)
    line = lines.get(path, resource.line) if isinstance(lines, dict) and path else resource.line
    return Place(resource.file, line, what)


def pod_spec(resource: Resource) -> Mapping[str, Any]:
    spec = _at(body(resource), POD_SPEC_PATHS.get(kind_of(resource), ("spec", "template", "spec")))
    return spec if isinstance(spec, dict) else {}


def pod_labels(resource: Resource) -> Mapping[str, Any]:
    kind = kind_of(resource)
    path: tuple[str, ...] = ("metadata", "labels") if kind == "Pod" else ("spec", "template", "metadata", "labels")
    if kind == "CronJob":
        path = ("spec", "jobTemplate", "spec", "template", "metadata", "labels")
    labels = _at(body(resource), path)
    return labels if isinstance(labels, dict) else {}


def workloads(index: ResourceIndex, namespace: str | None = None) -> Iterator[Resource]:
    candidates = index.by_namespace.get(namespace, []) if namespace is not None else index.resources
    return (r for r in candidates if r.source == "kubernetes" and kind_of(r) in WORKLOAD_KINDS)


def plural(kind: str) -> str:
    lowered = kind.lower()
    if kind in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[kind]
    if lowered.endswith("y") and lowered[-2:-1] not in "aeiou":
        return lowered[:-1] + "ies"
    if lowered.endswith(("s", "x", "ch", "sh")):
        return lowered + "es"
    return lowered + "s"


def api_group(resource: Resource) -> str:
    version = body(resource).get("apiVersion")
    return version.split("/", 1)[0] if isinstance(version, str) and "/" in version else ""


def _bindings(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in index.by_type.get(f"k8s:{kind}", ()):
            data = body(binding)
            role = _role_of(binding, data, index)
            if role is not None:
                yield Edge(
                    binding.node_id,
                    role.node_id,
                    "references",
                    manifest_place(binding, f"roleRef of {binding.address}", "roleRef"),
                )
            for subject in as_list(data.get("subjects")):
                if isinstance(subject, dict):
                    yield from _subject(binding, subject, index, config)
            if role is not None:
                yield from _allowed(binding, role, index)


def _role_of(binding: Resource, data: Mapping[str, Any], index: ResourceIndex) -> Resource | None:
    ref = data.get("roleRef")
    if not isinstance(ref, dict):
        return None
    name, kind = str(ref.get("name", "")), str(ref.get("kind", ""))
    address = f"ClusterRole/{name}" if kind == "ClusterRole" else f"Role/{binding.namespace}/{name}"
    return index.by_id.get(address)


def _subject(binding: Resource, subject: Mapping[str, Any], index: ResourceIndex, config: Config) -> Iterator[Edge]:
    kind, name = str(subject.get("kind", "")), str(subject.get("name", ""))
    place = manifest_place(binding, f"subject {kind} {name} of {binding.address}", "subjects")
    if kind == "ServiceAccount":
        namespace = str(subject.get("namespace") or binding.namespace or "default")
        account = index.by_id.get(f"ServiceAccount/{namespace}/{name}")
        if account is not None:
            yield Edge(account.node_id, binding.node_id, "grants", place, f"subject of {binding.address}")
        return
    for msp in config.msps.values():
        if any(_subject_matches(declared, kind, name) for declared in msp.k8s_subjects):
            yield Edge(f"msp:{msp.name}", binding.node_id, "grants", place, f"subject {kind} {name}")
    if kind in ("User", "Group") and name:  # every subject is a node: who can reach this Secret?
        yield Edge(subject_id(kind, name), binding.node_id, "grants", place, f"subject of {binding.address}")


def subject_id(kind: str, name: str) -> str:
    """A User or Group subject as a graph node: ``k8s:Group:acme:operators``."""
    return f"k8s:{kind}:{name}"


def _subject_matches(declared: str, kind: str, name: str) -> bool:
    """``Group:acme:operators`` names kind Group, name acme:operators; everyone is in system:authenticated."""
    declared_kind, _, declared_name = declared.partition(":")
    if kind == "Group" and name == "system:authenticated":
        return True
    return declared_kind.lower() == kind.lower() and declared_name == name


def _allowed(binding: Resource, role: Resource, index: ResourceIndex) -> Iterator[Edge]:
    """The binding grants what its role's rules allow, in the binding's scope."""
    scope = binding.namespace  # None for a ClusterRoleBinding: every namespace and the cluster
    rules = [r for r in as_list(body(role).get("rules")) if isinstance(r, dict)]
    candidates = index.by_namespace.get(scope, []) if scope is not None else index.resources
    for target in candidates:
        if target.source != "kubernetes" or target is binding:
            continue
        for rule in rules:
            if _rule_allows(rule, target):
                verbs = ",".join(str(v) for v in as_list(rule.get("verbs")))
                detail = f"{verbs} {plural(kind_of(target))} via {role.address}"
                yield Edge(
                    binding.node_id,
                    target.node_id,
                    "grants",
                    manifest_place(role, f"rules of {role.address}", "rules"),
                    detail,
                )
                break


def _rule_allows(rule: Mapping[str, Any], target: Resource) -> bool:
    groups = [str(g) for g in as_list(rule.get("apiGroups"))]
    resources = [str(r) for r in as_list(rule.get("resources"))]
    names = [str(n) for n in as_list(rule.get("resourceNames"))]
    if not as_list(rule.get("verbs")):
        return False
    if "*" not in groups and api_group(target) not in groups:
        return False
    if "*" not in resources and plural(kind_of(target)) not in resources:
        return False
    return not names or target.name in names


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


def selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """A label selector (``matchLabels``/``matchExpressions``, or a Service's plain map) against labels."""
    if not isinstance(selector, dict):
        return False
    plain = {k: v for k, v in selector.items() if k not in ("matchLabels", "matchExpressions")}
    match_labels = selector.get("matchLabels")
    wanted = {**plain, **(match_labels if isinstance(match_labels, dict) else {})}
    if any(str(labels.get(k)) != str(v) for k, v in wanted.items()):
        return False
    return all(_expression(e, labels) for e in as_list(selector.get("matchExpressions")) if isinstance(e, dict))


def _expression(expression: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    key, operator = str(expression.get("key", "")), str(expression.get("operator", ""))
    values = {str(v) for v in as_list(expression.get("values"))}
    if operator == "In":
        return key in labels and str(labels[key]) in values
    if operator == "NotIn":
        return key not in labels or str(labels[key]) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False


def _services(index: ResourceIndex) -> Iterator[Edge]:
    for service in index.by_type.get("k8s:Service", ()):
        selector = _at(body(service), ("spec", "selector"))
        if not isinstance(selector, dict) or not selector:
            continue
        for workload in workloads(index, service.namespace):
            if selector_matches(selector, pod_labels(workload)):
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
    for account in accounts:
        for annotation, value in _annotations(account).items():
            if annotation == IRSA:
                for role in _roles(account, value, index):
                    yield Edge(
                        account.node_id,
                        role.node_id,
                        "assumes",
                        manifest_place(account, f"annotation {IRSA}", "metadata", "annotations", IRSA),
                        f"{IRSA}: {value}",
                    )
            elif annotation == GKE:
                for target in _gcp_accounts(account, value, index):
                    yield Edge(
                        account.node_id,
                        target.node_id,
                        "assumes",
                        manifest_place(account, f"annotation {GKE}", "metadata", "annotations", GKE),
                        f"{GKE}: {value}",
                    )


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
