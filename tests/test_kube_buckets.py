"""Issue 20, a warm run of 9k manifests: the files named are grouped by directory without abspath and split in
Python for each one when its path is absolute and normal, giving what they give for any other path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ownlint.loaders.kubernetes import reading

PATHS = [
    "/a/b/c.yaml",
    "/c.yaml",
    "/a/.hidden/c.yaml",
    "/a/b/..c.yaml",
    "/a/./b/c.yaml",
    "/a/../b/c.yaml",
    "//a/b.yaml",
    "/a//b.yaml",
    "/a/b/",
    "/a/b/.",
    "/a/b/..",
    "/",
    "a/b.yaml",
    "./b.yaml",
    "b.yaml",
    "../b.yaml",
]


def test_each_path_is_split_as_abspath_and_split_would() -> None:
    for path in PATHS:
        assert reading._split(path) == os.path.split(os.path.abspath(path)), path
        assert reading._split(path, os.getcwd()) == os.path.split(os.path.abspath(path)), path


def test_files_are_grouped_by_their_absolute_directory_in_order() -> None:
    files = [Path("/r/x/a.yaml"), Path("/r/y/b.yaml"), Path("/r/x/c.yaml"), Path("rel/d.yaml")]
    grouped = {d: names for _, directories in reading.buckets(files) for d, names in directories}
    assert grouped["/r/x"] == [(0, "a.yaml"), (2, "c.yaml")]
    assert grouped["/r/y"] == [(1, "b.yaml")]
    assert grouped[os.path.abspath("rel")] == [(3, "d.yaml")]


@pytest.mark.skipif(os.sep != "/", reason="elsewhere abspath is more than a join to the working directory")
def test_relative_paths_ask_the_working_directory_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ownlint check .`` names its manifests relative to the working directory: ``abspath`` asked the kernel
    for it once per file (a system call each, 800 in the benchmark's estate); the directories are the same."""
    files = [Path("rel/a.yaml"), Path("rel/b.yaml"), Path("./other/c.yaml"), Path("/r/x/d.yaml"), Path("../e.yaml")]
    expected = [os.path.split(os.path.abspath(path)) for path in files]
    asked: list[str] = []
    real = os.getcwd

    def getcwd() -> str:
        asked.append("getcwd")
        return real()

    monkeypatch.setattr(os, "getcwd", getcwd)
    grouped = {(d, name) for _, directories in reading.buckets(files) for d, names in directories for _, name in names}
    assert grouped == set(expected)
    assert asked == ["getcwd"]
    asked.clear()
    reading.buckets([Path("/r/x/a.yaml"), Path("/r/y/b.yaml")])
    assert asked == []  # none for absolute paths
