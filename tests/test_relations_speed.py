"""The relation passes made cheaper (issue 20): the same edges, attributes and order as before, and no pass
that compares every subject with every candidate where an index applies."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.conftest import FIXTURES, ROOT, require_git, write_tree

from ownlint.config import Config
from ownlint.graph.relations import aws_iam, aws_policy, kubernetes_rbac, network, relations
from ownlint.inputs import Inputs
from ownlint.model import Resource
from ownlint.pipeline import load

sys.path.insert(0, str(ROOT / "benchmarks"))
from estate import write_estate

# the passes as they were before they were made cheaper: the edges they gave are the contract
REFERENCE_COMMIT = "3c55fea"
REFERENCE_PACKAGE = "ownlint_relations_reference"

MSPS = """\
parties:
  internal: [platform]
  msp:
    acme:
      location: offshore
      contracts: [ACME-1]
      identities:
        aws_principals: ["arn:aws:iam::111122223333:root"]
        k8s_subjects: ["Group:acme:operators", "User:bob"]
        cidrs: ["203.0.113.0/24", "10.0.0.0/8"]
"""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``relations`` of the reference commit, imported from git under a package name of its own."""
    git = require_git()
    listing = subprocess.run(
        [git, "-C", str(ROOT), "ls-tree", "--name-only", f"{REFERENCE_COMMIT}:src/ownlint/graph/relations"],
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        pytest.skip(f"the reference commit {REFERENCE_COMMIT} is not in this clone")
    package = tmp_path_factory.mktemp("reference") / REFERENCE_PACKAGE
    package.mkdir()
    for name in listing.stdout.split():
        text = subprocess.run(
            [git, "-C", str(ROOT), "show", f"{REFERENCE_COMMIT}:src/ownlint/graph/relations/{name}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (package / name).write_text(text.replace("ownlint.graph.relations", REFERENCE_PACKAGE))
    sys.path.insert(0, str(package.parent))
    try:
        module: ModuleType = importlib.import_module(REFERENCE_PACKAGE)
        yield module.relations
    finally:
        sys.path.remove(str(package.parent))
        for name in [m for m in sys.modules if m.startswith(REFERENCE_PACKAGE)]:
            del sys.modules[name]


def loaded(root: Path, config: Path | None = None) -> tuple[tuple[Resource, ...], Config]:
    run = load(Inputs(paths=(str(root),), config=str(config) if config else None))
    return run.resources, run.config


def assert_same_edges(reference: Any, resources: tuple[Resource, ...], config: Config) -> int:
    before = list(reference(resources, config))
    after = list(relations(resources, config))
    assert after == before  # Edge is a dataclass: source, target, kind, place, detail, instances
    return len(after)


def fixture_trees() -> list[tuple[Path, Path | None]]:
    """Every fixture directory with its config (the nearest ownlint.yaml), and every top-level tree."""
    trees: list[tuple[Path, Path | None]] = [(p.parent, p) for p in sorted(FIXTURES.rglob("ownlint.yaml"))]
    configured = {tree for tree, _ in trees}
    trees += [(p, None) for p in sorted(FIXTURES.iterdir()) if p.is_dir() and p not in configured]
    return trees


@pytest.mark.parametrize(("tree", "config"), fixture_trees(), ids=lambda v: str(v.relative_to(FIXTURES)) if v else "")
def test_every_fixture_tree_gives_the_reference_edges(reference: Any, tree: Path, config: Path | None) -> None:
    assert_same_edges(reference, *loaded(tree, config))


def test_the_benchmark_estate_gives_the_reference_edges(reference: Any, tmp_path: Path) -> None:
    write_estate(tmp_path, 12, 24, resources=2)
    assert assert_same_edges(reference, *loaded(tmp_path)) > 100


def network_estate(root: Path, namespaces: int, policies: int) -> None:
    """Labelled namespaces (strings, numbers, booleans, a null) and policies whose ingress peers select them
    by labels, by expressions, by nothing, and by a value that only a missing label matches."""
    files = {"ownlint.yaml": MSPS}
    for n in range(namespaces):
        labels = f"team: t{n % 3}\n    tier: {n % 2}\n    public: {'true' if n % 4 == 0 else 'false'}\n"
        labels += "    zone: null\n" if n % 5 == 0 else ""
        files[f"ns/{n}.yaml"] = f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns{n}\n  labels:\n    {labels}"
    selectors = [
        "{matchLabels: {team: t1}}",
        "{matchLabels: {team: t2, tier: '0'}}",
        "{matchLabels: {tier: 1}}",
        "{matchLabels: {public: true}}",
        "{matchLabels: {zone: None}}",
        "{matchLabels: {team: t0}, matchExpressions: [{key: tier, operator: In, values: ['1']}]}",
        "{matchExpressions: [{key: public, operator: Exists}]}",
        "{}",
        "{team: t1}",
        "{matchLabels: {absent: x}}",
    ]
    for p in range(policies):
        namespace = f"ns{p % max(namespaces, 1)}"
        selector = selectors[p % len(selectors)]
        files[f"np/{p}.yaml"] = f"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: np{p}, namespace: {namespace}}}
spec:
  podSelector: {{matchLabels: {{app: a{p % 2}}}}}
  ingress:
  - from:
    - namespaceSelector: {selector}
    - podSelector: {selectors[(p + 3) % len(selectors)].replace("team", "app")}
    - ipBlock: {{cidr: 10.1.0.0/16}}
"""
        files[f"deploy/{p}.yaml"] = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: d{p}, namespace: ns{p % 2}}}
spec:
  template:
    metadata: {{labels: {{app: a{p % 3}, tier: {p % 2}{", zone: null" if p % 4 == 0 else ""}}}}}
    spec: {{containers: [{{name: c, image: x}}]}}
"""
        files[f"svc/{p}.yaml"] = f"""\
apiVersion: v1
kind: Service
metadata: {{name: s{p}, namespace: ns{p % 2}}}
spec: {{selector: {["{app: a1}", "{app: a2, tier: '0'}", "{zone: None}", "{tier: 1}"][p % 4]}}}
"""
    write_tree(root, files)


def rbac_estate(root: Path, roles: int, bindings: int) -> None:
    """Roles and ClusterRoles with wildcards, resourceNames, subresources; bindings of them and of built-ins."""
    files = {"ownlint.yaml": MSPS}
    rules = [
        "[{apiGroups: [''], resources: [secrets], verbs: [get]}]",
        "[{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]",
        "[{apiGroups: [''], resources: [pods/exec], verbs: [create]}]",
        "[{apiGroups: [apps], resources: [deployments], verbs: [get, patch]}]",
        "[{apiGroups: [''], resources: [serviceaccounts/token], verbs: [create]}]",
        "[{apiGroups: [''], resources: [configmaps], resourceNames: [cm1], verbs: [get]}]",
        "[{apiGroups: [''], resources: [serviceaccounts], verbs: [impersonate]}, {apiGroups: [''], verbs: [get]}]",
        "[{apiGroups: [''], resources: [secrets, configmaps], verbs: []}]",
    ]
    for r in range(roles):
        kind = "ClusterRole" if r % 2 else "Role"
        meta = f"{{name: role{r}}}" if kind == "ClusterRole" else f"{{name: role{r}, namespace: ns{r % 3}}}"
        files[f"roles/{r}.yaml"] = f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\n"
        files[f"roles/{r}.yaml"] += f"rules: {rules[r % len(rules)]}\n"
    for n in range(3):
        for kind, name in (("Secret", "s1"), ("ConfigMap", "cm1"), ("ConfigMap", "cm2"), ("ServiceAccount", "sa")):
            files[f"objects/{n}-{name}.yaml"] = (
                f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}, namespace: ns{n}}}\n"
            )
        files[f"objects/{n}-d.yaml"] = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: d, namespace: ns{n}}}
