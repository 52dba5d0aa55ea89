"""The result cache's codec writes a plain dict (text keys; text, numbers, booleans, None or such dicts as values:
most attributes) as the JSON object it is, and gives it back exactly (issue 20: walking each attribute's pairs
in Python was a third of encoding a cold run's entries)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import LoadedTree
from ownlint.model import Resource


def _round_trip(value: Any) -> tuple[str, Any]:
    text = json.dumps(codec.encode(value), separators=(",", ":"), check_circular=False)
    return text, codec.decode(json.loads(text))


def _tree(attributes: dict[Any, Any]) -> LoadedTree:
    resource = Resource("aws_s3_bucket.b", "aws_s3_bucket", "b", "terraform", "main.tf", 1, 5, attributes=(attributes,))
    return LoadedTree([resource], [], [])


def test_a_plain_dict_is_written_as_its_object_and_comes_back_exactly() -> None:
    plain = {"__line__": 9, "name": "b", "on": True, "ratio": 1.0, "none": None, "tags": {"owner": "a", "n": 1}}
    text, decoded = _round_trip(_tree(plain))
    assert '{"O":{"__line__":9,' in text
    found = decoded.resources[0].attributes[0]
    assert found == plain
    assert list(found) == list(plain) and list(found["tags"]) == ["owner", "n"]
    assert [type(v) for v in found.values()] == [type(v) for v in plain.values()]


@pytest.mark.parametrize(
    "value",
    [{"ids": ("a", "b")}, {1: "a"}, {"inner": {"list": ["x"]}}, {"inner": {2: None}}, {"d": {"t": ("x",)}, "s": "y"}],
)
def test_a_dict_json_would_change_keeps_its_pairs(value: dict[Any, Any]) -> None:
    text, decoded = _round_trip(_tree(value))
    assert '"D":' in text
    found = decoded.resources[0].attributes[0]
    assert found == value and [type(k) for k in found] == [type(k) for k in value]


def test_a_plain_dict_that_is_no_object_is_refused() -> None:
    table, value = json.loads(json.dumps(codec.encode({"a": "b"})))
    assert value == {"O": {"a": "b"}}
    with pytest.raises(ValueError):
        codec.decode([table, {"O": ["a", "b"]}])
