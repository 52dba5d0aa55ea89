"""Discovery's order decides the output's: files sorted as ``Path`` sorts them (by parts, not by text), what is
met on the walk (links out of the root, problems, chart templates) in ``os.walk``'s top-down name order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ownlint.loaders import files
from ownlint.loaders.discovery import discover

# text order and Path order differ: "-" and "." sort before "/" as characters, after the end of a part as parts
NAMES = ("a-b/x.tf", "a/b.tf", "a.c/y.tf", "a/z.tf", "a/b/c.tf", "ab.tf", "a b/w.tf", "main.tf")


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in NAMES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('resource "null_resource" "x" {}\n')
        manifest = path.with_suffix(".yaml")
        manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    outside = tmp_path / "outside.yaml"
    outside.write_text("{}\n")
    for link in ("a-b/out.yaml", "a/out.yaml", "a/b/out.yaml", "out.yaml"):
        (root / link).symlink_to(outside)
    for fifo in ("a-b/p.yaml", "a/b/p.tf", "z.yaml"):
        os.mkfifo(root / fifo)
    return root


def test_files_are_sorted_as_paths_and_walked_things_in_walk_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    for named in (root, Path("repo")):
        with files.one_run():
            found = discover([named])
        relative = [p.relative_to(named) for p in found.terraform]
        assert relative == sorted(Path(n) for n in NAMES)
        assert [str(p) for p in relative] != sorted(NAMES)  # the text order is another
        assert found.manifests == sorted(named / Path(n).with_suffix(".yaml") for n in NAMES)
        walked = [
            "out.yaml",
            "a/out.yaml",
            "a/b/out.yaml",
            "a-b/out.yaml",
        ]  # a directory's files, then its subdirectories
        assert found.outside_links == [named / w for w in walked]
        problems = [(p.file, p.message) for p in found.problems]
        fifos = ["z.yaml", "a/b/p.tf", "a-b/p.yaml"]
        assert problems == [(f, "not a regular file: not read") for f in fifos]


def test_the_current_directory_and_a_named_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    monkeypatch.chdir(root)
    with files.one_run():
        found = discover([Path(".")])
        both = discover([Path("a/z.tf"), Path("a")])
    assert found.terraform == sorted(Path(n) for n in NAMES)
    assert both.terraform == [Path("a/b/c.tf"), Path("a/b.tf"), Path("a/z.tf")]  # the named file once
