"""The codec writes a resource's plain fields (text, numbers, tuples and dicts of them: all but its tags and its
place to fix) as they are, and gives them back as ``marshal`` made them, without a walk rebuilding each tuple and
dict (issue 20: the walk was most of encoding and decoding a root's entry); a field that is not plain data, or
data the encoder does not write there, is encoded and decoded (or refused) as before."""

from __future__ import annotations

import marshal
from typing import Any

import pytest

from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import LoadedTree, ParsedDirectory
from ownlint.model import Place, PlaceKind, Resource, TagValue

_PLACE = Place("main.tf", 3, "tags of b", PlaceKind.ATTRIBUTE, "tags", "b")
_TAGS = (TagValue("owner", "team-a", (_PLACE,)), TagValue("env", None, (_PLACE, _PLACE), "unknown: var.env"))


def _tree(attributes: Any = ({"__line__": 1, "__lines__": {"bucket": 2}, "bucket": "b"},)) -> LoadedTree:
    resource = Resource(
        "aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 1, 5, tags=_TAGS, fix_place=_PLACE,
        references=("aws_iam_role.r",), links=(("role", "aws_iam_role.r"),), attributes=attributes,
    )  # fmt: skip
    return LoadedTree([resource], [], [])


def test_a_resource_s_plain_fields_are_written_as_they_are() -> None:
    tree = _tree()
    encoded = codec.encoder()(tree)[1][0]
    resource = tree.resources[0]
    assert encoded[18] is resource.attributes and encoded[17] is resource.links and encoded[14] is resource.references
    assert encoded[11][1][3][1] is encoded[11][0][3][0] is encoded[13]  # a place: once


def test_a_resource_s_plain_fields_come_back_as_marshal_made_them() -> None:
    data = marshal.loads(codec.dumps(_tree()))
    decoded = codec.decode(data)
    assert decoded == _tree() and decoded.resources[0].attributes == _tree().resources[0].attributes
    assert decoded.resources[0].attributes is data[1][0][18]
    assert decoded.resources[0].tags[1].provenance[1] is decoded.resources[0].fix_place


@pytest.mark.parametrize(
    "attributes",
    [({("a", 1): "tuple key"},), ({"k": [1, ("x", 2.0)], "n": None, "t": True},), ((PlaceKind.ATTRIBUTE, _PLACE),)],
    ids=["tuple key", "nested", "model values"],
)
def test_fields_of_any_other_value_come_back_exactly(attributes: Any) -> None:
    decoded = codec.loads(codec.dumps(_tree(attributes)))
    assert decoded == _tree(attributes) and decoded.resources[0].attributes == attributes
    assert [type(v) for v in decoded.resources[0].attributes[-1]] == [type(v) for v in attributes[-1]]


@pytest.mark.parametrize("planted", [b"x", {"a"}, ("x", b"y"), (b"Place", "a.tf"), 1j], ids=repr)
def test_data_the_encoder_does_not_write_in_a_plain_field_is_refused(planted: Any) -> None:
    intact = marshal.loads(codec.dumps(_tree()))
    for index in (1, 12, 14, 16, 17, 18):
        resource = (*intact[1][0][:index], planted, *intact[1][0][index + 1 :])
        with pytest.raises(ValueError):
            codec.loads(marshal.dumps((b"LoadedTree", [resource], [], [], None), codec.VERSION))


def test_a_tag_s_provenance_of_another_shape_is_decoded_as_before() -> None:
    """A tuple with a tag as a tag's provenance is that model value (not a tuple of its items)."""
    intact = marshal.loads(codec.dumps(_tree()))
    resource = intact[1][0]
    place = resource[13]
    tag = (b"TagValue", "owner", "a", place, None)
    forged = (*resource[:11], (tag,), *resource[12:])
    decoded = codec.loads(marshal.dumps((b"LoadedTree", [forged], [], [], None), codec.VERSION))
    assert decoded.resources[0].tags[0].provenance == _PLACE


def test_a_record_of_plain_fields_is_written_and_given_back_as_they_are() -> None:
    """A directory's parse without problems or suppressions (most): its fields as they are, both ways."""
    parsed = ParsedDirectory(("a.tf", "b.tf"), (), {"a.tf": [], "b.tf": []})
    encoded = codec.encoder()(parsed)
    assert encoded[1] is parsed.seen and encoded[3] is parsed.suppressions
    data = marshal.loads(codec.dumps(parsed))
    decoded = codec.decode(data)
    assert decoded == parsed and decoded.suppressions is data[3]


def test_a_resource_among_its_own_tags_is_refused() -> None:
    """A tag already decoded is looked up, not decoded again; one being decoded (data holding itself) is refused."""
    intact = marshal.loads(codec.dumps(_tree()))
    inside: list[Any] = []
    resource = (*intact[1][0][:11], (intact[1][0][11][0], inside), *intact[1][0][12:])
    inside.append(resource)
    with pytest.raises(ValueError):
        codec.decode((b"LoadedTree", [resource], [], [], None))
