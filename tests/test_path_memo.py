"""The run's path memo answers as the functions it stands for (issue 20: no ``Path`` made, no ``dirname`` called
for each of thousands of files): ``parent_of`` as ``Path.parent`` and the resolve probe as ``Path.resolve``, also
for relative, unnormalised, linked and dangling paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import write_tree

from ownlint.loaders.files import one_run, parent_of, parents


@pytest.mark.parametrize(
    "text",
    ["a/b/c.tf", "c.tf", "/c.tf", "/", ".", "..", "a/..", "../x/y", "//a/b", "/a//b/", "a/./b/c", "a/b/c/"],
)
def test_parent_of_is_path_parent(text: str) -> None:
    parent = parent_of()
    for path in (Path(text), Path(text) / "x.tf", Path(text).parent):
        assert parent(path) == path.parent, path
    assert parents([Path("a/b/c.tf"), Path("a/b/d.tf"), Path("a/c.tf"), Path("e.tf")]) == {
        Path("a/b"),
        Path("a"),
        Path("."),
    }


def test_the_resolve_probe_is_path_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders.terraform.probes import ProbeContext

    root = write_tree(tmp_path / "repo", {"modules/m/main.tf": "", "live/a/main.tf": ""})
    os.symlink("../modules", root / "live/linked")
    os.symlink("missing", root / "live/dangling")
    monkeypatch.chdir(root / "live")
    asked = [
        str(root / "modules/m"),
        str(root / "live/a/../../modules/m"),
        str(root / "live/linked/m"),
        str(root / "live/dangling"),
        str(root / "live/absent/x"),
        f"{root}/modules/./m/",
        f"/{root}/modules/m",
        "a",
        "linked/m",
        "",
        ".",
        "..",
    ]
    context = ProbeContext(root, root, 1024)
    for _ in range(2):  # and again from the memo
        with one_run():
            for text in asked:
                assert context.value("resolve", text) == str(Path(text).resolve()), text
            for text in asked:
                assert context.value("resolve", text) == str(Path(text).resolve()), text
        context.memo.clear()


def test_real_paths_are_realpath_s_also_unnormalised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders.files import real_path

    root = write_tree(tmp_path / "repo", {"a/b/c.tf": "", "d/e.tf": ""})
    os.symlink("../d", root / "a/to-d")
    monkeypatch.chdir(root / "a")
    top = str(root)
    asked = [
        f"{top}/a/b/c.tf",
        f"{top}//a//b/",
        f"/{top}/a/b",
        f"{top}/a/./b/../b/c.tf",
        f"{top}/a/to-d/e.tf",
        f"{top}/a/to-d/../b",
        f"{top}/missing/x",
        "b/c.tf",
        "./b//c.tf",
        "to-d/e.tf",
        "",
        "/",
        "//",
        "///x",
    ]
    with one_run():
        for _ in range(2):  # worked out, then from the memo
            for text in asked:
                assert real_path(text) == os.path.realpath(text), text
