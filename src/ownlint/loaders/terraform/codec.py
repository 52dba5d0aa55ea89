"""The values a root module's load gives (resources, places, problems, suppressions) as ``marshal`` data and back,
exactly: tuples stay tuples and lists lists, mappings keep their keys' types and order, enums and dates
come back as themselves. A value of any other type is refused (``Unencodable``): that result is not cached.

``marshal`` writes text, numbers, booleans, None, tuples, lists and dicts as they are (JSON made each tuple,
dict and model value an object with a tag, parsed again and walked in Python: half of a warm run's entry
checks), and one object met again as a reference to where it was written (instances share their tags, and
resources their places). A model value is a tuple whose first item is its tag, bytes (which no value of the
model holds): its class's name then its fields, ``K`` and a ``PlaceKind``'s value, ``T`` and a date's ISO text;
a place's fields are text and numbers, its kind as its value (thousands: decoded without a walk). A frozen value
is encoded once per payload (an equal place too) and so written once; decoding gives it back shared, made of its
fields without ``__init__`` (``records.builder``). A resource's fields but its tags and place to fix, and the fields
of a record holding only plain data (a directory's parse, most often), are written as they are and given back as
``marshal`` made them: checked by their types (``_plain``, mostly in C), not rebuilt by a walk (other values in them
are encoded, and decoded or refused, as anywhere). Only data this encoder wrote is loaded (the result cache checks
an entry's signature first), and decoding builds only the types above (anything else - a code object, a set,
bytes out of place - is a ``ValueError``): nothing loaded is run.
"""

from __future__ import annotations

import dataclasses
import datetime
import marshal
from collections.abc import Callable
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from ownlint.loaders.terraform.loaded import LoadedTree, ParsedDirectory
from ownlint.model import LoadProblem, Place, PlaceKind, Resource, Suppression, TagValue
from ownlint.records import builder

VERSION = 4  # marshal's (its key material holds the interpreter's: another may write it otherwise)
_MODEL = (Resource, TagValue, Place, LoadProblem, Suppression, LoadedTree, ParsedDirectory)
_TAGS = {cls: cls.__name__.encode() for cls in _MODEL}
# tag -> (class, length, whether its fields are passed as written: its builder checks them); a kind, a date: no class
_CLASSES: dict[bytes, tuple[type[Any] | None, int, bool]] = {
    **{tag: (cls, len(dataclasses.fields(cls)) + 1, cls is Place) for cls, tag in _TAGS.items()},
    b"K": (None, 2, False),
    b"T": (None, 2, False),
}
_NO_CLASS: tuple[Any, int, bool] = (None, -1, False)
# tag -> ``_decoder(tag)``: a kind's and a date's from the start (they have no class: ``_other``)
_DECODERS: dict[bytes, tuple[int, Callable[..., Any] | None, bool]] = {b"K": (2, None, False), b"T": (2, None, False)}
# every field at once, as a tuple, in C (attrgetter of one field gives no tuple: each class has several)
_GETTERS = {cls: attrgetter(*(f.name for f in dataclasses.fields(cls))) for cls in _MODEL}
_LEAVES = frozenset({str, int, float, bool, type(None)})  # stand for themselves: not looked at (most values)
_IMMUTABLE = frozenset({tuple, TagValue, Resource, LoadProblem, Suppression})  # frozen: the same each time met
_KIND, _DATE = b"K", b"T"
_RESOURCE, _TAG, _PLACE = _TAGS[Resource], _TAGS[TagValue], _TAGS[Place]
_TUPLES = frozenset({tuple})
_KINDS = {kind.value: kind for kind in PlaceKind}  # by value: a dict look-up, not the enum's call (thousands)
_VALUES = {kind: kind.value for kind in PlaceKind}  # (``.value`` is a property written in Python: thousands)

