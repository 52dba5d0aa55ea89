"""Terraform's collection, number and string functions beyond the first ones (sets, regex, lists, maths).

Sets are sorted lists without duplicates, as ``toset`` builds them; mixed element types are unified to
strings as Terraform does. Each function may raise ``EvalError`` (statically wrong) and is wrapped so
that an unknown argument is the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import product
from typing import Any

from ownlint.loaders.terraform.budget import TOO_MANY_ELEMENTS as TOO_MANY
from ownlint.loaders.terraform.budget import Budget, OverBudget
from ownlint.loaders.terraform.functions.core import Function, as_list, as_number, sized, whole_number
from ownlint.loaders.terraform.strings import bounded_regex, fits
from ownlint.loaders.terraform.values import MAX_COLLECTION, EvalError, nested_unknown, to_text

MAX_PRODUCT = 100_000  # elements setproduct() may build


def _known(function: Callable[..., Any]) -> Function:
    """A function of known values: an unknown part anywhere in the arguments is the result (these walk
    their arguments' elements: the evaluator charges a walk of each)."""
    measured = sized(function)

    def call(args: list[Any], budget: Budget) -> Any:
        for arg in args:
            unknown = nested_unknown(arg)
            if unknown is not None:
                return unknown
        return measured(args, budget)

    return call


def strict(function: Callable[..., Any]) -> Function:
    return _known(lambda _budget, *args: function(*args))


def as_set(items: list[Any]) -> list[Any]:
    """A set of ``items``: sorted, unique; numbers stay numbers, strings beside them become strings."""
    if all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in items):
        return sorted(set(items))
    if all(isinstance(i, bool) for i in items):
        return sorted(set(items))
    if all(isinstance(i, (str, int, float, bool)) for i in items):
        return sorted({to_text(i) for i in items})
    unique: list[Any] = []
    for item in items:
        if item not in unique:
            unique.append(item)
    return unique


def _sets(lists: tuple[Any, ...], what: str) -> list[list[Any]]:
    if not lists:
        raise EvalError(f"{what}() needs at least one set")
    return [as_list(items) for items in lists]


def _intersection(*lists: Any) -> list[Any]:
    sets = _sets(lists, "setintersection")
    unified = as_set([item for items in sets for item in items])
    texts = [{_key(i) for i in items} for items in sets]
    return [item for item in unified if all(_key(item) in found for found in texts)]


def _subtract(first: Any, second: Any) -> list[Any]:
    unified = as_set([*as_list(first), *as_list(second)])
    removed = {_key(i) for i in as_list(second)}
    kept = {_key(i) for i in as_list(first)}
    return [item for item in unified if _key(item) in kept and _key(item) not in removed]


def _union(*lists: Any) -> list[Any]:
    return as_set([item for items in _sets(lists, "setunion") for item in items])


def _key(item: Any) -> str:
    return to_text(item) if isinstance(item, (str, int, float, bool)) else repr(item)


def _product(*lists: Any) -> list[list[Any]]:
    sets = _sets(lists, "setproduct")
    if len(sets) < 2:
        raise EvalError("setproduct() needs at least two arguments")
    if math.prod(len(s) for s in sets) * len(sets) > MAX_PRODUCT:
        raise OverBudget(TOO_MANY)
    return [list(combination) for combination in product(*sets)]


def _booleans(items: Any, what: str) -> list[bool]:
    return [_bool(item, what) for item in as_list(items)]


def _bool(item: Any, what: str) -> bool:
    if item is None:  # null counts as false
        return False
    if isinstance(item, bool):
        return item
    if item in ("true", "false"):
        return bool(item == "true")
    raise EvalError(f"{what}() needs a list of bools")


def _chunks(items: Any, size: Any) -> list[list[Any]]:
    listed, width = as_list(items), int(as_number(size))
    if width < 0:
        raise EvalError("chunklist(): the size must not be negative")
    if width == 0:
        return [listed]
    return [listed[at : at + width] for at in range(0, len(listed), width)]


def _transpose(table: Any) -> dict[str, list[str]]:
    if not isinstance(table, dict):
        raise EvalError("transpose() needs a map of lists of strings")
    found: dict[str, list[str]] = {}
    for key in sorted(table):
        for value in as_list(table[key]):
            found.setdefault(to_text(value), []).append(key)
    return {key: sorted(values) for key, values in sorted(found.items())}


def _sum(items: Any) -> int | float:
    listed = as_list(items)
    if not listed:
        raise EvalError("sum(): cannot sum an empty list")
    return whole_number(math.fsum(as_number(i) for i in listed))


