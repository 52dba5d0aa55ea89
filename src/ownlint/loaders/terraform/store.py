"""The safe directory and entry I/O that the caches share (parse, result, manifests), and the digest of
ownlint's own code that their keys hold.

Whoever can write a cache directory decides what it gives back, so nothing in it is taken on trust:
- the directory, and every directory above it, must be one only this user (or root) can change; it is
  made 0700, and one that is a link, another user's or writable by others is not used (one note);
- an entry is read only as a regular file of at most ``max_entry_bytes``, never through a link and never
  blocking on a FIFO; writing and pruning never follow a link out of the directory.
Entries are written to a temporary file and renamed, so concurrent runs never see half an entry; one that is
read, changed and written again, or extended in place (``rewrite``: its reader takes only what is whole), is
so under a lock on its subdirectory. What an entry holds,
and when it may be used, is its cache's business (each records the key material it was built from).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ownlint.loaders.files import read_regular

if sys.platform != "win32":  # (a cache is used on POSIX only: see unsafe_directory)
    import fcntl

STALE_SECONDS = 3600  # a temporary file this old was left by a run that was killed
LOCK_SECONDS = 10.0  # a write waits this long for another process's rewrite of the same subdirectory
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_SHARD = re.compile(r"[0-9a-f]{2}")
_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)  # (POSIX: see unsafe_directory)
_DIRECTORY = _NO_FOLLOW | getattr(os, "O_DIRECTORY", 0)
_ENTRY_FLAGS = _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted as an entry never blocks
_APPEND = os.O_RDWR | os.O_APPEND | _ENTRY_FLAGS  # an entry extended in place, as it is read
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SEQUENCE = itertools.count()
Extension = Callable[[int, bytes], "bytes | None"]  # (an entry's size, its last bytes) -> what to append, or None


def usable_directory(directory: Path, repository: Path, what: str) -> tuple[bool, str | None]:
    """Whether ``directory`` may hold ``what`` (made 0700 when missing), and a note when it may not: it could
    be changed by another user (as pip disables a cache it does not own) or by the change being checked."""
    if Path(os.path.realpath(directory)).is_relative_to(os.path.realpath(repository)):
        return False, f"{what} not used: {directory} is inside the scanned repository"  # written by the PR
    why = unsafe_directory(directory)
    if why is None:
        try:
            make_private(Path(os.path.abspath(directory)))
        except OSError:
            return False, None  # cannot be made (read-only, no space): a cache that cannot be written only costs time
        why = unsafe_directory(directory)
    if why is not None:
        return False, f"{what} not used: {why}"
    return True, None


def unsafe_directory(directory: Path) -> str | None:
    """Why another user could change what ``directory`` holds, or None. Walked from ``/`` without trusting
    a link: a directory above must belong to this user or root and be writable by no one else (a sticky one
    such as /tmp may be); a link above must belong to them too; ``directory`` itself must be this user's,
    writable by no one else, and not a link. A part that does not exist yet is fine: it will be made 0700."""
    if os.name != "posix":
        return "owners and modes cannot be checked on this platform"
    user = os.geteuid()
    current, pending, links = Path("/"), list(Path(os.path.abspath(directory)).parts[1:]), 0
    while pending:
        name = pending.pop(0)
        if name in (".", ".."):
            current = current.parent if name == ".." else current
            continue
        place, last = current / name, not pending
        try:
            info = os.lstat(place)
            target = os.readlink(place) if stat.S_ISLNK(info.st_mode) else None
        except FileNotFoundError:
            return None
        except OSError as error:
            return f"{place} cannot be checked: {error.strerror}"
        if info.st_uid not in (user, 0) or (last and info.st_uid != user):
            return f"{place} is owned by another user"
        if target is not None:
            links += 1
            if last or links > 40:
                return f"{place} is a symbolic link"
            current = Path("/") if os.path.isabs(target) else current  # the link's parts are walked next
            pending = [*Path(target).parts[1 if os.path.isabs(target) else 0 :], *pending]
            continue
        if not stat.S_ISDIR(info.st_mode):
            return f"{place} is not a directory"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and (last or not info.st_mode & stat.S_ISVTX):
            return f"{place} is writable by other users"
        current = place
    return None


def make_private(directory: Path) -> None:
    """Make ``directory`` and whatever is missing above it, each readable by this user only."""
    missing = []
    while not os.path.lexists(directory) and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue  # made meanwhile by another run (or user: the check that follows says so)


class EntryStore:
    """Entries by a 64-hex-digit key under ``directory`` (one checked by ``usable_directory``), sharded
    by the key's first two digits."""

    def __init__(self, directory: Path, max_entry_bytes: int) -> None:
        self.directory = directory
        self.max_entry_bytes = max_entry_bytes
        self._top = os.fspath(directory)  # entry paths joined as text: pathlib costs more than the I/O here
        self.written = 0
        self._shards: set[str] = set()  # subdirectories seen to be real directories, not links

    def read(self, key: str) -> bytes | None:
        """The entry's bytes: only a regular file (no link, no FIFO) of at most ``max_entry_bytes``."""
        if not self._shard(key[:2], create=False):
            return None
        path = os.path.join(self._top, key[:2], f"{key}.json")
        return read_regular(path, _ENTRY_FLAGS, self.max_entry_bytes)  # (appended to since: read on, to the limit)

    def write(self, key: str, data: str | bytes) -> None:
        """Write an entry (a temporary file renamed over it); a cache that cannot be written only costs time."""
        temporary = None
        try:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            if len(raw) > self.max_entry_bytes or not self._shard(key[:2], create=True):
                return
            shard = os.path.join(self._top, key[:2])
            handle, temporary = _temporary(shard)
            try:
                _write_all(handle, raw)
            finally:
                os.close(handle)
            os.replace(temporary, os.path.join(shard, f"{key}.json"))
            self.written += 1
        except (OSError, ValueError):
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            return

    def rewrite(
        self, key: str, change: Callable[[bytes | None], bytes], extension: Extension | None = None, tail: int = 0
    ) -> None:
        """Write ``change`` of the entry now there - or, given ``extension``, add ``extension(size, its last tail
        bytes)`` at its end when that gives bytes and it stays within ``max_entry_bytes`` - holding a lock on its
        subdirectory meanwhile (so that another process rewriting an entry there waits: what one writes is not
        lost to the other). An append is never made through a link (symbolic or hard) nor into anything but a
        regular file, and one that fails is undone."""
        if sys.platform == "win32" or not self._shard(key[:2], create=True):
            return
        try:
            handle = os.open(os.path.join(self._top, key[:2]), _DIRECTORY)
        except OSError:
            return
        try:
            if _locked(handle) and (extension is None or not self._appended(key, tail, extension)):
                self.write(key, change(self.read(key)))  # (the lock is released when its handle is closed)
        except OSError:
            return
        finally:
            os.close(handle)

    def _appended(self, key: str, tail: int, extension: Extension) -> bool:
        """Whether the entry was extended in place (or could not be written at all: a full disk)."""
        try:
            handle = os.open(os.path.join(self._top, key[:2], f"{key}.json"), _APPEND)
        except OSError:
            return False  # none yet (or no regular file: replaced by the rename of ``write``)
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                return False
            data = extension(info.st_size, os.pread(handle, min(tail, info.st_size), max(0, info.st_size - tail)))
            if data is None or info.st_size + len(data) > self.max_entry_bytes:
                return False
            try:
                _write_all(handle, data)
            except OSError:
                os.ftruncate(handle, info.st_size)  # a torn end would cost the next writer a compaction
                return True
            self.written += 1
            return True
        finally:
            os.close(handle)

    def _shard(self, name: str, create: bool) -> bool:
        """Whether the subdirectory ``name`` is a real directory of the cache (made 0700 when asked)."""
        if name in self._shards:
            return True
        path = self.directory / name
        try:
            if create and not os.path.lexists(path):
                with contextlib.suppress(FileExistsError):  # made meanwhile by another process: checked below
                    os.mkdir(path, 0o700)
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False  # a link (or a file) where a subdirectory should be: neither read nor written
        except OSError:
            return False
        self._shards.add(name)
        return True

    def prune(self, limit: int) -> None:
        """Remove the oldest entries while the cache is larger than ``limit`` bytes, and temporary files
        left by killed runs. Only regular files named like entries, in real subdirectories: no link is followed."""
        if not self.written:
            return
        handles: dict[str, int] = {}
        try:
            entries, stale = self._listed(handles)
            total = sum(size for _, size, _, _ in entries)
            for _, size, shard, name in sorted(entries):
                if total <= limit:
                    break
                stale.append((shard, name))
                total -= size
            for shard, name in stale:
                try:
                    os.unlink(name, dir_fd=handles[shard])  # relative to the directory opened, not a path
                except OSError:
                    continue
        except OSError:
            return
        finally:
            for handle in handles.values():
                os.close(handle)

    def _listed(self, handles: dict[str, int]) -> tuple[list[tuple[float, int, str, str]], list[tuple[str, str]]]:
        """Entries (mtime, size, subdirectory, name) and stale temporary files, each subdirectory opened
        once (without following a link) into ``handles``."""
        entries: list[tuple[float, int, str, str]] = []
        stale: list[tuple[str, str]] = []
        old = time.time() - STALE_SECONDS
        handles[""] = top = os.open(self.directory, _DIRECTORY)
        with os.scandir(top) as shards:
            names = [s.name for s in shards if _SHARD.fullmatch(s.name) and s.is_dir(follow_symlinks=False)]
        for shard in names:
            try:
                handles[shard] = os.open(shard, _DIRECTORY, dir_fd=top)
            except OSError:
                continue
            with os.scandir(handles[shard]) as found:
                for item in found:
                    if not item.is_file(follow_symlinks=False):
                        continue
                    info = item.stat(follow_symlinks=False)
                    if _ENTRY.fullmatch(item.name) and item.name.startswith(shard):
                        entries.append((info.st_mtime, info.st_size, shard, item.name))
                    elif item.name.startswith(".entry.") and info.st_mtime < old:
                        stale.append((shard, item.name))
        return entries, stale


