"""Terraform's ``yamldecode`` and ``yamlencode``: YAML as go-yaml reads and writes it. Apart from the other encoding
functions so that the YAML parser is imported only by a run that calls one (~8 ms of a pre-commit check that
evaluates a root module, with the JSON syntax's reader: issue 20)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import yaml

from ownlint.loaders.nesting import too_deep
from ownlint.loaders.terraform.budget import MAX_VALUE_ELEMENTS, TOO_MANY_ELEMENTS, OverBudget
from ownlint.loaders.terraform.values import MAX_COLLECTION, EvalError, to_text

try:  # libyaml's parser: it asks the Python resolver and constructors below (pure Python: 5x the time)
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):
    """YAML 1.1 as go-yaml reads it: ``y``/``n`` are bools too, ``010`` is decimal, times are text."""


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _first in "yYnN":
    _Loader.yaml_implicit_resolvers[_first] = [
        (tag, pattern)
        for tag, pattern in _Loader.yaml_implicit_resolvers.get(_first, [])
        if tag != "tag:yaml.org,2002:bool"
    ]
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"),
        list(_first),
    )
_BOOLS = {"y": True, "yes": True, "true": True, "on": True, "n": False, "no": False, "false": False, "off": False}
_Loader.add_constructor("tag:yaml.org,2002:bool", lambda loader, node: _BOOLS[str(node.value).lower()])


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = str(node.value).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits.startswith(("0x", "0X")):
        return sign * int(digits[2:], 16)
    if digits.startswith(("0b", "0B")):
        return sign * int(digits[2:], 2)
    if digits.startswith(("0o", "0O")):
        return sign * int(digits[2:], 8)
    return sign * int(digits)


def _time(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    value = yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    text = value.isoformat()
    return text.replace("+00:00", "Z")


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _time)


# Documents decoded, by their text: every module instance decodes the same files again (a tenth of a cold
# check of cloud-foundation-fabric); each call gets its own copy. Bounded in entries and in text kept.
_DECODED: dict[str, Any] = {}
MAX_DECODED, MAX_DECODED_TEXT = 64, 1 << 20  # characters of text


def yamldecode(text: Any) -> Any:
    source = to_text(text)
    if source in _DECODED:
        return _Copy().of(_DECODED[source])
    if len(source) > MAX_COLLECTION * 10:
        raise EvalError("yamldecode(): input too large")
    if too_deep(source) is not None:
        raise EvalError("yamldecode(): nested too deeply")
    try:
        documents = list(yaml.load_all(source, Loader=_Loader))
    except yaml.YAMLError as error:
        raise EvalError(f"yamldecode(): {str(error).splitlines()[0]}") from None
    if len(documents) != 1:
        raise EvalError("yamldecode(): exactly one YAML document is needed")
    copy = _Copy()
    value = copy.of(documents[0])
    if copy.plain and len(source) <= MAX_DECODED_TEXT:  # a copy of it shares no container
        while _DECODED and (len(_DECODED) >= MAX_DECODED or sum(map(len, _DECODED)) + len(source) > MAX_DECODED_TEXT):
            del _DECODED[next(iter(_DECODED))]  # the oldest
        _DECODED[source] = documents[0]
    return value


class _Copy:
    """A decoded document copied (its maps and lists new), every map key as text. Aliases repeat a part
    wherever they stand, so a short text can expand without end: past one value's elements, the copy stops
    (as weighing the value would stop it). ``plain``: only maps, lists and scalars were met (no ``!!set``,
    ``!!omap`` or ``!!pairs``, whose parts a copy shares)."""

    def __init__(self) -> None:
        self.room = MAX_VALUE_ELEMENTS
        self.plain = True

    def of(self, value: Any) -> Any:
        if isinstance(value, dict):
            self._take(len(value))
            return {to_text(k) if k is not None else "null": self.of(v) for k, v in value.items()}
        if isinstance(value, list):
            self._take(len(value))
            return [self.of(v) for v in value]
        if not (value is None or isinstance(value, (str, int, float, bytes))):
            self.plain = False
        return value

    def _take(self, elements: int) -> None:
        self.room -= elements
        if self.room < 0:
            raise OverBudget(TOO_MANY_ELEMENTS)


class _Dumper(yaml.SafeDumper):
    """As go-yaml writes Terraform's values: every string double-quoted, multi-line ones as literal blocks."""


def _string(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _string)


def yamlencode(value: Any) -> str:
    if value is None:
        return "null\n...\n"
    if value in ([], {}):
        return "[]\n" if value == [] else "{}\n"
    text = yaml.dump(value, Dumper=_Dumper, sort_keys=True, allow_unicode=True, default_flow_style=False, width=1 << 30)
    return str(text)
