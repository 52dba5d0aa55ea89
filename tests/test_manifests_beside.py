"""Issue 20, a cold run with workers: the manifests are read in a process of their own while Terraform's workers
evaluate the root modules, not after them (``pipeline.loading._manifests_beside``; est-d cold 1.06 -> 0.94 s on
2 CPUs). The output is the same as a run in one process; a warm run (no worker starts) reads them here; when the
process beside fails or dies, this one reads them, so an error is the one a run without it gives."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.conftest import process_running, run_cli, write_tree

from ownlint import parallel
from ownlint.errors import OwnlintError
from ownlint.loaders import identity
from ownlint.loaders.terraform import load, resident
from ownlint.pipeline import loading

STACKS = 8  # four .tf files a stack: 32, and two manifests a namespace: 16, with the thresholds set below
STACK = 'module "queue" {\n  source = "./modules/queue"\n  tags   = { owner = "team-a" }\n}\n'
MODULE = 'variable "tags" {\n  default = {}\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n  tags = var.tags\n}\n'
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{index}
  namespace: ns{index}
  labels: {{owner: team-a}}
spec:
  template:
    spec:
      containers: [{{name: app, image: "nginx:1.27"}}]
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc{index}\n  namespace: ns{index}\n"


def _estate(root: Path) -> Path:
    files = {"ownlint.yaml": "extends: hybrid-it\nparties:\n  internal: [team-a]\n"}
    for index in range(STACKS):
        stack = f"terraform/s{index:02d}"
        files[f"{stack}/main.tf"] = STACK
        files[f"{stack}/variables.tf"] = 'variable "region" {\n  default = "eu-west-1"\n}\n'
        files[f"{stack}/modules/queue/main.tf"] = MODULE
        files[f"{stack}/modules/queue/variables.tf"] = 'variable "name" {\n  default = "q"\n}\n'
        files[f"kubernetes/ns{index}/deployment.yaml"] = DEPLOYMENT.format(index=index)
        files[f"kubernetes/ns{index}/service.yaml"] = SERVICE.format(index=index)
    return write_tree(root, files)


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(identity, "RACY_NS", 0)
    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", 4 * STACKS)  # Terraform's workers start for these files
    monkeypatch.setattr(loading, "MIN_PARALLEL_FILES", 2 * STACKS)  # and the manifests are read beside them
    return _estate(tmp_path / "estate")


def _check(estate: Path, cache: Path, jobs: str, code: int = 1) -> str:
    run = run_cli(
        "check", str(estate), "--config", str(estate / "ownlint.yaml"), "--format", "json", "--today", "2026-12-01",
        "--cache-dir", str(cache), "--jobs", jobs,
    )  # fmt: skip
    assert run.exit_code == code, run.stderr
    return run.stdout if code == 1 else run.stderr


def _readers(monkeypatch: pytest.MonkeyPatch, log: Path, fail: str = "") -> None:
    """Each process that reads the manifests writes its pid to ``log``; ``fail``: how one other than this
    process fails ("raise", "die"), or "always" (an error in any process)."""
    original, here = loading._kubernetes, os.getpid()

    def reading(*args: object) -> object:
        with log.open("a") as stream:
            stream.write(f"{os.getpid()}\n")
        if fail == "always":
            raise OwnlintError("manifests: planted failure")
        if fail == "raise" and os.getpid() != here:
            raise RuntimeError("planted failure beside")
        if fail == "die" and os.getpid() != here:
            os._exit(3)
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(loading, "_kubernetes", reading)


def _pids(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()]


def test_a_cold_run_with_workers_reads_the_manifests_beside_them(
    estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _check(estate, tmp_path / "alone", "1")
    log = tmp_path / "pids"
    _readers(monkeypatch, log)
    assert _check(estate, tmp_path / "cache", "2") == alone
    (beside,) = _pids(log)
    assert beside != os.getpid()
    log.unlink()
    assert _check(estate, tmp_path / "cache", "2") == alone  # warm: every root replayed, no worker started
    assert _pids(log) == [os.getpid()]


@pytest.mark.parametrize("fail", ["raise", "die"])
def test_manifests_that_fail_beside_are_read_here(
    estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    alone = _check(estate, tmp_path / "alone", "1")
    log = tmp_path / "pids"
    _readers(monkeypatch, log, fail)
    assert _check(estate, tmp_path / "cache", "2") == alone
    pids = _pids(log)
    assert len(pids) == 2 and pids[0] != os.getpid() and pids[1] == os.getpid()


def test_an_error_reading_manifests_is_the_one_a_run_in_one_process_gives(
    estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _readers(monkeypatch, tmp_path / "pids", "always")
    alone = _check(estate, tmp_path / "alone", "1", code=2)
    assert "manifests: planted failure" in alone
    assert _check(estate, tmp_path / "cache", "2", code=2) == alone


def _doubled(items: list[int]) -> list[int]:
    return [item * 2 for item in items]


def test_workers_ending_wait_for_their_own_processes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process beside the workers holds its result until it is taken, after the workers end: their end
    waited for every child process, that one too, and the run hung (its result is larger than a pipe holds)."""
    monkeypatch.setattr(parallel, "_stopped", [])  # stopping the workers below marks this process: not for others
    beside = parallel.Beside(lambda: b"x" * 1_000_000, parallel.stack_depth())
    workers: resident.Resident[int, int] = resident.Resident(2, beside=beside.start)
    items = list(range(20))
    try:
        assert workers.run(_doubled, items) == _doubled(items)
        ending = threading.Thread(target=workers.close, daemon=True)
        ending.start()
        ending.join(timeout=30)
        assert not ending.is_alive()
        assert beside.result() == b"x" * 1_000_000
    finally:
        beside.stop()
        workers.stop()


def test_nothing_started_beside_gives_no_result() -> None:
    beside = parallel.Beside(lambda: 1, parallel.stack_depth())
    assert beside.result() is None


def _headroom() -> int:
    return sys.getrecursionlimit() - parallel.stack_depth()


def test_work_beside_has_the_recursion_headroom_it_has_here() -> None:
    """The process beside starts its work some fifteen frames deeper than this one would: JSON nested ~960 deep
    was a located parse error there and parsed here (cold ``-j 2`` against warm or ``-j 1``: other findings)."""
    beside = parallel.Beside(_headroom, parallel.stack_depth())
    beside.start()
    try:
        assert beside.result() == _headroom()
    finally:
        beside.stop()


ORPHAN = """
import os, sys
from ownlint import parallel
beside = parallel.Beside(lambda: b"x" * 4_000_000, parallel.stack_depth())
beside.start()
print(beside.process.pid, flush=True)
os._exit(0)  # as a SIGKILL would end it: no clean-up, its result never taken
"""


def test_a_process_beside_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """It held the parent's end of its own pipe (inherited at the fork), so a result larger than a pipe blocked it
    for ever once the parent was gone."""
    done = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, check=True, timeout=60)
    pid = int(done.stdout)
    deadline = time.monotonic() + 30
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(pid)
