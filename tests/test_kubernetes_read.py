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

    from ownlint.loaders.kubernetes import composing as module

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
        # the two kustomizations beside them are built as kustomize builds them (no objects), not noted
        "note: not checked: 7 tool configuration documents, which are not applied to a cluster: "
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


def test_an_annotation_cannot_hide_a_built_in_object() -> None:
    """A pull request could annotate a real Deployment as a function config: built-in kinds stay objects."""
    from ownlint.loaders.kubernetes.toolconfigs import tool_config

    function = {"metadata": {"annotations": {"config.kubernetes.io/function": "container: {image: x}"}}}
    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "Secret"), ("rbac.authorization.k8s.io/v1", "Role")):
        assert tool_config({"apiVersion": api_version, "kind": kind, **function}) is None


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


# --- item 5: Helm charts rendered where helm is installed ----------------------------------------------------

HELM_CHARTS = CASES / "helm-charts"
# A stand-in for `helm template RELEASE CHART [--values FILE]...`: each templates/*.yaml of the chart (not _*)
# with `{{ .Release.Name }}` and `{{ .Values.KEY }}` filled in (values.yaml, then each --values file), under
# helm's `# Source: NAME/templates/FILE` comments; an empty or invalid Chart.yaml is helm's error. It logs
# its arguments, working directory and environment beside itself.
FAKE_HELM = r"""#!{python}
import json, os, pathlib, re, sys
args = sys.argv[1:]
log = pathlib.Path(__file__).with_name("calls.jsonl")
with log.open("a") as out:
    out.write(json.dumps({{"argv": args, "cwd": os.getcwd(), "env": sorted(os.environ)}}) + "\n")
{body}
"""
RENDER = r"""
chart = pathlib.Path(args[2])
meta = (chart / "Chart.yaml").read_text()
name = re.search(r"^name: *(\S+)", meta, re.M)
if not name:
    sys.exit("Error: validation: chart.metadata.name is required")
values = {}
files = [chart / "values.yaml"] + [pathlib.Path(a) for p, a in zip(args, args[1:]) if p == "--values"]
for f in files:
    if f.is_file():
        values.update(re.findall(r"^(\w+): *(\S+)", f.read_text(), re.M))
for template in sorted((chart / "templates").glob("*.yaml")):
    text = template.read_text().replace("{{ .Release.Name }}", args[1])
    text = re.sub(r"\{\{ \.Values\.(\w+) \}\}", lambda m: values.get(m.group(1), ""), text)
    print(f"---\n# Source: {name.group(1)}/templates/{template.name}\n{text}", end="")
"""


def fake_helm(tmp_path: Path, body: str = RENDER) -> Path:
    import stat
    import sys

    directory = tmp_path / "bin"
    directory.mkdir(exist_ok=True)
    helm = directory / "helm"
    helm.write_text(FAKE_HELM.format(python=sys.executable, body=body))
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR)
    return helm


def helm_calls(helm: Path) -> list[dict[str, Any]]:
    import json

    log = helm.with_name("calls.jsonl")
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def on_path(monkeypatch: Any, directory: Path | None) -> None:
    """``directory`` first on PATH, and no other helm there (None: no helm at all)."""
    import os

    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep) if not Path(d, "helm").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join([*([str(directory)] if directory else []), *kept]))


def test_helm_charts_are_rendered_and_located_in_their_templates(tmp_path: Path, monkeypatch: Any) -> None:
    helm = fake_helm(tmp_path)
    on_path(monkeypatch, helm.parent)
    lines, run = checked(HELM_CHARTS, tmp_path)
    assert lines == expected_lines(HELM_CHARTS / "expected.txt")
    assert "Helm chart template" not in run.stderr  # rendered: no note that they were skipped
    calls = helm_calls(helm)
    chart = (tmp_path / HELM_CHARTS.name / "charts" / "shop").resolve()
    assert [c["argv"] for c in calls] == [["template", "release", str(chart)]]  # no --repo, no dependency update
    assert calls[0]["cwd"] != str(chart) and "HOME" in calls[0]["env"]
    assert not [name for name in calls[0]["env"] if name.startswith(("KUBE", "AWS", "GITHUB"))]


def test_without_helm_the_templates_are_skipped_with_a_note(tmp_path: Path, monkeypatch: Any) -> None:
    on_path(monkeypatch, None)
    lines, run = checked(HELM_CHARTS, tmp_path)
    assert lines == expected_lines(HELM_CHARTS / "expected-without-helm.txt")
    assert "note: skipped 2 Helm chart template files in " in run.stderr


def test_an_empty_chart_yaml_is_a_located_problem(tmp_path: Path, monkeypatch: Any) -> None:
    on_path(monkeypatch, None)
    _, run = checked(HELM_CHARTS, tmp_path)
    [problem] = [f for f in run.json()["findings"] if f["rule"] == "OWN000"]
    assert problem["message"] == (
        "invalid Chart.yaml: helm needs a mapping with apiVersion and name; the chart's 1 template file is not checked"
    )


def test_a_chart_helm_cannot_render_is_a_located_problem(tmp_path: Path, monkeypatch: Any, tree: Any) -> None:
    helm = fake_helm(tmp_path, 'sys.stderr.write("Error: \\x1b[31mfound in Chart.yaml, but missing\\n"); sys.exit(1)')
    on_path(monkeypatch, helm.parent)
    root = tree({"c/Chart.yaml": "apiVersion: v2\nname: c\n", "c/templates/cm.yaml": "kind: {{ x }}\n"})
    run = run_cli("check", str(root), "--select", "OWN000", "--format", "json")
    [problem] = run.json()["findings"]
    assert (problem["file"], problem["line"]) == ("c/Chart.yaml", 1)
    assert problem["message"] == (
        "Helm chart not rendered: helm template failed: Error: \\x1b[31mfound in Chart.yaml, but missing; "
        "its 1 template file is not checked"
    )


