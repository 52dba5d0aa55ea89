"""Issue 19, evaluation: module outputs (cycles, budget, symbolic references), keys a merge may override,
a known tags value that is not a map. The label-module estates are fixtures (tests/test_terraform_eval.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import run_cli

from ownlint import model
from ownlint.loaders.terraform import hcl2_backend
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.values import PartialMap, Unknown
from ownlint.model import Place

SELECT = ("--select", "OWN001,OWN012", "--format", "json")


def messages(path: Path) -> list[str]:
    """Each finding's rule and message, up to its first reason (the preset asks for more than the owner)."""
    if not (path / "providers.tf").exists():  # a root module, not a library (whose inputs depend on the caller)
        (path / "providers.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    found = run_cli("check", str(path), *SELECT).json()["findings"]
    return [f"{f['rule']} {f['message'].split('; ')[0]}" for f in found]


def evaluate(expression: str, variables: dict[str, str | None]) -> Any:
    kinds = getattr(model, "PlaceKind", None)  # Place has a kind once issue 18's PlaceKind is merged
    place = Place("main.tf", 1, "x", *([kinds.VARIABLE] if kinds is not None else []))
    bindings = {
        name: Binding(hcl2_backend.parse_expression(text) if text else None, place, reason=f"var.{name} has no value")
        for name, text in variables.items()
    }
    return Evaluator(bindings, {}).value(hcl2_backend.parse_expression(expression))


# --- item 2: unknown per key ---------------------------------------------------------------------


def test_a_literal_after_an_unknown_map_is_known() -> None:
    value = evaluate('merge(var.extra, {owner = "platform"})', {"extra": None})
    assert isinstance(value, PartialMap)
    assert value.known == {"owner": "platform"}


def test_a_key_an_unknown_map_after_it_may_override_is_unknown() -> None:
    value = evaluate('merge({owner = "platform", team = "a"}, var.extra, {team = "b"})', {"extra": None})
    assert isinstance(value, PartialMap)
    assert value.known == {
        "owner": Unknown("may be overridden by a later merge() argument: var.extra has no value"),
        "team": "b",
    }


def test_owner_before_an_unknown_map_is_reported_unknown_not_passed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "extra" {}\nresource "aws_sqs_queue" "q" {\n  tags = merge({ owner = "platform" }, var.extra)\n}\n'
    )
    assert messages(tmp_path) == [
        "OWN012 aws_sqs_queue.q: cannot be known statically: owner: may be overridden by a later merge() argument: "
        "var.extra has no default and no value in terraform.tfvars (tags of aws_sqs_queue.q (main.tf:3)) "
        "(tags of aws_sqs_queue.q (main.tf:3))"
    ]


# --- item 1: module outputs ----------------------------------------------------------------------


def test_an_output_that_depends_on_itself_through_the_caller_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text('variable "tags" {}\noutput "tags" {\n  value = var.tags\n}\n')
    (tmp_path / "main.tf").write_text(
        'module "a" {\n  source = "./m"\n  tags = module.a.tags\n}\n'
        'resource "aws_sqs_queue" "q" {\n  tags = module.a.tags\n}\n'
    )
    assert messages(tmp_path) == [
        "OWN012 aws_sqs_queue.q: cannot be known statically: owner: output.tags refers to itself "
        "(input tags of module.a (main.tf:3))"
    ]


def test_a_costly_output_stays_within_the_budget(tmp_path: Path) -> None:
    doubling = "\n".join(f"  l{i} = [local.l{i - 1}, local.l{i - 1}]" for i in range(1, 60))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(
        f'locals {{\n  l0 = "x"\n{doubling}\n}}\noutput "tags" {{\n  value = {{ owner = jsonencode(local.l59) }}\n}}\n'
    )
    (tmp_path / "main.tf").write_text(
        'module "a" {\n  source = "./m"\n}\nresource "aws_sqs_queue" "q" {\n  tags = module.a.tags\n}\n'
    )
    [message] = messages(tmp_path)
    assert message.startswith("OWN012 aws_sqs_queue.q: cannot be known statically: owner: evaluation budget")


