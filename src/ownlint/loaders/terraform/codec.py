"""The values a root module's load gives (resources, places, problems, suppressions) as JSON and back,
exactly: tuples stay tuples and lists lists, mappings keep their keys' types and order, enums and dates
come back as themselves. A value of any other type is refused (``Unencodable``): that result is not cached.

Plain JSON stands for itself (text, numbers, booleans, None); a tuple is a JSON array; anything else is an
object with one tagged field: ``L`` a list, ``D`` a dict (pairs), ``C`` a dataclass of the model (name, fields),
``K`` a ``PlaceKind``, ``T`` a date. Decoding builds only these (anything else is a ``ValueError``).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from ownlint.loaders.terraform.loaded import LoadedTree, ParsedDirectory
from ownlint.model import LoadProblem, Place, PlaceKind, Resource, Suppression, TagValue

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Resource, TagValue, Place, LoadProblem, Suppression, LoadedTree, ParsedDirectory)
}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}
_ARITY = {name: len(_FIELDS[cls]) for name, cls in _CLASSES.items()}
_PLAIN = (str, int, float, bool, type(None))


class Unencodable(Exception):
    """A value the codec cannot give back exactly."""


def encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple:
        return [encode(item) for item in value]
    names = _FIELDS.get(kind)
    if names is not None:
        return {"C": kind.__name__, "F": [encode(getattr(value, name)) for name in names]}
    if kind is list:
        return {"L": [encode(item) for item in value]}
    if kind is dict:
        return {"D": [[encode(k), encode(v)] for k, v in value.items()]}
    if kind is PlaceKind:
        return {"K": value.value}
    if kind is datetime.date:
        return {"T": value.isoformat()}
    raise Unencodable(kind.__name__)


def decode(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return tuple([decode(item) if type(item) in _NESTED else item for item in value])
    if kind is not dict:
        return value
    if "C" in value:
        name = value["C"]
        fields = value["F"]
        if _ARITY.get(name) != len(fields):
            raise ValueError("entry does not match the model")
        return _CLASSES[name](*[decode(item) if type(item) in _NESTED else item for item in fields])
    if "L" in value:
        return [decode(item) for item in value["L"]]
    if "D" in value:
        return {decode(k): decode(v) for k, v in value["D"]}
    if "K" in value:
        return PlaceKind(value["K"])
    if "T" in value:
        return datetime.date.fromisoformat(value["T"])
    raise ValueError("entry does not match the model")


_NESTED = (dict, list)
