"""Issue 20, paths on a warm run: a file found by the walk costs pathlib no exception. Before 3.12 a ``Path``
makes its text, parts and hash on first use, through an AttributeError it raises and catches (a few microseconds
each, 24k of them on a warm check of a 3.6k-file estate): the walk gives each file's text and order key from its
directory's, and each file's real directory is worked out per directory, as text. The paths are pathlib's own."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from tests.conftest import write_tree

from ownlint.loaders.discovery import discover
from ownlint.loaders.files import links_in, one_run, real_parents
from ownlint.pipeline.loading import _directories

FILES = {f"team-{d}/stack/{name}": "" for d in range(8) for name in ("main.tf", "vars.tf", "app.yaml", "ns.yaml")}


def _pathlib_exceptions(run: Any) -> Counter[str]:
    """The exceptions pathlib raised (and caught) while ``run()`` ran, by function."""
    raised: Counter[str] = Counter()

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "exception" and frame.f_code.co_filename.endswith("pathlib.py"):
            raised[frame.f_code.co_name] += 1
        return trace

    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
    return raised


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12's pathlib gives a child its text itself")
def test_the_walk_and_the_real_directories_cost_pathlib_no_exception_per_file(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", FILES)

    def run() -> None:
        with one_run():
            found = discover([repo])
            assert len(found.terraform) == len(found.manifests) == 16
            _directories(found.terraform)

    raised = _pathlib_exceptions(run)
    assert sum(raised.values()) < 30, raised  # a few per directory (8 with files), none per file (32)


@pytest.mark.parametrize("named", ["repo", ".", "ABSOLUTE"])
def test_walked_paths_are_pathlib_s_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str) -> None:
    write_tree(tmp_path / "repo", FILES)
    monkeypatch.chdir(tmp_path if named != "." else tmp_path / "repo")
    given = Path(str(tmp_path / "repo") if named == "ABSOLUTE" else named)
    with one_run():
        found = discover([given])
    paths = [*found.terraform, *found.manifests]
    assert len(paths) == 32
    for path in paths:
        again = Path(os.fspath(str(path)))
        assert str(path) == str(again) and path == again and path.parts == again.parts
    assert found.terraform == sorted(found.terraform) and found.manifests == sorted(found.manifests)


def test_real_parents_are_the_real_directories_or_none_past_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_tree(tmp_path / "repo", {"a/main.tf": "", "b/c/main.tf": "", "top.tf": ""})
    (repo / "linked").symlink_to(repo / "a", target_is_directory=True)
    (repo / "b" / "file.tf").symlink_to(repo / "a" / "main.tf")
    monkeypatch.chdir(repo / "b")
    files = [
        str(repo / "a" / "main.tf"),
        str(repo / "linked" / "main.tf"),  # through a linked directory
        str(repo / "b" / "file.tf"),  # a link itself
        "c/main.tf",  # relative
        "../top.tf",
        "c/../file.tf",
        str(repo / "b" / "c" / ".." / "c" / "main.tf"),
        "file.tf/../c/main.tf",  # the kernel climbs out of no file
    ]
    with one_run():
        found = real_parents(files)
    for file, real in zip(files, found, strict=True):
        if real is not None:
            assert real == os.path.dirname(os.path.realpath(file)), file
    assert found[0] == str(repo / "a") and found[3] == str(repo / "b" / "c") and found[4] == str(repo)
    assert found[1] is None and found[2] is None and found[7] is None  # resolved by the caller
    assert real_parents(files) == [None] * len(files)  # outside a run nothing is memoised


def test_real_directories_are_those_resolving_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = write_tree(tmp_path / "repo", {"a/main.tf": "", "b/main.tf": ""})
    (repo / "linked").symlink_to(repo / "a", target_is_directory=True)
    (repo / "b" / "file.tf").symlink_to(repo / "a" / "main.tf")
    monkeypatch.chdir(repo)
    files = [Path("a/main.tf"), Path("linked/main.tf"), Path("b/file.tf"), repo / "b" / "main.tf"]
    with one_run():
        found = _directories(files)
    assert found == [f.resolve().parent for f in files]
    assert found[:3] == [repo / "a"] * 3


def test_links_in_a_directory_are_those_is_link_tells(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"a/app.yaml": "", "a/other.yaml": ""})
    (repo / "a" / "linked.yaml").symlink_to(repo / "a" / "app.yaml")
    (repo / "through").symlink_to(repo / "a", target_is_directory=True)
    names = ["app.yaml", "other.yaml", "linked.yaml", "missing.yaml"]
    for directory in (str(repo / "a"), str(repo / "through"), f"{repo}/a/../a"):
        expected = [os.path.islink(os.path.join(directory, n)) for n in names]
        assert [links_in(directory)(n) for n in names] == expected, directory
        with one_run():
            assert [links_in(directory)(n) for n in names] == expected, directory
    assert expected == [False, False, True, False]
