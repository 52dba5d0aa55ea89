"""The one process pool: work spread over processes, for cold runs over many files (``run_chunks``; small
inputs stay in this process) and for audits of several repositories (``run_each``: one worker crash costs
only its repository); ``Beside``, one piece of work forked next to the workers of another; and ``ending`` /
``settle``, workers that write what they held while the run goes on, waited for at its end.

Parsing is pure CPU work on independent files, so it splits into chunks, one task each. Worker
processes are forked where the platform allows (no re-import: a worker starts in milliseconds) and
spawned elsewhere. A pool that cannot start or breaks (a worker killed) is not fatal: the chunks it
did not finish run here, one after another.

Ctrl-C, SIGTERM or a failure stops the pool at once: workers ignore SIGINT and die on SIGTERM (they are
forked with both held, so none ever runs the parent's handlers), the parent ends and reaps them, and the
command line then ends the process without the interpreter's exit, which would wait on the pool's
threads (a hang) or race with them (a "Bad file descriptor" traceback): see ``workers_stopped``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    import multiprocessing.connection
    import multiprocessing.context
    import multiprocessing.process
    from concurrent.futures import Executor
    from types import FrameType

    from ownlint.model import Progress

Task = TypeVar("Task")
Result = TypeVar("Result")

# Below this many files a pool costs more than it saves (measured: benchmarks/run.py --jobs-sweep)
MIN_PARALLEL_FILES = 64
# Terraform: two processes burn a third more CPU (each parses the modules its roots share with the other's),
# so a pool pays only for a few seconds of work (CloudGuardIaaS, 337 files: -0.2 s idle, +1 s on a busy machine)
MIN_PARALLEL_TERRAFORM_FILES = 512
# a pool costs ~30 ms to start and its results' pickling: not worth it for less work than this (issue 20)
POOL_WORTH_SECONDS = 0.2
CHUNKS_PER_JOB = 4  # several chunks per worker even out files of unequal size
POOL_CHUNKS_PER_JOB = 16  # small chunks: this process and the workers meet with little left to wait for
STEPS = 32  # chunks of a run in this process that reports its progress: a bar that moves, at no cost


def default_jobs() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def chunked(
    items: Sequence[Task], jobs: int, weight: Callable[[Task], int] | None = None, per_job: int = CHUNKS_PER_JOB
) -> list[list[Task]]:
    """``items`` in contiguous chunks (neighbouring files stay together), ``per_job`` per job; with
    ``weight`` (an item's files, say), chunks of about the same weight rather than the same count."""
    count = max(1, min(len(items), jobs * per_job))
    if weight is not None:
        return _weighed(items, count, [max(1, weight(item)) for item in items])
    size, extra = divmod(len(items), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(list(items[start:end]))
        start = end
    return [c for c in chunks if c]


def _weighed(items: Sequence[Task], count: int, weights: list[int]) -> list[list[Task]]:
    """``items`` cut where the running weight passes each ``count``-th of the total."""
    total = sum(weights)
    chunks: list[list[Task]] = [[]]
    carried = 0
    for item, weight in zip(items, weights, strict=True):
        if chunks[-1] and carried + weight / 2 > total * len(chunks) / count:
            chunks.append([])
        chunks[-1].append(item)
        carried += weight
    return chunks


def counter(
    progress: Progress | None, stage: str, total: int, size: Callable[[Any], int] | None = None
) -> Callable[[Sequence[Any]], None] | None:
    """An ``on_chunk`` that tells ``progress`` how many of ``total`` units of ``stage`` are done: an item
    each, or ``size(item)`` each (the files of a directory)."""
    if progress is None or total == 0:
        return None
    done = 0

    def count(chunk: Sequence[Any]) -> None:
        nonlocal done
        done += len(chunk) if size is None else sum(size(item) for item in chunk)
        progress(stage, done, max(total, done))

    return count


def run_chunks(
    work: Callable[[list[Task]], list[Result]],
    items: Sequence[Task],
    jobs: int,
    minimum: int = MIN_PARALLEL_FILES,
    on_chunk: Callable[[list[Task]], None] | None = None,
    weight: Callable[[Task], int] | None = None,
) -> list[Result]:
    """``work`` over ``items`` in chunks, in ``jobs`` processes (this one and ``jobs`` - 1 workers) when there
    are ``minimum`` items or more and the first chunk, run here, shows the rest is worth a pool; results in
    the order of ``items``. ``work`` must be a module-level function (it is sent to workers). ``on_chunk``
    hears of each chunk done, in this process, as it is done (a progress bar); ``weight``: an item's size,
    so that chunks are even (``chunked``)."""
    if jobs <= 1 or len(items) < max(minimum, 2):
        if on_chunk is None:
            return work(list(items))
        results: list[Result] = []
        for chunk in chunked(items, STEPS // CHUNKS_PER_JOB):
            results.extend(work(chunk))
            on_chunk(chunk)
        return results
    chunks = chunked(items, jobs, weight, POOL_CHUNKS_PER_JOB)
    tail = len(chunks) - 1
    started = time.perf_counter()
    done = {tail: _done_or_here(work, chunks[tail], None, on_chunk)}  # this process takes chunks from the tail
    worth = (time.perf_counter() - started) * tail >= POOL_WORTH_SECONDS  # else all is done here sooner
    pool = _pool(min(jobs - 1, tail)) if worth else None
    if pool is not None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            with contextlib.suppress(OSError, BrokenProcessPool):  # a worker died: what is not done runs here
                _share(work, chunks, pool, min(jobs - 1, tail), done, on_chunk)
            pool.shutdown(wait=True)
        except BaseException:  # Ctrl-C, SIGTERM, or a failure in a worker's work: stop the others now
            stop_workers(pool)
            raise
    return [
        result for index, chunk in enumerate(chunks) for result in _done_or_here(work, chunk, done.get(index), on_chunk)
    ]


def _pool(workers: int) -> Executor | None:
    """A pool of ``workers`` processes, or None when none can start (a sandbox, a limit): all runs here."""
    from concurrent.futures import ProcessPoolExecutor  # not on the start of runs that stay here

    try:
        return ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(), initializer=ignore_interrupts)
    except OSError:
        return None


def _share(
    work: Callable[[list[Task]], list[Result]],
    chunks: list[list[Task]],
    pool: Executor,
    workers: int,
    done: dict[int, list[Result]],
    on_chunk: Callable[[list[Task]], None] | None,
) -> None:
    """The chunks not ``done`` shared out: the workers take them from the head of the queue, two each at a
    time (one to run, one waiting: none idles while this process works), and this process from its tail,
    until they meet. Chunks are handed out, never taken back: Python 3.11 fails on a cancelled future when a
    worker dies (a traceback from the pool's thread)."""
    from concurrent.futures import Future, as_completed

    queue = deque(index for index in range(len(chunks)) if index not in done)
    sent: dict[Future[list[Result]], int] = {}

    def received(future: Future[list[Result]]) -> None:
        index = sent.pop(future)
        done[index] = future.result()
        if on_chunk is not None:
            on_chunk(chunks[index])

    def send() -> None:
        while queue and len(sent) < 2 * workers:
            index = queue.popleft()
            sent[pool.submit(work, chunks[index])] = index

    with signals_held():  # the workers are forked here: none takes a signal before ignore_interrupts ran
        send()
    while queue:
        index = queue.pop()
        done[index] = work(chunks[index])
        if on_chunk is not None:
            on_chunk(chunks[index])
        for future in [f for f in sent if f.done()]:
            received(future)
        send()
    for future in as_completed(list(sent)):
        received(future)


def _done_or_here(
    work: Callable[[list[Task]], list[Result]],
    chunk: list[Task],
    done: list[Result] | None,
    on_chunk: Callable[[list[Task]], None] | None,
) -> list[Result]:
    """A chunk's results from the pool, or made here (the pool did not start, or broke)."""
    if done is not None:
        return done
    results = work(chunk)
    if on_chunk is not None:
        on_chunk(chunk)
    return results


def run_each(
    work: Callable[[Task], Result],
    items: Sequence[Task],
    jobs: int,
    died: Callable[[Task], Result],
    on_done: Callable[[Task], None] | None = None,
) -> list[Result]:
    """``work`` on each item, one task each, in up to ``jobs`` worker processes; results in the order of
    ``items``. An item whose worker died (a crash, a kill) is run again alone, in a process of its own, and
    ``died(item)`` is its result if that dies too: one item that kills its process costs only itself.
    ``work`` must be picklable (a module-level function, or a ``partial`` of one); ``on_done`` hears of each
    item done, in this process."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    workers = max(1, min(jobs, len(items)))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(), initializer=ignore_interrupts)
    done: dict[int, Result] = {}
    try:
        with signals_held():  # the workers are forked here: none takes a signal before ignore_interrupts ran
            futures = {pool.submit(work, item): index for index, item in enumerate(items)}
        for future in as_completed(futures):
            try:
                done[futures[future]] = future.result()
            except BrokenProcessPool:
                continue  # a worker died: which item killed it is found below, each alone
            if on_done is not None:
                on_done(items[futures[future]])
        for index, item in enumerate(items):
            if index not in done:
                done[index] = _alone(work, item, died)
                if on_done is not None:
                    on_done(item)
        pool.shutdown(wait=True)
    except BaseException:  # Ctrl-C: stop the others now
        stop_workers(pool)
        raise
    return [done[index] for index in range(len(items))]


def _alone(work: Callable[[Task], Result], item: Task, died: Callable[[Task], Result]) -> Result:
    """``work`` on ``item`` in a process of its own, after a worker died: ``died(item)`` if this one dies too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=1, mp_context=pool_context(), initializer=ignore_interrupts)
    try:
        with signals_held():
            future = pool.submit(work, item)
        return future.result()
    except BrokenProcessPool:
        return died(item)
    except BaseException:
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True)


