"""A warm pre-commit check of a module file in a large repository (issue 20): the Terraform files the callers
search looks at come with the remembered walk, their identities are compared at once, and the store they come
from is signed line by line, each line bound to its place and to the write it belongs to."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree
from tests.test_hook_speed import CALLED, _estate, _mutations, _repository

from ownlint.loaders import identity
from ownlint.loaders.listing import Listing
from ownlint.loaders.terraform import outline_cache, outline_io

SUFFIXES = (".tf", ".tf.json")


def _paths(root: Path, cache: Path | None) -> list[str]:
    """The Terraform files of ``root``'s walk, through the store in ``cache`` (saved after) or walked."""
    listing = Listing(root.resolve())
    store = outline_cache.open_store(cache, root) if cache is not None else None
    if store is not None:
        listing.remember(store)
    found = listing.paths_ending(SUFFIXES)
    if store is not None:
        store.save()
    return found


def _files_ending_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    calls: list[tuple[str, ...]] = []
    files_ending = Listing.files_ending

    def counted(self: Listing, suffixes: tuple[str, ...]) -> list[tuple[str, str]]:
        calls.append(suffixes)
        return files_ending(self, suffixes)

    monkeypatch.setattr(Listing, "files_ending", counted)
    return calls


def test_the_terraform_files_remembered_with_the_walk_are_those_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "RACY_NS", 0)  # record directories changed a moment ago (the worst case)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _estate(root, tmp_path / "outside")
    write_tree(root, {"a/b/x.tf.json": "{}"})
    fresh = _paths(root, None)
    assert (
        os.path.join(root.resolve(), "a/b/x.tf.json") in fresh and os.path.join(root.resolve(), "a/linked.tf") in fresh
    )
    assert _paths(root, cache) == fresh  # cold: the store is filled
    calls = _files_ending_calls(monkeypatch)
    for what, change in _mutations(root):
        time.sleep(0.02)
        change()
        fresh = _paths(root, None)
        assert _paths(root, cache) == fresh, what
        calls.clear()
        assert _paths(root, cache) == fresh, what  # and from what that run recorded (an unchanged walk)...
        assert calls == [], what  # ...without finding them in the directories' entries again


def test_a_warm_module_check_of_an_unchanged_repository_finds_its_files_in_no_directory_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cache = _repository(tmp_path, monkeypatch, CALLED)
    named = "modules/queue/main.tf"
    uncached = run_cli("check", "--no-cache", "--", named)
    for _ in range(2):  # the store is filled, then the walk's files are recorded with it
        assert run_cli("check", "--cache-dir", cache, "--", named).stdout == uncached.stdout
    calls = _files_ending_calls(monkeypatch)
    warm = run_cli("check", "--cache-dir", cache, "--", named)
    assert warm.stdout == uncached.stdout
    assert "module.queue.aws_sqs_queue.q" in warm.stdout
    assert calls == []


def test_a_caller_changed_in_place_between_warm_runs_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = 'module "m" {\n  source = "../modules/queux"\n}\n'  # no such module
    repo, cache = _repository(tmp_path, monkeypatch, {**CALLED, "live/main.tf": call, "live/terraform.tfvars": ""})
    named = "modules/queue/main.tf"
    for _ in range(3):
        assert "module.m.aws_sqs_queue.q" not in run_cli("check", "--cache-dir", cache, "--", named).stdout
    before = os.stat(repo / "live")
    time.sleep(0.02)
    with open(repo / "live/main.tf", "r+b") as stream:  # the same inode and size: only the file's times change
        stream.write(call.replace("queux", "queue").encode())
    after = os.stat(repo / "live")
    assert (before.st_ino, before.st_mtime_ns, before.st_ctime_ns) == (
        after.st_ino,
        after.st_mtime_ns,
        after.st_ctime_ns,
    )
    warm = run_cli("check", "--cache-dir", cache, "--", named)
    assert warm.stdout == run_cli("check", "--no-cache", "--", named).stdout
    assert "module.m.aws_sqs_queue.q" in warm.stdout  # checked as its new caller instantiates it


