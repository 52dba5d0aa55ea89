"""Kubernetes manifests -> resources: files read into documents (``documents``, YAML 1.2 scalars by
``schema``), tool configurations that are no cluster objects set aside (``toolconfigs``), objects made
resources with their labels, annotations, pod templates and Namespaces (``resources``), Helm charts rendered
where helm is installed (``helm``, running it bounded by ``process``), the run's files and context loaded
(``load``); which kinds are cluster-scoped or workloads (``kinds``). Room for kustomize beside them."""