class Beside(Generic[Result]):
    """One piece of a run's work done in a forked process of its own while this one hands other work to its
    workers (``start``, when they start), its result taken later (``result``). Only what succeeds comes
    back: a failure, a crash or a platform without fork gives None, and the caller does the work itself, so
    an error is raised (with its traceback) as a run without it raises it. Stopped with the workers
    (``stop_workers`` ends every child). ``depth``: the ``stack_depth()`` of the frame that would otherwise
    call ``work``; the process beside runs it with the same recursion headroom, so a parse bounded by the
    recursion limit (deeply nested JSON) gives there what it gives here."""

    def __init__(self, work: Callable[[], Result], depth: int) -> None:
        self.work = work
        self.depth = depth
        self.connection: multiprocessing.connection.Connection | None = None
        self.process: multiprocessing.process.BaseProcess | None = None
        self.receiver: threading.Thread | None = None
        self.received: tuple[Result] | None = None
        self.ready = threading.Event()  # set by the receiving thread as it ends
        self.started = False

    def start(self) -> None:
        """Fork the process (the first time only; never where a fork is not the platform's way, nor in a
        daemonic worker, which may not have children)."""
        import multiprocessing

        if self.started or not sys.platform.startswith("linux") or multiprocessing.current_process().daemon:
            return
        self.started = True
        context = multiprocessing.get_context("fork")
        try:
            with signals_held():  # forked here: it takes no signal before ignore_interrupts ran
                parent, child = context.Pipe(duplex=False)
                process = context.Process(target=_beside, args=(child, parent, self.work, self.depth), daemon=True)
                process.start()
        except OSError:
            return  # a sandbox, a limit: the caller does the work itself
        child.close()
        # the result taken as soon as it is sent, by a thread of this process (signals stay the main thread's),
        # while the main thread waits on the workers: est-d's 1.1 MB of manifests took ~35 ms to unpickle after
        receiver = threading.Thread(target=self._receive, args=(parent,), daemon=True)
        try:
            with signals_held():
                receiver.start()
        except RuntimeError:  # no thread to be had: the caller does the work itself
            _ended([process])
            parent.close()
            return
        self.connection, self.process, self.receiver = parent, process, receiver

    def _receive(self, connection: multiprocessing.connection.Connection) -> None:
        """The receiving thread: the result, or None when the process died or failed and sent nothing, or what it
        sent cannot be taken (memory, a result that does not unpickle): this process then does the work, and an
        error is raised here as a run without it raises it (a thread's would be a traceback on stderr)."""
        try:
            self.received = connection.recv()
        except Exception:
            self.received = None
        finally:
            self.ready.set()

    def result(self) -> Result | None:
        """What the work gave in its process; None when it was not started, failed or died."""
        if self.receiver is None:
            return None
        self.ready.wait()  # a Ctrl-C here leaves the thread as it is, to ``stop`` (a join cut short marks it ended)
        received, self.received = self.received, None
        self.stop()
        return None if received is None else received[0]

    def stop(self) -> None:
        """End the process now, if it still runs, and wait for it and for the thread receiving from it (which then
        reads an end of file, if it still waits); a Ctrl-C meanwhile waits until then, as in ``stop_workers``."""
        with signals_held():
            if self.process is not None:
                _ended([self.process])
            if self.receiver is not None:
                self.ready.wait()
                self.receiver.join()
            if self.connection is not None:
                self.connection.close()
            self.connection = self.process = self.receiver = None


