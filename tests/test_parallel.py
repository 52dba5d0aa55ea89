"""--jobs: the same findings in worker processes as in one; small inputs stay in one process; a broken
pool falls back to this process."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import ROOT, process_running, run_cli

from ownlint import parallel
from ownlint.loaders.terraform import resident

sys.path.insert(0, str(ROOT / "benchmarks"))
from estate import write_estate

CYCLE_A = 'module "b" {\n  source = "../cycle-b"\n}\nresource "aws_sqs_queue" "a" {\n  name = "a"\n}\n'
CYCLE_B = 'module "a" {\n  source = "../cycle-a"\n}\nresource "aws_sqs_queue" "b" {\n  name = "b"\n}\n'
SUPPRESSED = (
    '# ownlint:ignore OWN001 reason="a fixture" expires=2999-01-01\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
)
SHARED_CALLER = 'module "shared" {\n  source = "../../../../shared"\n  name   = "{name}"\n}\n'
SHARED = 'variable "name" {}\nresource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n'


def _estate(root: Path) -> Path:
    """The benchmark estate (over the parallel threshold) plus the awkward cases: a call cycle, a file
    that does not parse, a suppression comment, a module outside the scanned directory called twice."""
    write_estate(root / "infra", 12, 12)
    extra = {
        "infra/terraform/cycle-a/main.tf": CYCLE_A,
        "infra/terraform/cycle-b/main.tf": CYCLE_B,
        "infra/terraform/broken/main.tf": 'resource "aws_sqs_queue" "x" {\n',
        "infra/terraform/suppressed/main.tf": SUPPRESSED,
        "infra/terraform/callers/one/main.tf": SHARED_CALLER.replace("{name}", "one"),
        "infra/terraform/callers/two/main.tf": SHARED_CALLER.replace("{name}", "two"),
        "shared/main.tf": SHARED,
        ".git/HEAD": "ref: refs/heads/main\n",
    }
    for name, text in extra.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "infra"


def test_worker_processes_find_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders.terraform import load

    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", parallel.MIN_PARALLEL_FILES)  # a pool for this small estate
    infra = _estate(tmp_path)
    assert sum(1 for _ in infra.rglob("*.tf")) >= parallel.MIN_PARALLEL_FILES
    monkeypatch.chdir(infra)
    pools = []
    context = parallel.pool_context
    monkeypatch.setattr(parallel, "pool_context", lambda: pools.append(1) or context())
    one = run_cli("check", ".", "--format", "json", "--no-cache", "--jobs", "1", "--show-suppressed")
    two = run_cli("check", ".", "--format", "json", "--no-cache", "--jobs", "2", "--show-suppressed")
    assert (two.stdout, two.exit_code) == (one.stdout, one.exit_code)
    assert len(pools) == 1  # Terraform: one set of workers for both phases (24 manifests stay in this process)
    found = one.json()
    assert {f["rule"] for f in found["findings"]} >= {"OWN000", "OWN001"}
    assert any(f["file"] == "terraform/cycle-b/main.tf" for f in found["findings"])  # the cycle is loaded
    assert [s["file"] for s in found["suppressed"]] == ["terraform/suppressed/main.tf"]


def test_workers_are_forked_only_for_work_worth_them(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers are forked only for work: a second run with nothing changed replays every directory and root
    from the result cache, so forking them (~50 ms on a 3,600-file estate) would buy nothing; after one file
    changed, its directory and the root that reaches it are too few files to be worth it."""
    from ownlint.loaders.terraform import load

    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", parallel.MIN_PARALLEL_FILES)  # a pool for this small estate
    infra = _estate(tmp_path)
    monkeypatch.chdir(infra)
    pools = []
    context = parallel.pool_context
    monkeypatch.setattr(parallel, "pool_context", lambda: pools.append(1) or context())
    cache = str(tmp_path_factory.mktemp("cache"))  # outside the scanned repository, or it is not used
    cold = run_cli("check", ".", "--format", "json", "--cache-dir", cache, "--jobs", "2")
    assert len(pools) == 1
    warm = run_cli("check", ".", "--format", "json", "--cache-dir", cache, "--jobs", "2")
    assert (warm.stdout, warm.exit_code) == (cold.stdout, cold.exit_code)
    assert len(pools) == 1  # none forked for the warm run
    main = infra / "terraform/stack-0003/main.tf"
    main.write_text(main.read_text() + 'resource "aws_sqs_queue" "unowned" {}\n')  # a few files' work: not worth a fork
    changed = run_cli("check", ".", "--format", "json", "--cache-dir", cache, "--jobs", "2")
    assert len(pools) == 1
    uncached = run_cli("check", ".", "--format", "json", "--no-cache", "--jobs", "1")
    assert (changed.stdout, changed.exit_code) == (uncached.stdout, uncached.exit_code)
    assert changed.stdout != cold.stdout


