"""The outline store's file (see ``outline_cache``): its key, and the signed bytes it holds, read only as a regular
file of at most ``max_bytes``, never through a link and never blocking on a FIFO, written to a temporary file
and renamed, and pruned to the newest ``keep`` stores without following a link."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import time
from pathlib import Path

KEY_BYTES = 32
STALE_NS = 3600 * 1_000_000_000  # a temporary file this old was left by a run that was killed
_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def store_secret(directory: Path) -> bytes | None:
    """The store's key: made once (0600, never through a link), used only when it is this user's alone."""
    path = directory / "key"
    try:
        handle = os.open(path, _CREATE, 0o600)
    except FileExistsError:
        return _read_secret(path)
    except OSError:
        return None
    with os.fdopen(handle, "wb") as stream:
        stream.write(os.urandom(KEY_BYTES))
    return _read_secret(path)


def _read_secret(path: Path) -> bytes | None:
    try:
        handle = os.open(path, _NO_FOLLOW)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        private = info.st_uid == os.geteuid() and not info.st_mode & 0o077
        if not stat.S_ISREG(info.st_mode) or not private or info.st_size != KEY_BYTES:
            return None
        data = stream.read(KEY_BYTES + 1)
    return data if len(data) == KEY_BYTES else None


def read_signed(path: Path, secret: bytes, max_bytes: int) -> bytes | None:
    """The body of the store at ``path`` when it is a regular file of at most ``max_bytes`` signed with ``secret``
    (HMAC-SHA256 on its first line); None otherwise."""
    try:
        handle = os.open(path, _NO_FOLLOW)
    except OSError:
        return None
    try:
        with os.fdopen(handle, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                return None
            data = stream.read(max_bytes + 1)
    except OSError:
        return None
    signature, _, body = data.partition(b"\n")
    if not hmac.compare_digest(signature, hmac.new(secret, body, hashlib.sha256).hexdigest().encode()):
        return None  # not written by ownlint with this directory's key, or changed since
    return body


def write_signed(path: Path, secret: bytes, body: bytes, keep: int) -> None:
    """``body`` signed with ``secret`` at ``path``; then the stores beside it past the newest ``keep`` are removed."""
    _write(path, hmac.new(secret, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
    _prune(path.parent, keep)


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".store.{os.getpid()}.{time.monotonic_ns()}")
    try:
        handle = os.open(temporary, _CREATE, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):  # a store that cannot be written only costs time
            os.unlink(temporary)


def _prune(directory: Path, keep: int) -> None:
    """Remove the oldest stores past ``keep``: only regular files named as stores, never through a link."""
    try:
        handle = os.open(directory, _NO_FOLLOW | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with os.scandir(handle) as listing:
            stores = [
                (e.stat(follow_symlinks=False).st_mtime_ns, e.name)
                for e in listing
                if e.name.endswith(".json") and e.is_file(follow_symlinks=False)
            ]
            stale = time.time_ns() - STALE_NS
            left = [e.name for e in os.scandir(handle) if e.name.startswith(".store.") and _older(e, stale)]
        for _, name in sorted(stores, reverse=True)[keep:]:
            os.unlink(name, dir_fd=handle)
        for name in left:  # a temporary file of a run that was killed
            os.unlink(name, dir_fd=handle)
    except OSError:
        return
    finally:
        os.close(handle)


def _older(entry: os.DirEntry[str], than: int) -> bool:
    return entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime_ns < than