spec: {{template: {{spec: {{serviceAccountName: sa, containers: [{{name: c, image: x}}]}}}}}}
"""
    builtins = ["admin", "edit", "view", "cluster-admin", "missing"]
    for b in range(bindings):
        kind = "ClusterRoleBinding" if b % 3 == 0 else "RoleBinding"
        meta = f"{{name: b{b}}}" if kind == "ClusterRoleBinding" else f"{{name: b{b}, namespace: ns{b % 3}}}"
        role_kind = "ClusterRole" if b % 2 or kind == "ClusterRoleBinding" else "Role"
        role = f"role{b % roles}" if b % 4 else builtins[b % len(builtins)]
        files[f"bindings/{b}.yaml"] = f"""\
apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata: {meta}
roleRef: {{kind: {role_kind}, name: {role}, apiGroup: rbac.authorization.k8s.io}}
subjects:
- {{kind: Group, name: acme:operators}}
- {{kind: User, name: bob}}
- {{kind: ServiceAccount, name: sa, namespace: ns{b % 3}}}
- {{kind: Group, name: system:authenticated}}
"""
    write_tree(root, files)


def aws_estate(root: Path, stacks: int) -> None:
    """Root modules whose policies say Resource "*" or attach AWS managed policies, buckets and tables (and a
    data source) in each, compute that runs as roles (by types given as globs, too)."""
    files = {"ownlint.yaml": MSPS}
    for n in range(stacks):
        files[f"stacks/s{n}/main.tf"] = f"""\