# A resource's fields by position, named once from ``dataclasses.fields(Resource)``: positions in its getter's
# tuple (``_GETTERS``); an encoded resource holds each one further on, after its tag. Its tags and its place to
# fix are encoded; every other field is plain data of one shape, checked as ``_plain_fields`` says (those before
# its tags are all leaves: one slice). tests/test_codec_layout.py fails while a field of Resource has no shape here,
# or the order is not the one these names assume.
_AT = {f.name: index for index, f in enumerate(dataclasses.fields(Resource))}
_TAGS_AT, _OPAQUE_AT, _FIX_AT = _AT["tags"], _AT["opaque"], _AT["fix_place"]
_REFERENCES_AT, _CONTAINER_AT, _INSTANCES_AT = _AT["references"], _AT["container"], _AT["instances"]
_LINKS_AT, _ATTRIBUTES_AT = _AT["links"], _AT["attributes"]
_LEAF_FIELDS = (  # each text, a number, a boolean or None
    *("address", "type", "name", "source", "file", "line", "end_line", "stack", "namespace", "taggable"),
    "container",
)
_TEXTS_FIELDS = ("opaque", "references", "instances")  # each a tuple of text
# (links: a tuple of pairs of text; attributes: a tuple of mappings)
_plain_fields_all = itemgetter(*[index for name, index in _AT.items() if name not in ("tags", "fix_place")])
# the fields around the encoded two, in a resource's getter's tuple and in its encoding
_BEFORE_TAGS, _BETWEEN, _AFTER_FIX = slice(_TAGS_AT), slice(_TAGS_AT + 1, _FIX_AT), slice(_FIX_AT + 1, None)
_ENCODED_TAGS, _ENCODED_FIX = 1 + _TAGS_AT, 1 + _FIX_AT
_ENCODED_BEFORE_TAGS, _ENCODED_BETWEEN = slice(1, _ENCODED_TAGS), slice(_ENCODED_TAGS + 1, _ENCODED_FIX)
_ENCODED_AFTER_FIX = slice(_ENCODED_FIX + 1, None)


