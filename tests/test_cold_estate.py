"""Issue 20, a cold run's cost: shortcuts that must give exactly what the general way gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import ts_backend
from ownlint.loaders.terraform.attributes import plain
from ownlint.loaders.terraform.budget import Budget, OverBudget
from ownlint.loaders.terraform.directories import ModuleLoader, ModuleSource, Opaque
from ownlint.loaders.terraform.evaluate import MAX_DEPTH, Evaluator
from ownlint.loaders.terraform.values import PartialMap, Unknown, to_text


class _Text(str):
    """A str subclass: the exact-type shortcuts must fall back to the general way for it."""


class _Number(int):
    pass


def test_a_heredoc_interpolation_met_again_is_parsed_once() -> None:
    ts_backend.parse_expression.cache_clear()
    text = "locals {\n  a = <<EOT\n${var.name}-x\nEOT\n  b = <<EOT\n${var.name}-y\nEOT\n}\n"
    parsed = ts_backend.parse(text, "main.tf")
    a, b = (attribute.expr for attribute in parsed.blocks[0].attributes)
    assert isinstance(a, m.Template) and isinstance(b, m.Template)
    assert a.parts[0] is b.parts[0]  # one model for the one text
    assert a.parts[0] == m.Traversal(m.Name("var"), (m.AttrStep("name"),))
    assert ts_backend.parse_expression.cache_info().hits >= 1


def test_an_unparsable_interpolation_is_unsupported_each_time() -> None:
    first = ts_backend.parse_expression("1 +")
    assert isinstance(first, m.Unsupported)
    assert ts_backend.parse_expression("1 +") == first


def test_weighing_by_exact_type_counts_as_the_general_walk() -> None:
    value = ["ab", _Text("cde"), 1, _Number(2), True, None, 1.5, {"k": _Text("vv")}, PartialMap({"p": "q"}, ("r",))]
    size = Budget().weigh(value)
    assert size == (9 + 1 + 1, 2 + 3 + 1 + 2 + 1 + 1)
    assert Budget().weigh(_Text("abc")) == (0, 3)
    assert Budget().weigh(PartialMap({"ab": ["c"]}, ())) == (2, 3)


def test_a_value_too_deep_is_over_budget_as_before() -> None:
    value: Any = "x"
    for _ in range(70):
        value = [value]
    with pytest.raises(OverBudget, match="nested more than"):
        Budget().weigh(value)


def test_plain_and_to_text_give_subclasses_what_they_gave() -> None:
    assert plain(_Text("a")) == "a" and plain(True) is True and plain(None) is None
    assert plain({"a": [Unknown("r"), _Number(3)]}) == {"a": [None, 3]}
    assert to_text(_Text("x")) == "x" and to_text(True) == "true" and to_text(2.0) == "2"


def test_deep_nesting_still_stops_at_the_evaluators_depth() -> None:
    expr: m.Expr = m.Lit(1)
    for _ in range(MAX_DEPTH + 5):
        expr = m.UnaryOp("-", expr)
    assert Evaluator({}, {}).value(expr) == Unknown("evaluation error: expression nests too deeply")
    shallow: m.Expr = m.Lit(1)
    for _ in range(MAX_DEPTH - 6):  # an even count: minus minus one is one
        shallow = m.UnaryOp("-", shallow)
    assert Evaluator({}, {}).value(shallow) == 1


def test_module_sources_inside_and_outside_the_repository(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    (repository / "root").mkdir(parents=True)
    (repository / "mod").mkdir()
    (repository / "mod" / "main.tf").write_text('variable "x" {}\n')
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text('variable "x" {}\n')
    (tmp_path / "repo2").mkdir()  # a sibling whose name starts with the repository's
    (tmp_path / "repo2" / "main.tf").write_text('variable "x" {}\n')
    loader = ModuleLoader(repository, ts_backend.parse, repository.resolve())
    caller = ModuleSource("root", (repository / "root").resolve(), ())
    resolve = loader.resolver_for((repository / "root").resolve(), set())
    assert isinstance(resolve(caller, "../mod", "m", "main.tf", 1), ModuleSource)
    assert isinstance(resolve(caller, "../../outside", "m", "main.tf", 1), Opaque)
    assert isinstance(resolve(caller, "../../repo2", "m", "main.tf", 1), Opaque)
    assert not isinstance(resolve(caller, "..", "m", "main.tf", 1), Opaque)  # the repository itself


class _Something:
    """No model class (none derives from one: tests/test_cold_speed.py): evaluated as unsupported."""

    what = "something"


def test_an_expression_of_no_model_class_is_unsupported() -> None:
    evaluator = Evaluator({}, {})
    assert evaluator.value(_Something()) == Unknown("something is not evaluated")  # type: ignore[arg-type]
    assert evaluator.value(_Something()) == Unknown("something is not evaluated")  # type: ignore[arg-type]