resource "aws_iam_role" "app" {{
  name               = "app-{n}"
  assume_role_policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "sts:AssumeRole",
    Principal = {{ AWS = "arn:aws:iam::111122223333:root" }} }}]}})
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
}}
resource "aws_iam_role_policy" "all" {{
  role   = aws_iam_role.app.name
  policy = jsonencode({{Statement = [{{Effect = "Allow", Action = ["{"s3:GetObject" if n % 2 else "*"}"], Resource = "*"}}]}})
}}
resource "aws_iam_role_policy_attachment" "ro" {{
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/{"ReadOnlyAccess" if n % 3 == 0 else "AmazonDynamoDBFullAccess"}"
}}
resource "aws_s3_bucket" "data" {{
  bucket = "data-{n}"
}}
resource "aws_s3_bucket" "logs" {{
  bucket = "logs-{n}"
}}
resource "aws_dynamodb_table" "t" {{
  name = "t-{n}"
}}
data "aws_s3_bucket" "existing" {{
  bucket = "existing-{n}"
}}
resource "aws_lambda_function" "f" {{
  function_name = "f-{n}"
  role          = aws_iam_role.app.arn
}}
resource "google_compute_instance" "vm" {{
  name = "vm-{n}"
  service_account {{
    email = google_service_account.sa.email
  }}
}}
resource "google_service_account" "sa" {{
  account_id = "sa-{n}"
}}
"""
    write_tree(root, files)


def test_aws_hubs_and_identities_give_the_reference_edges(reference: Any, tmp_path: Path) -> None:
    aws_estate(tmp_path, 6)
    resources, config = loaded(tmp_path)
    assert assert_same_edges(reference, resources, config) > 50
    assert any(e.source.endswith(":*") for e in relations(resources, config))  # the hubs' members are reached


def test_network_policies_and_rbac_give_the_reference_edges(reference: Any, tmp_path: Path) -> None:
    network_estate(tmp_path / "network", 20, 30)
    rbac_estate(tmp_path / "rbac", 16, 40)
    assert assert_same_edges(reference, *loaded(tmp_path / "network")) > 100
    assert assert_same_edges(reference, *loaded(tmp_path / "rbac")) > 100


def counted(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[int]:
    """A counter of the calls of ``module.name`` (as the pass calls it)."""
    calls = [0]
    original = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def network_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, namespaces: int) -> int:
    """Label selectors matched by the network pass for 40 policies whose peers select by matchLabels."""
    files = {"ownlint.yaml": MSPS}
    for n in range(namespaces):
        files[f"ns/{n}.yaml"] = f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns{n}, labels: {{name: ns{n}}}}}\n"
    for p in range(40):
        files[f"np/{p}.yaml"] = f"""\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: np{p}, namespace: ns0}}
