"""Issue 19 items 5 and 6: label attributes under other names and nested blocks (from provider schemas),
in HCL and plan JSON; aws_autoscaling_group's tag blocks and legacy tags list in plan JSON too."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, effective_tag_lines, expected_lines, finding_lines, run_cli

from ownlint.inputs import Inputs
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.pipeline import load

CASES = FIXTURES / "terraform"
PLANS = CASES / "label-plans"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "taggable_from_schema.py"
SELECT = ("--select", "OWN000,OWN001,OWN012", "--format", "json")


def tags_of(path: Path, plan: Path) -> list[str]:
    inputs = Inputs(paths=(str(path),), terraform=TerraformInputs(plans=(str(plan),)))
    return effective_tag_lines(load(inputs).resources)


def test_shipped_label_paths_name_nested_attributes() -> None:
    index = taggable_index()
    assert index.label_path("google_container_cluster") == ("resource_labels",)
    assert index.label_path("google_container_node_pool") == ("node_config", "resource_labels")
    assert index.label_path("google_sql_database_instance") == ("settings", "user_labels")
    assert index.label_path("oci_core_instance") == ("freeform_tags",)
    assert index.label_path("aws_s3_bucket") == ("tags",)
    assert index.takes_provider_defaults("google_container_cluster")
    assert not index.takes_provider_defaults("google_sql_database_instance")
    assert index.is_taggable("google_container_node_pool")


def test_gke_and_cloud_sql_plan_reads_the_nested_label_paths() -> None:
    lines = tags_of(CASES / "gke-labels", PLANS / "gke.json")
    assert lines == [
        "google_container_cluster.primary env=prod goog-terraform-provisioned=true operated-by=internal owner=platform",
        "google_container_node_pool.batch operated-by=internal owner=data-eng",
        "google_container_node_pool.spot",
        "google_monitoring_alert_policy.cpu owner=platform",
        "google_sql_database_instance.ledger operated-by=internal owner=payments",
        "google_sql_database_instance.reports",
        "google_storage_bucket.exports goog-terraform-provisioned=true operated-by=internal owner=platform",
    ]
    run = run_cli("check", str(CASES / "gke-labels"), "--plan", str(PLANS / "gke.json"), *SELECT)
    assert finding_lines(run.json()["findings"]) == expected_lines(CASES / "gke-labels" / "expected.txt")


def test_autoscaling_groups_are_checked_from_a_plan() -> None:
    lines = tags_of(CASES / "asg", PLANS / "asg.json")
    assert lines == [
        "aws_autoscaling_group.batch Name=batch",
        "aws_autoscaling_group.legacy Name=legacy owner=payments",
        "aws_autoscaling_group.legacy_built Name=legacy-built operated-by=internal owner=data-eng",
        "aws_autoscaling_group.web owner=platform",
        "aws_autoscaling_group.workers operated-by=internal owner=data-eng",
        "aws_launch_template.web operated-by=internal owner=platform",
    ]
    run = run_cli("check", str(CASES / "asg"), "--plan", str(PLANS / "asg.json"), *SELECT)
    assert finding_lines(run.json()["findings"]) == expected_lines(CASES / "asg" / "expected.txt")


def test_legacy_tags_list_is_where_a_missing_owner_is_added(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_autoscaling_group" "a" {\n  name = "a"\n'
        '  tags = [{ key = "Name", value = "a", propagate_at_launch = true }]\n}\n'
    )
    run = run_cli("check", str(tmp_path), *SELECT)
    [finding] = run.json()["findings"]
    assert finding["message"].endswith("add owner to tags of aws_autoscaling_group.a (main.tf:3)")


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("taggable_from_schema", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


LABELS = {"type": ["map", "string"], "optional": True}
COMPUTED = {"type": ["map", "string"], "computed": True}
SCHEMA = {
    "provider_schemas": {
        "registry.terraform.io/hashicorp/google": {
            "resource_schemas": {
                "google_container_cluster": {
                    "block": {
                        "attributes": {"resource_labels": LABELS, "terraform_labels": COMPUTED},
                        "block_types": {"node_config": {"block": {"attributes": {"labels": LABELS}}}},
                    }
                },
                "google_sql_database_instance": {
                    "block": {"block_types": {"settings": {"block": {"attributes": {"user_labels": LABELS}}}}}
                },
                "google_storage_bucket": {"block": {"attributes": {"labels": LABELS, "terraform_labels": COMPUTED}}},
            }
        }
    }
}


def test_script_derives_label_paths_and_default_labels_from_a_schema() -> None:
    built = _script().build(json.loads(json.dumps(SCHEMA)), None)
    assert built["providers"]["google"] == [
        "google_container_cluster",
        "google_sql_database_instance",
        "google_storage_bucket",
    ]
    assert built["label_paths"] == {
        "google_container_cluster": [["resource_labels"]],
        "google_sql_database_instance": [["settings", "user_labels"]],
    }
    assert built["no_default_labels"] == ["google_sql_database_instance"]


def test_autoscaling_group_tags_unknown_in_the_plan_take_the_configuration_keys(tmp_path: Path) -> None:
    plan = json.loads((PLANS / "asg.json").read_text())
    for change in plan["resource_changes"]:
        if change["address"] == "aws_autoscaling_group.web":
            change["change"]["after"].pop("tag")
            change["change"]["after_unknown"]["tag"] = True
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    lines = tags_of(CASES / "asg", tmp_path / "plan.json")
    assert "aws_autoscaling_group.web owner=platform" in lines
