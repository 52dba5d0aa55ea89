"""The codec addresses a resource's fields by positions it names from ``dataclasses.fields(Resource)`` (not by
numbers a reader must count): each name is the field at its position, every field has a shape the codec checks
(a new field the codec does not class would go unchecked), and an encoded resource holds each field where the
decoder takes it from. Resource's order is pinned here: the encoded layout is the cache's, so a change to it is a
change to the codec to look at (its key material holds ownlint's code: old entries are not replayed)."""

from __future__ import annotations

import dataclasses
import marshal

import pytest

from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import LoadedTree
from ownlint.model import Place, PlaceKind, Resource, TagValue

_ORDER = (
    *("address", "type", "name", "source", "file", "line", "end_line", "stack", "namespace", "taggable"),
    *("tags", "opaque", "fix_place", "references", "container", "instances", "links", "attributes"),
)
_NAMES = tuple(f.name for f in dataclasses.fields(Resource))


def test_resource_s_fields_are_in_the_order_the_codec_was_written_for() -> None:
    assert _NAMES == _ORDER, "Resource's fields moved: look at codec's layout (and its test) before this one"


def test_each_named_position_is_that_field_s() -> None:
    assert tuple(codec._AT) == _NAMES and all(_NAMES[index] == name for name, index in codec._AT.items())
    assert _NAMES[codec._TAGS_AT] == "tags" and _NAMES[codec._FIX_AT] == "fix_place"
    assert _NAMES[codec._ENCODED_TAGS - 1] == "tags" and _NAMES[codec._ENCODED_FIX - 1] == "fix_place"
    assert codec._TAGS_AT < codec._FIX_AT  # (the encoder's slices: the fields before, between and after them)
    around = [*_NAMES[codec._BEFORE_TAGS], "tags", *_NAMES[codec._BETWEEN], "fix_place", *_NAMES[codec._AFTER_FIX]]
    encoded = ("tag", *_NAMES)
    assert around == [*encoded[codec._ENCODED_BEFORE_TAGS], "tags", *encoded[codec._ENCODED_BETWEEN], "fix_place",
                      *encoded[codec._ENCODED_AFTER_FIX]] == list(_NAMES)  # fmt: skip


def test_every_field_but_tags_and_the_place_to_fix_has_one_plain_shape() -> None:
    shapes = [*codec._LEAF_FIELDS, *codec._TEXTS_FIELDS, "links", "attributes"]
    assert len(shapes) == len(set(shapes)) and {*shapes, "tags", "fix_place"} == set(_NAMES)
    assert set(_NAMES[codec._BEFORE_TAGS]) == set(codec._LEAF_FIELDS) - {"container"}  # (taken as one slice)
    named = {"opaque": codec._OPAQUE_AT, "references": codec._REFERENCES_AT, "container": codec._CONTAINER_AT}
    named |= {"instances": codec._INSTANCES_AT, "links": codec._LINKS_AT, "attributes": codec._ATTRIBUTES_AT}
    assert all(_NAMES[index] == name for name, index in named.items())
    fields = tuple(range(len(_NAMES)))
    assert set(codec._plain_fields_all(fields)) == set(fields) - {codec._TAGS_AT, codec._FIX_AT}


def _resource() -> Resource:
    place = Place("main.tf", 3, "tags of b", PlaceKind.ATTRIBUTE, "tags", "b")
    values = {
        **{name: f"{name}-value" for name in codec._LEAF_FIELDS},
        **{name: (f"{name}-value",) for name in codec._TEXTS_FIELDS},
        "line": 7, "end_line": 9, "namespace": None, "taggable": False,
        "tags": (TagValue("owner", "team-a", (place,)),), "fix_place": place,
        "links": (("role", "aws_iam_role.r"),), "attributes": ({"__line__": 7, "bucket": "b"},),
    }  # fmt: skip
    return Resource(**values)


def test_an_encoded_resource_holds_each_field_one_past_its_position() -> None:
    resource = _resource()
    encoded = codec.encoder()(resource)
    assert encoded[0] == b"Resource" and len(encoded) == 1 + len(_NAMES)
    for name, index in codec._AT.items():
        if name not in ("tags", "fix_place"):
            assert encoded[1 + index] is getattr(resource, name), name
    assert encoded[1 + codec._TAGS_AT][0][0] == b"TagValue" and encoded[1 + codec._FIX_AT][0] == b"Place"
    decoded = codec.loads(codec.dumps(LoadedTree([resource], [], []))).resources[0]
    assert all(getattr(decoded, name) == getattr(resource, name) for name in _NAMES)


def test_a_plain_field_that_is_not_plain_is_refused_at_each_position() -> None:
    data = marshal.loads(codec.dumps(LoadedTree([_resource()], [], [])))
    for name, index in codec._AT.items():
        if name in ("tags", "fix_place"):
            continue
        resource = list(data[1][0])
        resource[1 + index] = (b"code", 1)
        broken = (data[0], [tuple(resource)], *data[2:])
        try:
            codec.loads(marshal.dumps(broken))
        except ValueError:
            continue
        raise AssertionError(f"{name}: bytes out of place were decoded")


def test_a_provenance_place_of_an_unhashable_kind_is_refused_as_any_bad_entry() -> None:
    """``codec.loads`` refuses with ``ValueError`` (the place fast path looked the kind up before any type check:
    a list there raised ``TypeError``)."""
    tag = TagValue("owner", "a", provenance=(Place("f", 1, "w", PlaceKind.RESOURCE, "n", "s"),))
    raw = marshal.loads(codec.dumps(tag))
    place = raw[3][0]
    forged = marshal.dumps((*raw[:3], ((*place[:4], [1], *place[5:]),), *raw[4:]))
    with pytest.raises(ValueError):
        codec.loads(forged)
