"""Identities of many files made in a child process while the run goes on (issue 20): a pre-commit check of a
module file in a 20k-file repository stats every Terraform file to know which of its outlines still hold, 15,000
``stat`` calls at 2-3 µs each where a system call is dear (a virtual machine's guest), while the same run lists
its directories, imports its parser and reads the named files. A forked child stats them on another core and
sends back their identities (``identity.fields``; () for a path that cannot be stat'ed), in order, marshalled.

Nothing from the scanned tree reaches the child but the paths it is given, and nothing comes back but the
numbers ``os.stat`` gave it: what it sends is read only from the pipe it was forked with, and taken only when
it is one identity per path. The child never returns into the run: it ends with ``os._exit`` whatever happens,
so that no exit handler, buffered output or cleanup of the parent's runs twice. A child whose answer is not
wanted is killed and reaped; a parent that ends first closes the pipe, and the child's write then fails.

Only where ``os.fork`` exists, and only while the process runs no other thread (a fork copies one thread:
a lock another thread held stays held in the child). Anything that fails costs time only: the caller stats
the files itself."""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from ownlint.loaders import identity as file_identity

Identity = tuple[int, ...]
_CHUNK = 1 << 20


class StatsAhead:
    """The identities being made by the child ``pid``, which writes them to ``descriptor``."""

    def __init__(self, pid: int, descriptor: int) -> None:
        self.pid = pid
        self.descriptor = descriptor
        self.ended = False

    def identities(self) -> list[Identity] | None:
        """The identities, in the order of the paths (waiting for them), or None when the child gave no whole
        answer (a list); asked once."""
        if self.ended:
            return None
        chunks: list[bytes] = []
        try:
            while chunk := os.read(self.descriptor, _CHUNK):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            self._end(kill=False)
        try:
            found: Any = marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return None
        return found if type(found) is list else None

    def discard(self) -> None:
        """End the child unheard (the run did not need its answer, or failed)."""
        if not self.ended:
            self._end(kill=True)

    def _end(self, kill: bool) -> None:
        self.ended = True
        os.close(self.descriptor)
        if kill:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):  # reaped already (by a handler of the caller's)
            os.waitpid(self.pid, 0)


def stat_ahead(paths: Callable[[], list[str]]) -> StatsAhead | None:
    """Start making the identities of the files ``paths()`` gives (called in the child: what it decodes is not
    waited for) in a child process; None where that cannot be done (no fork, other threads, a fork refused)."""
    if not hasattr(os, "fork") or _threaded():
        return None
    read, write = os.pipe()
    _widen(write)
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork that ends with _exit)
        _child(paths, read, write)
    os.close(write)
    return StatsAhead(pid, read)


def _child(paths_of: Callable[[], list[str]], read: int, write: int) -> None:  # pragma: no cover - in the child
    try:
        os.close(read)
        paths = paths_of()
        infos: list[os.stat_result | None] = []
        stats = map(os.stat, paths)  # in C: a failure ends the ``extend``, and the map goes on with the next path
        while True:
            try:
                infos.extend(stats)
                break
            except (OSError, ValueError):
                infos.append(None)
        fields = file_identity.fields
        found = [fields(info) if info is not None else () for info in infos]
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
