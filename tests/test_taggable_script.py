"""scripts/taggable_from_schema.py regenerates the taggable list from a provider schema."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "taggable_from_schema.py"


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("taggable_from_schema", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


SCHEMA = {
    "provider_schemas": {
        "registry.terraform.io/hashicorp/aws": {
            "resource_schemas": {
                "aws_s3_bucket": {"block": {"attributes": {"bucket": {}, "tags": {}, "tags_all": {}}}},
                "aws_iam_role_policy_attachment": {"block": {"attributes": {"role": {}}}},
            }
        },
        "registry.terraform.io/hashicorp/google": {
            "resource_schemas": {
                "google_storage_bucket": {"block": {"attributes": {"labels": {}}}},
                "google_project_iam_member": {"block": {"attributes": {"member": {}}}},
            }
        },
    }
}


def test_types_with_a_tags_attribute_are_taggable() -> None:
    script = load_script()
    assert script.taggable_types(SCHEMA) == {"aws": ["aws_s3_bucket"], "google": ["google_storage_bucket"]}


def test_merge_keeps_other_providers() -> None:
    script = load_script()
    existing = {"tag_attribute": {"oci": "freeform_tags"}, "providers": {"oci": ["oci_core_vcn"], "aws": ["aws_vpc"]}}
    merged = script.build(SCHEMA, existing)
    assert merged["providers"]["aws"] == ["aws_s3_bucket", "aws_vpc"]
    assert merged["providers"]["oci"] == ["oci_core_vcn"]
    assert merged["tag_attribute"]["google"] == "labels"
