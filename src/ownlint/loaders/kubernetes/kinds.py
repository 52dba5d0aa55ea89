"""Kinds by what they are: cluster-scoped (no Namespace) and workloads (a pod template). Apart from the loader,
so that Terraform's ``kubernetes_*`` resources use them without importing the YAML reader."""

from __future__ import annotations

from ownlint.model import POD_TEMPLATE_KINDS

CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "VolumeSnapshotClass",
        "PodSecurityPolicy",
        "ComponentStatus",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "ClusterIssuer",
        "ClusterPolicy",
        "ClusterSecretStore",
        "GatewayClass",
    }
)
WORKLOADS = frozenset(POD_TEMPLATE_KINDS)
