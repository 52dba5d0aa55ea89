"""Regenerate ownlint's taggable-resource-types.json (taggable types and their label paths) from provider schemas.

Usage:
    terraform providers schema -json > schema.json
    python scripts/taggable_from_schema.py schema.json [--merge src/ownlint/data/taggable-resource-types.json]

    # where the providers cannot be installed: a survey of a provider's Go source instead
    python scripts/go_schema_labels.py google PROVIDER_SOURCE_DIR > google.go.json
    python scripts/taggable_from_schema.py google.go.json ... --merge src/ownlint/data/taggable-resource-types.json

A resource type is taggable when its schema has the provider's tags attribute (``tags``, ``labels`` for
Google, ``freeform_tags`` for OCI) or another attribute that carries the resource's own labels, perhaps
inside a nested block (``resource_labels``, ``node_config.resource_labels``, ``settings.user_labels``).
One walk gives both: ``providers`` (the types) and ``label_paths`` (a type's paths of keys, written only
where they are not the provider's tags attribute). ``no_default_labels`` lists the Google types whose label
attribute has no ``terraform_labels`` sibling: the provider's ``default_labels`` do not reach them.
With ``--merge``, everything found is added to an existing file (a union, per provider and per type),
so a schema of a subset of providers, or a newer provider that dropped types, drops nothing. Writes the
JSON to standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TAG_ATTRIBUTES = {"google": "labels", "google-beta": "labels", "oci": "freeform_tags"}
# Label attributes by provider; "own" names may also be found nested (Google: depth <= 2).
LABEL_NAMES = {"google": ("labels", "resource_labels", "user_labels"), "oci": ("freeform_tags", "defined_tags")}
GOOGLE_NESTED_OWN = ("resource_labels", "user_labels")
# Google attributes named like labels that are not the resource's own labels (read in the provider source).
GOOGLE_NOT_LABELS = {
    ("google_monitoring_notification_channel", "labels"),  # channel settings such as email_address
    ("google_cloud_identity_group", "labels"),  # group type markers
}
MAP_TYPES = ("TypeMap", "Tags", "TagsForceNew", "TagsWithLowerCaseKeys", "TagsWithMaximumElements")


def taggable_types(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Types whose top-level block has the provider's tags attribute (a schema's presence test)."""
    found: dict[str, set[str]] = {}
    for address, provider in schema.get("provider_schemas", {}).items():
        name = address.rsplit("/", 1)[-1]
        attribute = TAG_ATTRIBUTES.get(name, "tags")
        for resource_type, resource in (provider.get("resource_schemas") or {}).items():
            attributes = resource.get("block", {}).get("attributes", {})
            if attribute in attributes:
                found.setdefault(name.replace("-beta", ""), set()).add(resource_type)
    return {name: sorted(types) for name, types in sorted(found.items())}


def schema_records(schema: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per provider, per type: every attribute named like labels/tags, as the Go survey records them."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for address, provider in schema.get("provider_schemas", {}).items():
        name = address.rsplit("/", 1)[-1].replace("-beta", "")
        for resource_type, resource in (provider.get("resource_schemas") or {}).items():
            records: list[dict[str, Any]] = []
            _walk(resource.get("block") or {}, [], records, 0)
            out.setdefault(name, {}).setdefault(resource_type, []).extend(records)
    return out


def _walk(block: dict[str, Any], path: list[str], records: list[dict[str, Any]], depth: int) -> None:
    if depth > 8:
        return
    attributes = block.get("attributes") or {}
    for name, attribute in attributes.items():
        nested = attribute.get("nested_type")
        if isinstance(nested, dict):
            _walk(nested, [*path, name], records, depth + 1)
        if not (name.endswith("tags") or name.endswith("labels")):
            continue
        kind = attribute.get("type")
        computed_only = bool(attribute.get("computed")) and not (attribute.get("optional") or attribute.get("required"))
        records.append(
            {
                "path": [*path, name],
                "type": "TypeMap" if isinstance(kind, list) and kind[:1] == ["map"] else json.dumps(kind),
                "computed_only": computed_only,
                "siblings": [s for s in ("terraform_labels", "effective_labels") if s in attributes],
                "description": str(attribute.get("description") or "")[:140],
            }
        )
    for name, block_type in (block.get("block_types") or {}).items():
        _walk(block_type.get("block") or {}, [*path, name], records, depth + 1)


def own_paths(provider: str, resource_type: str, records: list[dict[str, Any]]) -> tuple[list[list[str]], bool]:
    """The paths that carry a type's own labels, first the one provider defaults merge into, and whether
    Google's ``default_labels`` reach it (a ``terraform_labels`` sibling)."""
    maps = [r for r in records if r["type"] in MAP_TYPES and not r["computed_only"]]
    if provider != "google":
        names = LABEL_NAMES.get(provider, ("tags",))
        own = [r["path"] for r in maps if len(r["path"]) == 1 and r["path"][0] in names]
        own.sort(key=lambda p: names.index(p[0]))
        return own, False
    own, defaults, nested = [], False, []
    for record in maps:
        name, path = record["path"][-1], record["path"]
        if name in ("effective_labels", "terraform_labels") or (resource_type, name) in GOOGLE_NOT_LABELS:
            continue
        if "terraform_labels" in record["siblings"] and name in ("labels", "resource_labels"):
            own.insert(0, path)
            defaults = True
        elif len(path) == 1 and name in LABEL_NAMES["google"]:
            own.append(path)
        elif len(path) <= 2 and name in GOOGLE_NESTED_OWN:
            nested.append(path)
    return (own or nested), defaults


def records_of(document: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """A schema (``provider_schemas``) or a Go survey (``provider``, ``types``) as records per provider."""
    if "provider_schemas" in document:
        return schema_records(document)
    return {str(document["provider"]).replace("-beta", ""): dict(document.get("types") or {})}


def build(schema: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    result = existing or {
        "_about": "Terraform resource types whose provider schema has a tags attribute.",
        "tag_attribute": {},
        "providers": {},
    }
    found = taggable_types(schema) if "provider_schemas" in schema else {}
    label_paths: dict[str, list[list[str]]] = dict(result.get("label_paths") or {})
    no_defaults = set(result.get("no_default_labels") or [])
    for provider, types in records_of(schema).items():
        default = [[TAG_ATTRIBUTES.get(provider, "tags")]]
        for resource_type, records in types.items():
            paths, defaults = own_paths(provider, resource_type, records)
            if not paths:
                continue
            found.setdefault(provider, []).append(resource_type)
            if paths[:1] != default:
                label_paths[resource_type] = paths[:1]  # ownership keys live in the first (OCI: freeform_tags)
            else:
                label_paths.pop(resource_type, None)
            if provider == "google" and not defaults:
                no_defaults.add(resource_type)
            else:
                no_defaults.discard(resource_type)
    for name, types in found.items():
        result["tag_attribute"].setdefault(name, TAG_ATTRIBUTES.get(name, "tags"))
        result["providers"][name] = sorted(set(result["providers"].get(name, [])) | set(types))
    result["label_paths"] = dict(sorted(label_paths.items()))
    result["no_default_labels"] = sorted(no_defaults)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", type=Path, nargs="+", help="terraform providers schema -json, or a Go survey")
    parser.add_argument("--merge", type=Path)
    args = parser.parse_args(argv)
    result = json.loads(args.merge.read_text(encoding="utf-8")) if args.merge else None
    for path in args.schema:
        result = build(json.loads(path.read_text(encoding="utf-8")), result)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
