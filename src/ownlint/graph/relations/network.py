"""Network reach as graph edges: an MSP's declared ranges ``admits`` into security groups and
NetworkPolicies whose ingress covers them (CIDR overlap, not string equality), and a security
group ``admits`` to what it is attached to.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from ownlint.config import Config, Msp
from ownlint.graph.relations.index import ResourceIndex, as_list, place_of
from ownlint.graph.relations.kubernetes import LabelIndex, body, labelled_workloads, manifest_place, selector_matches
from ownlint.model import Edge, Place, Resource, msp_id, qualified

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Attributes by which a resource is placed in security groups (nested ones dotted)
ATTACHING_ATTRIBUTES = (
    "vpc_security_group_ids",
    "security_groups",
    "security_group_ids",
    "vpc_config.security_group_ids",
    "vpc_options.security_group_ids",
    "network_interface.security_groups",
    "network_configuration.security_groups",
)


def edges(index: ResourceIndex, config: Config) -> Iterator[Edge]:
    ranges = [(msp, network) for msp in config.msps.values() for network in _networks(msp.cidrs)]
    yield from _security_groups(index, ranges)
    yield from _attachments(index)
    yield from _network_policies(index, ranges)
    yield from _load_balancers(index, ranges)


def _networks(texts: Any) -> list[Network]:
    found = []
    for text in as_list(texts):
        try:
            found.append(ipaddress.ip_network(str(text), strict=False))
        except ValueError:
            continue
    return found


def _covered(ranges: list[tuple[Msp, Network]], admitted: Any) -> Iterator[tuple[Msp, str]]:
    """(MSP, how) for every MSP range that overlaps one of the ``admitted`` CIDRs."""
    for network in _networks(admitted):
        for msp, declared in ranges:
            if declared.version == network.version and declared.overlaps(network):
                relation = "within" if _inside(declared, network) else "overlaps"
                yield msp, f"{declared} {relation} {network}"


def _ports(rule: Mapping[str, Any]) -> str:
    low, high = rule.get("from_port"), rule.get("to_port")
    protocol = rule.get("protocol", rule.get("ip_protocol", ""))
    if low in (None, 0, -1) and high in (None, 0, 65535, -1):
        return f"{protocol} all ports" if protocol not in (None, "", "-1", "all") else "all ports"
    return f"{protocol} {low}" + (f"-{high}" if high not in (None, low) else "")


def _security_groups(index: ResourceIndex, ranges: list[tuple[Msp, Network]]) -> Iterator[Edge]:
    for group in index.by_type.get("aws_security_group", ()):
        for attributes in group.attributes:
            for rule in as_list(attributes.get("ingress")):
                if isinstance(rule, dict):
                    where = place_of(group, rule, what=f"ingress of {group.address}")
                    yield from _admits(ranges, rule, group, where, ("cidr_blocks", "ipv6_cidr_blocks"))
    rule_types = {
        "aws_security_group_rule": ("cidr_blocks", "ipv6_cidr_blocks"),
        "aws_vpc_security_group_ingress_rule": ("cidr_ipv4", "cidr_ipv6"),
    }
    for rule_type, cidr_attributes in rule_types.items():
        for rule_resource in index.by_type.get(rule_type, ()):
            for attributes in rule_resource.attributes:
                if rule_type == "aws_security_group_rule" and attributes.get("type") != "ingress":
                    continue
                where = place_of(rule_resource, attributes, what=rule_resource.address)
                for group in index.referenced(rule_resource, attributes.get("security_group_id")):
                    yield from _admits(ranges, attributes, group, where, cidr_attributes)


def _admits(
    ranges: list[tuple[Msp, Network]],
    rule: Mapping[str, Any],
    group: Resource,
    where: Place,
    cidr_attributes: tuple[str, ...],
) -> Iterator[Edge]:
    for name in cidr_attributes:
        for msp, how in _covered(ranges, rule.get(name)):
            yield Edge(msp_id(msp.name), group.node_id, "admits", where, f"{how}, {_ports(rule)}")


def _attachments(index: ResourceIndex) -> Iterator[Edge]:
    for resource in index.resources:
        for attribute, address in resource.links:
            if attribute in ATTACHING_ATTRIBUTES:
                group = index.by_id.get(qualified(resource, address))
                if group is not None and group.type == "aws_security_group":
                    attributes = resource.attributes[0] if resource.attributes else {}
                    where = place_of(resource, attributes, attribute, f"{attribute} of {resource.address}")
                    yield Edge(group.node_id, resource.node_id, "admits", where, f"attached by {attribute}")


def _network_policies(index: ResourceIndex, ranges: list[tuple[Msp, Network]]) -> Iterator[Edge]:
    for policy in index.by_type.get("k8s:NetworkPolicy", ()):
        spec = body(policy).get("spec")
        if not isinstance(spec, dict):
            continue
        where = manifest_place(policy, f"ingress of {policy.address}", "spec")
        for rule in as_list(spec.get("ingress")):
            if isinstance(rule, dict):
                yield from _ingress_rule(policy, rule, ranges, where)
                yield from _selected_peers(index, policy, rule, where)
        selector = spec.get("podSelector")
        if isinstance(selector, dict):
            for workload, labels in labelled_workloads(index, policy.namespace).candidates(selector):
                if not selector or selector_matches(selector, labels):
                    place = manifest_place(policy, f"podSelector of {policy.address}", "spec")
                    yield Edge(policy.node_id, workload.node_id, "selects", place, "podSelector")


def _ingress_rule(
    policy: Resource, rule: Mapping[str, Any], ranges: list[tuple[Msp, Network]], where: Place
) -> Iterator[Edge]:
    """An ingress rule without ``from`` admits every source; ipBlocks admit the ranges they cover."""
    if not rule.get("from"):
        for msp in dict.fromkeys(m for m, _ in ranges):
            yield Edge(
                msp_id(msp.name), policy.node_id, "admits", where, "an ingress rule without from admits any source"
            )
        return
    for peer in as_list(rule.get("from")):
        block = peer.get("ipBlock") if isinstance(peer, dict) else None
        if isinstance(block, dict):
            for msp, how in _covered(ranges, block.get("cidr")):
                if not _excepted(ranges, msp, block.get("except")):
                    yield Edge(msp_id(msp.name), policy.node_id, "admits", where, f"ipBlock {how}")


def _selected_peers(index: ResourceIndex, policy: Resource, rule: Mapping[str, Any], where: Place) -> Iterator[Edge]:
    """Namespaces (``namespaceSelector``) and workloads (``podSelector``) an ingress rule admits from."""
    for peer in as_list(rule.get("from")):
        if not isinstance(peer, dict):
            continue
        namespaces = peer.get("namespaceSelector")
        pods = peer.get("podSelector")
        if isinstance(namespaces, dict):
            for namespace, labels in _namespace_labels(index).candidates(namespaces):
                if not namespaces or selector_matches(namespaces, labels):
                    yield Edge(namespace.node_id, policy.node_id, "admits", where, "namespaceSelector")
        elif isinstance(pods, dict):
            for workload, labels in labelled_workloads(index, policy.namespace).candidates(pods):
                if not pods or selector_matches(pods, labels):
                    yield Edge(workload.node_id, policy.node_id, "admits", where, "podSelector peer")


def _namespace_labels(index: ResourceIndex) -> LabelIndex:
    """Namespaces with their labels, indexed once per run."""
    namespaces = index.by_type.get("k8s:Namespace", ())
    return index.cached("k8s-namespace-labels", lambda: LabelIndex([(n, _labels(n)) for n in namespaces]))


def _labels(resource: Resource) -> Mapping[str, Any]:
    metadata = body(resource).get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return labels if isinstance(labels, dict) else {}


def _excepted(ranges: list[tuple[Msp, Network]], msp: Msp, exceptions: Any) -> bool:
    """Whether every range of ``msp`` lies inside the ipBlock's ``except`` list."""
    excluded = _networks(exceptions)
    mine = [n for m, n in ranges if m is msp]
    return bool(excluded) and all(any(_inside(n, e) for e in excluded) for n in mine)


def _inside(inner: Network, outer: Network) -> bool:
    """``inner`` lies wholly in ``outer`` (same IP version)."""
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _load_balancers(index: ResourceIndex, ranges: list[tuple[Msp, Network]]) -> Iterator[Edge]:
    """A LoadBalancer Service whose ``loadBalancerSourceRanges`` cover an MSP range."""
    for service in index.by_type.get("k8s:Service", ()):
        spec = body(service).get("spec")
        if not isinstance(spec, dict) or spec.get("type") != "LoadBalancer":
            continue
        where = manifest_place(service, f"loadBalancerSourceRanges of {service.address}", "spec")
        for msp, how in _covered(ranges, spec.get("loadBalancerSourceRanges")):
            yield Edge(msp_id(msp.name), service.node_id, "admits", where, how)