class _Decoding:
    """A model value being decoded: met again inside itself, the data is refused. False, as a value not decoded
    yet is (None): a look-up ``or`` the decoder finds it (``_Decoder.decode``)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False


_DECODING = _Decoding()


class Unencodable(Exception):
    """A value the codec cannot give back exactly."""


def dumps(value: Any) -> bytes:
    """``value`` as bytes (``Unencodable``, ``ValueError``, ``RecursionError``: it is not cached)."""
    state = _Encoder()
    return marshal.dumps(state.encode(value), VERSION)  # (the encoder holds what it made: written once each)


def loads(data: bytes) -> Any:
    """What ``dumps`` gave, as the values again (anything else is a ``ValueError``)."""
    try:
        found = marshal.loads(data)
    except (EOFError, TypeError) as error:
        raise ValueError("entry does not match the model") from error
    return decode(found)


def encoder() -> Callable[[Any], Any]:
    """An encoding function for one payload (the values met again in it are encoded, and written, once)."""
    return _Encoder().encode


def decode(value: Any) -> Any:
    """What ``encode`` gave, as the values again (anything else is refused)."""
    return _Decoder().decode(value)


class _Encoder:
    """One payload's encoding (an object, not a closure calling itself: that is a garbage cycle, and the
    Terraform loader runs with the cyclic collector off)."""

    __slots__ = ("_done", "_places")

    def __init__(self) -> None:
        # immutable values met again (instances share tags, provenance): encoded once, kept alive meanwhile
        self._done: dict[int, tuple[Any, Any]] = {}
        self._places: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # by fields and their types (1 == True == 1.0)

    def encode(self, value: Any) -> Any:
        kind = type(value)
        if kind in _LEAVES:
            return value
        if kind is Place:
            return self._place(value)
        if kind is TagValue or kind is Resource:  # (most values of a root: their fields known, no walk of each)
            return self._tag(value) if kind is TagValue else self._resource(value)
        shared = kind in _IMMUTABLE
        if shared:
            done = self._done.get(id(value))
            if done is not None:
                return done[1]
        encode = self.encode
        if kind is tuple:
            if value and type(value[0]) is bytes:
                raise Unencodable("bytes")
            encoded: Any = tuple([item if type(item) in _LEAVES else encode(item) for item in value])
        elif kind in _GETTERS:
            fields: Any = _GETTERS[kind](value)
            if not _plain(fields):  # (a directory's parse is, most often: text and empty tuples and lists)
                fields = [item if type(item) in _LEAVES or item == () else encode(item) for item in fields]
            encoded = (_TAGS[kind], *fields)
        elif kind is list:
            return [item if type(item) in _LEAVES else encode(item) for item in value]
        elif kind is dict:
            return {
                (k if type(k) in _LEAVES else encode(k)): (v if type(v) in _LEAVES else encode(v))
                for k, v in value.items()
            }
        elif kind is PlaceKind:
            return (_KIND, _VALUES[value])
        elif kind is datetime.date:
            return (_DATE, value.isoformat())
        else:
            raise Unencodable(kind.__name__)
        if shared:
            self._done[id(value)] = (value, encoded)
        return encoded

    def _resource(self, value: Resource) -> Any:
        """A resource's plain fields (all but its tags and place to fix, when they are plain data) as they are:
        ``marshal`` writes them (and refuses a subclass); others as any value's."""
        done = self._done.get(id(value))
        if done is not None:
            return done[1]
        fields = _GETTERS[Resource](value)
        tags, place = fields[_TAGS_AT], fields[_FIX_AT]
        if type(tags) is tuple and _plain_fields(fields):
            tags = self._each(tags, self._tag)
            fix = place if place is None else self.encode(place)
            encoded = (_RESOURCE, *fields[_BEFORE_TAGS], tags, *fields[_BETWEEN], fix, *fields[_AFTER_FIX])
        else:
            encoded = (_RESOURCE, *[item if type(item) in _LEAVES else self.encode(item) for item in fields])
        self._done[id(value)] = (value, encoded)
        return encoded

    def _tag(self, value: Any) -> Any:
        """A tag (else any value): its provenance's places encoded each in one call, not a walk of its tuple."""
        if type(value) is not TagValue:
            return self.encode(value)
        done = self._done.get(id(value))
        if done is not None:
            return done[1]
        key, text, provenance, reason = fields = _GETTERS[TagValue](value)
        encode = self.encode
        if type(provenance) is tuple and _LEAVES.issuperset(map(type, (key, text, reason))):
            encoded = (_TAG, key, text, self._provenance(provenance), reason)
        else:
            encoded = (_TAG, *[item if type(item) in _LEAVES else encode(item) for item in fields])
        self._done[id(value)] = (value, encoded)
        return encoded

    def _each(self, items: tuple[Any, ...], encode: Callable[[Any], Any]) -> tuple[Any, ...]:
        """A tuple of tags or places, each by ``encode``: once per payload (instances share their tags)."""
        done = self._done.get(id(items))
        if done is not None:
            return done[1]  # type: ignore[no-any-return]
        encoded = tuple([encode(item) for item in items])
        self._done[id(items)] = (items, encoded)
        return encoded

    def _provenance(self, items: tuple[Any, ...]) -> tuple[Any, ...]:
        """A tag's provenance, as ``_each`` gives it: its places each by ``_place`` (anything else by ``encode``)."""
        done = self._done.get(id(items))
        if done is not None:
            return done[1]  # type: ignore[no-any-return]
        place, encode = self._place, self.encode
        encoded = tuple([place(item) if type(item) is Place else encode(item) for item in items])
        self._done[id(items)] = (items, encoded)
        return encoded

    def _place(self, value: Place) -> Any:
        done = self._done.get(id(value))
        if done is not None:
            return done[1]
        fields = _GETTERS[Place](value)
        same = (fields, tuple(map(type, fields)))
        encoded = self._places.get(same)
        if encoded is None:
            if type(fields[3]) is not PlaceKind or not _LEAVES.issuperset(same[1][:3] + same[1][4:]):
                raise Unencodable("a place's fields")
            *head, kind, name, subject = fields  # its kind as its value: decoded by a look-up, no value of its own
            encoded = self._places[same] = (_PLACE, *head, _VALUES[kind], name, subject)
        self._done[id(value)] = (value, encoded)
        return encoded


