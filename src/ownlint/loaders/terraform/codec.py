"""The values a root module's load gives (resources, places, problems, suppressions) as JSON and back,
exactly: tuples stay tuples and lists lists, mappings keep their keys' types and order, enums and dates
come back as themselves. A value of any other type is refused (``Unencodable``): that result is not cached.

Plain JSON stands for itself (text, numbers, booleans, None); a tuple is a JSON array; anything else is an
object with one tagged field: ``L`` a list, ``D`` a dict (pairs), ``O`` a plain dict as its own JSON object
(text keys; text, numbers, booleans, None or plain dicts as values: JSON gives it back exactly, and most
attributes are such), ``C`` a dataclass of the model (name, fields), ``K`` a ``PlaceKind``, ``T`` a date,
``P`` a place: the index of its fields in the payload's table (each distinct place is written once:
resources repeat the same places many times), ``R`` a frozen value of the model met more than once (module
instances share their tags): the index of its ``C`` object in the same table, moved there when it is met
again (so its fields are written once, and decoding shares it as the value encoded was shared).
Decoding builds only these (anything else is a ``ValueError``).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ownlint.loaders.terraform.loaded import LoadedTree, ParsedDirectory
from ownlint.model import LoadProblem, Place, PlaceKind, Resource, Suppression, TagValue

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Resource, TagValue, Place, LoadProblem, Suppression, LoadedTree, ParsedDirectory)
}
_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}
_ARITY = {name: len(_FIELDS[cls]) for name, cls in _CLASSES.items()}
# every field at once, as a tuple, in C (each class has several fields: attrgetter of one gives no tuple)
_GETTERS = {cls: attrgetter(*names) for cls, names in _FIELDS.items() if cls is not Place and len(names) > 1}
_NAMES = {cls: cls.__name__ for cls in _GETTERS}
_PLACE_FIELDS = attrgetter(*_FIELDS[Place])
_LEAVES = frozenset({str, int, float, bool, type(None)})  # stand for themselves: not looked at (most values)
_IMMUTABLE = frozenset({tuple, TagValue, Resource, LoadProblem, Suppression})  # frozen: the same each time met
_NESTED = (dict, list)  # what decode must build; text, numbers and None stand for themselves
_KINDS = {kind.value: kind for kind in PlaceKind}  # by value: a dict look-up, not the enum's call (thousands)
_PENDING, _DECODING = object(), object()  # a shared value's row in the decoder: not decoded yet, being decoded


class Unencodable(Exception):
    """A value the codec cannot give back exactly."""


def encoder() -> tuple[Callable[[Any], Any], list[Any]]:
    """An encoding function for one payload, and the table of places it fills (written beside the values)."""
    state = _Encoder()
    return state.encode, state.places


def decoder(table: Any) -> Callable[[Any], Any]:
    """The decoding function for one payload whose table of places is ``table`` (as ``encoder`` filled it)."""
    if type(table) is not list:
        raise ValueError("entry does not match the model")
    state = _Decoder(table)
    for row in table:
        if type(row) is dict and "C" in row:
            state.places.append(_PENDING)  # a shared value: decoded when first referred to
            continue
        if type(row) is not list or len(row) != _ARITY["Place"]:
            raise ValueError("entry does not match the model")
        state.places.append(Place(*[state.decode(item) if type(item) in _NESTED else item for item in row]))
    return state.decode


class _Encoder:
    """One payload's encoding (an object, not a closure calling itself: that is a garbage cycle, and the
    Terraform loader runs with the cyclic collector off)."""

    __slots__ = ("_by_id", "_by_value", "_done", "places")

    def __init__(self) -> None:
        self.places: list[Any] = []
        self._by_id: dict[int, dict[str, int]] = {}  # the objects encoded (alive while the payload is)
        self._by_value: dict[tuple[Any, ...], dict[str, int]] = {}  # by fields and their types (1 == True == 1.0)
        # immutable values met again (instances share tags, provenance): encoded once, kept alive meanwhile
        self._done: dict[int, tuple[Any, Any]] = {}

    def encode(self, value: Any) -> Any:
        kind = type(value)
        if kind in _LEAVES:
            return value
        if kind is Place:
            return self._place(value)
        shared = kind in _IMMUTABLE
        if shared:
            done = self._done.get(id(value))
            if done is not None:
                return self._again(done[1])
        encode = self.encode
        if kind is tuple:
            encoded: Any = [item if type(item) in _LEAVES else encode(item) for item in value]
        elif kind in _GETTERS:
            fields = _GETTERS[kind](value)
            encoded = {"C": _NAMES[kind], "F": [item if type(item) in _LEAVES else encode(item) for item in fields]}
        elif kind is list:
            return {"L": [item if type(item) in _LEAVES else encode(item) for item in value]}
        elif kind is dict:
            if _plain(value):
                return {"O": value}  # written as it is: JSON gives back exactly this dict
            return {
                "D": [
                    [k if type(k) in _LEAVES else encode(k), v if type(v) in _LEAVES else encode(v)]
                    for k, v in value.items()
                ]
            }
        elif kind is PlaceKind:
            return {"K": value.value}
        elif kind is datetime.date:
            return {"T": value.isoformat()}
        else:
            raise Unencodable(kind.__name__)
        if shared:
            self._done[id(value)] = (value, encoded)
        return encoded

    def _again(self, encoded: Any) -> Any:
        """A shared value met again: its ``C`` object becomes a reference to a row of the table holding its
        fields (changed in place: where it was written already refers to the row too); a tuple's items do."""
        if type(encoded) is list:
            for item in encoded:
                if type(item) is dict and "C" in item:
                    self._moved(item)
        elif type(encoded) is dict and "C" in encoded:
            self._moved(encoded)
        return encoded

    def _moved(self, encoded: dict[str, Any]) -> None:
        row = dict(encoded)
        encoded.clear()
        encoded["R"] = len(self.places)
        self.places.append(row)

    def _place(self, value: Place) -> Any:
        reference = self._by_id.get(id(value))
        if reference is None:
            fields = _PLACE_FIELDS(value)
            same = (fields, tuple(map(type, fields)))
            reference = self._by_value.get(same)
            if reference is None:
                reference = self._by_value[same] = {"P": len(self.places)}
                self.places.append([i if type(i) in _LEAVES else self.encode(i) for i in fields])
            self._by_id[id(value)] = reference
        return reference


