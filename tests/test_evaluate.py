"""The expression evaluator on inline HCL, and against `terraform console` as an oracle."""

from __future__ import annotations

from typing import Any

import pytest

from ownlint.loaders.terraform import hcl2_backend, ts_backend
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.values import PartialMap, Unknown
from ownlint.model import Place, PlaceKind

HERE = Place("t.tf", 1, "test", PlaceKind.LOCAL, "test")


def evaluate(
    expression: str, variables: dict[str, str | None] | None = None, locals_: dict[str, str] | None = None
) -> Any:
    def binding(text: str | None) -> Binding:
        expr = hcl2_backend.parse_expression(text) if text is not None else None
        return Binding(expr, HERE, "no value")

    evaluator = Evaluator(
        {name: binding(text) for name, text in (variables or {}).items()},
        {name: binding(text) for name, text in (locals_ or {}).items()},
    )
    return evaluator.value(hcl2_backend.parse_expression(expression))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"a-${local.env}"', "a-prod"),
        ('merge({a = "1"}, {b = "2"}, {a = "3"})', {"a": "3", "b": "2"}),
        ('lookup({a = "x"}, "b", "dflt")', "dflt"),
        ('upper(coalesce("", local.env))', "PROD"),
        ('local.env == "prod" ? "p" : "n"', "p"),
        ('{for k, v in {a = "x", b = "y"} : upper(k) => v if v != "y"}', {"A": "x"}),
        ('[for s in ["a", "b"] : "${s}!"]', ["a!", "b!"]),
        ('join("-", concat(["a"], ["b", "c"]))', "a-b-c"),
        ('format("%s-%03d", "x", 7)', "x-007"),
        ('try(local.missing_map.key, "fallback")', "fallback"),
        ("can(local.env)", True),
        ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
        ('jsondecode("{\\"a\\": 1}")["a"]', 1),
        ('tomap({owner = "x"})["owner"]', "x"),
        ('replace("a_b_c", "_", "-")', "a-b-c"),
        ('trimspace("  x ")', "x"),
        ('split(",", "a,b")[1]', "b"),
        ("keys({b = 1, a = 2})", ["a", "b"]),
        ("1 + 2 * 3", 7),
        ("!true || false", False),
        ('[{n = "a"}, {n = "b"}][*].n', ["a", "b"]),
    ],
)
def test_known_values(expression: str, expected: Any) -> None:
    assert evaluate(expression, locals_={"env": '"prod"', "missing_map": "{}"}) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("var.team", "no value"),
        ("var.undeclared", "var.undeclared is not declared in this module"),
        ("aws_iam_role.r.arn", "aws_iam_role.r.arn is known only after apply"),
        ("data.aws_caller_identity.me.account_id", "data.aws_caller_identity.me.account_id is read at plan time"),
        ("each.value", "each.key/each.value differ per for_each instance"),
        ("timestamp()", "function timestamp() is not evaluated by ownlint"),
        ("local.loop", "local.loop refers to itself"),
        ('var.team == "x" ? "a" : "b"', "no value"),
        ('"${var.team}-x"', "no value"),
    ],
)
def test_unknown_values_say_why(expression: str, reason: str) -> None:
    value = evaluate(expression, variables={"team": None}, locals_={"loop": "local.loop"})
    assert isinstance(value, Unknown)
    assert value.reason == reason


def test_merge_with_unknown_part_keeps_known_keys() -> None:
    value = evaluate('merge(var.tags, {owner = "platform"})', variables={"tags": None})
    assert value == PartialMap({"owner": "platform"}, ("no value",))


def test_conditional_with_unknown_condition_but_equal_branches_is_known() -> None:
    assert evaluate('var.x ? "same" : "same"', variables={"x": None}) == "same"


def test_evaluation_errors_become_unknown_not_exceptions() -> None:
    assert isinstance(evaluate('{a = 1}["b"]'), Unknown)
    assert isinstance(evaluate("1 / 0"), Unknown)
    assert isinstance(evaluate("[1][5]"), Unknown)


def test_deep_nesting_is_bounded() -> None:
    value = evaluate("(" * 400 + "1" + ")" * 400)
    assert value == 1 or isinstance(value, Unknown)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('slice(["a", "b", "c"], 1, 3)', ["b", "c"]),
        ('basename("/srv/app/main.tf")', "main.tf"),
        ("max(1, 5, 3)", 5),
        ("one([])", None),
        ('jsonencode({b = "<&>", a = 1})', '{"a":1,"b":"\\u003c\\u0026\\u003e"}'),
        ('"${{a = 1}}"', {"a": 1}),
        ("range(3)", [0, 1, 2]),
        ("range(1, 7, 2)", [1, 3, 5]),
        ("range(5, 1, -2)", [5, 3]),
    ],
)
def test_more_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_huge_range_is_unknown_not_a_hang() -> None:
    value = evaluate("range(100000000)")
    assert isinstance(value, Unknown) and "more than 1024 values" in value.reason


def test_conditional_results_unify_to_string_as_terraform_does() -> None:
    # found by the terraform console oracle: Terraform prints "true" (a string) for this
    assert evaluate('false ? "" : "" == ""') == "true"
    assert evaluate('true ? 1 : "a"') == "1"
    assert evaluate("true ? 1 : 2") == 1


SPLATS = [  # as terraform console gives them (tests/test_oracle.py FIXED holds them too)
    ('[{a = ["p", "q"]}, {a = ["r", "s"]}].*.a[0]', ["p", "q"]),  # .* takes .a only: the first of the list
    ('[{a = ["p", "q"]}, {a = ["r", "s"]}][*].a[0]', ["p", "r"]),  # [*] takes .a[0]: each one's first
    ('[{a = {b = "x"}}, {a = {b = "y"}}].*.a.b', ["x", "y"]),
    ('[{a = ["p"]}, {a = ["r"]}].*.a[1][0]', "r"),
]


@pytest.mark.parametrize("backend", [ts_backend, hcl2_backend], ids=["tree-sitter", "hcl2"])
@pytest.mark.parametrize(("expression", "expected"), SPLATS)
def test_an_attribute_only_splat_applies_its_attributes_to_each_element_and_the_rest_to_the_list(
    backend: Any, expression: str, expected: Any
) -> None:
    """HCL's legacy ``.*`` applies only the attribute steps after it to each element; an index after them
    takes the list they make (``[*]`` applies every step after it to each element). Read from a file by
    each backend (tree-sitter's: from the text where ts_text reads it)."""
    parsed = backend.parse(f"x = {expression}\n", "main.tf")
    assert Evaluator({}, {}).value(parsed.attributes[0].expr) == expected
