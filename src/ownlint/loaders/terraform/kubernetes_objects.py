"""Kubernetes objects that Terraform manages (hashicorp/kubernetes: ``kubernetes_deployment``, their ``_v1``
forms, ``kubernetes_manifest``): their labels and annotations are in ``metadata {}`` (a workload's pod
template too, as for a manifest), and their kind, name and namespace say where they are in the cluster."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ownlint.loaders.kubernetes.kinds import CLUSTER_SCOPED
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.tags import TracedTags, add_tag, trace_tags
from ownlint.loaders.terraform.values import Unknown
from ownlint.model import Place, PlaceKind

# the resource type without ``kubernetes_`` and its version suffix -> the kind of the object it manages
KINDS = {
    "namespace": "Namespace",
    "deployment": "Deployment",
    "daemonset": "DaemonSet",
    "daemon_set": "DaemonSet",
    "stateful_set": "StatefulSet",
    "replication_controller": "ReplicationController",
    "job": "Job",
    "cron_job": "CronJob",
    "pod": "Pod",
    "service": "Service",
    "service_account": "ServiceAccount",
    "default_service_account": "ServiceAccount",
    "secret": "Secret",
    "config_map": "ConfigMap",
    "ingress": "Ingress",
    "ingress_class": "IngressClass",
    "persistent_volume_claim": "PersistentVolumeClaim",
    "persistent_volume": "PersistentVolume",
    "storage_class": "StorageClass",
    "role": "Role",
    "role_binding": "RoleBinding",
    "cluster_role": "ClusterRole",
    "cluster_role_binding": "ClusterRoleBinding",
    "network_policy": "NetworkPolicy",
    "horizontal_pod_autoscaler": "HorizontalPodAutoscaler",
    "limit_range": "LimitRange",
    "resource_quota": "ResourceQuota",
    "pod_disruption_budget": "PodDisruptionBudget",
    "priority_class": "PriorityClass",
    "endpoints": "Endpoints",
    "endpoint_slice": "EndpointSlice",
    "csi_driver": "CSIDriver",
    "runtime_class": "RuntimeClass",
    "validating_webhook_configuration": "ValidatingWebhookConfiguration",
    "mutating_webhook_configuration": "MutatingWebhookConfiguration",
    "certificate_signing_request": "CertificateSigningRequest",
    "api_service": "APIService",
    "pod_security_policy": "PodSecurityPolicy",
}
KUBERNETES = "kubernetes"  # the graph attribute that says what the object is in the cluster
MANIFEST = "kubernetes_manifest"  # its ``manifest`` attribute is the whole object
NAMESPACE_TYPES = ("kubernetes_namespace", "kubernetes_namespace_v1")
_VERSION = re.compile(r"_v\d+(?:(?:alpha|beta)\d+)?$")
_TEMPLATES = {  # where a workload's pod template metadata is, as blocks
    "Deployment": ("spec", "template", "metadata"),
    "DaemonSet": ("spec", "template", "metadata"),
    "StatefulSet": ("spec", "template", "metadata"),
    "ReplicationController": ("spec", "template", "metadata"),
    "Job": ("spec", "template", "metadata"),
    "CronJob": ("spec", "job_template", "spec", "template", "metadata"),
}


@dataclass(frozen=True)
class KubernetesObject:
    """What a ``kubernetes_*`` resource instance is in the cluster, and its labels."""

    traced: TracedTags
    fix_place: Place
    body: Mapping[str, Any]  # {"kubernetes": kind, name, namespace (or the namespace resource it names)}
    namespace: str | None  # None: cluster-scoped, or not known (then ``traced.opaque`` says why)


def kubernetes_kind(resource_type: str) -> str | None:
    """The kind a resource type manages (``kubernetes_manifest``: its manifest says), or None."""
    if resource_type == MANIFEST:
        return "*"
    if not resource_type.startswith("kubernetes_"):
        return None
    return KINDS.get(_VERSION.sub("", resource_type.removeprefix("kubernetes_")))


def kubernetes_object(
    path: str, block: m.Block, address: str, prefix: str, evaluator: Evaluator, env: Mapping[str, Any]
) -> KubernetesObject | None:
    """The object of a ``kubernetes_*`` block instance (``prefix``: its module instance's address prefix)."""
    kind = kubernetes_kind(block.labels[0])
    if kind is None:
        return None
    if kind == "*":
        return _manifest(path, block, address, evaluator, env)
    metadata = next(iter(block.children("metadata")), None)
    place = Place(
        path,
        metadata.line if metadata is not None else block.line,
        f"metadata.labels of {address}",
        PlaceKind.ATTRIBUTE,
        "metadata.labels",
        address,
    )
    traced, fields = TracedTags(), {}
    if metadata is not None:
        for section in ("annotations", "labels"):  # labels win over annotations of the same key
            attribute = metadata.attribute(section)
            if attribute is not None:
                what = Place(
                    path,
                    attribute.line,
                    f"metadata.{section} of {address}",
                    PlaceKind.ATTRIBUTE,
                    f"metadata.{section}",
                    address,
                )
                traced.overlay(trace_tags(attribute.expr, evaluator, what, env))
        fields = {a.name: a.expr for a in metadata.attributes if a.name in ("name", "namespace")}
    _pod_template(traced, path, block, kind, address, evaluator, env)
    labels = metadata.attribute("labels") if metadata is not None else None
    fix_place = replace(place, line=labels.line) if labels is not None else place
    return _placed(kind, fields, traced, fix_place, prefix, evaluator, env)


def _placed(
    kind: str,
    fields: Mapping[str, m.Expr],
    traced: TracedTags,
    fix_place: Place,
    prefix: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> KubernetesObject:
    """Its name and namespace: a namespaced object without one is in ``default``; one named through a
    ``kubernetes_namespace`` resource (``kubernetes_namespace.x.metadata[0].name``) is in that resource's."""
    name = evaluator.value(fields["name"], env) if "name" in fields else None
    found: dict[str, Any] = {"kind": kind, "name": name if isinstance(name, str) else None}
    body = {KUBERNETES: found}
    if kind in CLUSTER_SCOPED:
        return KubernetesObject(traced, fix_place, body, None)
    written = fields.get("namespace")
    value = evaluator.value(written, env) if written is not None else "default"
    if isinstance(value, str) and value:
        found["namespace"] = value
        return KubernetesObject(traced, fix_place, body, value)
    named = next((n for n in m.references(written) if n[:1] and n[0] in NAMESPACE_TYPES), None) if written else None
    if named is not None and len(named) > 1:
        found["namespace_of"] = f"{prefix}{named[0]}.{named[1]}"  # placed by the pipeline, that sees them all
        return KubernetesObject(traced, fix_place, body, None)
    reason = value.reason if isinstance(value, Unknown) else "it is not a string"
    traced.opaque.append(f"its namespace is not known, nor the labels it may give: {reason} ({fix_place})")
    return KubernetesObject(traced, fix_place, body, None)


def _pod_template(
    traced: TracedTags,
    path: str,
    block: m.Block,
    kind: str,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> None:
    """A workload's pod template labels, for the keys its own metadata lacks (as for a manifest)."""
    node: m.Block | None = block
    for name in _TEMPLATES.get(kind, ()):
        node = next(iter(node.children(name)), None) if node is not None else None
    labels = node.attribute("labels") if node is not None and kind in _TEMPLATES else None
    if labels is None:
        return
    place = Place(
        path, labels.line, f"pod template labels of {address}", PlaceKind.ATTRIBUTE, "pod template labels", address
    )
    for key, tag in trace_tags(labels.expr, evaluator, place, env).entries.items():
        if key not in traced.entries:
            traced.entries[key] = tag


def _manifest(
    path: str, block: m.Block, address: str, evaluator: Evaluator, env: Mapping[str, Any]
) -> KubernetesObject | None:
    """A ``kubernetes_manifest``: its labels traced where the manifest is written out, else from its value."""
    attribute = block.attribute("manifest")
    if attribute is None:
        return None
    place = Place(
        path,
        attribute.line,
        f"manifest.metadata.labels of {address}",
        PlaceKind.ATTRIBUTE,
        "manifest.metadata.labels",
        address,
    )
    kind = evaluator.value(_item(attribute.expr, "kind", evaluator, env) or m.Unsupported("no kind"), env)
    metadata = _item(attribute.expr, "metadata", evaluator, env)
    traced = TracedTags()
    fields: dict[str, m.Expr] = {}
    if metadata is not None:
        for section in ("annotations", "labels"):
            written = _item(metadata, section, evaluator, env)
            if written is not None:
                traced.overlay(trace_tags(written, evaluator, place, env))
        fields = {n: e for n in ("name", "namespace") if (e := _item(metadata, n, evaluator, env)) is not None}
    else:  # the manifest is built elsewhere (a variable, yamldecode): its value, as a whole
        value = evaluator.value(attribute.expr, env)
        meta = value.get("metadata") if isinstance(value, dict) else None
        kind = value.get("kind") if isinstance(value, dict) else kind
        for section in ("annotations", "labels"):
            entries = meta.get(section) if isinstance(meta, dict) else None
            for key, item in (entries or {}).items() if isinstance(entries, dict) else ():
                add_tag(traced, str(key), item, (place,))
        if not isinstance(meta, dict):
            traced.opaque.append(f"its manifest is not known here ({place})")
        known = meta if isinstance(meta, dict) else {}
        fields = {n: m.Lit(known[n]) for n in ("name", "namespace") if isinstance(known.get(n), str)}
    return _placed(kind if isinstance(kind, str) else "?", fields, traced, place, "", evaluator, env)


def _item(expr: m.Expr, key: str, evaluator: Evaluator, env: Mapping[str, Any]) -> m.Expr | None:
    """The value of ``key`` in an object written out (``{ metadata = {...} }``), or None."""
    if not isinstance(expr, m.ObjectExpr):
        return None
    return next((i.value for i in expr.items if evaluator.value(i.key, env) == key), None)
