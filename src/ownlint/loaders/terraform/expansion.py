"""``for_each`` and ``count``: the instances of a block, each with its ``each``/``count`` scope, or one
instance with them unknown (and why) when they cannot be known or are too many to expand."""

from __future__ import annotations

import math
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.functions.core import as_number
from ownlint.loaders.terraform.values import EvalError, PartialMap, Unknown

MAX_INSTANCES = 1000


def instances_of(block: m.Block, evaluator: Evaluator, address: str) -> list[tuple[str, dict[str, Any]]]:
    """Instances of a block as (address suffix, ``each``/``count`` scope); ``[]`` when none is created."""
    count = block.attribute("count")
    if count is not None:
        value = _number(evaluator.value(count.expr))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            reason = value.reason if isinstance(value, Unknown) else "count is not a number"
            return [("", {"count": Unknown(f"count of {address} is unknown: {reason}")})]
        if value > MAX_INSTANCES:
            return [("", {"count": Unknown(f"count of {address} is {int(value)}: too many instances to expand")})]
        return [(f"[{i}]", {"count": {"index": i}}) for i in range(max(int(value), 0))]
    for_each = block.attribute("for_each")
    if for_each is None:
        return [("", {})]
    value = evaluator.value(for_each.expr)
    pairs: list[tuple[str, Any]] | None = None
    if isinstance(value, dict):
        pairs = sorted(value.items())
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        pairs = [(v, v) for v in sorted(set(value))]
    if pairs is None:
        reason = value.reason if isinstance(value, Unknown) else "for_each is not a known map or set of strings"
        if isinstance(value, PartialMap):
            reason = value.reasons[0]
        return [("", {"each": Unknown(f"for_each of {address} is unknown: {reason}")})]
    if len(pairs) > MAX_INSTANCES:
        return [("", {"each": Unknown(f"for_each of {address} has {len(pairs)} instances: too many to expand")})]
    return [(f'["{k}"]', {"each": {"key": k, "value": v}}) for k, v in pairs]


def unexpanded(block: m.Block, address: str, reason: str) -> list[tuple[str, dict[str, Any]]]:
    """One instance standing for all, with ``each``/``count`` unknown because of ``reason``."""
    name = "count" if block.attribute("count") is not None else "each"
    return [("", {name: Unknown(f"{'count' if name == 'count' else 'for_each'} of {address} not expanded: {reason}")})]


def _number(value: Any) -> Any:
    """``count`` as Terraform converts it: a string that spells a number is that number ("0", "2")."""
    if not isinstance(value, str):
        return value
    try:
        number = as_number(value)
    except EvalError:
        return value
    if not math.isfinite(number):  # "nan", "inf": no number of instances
        return value
    return int(number) if number.is_integer() else number
