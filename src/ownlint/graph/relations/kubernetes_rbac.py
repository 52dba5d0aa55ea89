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
from typing import Any, NamedTuple

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


class Rule(NamedTuple):
    """A PolicyRule's fields as text, read once per run however many bindings and objects it is checked for."""

    groups: tuple[str, ...]
    resources: tuple[str, ...]
    names: tuple[str, ...]
    verbs: frozenset[str]
    shown_verbs: str  # as the grant's detail shows them, in their written order
    exec_like: bool  # names pods/exec, pods/attach or pods/*
    core_group: bool  # the core ("") group or every group


def read_rule(rule: Mapping[str, Any]) -> Rule:
    groups = tuple(str(g) for g in as_list(rule.get("apiGroups")))
    resources = tuple(str(r) for r in as_list(rule.get("resources")))
    verbs = [str(v) for v in as_list(rule.get("verbs"))]
    names = tuple(str(n) for n in as_list(rule.get("resourceNames")))
    exec_like = bool(EXEC_SUBRESOURCES.intersection(resources))
    core = "" in groups or "*" in groups
    return Rule(groups, resources, names, frozenset(verbs), ",".join(verbs), exec_like, core)


@dataclass(frozen=True)
class BoundRole:
    """What a binding's roleRef names: its node (None for a built-in ClusterRole) and its rules; ``plurals``: the
    plurals of the objects they may name (None: every object); ``place``: where they are written (None, built-in:
    each binding's roleRef, the evidence of its grants)."""

    address: str
    node: Resource | None
    rules: tuple[Rule, ...]
    place: Place | None
    plurals: frozenset[str] | None
    named: bool  # a rule names objects (resourceNames): each object is judged, not each kind of object


class Reach:
    """The roles bound and what each reaches in each scope, worked out once per run: many bindings name
    the same role in the same namespace, and a role's rules were read again for every binding and object."""

    def __init__(self, index: ResourceIndex) -> None:
        self.index = index
        self.roles: dict[str, BoundRole | None] = {}
        self.reached: dict[tuple[str, str | None], list[tuple[Resource, str]]] = {}
        self.facts: dict[int, tuple[str, str, str]] = {}  # id of an object -> (kind, plural, apiGroup)
        # (role, kind, plural, apiGroup) -> what its rules grant on such objects (None: nothing), for roles that name
        # no object: a namespace's objects are mostly of the kinds of every other's
        self.granted: dict[tuple[str, str, str, str], str | None] = {}

    def role_of(self, binding: Resource, data: Mapping[str, Any]) -> BoundRole | None:
        ref = data.get("roleRef")
        if not isinstance(ref, dict):
            return None
        name, kind = str(ref.get("name", "")), str(ref.get("kind", ""))
        address = f"ClusterRole/{name}" if kind == "ClusterRole" else f"Role/{binding.namespace}/{name}"
        if address not in self.roles:  # a built-in ClusterRole read once, not once per binding
            node = self.index.by_id.get(address)
            if node is not None:
                self.roles[address] = _defined(address, node)
            elif kind == "ClusterRole" and name in BUILTIN_CLUSTER_ROLES:
                rules = tuple(read_rule(r) for r in BUILTIN_CLUSTER_ROLES[name])
                self.roles[address] = _bound(f"{address} (built-in)", None, rules, None)
            else:
                self.roles[address] = None
        return self.roles[address]

    def reach(self, role: BoundRole, scope: str | None) -> list[tuple[Resource, str]]:
        """(object, detail) for every object the role's rules give a way into in ``scope``, in order."""
        key = (role.address, scope)
        if key not in self.reached:
            self.reached[key] = list(self._reach(role, scope))
        return self.reached[key]

    def _reach(self, role: BoundRole, scope: str | None) -> Iterator[tuple[Resource, str]]:
        granted = self.granted
        for target in _candidates(self.index, scope, role.plurals):
            facts = self.facts.get(id(target))
            if facts is None:
                kind = kind_of(target)
                facts = self.facts[id(target)] = (kind, plural(kind), api_group(target))
            if role.named:
                detail = _detail(role, target.name, facts)
            else:
                key = (role.address, *facts)
                if key in granted:
                    detail = granted[key]
                else:
                    detail = granted[key] = _detail(role, target.name, facts)
            if detail is not None:
                yield target, detail


def _detail(role: BoundRole, name: str, facts: tuple[str, str, str]) -> str | None:
    """What the first of the role's rules that gives a way into the object ``name`` says (None: none does)."""
    for rule in role.rules:
        if _rule_allows(rule, name, *facts):
            return f"{rule.shown_verbs} {_granted_as(rule, facts[1])} via {role.address}"
    return None


def _defined(address: str, node: Resource) -> BoundRole:
    rules = tuple(read_rule(r) for r in as_list(body(node).get("rules")) if isinstance(r, dict))
    return _bound(address, node, rules, manifest_place(node, f"rules of {address}", "rules"))


def _bound(address: str, node: Resource | None, rules: tuple[Rule, ...], place: Place | None) -> BoundRole:
    return BoundRole(address, node, rules, place, _plurals(rules), any(rule.names for rule in rules))


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    reach = Reach(index)
    subjects = _msp_subjects(config)
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in index.by_type.get(f"k8s:{kind}", ()):
            data = body(binding)
            role = reach.role_of(binding, data)
            if role is not None and role.node is not None:
                place = manifest_place(binding, f"roleRef of {binding.address}", "roleRef")
                yield Edge(binding.node_id, role.node.node_id, "references", place)
            for subject in as_list(data.get("subjects")):
                if isinstance(subject, dict):
                    yield from _subject(binding, subject, index, subjects)
            if role is not None:
                granted = role.place
                for target, detail in reach.reach(role, binding.namespace):  # None: every namespace and the cluster
                    if target is not binding:
                        if granted is None:  # a built-in role's grants: the binding's roleRef is their evidence
                            granted = manifest_place(binding, f"roleRef of {binding.address}", "roleRef")
                        yield Edge(binding.node_id, target.node_id, "grants", granted, detail)


