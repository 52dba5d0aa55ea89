"""The outline store's warm pass stats the repository's files and directories by their paths from the working
directory when that is the repository (pre-commit runs there; issue 20: fewer components for the kernel to walk
in thousands of stats), and sees every change between runs from there and from elsewhere."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

CALL = 'module "queue" {\n  source = "../../modules/queue"\n}\n'
FILES = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    "live/a/main.tf": CALL,
    "live/a/terraform.tfvars": "",
    **{f"other/team-{n}/main.tf": 'resource "aws_sqs_queue" "q" {}\n' for n in range(3)},
}
NAMED = "modules/queue/main.tf"


def _stats(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``os.stat`` and ``os.lstat`` are asked for, as given."""
    asked: list[str] = []
    stat, lstat = os.stat, os.lstat

    def counted_stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else "")
        return stat(path, *args, **kwargs)

    def counted_lstat(path: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else "")
        return lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counted_stat)
    monkeypatch.setattr(os, "lstat", counted_lstat)
    return asked


def _repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    from ownlint.loaders import identity

    monkeypatch.setattr(identity, "RACY_NS", 0)  # record the test's files, written a moment ago
    repo = write_tree(tmp_path / "repo", FILES)
    (repo / ".git").mkdir()
    return repo, str(tmp_path / "cache")


def test_a_warm_module_check_from_the_repository_stats_its_files_by_their_paths_from_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, cache = _repository(tmp_path, monkeypatch)
    monkeypatch.chdir(repo)
    run_cli("check", "--cache-dir", cache, "--", NAMED)
    asked = _stats(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--", NAMED)
    assert "module.queue.aws_sqs_queue.q" in warm.stdout
    real = os.path.realpath(repo)
    assert {"other/team-1/main.tf", "other/team-1", "other"} <= set(asked)  # each file's and directory's identity
    assert [p for p in asked if p.startswith(os.path.join(real, "other"))] == []  # not by its absolute path


@pytest.mark.parametrize("where", ["repository", "below it", "outside it"])
def test_a_warm_module_check_sees_a_caller_changed_between_runs_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    repo, cache = _repository(tmp_path, monkeypatch)
    cwd = {"repository": repo, "below it": repo / "live", "outside it": tmp_path}[where]
    monkeypatch.chdir(cwd)
    named = os.path.relpath(repo / NAMED, cwd)
    steps = [
        lambda: (repo / "live/a/main.tf").write_text(CALL.replace("queue", "renamed", 1)),  # same size, other text
        lambda: (repo / "live/a/main.tf").write_text(""),  # its call removed
        lambda: write_tree(repo, {"other/team-2/calls.tf": CALL}),  # a caller added beside a file
        lambda: (repo / "other/team-2/calls.tf").rename(repo / "other/team-2/moved.tf"),
    ]
    for step in [lambda: None, *steps]:
        time.sleep(0.02)  # past the clock's tick: a change is seen in the times
        step()
        warm = run_cli("check", "--cache-dir", cache, "--", named)
        uncached = run_cli("check", "--no-cache", "--", named)
        assert warm.stdout == uncached.stdout, where
    assert "other/team-2" in warm.stdout or "module.queue" in warm.stdout
