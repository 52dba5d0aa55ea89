"""Terraform's encoding, hashing, YAML/CSV and network functions: pure, offline, bounded by the size of
what they are given (a YAML text is checked for nesting depth before it is parsed)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import ipaddress
import uuid
from typing import Any

from ownlint.loaders.terraform.functions.core import Function, as_number, strict
from ownlint.loaders.terraform.values import EvalError, to_text

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


def _yamldecode(text: Any) -> Any:
    from ownlint.loaders.terraform.functions.yaml_values import yamldecode  # on use: it brings the YAML parser

    return yamldecode(text)


def _yamlencode(value: Any) -> str:
    from ownlint.loaders.terraform.functions.yaml_values import yamlencode

    return yamlencode(value)


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
