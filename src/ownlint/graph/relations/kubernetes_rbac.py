"""Kubernetes RBAC as graph edges.

A binding's subjects ``grants`` it: an MSP's ``k8s_subjects`` (``Group:acme:operators``; everyone is in
``system:authenticated``), ServiceAccounts, and every other User or Group as a node of its own. The
binding ``grants`` the objects its role's rules give a way into (apiGroups, resources, resourceNames,
wildcards) in its namespace (RoleBinding, also of a ClusterRole) or everywhere (ClusterRoleBinding),
and ``references`` its role. Any verb reaches a Secret's, ConfigMap's or PVC's data; a workload
is reached only by changing it or by ``pods/exec``/``pods/attach``, a ServiceAccount only by
``impersonate`` or ``serviceaccounts/token``: reading their objects lets nobody act as them.

The role is named in each grant's detail: a ClusterRole's reach depends on the binding, so the
binding, not the role, is the node paths go through.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ownlint.config import Config
from ownlint.graph.relations.index import ResourceIndex, as_list
from ownlint.graph.relations.kubernetes import WORKLOAD_KINDS, api_group, body, kind_of, manifest_place, plural
from ownlint.model import Edge, Place, Resource, msp_id

EXEC_SUBRESOURCES = frozenset({"pods/exec", "pods/attach", "pods/*"})
CHANGING_VERBS = frozenset({"create", "update", "patch", "*"})


_EVERY_VERB = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_READ = ["get", "list", "watch"]
_WORKLOADS = {"apps": ["deployments", "statefulsets", "daemonsets", "replicasets"], "batch": ["jobs", "cronjobs"]}
_CORE = ["pods", "configmaps", "persistentvolumeclaims", "services", "replicationcontrollers", "serviceaccounts"]
_EDIT: list[dict[str, list[str]]] = [
    {"apiGroups": [""], "resources": [*_CORE, "secrets", "pods/exec", "pods/attach"], "verbs": _EVERY_VERB},
    {"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]},
    *({"apiGroups": [group], "resources": kinds, "verbs": _EVERY_VERB} for group, kinds in _WORKLOADS.items()),
]
# Kubernetes' default user-facing ClusterRoles (as the API server bootstraps them, reduced to what
# reaches data or identities), for bindings whose roleRef names one that no manifest defines
BUILTIN_CLUSTER_ROLES: Mapping[str, list[dict[str, list[str]]]] = {
    "cluster-admin": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    "admin": _EDIT,
    "edit": _EDIT,
    "view": [
        {"apiGroups": [""], "resources": _CORE, "verbs": _READ},
        *({"apiGroups": [group], "resources": kinds, "verbs": _READ} for group, kinds in _WORKLOADS.items()),
    ],
}


@dataclass(frozen=True)
class BoundRole:
    """What a binding's roleRef names: its node (None for a built-in ClusterRole) and its rules."""

    address: str
    node: Resource | None
    rules: Sequence[Mapping[str, Any]]
    place: Place


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in index.by_type.get(f"k8s:{kind}", ()):
            data = body(binding)
            role = _role_of(binding, data, index)
            if role is not None and role.node is not None:
                place = manifest_place(binding, f"roleRef of {binding.address}", "roleRef")
                yield Edge(binding.node_id, role.node.node_id, "references", place)
            for subject in as_list(data.get("subjects")):
                if isinstance(subject, dict):
                    yield from _subject(binding, subject, index, config)
            if role is not None:
                yield from _allowed(binding, role, index)


def _role_of(binding: Resource, data: Mapping[str, Any], index: ResourceIndex) -> BoundRole | None:
    ref = data.get("roleRef")
    if not isinstance(ref, dict):
        return None
    name, kind = str(ref.get("name", "")), str(ref.get("kind", ""))
    address = f"ClusterRole/{name}" if kind == "ClusterRole" else f"Role/{binding.namespace}/{name}"
    node = index.by_id.get(address)
    if node is not None:
        rules = [r for r in as_list(body(node).get("rules")) if isinstance(r, dict)]
        return BoundRole(address, node, rules, manifest_place(node, f"rules of {address}", "rules"))
    if kind == "ClusterRole" and name in BUILTIN_CLUSTER_ROLES:
        place = manifest_place(binding, f"roleRef of {binding.address}", "roleRef")
        return BoundRole(f"{address} (built-in)", None, BUILTIN_CLUSTER_ROLES[name], place)
    return None


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
            yield Edge(msp_id(msp.name), binding.node_id, "grants", place, f"subject {kind} {name}")
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


