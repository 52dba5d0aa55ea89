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


def executable_or_skip(name: str, require: str, oracle: str) -> str:
    """The ``name`` executable; without one the test is skipped with the reason, or fails where ``.ci/run``
    set ``require`` (the tool is installed there: a skip would hide the oracle)."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get(require):
            pytest.fail(f"{require} is set but {name} is not on the PATH: {oracle} would be skipped")
        pytest.skip(f"{name} is not installed: {oracle} was not run")
    return found


def terraform_or_skip() -> str:
    return executable_or_skip("terraform", REQUIRE, "the terraform console oracle")


def _console(directory: Path, text: str, timeout: int) -> subprocess.CompletedProcess[str]:
    """``terraform console`` in ``directory`` reading ``text``, with no user configuration."""
    return subprocess.run(
        [terraform_or_skip(), "console"],
        input=text,
        capture_output=True,
        text=True,
        cwd=directory,
        timeout=timeout,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(directory), "TF_CLI_CONFIG_FILE": "/dev/null"},
    )


def console(directory: Path, expressions: list[str]) -> list[Any]:
    """Each expression's value as Terraform computes it in ``directory`` (None where Terraform errors)."""
    values: list[Any] = []
    for expression in expressions:  # one process per expression: an error must not shift the answers
        completed = _console(directory, f"jsonencode({expression})\n", 60)
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
    wrapped = ", ".join(f"try(jsonencode({e}), null)" for e in expressions)
    completed = _console(directory, f"jsonencode([{wrapped}])\n", 120)
    assert completed.returncode == 0, completed.stderr
    texts = json.loads(json.loads(completed.stdout.strip()))
    return [None if text is None else json.loads(text) for text in texts]
