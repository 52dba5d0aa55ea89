"""Worker processes kept across the phases of one run (the Terraform loader's: ``workers``), each fed its own
tasks: what a worker parsed in one phase is still there in the next, so a task goes to the worker that
holds what it needs (``Resident.run`` with ``home``). A worker with nothing of its own left takes the last
tasks queued for another (a balanced end costs a little parsing again), and the tasks of a worker that
died run in this process, as ``parallel.run_chunks`` does; signals are handled as there
(``ignore_interrupts``, ``stop_workers``).
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ownlint import parallel
from ownlint.parallel import ignore_interrupts, signals_held, stop_workers

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Task = TypeVar("Task")
Result = TypeVar("Result")

STEALING = True  # an idle worker takes tasks queued for another (tests turn it off to count parses)
MAX_CHUNK = 16  # tasks sent at once: fewer messages, yet enough chunks to even out the end


def _serve(
    connection: Connection, finish: Callable[[], None] | None = None, inherited: Sequence[Connection] = ()
) -> None:
    """A worker: run each ``(work, chunk)`` received and send back its results, until told to stop; then
    ``finish`` (write what it held for the run's end: told to stop is the only end a worker hears of).
    ``inherited``: the parent's ends of the workers' pipes, its own included, copied by the fork and closed
    here, so that a parent killed outright (SIGKILL, the OOM killer) leaves each worker an end of file."""
    ignore_interrupts()
    for held in inherited:
        held.close()
    while True:
        message = connection.recv()
        if message is None:
            if finish is not None:
                with contextlib.suppress(Exception):  # a cache that cannot be written costs only itself
                    finish()
            return
        work, chunk = message
        try:
            connection.send((True, work(chunk)))
        except Exception as error:  # handed to the parent, which raises it
            connection.send((False, error))


class Resident(Generic[Task, Result]):
    """Up to ``jobs`` worker processes for one run, started by the first ``run`` given any work (a warm run
    that replays everything forks none); none when they cannot start: everything runs here."""

    def __init__(
        self, jobs: int, finish: Callable[[], None] | None = None, beside: Callable[[], None] | None = None
    ) -> None:
        self.jobs = jobs  # the workers planned: tasks are given homes among them before any is started
        self.finish = finish
        self.beside = beside  # told when the workers start: the run's other work may start beside them
        self.connections: list[Connection | None] = []
        self.processes: list[BaseProcess] = []
        self.started = False
        self.ran: list[int] = []  # for the last ``run``: the worker each item ran in (-1: this process)

    def _start(self) -> None:
        """Fork the workers, once what this process holds to write is written (``finish``): a phase that ran
        here left entries a forked worker would inherit and write again as it ends."""
        self.started = True
        if self.finish is not None:
            self.finish()
        context = parallel.pool_context()
        try:
            with signals_held():  # forked here: none takes a signal before ignore_interrupts ran
                for _ in range(self.jobs):
                    parent, child = context.Pipe()
                    inherited = [*(c for c in self.connections if c is not None), parent]
                    process = context.Process(target=_serve, args=(child, self.finish, inherited), daemon=True)  # type: ignore[attr-defined]
                    process.start()
                    child.close()
                    self.connections.append(parent)
                    self.processes.append(process)
        except OSError:
            pass  # fewer processes than asked (a sandbox, a limit): the others' tasks run in those started
        if self.beside is not None:
            self.beside()

    def close(self) -> None:
        """Let the workers end (they hold nothing the run needs any more), each once it has run ``finish``: the
        run goes on meanwhile, and ``parallel.settle`` waits for them (its own: a process started beside them
        ends when its result is taken)."""
        if not self.started:
            return
        for connection in self.connections:
            if connection is not None:
                with contextlib.suppress(OSError):  # it died: nothing to tell it
                    connection.send(None)
                connection.close()
        self.connections = []
        parallel.ending(self.processes)
        self.processes = []

    def stop(self) -> None:
        """End the workers now (Ctrl-C, SIGTERM, a failure); none started: nothing to stop (nor to mark stopped)."""
        if self.started:
            stop_workers(None)
        self.connections = []

    def run(
        self,
        work: Callable[[list[Task]], list[Result]],
        items: Sequence[Task],
        home: Sequence[int] | None = None,
        prepare: Callable[[int, list[Task]], list[Task]] | None = None,
        on_chunk: Callable[[list[Task], list[Result]], None] | None = None,
        here: bool = False,
    ) -> list[Result]:
        """``work`` over ``items`` in chunks; results in the order of ``items``. ``home``: the worker each
        item should run in (-1: any); ``prepare`` may rewrite a chunk as it is sent to a worker;
        ``on_chunk`` hears of each chunk done and its results, in this process. ``here``: too little work to
        start the workers for (if none is started yet, it all runs in this process)."""
        self.ran = [-1] * len(items)
        if not items:
            return []
        from multiprocessing.connection import wait

        if not self.started and not here:
            self._start()
        live = [i for i, c in enumerate(self.connections) if c is not None]
        queues: list[deque[int]] = [deque() for _ in self.connections]
        shared: deque[int] = deque()
        for index in range(len(items)):
            wanted = home[index] if home is not None else -1
            (queues[wanted] if wanted in live else shared).append(index)
        size = max(1, min(MAX_CHUNK, len(items) // max(1, 8 * len(live))))
        done: dict[int, Result] = {}
        busy: dict[int, list[int]] = {}
        while True:
            for worker in live:
                if worker not in busy:
                    chunk = self._next(worker, queues, shared, size)
                    if chunk:
                        busy[worker] = chunk
                        tasks = [items[i] for i in chunk]
                        try:
                            self._send(worker, (work, prepare(worker, tasks) if prepare else tasks))
                        except OSError:
                            self._lost(worker, live, busy, queues, shared)
            if not busy:
                break
            ready = wait([self.connections[w] for w in busy])  # type: ignore[misc]
            for worker in [w for w in busy if self.connections[w] in ready]:
                try:
                    succeeded, results = self._receive(worker)
                except (EOFError, OSError):
                    self._lost(worker, live, busy, queues, shared)
                    continue
                if not succeeded:
                    raise results
                chunk = busy.pop(worker)
                for index, result in zip(chunk, results, strict=True):
                    done[index] = result
                    self.ran[index] = worker
                if on_chunk is not None:
                    on_chunk([items[i] for i in chunk], list(results))
        left = [i for i in range(len(items)) if i not in done]  # no worker left to run them
        for start in range(0, len(left), size):
            chunk = left[start : start + size]
            tasks = [items[i] for i in chunk]
            results = work(prepare(-1, tasks) if prepare else tasks)
            done.update(zip(chunk, results, strict=True))
            if on_chunk is not None:
                on_chunk(tasks, results)
        return [done[index] for index in range(len(items))]

    def _next(self, worker: int, queues: list[deque[int]], shared: deque[int], size: int) -> list[int]:
        """The next chunk for ``worker``: its own items, else anyone's, else the last ones queued for another."""
        own = queues[worker] if queues[worker] else shared
        if not own and STEALING:
            own = max(queues, key=len)
            return [own.pop() for _ in range(min(len(own), max(1, size // 2)))][::-1]
        return [own.popleft() for _ in range(min(len(own), size))]

    def _send(self, worker: int, message: tuple[Any, Any]) -> None:
        connection = self.connections[worker]
        assert connection is not None
        connection.send(message)

    def _receive(self, worker: int) -> tuple[bool, Any]:
        connection = self.connections[worker]
        assert connection is not None
        received: tuple[bool, Any] = connection.recv()
        return received

    def _lost(
        self, worker: int, live: list[int], busy: dict[int, list[int]], queues: list[deque[int]], shared: deque[int]
    ) -> None:
        """A worker died (a crash, the OOM killer): what it held or had queued runs elsewhere."""
        live.remove(worker)
        shared.extendleft(reversed(busy.pop(worker, [])))
        shared.extend(queues[worker])
        queues[worker].clear()
        connection = self.connections[worker]
        if connection is not None:
            connection.close()
        self.connections[worker] = None
