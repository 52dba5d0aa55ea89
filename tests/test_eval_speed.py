"""Issue 20 (cold check on the benchmark's estate): the memos and shortcuts of evaluation and rules never
give a stale or wrong answer - each test sets up what a too-broad memo would confuse."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.config import Config, load_config
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import ts_backend
from ownlint.loaders.terraform.addresses import Shapes
from ownlint.loaders.terraform.budget import MAX_VALUE_CHARACTERS, Budget, OverBudget
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.load import fold_instances
from ownlint.loaders.terraform.values import PartialMap, Unknown
from ownlint.loaders.terraform.variables import locals_of
from ownlint.model import Place, PlaceKind, Resource, TagValue
from ownlint.ownership import operating_msp, party_kind
from ownlint.rules import KNOWN_IDS

PLACE = Place("main.tf", 1, "tags", PlaceKind.ATTRIBUTE)


def _resource(address: str, tags: dict[str, str], stack: str = ".", opaque: tuple[str, ...] = ()) -> Resource:
    return Resource(
        address=address,
        type="aws_sqs_queue",
        name=address.rsplit(".", 1)[-1],
        source="terraform",
        file="main.tf",
        line=1,
        end_line=3,
        stack=stack,
        tags=tuple(TagValue(k, v, (PLACE,)) for k, v in tags.items()),
        opaque=opaque,
    )


def _config(text: str) -> Config:
    return load_config(Path("ownlint.yaml"), KNOWN_IDS, text=text)


# --- ownership: party names lowered once per config ------------------------------------------------


def test_party_names_are_compared_in_the_config_they_belong_to() -> None:
    one = _config("parties:\n  internal: [Payments]\n")
    other = _config("parties:\n  internal: [platform]\n  msp:\n    Payments: {}\n")
    assert [party_kind(one, "payments"), party_kind(other, "payments"), party_kind(one, "platform")] == [
        "internal",
        "msp",
        None,
    ]
    resource = _resource("aws_sqs_queue.q", {"owner": "payments"})
    assert (operating_msp(one, resource), operating_msp(other, resource)) == (None, "Payments")


# --- fold_instances: one instance needs no comparison ----------------------------------------------


def test_a_single_instance_folds_to_one_record_for_all_with_its_distinct_attributes() -> None:
    base = _resource("aws_sqs_queue.q", {"owner": "x"})
    single = replace(base, instances=("aws_sqs_queue.q",), attributes=({"name": "a"},))
    doubled = replace(base, address="aws_sqs_queue.d", instances=("aws_sqs_queue.d",), attributes=({"n": 1}, {"n": 1}))
    folded = fold_instances([single, doubled])
    assert [(r.address, r.instances, r.attributes) for r in folded] == [
        ("aws_sqs_queue.q", (), ({"name": "a"},)),
        ("aws_sqs_queue.d", (), ({"n": 1},)),
    ]
    two = [
        replace(single, instances=(f'aws_sqs_queue.q["{k}"]',), tags=(TagValue("owner", k, (PLACE,)),)) for k in "ab"
    ]
    assert [r.instances for r in fold_instances(two)] == [('aws_sqs_queue.q["a"]',), ('aws_sqs_queue.q["b"]',)]


# --- module instances: tags that differ only through a variable -----------------------------------


def test_instances_of_one_module_whose_tags_differ_through_a_variable_keep_their_own_owner(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "main.tf": 'module "q" {\n  source   = "./queue"\n  for_each = { a = "payments", b = "nobody" }\n'
            "  owner    = each.value\n}\n",
            "queue/main.tf": 'variable "owner" {}\nresource "aws_sqs_queue" "this" {\n'
            "  tags = { owner = var.owner }\n}\n",
            "ownlint.yaml": "parties:\n  internal: [payments]\n",
        },
    )
    run = run_cli("check", str(tmp_path), "--no-cache", "--select", "OWN002", "--format", "json")
    found = [(f["rule"], f["resource"], f["message"]) for f in run.json()["findings"]]
    assert found == [
        (
            "OWN002",
            "module.q.aws_sqs_queue.this",
            "owner 'nobody' of module.q.aws_sqs_queue.this is not a declared party (payments); set at input "
            "owner of module.q (main.tf:4) <- tags of module.q.aws_sqs_queue.this (queue/main.tf:3) "
            '(only in module.q["b"].aws_sqs_queue.this)',
        )
    ]


def test_file_read_by_a_module_reached_through_a_linked_directory_resolves_as_the_system_does(
    tmp_path: Path,
) -> None:
    """The module's directory is not resolved up front: each read resolves its whole path, link included."""
    (tmp_path / ".git").mkdir()
    write_tree(
        tmp_path,
        {
            "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n'
            '  tags = yamldecode(file("${path.module}/../tags.yaml"))\n}\n',
            "modules/tags.yaml": "owner: payments\n",
            "stacks/a/tags.yaml": "owner: wrong\n",
            "stacks/a/main.tf": 'module "q" {\n  source = "./queue"\n}\n',
            "ownlint.yaml": "parties:\n  internal: [payments]\n",
        },
    )
    os.symlink(tmp_path / "modules" / "queue", tmp_path / "stacks" / "a" / "queue")
    run = run_cli("check", str(tmp_path / "stacks" / "a"), "--no-cache", "--select", "OWN002", "--format", "json")
    assert json.loads(run.stdout)["findings"] == []  # "wrong" would be OWN002
    assert run.exit_code == 0
    (tmp_path / "modules" / "tags.yaml").write_text("owner: wrong\n")
    run = run_cli("check", str(tmp_path / "stacks" / "a"), "--no-cache", "--select", "OWN002", "--format", "json")
    assert [f["rule"] for f in json.loads(run.stdout)["findings"]] == ["OWN002"]


