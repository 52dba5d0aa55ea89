"""Issue 20: a cold check looks paths up per directory, not per file, and still resolves and checks every link."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli, write_tree

STACKS = 6


def _estate(root: Path, files_per_stack: int) -> Path:
    files = {"modules/bucket/main.tf": 'resource "aws_s3_bucket" "inner" {\n  bucket = "b"\n}\n'}
    for stack in range(STACKS):
        files[f"stacks/s{stack}/main.tf"] = 'module "m" {\n  source = "../../modules/bucket"\n}\n'
        for number in range(files_per_stack):
            files[f"stacks/s{stack}/r{number}.tf"] = f'resource "aws_s3_bucket" "r{number}" {{\n  bucket = "x"\n}}\n'
    return write_tree(root, files)


def _look_ups(monkeypatch: pytest.MonkeyPatch, directory: Path) -> Counter[str]:
    """The path look-ups (``lstat``, ``realpath``, ``stat``, ``scandir``) of one cold check of ``directory``."""
    counted: Counter[str] = Counter()
    for name in ("lstat", "stat", "scandir"):
        original = getattr(os, name)

        def wrapped(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            counted[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(os, name, wrapped)
    realpath = os.path.realpath

    def counted_realpath(*args: Any, **kwargs: Any) -> Any:
        counted["realpath"] += 1
        return realpath(*args, **kwargs)

    monkeypatch.setattr(os.path, "realpath", counted_realpath)
    run = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(directory))
    monkeypatch.undo()
    assert run.exit_code == 1, run.stderr
    assert len(run.json()["findings"]) > 0
    return counted


def test_a_cold_check_looks_up_links_per_directory_not_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = _look_ups(monkeypatch, _estate(tmp_path / "small", 10))
    large = _look_ups(monkeypatch, _estate(tmp_path / "large", 40))
    added = STACKS * 30  # files; the directories are the same
    for name in ("lstat", "realpath", "scandir"):
        assert large[name] - small[name] < added / 10, (name, small, large)
    # reading a file stats it (its size, that it is a regular file): once in discovery, once to read
    assert large["stat"] - small["stat"] <= 2 * added, (small, large)


def _linked_tree(root: Path) -> Path:
    repo = write_tree(
        root / "repo",
        {
            "stacks/a/main.tf": 'module "m" {\n  source = "../../modules/alias"\n}\n'
            'module "evil" {\n  source = "../../modules/away"\n}\n'
            'resource "aws_s3_bucket" "plain" {\n  bucket = "x"\n}\n',
            "modules/real/main.tf": 'resource "aws_s3_bucket" "inmod" {\n  bucket = "y"\n}\n',
            "shared/real.tf": 'resource "aws_s3_bucket" "shared" {\n  bucket = "z"\n}\n',
        },
    )
    write_tree(root / "outside", {"evil.tf": 'resource "aws_s3_bucket" "outside" {\n  bucket = "o"\n}\n'})
    (repo / "stacks/a/linked.tf").symlink_to("../../shared/real.tf")
    (repo / "stacks/a/evil.tf").symlink_to("../../../outside/evil.tf")
    (repo / "modules/alias").symlink_to("real")
    (repo / "modules/away").symlink_to("../../outside")
    return repo


def test_links_inside_the_tree_are_resolved_and_links_out_of_it_refused(tmp_path: Path) -> None:
    repo = _linked_tree(tmp_path)
    run = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(repo))
    assert run.exit_code == 1
    found = sorted({(f["file"], f["resource"]) for f in run.json()["findings"]})
    assert found == [  # the linked file and the module behind a linked directory, by their real paths
        ("modules/real/main.tf", "module.m.aws_s3_bucket.inmod"),
        ("shared/real.tf", "aws_s3_bucket.shared"),
        ("stacks/a/main.tf", "aws_s3_bucket.plain"),
    ]
    assert run.stderr.splitlines() == [
        f"note: skipped 1 symlink pointing outside the scanned tree: {repo}/stacks/a/evil.tf",
        "note: 1 module call(s) not followed, their resources are not checked: module.evil (stacks/a/main.tf:4): "
        "module source '../../modules/away' is outside the repository; not followed",
    ]


def test_a_link_swapped_in_between_two_runs_of_one_process_is_seen(tmp_path: Path) -> None:
    """What a run learnt of the paths is not kept for the next: a directory replaced by a link out is refused."""
    repo = _linked_tree(tmp_path)
    first = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(repo))
    assert "module.m.aws_s3_bucket.inmod" in {f["resource"] for f in first.json()["findings"]}
    (repo / "stacks/a/linked.tf").unlink()
    (repo / "stacks/a/linked.tf").symlink_to("../../../outside/evil.tf")
    (repo / "modules/alias").unlink()
    (repo / "modules/alias").symlink_to("../../outside")
    second = run_cli("check", "--no-cache", "--jobs", "1", "--format", "json", str(repo))
    assert "module.m.aws_s3_bucket.inmod" not in {f["resource"] for f in second.json()["findings"]}
    assert "outside/evil.tf" not in second.stdout
    assert "skipped 2 symlinks pointing outside the scanned tree" in second.stderr
    assert (
        "module.m (stacks/a/main.tf:1): module source '../../modules/alias' is outside the repository" in second.stderr
    )
