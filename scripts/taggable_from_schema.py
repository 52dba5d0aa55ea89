"""Regenerate ownlint's taggable-resource-types.json from ``terraform providers schema -json``.

Usage:
    terraform providers schema -json > schema.json
    python scripts/taggable_from_schema.py schema.json [--merge src/ownlint/data/taggable-resource-types.json]

A resource type is taggable when its schema block has the provider's tags attribute
(``tags``, ``labels`` for Google, ``freeform_tags`` for OCI). With ``--merge``, the types found
are added to an existing file (per provider, union), so a schema of a subset of providers
does not drop the others. Writes the JSON to standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TAG_ATTRIBUTES = {"google": "labels", "google-beta": "labels", "oci": "freeform_tags"}


def taggable_types(schema: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for address, provider in schema.get("provider_schemas", {}).items():
        name = address.rsplit("/", 1)[-1]
        attribute = TAG_ATTRIBUTES.get(name, "tags")
        for resource_type, resource in (provider.get("resource_schemas") or {}).items():
            attributes = resource.get("block", {}).get("attributes", {})
            if attribute in attributes:
                found.setdefault(name.replace("-beta", ""), set()).add(resource_type)
    return {name: sorted(types) for name, types in sorted(found.items())}


def build(schema: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    result = existing or {
        "_about": "Terraform resource types whose provider schema has a tags attribute.",
        "tag_attribute": {},
        "providers": {},
    }
    for name, types in taggable_types(schema).items():
        result["tag_attribute"].setdefault(name, TAG_ATTRIBUTES.get(name, "tags"))
        merged = set(result["providers"].get(name, [])) | set(types)
        result["providers"][name] = sorted(merged)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", type=Path)
    parser.add_argument("--merge", type=Path)
    args = parser.parse_args(argv)
    schema = json.loads(args.schema.read_text(encoding="utf-8"))
    existing = json.loads(args.merge.read_text(encoding="utf-8")) if args.merge else None
    json.dump(build(schema, existing), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