def stack_depth() -> int:
    """How many Python frames the stack holds, the caller's included."""
    frame: FrameType | None = sys._getframe(1)
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def _beside(
    connection: multiprocessing.connection.Connection,
    receiving: multiprocessing.connection.Connection,
    work: Callable[[], Any],
    depth: int,
) -> None:
    """``Beside``'s process: the result sent when the work succeeded, nothing when it failed. The parent's end
    of the pipe is closed here, so that a send to a parent killed meanwhile fails instead of blocking for ever;
    the recursion limit is raised by how much deeper than ``depth`` this frame runs."""
    ignore_interrupts()
    receiving.close()
    sys.setrecursionlimit(sys.getrecursionlimit() + max(0, stack_depth() - depth))
    with contextlib.suppress(Exception):
        connection.send((work(),))
    connection.close()


_HELD = ("SIGINT", "SIGTERM")
_stopped: list[int] = []  # pids of the processes in which a pool was stopped mid-work (a fork inherits the list)


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, in this thread and in processes forked meanwhile."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {getattr(signal, name) for name in _HELD})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them, and end at once on SIGTERM, whatever handlers
    the parent had: one message, no traceback per worker. Then the signals held at the fork arrive."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {getattr(signal, name) for name in _HELD})


def stop_workers(pool: Executor | None) -> None:
    """Cancel what has not started and end the workers now (nothing they make is wanted), waiting until
    each is gone; a second Ctrl-C meanwhile waits until then (``pool``: None for ``resident`` workers)."""
    import multiprocessing

    with signals_held():
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        _ended(multiprocessing.active_children())
        _stopped.append(os.getpid())


