"""Relations between resources, as ``Edge`` values: what the graph's boundary rules walk.

Each module reads resources' attributes (Terraform values with references kept, Kubernetes
manifests) and yields edges; ``ownlint.graph`` puts them into networkx. Extractors are listed here
explicitly and run in this order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ownlint.config import Config
from ownlint.graph.relations import (
    aws_iam,
    aws_principals,
    cloud_iam,
    identities,
    kubernetes_rbac,
    kubernetes_workloads,
    network,
)
from ownlint.graph.relations.index import ResourceIndex
from ownlint.model import Edge, Resource

# Kubernetes first: a ServiceAccount's role-arn annotation is the evidence shown for IRSA, the role's
# web-identity trust (which says the same) only where the annotation is missing
EXTRACTORS = (
    identities.edges,
    kubernetes_workloads.edges,
    kubernetes_rbac.edges,
    aws_principals.edges,
    aws_iam.edges,
    network.edges,
    cloud_iam.edges,
)


def relations(
    resources: Iterable[Resource],
    config: Config,
    ids: Sequence[str] | None = None,
    by_id: dict[str, Resource] | None = None,
) -> Iterator[Edge]:
    """Every extractor's edges; ``ids``: the resources' node ids, and ``by_id``, the first resource of each id,
    when the caller has them."""
    index = ResourceIndex.of(resources, ids, by_id)
    for extract in EXTRACTORS:
        yield from extract(index, config)
