"""A Namespace's tags lent once to all its objects (issue 20): ``inherit_namespaces`` gives what it gave when each
object built its own copies (``_reference``, the earlier code), for objects that set none, some or all of its keys,
Namespaces with opaque reasons, one Namespace under two names, Terraform objects that name their Namespace."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.pipeline.namespaces import NAMESPACE_TYPES, _body, _name, inherit_namespaces


def _reference(listed: tuple[Resource, ...]) -> tuple[Resource, ...]:
    by_address = {(r.stack, r.address): r for r in listed if r.source == "terraform"}
    from_terraform: dict[str, Resource] = {}
    from_manifests: dict[str, Resource] = {}
    for resource in listed:
        if resource.type in NAMESPACE_TYPES and (name := _name(resource)) is not None:
            from_terraform.setdefault(name, resource)
        elif resource.source == "kubernetes" and resource.type == "k8s:Namespace":
            from_manifests.setdefault(resource.name, resource)
    if not from_terraform and not any(_body(r) for r in listed):
        return listed
    placed = []
    for resource in listed:
        body = _body(resource)
        if body is not None and isinstance(body.get("namespace_of"), str):
            named = by_address.get((resource.stack, body["namespace_of"]))
            resource = replace(resource, namespace=_name(named) if named is not None else None)
        if resource.namespace is None or resource.type in (*NAMESPACE_TYPES, "k8s:Namespace"):
            placed.append(resource)
            continue
        if body is not None:
            namespace = from_terraform.get(resource.namespace) or from_manifests.get(resource.namespace)
        else:
            namespace = from_terraform.get(resource.namespace) if resource.source == "kubernetes" else None
        placed.append(_inherit(resource, namespace) if namespace is not None else resource)
    return tuple(placed)


def _inherit(resource: Resource, namespace: Resource) -> Resource:
    own = {t.key.lower() for t in resource.tags}
    shown = f"Namespace/{resource.namespace}"
    what = shown if namespace.address == shown else f"{shown} ({namespace.address})"
    via = Place(namespace.file, namespace.line, what, PlaceKind.INHERITED, "namespace", namespace.address)
    inherited = tuple(
        TagValue(t.key, t.value, (*t.provenance, via), t.reason) for t in namespace.tags if t.key.lower() not in own
    )
    opaque = tuple(f"{reason} (inherited from {namespace.address})" for reason in namespace.opaque)
    if not inherited and not opaque:
        return resource
    return replace(resource, tags=resource.tags + inherited, opaque=resource.opaque + opaque)


def _tag(key: str, value: str, file: str = "m.yaml") -> TagValue:
    return TagValue(key, value, (Place(file, 3, f"label {key}", PlaceKind.LABEL, key),))


def _terraform(address: str, body: dict[str, Any], tags: tuple[TagValue, ...] = (), **more: Any) -> Resource:
    kind, name = address.split(".")
    return Resource(
        address, kind, name, "terraform", "main.tf", 1, 9, tags=tags, attributes=({"kubernetes": body},), **more
    )


def _object(kind: str, name: str, namespace: str | None, tags: tuple[TagValue, ...] = ()) -> Resource:
    address = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
    return Resource(address, f"k8s:{kind}", name, "kubernetes", "m.yaml", 1, 5, namespace=namespace, tags=tags)


def _estate() -> tuple[Resource, ...]:
    shop_tags = (_tag("owner", "payments", "main.tf"), _tag("Team", "core", "main.tf"), _tag("tier", "1", "main.tf"))
    return (
        _terraform("kubernetes_namespace.shop", {"kind": "Namespace", "name": "shop"}, shop_tags),
        _terraform("kubernetes_namespace_v1.ops", {"kind": "Namespace", "name": "ops"}, opaque=("tags = var.tags",)),
        _terraform("kubernetes_namespace.dup", {"kind": "Namespace", "name": "shop"}, (_tag("owner", "x"),)),
        _terraform("kubernetes_deployment.web", {"kind": "Deployment", "namespace_of": "kubernetes_namespace.shop"}),
        _terraform("kubernetes_deployment.lost", {"kind": "Deployment", "namespace_of": "kubernetes_namespace.none"}),
        _terraform("kubernetes_service.api", {"kind": "Service"}, namespace="apps"),
        _terraform("kubernetes_service.ops", {"kind": "Service"}, (_tag("team", "mine"),), namespace="ops"),
        _terraform("aws_s3_bucket.logs", {"kind": "Bucket"}, namespace="shop"),
        _object("Namespace", "apps", None, (_tag("owner", "apps-team"),)),
        _object("Namespace", "shop", None, (_tag("owner", "manifest"),)),
        _object("Deployment", "a", "shop"),
        _object("Deployment", "b", "shop", (_tag("OWNER", "mine"),)),
        _object("Deployment", "c", "shop", (_tag("owner", "o"), _tag("team", "t"), _tag("tier", "2"))),
        _object("Service", "d", "shop", (_tag("other", "x"),)),
        _object("Service", "e", "ops"),
        _object("Service", "f", "apps"),
        _object("ClusterRole", "g", None),
        _object("Deployment", "h", "shop"),
    )


def test_objects_inherit_as_each_built_its_own_copies() -> None:
    listed = _estate()
    got, want = inherit_namespaces(listed), _reference(listed)
    assert got == want
    assert [r.opaque for r in got] == [r.opaque for r in want]
    assert [[t.provenance for t in r.tags] for r in got] == [[t.provenance for t in r.tags] for r in want]
    assert [r.namespace for r in got] == [r.namespace for r in want]


def test_objects_of_one_namespace_share_what_it_lends() -> None:
    got = {r.address: r for r in inherit_namespaces(_estate())}
    a, h = got["Deployment/shop/a"], got["Deployment/shop/h"]
    assert [t.key for t in a.tags] == ["owner", "Team", "tier"]
    assert all(x is y for x, y in zip(a.tags, h.tags, strict=True))
    assert [t.key for t in got["Deployment/shop/b"].tags] == ["OWNER", "Team", "tier"]


def test_nothing_to_place_gives_the_resources_back() -> None:
    listed = (_object("Namespace", "apps", None, (_tag("owner", "o"),)), _object("Service", "f", "apps"))
    assert inherit_namespaces(listed) is listed
