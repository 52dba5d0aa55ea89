"""A one-file check of a module file finds every caller a full check finds, whatever way its ``source`` names the
module directory: through a symlink with another name, with ``.`` or ``..`` parts after a directory or a link, or
through a directory the walk never enters. Before, the callers search kept only the files whose written paths end
with the module directory's own name, so such a caller was missed and the module was checked as a library (a
silent pass of the tags its caller gives it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import git_repo, run_cli

PROVIDERS = 'terraform {\n  backend "s3" {}\n}\n\nprovider "aws" {}\n'
MODULE = (
    'variable "tags" {\n  type    = map(string)\n  default = {}\n}\n\n'
    'resource "aws_s3_bucket" "this" {\n  tags = var.tags\n}\n'
)
CALL = 'module "data" {{\n  source = "{source}"\n  tags   = {{ owner = "platform" }}\n}}\n'
NAMED = "modules/real/main.tf"


def _repository(root: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A root ``live/prod`` that calls ``modules/real`` by ``source``, among links that lead there by other names."""
    repo = git_repo(
        root,
        {
            "ownlint.yaml": "parties:\n  internal: [platform]\n",
            "live/prod/providers.tf": PROVIDERS,
            "live/prod/main.tf": CALL.format(source=source),
            NAMED: MODULE,
            "modules/real/files/keep.txt": "",
            "node_modules/.keep": "",  # a directory the walk never enters
        },
        monkeypatch,
    )
    os.symlink("real", repo / "modules/alias")
    os.symlink("real/files", repo / "modules/inner")  # its ".." is modules/real, not modules
    os.symlink("../modules/real", repo / "node_modules/alias")
    os.symlink("modules", repo / "linked")  # a link on the way, not at the end
    return repo


SOURCES = [
    "../../modules/alias",  # a link with another name
    "../../modules/alias/",
    "../../modules/alias/.",
    "../../modules/real/.",  # a "." part after the directory's own name
    "../../modules/real/files/..",  # a ".." part after a real directory
    "../../modules/inner/..",  # a ".." part after a link: the kernel climbs from where it leads
    "../../node_modules/alias",  # a link in a directory the walk skips
    "../../linked/alias",  # links on the way and at the end
    "./../../modules/alias",
    "../../modules/r\\u0065al",  # an escape: the text is not the value
    "${path.module}/../../modules/real",  # templates a load evaluates
    '../../modules/${"real"}',
    '${""}../../modules/real',
]


def _findings(*args: str) -> list[tuple[str, str, str]]:
    run = run_cli("check", "--format", "json", *args)
    assert run.exit_code in (0, 1), run.stdout + run.stderr
    return sorted((f["rule"], f["file"], f["resource"] or "") for f in run.json()["findings"])


@pytest.mark.parametrize("source", SOURCES)
def test_a_module_file_is_checked_through_a_caller_that_names_it_another_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    _repository(tmp_path / "repo", source, monkeypatch)
    whole = [f for f in _findings("--no-cache", ".") if f[1] == NAMED]
    # instantiated by live/prod with its tags: what a library check would report (OWN012) is not there
    assert ("OWN005", NAMED, "module.data.aws_s3_bucket.this") in whole
    assert _findings("--no-cache", "--", NAMED) == whole
    cache = str(tmp_path / "cache")
    assert _findings("--cache-dir", cache, "--", NAMED) == whole  # cold
    assert _findings("--cache-dir", cache, "--", NAMED) == whole  # warm: from the outline store


def test_a_caller_in_json_syntax_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repository(tmp_path / "repo", "", monkeypatch)
    (repo / "live/prod/main.tf").unlink()
    call = '{"module": {"data": {"source": "../../modules/\\u0061lias", "tags": {"owner": "platform"}}}}\n'
    (repo / "live/prod/main.tf.json").write_text(call)
    whole = [f for f in _findings("--no-cache", ".") if f[1] == NAMED]
    assert ("OWN005", NAMED, "module.data.aws_s3_bucket.this") in whole
    assert _findings("--no-cache", "--", NAMED) == whole


def test_a_caller_whose_link_is_retargeted_is_found_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The link changes, the caller file does not: what it reaches is resolved in each run, never remembered."""
    import time

    repo = _repository(tmp_path / "repo", "../../modules/other", monkeypatch)
    cache = str(tmp_path / "cache")
    checks: list[Any] = []
    for target in (None, "real", "alias", None):
        time.sleep(0.02)  # past the clock's tick: each change is seen in the directory's times
        if (repo / "modules/other").is_symlink():
            (repo / "modules/other").unlink()
        if target is not None:
            os.symlink(target, repo / "modules/other")
        uncached = _findings("--no-cache", "--", NAMED)
        assert _findings("--cache-dir", cache, "--", NAMED) == uncached, target
        checks.append(("OWN005", NAMED, "module.data.aws_s3_bucket.this") in uncached)
    assert checks == [False, True, True, False]
