"""The result cache's codec writes plain data (text, numbers, booleans, None, tuples, lists, dicts) as ``marshal``
writes it and gives it back exactly, keys' types and order too (issue 20: JSON made each tuple and dict a tagged
object, parsed and walked again in Python: half of a warm run's entry checks); what it did not write is refused."""

from __future__ import annotations

import marshal
from typing import Any

import pytest

from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import LoadedTree
from ownlint.model import Place, PlaceKind, Resource


def _round_trip(value: Any) -> tuple[bytes, Any]:
    data = codec.dumps(value)
    return data, codec.loads(data)


def _tree(attributes: dict[Any, Any]) -> LoadedTree:
    resource = Resource("aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 1, 5, attributes=(attributes,))
    return LoadedTree([resource], [], [])


def test_a_plain_dict_comes_back_exactly() -> None:
    plain = {"__line__": 9, "name": "b", "on": True, "ratio": 1.0, "none": None, "tags": {"owner": "a", "n": 1}}
    _, decoded = _round_trip(_tree(plain))
    found = decoded.resources[0].attributes[0]
    assert found == plain
    assert list(found) == list(plain) and list(found["tags"]) == ["owner", "n"]
    assert [type(v) for v in found.values()] == [type(v) for v in plain.values()]


@pytest.mark.parametrize(
    "value",
    [{"ids": ("a", "b")}, {1: "a"}, {"inner": {"list": ["x"]}}, {"inner": {2: None}}, {"d": {"t": ("x",)}, "s": "y"}],
)
def test_a_dict_json_would_change_keeps_its_pairs(value: dict[Any, Any]) -> None:
    _, decoded = _round_trip(_tree(value))
    found = decoded.resources[0].attributes[0]
    assert found == value and [type(k) for k in found] == [type(k) for k in value]


def _code() -> Any:
    return compile("1", "<x>", "eval")


@pytest.mark.parametrize(
    "planted",
    [b"x", {"a"}, frozenset({"a"}), 1j, _code(), ("x", b"y"), (b"Nope", 1), (b"Place", "a.tf", 1), (b"K", "nope")],
    ids=["bytes", "set", "frozenset", "complex", "code", "bytes inside", "no class", "arity", "no kind"],
)
def test_data_the_encoder_does_not_write_is_refused(planted: Any) -> None:
    """Where a resource's attributes are, or as a model value: anything but the model and plain data."""
    value = marshal.loads(codec.dumps(_tree({"a": "b"})))[1]
    assert value[0][0] == b"Resource"
    intact = (*value[0][:-1], ({"a": ("b", ["c"])},))
    assert codec.loads(marshal.dumps((b"LoadedTree", [intact], [], [], None), codec.VERSION)).resources
    for forged in (planted, {"a": planted}, [planted], (planted,)):
        resource = (*value[0][:-1], (forged,))
        with pytest.raises(ValueError):
            codec.loads(marshal.dumps((b"LoadedTree", [resource], [], [], None), codec.VERSION))


def test_a_model_value_that_holds_itself_is_refused() -> None:
    inside: list[Any] = []
    tag = (b"TagValue", "owner", "a", (inside,), None)
    inside.append(tag)
    with pytest.raises(ValueError):
        codec.decode(tag)


def test_damaged_data_is_refused() -> None:
    data = codec.dumps(_tree({"a": "b"}))
    for damaged in (data[:-3], b"r\xff\x00\x00\x00", b""):
        with pytest.raises(ValueError):
            codec.loads(damaged)


def test_a_kind_and_a_date_come_back_as_themselves() -> None:
    import datetime

    value = [Place("a.tf", 1, "x", PlaceKind.ATTRIBUTE), datetime.date(2026, 12, 1)]
    assert codec.loads(codec.dumps(value)) == value
    assert codec.loads(codec.dumps(value))[0].kind is PlaceKind.ATTRIBUTE