def _plain(value: dict[Any, Any]) -> bool:
    """Whether JSON gives ``value`` back exactly: text keys, and values text, numbers, booleans, None or such
    dicts (most attributes: their lines, names and tags)."""
    for key, item in value.items():
        if type(key) is not str:
            return False
        kind = type(item)
        if kind not in _LEAVES and (kind is not dict or not _plain(item)):
            return False
    return True


class _Decoder:
    """One payload's decoding (an object, as ``_Encoder`` is)."""

    __slots__ = ("places", "table")

    def __init__(self, table: list[Any]) -> None:
        self.places: list[Any] = []  # a Place, a shared value decoded, _PENDING or _DECODING
        self.table = table

    def decode(self, value: Any) -> Any:
        decode = self.decode
        kind = type(value)
        if kind is list:
            return tuple([decode(item) if type(item) in _NESTED else item for item in value])
        if kind is not dict:
            return value
        if "O" in value:
            found = value["O"]
            if type(found) is not dict:
                raise ValueError("entry does not match the model")
            return found
        if "D" in value:  # text, numbers and None (most keys and values) are not passed down
            return {
                (decode(k) if type(k) in _NESTED else k): (decode(v) if type(v) in _NESTED else v)
                for k, v in value["D"]
            }
        if "P" in value:
            index = value["P"]
            if type(index) is not int or not 0 <= index < len(self.places) or type(self.places[index]) is not Place:
                raise ValueError("entry does not match the model")
            return self.places[index]
        if "R" in value:
            return self._shared(value["R"])
        if "C" in value:
            name = value["C"]
            fields = value["F"]
            if _ARITY.get(name) != len(fields):
                raise ValueError("entry does not match the model")
            return _CLASSES[name](
                *[item if type(item) not in _NESTED else () if item == [] else decode(item) for item in fields]
            )  # an empty array is an empty tuple: no call (a resource has several)
        if "L" in value:
            return [decode(item) if type(item) in _NESTED else item for item in value["L"]]
        if "K" in value:
            kind = value["K"]
            found = _KINDS.get(kind) if type(kind) is str else None
            return found if found is not None else PlaceKind(kind)
        if "T" in value:
            return datetime.date.fromisoformat(value["T"])
        raise ValueError("entry does not match the model")

    def _shared(self, index: Any) -> Any:
        """The shared value of the table's row ``index``, decoded once (a row that refers to itself is refused)."""
        if type(index) is not int or not 0 <= index < len(self.places):
            raise ValueError("entry does not match the model")
        found = self.places[index]
        if found is _PENDING:
            self.places[index] = _DECODING
            found = self.places[index] = self.decode(self.table[index])
        elif found is _DECODING or type(found) is Place:
            raise ValueError("entry does not match the model")
        return found


def encode(value: Any) -> Any:
    """``value`` with its table of places: ``[table, encoded]``."""
    function, places = encoder()
    encoded = function(value)
    return [places, encoded]


def decode(value: Any) -> Any:
    """What ``encode`` gave, as the values again (anything else is refused)."""
    if type(value) is not list or len(value) != 2:
        raise ValueError("entry does not match the model")
    return decoder(value[0])(value[1])
