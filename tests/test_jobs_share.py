"""--jobs N on N cores (issue 20): the calling process is one of the N (it takes chunks from the tail of the
queue while the workers take them from its head: one process fewer to fork, its share never pickled, its
end never idle), chunks are balanced by size, and the output is the same whichever process read what."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree

from ownlint import parallel


def _pids(items: list[int]) -> list[tuple[int, int]]:
    return [(item, os.getpid()) for item in items]


def _slow_pids(items: list[int]) -> list[tuple[int, int]]:
    time.sleep(0.002 * len(items))  # work worth a pool
    return _pids(items)


def test_two_jobs_are_this_process_and_one_worker() -> None:
    items = list(range(parallel.MIN_PARALLEL_FILES * 4))
    done = parallel.run_chunks(_slow_pids, items, 2)
    assert [item for item, _ in done] == items
    pids = {pid for _, pid in done}
    assert os.getpid() in pids  # this process read a share
    assert len(pids) == 2  # and one worker the rest: two processes for --jobs 2, not three


def test_quick_work_starts_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many items, but the first chunk shows the whole is done sooner here than a worker is started."""
    started = []
    context = parallel.pool_context
    monkeypatch.setattr(parallel, "pool_context", lambda: started.append(1) or context())
    items = list(range(parallel.MIN_PARALLEL_FILES * 16))
    done = parallel.run_chunks(_pids, items, 2)
    assert done == [(item, os.getpid()) for item in items]
    assert started == []


def test_chunks_weighed_by_size_carry_the_same_weight() -> None:
    sizes = [1] * 60 + [30] * 4  # many small directories, then a few large ones
    chunks = parallel.chunked(sizes, 2, lambda size: size)
    assert [size for chunk in chunks for size in chunk] == sizes  # contiguous, in order
    weights = [sum(chunk) for chunk in chunks]
    assert max(weights) <= 2 * sum(sizes) / len(chunks)


def test_chunks_unweighed_keep_their_count() -> None:
    chunks = parallel.chunked(list(range(10)), 2)
    assert [i for chunk in chunks for i in chunk] == list(range(10))
    assert all(chunks)


MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{n}
  namespace: team-{t}
  labels:
    {label}
data:
  key: "{n}"
"""


@pytest.mark.parametrize("cache", [False, True])
def test_manifests_read_by_two_jobs_give_what_one_gives(
    tmp_path: Path, cache: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "POOL_WORTH_SECONDS", 0.0)  # a pool even for a few quick files
    files = {
        f"ns/team-{n % 7}/cm-{n}.yaml": MANIFEST.format(n=n, t=n % 7, label="owner: team-a" if n % 3 else "app: x")
        for n in range(parallel.MIN_PARALLEL_FILES * 3)
    }
    root = write_tree(tmp_path / "repo", files)
    runs = {}
    for jobs in ("1", "2", "3"):
        extra = ["--cache-dir", str(tmp_path / f"cache-{jobs}")] if cache else ["--no-cache"]
        runs[jobs] = run_cli("check", str(root), "--format", "json", "--jobs", jobs, *extra)
    assert runs["1"].exit_code == 1
    assert runs["1"].json()["findings"]
    assert (runs["2"].stdout, runs["2"].exit_code) == (runs["1"].stdout, runs["1"].exit_code)
    assert (runs["3"].stdout, runs["3"].exit_code) == (runs["1"].stdout, runs["1"].exit_code)


def test_a_small_terraform_estate_stays_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A few hundred files (CloudGuardIaaS: 337) cost a third more CPU in two processes, for a second or less
    of work: the default --jobs starts no pool for them."""
    files = {f"stack-{n}/main.tf": f'resource "aws_sqs_queue" "q{n}" {{\n  name = "q{n}"\n}}\n' for n in range(200)}
    root = write_tree(tmp_path / "repo", files)
    started = []
    context = parallel.pool_context
    monkeypatch.setattr(parallel, "pool_context", lambda: started.append(1) or context())
    one = run_cli("check", str(root), "--format", "json", "--no-cache", "--jobs", "1")
    two = run_cli("check", str(root), "--format", "json", "--no-cache", "--jobs", "2")
    assert (two.stdout, two.exit_code) == (one.stdout, one.exit_code)
    assert started == []


def _crash_outside(items: list[int]) -> list[int]:
    if os.getpid() != PARENT:
        time.sleep(0.05)  # this process has taken chunks from the tail by now
        os._exit(3)  # a worker killed mid-task (the OOM killer, a signal)
    time.sleep(0.002 * len(items))
    return [item * 2 for item in items]


PARENT = os.getpid()


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_killed_while_this_process_works_leaves_no_trace(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Every chunk done, here, and nothing on stderr: no traceback from the pool's thread (a future taken
    back from the queue breaks the end of a broken pool in Python 3.11)."""
    items = list(range(parallel.MIN_PARALLEL_FILES * 4))
    assert parallel.run_chunks(_crash_outside, items, 2) == [item * 2 for item in items]
    assert capfd.readouterr().err == ""