def _ended(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """Each of ``processes`` told to end (SIGTERM) and waited for, killed if it has not ended in 5 s (a stopped
    process)."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


_ending: list[multiprocessing.process.BaseProcess] = []  # told to end, still writing what they held (``settle``)
_then: list[Callable[[], None]] = []  # what waits for them (``after_ending``)
_settler: list[Any] = []  # the one multiprocessing finalizer that settles at the process's exit


def ending(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """``processes`` were told to end and end on their own, once they have written what they held (the result
    cache entries of Terraform's workers): the run goes on meanwhile (its rules and report: est-d cold -8%
    wall) and ``settle`` waits for them: the command line once its command is done, at the latest the
    process's exit (multiprocessing's, before it ends daemonic children: atexit's order can change)."""
    from multiprocessing import util

    if not _settler or not _settler[0].still_active():
        _settler[:] = [util.Finalize(None, settle, exitpriority=100)]
    _ending.extend(processes)


def after_ending(work: Callable[[], None]) -> None:
    """``work`` once the processes ``ending`` ends have ended, or now when none is: what needs what they write
    (a cache pruned to its size once every entry of the run is in it)."""
    if _ending:
        _then.append(work)
    else:
        work()


def settle(abandon: bool = False) -> None:
    """Wait for the processes ``ending`` ends, then do what ``after_ending`` left: before a run reads the cache
    they write, and before the command line's process ends. ``abandon``: end them now, and leave the rest
    undone (Ctrl-C, SIGTERM: nothing they write is wanted then)."""
    if abandon:
        with signals_held():
            _ended(_ending)
            _ending.clear()
            _then.clear()
        return
    while _ending:
        _ending[-1].join()
        _ending.pop()  # once ended: a Ctrl-C in the wait leaves it to be abandoned
    while _then:
        with contextlib.suppress(Exception):  # a cache that cannot be pruned costs only itself, as in a worker
            _then.pop(0)()


def workers_stopped() -> bool:
    """Whether this process stopped a pool mid-work: the pool's threads may still run, and the interpreter's
    exit would join them; the caller ends the process with ``os._exit`` instead."""
    return os.getpid() in _stopped


def pool_context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")  # the parent holds no threads or locks at this point
    return multiprocessing.get_context("spawn")