# --- what the evaluator's shortcuts count and find -------------------------------------------------


def test_values_handed_out_are_counted_as_weighing_them_counts() -> None:
    budget = Budget()
    for value in ("abc", 7, None, True, Unknown("x"), ["ab", {"c": "de"}], PartialMap({"k": "v"}, ("r",))):
        before = (budget.elements, budget.characters)
        budget.hand_out(value)
        size = Budget().weigh(value)
        assert (budget.elements - before[0], budget.characters - before[1]) == size
    with pytest.raises(OverBudget):
        budget.hand_out("x" * (MAX_VALUE_CHARACTERS + 1))


def test_a_blocks_references_are_those_of_its_links_nested_and_dynamic_blocks_included() -> None:
    parsed = ts_backend.parse(
        'resource "aws_lambda_function" "f" {\n'
        "  role = aws_iam_role.r.arn\n"
        "  vpc_config {\n    subnet_ids = [aws_subnet.a.id, var.x]\n  }\n"
        '  dynamic "environment" {\n    for_each = data.aws_ssm_parameter.p.value\n'
        "    content {\n      variables = module.m.out\n    }\n  }\n"
        "  depends_on = [aws_iam_role.r]\n}\n",
        "main.tf",
    )
    shape = Shapes().of(parsed.blocks[0])
    assert shape.references == ("aws_iam_role.r", "aws_subnet.a", "data.aws_ssm_parameter.p", "module.m")
    assert shape.links == (
        ("role", "aws_iam_role.r"),
        ("depends_on", "aws_iam_role.r"),
        ("vpc_config.subnet_ids", "aws_subnet.a"),
        ("environment.for_each", "data.aws_ssm_parameter.p"),
        ("environment.content.variables", "module.m"),
    )


def test_every_expression_kind_evaluates_through_the_dispatch() -> None:
    parsed = ts_backend.parse(
        'locals {\n  a = "x-${local.n}"\n  n = 1 + 2\n  t = [for k, v in { p = 1 } : "${k}${v}" if v > 0]\n'
        '  c = true ? -local.n : 0\n  o = { (local.a) = upper("q") }\n  s = [{ z = 1 }][*].z\n  u = !false\n}\n',
        "main.tf",
    )
    evaluator = Evaluator({}, locals_of([parsed]))
    assert {name: evaluator.named("local", name) for name in "antcosu"} == {
        "a": "x-3",
        "n": 3,
        "t": ["p1"],
        "c": -3,
        "o": {"x-3": "Q"},
        "s": [1],
        "u": True,
    }
    assert isinstance(evaluator.value(m.Unsupported("a heredoc")), Unknown)


def test_the_dispatch_reaches_a_subclass_s_own_methods() -> None:
    """Terragrunt's evaluator has its own ``_call``: the dispatch by type must not go around it."""

    class Shouting(Evaluator):
        def _call(self, expr: m.Call, env: dict[str, Any]) -> Any:
            return "called" if expr.name == "shout" else super()._call(expr, env)

    parsed = ts_backend.parse('locals {\n  a = [shout(), upper("x")]\n}\n', "main.tf")
    assert Shouting({}, locals_of([parsed])).named("local", "a") == ["called", "X"]