spec:
  podSelector: {{}}
  ingress: [{{from: [{{namespaceSelector: {{matchLabels: {{name: ns{p % namespaces}}}}}}}]}}]
"""
    root = tmp_path / str(namespaces)
    write_tree(root, files)
    resources, config = loaded(root)
    calls = counted(monkeypatch, network, "selector_matches")
    admitted = [e for e in relations(resources, config) if e.kind == "admits"]
    assert len(admitted) == 40  # each policy admits the one namespace its selector names
    return calls[0]


def test_namespace_selectors_are_looked_up_by_label_not_matched_against_every_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: 40 policies x every namespace (40 x 50 = 2000 matches, 40 x 200 = 8000); now the namespaces
    # holding the selector's labels only
    small, large = network_calls(tmp_path, monkeypatch, 50), network_calls(tmp_path, monkeypatch, 200)
    assert small <= 40 and large <= 40


def rbac_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bindings: int) -> int:
    """Rule fields read by the RBAC pass: ``bindings`` bindings of one ClusterRole over 30 Secrets."""
    files = {"ownlint.yaml": MSPS}
    files["role.yaml"] = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n"
        "rules: [{apiGroups: [''], resources: [secrets, configmaps], verbs: [get, list]}]\n"
    )
    for s in range(30):
        files[f"s/{s}.yaml"] = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s{s}, namespace: ns0}}\n"
    for b in range(bindings):
        files[f"b/{b}.yaml"] = f"""\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: b{b}, namespace: ns0}}
roleRef: {{kind: ClusterRole, name: reader, apiGroup: rbac.authorization.k8s.io}}
subjects: [{{kind: User, name: u{b}}}]
"""
    root = tmp_path / str(bindings)
    write_tree(root, files)
    resources, config = loaded(root)
    calls = counted(monkeypatch, kubernetes_rbac, "as_list")
    grants = [e for e in relations(resources, config) if e.kind == "grants" and e.target.startswith("Secret/")]
    assert len(grants) == 30 * bindings
    return calls[0]


def test_a_role_s_rules_are_read_once_not_once_per_binding_and_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: every (binding, Secret) pair read the rule's apiGroups, resources, resourceNames and verbs
    # again (~4 x 30 x bindings); now a rule is read once per role, a binding's subjects once
    few, many = rbac_calls(tmp_path, monkeypatch, 5), rbac_calls(tmp_path, monkeypatch, 20)
    assert many - few <= 4 * (20 - 5)


def hub_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stacks: int) -> int:
    root = tmp_path / str(stacks)
    aws_estate(root, stacks)
    resources, config = loaded(root)
    calls = counted(monkeypatch, aws_iam, "managed")
    assert sum(e.source.endswith(":*") for e in relations(resources, config)) == 3 * stacks
    return calls[0]


def test_a_hub_s_members_are_looked_up_by_root_module_not_scanned_per_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: every (root module, service) hub listed every resource of its service's types (53 and 197 lists
    # for 4 and 16 root modules here); now each type is listed once
    assert hub_scans(tmp_path, monkeypatch, 4) == hub_scans(tmp_path, monkeypatch, 16)


def policy_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stacks: int) -> int:
    root = tmp_path / str(stacks)
    aws_estate(root, stacks)
    resources, config = loaded(root)
    calls = counted(monkeypatch, aws_policy.json, "loads")
    assert sum(e.kind == "assumes" for e in relations(resources, config)) == stacks  # each trust policy is read
    return calls[0]


def test_a_policy_text_is_parsed_once_not_once_per_holder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: each role's trust policy and each inline policy was parsed (8 and 32 parses for 4 and 16 root
    # modules here, whose policies are two texts each); now each distinct text once
    assert policy_reads(tmp_path, monkeypatch, 4) == policy_reads(tmp_path, monkeypatch, 16)