def _counting(log: Path, make: Callable[[str], Callable[[str, str], object]]) -> Callable[[str], object]:
    """``make`` (parser_for, outline_for) whose functions note each file they parse in ``log``, from any process."""

    def counted(name: str) -> Callable[[str, str], object]:
        function = make(name)

        def parse(text: str, shown: str) -> object:
            descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(descriptor, f"{shown}\n".encode())  # one write: lines from workers do not interleave
            os.close(descriptor)
            return function(text, shown)

        return parse

    return counted


def test_worker_processes_parse_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ownlint.loaders.terraform import backends, load, workers

    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", parallel.MIN_PARALLEL_FILES)  # a pool for this small estate
    write_estate(tmp_path / "infra", 16, 0)
    monkeypatch.chdir(tmp_path / "infra")
    one = run_cli("check", ".", "--format", "json", "--no-cache", "--jobs", "1")
    log = tmp_path / "parsed.log"
    for module in (load, workers):
        monkeypatch.setattr(module, "parser_for", _counting(log, backends.parser_for))
        monkeypatch.setattr(module, "outline_for", _counting(log, backends.outline_for))
    monkeypatch.setattr(resident, "STEALING", False)  # a worker idle at the end may parse again what it takes
    two = run_cli("check", ".", "--format", "json", "--no-cache", "--jobs", "2")
    assert (two.stdout, two.exit_code) == (one.stdout, one.exit_code)
    parsed = Counter(log.read_text().splitlines())
    hcl = [str(p.relative_to(tmp_path / "infra")) for p in (tmp_path / "infra").rglob("*.tf*")]
    assert len(hcl) >= parallel.MIN_PARALLEL_FILES
    # no file parsed twice: outlined, then parsed; or in two workers
    assert [n for n, c in parsed.items() if c > 1] == []
    # every file parsed once, but for those whose text a worker had met before (copied files)
    assert set(parsed) <= set(hcl) and len(parsed) >= len(set(Path(p).read_text() for p in hcl))


def _crash_in_workers(items: list[int]) -> list[int]:
    if os.getpid() != PARENT:
        os._exit(3)  # a worker killed mid-task (the OOM killer, a signal)
    return [item * 2 for item in items]


PARENT = os.getpid()


def test_a_broken_pool_falls_back_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "POOL_WORTH_SECONDS", 0.0)  # a pool for this quick work
    items = list(range(parallel.MIN_PARALLEL_FILES * 2))
    assert parallel.run_chunks(_crash_in_workers, items, 2) == [item * 2 for item in items]


def test_resident_workers_that_die_leave_their_tasks_to_this_process() -> None:
    items = list(range(40))
    workers: resident.Resident[int, int] = resident.Resident(2)
    try:
        assert workers.run(_crash_in_workers, items, [i % 2 for i in items]) == [item * 2 for item in items]
    finally:
        workers.close()
    assert workers.ran == [-1] * len(items)  # every worker died on its first chunk


def test_small_inputs_stay_in_this_process() -> None:
    items = list(range(parallel.MIN_PARALLEL_FILES - 1))
    assert parallel.run_chunks(_crash_in_workers, items, 8) == [item * 2 for item in items]


def test_chunks_keep_order_and_cover_everything() -> None:
    chunks = parallel.chunked(list(range(10)), 2)
    assert [i for chunk in chunks for i in chunk] == list(range(10))
    assert len(chunks) == 8 and all(chunks)


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    run = run_cli("check", str(tmp_path), "--jobs", "0")
    assert run.exit_code == 2
    assert "Invalid value for '-j' / '--jobs': 0 is not in the range x>=1." in run.stderr