class _Decoder:
    """One payload's decoding (an object, as ``_Encoder`` is): a model value written once is decoded once."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[int, Any] = {}  # id of a model value's tuple (alive in the data) -> its value

    def decode(self, value: Any) -> Any:
        kind = type(value)
        decode = self.decode
        if kind is tuple:
            if not value:
                return value
            tag = value[0]
            if type(tag) is not bytes:
                return tuple([item if type(item) in _LEAVES else decode(item) for item in value])
            made = self._made
            key = id(value)  # (once: ``id`` raises an audit event each call)
            found = made.get(key)
            if found is not None:
                if found is _DECODING:
                    raise ValueError("entry does not match the model")
                return found
            made[key] = _DECODING
            get = made.get
            length, build, plain = _DECODERS.get(tag) or _decoder(tag)
            if len(value) != length:
                raise ValueError("entry does not match the model")
            if build is None:  # a kind, a date
                found = _other(value)
            elif plain:  # a place: its fields as written (its builder checks them)
                found = build(*value[1:])
            elif tag == _TAG and _tagged(value):  # its places each in one call
                place = self._place
                found = build(value[1], value[2], tuple([get(id(item)) or place(item) for item in value[3]]), value[4])
            elif tag == _RESOURCE and _plain_resource(value):  # its plain fields as marshal made them
                tags, fix = value[_ENCODED_TAGS], value[_ENCODED_FIX]
                fix = fix if fix is None else get(id(fix)) or self._place(fix)
                decode_tag = self._tag
                tags = tuple([get(id(item)) or decode_tag(item) for item in tags])  # (a tag met before: looked up)
                before, between, after = value[_ENCODED_BEFORE_TAGS], value[_ENCODED_BETWEEN], value[_ENCODED_AFTER_FIX]
                found = build(*before, tags, *between, fix, *after)
            elif _plain(value[1:]):  # (a directory's parse, most often) its fields as marshal made them
                found = build(*value[1:])
            else:  # (an empty tuple, as most of a resource's are, is given back as it is: no call)
                found = build(*[item if type(item) in _LEAVES or item == () else decode(item) for item in value[1:]])
            made[key] = found
            return found
        if kind is list:
            return [item if type(item) in _LEAVES else decode(item) for item in value]
        if kind is dict:  # text, numbers and None (most keys and values) are not passed down
            return {
                (k if type(k) in _LEAVES else decode(k)): (v if type(v) in _LEAVES else decode(v))
                for k, v in value.items()
            }
        if kind in _LEAVES:
            return value
        raise ValueError("entry does not match the model")

    def _tag(self, value: Any) -> Any:
        """What a resource's tags hold (not met yet): a tag as the encoder writes it is checked at once and made
        here, its places each by ``_place``; anything else is decoded as any value (and refused there)."""
        made, key = self._made, id(value)
        if type(value) is tuple and len(value) == 5 and value[0] == _TAG and _tagged(value) and made.get(key) is None:
            made[key] = _DECODING  # (met again inside itself: refused by ``decode``)
            get, place = made.get, self._place
            places = tuple([get(id(item)) or place(item) for item in value[3]])
            found = made[key] = (_NEW.get(TagValue) or _new(TagValue))(value[1], value[2], places, value[4])
            return found
        return self.decode(value)

    def _place(self, value: Any) -> Any:
        """What a tag's provenance or a resource's place to fix holds (not met yet): a place as the encoder writes
        it - text and numbers, its kind by its value - is checked at once and made here; anything else is decoded
        as any value (and refused there)."""
        if type(value) is tuple and len(value) == 7 and value[0] == _PLACE:
            fields = value[1:]
            kind = _KINDS.get(value[4]) if type(value[4]) is str else None  # a list: refused by decode (no TypeError)
            if kind is not None and _LEAVES.issuperset(map(type, fields)) and self._made.get(id(value)) is None:
                file, line, what, _, name, subject = fields
                found = self._made[id(value)] = (_NEW.get(Place) or _new(Place))(file, line, what, kind, name, subject)
                return found
        return self.decode(value)


_NEW: dict[type, Callable[..., Any]] = {}  # a tag's and a place's builder, once one is decoded (start-up)


def _new(cls: type[Any]) -> Callable[..., Any]:
    found = _NEW[cls] = builder(cls)
    return found


def _decoder(tag: bytes) -> tuple[int, Callable[..., Any] | None, bool]:
    """``tag``'s length, the function making its class's value of its fields (``records.builder``; None: a kind,
    a date) and whether its fields are passed as written, in one look-up; the builder is written at the first
    value decoded (a one-file check decodes none: each costs as much as a module to import). An unknown tag's
    length is -1: refused."""
    cls, length, plain = _CLASSES.get(tag, _NO_CLASS)
    if cls is None:  # a tag the encoder does not write (not kept): refused by its length
        return -1, None, False
    found = _DECODERS[tag] = length, _placer() if cls is Place else builder(cls), plain
    return found


def _placer() -> Callable[..., Place]:
    """A place's builder: of its fields as written (text and numbers), its kind by its value (else refused)."""
    new = builder(Place)
    leaves = _LEAVES

    def place(file: Any, line: Any, what: Any, kind: Any, name: Any, subject: Any) -> Place:
        found = _KINDS.get(kind) if type(kind) is str else None
        if found is None or not (type(file) in leaves and type(line) in leaves and type(what) in leaves):
            raise ValueError("entry does not match the model")
        if not (type(name) in leaves and type(subject) in leaves):
            raise ValueError("entry does not match the model")
        return new(file, line, what, found, name, subject)

    return place


