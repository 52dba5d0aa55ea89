"""Which Terraform resource types carry tags, and under which attribute (provider-schema facts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class TaggableIndex:
    tag_attribute: dict[str, str]
    types: frozenset[str]

    def provider_of(self, resource_type: str) -> str:
        return resource_type.split("_", 1)[0]

    def attribute_for(self, resource_type: str) -> str:
        """The tags attribute of a type's provider (``tags`` for unknown providers)."""
        return self.tag_attribute.get(self.provider_of(resource_type), "tags")

    def is_taggable(self, resource_type: str) -> bool:
        return resource_type in self.types


@lru_cache(maxsize=1)
def taggable_index() -> TaggableIndex:
    text = (Path(__file__).parents[2] / "data" / "taggable-resource-types.json").read_text("utf-8")
    data = json.loads(text)
    types = frozenset(t for listed in data["providers"].values() for t in listed)
    return TaggableIndex(dict(data["tag_attribute"]), types)