MspSubjects = list[tuple[str, frozenset[tuple[str, str]]]]  # (MSP, its declared (kind lowered, name)) in order


def _msp_subjects(config: Config) -> MspSubjects:
    """``Group:acme:operators`` names kind Group, name acme:operators (the kind in any case)."""
    found = []
    for msp in config.msps.values():
        declared = [d.partition(":") for d in msp.k8s_subjects]
        found.append((msp.name, frozenset((kind.lower(), name) for kind, _, name in declared)))
    return found


def _subject(binding: Resource, subject: Mapping[str, Any], index: ResourceIndex, msps: MspSubjects) -> Iterator[Edge]:
    kind, name = str(subject.get("kind", "")), str(subject.get("name", ""))
    place = manifest_place(binding, f"subject {kind} {name} of {binding.address}", "subjects")
    if kind == "ServiceAccount":
        namespace = str(subject.get("namespace") or binding.namespace or "default")
        account = index.by_id.get(f"ServiceAccount/{namespace}/{name}")
        if account is not None:
            yield Edge(account.node_id, binding.node_id, "grants", place, f"subject of {binding.address}")
        return
    everyone = kind == "Group" and name == "system:authenticated"  # every declared subject is in it
    for msp, declared in msps:
        if declared and (everyone or (kind.lower(), name) in declared):
            yield Edge(msp_id(msp), binding.node_id, "grants", place, f"subject {kind} {name}")
    if kind in ("User", "Group") and name:  # every subject is a node: who can reach this Secret?
        yield Edge(subject_id(kind, name), binding.node_id, "grants", place, f"subject of {binding.address}")


def subject_id(kind: str, name: str) -> str:
    """A User or Group subject as a graph node: ``k8s:Group:acme:operators``."""
    return f"k8s:{kind}:{name}"


def _plurals(rules: Sequence[Rule]) -> frozenset[str] | None:
    """The plurals of the objects the rules may name (None: every object): worked out once per role."""
    named = {r for rule in rules for r in rule.resources}
    if "serviceaccounts/token" in named:
        named.add("serviceaccounts")
    if "*" in named:
        return None
    if named & EXEC_SUBRESOURCES:  # exec into a pod is acting as its workload
        named |= WORKLOAD_PLURALS
    return frozenset(named)


def _candidates(index: ResourceIndex, scope: str | None, plurals: frozenset[str] | None) -> list[Resource]:
    """Kubernetes objects of ``plurals`` (None: every one), in scope, by plural in order: the plurals the scope holds
    are walked (a namespace holds objects of a few, a role names a dozen)."""
    if plurals is None:
        in_scope = index.by_namespace.get(scope, []) if scope is not None else None
        everything = in_scope if in_scope is not None else index.resources
        return [r for r in everything if r.source == "kubernetes"]
    by_plural = index.cached("k8s-by-plural", lambda: _by_plural(index)).get(scope, ())
    return [r for name, members in by_plural if name in plurals for r in members]


WORKLOAD_PLURALS = frozenset(plural(kind) for kind in WORKLOAD_KINDS)


ByPlural = list[tuple[str, list[Resource]]]  # (plural, its objects in order), by plural


def _by_plural(index: ResourceIndex) -> dict[str | None, ByPlural]:
    """Kubernetes objects of each namespace, and of every namespace (None), by plural."""
    table: dict[str | None, dict[str, list[Resource]]] = {}
    plurals: dict[str, str] = {}  # type -> plural, worked out once per type
    for resource in index.resources:
        if resource.source == "kubernetes":
            what = plurals.get(resource.type)
            if what is None:
                what = plurals[resource.type] = plural(kind_of(resource))
            table.setdefault(None, {}).setdefault(what, []).append(resource)
            if resource.namespace is not None:
                table.setdefault(resource.namespace, {}).setdefault(what, []).append(resource)
    return {scope: sorted(members.items()) for scope, members in table.items()}


def _granted_as(rule: Rule, what: str) -> str:
    """The rule's resource that reaches an object of plural ``what``: it, or a subresource such as pods/exec."""
    resources = rule.resources
    if what in resources or "*" in resources:
        return what
    subresource = next((r for r in resources if r in EXEC_SUBRESOURCES or r == "serviceaccounts/token"), what)
    return f"{subresource} of its pods" if subresource in EXEC_SUBRESOURCES else subresource


def _rule_allows(rule: Rule, name: str, kind: str, what: str, group: str) -> bool:
    """Whether ``rule`` gives a way into the object ``name`` of ``kind`` (plural ``what``, API ``group``): any
    verb on a Secret, ConfigMap or PVC reaches its data; a workload must be changed or exec'd into, and a
    ServiceAccount impersonated or issued a token, before one can act as it (reading their objects reaches
    nothing)."""
    verbs, resources = rule.verbs, rule.resources
    if not verbs or (rule.names and name not in rule.names):
        return False
    if kind in WORKLOAD_KINDS and rule.exec_like and rule.core_group:
        return True  # pods/exec, pods/attach: a shell in the workload's pods, with its ServiceAccount
    if "*" not in rule.groups and group not in rule.groups:
        return False
    if "*" not in resources and what not in resources:
        return "serviceaccounts/token" in resources and kind == "ServiceAccount" and bool(verbs & {"create", "*"})
    if kind in WORKLOAD_KINDS:
        return bool(verbs & CHANGING_VERBS)
    if kind == "ServiceAccount":
        return bool(verbs & {"impersonate", "*"})
    return True