def _allowed(binding: Resource, role: BoundRole, index: ResourceIndex) -> Iterator[Edge]:
    """The binding grants what its role's rules allow, in the binding's scope."""
    scope = binding.namespace  # None for a ClusterRoleBinding: every namespace and the cluster
    rules = role.rules
    for target in _candidates(index, scope, rules):
        if target is binding:
            continue
        for rule in rules:
            if _rule_allows(rule, target):
                verbs = ",".join(str(v) for v in as_list(rule.get("verbs")))
                detail = f"{verbs} {_granted_as(rule, target)} via {role.address}"
                yield Edge(binding.node_id, target.node_id, "grants", role.place, detail)
                break


def _candidates(index: ResourceIndex, scope: str | None, rules: Sequence[Mapping[str, Any]]) -> list[Resource]:
    """Kubernetes objects the rules may name, in scope: looked up by resource name, not by scanning."""
    in_scope = index.by_namespace.get(scope, []) if scope is not None else None
    named = {str(r) for rule in rules for r in as_list(rule.get("resources"))}
    if "serviceaccounts/token" in named:
        named.add("serviceaccounts")
    if "*" in named:
        everything = in_scope if in_scope is not None else index.resources
        return [r for r in everything if r.source == "kubernetes"]
    if named & EXEC_SUBRESOURCES:  # exec into a pod is acting as its workload
        named |= {plural(kind) for kind in WORKLOAD_KINDS}
    by_plural = index.cached("k8s-by-plural", lambda: _by_plural(index))
    return [r for name in sorted(named) for r in by_plural.get((name, scope), ())]


def _by_plural(index: ResourceIndex) -> dict[tuple[str, str | None], list[Resource]]:
    """Kubernetes objects by (plural, namespace), and by (plural, None) across every namespace."""
    table: dict[tuple[str, str | None], list[Resource]] = {}
    for resource in index.resources:
        if resource.source == "kubernetes":
            what = plural(kind_of(resource))
            table.setdefault((what, None), []).append(resource)
            if resource.namespace is not None:
                table.setdefault((what, resource.namespace), []).append(resource)
    return table


def _granted_as(rule: Mapping[str, Any], target: Resource) -> str:
    """The rule's resource that reaches ``target``: its plural, or a subresource such as pods/exec."""
    resources = [str(r) for r in as_list(rule.get("resources"))]
    what = plural(kind_of(target))
    if what in resources or "*" in resources:
        return what
    subresource = next((r for r in resources if r in EXEC_SUBRESOURCES or r == "serviceaccounts/token"), what)
    return f"{subresource} of its pods" if subresource in EXEC_SUBRESOURCES else subresource


def _rule_allows(rule: Mapping[str, Any], target: Resource) -> bool:
    """Whether ``rule`` gives a way into ``target``: any verb on a Secret, ConfigMap or PVC reaches its
    data; a workload must be changed or exec'd into, and a ServiceAccount impersonated or issued a token,
    before one can act as it (reading their objects reaches nothing)."""
    groups = [str(g) for g in as_list(rule.get("apiGroups"))]
    resources = [str(r) for r in as_list(rule.get("resources"))]
    names = [str(n) for n in as_list(rule.get("resourceNames"))]
    verbs = {str(v) for v in as_list(rule.get("verbs"))}
    if not verbs or (names and target.name not in names):
        return False
    kind = kind_of(target)
    if kind in WORKLOAD_KINDS and EXEC_SUBRESOURCES & set(resources) and ("" in groups or "*" in groups):
        return True  # pods/exec, pods/attach: a shell in the workload's pods, with its ServiceAccount
    if "*" not in groups and api_group(target) not in groups:
        return False
    if "*" not in resources and plural(kind) not in resources:
        return "serviceaccounts/token" in resources and kind == "ServiceAccount" and bool(verbs & {"create", "*"})
    if kind in WORKLOAD_KINDS:
        return bool(verbs & CHANGING_VERBS)
    if kind == "ServiceAccount":
        return bool(verbs & {"impersonate", "*"})
    return True
