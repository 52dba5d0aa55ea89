"""Issue 20 (est-d warm): folding instances hashes no tag (a tag's hash asks each place of its provenance, in
Python: 21.6k record hashes a run) - they are split by their keys, values and reasons, then compared - and still
folds equal tags that are distinct objects, and keeps apart tags that differ, in their first instances' order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ownlint.loaders.terraform.load import fold_instances
from ownlint.model import Place, PlaceKind, Resource, TagValue

PLACE = Place("main.tf", 2, "tags", PlaceKind.ATTRIBUTE, "tags", "aws_sqs_queue.q")


def _instances(tags: tuple[TagValue, ...], count: int) -> list[Resource]:
    base = Resource("aws_sqs_queue.q", "aws_sqs_queue", "q", "terraform", "main.tf", 1, 3, tags=tags)
    return [replace(base, instances=(f'aws_sqs_queue.q["{i}"]',), attributes=({"n": i},)) for i in range(count)]


def test_instances_with_equal_tags_hash_no_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[Any] = []
    original = TagValue.__hash__

    def counting(self: TagValue) -> int:
        hashed.append(self)
        return original(self)

    monkeypatch.setattr(TagValue, "__hash__", counting)
    members = [
        replace(r, tags=(TagValue("owner", "a", (PLACE,)), TagValue("env", "prod", (replace(PLACE),))))
        for r in _instances((), 50)
    ]
    folded = fold_instances(members)
    assert [(r.instances, r.tags) for r in folded] == [((), members[0].tags)]
    assert len(folded[0].attributes) == 50
    assert hashed == []


def test_equal_tags_of_distinct_objects_fold_together_and_other_tags_apart() -> None:
    one = (TagValue("owner", "a", (PLACE,)),)
    equal = (TagValue("owner", "a", (replace(PLACE),)),)
    other = (TagValue("owner", "b", (PLACE,)),)
    moved = (TagValue("owner", "a", (replace(PLACE, line=3),)),)  # the same key, value and reason: another place
    members = [*_instances(other, 1), *_instances(one, 2), *_instances(moved, 1), *_instances(equal, 2)]
    members = [replace(r, instances=(f"i{n}",)) for n, r in enumerate(members)]
    folded = fold_instances(members)
    assert [(r.instances, r.tags) for r in folded] == [
        (("i0",), other),
        (("i1", "i2", "i4", "i5"), one),
        (("i3",), moved),
    ]
    assert all(type(r) is Resource for r in folded)