def _locked(handle: int) -> bool:
    """Whether the lock on ``handle`` was taken within ``LOCK_SECONDS``: a run stopped while it holds one
    (Ctrl-Z) costs another the entries it would write, never a hang."""
    if sys.platform == "win32":
        return False
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)


def _write_all(handle: int, data: bytes) -> None:
    written = 0
    while written < len(data):  # os.write may write less than asked
        written += os.write(handle, data[written:] if written else data)


def _temporary(directory: str) -> tuple[int, str]:
    """A new file (0600, never through a link) named ``.entry.PID.N``: unique while this process lives, as
    mkstemp's names are, without its random names' cost per entry; a name left by a killed run is skipped."""
    while True:
        path = os.path.join(directory, f".entry.{os.getpid()}.{next(_SEQUENCE)}")
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            continue


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Of the names, sizes and modification times of ownlint's own files, in every cache's key: a checkout or
    editable install whose code changed under the same version string never replays what older code made."""
    top = str(Path(__file__).resolve().parents[2])
    found = []
    for directory, subdirectories, names in os.walk(top):  # text paths: a Path per file cost 13 ms a run
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
        shown = os.path.relpath(directory, top).replace(os.sep, "/")
        for name in names:
            if name.endswith((".py", ".json")):
                info = os.stat(os.path.join(directory, name))
                relative = name if shown == "." else f"{shown}/{name}"
                found.append(f"{relative}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(found)).encode("utf-8", "surrogatepass")).hexdigest()
