"""Terraform evaluation end to end: fixtures with the effective tags of every resource, modules, plans."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, effective_tag_lines, expected_lines, finding_lines, run_cli

from ownlint.inputs import Inputs
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.pipeline import load

CASES = FIXTURES / "terraform"
EVALUATION_CASES = sorted(p.name for p in CASES.iterdir() if (p / "expected-tags.txt").is_file())
SELECT = ("--select", "OWN000,OWN001,OWN012")


def tags_of(path: Path, **terraform: object) -> list[str]:
    inputs = Inputs(paths=(str(path),), terraform=TerraformInputs(**terraform))  # type: ignore[arg-type]
    return effective_tag_lines(load(inputs).resources)


@pytest.mark.parametrize("case", EVALUATION_CASES)
def test_effective_tags_of_every_resource(case: str) -> None:
    assert tags_of(CASES / case) == expected_lines(CASES / case / "expected-tags.txt")


@pytest.mark.parametrize("case", EVALUATION_CASES)
def test_findings(case: str) -> None:
    run = run_cli("check", str(CASES / case), *SELECT, "--format", "json")
    assert finding_lines(run.json()["findings"]) == expected_lines(CASES / case / "expected.txt")


@pytest.mark.parametrize("case", [c for c in EVALUATION_CASES if f"{c}-twin" in EVALUATION_CASES])
def test_tagged_only_indirectly_has_no_missing_owner_and_its_twin_exactly_one(case: str) -> None:
    clean = run_cli("check", str(CASES / case), "--select", "OWN001", "--format", "json").json()["findings"]
    twin = run_cli("check", str(CASES / f"{case}-twin"), "--select", "OWN001", "--format", "json").json()["findings"]
    assert clean == []
    assert len(twin) == 1


def test_instances_missing_a_key_are_named_in_one_finding() -> None:
    run = run_cli("check", str(CASES / "for-each-twin"), "--select", "OWN001", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["message"] == (
        "aws_sqs_queue.queue has no owner (looked for: owner, team); add owner to tags of aws_sqs_queue.queue "
        '(main.tf:16) (only in aws_sqs_queue.queue["payments"])'
    )


def test_findings_on_every_instance_name_none() -> None:
    run = run_cli("check", str(CASES / "modules-deep-twin"), "--select", "OWN001", "--format", "json")
    [finding] = run.json()["findings"]
    assert "only in" not in finding["message"]
    assert finding["message"].endswith(
        "add owner to input tags of module.platform.module.network.module.subnet (modules/network/main.tf:24)"
    )


def test_remote_module_is_an_opaque_node_with_a_note() -> None:
    run = run_cli("check", str(CASES / "modules-deep"), *SELECT)
    assert run.stderr == (
        "note: 1 module call(s) not followed, their resources are not checked: module.legacy "
        "(envs/prod/main.tf:33): remote module 'terraform-aws-modules/vpc/aws' is not followed "
        "(no .terraform/modules checkout)\n"
    )
    resources = load(Inputs(paths=(str(CASES / "modules-deep"),))).resources
    [legacy] = [r for r in resources if r.address == "module.legacy"]
    assert legacy.opaque and not legacy.taggable


def test_vendored_remote_module_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "live"
    shutil.copytree(CASES / "modules-deep" / "envs" / "prod", root)
    vendored = root / ".terraform" / "modules"
    (vendored / "legacy").mkdir(parents=True)
    (vendored / "legacy" / "main.tf").write_text('resource "aws_vpc" "this" {\n  cidr_block = "10.1.0.0/16"\n}\n')
    (vendored / "modules.json").write_text(
        '{"Modules": [{"Key": "legacy", "Source": "x", "Dir": ".terraform/modules/legacy"}]}'
    )
    lines = tags_of(root)
    assert "module.legacy.aws_vpc.this operated-by=internal" in lines


def test_missing_source_and_call_cycles_are_located_problems(tree) -> None:
    root = tree(
        {
            "main.tf": 'module "gone" {\n  source = "./nowhere"\n}\n\nmodule "a" {\n  source = "./a"\n}\n',
            "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
            "b/main.tf": 'module "a" {\n  source = "../a"\n}\nresource "aws_sqs_queue" "q" {}\n',
        }
    )
    run = run_cli("check", str(root), "--select", "OWN000", "--format", "json")
    assert [(f["file"], f["line"], f["message"]) for f in run.json()["findings"]] == [
        ("b/main.tf", 1, "module.a calls itself: . -> a -> b -> a"),
        ("main.tf", 1, "module source './nowhere': no such directory"),
    ]
    addresses = [r.address for r in load(Inputs(paths=(str(root),))).resources]
    assert "module.a.module.b.aws_sqs_queue.q" in addresses


def test_module_source_outside_the_repository_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text('module "shared" {\n  source = "../shared"\n}\n')
    run = run_cli("check", str(repo), *SELECT)
    assert "module source '../shared' is outside the repository; not followed" in run.stderr
    assert run.exit_code == 0


def test_var_and_var_file_and_env_vars_set_root_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES / "tfvars-twin"
    (tmp_path / "prod.tfvars").write_text('owner = "platform"\nclassification = "restricted"\n')
    lines = tags_of(case, var_files=(str(tmp_path / "prod.tfvars"),), variables=("operator=internal",))
    assert "aws_cloudwatch_log_group.app data-classification=restricted operated-by=internal owner=platform" in lines
    # TF_VAR_* only with --env-vars
    monkeypatch.setenv("TF_VAR_owner", "data-eng")
    run = run_cli("check", str(case), "--select", "OWN012", "--format", "json")
    assert len(run.json()["findings"]) == 2
    run = run_cli(
        "check", str(case), "--select", "OWN012", "--format", "json", "--env-vars", "--var", "classification=x"
    )
    assert run.json()["findings"] == []
    bad = run_cli("check", str(case), "--var", "novalue")
    assert (bad.exit_code, bad.stderr) == (2, "ownlint: error: --var 'novalue': expected NAME=VALUE\n")


def test_var_values_written_as_maps_are_parsed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "tags" {}\nresource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\n')
    lines = tags_of(tmp_path, variables=('tags={owner = "platform"}',))
    assert lines == ["aws_sqs_queue.q owner=platform"]


def _finding_keys(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["rule"], f["file"], f["line"], f["resource"], f["fingerprint"]) for f in findings]


def test_plan_gives_the_findings_of_its_configuration_with_tf_locations() -> None:
    config = CASES / "plan" / "config"
    from_hcl = run_cli("check", str(config), "--format", "json").json()["findings"]
    from_plan = run_cli("check", str(config), "--plan", str(CASES / "plan" / "plan.json"), "--format", "json")
    assert _finding_keys(from_plan.json()["findings"]) == _finding_keys(from_hcl)
    assert finding_lines(from_plan.json()["findings"]) == [line for line in finding_lines(from_hcl)]
    assert ("OWN001", "main.tf", 29, "aws_sns_topic.alerts") in [
        (f["rule"], f["file"], f["line"], f["resource"]) for f in from_hcl
    ]


def test_plan_tags_all_is_the_truth_and_unknown_maps_take_configuration_keys() -> None:
    lines = tags_of(CASES / "plan" / "config", plans=(str(CASES / "plan" / "plan.json"),))
    assert lines == [
        "aws_s3_bucket.logs data-classification=internal operated-by=internal owner=platform",
        "aws_sns_topic.alerts Bucket=? operated-by=internal",
        'aws_sqs_queue.queue [aws_sqs_queue.queue["orders"]] Name=orders data-classification=internal '
        "operated-by=internal owner=platform",
        'aws_sqs_queue.queue [aws_sqs_queue.queue["payments"]] Name=payments data-classification=internal '
        "operated-by=internal owner=platform",
        "module.cache.aws_elasticache_cluster.this data-classification=internal operated-by=internal owner=platform",
    ]


def test_plan_without_configuration_reports_at_the_plan(tmp_path: Path) -> None:
    shutil.copy(CASES / "plan" / "plan.json", tmp_path / "plan.json")
    run = run_cli("check", str(tmp_path), "--plan", str(tmp_path / "plan.json"), *SELECT, "--format", "json")
    assert [(f["rule"], f["file"], f["resource"]) for f in run.json()["findings"]] == [
        ("OWN001", "plan.json", "aws_sns_topic.alerts"),
        ("OWN012", "plan.json", "module.cache.aws_elasticache_cluster.this"),
    ]


def test_plan_next_to_its_configuration_is_read_only_when_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan in the tree may come from the pull request: it is noted, not read (issue 15)."""
    shutil.copytree(CASES / "plan" / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path / "config")  # notes name files from the current directory
    from_hcl = run_cli("check", str(tmp_path / "config"), "--format", "json")
    shutil.copy(CASES / "plan" / "plan.json", tmp_path / "config" / "plan.json")
    found = run_cli("check", str(tmp_path / "config"), "--format", "json")
    assert _finding_keys(found.json()["findings"]) == _finding_keys(from_hcl.json()["findings"])
    assert found.stderr.startswith("note: not read: 1 file that looks like a Terraform plan (plan.json)")
    given = run_cli(
        "check", str(tmp_path / "config"), "--plan", str(tmp_path / "config" / "plan.json"), "--format", "json"
    )
    explicit = run_cli(
        "check", str(CASES / "plan" / "config"), "--plan", str(CASES / "plan" / "plan.json"), "--format", "json"
    ).json()
    assert _finding_keys(given.json()["findings"]) == _finding_keys(explicit["findings"])
    assert given.stderr == ""


