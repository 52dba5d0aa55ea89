"""Terraform built-in functions that ownership values are commonly built with (the first ones ownlint had).

Each takes evaluated arguments and the root module's budget. ``merge`` understands partially known
maps; the others return the first unknown argument unchanged, so the reason travels to the finding.
``try``, ``can`` and ``coalesce``-like laziness live in the evaluator, which needs the unevaluated
arguments. The evaluator counts every function's work and result; the few that could build far more
than they are given measure it first (``strings``, ``concat``).
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections.abc import Callable
from typing import Any

from ownlint.loaders.files import without_lone_surrogates
from ownlint.loaders.terraform.budget import NOTHING, Budget
from ownlint.loaders.terraform.strings import format_text, join_texts, replace_text, split_text
from ownlint.loaders.terraform.values import (
    MAX_COLLECTION,
    EvalError,
    PartialMap,
    Unknown,
    first_unknown,
    nested_unknown,
    overridden,
    to_text,
)

Function = Callable[[list[Any], Budget], Any]
# Functions that return a part of their arguments without going through them, and functions that
# walk their arguments to the leaves (the evaluator charges a walk of each; the rest, one pass).
FREE = frozenset({"lookup", "element", "length", "one", "coalesce", "coalescelist", "tolist"})
DEEP = frozenset({"jsonencode", "flatten", "contains", "index"})
_STATICALLY_WRONG = (TypeError, ValueError, LookupError, AttributeError, ArithmeticError, re.error)


def _json_encode(value: Any) -> Any:
    """As Terraform (Go's encoding/json): keys sorted, no spaces, HTML characters escaped, UTF-8 kept.
    Unknown if any part is."""
    unknown = nested_unknown(value)
    if unknown is not None:
        return unknown
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _merge(args: list[Any], _budget: Budget) -> Any:
    known: dict[str, Any] = {}
    reasons: list[str] = []
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, (Unknown, PartialMap)):  # the keys merged so far may be overridden by its unknown part
            more = (arg.reason,) if isinstance(arg, Unknown) else arg.reasons
            known = {key: overridden(value, more[0]) for key, value in known.items()}
            known.update(arg.known if isinstance(arg, PartialMap) else {})
            reasons.extend(more)
        elif isinstance(arg, dict):
            known.update(arg)
        else:
            raise EvalError("merge() arguments must be maps or objects")
    return PartialMap(known, tuple(reasons)) if reasons else known


def _lookup(args: list[Any], _budget: Budget) -> Any:
    if len(args) not in (2, 3):
        raise EvalError("lookup() takes 2 or 3 arguments")
    table, key = args[0], args[1]
    if isinstance(key, Unknown):
        # an unknown key in a known empty map can only find the default
        return args[2] if table == {} and len(args) == 3 else key
    key = to_text(key)  # the key parameter is a string: a number or bool converts, a collection is an error
    if isinstance(table, PartialMap):
        if key in table.known:
            return table.known[key]
        return Unknown(table.reasons[0])
    if isinstance(table, Unknown):
        return table
    if not isinstance(table, dict):
        raise EvalError("lookup() needs a map")
    if key in table:
        return table[key]
    if len(args) == 3:
        return args[2]
    raise EvalError(f"lookup(): no key {key!r} and no default")


def strict(function: Callable[..., Any]) -> Function:
    """Wrap a function of known values so any unknown argument short-circuits."""
    return sized(lambda _budget, *args: function(*args))


def sized(function: Callable[..., Any]) -> Function:
    """As ``strict``, for a function that is given the budget first, to measure what it builds."""

    def call(args: list[Any], budget: Budget) -> Any:
        unknown = first_unknown(args)
        if unknown is not None:
            return unknown
        try:
            return function(budget, *args)
        except EvalError:
            raise
        except _STATICALLY_WRONG as error:
            raise EvalError(str(error)) from None

    return call


def _concat(*lists: Any) -> list[Any]:
    result: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise EvalError("concat() arguments must be lists")
        result.extend(item)
    return result


def _measured_concat(budget: Budget, *lists: Any) -> list[Any]:
    """``concat``: the size of the result is the sum of the lists', known before they are joined."""
    size = NOTHING
    for items in lists:
        if not isinstance(items, list):
            raise EvalError("concat() arguments must be lists")
        size = budget.weigh(items, size)
    return _concat(*lists)


def _join(separator: Any, *lists: Any) -> Any:
    items = _concat(*lists)
    unknown = first_unknown(items)
    return unknown if unknown is not None else join_texts(separator, items)


def _coalesce(*values: Any) -> Any:
    """The first argument neither null nor empty, converted to the one type of all (a string beside a
    number or bool makes every one a string, as Terraform unifies them)."""
    present = [v for v in values if v is not None]
    if any(isinstance(v, str) for v in present) and all(isinstance(v, (str, int, float)) for v in present):
        present = [to_text(v) for v in present]
    for value in present:
        if value != "":
            return value
    raise EvalError("coalesce(): no non-null, non-empty argument")


def _title(text: str) -> str:
    """Each word's first letter upper-cased, the rest kept (Python's ``title`` lower-cases it)."""
    return re.sub(r"(?<!\w)\w", lambda match: match.group(0).upper(), text)


def _element(items: Any, index: Any) -> Any:
    listed = as_list(items)
    position = int(as_number(index))
    if not listed:
        raise EvalError("element(): cannot use element() with an empty list")
    remainder = int(math.fmod(position, len(listed)))  # Go's remainder: a negative one is an error there
    if remainder < 0:
        raise EvalError("element(): the index must not be negative")
    return listed[remainder]


def _zipmap(keys: list[Any], values: list[Any]) -> dict[str, Any]:
    if len(keys) != len(values):
        raise EvalError("zipmap(): lists differ in length")
    return {to_text(k): v for k, v in zip(keys, values, strict=True)}


def as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        raise EvalError("cannot convert a map to a list")
    raise EvalError("expected a list or set")


def _to_set(value: Any) -> list[Any]:
    return sorted(set(map(to_text, as_list(value)))) if value else []


def _json_decode(text: str) -> Any:
    if len(text) > MAX_COLLECTION * 10:
        raise EvalError("jsondecode(): input too large")
    return without_lone_surrogates(text, json.loads(text))  # as Terraform (Go) decodes them: U+FFFD


def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise EvalError("length() needs a string, list or map")


def _flatten(value: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in value:
        result.extend(_flatten(item) if isinstance(item, list) else [item])
    return result


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise EvalError("tobool() needs true or false")


def _index(value: Any, items: list[Any]) -> int:
    position = int(as_number(value))
    if not 0 <= position <= len(items):
        raise EvalError(f"slice(): index {position} out of range")
    return position


def as_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise EvalError("expected a number")
    try:
        return float(value)
    except ValueError:
        raise EvalError(f"not a number: {value!r}") from None


MAX_RANGE = 1024  # Terraform's own limit on range()


def _range(*args: Any) -> list[int | float]:
    if not 1 <= len(args) <= 3:
        raise EvalError("range() takes 1 to 3 arguments")
    numbers = [as_number(a) for a in args]
    start, limit, step = (0.0, numbers[0], 1.0) if len(numbers) == 1 else (numbers[0], numbers[1], 1.0)
    if len(numbers) == 3:
        step = numbers[2]
    if step == 0 or (limit - start) * step < 0:
        return [] if step != 0 else _fail("range(): step must not be zero")
    count = int(-(-(limit - start) // step))
    if count > MAX_RANGE:
        raise EvalError(f"range() would make more than {MAX_RANGE} values")
    return [whole_number(start + i * step) for i in range(count)]


def whole_number(number: float) -> int | float:
    return int(number) if number.is_integer() else number


def _one(items: Any) -> Any:
    listed = as_list(items)
    if len(listed) > 1:
        raise EvalError("one(): more than one element")
    return listed[0] if listed else None


CORE: dict[str, Function] = {
    "merge": _merge,
    "lookup": _lookup,
    "concat": sized(_measured_concat),
    "tomap": strict(lambda v: dict(v) if isinstance(v, dict) else _fail("tomap() needs a map")),
    "tolist": strict(as_list),
    "toset": strict(_to_set),
    "tostring": strict(lambda v: None if v is None else to_text(v)),
    "coalesce": strict(_coalesce),
    "coalescelist": strict(lambda *ls: next((x for x in ls if x), [])),
    "format": strict(format_text),
    "lower": strict(lambda s: to_text(s).lower()),
    "upper": strict(lambda s: to_text(s).upper()),
    "title": strict(lambda s: _title(to_text(s))),
    "join": strict(_join),
    "split": strict(split_text),
    "replace": sized(replace_text),
    "trimspace": strict(lambda s: to_text(s).strip()),
    "trim": strict(lambda s, chars: to_text(s).strip(to_text(chars))),
    "trimprefix": strict(lambda s, p: to_text(s).removeprefix(to_text(p))),
    "trimsuffix": strict(lambda s, p: to_text(s).removesuffix(to_text(p))),
    "substr": strict(lambda s, o, n: to_text(s)[int(o) : None if int(n) < 0 else int(o) + int(n)]),
    "jsonencode": strict(_json_encode),
    "jsondecode": strict(_json_decode),
    "zipmap": strict(_zipmap),
    "keys": strict(lambda v: sorted(v) if isinstance(v, dict) else _fail("keys() needs a map")),
    "values": strict(lambda v: [v[k] for k in sorted(v)] if isinstance(v, dict) else _fail("values()")),
    "length": strict(_length),
    "contains": strict(lambda ls, v: v in as_list(ls)),
    "element": strict(_element),
    "flatten": strict(_flatten),
    "distinct": strict(lambda ls: list(dict.fromkeys(as_list(ls)))),
    "compact": strict(lambda ls: [x for x in as_list(ls) if x not in (None, "")]),
    "tonumber": strict(lambda v: v if isinstance(v, (int, float)) else float(v)),
    "tobool": strict(_to_bool),
    "slice": strict(lambda ls, a, b: as_list(ls)[_index(a, ls) : _index(b, ls)]),
    "basename": strict(lambda p: posixpath.basename(to_text(p))),
    "dirname": strict(lambda p: posixpath.dirname(to_text(p))),
    "startswith": strict(lambda s, p: to_text(s).startswith(to_text(p))),
    "endswith": strict(lambda s, p: to_text(s).endswith(to_text(p))),
    "strcontains": strict(lambda s, p: to_text(p) in to_text(s)),
    "reverse": strict(lambda ls: list(reversed(as_list(ls)))),
    "sort": strict(lambda ls: sorted(to_text(x) for x in as_list(ls))),
    "index": strict(lambda ls, v: as_list(ls).index(v) if v in as_list(ls) else _fail("index(): not found")),
    "one": strict(_one),
    "max": strict(lambda *ns: whole_number(max(as_number(n) for n in ns))),
    "min": strict(lambda *ns: whole_number(min(as_number(n) for n in ns))),
    "sensitive": strict(lambda v: v),
    "nonsensitive": strict(lambda v: v),
    "range": strict(_range),
    "setunion": strict(lambda *ls: sorted({to_text(x) for items in ls for x in as_list(items)})),
}


def _fail(message: str) -> Any:
    raise EvalError(message)