def _signum(value: Any) -> int:
    number = as_number(value)
    if not number.is_integer():
        raise EvalError("signum(): value must be a whole number")
    return (number > 0) - (number < 0)


def _log(value: Any, base: Any) -> int | float:
    return whole_number(math.log(as_number(value)) / math.log(as_number(base)))


def _pow(value: Any, power: Any) -> int | float:
    result = math.pow(as_number(value), as_number(power))
    if math.isinf(result) or abs(result) > 1e308:
        raise EvalError("pow(): result too large")
    return whole_number(result)


def _parseint(text: Any, base: Any) -> int:
    radix = int(as_number(base))
    if not isinstance(text, str) or not 2 <= radix <= 62 or radix > 36:
        raise EvalError("parseint() needs a string and a base from 2 to 36")
    try:
        return int(text, radix) if text.strip() == text and "_" not in text else _fail_parse(text)
    except ValueError:
        raise EvalError(f"parseint(): cannot parse {text!r} as base {radix}") from None


def _fail_parse(text: str) -> int:
    raise EvalError(f"parseint(): cannot parse {text!r}")


def _regex(budget: Budget, pattern: Any, text: Any) -> Any:
    source, subject = to_text(pattern), to_text(text)
    match = bounded_regex(budget, source, subject, "regex").search(subject)
    if match is None:
        raise EvalError("regex(): pattern did not match")
    return _groups(match)


def _regexall(budget: Budget, pattern: Any, text: Any) -> list[Any]:
    source, subject = to_text(pattern), to_text(text)
    compiled = bounded_regex(budget, source, subject, "regexall")
    found = [_groups(match) for match in compiled.finditer(subject)]
    if len(found) > MAX_COLLECTION:
        raise OverBudget(TOO_MANY)
    return found


def _groups(match: Any) -> Any:
    """No groups: the match; named groups: an object; numbered: a list (unmatched ones are null)."""
    if match.re.groupindex:
        return dict(match.groupdict())
    if match.re.groups:
        return list(match.groups())
    return str(match.group(0))


def _formatlist(budget: Budget, spec: Any, *args: Any) -> list[str]:
    from ownlint.loaders.terraform.strings import format_text  # the one format() uses

    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist(): the lists differ in length")
    count = lengths.pop() if lengths else 1
    if count > MAX_COLLECTION:
        raise OverBudget(TOO_MANY)
    rows = [[a[i] if isinstance(a, list) else a for a in args] for i in range(count)]
    made = [format_text(to_text(spec), *row) for row in rows]
    budget.built(elements=len(made))
    return made


def _indent(spaces: Any, text: Any) -> str:
    pad = " " * int(as_number(spaces))
    fits(len(to_text(text)) * (len(pad) + 1))
    return to_text(text).replace("\n", "\n" + pad)


def _chomp(text: Any) -> str:
    return to_text(text).rstrip("\r\n") if to_text(text).endswith(("\n", "\r")) else to_text(text)


def _matchkeys(values: Any, keys: Any, searched: Any) -> list[Any]:
    listed, names = as_list(values), as_list(keys)
    if len(listed) != len(names):
        raise EvalError("matchkeys(): values and keys differ in length")
    wanted = {_key(s) for s in as_list(searched)}
    return [value for value, key in zip(listed, names, strict=True) if _key(key) in wanted]


def _urlencode(text: Any) -> str:
    from urllib.parse import quote_plus

    return quote_plus(to_text(text), safe="-._~")  # as Go's QueryEscape


def _abs(value: Any) -> int | float:
    return whole_number(abs(as_number(value)))


MORE: dict[str, Function] = {
    "setintersection": strict(_intersection),
    "setsubtract": strict(_subtract),
    "setunion": strict(_union),
    "setproduct": strict(_product),
    "alltrue": strict(lambda items: all(_booleans(items, "alltrue"))),
    "anytrue": strict(lambda items: any(_booleans(items, "anytrue"))),
    "chunklist": strict(_chunks),
    "transpose": strict(_transpose),
    "sum": strict(_sum),
    "abs": strict(_abs),
    "ceil": strict(lambda v: math.ceil(as_number(v))),
    "floor": strict(lambda v: math.floor(as_number(v))),
    "signum": strict(_signum),
    "log": strict(_log),
    "pow": strict(_pow),
    "parseint": strict(_parseint),
    "regex": _known(_regex),
    "regexall": _known(_regexall),
    "formatlist": _known(_formatlist),
    "indent": strict(_indent),
    "chomp": strict(_chomp),
    "strrev": strict(lambda s: to_text(s)[::-1]),
    "matchkeys": strict(_matchkeys),
    "urlencode": strict(_urlencode),
    "ephemeralasnull": strict(lambda value: value),
}
