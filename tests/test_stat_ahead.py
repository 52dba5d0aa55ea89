"""The stored files' identities made in a child process while the run goes on (issue 20: a pre-commit check of a
module file in a 20k-file repository spent ~40 ms of ~230 stat'ing them): the run takes them in place of its own
stats, finds what changed as it did, and is never left waiting on, or beside, a child it did not hear."""

from __future__ import annotations

import marshal
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders import identity, stat_ahead
from ownlint.loaders.terraform import outline_cache
from ownlint.loaders.terraform.callers import local_strings


@pytest.fixture
def ahead(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every store stats ahead (however few its files), as a lone thread may; the stats the run made itself."""
    monkeypatch.setattr(identity, "RACY_NS", 0)
    monkeypatch.setattr(outline_cache, "AHEAD_BYTES", 0)
    monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)  # (a test before may have left a thread)
    stats: list[int] = []
    own = outline_cache._stats
    monkeypatch.setattr(outline_cache, "_stats", lambda paths: stats.append(len(paths)) or own(paths))
    return stats


def _files(root: Path, count: int) -> list[str]:
    write_tree(root, {f"s{n}/main.tf": f'module "m" {{\n  source = "../m{n}"\n}}\n' for n in range(count)})
    return [str(root.resolve() / f"s{n}/main.tf") for n in range(count)]


def _search(cache: Path, root: Path, paths: list[str], ahead: bool = True) -> list[tuple[str, Any]]:
    """One run's pass over ``paths`` through the store, its files stat'ed ahead first (as a run that searches callers
    has them), the store saved after it."""
    store = outline_cache.open_store(cache, root)
    assert store is not None
    if ahead:
        store.stat_ahead()
    try:
        return store.strings_of(paths, 1 << 20, local_strings)
    finally:
        store.close()
        store.save()


def test_a_run_takes_the_identities_made_ahead_and_still_reads_what_changed(tmp_path: Path, ahead: list[int]) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _files(root, 6)
    first = _search(cache, root, files)
    assert ahead == [6]  # no store yet: nothing to stat ahead
    ahead.clear()
    (root / "s2/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')
    again = _search(cache, root, files)
    assert ahead == []  # the child made every identity
    assert dict(again)[files[2]] == ["../moved"]
    assert {k: v for k, v in again if k != files[2]} == {k: v for k, v in first if k != files[2]}
    assert _search(cache, root, files, ahead=False) == again == _search(cache, root, files)


def test_files_in_another_order_or_not_stored_are_matched_by_key(tmp_path: Path, ahead: list[int]) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _files(root, 6)
    _search(cache, root, files[:4])
    (root / "s1/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')
    ahead.clear()
    found = _search(cache, root, list(reversed(files)))  # two files the store does not know, another order
    assert ahead == []
    assert found == [(path, local_strings(path, 1 << 20)) for path in reversed(files)]
    assert dict(found)[files[1]] == ["../moved"]


def test_the_child_decodes_the_stored_files_alone(tmp_path: Path, ahead: list[int]) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _files(root, 3)
    _search(cache, root, files)
    store = outline_cache.open_store(cache, root)
    assert store is not None
    assert store._stored_paths() == files  # (what the child stats)
    assert store._old is None  # the walk's line, not decoded
    assert store.strings_of(files, 1 << 20, local_strings) == _search(cache, root, files, ahead=False)  # (its notes)


def test_a_check_of_another_directory_reads_a_file_changed_since(tmp_path: Path, ahead: list[int]) -> None:
    """The store was written by a run of all files but s4 (s3 changed: the run records), which kept s4 after them;
    then s1 is edited, and the next run is given all files but s1: a pre-commit check of one module directory, then
    of another, its own file edited. Its files are neither the stored ones in their order nor those the last run
    was given: they are compared one by one, and s2, changed since, is read again."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _files(root, 6)
    _search(cache, root, files)
    (root / "s3/main.tf").write_text('module "m" {\n  source = "../changed"\n}\n')
    _search(cache, root, [f for f in files if f != files[4]])
    (root / "s1/main.tf").write_text('module "m" {\n  source = "../edited"\n}\n')
    (root / "s2/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')
    others = [f for f in files if f != files[1]]
    found = _search(cache, root, others)
    assert dict(found)[files[2]] == ["../moved"]
    assert found == [(path, local_strings(path, 1 << 20)) for path in others]
    assert _search(cache, root, others, ahead=False) == found


def test_a_one_file_check_reports_as_an_uncached_one_with_its_callers_stat_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: list[int]
) -> None:
    call = 'module "queue" {\n  source = "../../modules/queue"\n}\n'
    files = {
        "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  tags = var.tags\n}\nvariable "tags" {}\n',
        **{f"live/s{n}/main.tf": call.replace("}\n", f'  tags = {{ owner = "t{n}" }}\n}}\n') for n in range(3)},
        "other/main.tf": 'resource "aws_s3_bucket" "b" {}\n',
    }
    repo = write_tree(tmp_path / "repo", files)
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    cache, named = str(tmp_path / "cache"), "modules/queue/main.tf"
    cold = run_cli("check", "--cache-dir", cache, "--", named)
    write_tree(repo, {"live/s1/main.tf": call, "live/s9/main.tf": call})  # a caller's tags gone, and a new caller
    ahead.clear()
    warm = run_cli("check", "--cache-dir", cache, "--", named)
    assert ahead == []
    assert warm.stdout == run_cli("check", "--no-cache", "--", named).stdout
    assert warm.stdout != cold.stdout


def test_an_answer_that_is_not_a_whole_list_is_not_taken(tmp_path: Path) -> None:
    for sent in (b"", b"\x00garbage", b"[\x02\x00\x00\x00", marshal.dumps({"a": 1}), marshal.dumps([(1, 2), 3])):
        read, write = os.pipe()
        os.write(write, sent)
        os.close(write)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - a child to reap
            os._exit(0)
        assert stat_ahead.StatsAhead(pid, read).identities() is None


def test_a_child_not_heard_is_killed_and_reaped_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)
    child = stat_ahead.stat_ahead(lambda: time.sleep(60) or [])  # type: ignore[func-returns-value]
    assert child is not None
    started = time.monotonic()
    child.discard()
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped: no zombie left
    assert child.identities() is None


