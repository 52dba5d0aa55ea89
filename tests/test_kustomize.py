"""Kubernetes as it is deployed (issue 18): kustomize overlays rendered natively, and the namespace a
directory is applied to (a kustomization's, a lone Namespace's, an Argo CD Application's, a Flux Kustomization's)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import FIXTURES, expected_lines, run_cli

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      labels: {app: web}
"""
OPERATED = "    operated-by: platform\n"


def findings(root: Path, *extra: str) -> list[str]:
    run = run_cli("check", str(root), "--format", "json", "--select", "OWN000,OWN001", *extra)
    return [
        f"{f['rule']} {f['file']}:{f['line']} {f['resource'] or '-'} | {f['message']}" for f in run.json()["findings"]
    ]


def explained(root: Path, address: str) -> str:
    return run_cli("explain", address, str(root)).stdout.replace(f"{root}/", "")


def overlay_tree(tree: Any, prod_labels: str = "commonLabels:\n  owner: team-a\n") -> Path:
    return tree(
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY,
            "overlays/prod/kustomization.yaml": (
                f"namespace: prod\nresources:\n- ../../base\n{prod_labels}patches:\n- path: patch.yaml\n"
            ),
            "overlays/prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
            "overlays/staging/kustomization.yaml": "namespace: staging\nresources:\n- ../../base\n",
        }
    )


def test_overlay_labels_reach_base_objects_and_each_overlay_is_an_instance(tree: Any) -> None:
    root = overlay_tree(tree)
    assert findings(root) == [
        "OWN001 base/deploy.yaml:1 Deployment/staging/web | Deployment/staging/web has no owner (looked for: owner, "
        "team); add owner to metadata.labels (base/deploy.yaml:4) or to the labels of "
        "overlays/staging/kustomization.yaml or to Namespace/staging"
    ]


def test_provenance_names_the_kustomization_line(tree: Any) -> None:
    root = overlay_tree(tree, "labels:\n- pairs:\n    owner: team-a\n  includeTemplates: true\n")
    text = explained(root, "Deployment/prod/web")
    assert "owner = 'team-a'\n        from label owner from labels (overlays/prod/kustomization.yaml:6)" in text
    assert "instances: overlays/prod/kustomization.yaml" in text


def test_same_address_in_two_overlays_names_the_overlay_it_holds_for(tree: Any) -> None:
    root = tree(
        {
            "base/kustomization.yaml": "resources:\n- deploy.yaml\n",
            "base/deploy.yaml": DEPLOY,
            "a/kustomization.yaml": "resources:\n- ../base\ncommonAnnotations:\n  owner: team-a\n",
            "b/kustomization.yaml": "resources:\n- ../base\n",
        }
    )
    assert findings(root) == [
        "OWN001 base/deploy.yaml:1 Deployment/default/web | Deployment/default/web has no owner (looked for: owner, "
        "team); add owner to metadata.labels (base/deploy.yaml:4) or to the labels of b/kustomization.yaml or to "
        "Namespace/default (only in b/kustomization.yaml)"
    ]


def test_patches_and_kustomizations_are_not_objects_and_patches_set_labels(tree: Any) -> None:
    root = tree(
        {
            "kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n"
                "patches:\n- path: patch.yaml\n"
                "patchesJson6902:\n- target: {kind: Deployment, name: web}\n  patch: |-\n"
                "    - op: add\n      path: /metadata/labels/team\n      value: json\n"
            ),
            "deploy.yaml": DEPLOY,
            "patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    owner: p\n",
        }
    )
    assert findings(root) == []
    text = explained(root, "Deployment/default/web")
    assert "owner = 'p'\n        from label owner from patches (patch.yaml:6)" in text
    assert "team = 'json'\n        from label team from patchesJson6902 (kustomization.yaml:8)" in text


def test_a_component_applies_after_resources_and_generators(tree: Any) -> None:
    root = tree(
        {
            "kustomization.yaml": (
                "resources:\n- deploy.yaml\ncomponents:\n- comp\n"
                "configMapGenerator:\n- name: settings\n  literals: [a=1]\n"
            ),
            "deploy.yaml": DEPLOY,
            "comp/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n- pairs: {owner: comp}\n"
            ),
        }
    )
    assert findings(root) == []  # kubectl: the component's labels reach the generated ConfigMap too
    assert "from label owner from labels (comp/kustomization.yaml:4)" in explained(root, "ConfigMap/default/settings")


