"""A file read for the result cache is known by the identity of the file actually read: a path whose file was
swapped between looking at it and opening it (a parent directory renamed mid-scan) must not record one
file's identity with another's text, and a FIFO swapped in must not block the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ownlint.loaders import files
from ownlint.model import LoadProblem


def _swapped(monkeypatch: pytest.MonkeyPatch, path: Path, seen: Path) -> None:
    """``os.stat(path)`` answers for ``seen``: the file at ``path`` was swapped after it was looked at."""
    real = os.stat

    def stat(name: object, *args: object, **kwargs: object) -> os.stat_result:
        return real(seen if str(name) == str(path) else name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(files.os, "stat", stat)


def test_the_identity_recorded_is_the_file_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "read.tf").write_text("read\n")
    (tmp_path / "looked-at.tf").write_text("looked at\n")
    _swapped(monkeypatch, tmp_path / "read.tf", tmp_path / "looked-at.tf")
    with files.one_run():
        assert files.read_text(str(tmp_path / "read.tf"), "read.tf") == "read\n"
        recorded = files.status_read(str(tmp_path / "read.tf"))
    assert recorded is not None
    assert recorded.st_ino == os.lstat(tmp_path / "read.tf").st_ino != os.lstat(tmp_path / "looked-at.tf").st_ino


def test_a_fifo_swapped_in_after_the_look_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "pipe.tf")  # no writer: opened for reading without O_NONBLOCK, the run would hang
    (tmp_path / "looked-at.tf").write_text("looked at\n")
    _swapped(monkeypatch, tmp_path / "pipe.tf", tmp_path / "looked-at.tf")
    found = files.read_text(str(tmp_path / "pipe.tf"), "pipe.tf")
    assert found == LoadProblem("pipe.tf", 1, "not a regular file: not read")


def test_a_file_grown_past_the_limit_after_the_look_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "big.tf").write_text("x" * 5000)
    (tmp_path / "small.tf").write_text("x")
    _swapped(monkeypatch, tmp_path / "big.tf", tmp_path / "small.tf")
    found = files.read_text(str(tmp_path / "big.tf"), "big.tf", limit=100)
    assert isinstance(found, LoadProblem) and "over the 100 byte limit" in found.message


def test_a_manifest_swapped_after_the_look_is_cached_by_the_file_read(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest cache records the identity of the file it read, not of the one it looked at just before:
    else a file swapped back in later would be taken, by that identity, for the text read."""
    from tests.conftest import run_cli

    from ownlint.loaders import identity
    from ownlint.loaders.kubernetes import reading

    scanned, other = tmp_path / "scanned", tmp_path_factory.mktemp("other")
    scanned.mkdir()
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
    (scanned / "app.yaml").write_text(manifest.format(name="first"))
    (other / "app.yaml").write_text(manifest.format(name="looked-at-instead"))
    real = reading.stat_of
    monkeypatch.setattr(
        reading, "stat_of", lambda path: real(str(other / "app.yaml")) if "scanned" in path else real(path)
    )
    monkeypatch.setattr(identity, "RACY_NS", 0)
    check = ("check", str(scanned), "--format", "json", "--cache-dir", str(tmp_path_factory.mktemp("cache")))
    run_cli(*check)
    (scanned / "app.yaml").write_text(manifest.format(name="second"))
    assert run_cli(*check).stdout == run_cli("check", str(scanned), "--format", "json", "--no-cache").stdout


def test_a_file_is_read_in_one_read_and_without_a_buffered_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanned file's bytes come from one ``read`` of its size and a byte more: a buffered file object cost four
    more system calls a file (its own status, ``isatty``, ``seek``, and a second read to find the end), thousands
    a run. Its text is the same."""
    import builtins

    (tmp_path / "main.tf").write_text('resource "x" "y" {}\n')
    reads: list[int] = []
    real_read = os.read

    def read(descriptor: int, size: int) -> bytes:
        reads.append(size)
        return real_read(descriptor, size)

    def no_stream(*args: object, **kwargs: object) -> None:
        raise AssertionError("a buffered file object")

    monkeypatch.setattr(files.os, "read", read)
    monkeypatch.setattr(builtins, "open", no_stream)
    monkeypatch.setattr(os, "fdopen", no_stream)
    assert files.read_text(str(tmp_path / "main.tf"), "main.tf") == 'resource "x" "y" {}\n'
    assert reads == [21]


@pytest.mark.parametrize("told", [0, 5, 15, 40])
def test_a_file_whose_size_changed_after_its_status_is_read_to_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, told: int
) -> None:
    """The status said ``told`` bytes, the file holds 20 (it grew, or shrank, since): all of it is read, and
    no more than the limit."""
    (tmp_path / "main.tf").write_text("x" * 19 + "\n")
    real_stat, real_fstat = os.stat, os.fstat

    def told_of(found: os.stat_result) -> os.stat_result:
        return os.stat_result((*found[:6], told, *found[7:]))

    monkeypatch.setattr(files.os, "stat", lambda path: told_of(real_stat(path)))
    monkeypatch.setattr(files.os, "fstat", lambda descriptor: told_of(real_fstat(descriptor)))
    assert files.read_text(str(tmp_path / "main.tf"), "main.tf") == "x" * 19 + "\n"
    if told < 20:  # grown past a limit its status was within
        found = files.read_text(str(tmp_path / "main.tf"), "main.tf", limit=max(told, 10))
        assert found == LoadProblem("main.tf", 1, f"skipped: over the {max(told, 10)} byte limit (--max-file-size)")


def test_a_manifest_read_through_the_cache_is_looked_at_once_before_it_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest cache's look at a file (its identity) is the look ``read_text`` takes before opening it: a
    second ``stat`` of each manifest read cost a system call a file (9k in a large repository's cold run)."""
    from tests.conftest import run_cli

    scanned = tmp_path / "scanned"
    scanned.mkdir()
    (scanned / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n")
    looked: list[str] = []
    real = os.stat

    def counted(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).endswith("app.yaml"):
            looked.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", counted)
    check = ("check", str(scanned), "--format", "json", "--cache-dir", str(tmp_path / "cache"))
    first = run_cli(*check).stdout
    assert looked == [str(scanned / "app.yaml")]
    assert first == run_cli("check", str(scanned), "--format", "json", "--no-cache").stdout
