"""The parse cache: an entry someone else wrote never changes findings (issue 15, item 9).

Whoever can write the cache directory (another user of a shared or world-writable directory, a restored
CI cache) can plant entries under the key of a file of the pull request. An entry is used only for the
exact text it was built from, a directory others can change is not used at all (one note), and pruning
never follows a link out of the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import Run, run_cli

from ownlint.loaders.terraform.backends import resolve_backend
from ownlint.loaders.terraform.cache import ParseCache

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
OWNED_QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  tags = {\n    owner = "team-a"\n  }\n}\n'
NOTHING = "# nothing here\n"


def entry_of(cache: Path, text: str) -> Path:
    """Where the cache keeps the entry for ``text``, the key computed as the code computes it."""
    key = ParseCache(cache, resolve_backend("auto")).key(text)
    return cache / key[:2] / f"{key}.json"


def edited(tree: Path, cache: Path) -> None:
    """A check of ``tree`` after an edit its last check did not see: its root is evaluated again, so
    every file of it is parsed and written to the parse cache (a first run writes only result entries)."""
    run_cli("check", str(tree), "--cache-dir", str(cache))
    edits = len(list(tree.glob("edit-*.tf")))
    (tree / f"edit-{edits}.tf").write_text("# an edit\n")
    run_cli("check", str(tree), "--cache-dir", str(cache))


def plant(cache: Path, tmp_path: Path, victim: str, decoy: str) -> None:
    """An entry ownlint itself wrote for ``decoy``, moved under the key of ``victim``."""
    decoy_tree = tmp_path / "decoy"
    decoy_tree.mkdir(exist_ok=True)
    (decoy_tree / "main.tf").write_text(decoy)
    edited(decoy_tree, cache)
    forged = entry_of(cache, victim)
    forged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entry_of(cache, decoy), forged)


def checked(tmp_path: Path, *cache_options: str) -> Run:
    repo = tmp_path / "repo"
    repo.mkdir(exist_ok=True)
    (repo / "main.tf").write_text(QUEUE)
    return run_cli("check", str(repo), "--format", "json", *cache_options)


@pytest.mark.parametrize("decoy", [NOTHING, OWNED_QUEUE], ids=["no-resources", "owner-tag"])
def test_an_entry_for_other_content_under_the_right_key_changes_nothing(tmp_path: Path, decoy: str) -> None:
    expected = checked(tmp_path, "--no-cache")
    assert "OWN001" in expected.stdout
    cache = tmp_path / "cache"
    plant(cache, tmp_path, QUEUE, decoy)
    run = checked(tmp_path, "--cache-dir", str(cache))
    assert (run.exit_code, run.stdout, run.stderr) == (expected.exit_code, expected.stdout, "")
    assert checked(tmp_path, "--cache-dir", str(cache)).stdout == expected.stdout  # rewritten, still right


def _world_writable(cache: Path) -> Path:
    cache.chmod(0o777)
    return cache


def _group_writable_parent(cache: Path) -> Path:
    cache.parent.chmod(0o775)
    return cache.parent


def _linked(cache: Path) -> Path:
    real = cache.with_name("real-cache")
    cache.rename(real)
    cache.symlink_to(real, target_is_directory=True)
    return cache


def _foreign(cache: Path) -> Path:
    os.chown(cache, 4242, 4242)
    return cache


UNSAFE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "world-writable": (_world_writable, "is writable by other users"),
    "group-writable-parent": (_group_writable_parent, "is writable by other users"),
    "symlink": (_linked, "is a symbolic link"),
    "foreign-owner": (_foreign, "is owned by another user"),
}


@pytest.mark.parametrize("damage", UNSAFE, ids=list(UNSAFE))
def test_a_cache_directory_others_can_change_is_not_used(tmp_path: Path, damage: str) -> None:
    if damage == "foreign-owner" and os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user")
    expected = checked(tmp_path, "--no-cache")
    cache = tmp_path / "shared" / "cache"
    cache.parent.mkdir()
    plant(cache, tmp_path, QUEUE, NOTHING)
    before = sorted(p.name for p in cache.rglob("*"))
    make_unsafe, reason = UNSAFE[damage]
    unsafe = make_unsafe(cache)
    run = checked(tmp_path, "--cache-dir", str(cache))
    assert (run.exit_code, run.stdout) == (expected.exit_code, expected.stdout)
    assert run.stderr == f"note: parse cache not used: {unsafe} {reason}\n"
    assert sorted(p.name for p in cache.rglob("*")) == before  # nothing read, nothing written


def test_a_cache_directory_inside_the_scanned_repository_is_not_used(tmp_path: Path) -> None:
    """Files there come from the pull request: a checkout makes them this user's, so owner and mode checks
    pass, and an attacker who knows the format can record the right digest."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(QUEUE)
    cache = repo / ".cache" / "ownlint"
    plant(cache, tmp_path, QUEUE, NOTHING)
    entry = json.loads(entry_of(cache, QUEUE).read_text())
    entry["source"] = hashlib.sha256(QUEUE.encode()).hexdigest()  # a forgery, not a stale entry
    entry_of(cache, QUEUE).write_text(json.dumps(entry))
    expected = run_cli("check", str(repo), "--format", "json", "--no-cache")
    assert "OWN001" in expected.stdout
    run = run_cli("check", str(repo), "--format", "json", "--cache-dir", str(cache))
    assert (run.exit_code, run.stdout) == (expected.exit_code, expected.stdout)
    assert run.stderr == f"note: parse cache not used: {cache} is inside the scanned repository\n"