def test_no_child_is_forked_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert stat_ahead.stat_ahead(lambda: ["."]) is None
    finally:
        stop.set()
        thread.join()


def test_a_child_that_fails_leaves_the_run_to_stat_the_files_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: list[int]
) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _files(root, 5)
    _search(cache, root, files)
    (root / "s3/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')
    monkeypatch.setattr(stat_ahead, "_child", lambda *args: os._exit(1))  # (forked: the child's too)
    ahead.clear()
    found = _search(cache, root, files)
    assert ahead == [5]  # stat'ed here
    assert found == [(path, local_strings(path, 1 << 20)) for path in files]


def _raising(*args: object) -> None:
    raise ValueError("in the child")


@pytest.mark.parametrize("stand_in", [_raising, lambda *args: None], ids=["raising", "returning"])
def test_a_child_never_comes_back_into_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: Any) -> None:
    """Whatever ``_child`` does (raises, or returns), the forked child ends there: it never runs the rest of the
    caller's code (here, the rest of this test: it would write ``escaped``)."""
    monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)
    monkeypatch.setattr(stat_ahead, "_child", stand_in)
    parent = os.getpid()
    try:
        child = stat_ahead.stat_ahead(lambda: ["."])
    finally:
        if os.getpid() != parent:  # pragma: no cover - a child that came back into the run
            (tmp_path / "escaped").write_text("")
            os._exit(0)
    assert child is not None
    assert child.identities() is None  # (once the child ended: its end of the pipe closed)
    assert not (tmp_path / "escaped").exists()


def test_a_child_too_slow_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)
    monkeypatch.setattr(stat_ahead, "WAIT_SECONDS", 0.2)
    child = stat_ahead.stat_ahead(lambda: time.sleep(60) or [])  # type: ignore[func-returns-value]
    assert child is not None
    started = time.monotonic()
    assert child.identities() is None
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)


def test_no_child_is_forked_but_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert stat_ahead.stat_ahead(lambda: ["."]) is None


def test_a_file_changed_after_the_child_stat_it_is_read_again_by_the_next_run(tmp_path: Path, ahead: list[int]) -> None:
    """The run sees the files as the child found them (as a run sees a file changed after its own stat); what it
    records is recorded with that identity, so the next run reads the changed file again."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    files = _files(root, 4)
    first = _search(cache, root, files)
    store = outline_cache.open_store(cache, root)
    assert store is not None
    store.stat_ahead()
    assert store._ahead is not None
    time.sleep(0.05)  # (the child has stat'ed the files, most likely: the run then takes s0 as it was)
    (root / "s0/main.tf").write_text('module "m" {\n  source = "../moved"\n}\n')
    try:
        store.strings_of(files, 1 << 20, local_strings)
    finally:
        store.close()
        store.save()
    assert dict(_search(cache, root, files))[files[0]] == ["../moved"] != dict(first)[files[0]]


def test_only_a_check_that_seeks_callers_stats_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "RACY_NS", 0)
    monkeypatch.setattr(outline_cache, "AHEAD_BYTES", 0)
    forked: list[int] = []
    monkeypatch.setattr(stat_ahead, "stat_ahead", lambda paths: forked.append(1))
    call = 'module "queue" {\n  source = "../modules/queue"\n}\n'
    repo = write_tree(
        tmp_path / "repo",
        {
            "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {}\n',
            "live/main.tf": call,
            "live/terraform.tfvars": "",
        },
    )
    (repo / ".git").mkdir()
    monkeypatch.chdir(repo)
    cache = str(tmp_path / "cache")
    run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")  # the store is made
    forked.clear()
    run_cli("check", "--cache-dir", cache, "--", "live/main.tf")  # a root (variable files): nothing calls it
    assert forked == []
    run_cli("check", "--cache-dir", cache, "--", "modules/queue/main.tf")
    assert forked == [1]


def test_a_ctrl_c_during_the_fork_leaves_no_child_or_descriptor(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    monkeypatch.setattr(stat_ahead, "_threaded", lambda: False)
    forked: list[int] = []
    fork = os.fork

    def interrupted() -> int:
        pid = fork()
        if pid:  # Ctrl-C pressed as the child is forked: held until the fork's block ends
            forked.append(pid)
            os.kill(os.getpid(), signal.SIGINT)
        return pid

    monkeypatch.setattr(os, "fork", interrupted)
    before = set(os.listdir("/proc/self/fd"))
    with pytest.raises(KeyboardInterrupt):
        stat_ahead.stat_ahead(lambda: time.sleep(60) or [])  # type: ignore[func-returns-value]
    assert set(os.listdir("/proc/self/fd")) == before
    with pytest.raises(ChildProcessError):
        os.waitpid(forked[0], os.WNOHANG)  # reaped
