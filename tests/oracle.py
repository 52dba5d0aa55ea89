"""``terraform console`` as an oracle: evaluates expressions with no providers and no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REQUIRE = "OWNLINT_REQUIRE_TERRAFORM"
KNOWN_AFTER_APPLY = "(known after apply)"  # what console prints for a value it cannot know, e.g. an unset variable  # set by .ci/run where terraform is installed: skipping is then a failure


def terraform_or_skip() -> str:
    """The terraform executable; without one the test is skipped with the reason (or fails under CI)."""
    found = shutil.which("terraform")
    if found is None:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{REQUIRE} is set but terraform is not on the PATH: the oracle test would be skipped")
        pytest.skip("terraform is not installed: the terraform console oracle was not run")
    return found


def console(directory: Path, expressions: list[str]) -> list[Any]:
    """Each expression's value as Terraform computes it in ``directory`` (None where Terraform errors)."""
    terraform = terraform_or_skip()
    values: list[Any] = []
    for expression in expressions:  # one process per expression: an error must not shift the answers
        completed = subprocess.run(
            [terraform, "console"],
            input=f"jsonencode({expression})\n",
            capture_output=True,
            text=True,
            cwd=directory,
            timeout=60,
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(directory), "TF_CLI_CONFIG_FILE": "/dev/null"},
        )
        if completed.returncode != 0:
            values.append(None)
            continue
        if completed.stdout.strip() == KNOWN_AFTER_APPLY:
            values.append(KNOWN_AFTER_APPLY)
            continue
        # console prints the JSON text as an HCL string literal: decode twice
        values.append(json.loads(json.loads(completed.stdout.strip())))
    return values


def console_batch(directory: Path, expressions: list[str]) -> list[Any]:
    """As ``console``, in one process: each expression inside ``try()`` (None where Terraform errors)."""
    terraform = terraform_or_skip()
    wrapped = ", ".join(f"try(jsonencode({e}), null)" for e in expressions)
    completed = subprocess.run(
        [terraform, "console"],
        input=f"jsonencode([{wrapped}])\n",
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(directory), "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    assert completed.returncode == 0, completed.stderr
    texts = json.loads(json.loads(completed.stdout.strip()))
    return [None if text is None else json.loads(text) for text in texts]
