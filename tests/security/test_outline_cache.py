"""The store of outlines the callers search keeps (issue 20): an entry someone else wrote, or one for a file that
changed since, never changes findings; a store reached through a link, a FIFO, or a directory others can change
is not used. Each case plants a store that would hide the module's caller (the findings would change) and
checks that the run gives what a run without any cache gives."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path

import pytest
from tests.conftest import Run, git_repo, run_cli

from ownlint.loaders import identity
from ownlint.loaders.terraform import outline_cache

TREE = {
    "ownlint.yaml": "parties:\n  internal: [platform]\n",
    "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n',
    "stack/main.tf": 'provider "aws" {\n  default_tags {\n    tags = { owner = "platform" }\n  }\n}\n\n'
    'module "q" {\n  source = "../modules/queue"\n}\n',
    "stack/terraform.tfvars": "",
    "other/a/main.tf": 'module "x" {\n  source = "./y"\n}\n',
    "other/b/main.tf": 'resource "aws_sqs_queue" "b" {\n  name = "b"\n}\n',
}
NAMED = "modules/queue/main.tf"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return git_repo(tmp_path / "repo", TREE, monkeypatch)


def check(cache: Path | None) -> Run:
    options = ("--no-cache",) if cache is None else ("--cache-dir", str(cache))
    return run_cli("check", *options, "--", NAMED)


def store_path(cache: Path) -> Path:
    (found,) = (cache / "outlines").glob("*.json")
    return found


def hide_the_caller(cache: Path, signature: bytes | None = None) -> bytes:
    """The store as it is, but the caller's entry naming no local path (its note removed), the line of files
    signed with the store's key unless ``signature`` is given. The entry's identity still matches the file: only
    its content lies."""
    head, *lines = store_path(cache).read_bytes().split(b"\n")
    seal, *signatures = head.split(b" ")
    files = json.loads(lines[outline_cache.FILES])
    del files["notes"]["stack/main.tf"]
    lines[outline_cache.FILES] = json.dumps(files).encode()
    signatures[outline_cache.FILES] = signature or sign(cache, seal, outline_cache.FILES, lines[outline_cache.FILES])
    return b"\n".join([b" ".join([seal, *signatures]), *lines])


def sign(cache: Path, seal: bytes, index: int, line: bytes) -> bytes:
    """The signature of ``line`` at ``index`` of the store sealed with ``seal`` (see ``outline_io``)."""
    key = (cache / "outlines" / "key").read_bytes()
    return hmac.new(key, b"%s\n%d\n" % (seal, index) + line, hashlib.sha256).hexdigest().encode()


def test_the_store_is_written_and_a_warm_run_gives_what_an_uncached_run_gives(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    uncached, cold, warm = check(None), check(cache), check(cache)
    assert "module.q.aws_sqs_queue.q" in uncached.stdout  # checked as its caller instantiates it
    assert (cold.stdout, cold.exit_code) == (warm.stdout, warm.exit_code) == (uncached.stdout, uncached.exit_code)
    assert store_path(cache).stat().st_mode & 0o777 == 0o600
    assert (cache / "outlines").stat().st_mode & 0o777 == 0o700


def test_the_planted_store_this_test_builds_would_change_the_findings(repo: Path, tmp_path: Path) -> None:
    """The probe the other tests use: signed with the real key, the lie is believed (so they can fail)."""
    cache = tmp_path / "cache"
    expected = check(None)
    check(cache)
    store_path(cache).write_bytes(hide_the_caller(cache))
    assert check(cache).stdout != expected.stdout


def test_an_entry_with_the_right_key_but_other_content_is_never_used(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = check(None)
    check(cache)
    store_path(cache).write_bytes(hide_the_caller(cache, signature=b"0" * 64))
    assert check(cache).stdout == expected.stdout


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_seen(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    caller = repo / "stack/main.tf"
    caller.write_text(TREE["stack/main.tf"].replace("../modules/queue", "../modules/queux"))
    assert "module.q" not in check(cache).stdout  # recorded: the caller names another module
    before = caller.stat()
    time.sleep(0.05)  # past the clock tick of the last change: the change time moves
    caller.write_text(TREE["stack/main.tf"])  # now it calls the module: same size
    os.utime(caller, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a tool that keeps timestamps would
    assert (caller.stat().st_size, caller.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    warm = check(cache)
    assert "module.q.aws_sqs_queue.q" in warm.stdout  # the entry of the old text was not used
    assert warm.stdout == check(None).stdout


def test_a_file_changed_a_moment_ago_is_not_recorded(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its next change may fall in the same clock tick and keep its identity: it is read again next time."""
    monkeypatch.setattr(identity, "RACY_NS", 60 * 1_000_000_000)
    cache = tmp_path / "cache"
    check(cache)
    assert list((cache / "outlines").glob("*.json")) == []  # nothing old enough to record: nothing written


def test_a_store_reached_through_a_link_is_not_used(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = check(None)
    check(cache)
    store = store_path(cache)
    planted, content = tmp_path / "planted.json", hide_the_caller(cache)
    planted.write_bytes(content)
    store.unlink()
    store.symlink_to(planted)
    assert check(cache).stdout == expected.stdout
    assert planted.read_bytes() == content  # nor written through


def test_a_fifo_in_place_of_the_store_does_not_block(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = check(None)
    check(cache)
    store = store_path(cache)
    store.unlink()
    os.mkfifo(store)
    assert check(cache).stdout == expected.stdout


def test_a_key_reached_through_a_link_is_not_used(repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = check(None)
    check(cache)
    planted = hide_the_caller(cache)
    key = cache / "outlines" / "key"
    elsewhere = tmp_path / "key"
    elsewhere.write_bytes(key.read_bytes())
    elsewhere.chmod(0o600)
    key.unlink()
    key.symlink_to(elsewhere)
    store_path(cache).write_bytes(planted)
    assert check(cache).stdout == expected.stdout


@pytest.mark.parametrize("damage", ["writable by others", "a link"])
def test_a_store_directory_others_can_change_is_not_used(repo: Path, tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    expected = check(None)
    check(cache)
    store_path(cache).write_bytes(hide_the_caller(cache))
    outlines = cache / "outlines"
    if damage == "a link":
        moved = tmp_path / "outlines-elsewhere"
        outlines.rename(moved)
        outlines.symlink_to(moved)
    else:
        outlines.chmod(0o777)
    assert check(cache).stdout == expected.stdout


def test_the_number_of_stores_is_bounded(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    check(cache)
    outlines = cache / "outlines"
    for n in range(5):
        old = outlines / f"{n:064x}.json"
        old.write_text("{}")
        os.utime(old, ns=(0, n))
    link_target = tmp_path / "not-a-store.json"
    link_target.write_text("{}")
    (outlines / f"{'f' * 64}.json").symlink_to(link_target)
    monkeypatch.setattr(outline_cache, "MAX_STORES", 2)
    (repo / "other/b/more.tf").write_text('module "z" {\n  source = "./z"\n}\n')  # something to record
    check(cache)
    assert len([p for p in outlines.glob("*.json") if not p.is_symlink()]) == 2
    assert link_target.exists()  # a link is never followed to remove what it points at