def test_outputs_of_each_instance_by_key_and_index(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text('variable "o" {}\noutput "tags" {\n  value = { owner = var.o }\n}\n')
    (tmp_path / "main.tf").write_text(
        'module "k" {\n  source = "./m"\n  for_each = toset(["a", "b"])\n  o = "team-${each.key}"\n}\n'
        'module "c" {\n  source = "./m"\n  count = 2\n  o = count.index == 0 ? "zero" : null\n}\n'
        'resource "aws_sqs_queue" "b" {\n  tags = module.k["b"].tags\n}\n'
        'resource "aws_sqs_queue" "c" {\n  tags = module.c[1].tags\n}\n'
        'resource "aws_sqs_queue" "all" {\n  tags = { owner = join(",", [for k, m in module.k : m.tags.owner]) }\n}\n'
        'resource "aws_sqs_queue" "none" {\n  tags = module.k["z"].tags\n}\n'
    )
    run = run_cli("check", str(tmp_path), "--select", "OWN001,OWN012", "--format", "json")
    found = {f["resource"]: f["message"] for f in run.json()["findings"]}
    assert sorted(found) == ["aws_sqs_queue.c", "aws_sqs_queue.none"]
    assert found["aws_sqs_queue.c"].startswith("aws_sqs_queue.c has no owner")  # null: dropped
    assert 'module.k has no instance ["z"]' in found["aws_sqs_queue.none"]


def test_symbolic_references_to_outputs_are_unchanged() -> None:
    evaluator = Evaluator({}, {})
    value = evaluator.symbolic_value(hcl2_backend.parse_expression("module.bucket.arn"))
    assert value == "${module.bucket.arn}"


# --- item 7: a known tags value that is not a map ------------------------------------------------


def test_tags_that_are_a_string_are_said_to_be_one(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  tags = "owner=platform,env=prod"\n}\n')
    assert messages(tmp_path) == [
        "OWN012 aws_sqs_queue.q: owner: tags is a string, not a map (tags of aws_sqs_queue.q (main.tf:2))"
    ]


# --- item 8: file() reads inside the repository only (issue 15) ----------------------------------


def test_tags_read_from_a_yaml_file_in_the_module(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tags.yaml").write_text("owner: platform\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "q" {\n  tags = yamldecode(file("${path.module}/tags.yaml"))\n}\n'
    )
    assert messages(tmp_path) == []  # the owner is known: no OWN001, no OWN012


def test_file_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    import os

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tags.yaml").write_text("owner: platform\n")
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "link.yaml").symlink_to(outside / "tags.yaml")
    os.mkfifo(repository / "fifo.txt")
    reads = {
        "escape": '"../outside/tags.yaml"',
        "absolute": f'"{outside / "tags.yaml"}"',
        "link": '"link.yaml"',
        "fifo": '"fifo.txt"',
    }
    (repository / "main.tf").write_text(
        "".join(f'resource "aws_sqs_queue" "{n}" {{\n  tags = yamldecode(file({p}))\n}}\n' for n, p in reads.items())
    )
    found = messages(repository)
    assert [m.split(":")[0] for m in found] == [f"OWN012 aws_sqs_queue.{n}" for n in reads]
    assert "is outside the repository, not read" in found[0]
    assert "only relative paths inside the repository are read" in found[1]
    assert "is outside the repository, not read" in found[2]
    assert "is not a regular file" in found[3]


def test_a_label_module_without_owner_is_a_real_missing_owner_fixed_at_its_tags_input() -> None:
    estate = Path(__file__).parent.parent / "fixtures" / "terraform" / "label-module-missing"
    run = run_cli("check", str(estate), "--select", "OWN001", "--format", "json")
    assert run.exit_code == 1
    first = run.json()["findings"][0]
    assert (first["rule"], first["severity"]) == ("OWN001", "error")
    assert first["message"] == (
        "aws_s3_bucket.logs has no owner (looked for: owner, team); add owner to input tags of module.label (main.tf:5)"
    )


def test_a_modules_json_that_is_no_file_in_the_repository_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".terraform" / "modules").mkdir(parents=True)
    (tmp_path / ".terraform" / "modules" / "modules.json").symlink_to("/dev/zero")  # read: never ends
    (tmp_path / "main.tf").write_text('module "x" {\n  source = "cloudposse/label/null"\n}\n')
    run = run_cli("check", str(tmp_path), "--format", "json")
    assert run.exit_code == 0
    assert "remote module 'cloudposse/label/null' is not followed" in run.stderr


def test_a_count_written_as_a_string_is_converted_as_terraform_converts_it(tmp_path: Path) -> None:
    """``count = "0"`` (often a string output of a shared module, or ``cond ? "2" : 0``) creates nothing;
    ``count = "2"`` creates two instances: Terraform converts a numeric string to the number."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "none" {\n  count = "0"\n}\n'
        'resource "aws_sqs_queue" "two" {\n  count = true ? "2" : 0\n}\n'
        'resource "aws_sqs_queue" "odd" {\n  count = "nan"\n}\n'
    )
    found = run_cli("check", str(tmp_path), "--select", "OWN001", "--format", "json").json()["findings"]
    assert [f["resource"] for f in found] == ["aws_sqs_queue.two", "aws_sqs_queue.odd"]  # "nan": unknown count
    assert "count" not in found[0]["message"]