def test_escapes_cycles_and_missing_paths_are_located_problems_and_remote_is_a_note(tree: Any) -> None:
    root = tree(
        {
            "inside/kustomization.yaml": "resources:\n- ../../outside\n",
            "remote/kustomization.yaml": "resources:\n- https://github.com/x/y//base?ref=v1\n- missing.yaml\n",
            "loop/kustomization.yaml": "resources:\n- ../back\n",
            "back/kustomization.yaml": "resources:\n- ../loop\n",
            "rpatch/kustomization.yaml": "patches:\n- path: https://example.com/p.yaml\n",
        }
    )
    run = run_cli("check", str(root), "--format", "json", "--select", "OWN000")
    lines = [f"{f['file']}:{f['line']} {f['message']}" for f in run.json()["findings"]]
    assert lines == [
        "inside/kustomization.yaml:2 kustomize resource ../../outside is outside the scanned tree; not read",
        "loop/kustomization.yaml:2 kustomize resource ../back: cycle (back -> loop -> back); not read",
        "remote/kustomization.yaml:3 kustomize resource missing.yaml: no such file or directory",
    ]
    assert (
        "remote/kustomization.yaml: remote kustomize resource https://github.com/x/y//base?ref=v1 is not fetched"
        in run.stderr
    )


def test_a_directory_with_one_namespace_places_its_objects_there(tree: Any) -> None:
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    owner: team-shop\n"
    root = tree(
        {
            "namespaces/shop/00-namespace.yaml": namespace,
            "namespaces/shop/rbac.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ci\n",
            "flat/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: loose\n",
        }
    )
    assert findings(root) == [
        "OWN001 flat/sa.yaml:1 ServiceAccount/default/loose | ServiceAccount/default/loose has no owner (looked for: "
        "owner, team); add owner to metadata.labels (flat/sa.yaml:4) or to Namespace/default"
    ]
    assert "owner = 'team-shop'" in explained(root, "ServiceAccount/shop/ci")


def test_argo_application_and_flux_kustomization_name_the_namespace_of_a_path(tree: Any) -> None:
    namespaces = "".join(
        f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}\n  labels:\n    owner: team-{n}\n"
        for n in ("argo-dest", "flux-dest")
    )
    root = tree(
        {
            "clusters/namespaces.yaml": namespaces,
            "clusters/apps.yaml": (
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\n  namespace: argocd\n"
                "  labels: {owner: gitops}\n"
                "spec:\n  source:\n    path: apps/argo\n  destination:\n    namespace: argo-dest\n---\n"
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: f\n"
                "  namespace: flux-system\n  labels: {owner: gitops}\n"
                "spec:\n  path: ./apps/flux\n  targetNamespace: flux-dest\n"
            ),
            "apps/argo/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n",
            "apps/flux/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: f\n  namespace: x\n",
        }
    )
    assert findings(root) == []
    assert "owner = 'team-argo-dest'" in explained(root, "ServiceAccount/argo-dest/a")
    assert "owner = 'team-flux-dest'" in explained(root, "ServiceAccount/flux-dest/f")


@pytest.mark.parametrize("estate", ["kustomize", "namespaces"])
def test_fixture_estate_gives_exactly_the_expected_findings(estate: str, tmp_path: Path) -> None:
    """Copied out of this repository: a check takes Namespaces from the whole repository it is in."""
    copy = Path(shutil.copytree(FIXTURES / estate, tmp_path / estate))
    (copy / "expected.txt").unlink()
    run = run_cli("check", str(copy), "--format", "json", "--select", "OWN000,OWN001")
    found = [f"{f['rule']} {f['file']}:{f['line']} {f['resource']} | {f['message']}" for f in run.json()["findings"]]
    assert found == expected_lines(FIXTURES / estate / "expected.txt")
    assert run.exit_code == 1


def test_fixture_kustomize_objects_are_instances_with_provenance(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(FIXTURES / "kustomize", tmp_path / "kustomize"))
    text = explained(copy, "Deployment/shop-prod/shop")
    assert "instances: apps/shop/overlays/prod/kustomization.yaml" in text
    assert "from label owner from labels (apps/shop/overlays/prod/kustomization.yaml:12)" in text
    assert "from label operated-by from patches (apps/shop/overlays/prod/deployment-operator.yaml:6)" in text
    assert (
        "from annotation escalation-contact from commonAnnotations (apps/shop/components/monitoring/kustomization.yaml:7)"
        in text
    )


