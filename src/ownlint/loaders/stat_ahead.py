"""Identities of many files made in a child process while the run goes on (issue 20): a pre-commit check of a
module file in a 20k-file repository stats every Terraform file to know which of its outlines still hold, 15,000
``stat`` calls at 2-3 µs each where a system call is dear (a virtual machine's guest), while the same run loads
its config, lists its directories and imports its parser. A forked child stats them on another core and sends
back their identities (``identity.fields``; () for a path that cannot be stat'ed), in order, marshalled.

Nothing from the scanned tree reaches the child but the paths it is given, and nothing comes back but the
numbers ``os.stat`` gave it: what it sends is read only from the pipe it was forked with, and taken only when it
is a list of identities read to its end within ``WAIT_SECONDS``. The child never returns into the run: it takes
no signal before it ignores Ctrl-C (as workers do), collects no garbage (no finalizer of the run's runs in it),
and ends with ``os._exit`` whatever happens, so that no exit handler, buffered output or cleanup of the run's
runs twice. A child whose answer is not wanted, or comes too late, is killed and reaped.

Only on Linux (forking without exec is not safe on macOS; the run's workers fork only there too), and only while
the process runs no other thread (a fork copies one thread: a lock another thread held stays held in the child).
Anything that fails costs time only: the caller stats the files itself."""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from ownlint.loaders import identity as file_identity
from ownlint.parallel import ignore_interrupts, signals_held

Identity = file_identity.Fields
WAIT_SECONDS = 5.0  # a child still stat'ing then (a hung mount, a machine swapping) is given up
_CHUNK = 1 << 20


class StatsAhead:
    """The identities being made by the child ``pid``, which writes them to ``descriptor``."""

    def __init__(self, pid: int, descriptor: int) -> None:
        self.pid = pid
        self.descriptor = descriptor
        self.ended = False

    def identities(self) -> list[Identity] | None:
        """The identities, in the order of the paths (waiting for them at most ``WAIT_SECONDS``), or None when the
        child gave no whole answer in time (a list of identities); asked once."""
        if self.ended:
            return None
        chunks: list[bytes] = []
        whole = False
        try:
            whole = self._read(chunks, time.monotonic() + WAIT_SECONDS)
        finally:
            self._end(kill=not whole)
        if not whole:
            return None
        try:
            found: Any = marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return None
        return found if type(found) is list and set(map(type, found)) <= {tuple} else None

    def discard(self) -> None:
        """End the child unheard (the run did not need its answer, or failed)."""
        if not self.ended:
            self._end(kill=True)

    def _read(self, chunks: list[bytes], deadline: float) -> bool:
        """Append what the child sends to ``chunks``; whether it was read to its end before ``deadline``."""
        import select

        poll = select.poll()
        poll.register(self.descriptor, select.POLLIN)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poll.poll(left * 1000):
                return False
            try:
                chunk = os.read(self.descriptor, _CHUNK)
            except OSError:
                return False
            if not chunk:
                return True
            chunks.append(chunk)

    def _end(self, kill: bool) -> None:
        """Close the pipe and reap the child (``kill``: first ended, its answer not read to the end); a Ctrl-C
        meanwhile waits until it is done."""
        with signals_held():
            self.ended = True
            os.close(self.descriptor)
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):  # reaped already (by a handler of the caller's)
                os.waitpid(self.pid, 0)


def stat_ahead(paths: Callable[[], list[str]]) -> StatsAhead | None:
    """Start making the identities of the files ``paths()`` gives (called in the child: what it decodes is not
    waited for) in a child process; None where that cannot be done (not Linux, other threads, a fork refused)."""
    if not sys.platform.startswith("linux") or _threaded():
        return None
    try:
        read, write = os.pipe()
    except OSError:  # out of descriptors
        return None
    _widen(write)
    child: StatsAhead | None = None
    try:
        with signals_held():  # the child takes no signal before it ignores Ctrl-C
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork that ends with _exit)
                try:
                    _child(paths, read, write)
                finally:  # (never back into the run, whatever ``_child`` is)
                    os._exit(1)
            child = StatsAhead(pid, read)
            os.close(write)
    except OSError:  # no fork (a limit, a sandbox): the caller stats the files itself
        if child is not None:
            child.discard()
        else:
            os.close(read)
        with contextlib.suppress(OSError):
            os.close(write)
        return None
    except BaseException:  # a Ctrl-C held meanwhile, delivered as the block ends: no child is left behind
        if child is not None:
            child.discard()
        raise
    return child


def _child(paths_of: Callable[[], list[str]], read: int, write: int) -> None:  # pragma: no cover - in the child
    try:  # (nothing imported here: a lock another thread of the run held would be held for good)
        gc.disable()
        ignore_interrupts()
        os.close(read)
        found = file_identity.fields_of(*file_identity.stats(paths_of()))
        view = memoryview(marshal.dumps(found, 2))
        while view:
            view = view[os.write(write, view) :]
    finally:
        os._exit(0)


def _widen(descriptor: int) -> None:
    """Let the pipe hold a whole answer (15,000 identities: ~750 kB; Linux's default is 64 kB): the child writes it
    at once and ends, and the run reads it in one call instead of taking turns with the child (~4 ms)."""
    try:
        import fcntl
    except ImportError:
        return
    if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux
        with contextlib.suppress(OSError):  # above /proc/sys/fs/pipe-max-size: the child writes in turns
            fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, _CHUNK)


def _threaded() -> bool:
    """Whether this process runs a Python thread besides the main one (none without ``threading`` imported)."""
    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1
