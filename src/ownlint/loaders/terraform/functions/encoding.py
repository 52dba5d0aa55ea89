"""Terraform's encoding, hashing, YAML/CSV and network functions: pure, offline, bounded by the size of
what they are given (a YAML text is checked for nesting depth before it is parsed)."""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import io
import ipaddress
import re
import uuid
from typing import Any

import yaml

from ownlint.loaders.nesting import too_deep
from ownlint.loaders.terraform.budget import MAX_VALUE_ELEMENTS, TOO_MANY_ELEMENTS, OverBudget
from ownlint.loaders.terraform.functions.core import Function, as_number, strict
from ownlint.loaders.terraform.values import MAX_COLLECTION, EvalError, to_text

_NAMESPACES = {
    "dns": uuid.NAMESPACE_DNS,
    "url": uuid.NAMESPACE_URL,
    "oid": uuid.NAMESPACE_OID,
    "x500": uuid.NAMESPACE_X500,
}
_ENCODINGS = {"UTF-8": "utf-8", "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be", "ISO-8859-1": "latin-1"}


def _b64decode(text: Any) -> str:
    try:
        raw = base64.b64decode(to_text(text), validate=True)
    except ValueError:
        raise EvalError(f"base64decode(): not base64: {to_text(text)[:40]!r}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalError("base64decode(): the result is not valid UTF-8") from None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _digest(name: str) -> Function:
    return strict(lambda text: hashlib.new(name, to_text(text).encode()).hexdigest())


def _b64digest(name: str) -> Function:
    return strict(lambda text: _b64(hashlib.new(name, to_text(text).encode()).digest()))


def _uuidv5(namespace: Any, name: Any) -> str:
    space = _NAMESPACES.get(to_text(namespace))
    if space is None:
        try:
            space = uuid.UUID(to_text(namespace))
        except ValueError:
            raise EvalError(f"uuidv5(): namespace {to_text(namespace)!r} is not supported") from None
    return str(uuid.uuid5(space, to_text(name)))


def _text_encode(text: Any, encoding: Any) -> str:
    codec = _ENCODINGS.get(to_text(encoding))
    if codec is None:
        raise EvalError(f"textencodebase64(): encoding {to_text(encoding)!r} is not supported by ownlint")
    return _b64(to_text(text).encode(codec))


def _text_decode(text: Any, encoding: Any) -> str:
    codec = _ENCODINGS.get(to_text(encoding))
    if codec is None:
        raise EvalError(f"textdecodebase64(): encoding {to_text(encoding)!r} is not supported by ownlint")
    return base64.b64decode(to_text(text), validate=True).decode(codec)


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


def _yamldecode(text: Any) -> Any:
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


def _yamlencode(value: Any) -> str:
    if value is None:
        return "null\n...\n"
    if value in ([], {}):
        return "[]\n" if value == [] else "{}\n"
    text = yaml.dump(value, Dumper=_Dumper, sort_keys=True, allow_unicode=True, default_flow_style=False, width=1 << 30)
    return str(text)


def _csvdecode(text: Any) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(to_text(text))))
    if not rows:
        raise EvalError("csvdecode(): missing header line")
    header, found = rows[0], []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise EvalError(f"csvdecode(): wrong number of fields on line {number}")
        found.append(dict(zip(header, row, strict=True)))
    return found


def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(to_text(prefix), strict=False)
    except ValueError:
        raise EvalError(f"invalid CIDR prefix {to_text(prefix)!r}") from None


def _cidrhost(prefix: Any, number: Any) -> str:
    network, host = _network(prefix), int(as_number(number))
    size = network.num_addresses
    if not -size <= host < size:
        raise EvalError(f"cidrhost(): prefix of {network.prefixlen} does not accommodate a host numbered {host}")
    return str(network.network_address + (host % size))


def _cidrnetmask(prefix: Any) -> str:
    network = _network(prefix)
    if network.version != 4:
        raise EvalError("cidrnetmask(): IPv6 addresses cannot have a netmask")
    return str(network.netmask)


def _cidrsubnet(prefix: Any, newbits: Any, number: Any) -> str:
    network, bits, index = _network(prefix), int(as_number(newbits)), int(as_number(number))
    length = network.prefixlen + bits
    if bits < 0 or length > network.max_prefixlen:
        raise EvalError(f"cidrsubnet(): insufficient address space to extend prefix by {bits}")
    if not 0 <= index < (1 << bits):
        raise EvalError(f"cidrsubnet(): prefix extension of {bits} does not accommodate a subnet numbered {index}")
    start = network.network_address + (index << (network.max_prefixlen - length))
    return f"{start}/{length}"


def _cidrsubnets(prefix: Any, *newbits: Any) -> list[str]:
    network = _network(prefix)
    found: list[str] = []
    at = int(network.network_address)
    end = at + network.num_addresses
    for bits in (int(as_number(b)) for b in newbits):
        length = network.prefixlen + bits
        if bits < 1 or length > network.max_prefixlen:
            raise EvalError(f"cidrsubnets(): invalid newbits {bits}")
        step = 1 << (network.max_prefixlen - length)
        at = -(-at // step) * step  # aligned to the subnet's size
        if at + step > end:
            raise EvalError("cidrsubnets(): not enough remaining address space")
        found.append(f"{ipaddress.ip_address(at) if network.version == 4 else ipaddress.IPv6Address(at)}/{length}")
        at += step
    return found


ENCODING: dict[str, Function] = {
    "base64encode": strict(lambda text: _b64(to_text(text).encode())),
    "base64decode": strict(_b64decode),
    "base64sha256": _b64digest("sha256"),
    "base64sha512": _b64digest("sha512"),
    "md5": _digest("md5"),
    "sha1": _digest("sha1"),
    "sha256": _digest("sha256"),
    "sha512": _digest("sha512"),
    "uuidv5": strict(_uuidv5),
    "textencodebase64": strict(_text_encode),
    "textdecodebase64": strict(_text_decode),
    "yamldecode": strict(_yamldecode),
    "yamlencode": strict(_yamlencode),
    "csvdecode": strict(_csvdecode),
    "cidrhost": strict(_cidrhost),
    "cidrnetmask": strict(_cidrnetmask),
    "cidrsubnet": strict(_cidrsubnet),
    "cidrsubnets": strict(_cidrsubnets),
}
