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
from ownlint.loaders.terraform.functions.core import Function, _number, _sized, _to_list, _whole
from ownlint.loaders.terraform.strings import bounded_regex, fits
from ownlint.loaders.terraform.values import MAX_COLLECTION, EvalError, nested_unknown, to_text

MAX_PRODUCT = 100_000  # elements setproduct() may build


def _known(function: Callable[..., Any]) -> Function:
    """A function of known values: an unknown part anywhere in the arguments is the result (these walk
    their arguments' elements: the evaluator charges a walk of each)."""
    measured = _sized(function)

    def call(args: list[Any], budget: Budget) -> Any:
        for arg in args:
            unknown = nested_unknown(arg)
            if unknown is not None:
                return unknown
        return measured(args, budget)

    return call


def _strict(function: Callable[..., Any]) -> Function:
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
    return [_to_list(items) for items in lists]


def _intersection(*lists: Any) -> list[Any]:
    sets = _sets(lists, "setintersection")
    unified = as_set([item for items in sets for item in items])
    texts = [{_key(i) for i in items} for items in sets]
    return [item for item in unified if all(_key(item) in found for found in texts)]


def _subtract(first: Any, second: Any) -> list[Any]:
    unified = as_set([*_to_list(first), *_to_list(second)])
    removed = {_key(i) for i in _to_list(second)}
    kept = {_key(i) for i in _to_list(first)}
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
    return [_bool(item, what) for item in _to_list(items)]


def _bool(item: Any, what: str) -> bool:
    if item is None:  # null counts as false
        return False
    if isinstance(item, bool):
        return item
    if item in ("true", "false"):
        return bool(item == "true")
    raise EvalError(f"{what}() needs a list of bools")


def _chunks(items: Any, size: Any) -> list[list[Any]]:
    listed, width = _to_list(items), int(_number(size))
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
        for value in _to_list(table[key]):
            found.setdefault(to_text(value), []).append(key)
    return {key: sorted(values) for key, values in sorted(found.items())}


def _sum(items: Any) -> int | float:
    listed = _to_list(items)
    if not listed:
        raise EvalError("sum(): cannot sum an empty list")
    return _whole(math.fsum(_number(i) for i in listed))


def _signum(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise EvalError("signum(): value must be a whole number")
    return (number > 0) - (number < 0)


def _log(value: Any, base: Any) -> int | float:
    return _whole(math.log(_number(value)) / math.log(_number(base)))


def _pow(value: Any, power: Any) -> int | float:
    result = math.pow(_number(value), _number(power))
    if math.isinf(result) or abs(result) > 1e308:
        raise EvalError("pow(): result too large")
    return _whole(result)


def _parseint(text: Any, base: Any) -> int:
    radix = int(_number(base))
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
    pad = " " * int(_number(spaces))
    fits(len(to_text(text)) * (len(pad) + 1))
    return to_text(text).replace("\n", "\n" + pad)


def _chomp(text: Any) -> str:
    return to_text(text).rstrip("\r\n") if to_text(text).endswith(("\n", "\r")) else to_text(text)


def _matchkeys(values: Any, keys: Any, searched: Any) -> list[Any]:
    listed, names = _to_list(values), _to_list(keys)
    if len(listed) != len(names):
        raise EvalError("matchkeys(): values and keys differ in length")
    wanted = {_key(s) for s in _to_list(searched)}
    return [value for value, key in zip(listed, names, strict=True) if _key(key) in wanted]


def _urlencode(text: Any) -> str:
    from urllib.parse import quote_plus

    return quote_plus(to_text(text), safe="-._~")  # as Go's QueryEscape


def _abs(value: Any) -> int | float:
    return _whole(abs(_number(value)))


MORE: dict[str, Function] = {
    "setintersection": _strict(_intersection),
    "setsubtract": _strict(_subtract),
    "setunion": _strict(_union),
    "setproduct": _strict(_product),
    "alltrue": _strict(lambda items: all(_booleans(items, "alltrue"))),
    "anytrue": _strict(lambda items: any(_booleans(items, "anytrue"))),
    "chunklist": _strict(_chunks),
    "transpose": _strict(_transpose),
    "sum": _strict(_sum),
    "abs": _strict(_abs),
    "ceil": _strict(lambda v: math.ceil(_number(v))),
    "floor": _strict(lambda v: math.floor(_number(v))),
    "signum": _strict(_signum),
    "log": _strict(_log),
    "pow": _strict(_pow),
    "parseint": _strict(_parseint),
    "regex": _known(_regex),
    "regexall": _known(_regexall),
    "formatlist": _known(_formatlist),
    "indent": _strict(_indent),
    "chomp": _strict(_chomp),
    "strrev": _strict(lambda s: to_text(s)[::-1]),
    "matchkeys": _strict(_matchkeys),
    "urlencode": _strict(_urlencode),
    "ephemeralasnull": _strict(lambda value: value),
}
