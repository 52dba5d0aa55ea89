"""``store.code_digest`` (in every cache's key): it changes when any ``.py`` or ``.json`` file of ownlint's package
changes, is added or goes, and not for compiled files or other files (issue 20: walked with text paths, it costs
a few milliseconds a run, not 13)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.conftest import write_tree

from ownlint.loaders.terraform import store


def _digest(package: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(store, "__file__", str(package / "loaders" / "terraform" / "store.py"))
    store.code_digest.cache_clear()
    try:
        return store.code_digest()
    finally:
        store.code_digest.cache_clear()


def test_the_digest_follows_the_package_files_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = write_tree(
        tmp_path / "ownlint",
        {
            "loaders/terraform/store.py": "x = 1\n",
            "data/types.json": "[]",
            "__pycache__/store.cpython-311.pyc": "compiled",
            "loaders/__pycache__/a.py": "not ours",
            "README.txt": "text",
        },
    )
    first = _digest(package, monkeypatch)
    assert _digest(package, monkeypatch) == first
    (package / "__pycache__" / "store.cpython-311.pyc").write_text("compiled again")
    (package / "loaders" / "__pycache__" / "a.py").write_text("still not ours")
    (package / "README.txt").write_text("more text")
    assert _digest(package, monkeypatch) == first
    (package / "data" / "types.json").write_text('["aws_s3_bucket"]')
    second = _digest(package, monkeypatch)
    assert second != first
    stat = (package / "data" / "types.json").stat()
    os.utime(package / "data" / "types.json", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    third = _digest(package, monkeypatch)
    assert third != second  # same size, another modification time
    (package / "loaders" / "new.py").write_text("")
    assert _digest(package, monkeypatch) != third
    (package / "loaders" / "new.py").unlink()
    assert _digest(package, monkeypatch) == third
