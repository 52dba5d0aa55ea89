"""ownlint's native kustomize against ``kubectl kustomize`` (the oracle): every kustomization under
fixtures/, and generated trees of bases, overlays, components, patches and generators. Skipped with the
reason where kubectl is absent; ``.ci/run`` makes it mandatory where kubectl is installed."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, write_tree
from tests.kustomize_oracle import kubectl_or_skip, kubectl_render, kustomizations, ownlint_render, unhashed

FIXTURE_KUSTOMIZATIONS = kustomizations(FIXTURES)


def test_the_fixtures_hold_kustomizations() -> None:
    assert len(FIXTURE_KUSTOMIZATIONS) >= 4


@pytest.mark.parametrize("directory", FIXTURE_KUSTOMIZATIONS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_kustomization_renders_as_kubectl_does(directory: Path) -> None:
    kubectl = kubectl_or_skip()
    ours = ownlint_render(FIXTURES, directory)
    theirs = kubectl_render(kubectl, directory)
    assert ours is not None and theirs is not None
    assert ours == unhashed(theirs, ours)


KINDS = {
    "Deployment": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{meta}spec:\n"
    "  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n"
    "    spec:\n      containers: [{{name: c, image: x}}]\n",
    "CronJob": "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\n{meta}spec:\n  schedule: '@daily'\n"
    "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{{name: c, image: x}}]\n",
    "Service": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n{meta}spec:\n  selector: {{app: {name}}}\n"
    "  ports: [{{port: 80}}]\n",
    "ConfigMap": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{meta}data: {{a: b}}\n",
    "ClusterRole": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\n{meta}",
    "Widget": "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: {name}\n{meta}",
}
KEYS = ["owner", "team", "tier", "escalation-contact"]


def _pairs(rng: random.Random, indent: str) -> str:
    chosen = rng.sample(KEYS, rng.randint(1, 2))
    return "".join(f"{indent}{k}: v{rng.randint(0, 3)}\n" for k in chosen)


def _object(rng: random.Random, kind: str, name: str) -> str:
    meta = ""
    if rng.random() < 0.5:
        meta += "  labels:\n" + _pairs(rng, "    ")
    if rng.random() < 0.3:
        meta += "  annotations:\n" + _pairs(rng, "    ")
    if rng.random() < 0.2 and kind != "ClusterRole":
        meta += "  namespace: written\n"
    return KINDS[kind].format(name=name, meta=meta)


def _transformers(rng: random.Random, where: str) -> str:
    text = ""
    if rng.random() < 0.4:
        text += "commonLabels:\n" + _pairs(rng, "  ")
    if rng.random() < 0.5:
        text += "labels:\n- pairs:\n" + _pairs(rng, "    ")
        text += rng.choice(["", "  includeTemplates: true\n", "  includeSelectors: true\n"])
    if rng.random() < 0.4:
        text += "commonAnnotations:\n" + _pairs(rng, "  ")
    if rng.random() < 0.4:
        text += f"namespace: ns-{where}\n"
    if rng.random() < 0.3:
        text += f"namePrefix: {where}-\n"
    if rng.random() < 0.3:
        text += f"nameSuffix: -{where}\n"
    return text


def _estate(rng: random.Random) -> dict[str, str]:
    kinds = rng.sample(sorted(KINDS), rng.randint(2, 5))
    base = "".join(f"---\n{_object(rng, kind, f'o{i}')}" for i, kind in enumerate(kinds))
    files = {
        "base/objects.yaml": base,
        "base/kustomization.yaml": "resources:\n- objects.yaml\n" + _transformers(rng, "b"),
    }
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" + _transformers(rng, "c")
    component = "\n".join(line for line in component.splitlines() if not line.startswith(("namespace", "name")))
    files["comp/kustomization.yaml"] = component + "\n"
    for overlay in ("one", "two"):
        text = "resources:\n- ../base\n" + _transformers(rng, overlay)
        if rng.random() < 0.5:
            text += "components:\n- ../comp\n"
        patches = []
        if rng.random() < 0.5:
            kind, index = rng.choice([(k, i) for i, k in enumerate(kinds)])
            api = KINDS[kind].split("\n", 1)[0]
            files[f"{overlay}/patch.yaml"] = f"{api}\nkind: {kind}\nmetadata:\n  name: o{index}\n  labels:\n" + (
                _pairs(rng, "    ")
            )
            patches.append("- path: patch.yaml\n")
        if rng.random() < 0.5:
            key = rng.choice(KEYS)
            patches.append(
                f"- patch: |-\n    - op: add\n      path: /metadata/annotations\n      value: {{{key}: json}}\n"
                f"  target:\n    kind: {rng.choice(kinds)}\n"
            )
        if patches:
            text += "patches:\n" + "".join(patches)
        if rng.random() < 0.5:
            text += "configMapGenerator:\n- name: gen\n  literals: [k=v]\n"
            if rng.random() < 0.5:
                text += "  options:\n    labels:\n" + _pairs(rng, "      ")
        files[f"{overlay}/kustomization.yaml"] = text
    return files


@pytest.mark.parametrize("seed", range(40))
def test_generated_kustomizations_render_as_kubectl_does(seed: int, tmp_path: Path) -> None:
    kubectl = kubectl_or_skip()
    root = write_tree(tmp_path, _estate(random.Random(seed)))
    for directory in (root / "base", root / "one", root / "two"):
        ours, theirs = ownlint_render(root, directory), kubectl_render(kubectl, directory)
        assert (ours is None) == (theirs is None), directory.name
        if ours is not None and theirs is not None:
            assert ours == unhashed(theirs, ours), directory.name
