"""Discovery tells the run's path memo the real path of each directory it walks (issue 20: not resolved one by one)
when no link is on the way to the directory named (none is entered below it); one reached through a link is resolved
as before, so the memo answers ``os.path.realpath`` and ``os.path.islink`` for every directory and file walked,
named absolute, relative, as ".", or with "..", through a link or not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import write_tree

from ownlint.loaders.discovery import discover
from ownlint.loaders.files import is_link, known_real, one_run, real_path, relative


def _tree(tmp_path: Path) -> Path:
    real = write_tree(tmp_path / "real", {"a/b/main.tf": "", "a/c/app.yaml": "kind: Namespace\n", "d/main.tf": ""})
    os.symlink("a/b", real / "linked")  # a link inside: not entered
    os.symlink(real, tmp_path / "via")  # a link to the root
    return real


@pytest.mark.parametrize(
    "named", ["real", "via", "relative", "relative-via", "dot", "dot-via", "climbing", "climbing-real"]
)
def test_walked_paths_resolve_as_realpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str) -> None:
    real = _tree(tmp_path)
    monkeypatch.chdir(tmp_path / "via" if named == "dot-via" else real if named == "dot" else tmp_path)
    root = {
        "real": real,
        "via": tmp_path / "via",
        "relative": Path("real"),
        "relative-via": Path("via"),
        "dot": Path("."),
        "dot-via": Path("."),
        "climbing": Path("via/../real"),
        "climbing-real": Path("real/../real"),
    }[named]
    with one_run():
        found = discover([root])
        walked = [Path(p) for p in ("", "a", "a/b", "a/c", "d")]
        files = [*found.terraform, *found.manifests]
        assert sorted(relative(found.root, f) for f in files) == ["a/b/main.tf", "a/c/app.yaml", "d/main.tf"]
        for path in [*(root / w for w in walked), *files, root / "linked"]:
            absolute = os.path.abspath(path)
            assert real_path(absolute) == os.path.realpath(absolute), path
            assert known_real(absolute) in (None, os.path.realpath(absolute)), path
            if os.path.realpath(absolute) != os.path.normpath(absolute):  # a link on its way: resolved each time
                assert known_real(absolute) is None, path
            assert is_link(absolute) == os.path.islink(absolute), path
        assert known_real(os.path.abspath(root / "linked")) is None  # a link on its way
