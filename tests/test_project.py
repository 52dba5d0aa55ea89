"""Project meta-checks: the README's commands, CI, hook ids (the layering: tests/test_layering.py)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    assert len(blocks) >= 2
    assert "ownlint check --config fixtures/example/ownlint.yaml fixtures/example" in blocks[0]
    test_command = blocks[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_every_hook_id_is_in_the_readme() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    readme = (ROOT / "README.md").read_text()
    for hook in hooks:
        assert f"id: {hook['id']}" in readme


def test_taggable_data_matches_the_shared_reference() -> None:
    import json

    shipped = json.loads((ROOT / "src" / "ownlint" / "data" / "taggable-resource-types.json").read_text())
    assert shipped["tag_attribute"]["google"] == "labels"
    assert "aws_s3_bucket" in shipped["providers"]["aws"]
    assert "aws_iam_role_policy_attachment" not in shipped["providers"]["aws"]