def test_helm_is_bounded_in_time_and_output(tmp_path: Path) -> None:
    from ownlint.loaders.kubernetes.helm import HelmRun, render_charts

    chart = write_chart(tmp_path / "tree")
    sleepy = fake_helm(tmp_path, "import time; time.sleep(30)")
    template = [chart / "templates" / "cm.yaml"]
    problems = render_charts(tmp_path / "tree", template, HelmRun(str(sleepy), timeout=0.5), set()).problems
    assert [p.message for p in problems] == [
        "Helm chart not rendered: helm template took more than 0.5 s; its 1 template file is not checked"
    ]
    loud = fake_helm(tmp_path, "sys.stdout.write('x' * 100000)")
    problems = render_charts(tmp_path / "tree", template, HelmRun(str(loud), max_bytes=1000), set()).problems
    assert [p.message for p in problems] == [
        "Helm chart not rendered: helm template wrote more than 1000 bytes; its 1 template file is not checked"
    ]


def write_chart(root: Path, template: str = "kind: {{ x }}\n") -> Path:
    chart = root / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\n")
    (chart / "templates" / "cm.yaml").write_text(template)
    return chart


def test_a_source_comment_cannot_place_an_object_outside_its_chart(tmp_path: Path) -> None:
    from ownlint.loaders.kubernetes.helm import HelmRun, render_charts

    chart = write_chart(tmp_path / "tree")
    body = "print('---\\n# Source: c/../../../etc/passwd\\napiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: x}')"
    helm = HelmRun(str(fake_helm(tmp_path, body)))
    done = render_charts(tmp_path / "tree", [chart / "templates" / "cm.yaml"], helm, set())
    assert done.problems == [] and [(m.file, m.line) for m in done.manifests] == [("c/Chart.yaml", 1)]


def test_a_chart_with_a_symlink_out_of_the_tree_is_not_rendered(tmp_path: Path) -> None:
    from ownlint.loaders.kubernetes.helm import HelmRun, render_charts

    chart = write_chart(tmp_path / "tree")
    (tmp_path / "secret.yaml").write_text("apiVersion: v1\nkind: Secret\n")
    (chart / "templates" / "leak.yaml").symlink_to(tmp_path / "secret.yaml")
    helm = fake_helm(tmp_path)
    done = render_charts(tmp_path / "tree", [chart / "templates" / "cm.yaml"], HelmRun(str(helm)), set())
    assert done.manifests == [] and helm_calls(helm) == []
    assert [(p.file, p.message) for p in done.problems] == [
        (
            "c/Chart.yaml",
            "Helm chart not rendered: c/templates/leak.yaml links outside the scanned tree; "
            "its 1 template file is not checked",
        )
    ]


SERVICE = (
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {team: {{ .Values.team }}}\n"
)


def test_the_values_files_the_config_names_are_rendered_with(tree: Any, tmp_path: Path, monkeypatch: Any) -> None:
    helm = fake_helm(tmp_path)
    on_path(monkeypatch, helm.parent)
    config = "helm:\n  values:\n    deploy/shop: [deploy/shop/values-prod.yaml]\n"
    root = tree(
        {
            "repo/ownlint.yaml": config,
            "repo/deploy/shop/Chart.yaml": "apiVersion: v2\nname: shop\n",
            "repo/deploy/shop/values.yaml": "replicas: 1\n",
            "repo/deploy/shop/values-prod.yaml": "team: payments\n",
            "repo/deploy/shop/templates/service.yaml": SERVICE,
        }
    )
    run = run_cli("check", str(root / "repo"), "--select", "OWN000,OWN001", "--format", "json")
    assert run.json()["findings"] == []
    values = (root / "repo" / "deploy" / "shop" / "values-prod.yaml").resolve()
    assert helm_calls(helm)[0]["argv"][3:] == ["--values", str(values)]
    (root / "repo" / "ownlint.yaml").write_text("{}\n")
    run_cli("check", str(root / "repo"), "--select", "OWN000,OWN001", "--format", "json")
    assert helm_calls(helm)[1]["argv"][3:] == []  # default values only


def test_a_values_file_that_links_out_of_the_tree_is_not_given_to_helm(
    tree: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    helm = fake_helm(tmp_path)
    on_path(monkeypatch, helm.parent)
    root = tree(
        {
            "repo/ownlint.yaml": "helm:\n  values:\n    shop: [shop/prod.yaml]\n",
            "repo/shop/Chart.yaml": "apiVersion: v2\nname: shop\n",
            "repo/shop/templates/service.yaml": SERVICE,
            "secret.yaml": "team: x\n",
        }
    )
    (root / "repo" / "shop" / "prod.yaml").symlink_to(root / "secret.yaml")
    run = run_cli("check", str(root / "repo"), "--select", "OWN000", "--format", "json")
    assert [(f["file"], f["message"]) for f in run.json()["findings"]] == [
        (
            "shop/Chart.yaml",
            "Helm chart not rendered: shop/prod.yaml links outside the scanned tree; "
            "its 1 template file is not checked",
        )
    ]
    assert helm_calls(helm) == []


def test_the_helm_config_key_takes_repository_paths(tree: Any) -> None:
    root = tree({"ownlint.yaml": "helm:\n  values:\n    shop: [../outside.yaml]\n", "main.tf": ""})
    run = run_cli("check", str(root))
    assert run.exit_code == 2 and "leads out of the repository" in run.stderr