def _shared_estate(root: Path, tags: str) -> Path:
    """20 root modules that call one small shared module: few files, many roots."""
    (root / ".git").mkdir(parents=True)
    (root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (root / "modules/shared").mkdir(parents=True)
    shared = root / "modules/shared/main.tf"
    shared.write_text(f'variable "name" {{}}\nresource "aws_s3_bucket" "b" {{\n  bucket = var.name\n{tags}}}\n')
    for index in range(20):
        stack = root / f"stacks/s{index:02d}"
        stack.mkdir(parents=True)
        (stack / "main.tf").write_text(
            f'module "shared" {{\n  source = "../../modules/shared"\n  name = "n{index}"\n}}\n'
        )
    return shared


def test_entries_of_a_phase_run_here_are_written_once_when_workers_fork_later(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared module edited: its directory is parsed here (too few files for workers), the 20 roots that call it
    are worth forking for; a forked worker inherits what this process had not written and must not write it again."""
    from ownlint.loaders.terraform import load, packs

    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", 10)
    shared = _shared_estate(tmp_path / "repo", "")
    cache = str(tmp_path_factory.mktemp("cache"))
    check = ("check", str(tmp_path / "repo"), "--format", "json", "--cache-dir", cache, "--jobs", "2")
    run_cli(*check)
    log = tmp_path / "written.log"
    flush = packs.Packs.flush

    def logged(self: packs.Packs, final: bool = False) -> None:
        with open(log, "a", encoding="utf-8") as stream:  # from any process: one line per entry written
            stream.writelines(f"{name}\n" for _, entries in self._pending.values() for name in entries)
        flush(self, final)

    monkeypatch.setattr(packs.Packs, "flush", logged)
    shared.write_text(shared.read_text() + "# changed\n")
    changed = run_cli(*check)
    assert changed.stdout == run_cli("check", str(tmp_path / "repo"), "--format", "json", "--no-cache").stdout
    written = Counter(log.read_text().splitlines())
    assert len(written) >= 21 and [name for name, count in written.items() if count > 1] == []


def test_a_load_that_fails_leaves_nothing_for_the_next_run_in_the_process(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The models a phase run here parsed belong to that run only, even when it fails (the library, the tests:
    more than one run per process); and no worker is marked stopped when none was started."""
    from ownlint.loaders.terraform import load, workers

    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", 10)
    shared = _shared_estate(tmp_path / "repo", '  tags = { owner = "team-a" }\n')
    cache = str(tmp_path_factory.mktemp("cache"))
    check = ("check", str(tmp_path / "repo"), "--format", "json", "--cache-dir", cache, "--jobs", "2")
    run_cli(*check)
    shared.write_text(shared.read_text().replace('  tags = { owner = "team-a" }\n', ""))

    def failing(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a failure after the directories were parsed")

    with monkeypatch.context() as patched:
        patched.setattr(workers, "roots_of", failing)
        failed = run_cli(*check)
    assert (failed.exit_code, "a failure after the directories were parsed" in failed.stderr) == (2, True)
    assert not parallel.workers_stopped()
    shared.write_text(shared.read_text() + "# and again\n")
    again = run_cli(*check)
    assert again.stdout == run_cli("check", str(tmp_path / "repo"), "--format", "json", "--no-cache").stdout


def _finish_when_told(go: Path, done: Path) -> Callable[[], None]:
    parent = os.getpid()

    def finish() -> None:  # a worker's end: what it held written once the test says so (5 s at most)
        import time

        if os.getpid() == parent:
            return  # this process writes what it holds before forking: nothing here
        deadline = time.monotonic() + 5
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        done.write_text(str(os.getpid()))

    return finish


def test_the_run_goes_on_while_closed_workers_write_what_they_held(tmp_path: Path) -> None:
    """``Resident.close`` tells the workers to end and returns: they write their result cache entries while the
    run makes its findings and report (it waited for them: est-d cold -8% wall); ``settle`` waits for them."""
    go, done = tmp_path / "go", tmp_path / "done"
    workers: resident.Resident[int, int] = resident.Resident(1, finish=_finish_when_told(go, done))
    try:
        assert workers.run(list, [1, 2, 3]) == [1, 2, 3]
    finally:
        workers.close()
    assert not done.exists()  # still waiting to write: close did not wait for it
    go.write_text("")
    parallel.settle()
    assert int(done.read_text()) != os.getpid()  # written by the worker, before settle returned


KILLED_PARENT = """
import os
from ownlint.loaders.terraform import resident
workers = resident.Resident(2)
assert workers.run(list, [1, 2, 3, 4]) == [1, 2, 3, 4]
print(" ".join(str(p.pid) for p in workers.processes), flush=True)
os._exit(0)  # as a SIGKILL or the OOM killer would end it: the workers are never told to stop
"""


def test_resident_workers_end_when_their_parent_is_killed() -> None:
    """Each worker held copies of the parent's ends of the pipes, its own among them (the fork copies them):
    killed outright, the parent left them all waiting in ``recv`` for ever."""
    import subprocess
    import time

    done = subprocess.run([sys.executable, "-c", KILLED_PARENT], capture_output=True, text=True, timeout=60, check=True)
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 30
    while any(map(process_running, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(process_running, pids))


def _bytes_under(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def test_the_result_cache_keeps_to_its_size_when_workers_write_after_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terraform's workers write their result entries while the run makes its findings (``parallel.ending``): the
    cache is pruned to its size once they have written them, not before (review: 2.4 MB kept under a 1 MB limit,
    for good: a warm run writes nothing and never prunes)."""
    from ownlint.loaders.terraform import load, results

    monkeypatch.setattr(load, "MIN_PARALLEL_FILES", 10)
    write_estate(tmp_path / "estate", 12, 0)
    check = ("check", str(tmp_path / "estate"), "--format", "json", "--jobs", "2", "--cache-dir")
    run_cli(*check, str(tmp_path / "whole"))
    whole = _bytes_under(tmp_path / "whole/results")
    monkeypatch.setattr(results, "MAX_BYTES", whole // 2)
    run_cli(*check, str(tmp_path / "limited"))
    assert 0 < _bytes_under(tmp_path / "limited/results") <= whole // 2


LIBRARY_LOAD = """
import os, sys, time
from ownlint.loaders.terraform import load as terraform, workers
terraform.MIN_PARALLEL_FILES = 1
parent, flush = os.getpid(), workers._flush
def slow():
    if os.getpid() != parent:
        time.sleep(1)  # still writing when the caller is done
    flush()
workers._flush = slow
from ownlint.inputs import Inputs
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.pipeline import load
load(Inputs(paths=(sys.argv[1],), jobs=2, terraform=TerraformInputs(cache_dir=sys.argv[2])))
import multiprocessing.util
multiprocessing.util.get_logger()  # its first use puts multiprocessing's exit last in atexit's order
"""


def test_a_library_load_leaves_its_cache_written_at_the_exit(tmp_path: Path) -> None:
    """A caller of ``pipeline.load`` (no command line to wait for its workers): they are waited for as the
    process exits, before multiprocessing ends daemonic processes, whatever the order of atexit's hooks (review:
    an atexit hook ran after it once the caller used multiprocessing's logger: no entry written)."""
    import subprocess

    write_estate(tmp_path / "estate", 4, 0)
    cache = tmp_path / "cache"
    subprocess.run([sys.executable, "-c", LIBRARY_LOAD, str(tmp_path / "estate"), str(cache)], timeout=60, check=True)
    assert _bytes_under(cache / "results") > 4096


def test_beside_takes_its_result_while_this_process_does_other_work() -> None:
    """The result of the process beside is received (and unpickled) by a thread as soon as it is sent, while
    this process waits on Terraform's workers, not when asked for after them (est-d: ~35 ms of 1.1 MB)."""
    import time
    from functools import partial

    beside = parallel.Beside(partial(bytes, 4_000_000), parallel.stack_depth())  # more than a pipe holds
    beside.start()
    deadline = time.monotonic() + 30
    while beside.received is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert beside.received is not None
    assert beside.result() == bytes(4_000_000)
    assert (beside.process, beside.receiver) == (None, None)


def _refuse() -> None:
    raise MemoryError("planted: the result cannot be taken here")


class _Untakeable:
    """Pickles in the process beside, fails to unpickle here (as memory running out would)."""

    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        return (_refuse, ())


def test_a_result_beside_that_cannot_be_taken_is_left_to_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review: an error unpickling in the receiving thread printed a thread's traceback on stderr (threading's
    excepthook); it is a result not had, and the caller does the work itself (its errors are those of a run
    without the process)."""
    import threading

    escaped: list[object] = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    beside = parallel.Beside(_Untakeable, parallel.stack_depth())
    beside.start()
    assert beside.result() is None
    assert escaped == []


def _slow_bytes() -> bytes:
    import time

    time.sleep(3)
    return bytes(10)


def test_a_ctrl_c_while_waiting_beside_leaves_no_thread_receiving() -> None:
    """Review: a Ctrl-C cut ``Thread.join`` short, which marks the thread ended while it still waits in ``recv``
    (CPython 3.10-3.12); ``stop`` then closed the connection under it. Now the wait is on an event, and ``stop``
    ends the process, then waits for the thread."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    beside = parallel.Beside(_slow_bytes, parallel.stack_depth())
    beside.start()
    receiver = beside.receiver
    assert receiver is not None
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            beside.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    beside.stop()
    assert receiver.ident not in sys._current_frames()
    assert (beside.process, beside.receiver, beside.connection) == (None, None, None)