def test_hostile_kustomizations_are_bounded_and_located(tree: Any) -> None:
    """A diamond of bases used twice per level (2^25 expansions), a backtracking target pattern, a NUL in a path
    and a terminal escape: each a located problem or a harmless non-match, never a hang or a traceback."""
    files = {f"d{n}/kustomization.yaml": f"resources:\n- ../d{n + 1}\n- ../d{n + 1}\n" for n in range(25)}
    files["d25/kustomization.yaml"] = "namespace: deep\n"
    files["redos/kustomization.yaml"] = (
        "resources:\n- cm.yaml\npatches:\n- target:\n    name: (a|aa)*$\n  patch: |-\n"
        "    - op: add\n      path: /metadata/labels\n      value: {owner: x}\n"
    )
    files["redos/cm.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {'a' * 60}b\n"
    files["nul/kustomization.yaml"] = 'resources:\n- "a\\0b"\n- "\\e[31mred"\n'
    root = tree(files)
    run = run_cli("check", str(root), "--format", "json", "--select", "OWN000,OWN001")
    lines = [f"{f['rule']} {f['file']}:{f['line']} {f['message']}" for f in run.json()["findings"]]
    assert lines[0].startswith("OWN000 d") and lines[0].endswith(
        " kustomize build expands more than 2000 kustomizations; not read"
    )
    assert "OWN000 nul/kustomization.yaml:2 kustomize resource 'a\\x00b' is no usable path; not read" in lines
    assert any(line.startswith(f"OWN001 redos/cm.yaml:1 ConfigMap/default/{'a' * 60}b") for line in lines)
    assert "\x1b" not in run.stdout


def test_a_file_named_kustomization_is_read_too(tree: Any) -> None:
    root = tree({"app/Kustomization": "resources:\n- sa.yaml\nlabels:\n- pairs:\n    owner: team-a\n"})
    (root / "app" / "sa.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n")
    assert findings(root) == []
    assert "from label owner from labels (app/Kustomization:5)" in explained(root, "ServiceAccount/default/app")


def test_a_patch_for_an_object_of_an_unfetched_remote_base_does_not_refuse_the_build(tree: Any) -> None:
    """An overlay over a remote base patches objects ownlint never fetched: the patch may well match there
    (kubectl fetches it), so it is a note, and the overlay's own objects still get its labels and namespace."""
    app = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
    root = tree(
        {
            "overlay/kustomization.yaml": (
                "namespace: shop\ncommonLabels:\n  owner: team-shop\n  operated-by: internal\n"
                "resources:\n- https://github.com/x/y//base?ref=v1\n- settings.yaml\n"
                "patchesStrategicMerge:\n- replicas.yaml\n"
            ),
            "overlay/settings.yaml": app,
            "overlay/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: remote-app\nspec:\n  replicas: 3\n",
        }
    )
    run = run_cli("check", str(root), "--format", "json", "--select", "OWN000,OWN001,OWN004")
    assert run.json()["findings"] == []
    assert "replicas.yaml" in run.stderr and "remote" in run.stderr
    assert "owner = 'team-shop'" in explained(root, "ConfigMap/shop/settings")


def test_objects_built_are_copies_as_deepcopy_makes_them_without_calling_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a kustomization builds from a file is a copy (its transformers change it; the file's objects stay
    as read), made without ``copy.deepcopy`` for YAML's data (kube-prometheus: a quarter of a cold check), an
    alias still shared in the copy as deepcopy keeps it, and what is no plain data still deep-copied."""
    from ownlint.loaders.kubernetes import kustomize

    shared = {"app": "x", "ports": [1, 2]}
    data = {"metadata": {"labels": shared, "annotations": shared}, "spec": [shared, [3.5, None, True]], 7: "seven"}
    monkeypatch.setattr(kustomize.copy, "deepcopy", _no_deepcopy)
    copy_of = kustomize.copied(data)
    assert copy_of == data
    assert copy_of["metadata"]["labels"] is copy_of["metadata"]["annotations"] is copy_of["spec"][0]
    assert copy_of["metadata"]["labels"] is not shared and copy_of["spec"][1] is not data["spec"][1]
    monkeypatch.undo()
    odd = {"when": __import__("datetime").date(2026, 1, 1), "set": {1, 2}}
    assert kustomize.copied(odd) == odd and kustomize.copied(odd)["set"] is not odd["set"]


def test_a_build_calls_no_deepcopy(monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders.kubernetes import kustomize

    monkeypatch.setattr(kustomize.copy, "deepcopy", _no_deepcopy)
    root = FIXTURES / "kustomize"
    built = kustomize.build_all(root, sorted(root.rglob("*.yaml")), 1 << 20)
    assert len(built.manifests) > 5


def _no_deepcopy(*args: object) -> None:
    raise AssertionError("deepcopy called")
