"""Tool configuration files that have an ``apiVersion`` and a ``kind`` but are never applied to a cluster:
they configure kind, kubectl, Skaffold, kustomize, KRM functions, kpt, eksctl, kubeadm, a component. They are
not resources: a run skips them with a note. Classified by API group and kind (``*``: every kind of the group),
never by kind alone (Flux's ``Kustomization`` and a custom resource called ``Config`` are cluster objects)."""

from __future__ import annotations

import re
from typing import Any

from ownlint.loaders.kubernetes.documents import Manifest

# (API group, kind) -> the tool that reads it; the core group is ""
TOOL_CONFIGS: dict[tuple[str, str], str] = {
    ("kind.x-k8s.io", "Cluster"): "kind's cluster layout (`kind create cluster --config`)",
    ("", "Config"): "a kubeconfig (kubectl's clusters, users and contexts); the core API has no Config kind",
    ("skaffold", "Config"): "Skaffold's build and deploy pipeline (apiVersion skaffold/vN)",
    ("kustomize.config.k8s.io", "Kustomization"): "a kustomization: kustomize renders it, the cluster never sees it",
    ("kustomize.config.k8s.io", "Component"): "a kustomize component, used by kustomizations",
    ("builtin", "*"): "a kustomize builtin transformer or generator's configuration (apiVersion builtin)",
    ("config.kubernetes.io", "ResourceList"): "a KRM function's input and output",
    ("kpt.dev", "Kptfile"): "a kpt package's Kptfile",
    ("fn.kpt.dev", "*"): "a kpt function's configuration",
    ("blueprints.cloud.google.com", "BlueprintMetadata"): "a Cloud Foundation Toolkit blueprint's metadata.yaml",
    ("eksctl.io", "ClusterConfig"): "eksctl's cluster definition (`eksctl create cluster -f`)",
    ("k3d.io", "*"): "k3d's cluster configuration",
    ("ctlptl.dev", "*"): "ctlptl's cluster and registry configuration",
    ("kubeadm.k8s.io", "*"): "kubeadm's init, join and cluster configuration",
    ("kubelet.config.k8s.io", "KubeletConfiguration"): "the kubelet's configuration file",
    ("kubeproxy.config.k8s.io", "KubeProxyConfiguration"): "kube-proxy's configuration file",
    ("kubescheduler.config.k8s.io", "KubeSchedulerConfiguration"): "the scheduler's configuration file",
    ("apiserver.config.k8s.io", "*"): "the API server's admission and encryption configuration files",
    ("audit.k8s.io", "Policy"): "the API server's audit policy file",
    ("controller-runtime.sigs.k8s.io", "ControllerManagerConfig"): "a controller's own configuration file",
    ("config.kubeflow.org", "KatibConfig"): "Katib's controller configuration, mounted from a ConfigMap",
    ("config.trainer.kubeflow.org", "Configuration"): "the Kubeflow trainer's controller configuration file",
    ("schema.plugin.fluxcd.io", "*"): "a Flux CLI plugin's schema",
    ("krew.googlecontainertools.github.com", "Plugin"): "a krew plugin manifest (kubectl plugins)",
}
# a KRM function's configuration says so in an annotation (kustomize's and kpt's, and its older name)
FUNCTION_ANNOTATIONS = ("config.kubernetes.io/function", "config.k8s.io/function")
_VERSION = re.compile(r"v\d+((alpha|beta)\d+)?")
# Kubernetes' own API groups: an annotation never makes their objects tool configurations (a pull request
# could annotate a real Deployment to hide it); the table above still names the few that are configs
BUILT_IN_GROUPS = frozenset({"", "apps", "batch", "autoscaling", "policy", "extensions"})


def tool_config(data: dict[str, Any]) -> str | None:
    """Why ``data`` is a tool's configuration and no cluster object, or None."""
    why, told = _by_kind(str(data.get("apiVersion", "")), str(data.get("kind", "")))
    return why if told else _by_annotation(data)


def tool_configs(manifests: list[Manifest]) -> list[bool]:
    """Whether each manifest is a tool's configuration (``tool_config``), its API version and kind looked up once
    for all the objects of that kind (thousands of objects, a few dozen kinds): only the annotations of a kind
    they may make one are looked at for each object."""
    kinds: dict[tuple[str, str], bool | None] = {}  # True, False, or None: its annotations tell
    found = []
    for manifest in manifests:
        data = manifest.data
        api_version, kind = data.get("apiVersion", ""), data.get("kind", "")
        if type(api_version) is not str or type(kind) is not str:
            found.append(tool_config(data) is not None)
            continue
        pair = (api_version, kind)
        if pair in kinds:
            tool = kinds[pair]
        else:
            why, told = _by_kind(api_version, kind)
            tool = kinds[pair] = (why is not None) if told else None
        found.append(tool if tool is not None else _by_annotation(data) is not None)
    return found


def _by_kind(api_version: str, kind: str) -> tuple[str | None, bool]:
    """Why objects of this API version and kind are a tool's configuration, or None; and whether that is told
    (False: their annotations tell)."""
    group = (
        api_version.rsplit("/", 1)[0]
        if "/" in api_version
        else ("" if _VERSION.fullmatch(api_version) else api_version)
    )
    why = TOOL_CONFIGS.get((group, kind)) or TOOL_CONFIGS.get((group, "*"))
    if why is not None:
        return why, True
    return None, group in BUILT_IN_GROUPS or group.endswith(".k8s.io")


def _by_annotation(data: dict[str, Any]) -> str | None:
    metadata = data.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if isinstance(annotations, dict) and any(a in annotations for a in FUNCTION_ANNOTATIONS):
        return "a KRM function's configuration (config.kubernetes.io/function)"
    return None


def tool_config_note(skipped: list[Manifest], shown: int = 3) -> list[str]:
    """The note on the tool configurations not checked, the first ``shown`` of them listed."""
    if not skipped:
        return []
    ordered = sorted(skipped, key=lambda m: (m.file, m.line))
    listed = ", ".join(f"{m.file}:{m.line} ({m.data['apiVersion']} {m.data['kind']})" for m in ordered[:shown])
    many = len(skipped) != 1
    documents = f"{len(skipped)} tool configuration document{'s' if many else ''}"
    verb = "are" if many else "is"
    more = ", ..." if len(skipped) > shown else ""
    return [f"not checked: {documents}, which {verb} not applied to a cluster: {listed}{more}"]
