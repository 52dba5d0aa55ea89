"""Issue 20, a warm run of 9k manifests: whether each object is a tool's configuration is looked up once per API
version and kind, and gives what ``tool_config`` gives each one (a kind whose annotations tell looked at one by one)."""

from __future__ import annotations

from typing import Any

from ownlint.loaders.kubernetes.documents import Manifest
from ownlint.loaders.kubernetes.toolconfigs import tool_config, tool_configs

FUNCTION = {"annotations": {"config.kubernetes.io/function": "container: x"}}
OBJECTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "ConfigMap"},
    {"apiVersion": "v1", "kind": "Config"},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": FUNCTION},  # a built-in group: never by annotation
    {"apiVersion": "x.io/v1", "kind": "Anything"},
    {"apiVersion": "x.io/v1", "kind": "Anything", "metadata": FUNCTION},  # the same kind, told by its annotation
    {"apiVersion": "x.io/v1", "kind": "Anything"},
    {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"},
    {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization"},
    {"apiVersion": "builtin", "kind": "LabelTransformer"},
    {"apiVersion": 1, "kind": "Config", "metadata": FUNCTION},  # not text: as ``tool_config`` reads it
    {"apiVersion": "x.io/v1", "kind": ["A"], "metadata": FUNCTION},
]


def test_each_object_is_told_as_tool_config_tells_it() -> None:
    manifests = [Manifest(data, "a.yaml", 1, 1, {}) for data in OBJECTS]
    expected = [tool_config(data) is not None for data in OBJECTS]
    assert tool_configs(manifests) == expected
    assert expected[3:6] == [False, True, False]