def test_the_default_cache_is_refused_when_a_directory_above_it_is_writable_by_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = checked(tmp_path, "--no-cache")
    cache = tmp_path / "xdg" / "ownlint" / "parse"
    plant(cache, tmp_path, QUEUE, NOTHING)
    (tmp_path / "xdg" / "ownlint").chmod(0o777)
    run = checked(tmp_path)
    assert (run.exit_code, run.stdout) == (expected.exit_code, expected.stdout)
    assert run.stderr == f"note: parse cache not used: {tmp_path / 'xdg' / 'ownlint'} is writable by other users\n"


def test_the_cache_directories_are_made_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    old_mask = os.umask(0o022)
    try:
        run = checked(tmp_path)
    finally:
        os.umask(old_mask)
    assert run.stderr == ""
    made = [tmp_path / "xdg" / "ownlint", tmp_path / "xdg" / "ownlint" / "parse"]
    made += [p for p in made[-1].rglob("*") if p.is_dir()]  # the result cache and its shards
    # the result cache and at least one shard (its two entries may share one: their keys are hashes)
    assert made[1] / "results" in made and any(p.parent == made[1] / "results" for p in made)
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in made} == {oct(0o700)}


def _text_in_subdirectory(cache: Path, prefix: str) -> str:
    """A variant of ``QUEUE`` whose entry falls in the subdirectory ``prefix`` of the cache."""
    variants = (f"{QUEUE}# {n}\n" for n in range(100_000))
    return next(text for text in variants if entry_of(cache, text).parent.name == prefix)


def test_prune_never_follows_a_link_out_of_the_cache(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    cache = ParseCache(directory, "tree-sitter")
    for index in range(20):
        key = cache.key(f"a = {index}\n")
        (directory / key[:2]).mkdir(parents=True, exist_ok=True)
        (directory / key[:2] / f"{key}.json").write_text("{}")
    some = next(directory.iterdir())
    unused = next(name for name in (f"{n:02x}" for n in range(256)) if not (directory / name).exists())
    outside = tmp_path / "outside"
    outside.mkdir()
    kept = [outside / "keep.json", outside / f"{unused}{'0' * 62}.json"]
    (directory / unused).symlink_to(outside, target_is_directory=True)  # named like a subdirectory of entries
    linked = some / f"{some.name}{'1' * 62}.json"  # named like an entry
    kept.append(tmp_path / "target.json")
    linked.symlink_to(kept[-1])
    for file in kept:
        file.write_text("{}")
    cache.written = 1
    cache.prune(limit=0)
    assert [file.read_text() for file in kept] == ["{}"] * 3
    assert linked.is_symlink()  # not an entry: left alone, never followed
    left = [p for p in directory.rglob("*.json") if not p.is_symlink() and not p.is_relative_to(directory / unused)]
    assert left == []


def test_entries_are_never_read_or_written_through_a_link(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    text = _text_in_subdirectory(cache, "ab")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(text)
    plant(tmp_path / "elsewhere", tmp_path, text, NOTHING)  # a good entry for other content
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o700)
    cache.mkdir(mode=0o700)
    (cache / "ab").symlink_to(outside, target_is_directory=True)
    run_cli("check", str(repo), "--cache-dir", str(cache))  # a first run: result entries only
    (repo / "notes.tf").write_text("# notes\n")  # the root is evaluated again: its files' entries written
    expected = run_cli("check", str(repo), "--format", "json", "--no-cache")
    run = run_cli("check", str(repo), "--format", "json", "--cache-dir", str(cache))
    assert (run.exit_code, run.stdout, run.stderr) == (expected.exit_code, expected.stdout, "")
    assert any(cache.glob("[0-9a-f][0-9a-f]/*.json"))  # entries were written, but
    assert list(outside.iterdir()) == []  # not through the link
    shutil.copyfile(entry_of(tmp_path / "elsewhere", text), outside / entry_of(cache, text).name)
    (repo / "more.tf").write_text("# more\n")  # evaluated again: its file read from the cache
    expected = run_cli("check", str(repo), "--format", "json", "--no-cache")
    run = run_cli("check", str(repo), "--format", "json", "--cache-dir", str(cache))
    assert (run.exit_code, run.stdout, run.stderr) == (expected.exit_code, expected.stdout, "")  # nor read


def test_an_entry_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    entry = entry_of(cache, QUEUE)
    entry.parent.mkdir(mode=0o700)
    os.mkfifo(entry)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.tf").write_text(QUEUE)
    command = [sys.executable, "-m", "ownlint", "check", str(repo), "--cache-dir", str(cache), "--format", "json"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert (run.returncode, run.stderr) == (1, "")
    assert "OWN001" in run.stdout
