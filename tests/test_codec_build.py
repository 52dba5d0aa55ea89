"""The result cache's decoder makes each model value of its fields without ``__init__`` (``records.builder``: the
slot descriptors' calls were most of decoding a resource), and a place with its kind as its value (no value of
its own to walk): the values are those ``__init__`` makes, frozen as they are; data the encoder does not write
is refused as before (issue 20: a warm run's decoding)."""

from __future__ import annotations

import dataclasses
import datetime
import marshal
import pickle
from typing import Any

import pytest
from tests.test_records import _attempt

from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import LoadedTree, ParsedDirectory
from ownlint.model import Fact, LoadProblem, Place, PlaceKind, Resource, State, Suppression, TagValue
from ownlint.records import builder

_PLACE = Place("main.tf", 3, "tags of x", PlaceKind.ATTRIBUTE, "tags", "x")
_TAG = TagValue("owner", "team-a", (_PLACE,))
_VALUES: list[Any] = [
    _PLACE,
    _TAG,
    Resource("aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 1, 5, tags=(_TAG,), fix_place=_PLACE),
    LoadProblem("main.tf", 2, "bad"),
    Suppression(("OWN001",), "why", "main.tf", 4, "comment", datetime.date(2027, 1, 2), 5),
    Fact("owner", next(iter(State)), "team-a", "owner", None, (_PLACE,)),
    LoadedTree([], [LoadProblem("a.tf", 1, "x")], ["note"]),
    ParsedDirectory(("a.tf",), (), {"a.tf": []}),
]


def _fields(value: Any) -> list[Any]:
    return [getattr(value, f.name) for f in dataclasses.fields(value)]


@pytest.mark.parametrize("value", _VALUES, ids=lambda v: type(v).__name__)
def test_a_record_built_of_its_fields_is_the_one_init_makes(value: Any) -> None:
    cls = type(value)
    built = builder(cls)(*_fields(value))
    assert type(built) is cls and built == value and repr(built) == repr(value)
    assert _fields(built) == _fields(value)
    assert _attempt(lambda: hash(built)) == _attempt(lambda: hash(value))
    assert pickle.loads(pickle.dumps(built)) == value
    assert dataclasses.replace(built) == value
    if "__slots__" not in vars(cls):
        assert vars(built) == vars(value)
    name = dataclasses.fields(cls)[0].name
    for change in (lambda r: setattr(r, name, 1), lambda r: delattr(r, name), lambda r: setattr(r, "other", 1)):
        assert _attempt(lambda change=change: change(built)) == _attempt(lambda change=change: change(value))
    assert _fields(built) == _fields(value)


def test_a_place_is_written_with_its_kind_s_value_and_decoded_to_the_kind() -> None:
    tree = LoadedTree([dataclasses.replace(_VALUES[2], fix_place=_PLACE)], [], [])
    encoded = marshal.loads(codec.dumps(tree))
    assert encoded[1][0][13] == (b"Place", "main.tf", 3, "tags of x", "attribute", "tags", "x")
    decoded = codec.loads(codec.dumps(tree))
    assert decoded == tree and decoded.resources[0].fix_place.kind is PlaceKind.ATTRIBUTE  # type: ignore[union-attr]
    assert decoded.resources[0].fix_place is decoded.resources[0].tags[0].provenance[0]


@pytest.mark.parametrize(
    "place",
    [
        Place("main.tf", 3, "x", "attribute", "tags", "x"),  # type: ignore[arg-type]
        Place(("main.tf",), 3, "x", PlaceKind.ATTRIBUTE, "tags", "x"),  # type: ignore[arg-type]
        Place("main.tf", 3, "x", PlaceKind.ATTRIBUTE, "tags", ["x"]),  # type: ignore[arg-type]
    ],
    ids=["kind as text", "a tuple", "a list"],
)
def test_a_place_of_other_fields_is_not_written(place: Place) -> None:
    """Not cached (the result cache catches both: a list in a place is unhashable, as before)."""
    with pytest.raises((codec.Unencodable, TypeError)):
        codec.dumps(LoadedTree([dataclasses.replace(_VALUES[2], fix_place=place)], [], []))


@pytest.mark.parametrize(
    "fields",
    [
        ("main.tf", 3, "x", "nope", "tags", "x"),
        ("main.tf", 3, "x", (b"K", "attribute"), "tags", "x"),
        ("main.tf", 3, "x", 1, "tags", "x"),
        ("main.tf", 3, "x", ("attribute",), "tags", "x"),
        (("main.tf",), 3, "x", "attribute", "tags", "x"),
        ("main.tf", {1}, "x", "attribute", "tags", "x"),
        ("main.tf", 3, b"x", "attribute", "tags", "x"),
        ("main.tf", 3, "x", "attribute", ["tags"], "x"),
        ("main.tf", 3, "x", "attribute", "tags", 1j),
    ],
)
def test_a_place_the_encoder_does_not_write_is_refused(fields: tuple[Any, ...]) -> None:
    intact = marshal.loads(codec.dumps(LoadedTree([_VALUES[2]], [], [])))
    assert intact[1][0][13][0] == b"Place"
    resource = (*intact[1][0][:13], (b"Place", *fields), *intact[1][0][14:])
    assert codec.loads(marshal.dumps((b"LoadedTree", [intact[1][0]], [], [], None), codec.VERSION)).resources
    with pytest.raises(ValueError):
        codec.loads(marshal.dumps((b"LoadedTree", [resource], [], [], None), codec.VERSION))


def test_a_record_with_another_base_is_built_by_its_init() -> None:
    from ownlint.records import record

    class Base:
        __slots__ = ("extra",)

    @record(frozen=True, slots=True)
    class Derived(Base):
        """A record whose layout is not its slots' alone."""

        a: int
        b: str = "b"

    built = builder(Derived)(1, "x")
    assert type(built) is Derived and built == Derived(1, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.a = 2  # type: ignore[misc]
