"""Kubernetes read as it is deployed (issue 18): tool configs are not cluster objects, every valid YAML 1.2 or
JSON stream is read as kubectl reads it, Helm charts are rendered where helm is installed, and Terraform's
kubernetes_* resources are Kubernetes objects in the graph."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, expected_lines, finding_lines, run_cli

from ownlint.loaders.kubernetes.documents import Manifest, collect
from ownlint.model import LoadProblem

CASES = FIXTURES / "kubernetes"


def checked(case: Path, tmp_path: Path, *extra: str) -> tuple[list[str], Any]:
    """The findings of a fixture estate copied outside this repository (no context from its neighbours)."""
    copy = Path(shutil.copytree(case, tmp_path / case.name))
    run = run_cli("check", str(copy), "--select", "OWN000,OWN001", "--format", "json", *extra)
    return finding_lines(run.json()["findings"]), run


def documents(text: str, name: str = "m.yaml") -> tuple[list[Manifest], list[LoadProblem]]:
    found: list[Manifest] = []
    problems: list[LoadProblem] = []
    collect(name, text, found, problems)
    return found, problems


# --- item 4: valid input is never refused -------------------------------------------------------------------


def test_yaml_json_corner_cases_give_exactly_the_expected_findings(tmp_path: Path) -> None:
    case = CASES / "yaml-json-corners"
    lines, run = checked(case, tmp_path)
    assert lines == expected_lines(case / "expected.txt")
    assert run.exit_code == 1


def test_scalars_follow_the_yaml_1_2_core_schema() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
        "  a: on\n  b: yes\n  c: =\n  d: 0755\n  e: 1:30\n  f: 2024-01-31\n  g: 0o17\n  h: 0x1F\n  i: true\n"
        "  j: null\n  k: 1.5e3\n  l: .inf\n  m: 12\n  n: Off\n  o: ~\n  p: 1_000\n  q: -7\n  r: TRUE\n"
    )
    found, problems = documents(text)
    assert problems == []
    data = found[0].data["data"]
    assert data == {
        "a": "on",
        "b": "yes",
        "c": "=",
        "d": "0755",
        "e": "1:30",
        "f": "2024-01-31",
        "g": 15,
        "h": 31,
        "i": True,
        "j": None,
        "k": 1500.0,
        "l": float("inf"),
        "m": 12,
        "n": "Off",
        "o": None,
        "p": "1_000",
        "q": -7,
        "r": True,
    }


def test_the_core_schema_loader_keeps_libyaml() -> None:
    import yaml

    from ownlint.loaders.kubernetes import documents as module

    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(module.ManifestLoader, yaml.CSafeLoader)


def test_merge_keys_still_merge() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: x, labels: {owner: a}}\nextra:\n  <<: *m\n  name: y\n"
    found, _ = documents(text)
    assert found[0].data["extra"] == {"name": "y", "labels": {"owner": "a"}}


def test_concatenated_json_objects_are_a_stream() -> None:
    one = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}'
    two = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}'
    for text in (one + two, f"{one}\n\n{two}\n", f"  {one} {two}"):
        found, problems = documents(text, "s.json")
        assert problems == []
        assert [m.data["metadata"]["name"] for m in found] == ["a", "b"]
    found, _ = documents(f"{one}\n{two}\n", "s.yaml")  # kubectl sniffs JSON by its first `{`, whatever the name
    assert [(m.data["metadata"]["name"], m.line) for m in found] == [("a", 1), ("b", 2)]


def test_a_bad_json_object_keeps_the_ones_before_it() -> None:
    one = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}'
    found, problems = documents(f'{one}\n{{"apiVersion": "v1", "kind": ]}}\n{one}', "s.json")
    assert [m.data["metadata"]["name"] for m in found] == ["a"]
    assert [(p.file, p.line) for p in problems] == [("s.json", 2)]


def test_every_good_document_of_a_file_with_bad_ones_is_kept() -> None:
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {}}}\n"
    text = "---\n".join(
        [
            good.format("a"),
            "apiVersion: v1\nkind: [\n",
            good.format("b"),
            "a: !!python/name:os.system x\n",
            good.format("c"),
        ]
    )
    found, problems = documents(text)
    assert [(m.data["metadata"]["name"], m.line) for m in found] == [("a", 1), ("b", 8), ("c", 14)]
    assert [p.line for p in problems] == [7, 12]


# --- item 3: tool configuration files are not cluster objects ------------------------------------------------


def test_tool_configs_give_exactly_the_expected_findings(tmp_path: Path) -> None:
    case = CASES / "tool-configs"
    lines, run = checked(case, tmp_path)
    assert lines == expected_lines(case / "expected.txt")
    assert run.exit_code == 1


def test_tool_configs_are_skipped_with_a_note(tmp_path: Path) -> None:
    _, run = checked(CASES / "tool-configs", tmp_path)
    assert (
        "note: not checked: 9 tool configuration documents, which are not applied to a cluster: "
        "blueprint/metadata.yaml:1 (blueprints.cloud.google.com/v1alpha1 BlueprintMetadata), "
        "clusters/eksctl.yaml:1 (eksctl.io/v1alpha5 ClusterConfig), "
        "functions/prefix.yaml:2 (builtin PrefixSuffixTransformer), ...\n"
    ) in run.stderr


def test_every_tool_config_entry_says_why() -> None:
    from ownlint.loaders.kubernetes.toolconfigs import TOOL_CONFIGS, tool_config

    assert all(why for why in TOOL_CONFIGS.values())
    assert tool_config({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"})
    assert not tool_config({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization"})
    assert not tool_config({"apiVersion": "v1", "kind": "ConfigMap"})
    assert tool_config({"apiVersion": "v1", "kind": "Config"})
    function = {"config.kubernetes.io/function": "container: {image: x}"}
    assert tool_config({"apiVersion": "x.io/v1", "kind": "Anything", "metadata": {"annotations": function}})


def test_a_tool_config_on_standard_input_is_not_checked() -> None:
    run = run_cli("check", "-", "--format", "json", input="apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\n")
    assert run.json()["findings"] == []
    assert "note: not checked: 1 tool configuration document" in run.stderr


# --- item 6: Terraform-managed Kubernetes objects ------------------------------------------------------------

TERRAFORM_OBJECTS = FIXTURES / "terraform" / "kubernetes-objects"


def test_terraform_kubernetes_objects_give_exactly_the_expected_findings(tmp_path: Path) -> None:
    lines, run = checked(TERRAFORM_OBJECTS, tmp_path)
    assert lines == expected_lines(TERRAFORM_OBJECTS / "expected.txt")
    assert run.exit_code == 1


def loaded_resources(case: Path, tmp_path: Path) -> dict[str, Any]:
    from ownlint.inputs import Inputs
    from ownlint.pipeline.loading import load

    copy = Path(shutil.copytree(case, tmp_path / case.name))
    return {r.address: r for r in load(Inputs(paths=(str(copy),))).resources}


def test_terraform_kubernetes_objects_are_placed_and_inherit_their_namespace(tmp_path: Path) -> None:
    found = loaded_resources(TERRAFORM_OBJECTS, tmp_path)
    web = found["kubernetes_deployment.web"]
    assert (web.namespace, web.taggable) == ("shop", True)
    owner = web.tag("owner")
    assert owner is not None and owner.value == "payments"
    assert [(p.file, p.line) for p in owner.provenance] == [("main.tf", 7), ("main.tf", 3)]
    assert found["kubernetes_namespace.shop"].namespace is None
    assert found["kubernetes_service_v1.api"].namespace == "default"
    assert found["kubernetes_manifest.flags"].namespace == "shop"
    assert found["kubernetes_manifest.flags"].tag("owner") is not None
    cart = found["Deployment/shop/cart"]  # YAML in a namespace Terraform makes
    assert cart.tag("owner") is not None and cart.tag("owner").value == "payments"  # type: ignore[union-attr]
    job = found["kubernetes_job_v1.migrate"]
    assert job.namespace == "batch" and job.tag("team") is not None


def test_a_terraform_kubernetes_object_says_where_to_add_its_owner(tmp_path: Path) -> None:
    _, run = checked(TERRAFORM_OBJECTS, tmp_path)
    orphan = next(f for f in run.json()["findings"] if f["resource"] == "kubernetes_config_map.orphan")
    assert "add owner to metadata.labels of kubernetes_config_map.orphan (main.tf:40)" in orphan["message"]
