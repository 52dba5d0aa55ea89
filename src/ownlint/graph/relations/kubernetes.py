"""Reading Kubernetes manifests for the graph: bodies, pod specs and labels, selectors, evidence lines.

The edges are in ``kubernetes_rbac`` (bindings) and ``kubernetes_workloads`` (workloads, Services,
workload identity); NetworkPolicies are in ``network``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ownlint.graph.relations.index import ATTRIBUTE, RESOURCE, ResourceIndex, as_list
from ownlint.model import LINES, POD_TEMPLATE_KINDS, Place, Resource

POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
WORKLOAD_KINDS = (*POD_TEMPLATE_KINDS, "Pod")
WORKLOAD_TYPES = frozenset(f"k8s:{kind}" for kind in WORKLOAD_KINDS)  # a workload found by its type: no call per object
IRSA = "eks.amazonaws.com/role-arn"
GKE = "iam.gke.io/gcp-service-account"
_IRREGULAR_PLURALS = {"Endpoints": "endpoints"}


def body(resource: Resource) -> Mapping[str, Any]:
    return resource.attributes[0] if resource.attributes else {}


def kind_of(resource: Resource) -> str:
    return resource.type.removeprefix("k8s:")


def at(data: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        data = data.get(name) if isinstance(data, dict) else None
    return data


def manifest_place(resource: Resource, what: str, *path: str) -> Place:
    """Where ``path`` (e.g. ``subjects``) is written in the manifest; its first line when not known."""
    lines = body(resource).get(LINES)
    line = lines.get(path, resource.line) if isinstance(lines, dict) and path else resource.line
    return Place(resource.file, line, what, ATTRIBUTE if path else RESOURCE, ".".join(path), resource.address)


def pod_spec(resource: Resource) -> Mapping[str, Any]:
    spec = at(body(resource), POD_SPEC_PATHS.get(kind_of(resource), ("spec", "template", "spec")))
    return spec if isinstance(spec, dict) else {}


def pod_labels(resource: Resource) -> Mapping[str, Any]:
    kind = kind_of(resource)
    path: tuple[str, ...] = ("metadata", "labels") if kind == "Pod" else ("spec", "template", "metadata", "labels")
    if kind == "CronJob":
        path = ("spec", "jobTemplate", "spec", "template", "metadata", "labels")
    labels = at(body(resource), path)
    return labels if isinstance(labels, dict) else {}


def workloads(index: ResourceIndex, namespace: str | None = None) -> Iterator[Resource]:
    candidates = index.by_namespace.get(namespace, []) if namespace is not None else index.resources
    return (r for r in candidates if r.type in WORKLOAD_TYPES and r.source == "kubernetes")


class LabelIndex:
    """Objects with their labels, and by each (label, value as text): a selector's ``matchLabels`` (or a
    Service's plain map) is looked up, not matched against every object (MoJ: 3.5k peers x 800 namespaces)."""

    SMALL = 8  # no fewer objects than this are indexed: matching a few costs less than indexing them

    def __init__(self, labelled: list[tuple[Resource, Mapping[str, Any]]]) -> None:
        self.labelled = labelled
        self._by_label: dict[tuple[Any, str], list[tuple[Resource, Mapping[str, Any]]]] | None = None

    def candidates(self, selector: Mapping[str, Any]) -> list[tuple[Resource, Mapping[str, Any]]]:
        """The objects, in order, that may match: those holding the selector's rarest required label. A
        required value written "None" (a YAML null) is also met by a missing label: it narrows nothing."""
        if len(self.labelled) <= self.SMALL:
            return self.labelled
        by_label = self._by_label if self._by_label is not None else self._index()
        match_labels = selector.get("matchLabels")
        wanted = {k: v for k, v in selector.items() if k not in ("matchLabels", "matchExpressions")}
        wanted.update(match_labels if isinstance(match_labels, dict) else {})
        found = self.labelled
        for key, value in wanted.items():
            text = str(value)
            if text != "None":
                members = by_label.get((key, text), [])
                found = members if len(members) < len(found) else found
        return found

    def _index(self) -> dict[tuple[Any, str], list[tuple[Resource, Mapping[str, Any]]]]:
        by_label: dict[tuple[Any, str], list[tuple[Resource, Mapping[str, Any]]]] = {}
        for item in self.labelled:
            for key, value in item[1].items():
                by_label.setdefault((key, str(value)), []).append(item)
        self._by_label = by_label
        return by_label


def labelled_workloads(index: ResourceIndex, namespace: str | None) -> LabelIndex:
    """The workloads of a namespace (None: all) with their pods' labels, indexed once per run."""
    table: dict[str | None, LabelIndex] = index.cached("k8s-workload-labels", dict)
    if namespace not in table:
        table[namespace] = LabelIndex([(w, pod_labels(w)) for w in workloads(index, namespace)])
    return table[namespace]


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