def _write_store(path: Path, secret: bytes, lines: list[bytes]) -> outline_io.Sections:
    outline_io.write_sections(path, secret, lines, 8)
    found = outline_io.read_sections(path, secret, 1 << 20)
    assert found is not None
    return found


def test_a_store_line_changed_moved_or_from_another_write_is_not_used(tmp_path: Path) -> None:
    secret = os.urandom(32)
    first = _write_store(tmp_path / "a.json", secret, [b"{}", b'{"a":1}', b'{"b":2}'])
    assert [first.get(i) for i in range(3)] == [b"{}", b'{"a":1}', b'{"b":2}']
    second = _write_store(tmp_path / "b.json", secret, [b"{}", b'{"a":3}', b'{"b":2}'])
    head, *lines = (tmp_path / "b.json").read_bytes().split(b"\n")
    mixed = b"\n".join([head, lines[0], (tmp_path / "a.json").read_bytes().split(b"\n")[2], lines[2]])
    (tmp_path / "c.json").write_bytes(mixed)  # the first store's line 1 in the second store
    spliced = outline_io.read_sections(tmp_path / "c.json", secret, 1 << 20)
    assert spliced is not None and [spliced.get(i) for i in range(3)] == [b"{}", None, b'{"b":2}']
    (tmp_path / "d.json").write_bytes(b"\n".join([head, lines[0], lines[2], lines[1]]))  # lines 1 and 2 swapped
    swapped = outline_io.read_sections(tmp_path / "d.json", secret, 1 << 20)
    assert swapped is not None and [swapped.get(i) for i in range(3)] == [b"{}", None, None]
    (tmp_path / "e.json").write_bytes(b"\n".join([head, lines[0], b'{"a":4}', lines[2]]))  # changed
    changed = outline_io.read_sections(tmp_path / "e.json", secret, 1 << 20)
    assert changed is not None and changed.get(1) is None and changed.get(2) == b'{"b":2}'
    other = outline_io.read_sections(tmp_path / "b.json", os.urandom(32), 1 << 20)  # another directory's key
    assert other is not None and [other.get(i) for i in range(3)] == [None, None, None]
    assert second.get(1) == b'{"a":3}'
    (tmp_path / "f.json").write_bytes(b"\n".join([head, lines[0], lines[1]]))  # a line missing
    assert outline_io.read_sections(tmp_path / "f.json", secret, 1 << 20) is None


def test_a_file_recorded_under_a_larger_limit_is_read_again_under_a_smaller_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders.terraform.callers import local_strings

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    write_tree(root, {"a/main.tf": 'module "m" {\n  source = "./m"\n}\n', "b/main.tf": ""})
    paths = [str(root.resolve() / name) for name in ("a/main.tf", "b/main.tf")]
    for _ in range(2):  # recorded, then found unchanged
        store = outline_cache.open_store(cache, root)
        assert store is not None
        assert store.strings_of(paths, 1 << 20, local_strings, naming_only=True) == [(paths[0], ["./m"])]
        store.save()
    read: list[str] = []

    def reading(path: str, max_bytes: int) -> list[str] | None:
        read.append(path)
        return local_strings(path, max_bytes)

    store = outline_cache.open_store(cache, root)
    assert store is not None
    small = store.strings_of(paths, 8, reading, naming_only=True)
    assert read == [paths[0]]  # larger than the limit: what a read gives now, not what was recorded
    assert small == [(paths[0], s) for s in [local_strings(paths[0], 8)] if s]


def test_a_run_that_saves_the_unchanged_walk_keeps_its_terraform_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ownlint.loaders.terraform.callers import local_strings

    monkeypatch.setattr(identity, "RACY_NS", 0)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _estate(root, tmp_path / "outside")
    fresh = _paths(root, cache)
    assert _paths(root, cache) == fresh  # the walk, then its files, recorded
    listing = Listing(root.resolve())
    store = outline_cache.open_store(cache, root)
    assert store is not None
    listing.remember(store)
    list(listing)  # the walk unchanged: the stored one
    store.strings_of([str(root.resolve() / "a/main.tf")], 1 << 20, local_strings)  # something to save
    assert store.changed
    store.save()  # by a run that did not ask for the walk's files
    calls = _files_ending_calls(monkeypatch)
    assert _paths(root, cache) == fresh
    assert calls == []
