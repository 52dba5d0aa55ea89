"""A commit's files written into a private temporary directory, for ``--diff-base`` (and that directory
for ``ownlint fix``'s copy of the working tree).

Blobs are read with ``git ls-tree`` and ``git cat-file --batch``: no checkout, so no hook, filter,
fsmonitor or index is involved. Entries git itself would refuse (``..``, ``.git``, a path through a
symlink, duplicates) are skipped; symlinks are written as symlinks and nothing is written through one.
Each run holds a lock in its directory while it lives; a directory whose lock is free belongs to a run
that was killed (SIGKILL, a lost runner) and is removed by the next run.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from types import FrameType
from typing import IO

from ownlint.errors import OwnlintError
from ownlint.vcs import git

PREFIX = "ownlint-base-"
LOCK = "lock"
CHUNK = 1 << 20
MAX_LINK = 4096  # a longer symlink target is no path (PATH_MAX): not written
TERMINATED = 128 + signal.SIGTERM  # the exit status shells report for a SIGTERM
REFUSED_PARTS = frozenset({"", ".", ".."})
Wanted = Callable[[str], bool]  # a path of the commit's tree ("infra/main.tf") -> write it?


@contextmanager
def materialised(top: Path, commit: str, wanted: Wanted, environ: Mapping[str, str]) -> Iterator[Path]:
    """The files of ``commit`` that ``wanted`` asks for, in a ``private_tree`` (git runs with ``environ``)."""
    with private_tree() as tree:
        _write_blobs(top, commit, tree, wanted, environ)
        yield tree


@contextmanager
def private_tree() -> Iterator[Path]:
    """An empty directory of this run's own that looks like a repository's top (a ``.git`` directory
    marks it, for what looks for one: CODEOWNERS); removed afterwards, on SIGTERM too."""
    remove_stale(Path(tempfile.gettempdir()))
    with _terminate_by_exiting():
        directory = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        try:
            with (directory / LOCK).open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                tree = directory / "tree"
                (tree / ".git").mkdir(parents=True)
                yield tree
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def remove_stale(temporary: Path) -> None:
    """Remove the directories of runs that died: ours (this user's, our prefix), with a lock nobody holds."""
    try:
        names = [name for name in os.listdir(temporary) if name.startswith(PREFIX)]
    except OSError:
        return
    for name in names:
        directory = temporary / name
        with suppress(OSError):
            info = os.lstat(directory)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            handle = os.open(directory / LOCK, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held: a live run, left alone
                shutil.rmtree(directory, ignore_errors=True)
            finally:
                os.close(handle)


@contextmanager
def _terminate_by_exiting() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) exits through the ``finally`` clauses, which remove the directory."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(TERMINATED)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _write_blobs(top: Path, commit: str, tree: Path, wanted: Wanted, environ: Mapping[str, str]) -> None:
    listing = git.run(["ls-tree", "-r", "-z", "--full-tree", commit], top, environ)
    if listing.returncode != 0:
        raise OwnlintError(f"git ls-tree {commit[:12]}: {listing.stderr.strip() or listing.returncode}")
    entries = []
    for record in listing.stdout.split(b"\0"):
        meta, _, raw_path = record.partition(b"\t")
        fields = meta.split(b" ")
        path = os.fsdecode(raw_path)
        if len(fields) == 3 and fields[1] == b"blob" and _acceptable(path) and wanted(path):
            entries.append((fields[0], fields[2], path))
    if not entries:
        return
    cat = git.batch(top, environ)
    assert cat.stdin is not None and cat.stdout is not None
    feeder = threading.Thread(target=_feed, args=(cat.stdin, [oid for _, oid, _ in entries]), daemon=True)
    feeder.start()
    try:
        root = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for mode, _, path in entries:
                _write_one(cat.stdout, root, path, symlink=mode == b"120000")
        finally:
            os.close(root)
    finally:
        cat.kill()
        cat.wait()
        feeder.join()


def _acceptable(path: str) -> bool:
    parts = path.split("/")
    return not any(part in REFUSED_PARTS or part.lower() == ".git" for part in parts)


def _feed(stream: IO[bytes], oids: list[bytes]) -> None:
    with suppress(OSError):  # git was stopped early: an error in the reader says why
        for oid in oids:
            stream.write(oid + b"\n")
        stream.close()


def _write_one(stream: IO[bytes], root: int, path: str, symlink: bool) -> None:
    header = stream.readline().split()
    if len(header) != 3:
        raise OwnlintError(
            "the files of the merge base are not all in this clone (a partial clone?): "
            "fetch them, e.g. actions/checkout without a filter"
        )
    size = int(header[2])
    if symlink and size <= MAX_LINK:
        destination = io.BytesIO()
        _copy(stream, size, destination)
        _make_link(root, path, os.fsdecode(destination.getvalue()))
    else:
        handle = None if symlink else _create(root, path)
        with os.fdopen(handle, "wb") if handle is not None else nullcontext() as target:
            _copy(stream, size, target)
    stream.read(1)  # the newline after each object


def _copy(stream: IO[bytes], size: int, target: IO[bytes] | None) -> None:
    """Read ``size`` bytes of ``stream`` into ``target`` (None: skip them)."""
    left = size
    while left:
        chunk = stream.read(min(left, CHUNK))
        if not chunk:
            raise OwnlintError("git cat-file stopped before the end of a blob")
        left -= len(chunk)
        if target is not None:
            target.write(chunk)


def _create(root: int, path: str) -> int | None:
    """A new file at ``path`` below ``root`` to write to, or None (a duplicate, or a link in the way)."""
    *parents, name = path.split("/")
    directory = _directory(root, parents)
    if directory is None:
        return None
    try:
        return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=directory)
    except OSError:
        return None
    finally:
        os.close(directory)


def _make_link(root: int, path: str, destination: str) -> None:
    *parents, name = path.split("/")
    directory = _directory(root, parents)
    if directory is None:
        return
    try:
        with suppress(OSError):  # a duplicate entry
            os.symlink(destination, name, dir_fd=directory)
    finally:
        os.close(directory)


def _directory(root: int, parts: list[str]) -> int | None:
    """The directory ``parts`` below ``root``, made as needed, never through a symlink."""
    current = os.dup(root)
    for part in parts:
        with suppress(FileExistsError):
            os.mkdir(part, 0o700, dir_fd=current)
        try:
            following = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
        except OSError:  # a symlink or a file in the way
            following = -1
        os.close(current)
        if following < 0:
            return None
        current = following
    return current