def test_broken_plan_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(
        '{"format_version": "1.2", "terraform_version": "1.11.0",\n  "resource_changes": [}'
    )
    run = run_cli("check", str(tmp_path), "--plan", str(tmp_path / "plan.json"), "--format", "json")
    [finding] = run.json()["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == ("OWN000", "plan.json", 2)


def test_children_inherit_their_parents_owner_through_the_reference() -> None:
    resources = {r.address: r for r in load(Inputs(paths=(str(CASES / "inherit"),))).resources}
    rule = resources["aws_lb_listener_rule.api"]
    owner = rule.tag("owner")
    assert owner is not None and owner.value == "platform"
    assert [str(p) for p in owner.provenance] == [
        "tags of aws_lb.web (main.tf:26)",
        "aws_lb.web through load_balancer_arn (main.tf:23)",
        "aws_lb_listener.https through listener_arn (main.tf:32)",
    ]
    operator = rule.tag("operated-by")
    assert operator is not None and operator.value == "internal"  # its own tag wins


def test_inheritance_is_configuration(tmp_path: Path) -> None:
    shutil.copy(CASES / "inherit" / "main.tf", tmp_path / "main.tf")
    (tmp_path / "ownlint.yaml").write_text("inherit:\n  listener-children: {match: [], from: [listener_arn]}\n")
    run = run_cli("check", str(tmp_path), "--select", "OWN001", "--format", "json")
    assert [f["resource"] for f in run.json()["findings"]] == ["aws_lb_listener_rule.api", "aws_iam_policy.extra"]


def test_variable_types_fill_optional_attributes(tree) -> None:
    root = tree(
        {
            "main.tf": """
variable "groups" {
  type = map(object({
    name = string
    tags = optional(map(string), { owner = "platform" })
    team = optional(string)
  }))
  default = {
    web = { name = "web", extra = "dropped" }
    api = { name = "api", tags = { owner = "api-team" } }
  }
}

resource "aws_sqs_queue" "q" {
  for_each = var.groups
  name     = each.value.name
  tags     = merge(each.value.tags, { team = coalesce(each.value.team, "none"), keys = join(",", keys(each.value)) })
}
""",
            "providers.tf": 'provider "aws" {}\n',  # a root module, not a library
        }
    )
    assert tags_of(root) == [
        'aws_sqs_queue.q [aws_sqs_queue.q["api"]] keys=name,tags,team owner=api-team team=none',
        'aws_sqs_queue.q [aws_sqs_queue.q["web"]] keys=name,tags,team owner=platform team=none',
    ]


def test_lookup_with_an_unknown_key_in_an_empty_map_is_the_default(tree) -> None:
    root = tree(
        {
            "main.tf": 'variable "per_az" {\n  default = {}\n}\nvariable "az" {}\n'
            'resource "aws_subnet" "s" {\n  tags = merge({ owner = "net" }, lookup(var.per_az, var.az, {}))\n}\n',
            "providers.tf": 'provider "aws" {}\n',  # a root module, not a library
        }
    )
    assert tags_of(root) == ["aws_subnet.s owner=net"]


def test_graph_nests_module_instances_under_their_calls() -> None:
    run = run_cli("graph", str(CASES / "modules-deep"))
    assert (
        '  "envs/prod//module.platform.module.network.module.vpc" -> '
        '"envs/prod//module.platform.module.network.module.vpc.aws_vpc.this" [label="contains"];'
    ) in run.stdout.splitlines()
    assert '  "envs/prod//module.platform" [label="envs/prod//module.platform", shape=folder];' in run.stdout


def test_nested_for_each_cannot_explode(tree) -> None:
    import time

    big = '{ for i in range(0, 60) : "k${i}" => i }'  # 60 + 60 x 60 module instances
    root = tree(
        {
            "main.tf": f'module "a" {{\n  source   = "./a"\n  for_each = {big}\n}}\n',
            "a/main.tf": f'module "b" {{\n  source   = "../b"\n  for_each = {big}\n  n        = each.key\n}}\n',
            "b/main.tf": 'variable "n" {}\nresource "aws_sqs_queue" "q" {\n  tags = { owner = "x", n = var.n }\n}\n',
        }
    )
    started = time.monotonic()
    resources = load(Inputs(paths=(str(root),))).resources
    assert time.monotonic() - started < 30
    queues = [r for r in resources if r.type == "aws_sqs_queue"]
    assert 0 < len(queues) <= 2100
    reasons = {t.reason for r in queues for t in r.tags if t.key == "n" and not t.known}
    assert reasons == {"for_each of module.a.module.b not expanded: more than 2000 module instances in this root"}