def _plain(value: Any) -> bool:
    """Whether ``value`` is text, numbers, None, and tuples, lists and dicts of them (no model value, no bytes):
    what a walk would rebuild alike. Most are checked by a look-up per type, in C."""
    kind = type(value)
    if kind is tuple or kind is list:
        return _LEAVES.issuperset(map(type, value)) or all(map(_plain, value))
    if kind is dict:
        keys, values = _LEAVES.issuperset(map(type, value)), _LEAVES.issuperset(map(type, value.values()))
        return (keys or all(map(_plain, value))) and (values or all(map(_plain, value.values())))
    return kind in _LEAVES


def _tagged(value: tuple[Any, ...]) -> bool:
    """Whether a tag's data is as the encoder writes it: text or None, and a tuple of places (not a model value)."""
    provenance = value[3]
    if type(provenance) is not tuple or (provenance and type(provenance[0]) is bytes):
        return False
    return _LEAVES.issuperset(map(type, (value[1], value[2], value[4])))


def _plain_resource(value: tuple[Any, ...]) -> bool:
    """Whether a resource's data is as the encoder writes it: a tuple of tags, its other fields plain data."""
    tags = value[_ENCODED_TAGS]
    if type(tags) is not tuple or (tags and type(tags[0]) is bytes):
        return False
    return _plain_fields(value[1:])


def _plain_fields(fields: tuple[Any, ...]) -> bool:
    """Whether a resource's fields but its tags and place to fix are plain data (``_plain``). As most are (text and
    numbers; tuples of text, of pairs, of mappings), they are looked at together, in C."""
    opaque, references, instances = fields[_OPAQUE_AT], fields[_REFERENCES_AT], fields[_INSTANCES_AT]
    links, attributes, container = fields[_LINKS_AT], fields[_ATTRIBUTES_AT], fields[_CONTAINER_AT]
    leaves = fields[_BEFORE_TAGS]  # (all leaves: see _LEAF_FIELDS)
    if (
        type(links) is tuple
        and _TUPLES.issuperset(map(type, (opaque, references, instances, attributes, *links)))
        and _LEAVES.issuperset(map(type, chain(leaves, opaque, references, (container,), instances, *links)))
        and all(map(_plain, attributes))
    ):
        return True
    return _plain(_plain_fields_all(fields))


def _other(value: tuple[Any, ...]) -> Any:
    """A ``PlaceKind`` or a date (their tags are in ``_CLASSES`` with no class)."""
    found: PlaceKind | datetime.date | None = _KINDS.get(value[1]) if value[0] == _KIND else None
    if found is None and value[0] == _DATE and type(value[1]) is str:
        found = datetime.date.fromisoformat(value[1])
    if found is None:
        raise ValueError("entry does not match the model")
    return found
