"""Kubernetes manifests -> resources: files read into documents (``documents``, YAML 1.2 scalars by
``schema``), tool configurations that are no cluster objects set aside (``toolconfigs``), objects made
resources with their labels, annotations, pod templates and Namespaces (``resources``), Helm charts rendered
where helm is installed (``helm``, running it bounded by ``process``), the run's files and context loaded
(``load``). Room for kustomize beside them."""

from __future__ import annotations

from ownlint.loaders.kubernetes.documents import Manifest
from ownlint.loaders.kubernetes.load import STDIN_NAME, load_kubernetes, manifests_read
from ownlint.loaders.kubernetes.resources import CLUSTER_SCOPED, WORKLOADS

__all__ = ["CLUSTER_SCOPED", "STDIN_NAME", "WORKLOADS", "Manifest", "load_kubernetes", "manifests_read"]
