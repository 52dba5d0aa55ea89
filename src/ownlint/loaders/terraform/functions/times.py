"""``formatdate``, ``timeadd``, ``timecmp``: pure functions of RFC 3339 timestamps given as arguments
(``timestamp()`` and ``plantimestamp()`` read the clock and stay unknown)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from ownlint.loaders.terraform.functions.core import Function, strict
from ownlint.loaders.terraform.values import EvalError, to_text

_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_VERBS = re.compile(r"'[^']*'|YYYY|YY|MMMM|MMM|MM|M|DD|D|EEEE|EEE|hh|h|HH|H|mm|m|ss|s|AA|aa|ZZZZZ|ZZZZ|ZZZ|Z|.", re.S)


def parse_time(text: Any) -> datetime.datetime:
    match = _RFC3339.fullmatch(to_text(text))
    if match is None:
        raise EvalError(f"not a valid RFC 3339 timestamp: {to_text(text)[:40]!r}")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    zone = match.group(8)
    offset = datetime.timedelta(0)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        offset = sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    try:
        return datetime.datetime(year, month, day, hour, minute, second, micro, datetime.timezone(offset))
    except ValueError as error:
        raise EvalError(f"not a valid RFC 3339 timestamp: {error}") from None


def _show(moment: datetime.datetime) -> str:
    """As Go's RFC 3339 output: ``Z`` for UTC, no fractions of a second."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    offset = moment.utcoffset() or datetime.timedelta(0)
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _duration(text: Any) -> datetime.timedelta:
    source = to_text(text)
    sign, rest = (-1, source[1:]) if source.startswith("-") else (1, source.lstrip("+"))
    if rest == "0":
        return datetime.timedelta(0)
    at, seconds = 0, 0.0
    while at < len(rest):
        match = _DURATION.match(rest, at)
        if match is None or not rest:
            raise EvalError(f"time: invalid duration {source!r}")
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        at = match.end()
    if not rest:
        raise EvalError(f"time: invalid duration {source!r}")
    return datetime.timedelta(seconds=sign * seconds)


def _timeadd(moment: Any, duration: Any) -> str:
    return _show(parse_time(moment) + _duration(duration))


def _timecmp(first: Any, second: Any) -> int:
    a, b = parse_time(first), parse_time(second)
    return (a > b) - (a < b)


def _formatdate(spec: Any, moment: Any) -> str:
    when = parse_time(moment)
    pieces: list[str] = []
    for token in _VERBS.findall(to_text(spec)):
        pieces.append(_piece(token, when))
    return "".join(pieces)


def _piece(token: str, when: datetime.datetime) -> str:
    offset = int((when.utcoffset() or datetime.timedelta(0)).total_seconds()) // 60
    zone = f"{'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
    hour12 = when.hour % 12 or 12
    table = {
        "YYYY": f"{when.year:04d}",
        "YY": f"{when.year % 100:02d}",
        "MMMM": when.strftime("%B"),
        "MMM": when.strftime("%b"),
        "MM": f"{when.month:02d}",
        "M": str(when.month),
        "DD": f"{when.day:02d}",
        "D": str(when.day),
        "EEEE": when.strftime("%A"),
        "EEE": when.strftime("%a"),
        "hh": f"{when.hour:02d}",
        "h": str(when.hour),
        "HH": f"{hour12:02d}",
        "H": str(hour12),
        "mm": f"{when.minute:02d}",
        "m": str(when.minute),
        "ss": f"{when.second:02d}",
        "s": str(when.second),
        "AA": "PM" if when.hour >= 12 else "AM",
        "aa": "pm" if when.hour >= 12 else "am",
        "ZZZZZ": "Z" if offset == 0 else f"{zone[:3]}:{zone[3:]}",
        "ZZZZ": zone,
        "ZZZ": "UTC" if offset == 0 else zone,
        "Z": "Z" if offset == 0 else f"{zone[:3]}:{zone[3:]}",
    }
    if token.startswith("'"):
        return token[1:-1] if len(token) > 2 else "'"
    if token in table:
        return table[token]
    if token.isalpha():
        raise EvalError(f"formatdate(): invalid date format verb {token!r}")
    return token


TIMES: dict[str, Function] = {
    "formatdate": strict(_formatdate),
    "timeadd": strict(_timeadd),
    "timecmp": strict(_timecmp),
}
