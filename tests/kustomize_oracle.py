"""``kubectl kustomize`` as an oracle: renders a kustomization as kubectl applies it. Compared with what
ownlint builds natively: each object's kind, name and namespace, and the labels and annotations of its
metadata and of its pod templates where the object's own lack the key (what ownership is read from)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from tests.oracle import executable_or_skip

from ownlint.loaders.kubernetes.kustomize import NAMES, build_all
from ownlint.loaders.kubernetes.transform import POD_TEMPLATES

REQUIRE = "OWNLINT_REQUIRE_KUBECTL"  # set by .ci/run where kubectl is installed: skipping is then a failure
HASH = re.compile(r"-[a-z0-9]{10}$")  # the content hash kustomize appends to generated names
Rendered = dict[tuple[str, str, str], dict[str, dict[str, str]]]


class _Loader(yaml.SafeLoader):
    """kubectl's output may hold a plain ``=`` (YAML 1.1's ``!!value``): a string, as kubectl means it."""


_Loader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


def kubectl_or_skip() -> str:
    return executable_or_skip("kubectl", REQUIRE, "the kubectl kustomize oracle")


def kubectl_render(kubectl: str, directory: Path) -> Rendered | None:
    """The objects ``kubectl kustomize`` renders (None when it refuses the kustomization)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(directory), "KUBECONFIG": "/dev/null"}
    done = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60, env=env)
    if done.returncode != 0:
        return None
    return summary([d for d in yaml.load_all(done.stdout, Loader=_Loader) if isinstance(d, dict)])


def ownlint_render(root: Path, directory: Path) -> Rendered | None:
    """The objects ownlint builds for the kustomization in ``directory`` (None when it reports a problem)."""
    file = next(directory / n for n in NAMES if (directory / n).is_file())
    built = build_all(root, [file], 10 * 1024 * 1024)
    if any(p.file.endswith(NAMES) for p in built.problems):
        return None
    return summary([m.data for m in built.manifests])


def summary(objects: list[dict[str, Any]]) -> Rendered:
    found: Rendered = {}
    for data in objects:
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        kind, name = str(data.get("kind")), str(meta.get("name"))
        sections: dict[str, dict[str, str]] = {}
        for prefix in [("metadata",), *POD_TEMPLATES.get(kind, [])]:
            node: Any = data
            for part in prefix:
                node = node.get(part) if isinstance(node, dict) else None
            for section in ("labels", "annotations"):
                entries = node.get(section) if isinstance(node, dict) else None
                own = sections.get(f"metadata.{section}", {}) if prefix != ("metadata",) else {}
                # a pod template's keys count where the object's own do not have them (as ownership reads them)
                kept = {str(k): str(v) for k, v in (entries or {}).items() if str(k) not in own}
                if kept:
                    sections[".".join((*prefix, section))] = kept
        found[(kind, name, str(meta.get("namespace") or ""))] = sections
    return found


def unhashed(kubectl: Rendered, ours: Rendered) -> Rendered:
    """kubectl's objects with the content hash of generated names taken off where ownlint's name lacks it."""
    names = {(k, ns): None for k, _, ns in ours}
    result: Rendered = {}
    for (kind, name, namespace), value in kubectl.items():
        if kind in ("ConfigMap", "Secret") and (kind, name, namespace) not in ours and (kind, namespace) in names:
            name = HASH.sub("", name)
        result[(kind, name, namespace)] = value
    return result


def kustomizations(top: Path) -> list[Path]:
    """Every directory under ``top`` with a kustomization that is not a Component (those build only inside one)."""
    found = []
    for name in NAMES:
        for file in sorted(top.rglob(name)):
            data = yaml.safe_load(file.read_text())
            if not (isinstance(data, dict) and data.get("kind") == "Component"):
                found.append(file.parent)
    return sorted(found)
