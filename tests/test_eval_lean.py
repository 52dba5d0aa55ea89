"""Evaluation spends nothing on what no relation reads, and little per value (issue 20), with the same values,
limits and problems as before."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import ownlint
from ownlint.loaders.terraform import budget as budget_module
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform import ts_backend
from ownlint.loaders.terraform.attributes import UNREAD, block_values
from ownlint.loaders.terraform.budget import MAX_STEPS, MAX_VALUE_CHARACTERS, Budget
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.values import Unknown
from ownlint.model import LINES

_RESOURCE = """resource "aws_s3_bucket" "b" {
  bucket   = "logs"
  tags     = { owner = "team-a" }
  tags_all = { owner = "team-a" }
  lifecycle_rule {
    tags = { kept = "yes" }
  }
}
"""


def test_a_resource_s_own_tags_are_not_evaluated_as_graph_attributes(monkeypatch: pytest.MonkeyPatch) -> None:
    block = ts_backend.parse(_RESOURCE, "main.tf").blocks[0]
    evaluated: list[m.Expr] = []
    symbolic = Evaluator.symbolic_value

    def counted(self: Evaluator, expr: m.Expr, env: Any = None) -> Any:
        evaluated.append(expr)
        return symbolic(self, expr, env)

    monkeypatch.setattr(Evaluator, "symbolic_value", counted)
    values = block_values(block, Evaluator({}, {}), {})
    assert "tags" not in values and "tags_all" not in values
    assert values[LINES] == {"bucket": 2, "tags": 3, "tags_all": 4}  # their lines stay: a place may name them
    assert values["bucket"] == "logs"
    assert values["lifecycle_rule"][0]["tags"] == {"kept": "yes"}  # a nested block's own are kept
    assert len(evaluated) == 2  # bucket, and the nested block's tags


def test_no_relation_or_rule_reads_a_resource_s_own_tags_from_its_attributes() -> None:
    """Effective tags come from the loader's tracing; a relation that read ``tags`` from the graph
    attributes would find them missing (``UNREAD``)."""
    package = Path(ownlint.__file__).parent
    for directory in ("graph", "rules", "fixes", "pipeline", "report", "audit"):
        for path in (package / directory).rglob("*.py"):
            text = path.read_text()
            for name in UNREAD:
                assert not re.search(rf"get\(\s*[\"']{name}[\"']|\[[\"']{name}[\"']\]", text) or (
                    path.name == "places.py" and "call.attributes" in text  # a module call's, never evaluated
                ), f"{path} reads {name!r} from attributes"


@pytest.mark.parametrize(
    "expr",
    [m.Lit("abc"), m.Lit(7), m.Lit(None), m.Lit(True), m.Lit(1.5)],
)
def test_a_literal_value_counts_as_before(expr: m.Lit) -> None:
    """The literal's shortcut: one step and the value handed out, as the general path counts them."""
    fast, general = Evaluator({}, {}), Evaluator({}, {})
    assert fast.value(expr) == expr.value
    assert general.value(m.Template((expr,))) == expr.value  # "${lit}": its value, one step more
    assert (fast.budget.steps + 1, fast.budget.characters, fast.budget.elements) == (
        general.budget.steps,
        general.budget.characters,
        general.budget.elements,
    )


def test_a_literal_past_the_budget_is_unknown_as_before() -> None:
    evaluator = Evaluator({}, {})
    evaluator.budget.steps = MAX_STEPS
    evaluator.budget._next_check = MAX_STEPS  # the next step looks at the limits
    found = evaluator.value(m.Lit("x"))
    assert isinstance(found, Unknown) and "evaluation steps" in found.reason
    assert evaluator.value(m.Lit("y")) == "y"  # once spent, a literal still costs nothing
    too_long = Evaluator({}, {}).value(m.Lit("x" * (MAX_VALUE_CHARACTERS + 1)))
    assert isinstance(too_long, Unknown) and "characters" in too_long.reason


def test_a_literal_value_reads_no_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluating a literal takes no time worth counting: most values handed out (tags, names) are literals."""
    reads: list[float] = []
    clock = budget_module.time.monotonic

    def counted() -> float:
        reads.append(0.0)
        return clock()

    monkeypatch.setattr(budget_module.time, "monotonic", counted)
    evaluator = Evaluator({}, {})
    for _ in range(100):
        evaluator.value(m.Lit("a"))
    assert reads == []
    evaluator.value(m.TupleExpr((m.Lit(1),)))
    assert len(reads) == 2  # any other expression: its evaluation is timed, as before


def test_the_backstop_still_stops_a_slow_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Time is counted while values are evaluated, and the limit is looked at with the step limits."""
    now = [0.0]
    monkeypatch.setattr(budget_module.time, "monotonic", lambda: now[0])
    budget = Budget()
    budget.start()
    now[0] += budget_module.BACKSTOP_SECONDS + 1
    with pytest.raises(budget_module.OverBudget, match="seconds of evaluation"):
        budget.step(budget_module.CLOCK_EVERY)
