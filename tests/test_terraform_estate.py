"""Terraform as estates write it (issue 19): override files, child-module providers, roots and libraries."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import FIXTURES, run_cli, write_tree

from ownlint.inputs import Inputs
from ownlint.loaders.terraform.directories import ModuleLoader
from ownlint.loaders.terraform.hcl2_backend import parse
from ownlint.loaders.terraform.overrides import is_override_file
from ownlint.model import Resource
from ownlint.pipeline import load

CASES = FIXTURES / "terraform"


def resources_of(path: Path) -> list[Resource]:
    return [r for r in load(Inputs(paths=(str(path),))).resources if r.type != "module"]


def owner_provenance(resources: list[Resource], address: str) -> list[str]:
    [tag] = [t for r in resources if r.address == address for t in r.tags if t.key == "owner"]
    return [str(p) for p in tag.provenance]


def test_override_file_names() -> None:
    named = ["override.tf", "x_override.tf", "x_override.tf.json", "override.tf.json", "a/b/main_override.tf"]
    assert all(is_override_file(n) for n in named)
    assert not any(is_override_file(n) for n in ["overrides.tf", "xoverride.tf", "override.tfvars", "main.tf"])


def test_overridden_resource_is_counted_once_at_its_original_block() -> None:
    resources = resources_of(CASES / "overrides")
    queues = [r for r in resources if r.address == "aws_sqs_queue.jobs"]
    assert {(r.file, r.line) for r in queues} == {("queues.tf", 1)}
    assert sorted(i for r in queues for i in r.instances) == [
        'aws_sqs_queue.jobs["orders"]',
        'aws_sqs_queue.jobs["refunds"]',
    ]


def test_facts_an_override_sets_are_traced_to_the_override_file() -> None:
    resources = resources_of(CASES / "overrides")
    assert owner_provenance(resources, "aws_s3_bucket.logs") == ["tags of aws_s3_bucket.logs (override.tf:4)"]
    assert owner_provenance(resources, "aws_sns_topic.events") == [
        "default of var.team (variables_override.tf:2)",
        "tags of aws_sns_topic.events (zz_override.tf.json:5)",
    ]
    assert owner_provenance(resources, "aws_autoscaling_group.web") == [
        'dynamic "tag" of aws_autoscaling_group.web (override.tf:10)'
    ]
    assert (
        owner_provenance(resources, "module.network.aws_vpc.this")[0]
        == "input tags of module.network (main_override.tf:2)"
    )


def test_override_without_an_original_is_a_located_problem() -> None:
    run = run_cli("check", str(CASES / "overrides"), "--select", "OWN000", "--format", "json")
    [finding] = run.json()["findings"]
    assert (finding["file"], finding["line"]) == ("override.tf", 21)
    assert finding["message"].endswith(
        "override of resource 'aws_sqs_queue' 'dead_letters': no such block in the module's other files to override"
    )


def test_override_merges_lifecycle_per_argument_and_replaces_other_nested_blocks(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.tf": 'provider "aws" {\n  alias = "west"\n  region = "us-west-2"\n}\n'
            'resource "aws_sqs_queue" "q" {\n  tags = { owner = "a" }\n'
            "  lifecycle {\n    prevent_destroy = true\n  }\n}\n",
            "a_override.tf": 'provider "aws" {\n  alias = "west"\n  default_tags {\n    tags = { team = "west" }\n  }\n}\n'
            'resource "aws_sqs_queue" "q" {\n  provider = aws.west\n'
            "  lifecycle {\n    ignore_changes = [tags]\n  }\n}\n",
            "b_override.tf": 'resource "aws_sqs_queue" "q" {\n  tags = { Name = "q" }\n}\n',
        },
    )
    loader = ModuleLoader(tmp_path, parse, tmp_path)
    source = loader.source(tmp_path)
    assert source is not None and loader.problems == []
    [queue] = [b for f in source.files for b in f.blocks if b.type == "resource"]
    [lifecycle] = queue.children("lifecycle")
    assert [a.name for a in lifecycle.attributes] == ["prevent_destroy", "ignore_changes"]
    assert [a.name for a in queue.attributes] == ["tags", "provider"]
    [[queue_record]] = [[r for r in resources_of(tmp_path) if r.address == "aws_sqs_queue.q"]]
    assert sorted((t.key, t.value) for t in queue_record.tags) == [("Name", "q"), ("team", "west")]


CHILD_PROVIDERS = {
    "live/main.tf": 'provider "aws" {\n  region = "eu-west-1"\n  default_tags {\n    tags = { owner = "platform" }\n  }\n}\n'
    'module "legacy" {\n  source = "../modules/legacy"\n}\n'
    'module "plain" {\n  source = "../modules/plain"\n}\n',
    # a called module that configures its own provider (legacy, valid): the caller's default_tags do not reach it
    "modules/legacy/main.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n'
    'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
    'module "inner" {\n  source = "../inner"\n}\n',
    "modules/inner/main.tf": 'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n',
    "modules/plain/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    # its own default_tags apply instead
    "modules/tagged/main.tf": 'provider "aws" {\n  default_tags {\n    tags = { owner = "legacy-team" }\n  }\n}\n'
    'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    "live/tagged.tf": 'module "tagged" {\n  source = "../modules/tagged"\n}\n',
}


def test_child_module_provider_shadows_the_inherited_one(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", CHILD_PROVIDERS)
    run = run_cli("check", str(root), "--select", "OWN001", "--format", "json")
    assert [(f["resource"], f["file"]) for f in run.json()["findings"]] == [
        ("module.legacy.module.inner.aws_sns_topic.t", "modules/inner/main.tf"),
        ("module.legacy.aws_sqs_queue.q", "modules/legacy/main.tf"),
    ]
    resources = resources_of(root)
    assert owner_provenance(resources, "module.plain.aws_sqs_queue.q") == [
        'provider "aws" default_tags (live/main.tf:4)'
    ]
    assert owner_provenance(resources, "module.tagged.aws_sqs_queue.q") == [
        'provider "aws" default_tags (modules/tagged/main.tf:3)'
    ]


LIBRARY_NOTE = (
    "note: 2 module(s) nothing in the scan calls and with no provider, backend, variable file or lock file are "
    "checked as libraries (what their inputs set depends on the caller): modules/bucket, modules/storage-account\n"
)


def test_in_a_library_a_value_from_an_input_depends_on_the_caller() -> None:
    run = run_cli("check", str(CASES / "library"), "--select", "OWN012", "--format", "json")
    assert run.stderr == LIBRARY_NOTE
    [notify] = [f["message"] for f in run.json()["findings"] if f["resource"] == "aws_sqs_queue.notify"]
    assert notify.startswith(
        "aws_sqs_queue.notify: cannot be known statically: owner: var.owner is an input of library module "
        "modules/bucket: depends on the caller (default of var.owner (modules/bucket/variables.tf:13)); "
        'operator: provider "aws" of library module modules/bucket may add default tags: depends on the caller; '
    )


def test_values_on_the_command_line_make_an_uncalled_module_a_root(tmp_path: Path) -> None:
    bucket = CASES / "library" / "modules" / "bucket"
    run = run_cli("check", str(bucket), "--select", "OWN001,OWN012", "--format", "json", "--var", "owner=web")
    assert run.stderr == ""  # run with values: a root, evaluated with its defaults and those values
    assert sorted((f["rule"], f["resource"]) for f in run.json()["findings"]) == [
        ("OWN001", "aws_s3_bucket.this"),
        ("OWN001", "aws_sns_topic.events"),
        ("OWN001", "module.replica.aws_s3_bucket.replica"),
    ]


def test_terraform_and_output_overrides_merge_per_setting() -> None:
    from ownlint.loaders.terraform.overrides import merge_overrides

    main = parse(
        'terraform {\n  required_version = ">= 1.0"\n  required_providers {\n    aws = { version = "~> 4.0" }\n'
        '    google = { version = "~> 5.0" }\n  }\n  backend "s3" {}\n}\n'
        'output "arn" {\n  value = "a"\n  description = "d"\n}\n',
        "main.tf",
    )
    override = parse(
        'terraform {\n  required_providers {\n    aws = { version = "~> 5.0" }\n  }\n  cloud {}\n}\n'
        'output "arn" {\n  value = "b"\n}\n',
        "override.tf",
    )
    [merged], problems = merge_overrides([main, override])
    assert problems == ()
    terraform, output = merged.blocks
    assert [b.type for b in terraform.blocks] == ["required_providers", "cloud"]  # a cloud block replaces the backend
    [providers] = terraform.children("required_providers")
    assert [(a.name, getattr(a, "file", "main.tf")) for a in providers.attributes] == [
        ("aws", "override.tf"),
        ("google", "main.tf"),
    ]
    assert [a.name for a in terraform.attributes] == ["required_version"]
    assert [(a.name, a.line) for a in output.attributes] == [("value", 8), ("description", 11)]


def test_examples_and_test_fixtures_are_roots_by_the_registry_layout(tmp_path: Path) -> None:
    """``examples/*`` and ``test/fixtures/*`` of a module repository are run as roots (by a user, by
    terratest or kitchen-terraform) even without a provider block: a missing owner there is missing, not
    'depends on the caller'."""
    module = 'variable "labels" {\n  default = {}\n}\nresource "google_pubsub_topic" "t" {\n  name = "t"\n  labels = var.labels\n}\n'
    for where in ("examples/simple", "test/fixtures/simple", "modules/lib"):
        (tmp_path / where).mkdir(parents=True)
        (tmp_path / where / "main.tf").write_text(module)
    found = run_cli("check", str(tmp_path), "--select", "OWN001,OWN012", "--format", "json").json()["findings"]
    assert sorted((f["rule"], f["file"]) for f in found) == [
        ("OWN001", "examples/simple/main.tf"),
        ("OWN001", "test/fixtures/simple/main.tf"),
        ("OWN012", "modules/lib/main.tf"),
    ]
