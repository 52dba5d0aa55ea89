"""The outline store's file (see ``outline_cache``): its key, and the signed bytes it holds, read only as a regular
file of at most ``max_bytes``, never through a link and never blocking on a FIFO, written to a temporary file
and renamed, and pruned to the newest ``keep`` stores without following a link. A store of several lines
(``write_sections``) signs each line apart, bound to its place and to the write (a random seal), so that a run
hashes only the lines it uses: a pre-commit run of a root file reads the walk, not the files' entries."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import time
from pathlib import Path

from ownlint.loaders.files import read_regular, read_to_end

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
    try:
        info = os.fstat(handle)
        private = info.st_uid == os.geteuid() and not info.st_mode & 0o077
        if not stat.S_ISREG(info.st_mode) or not private or info.st_size != KEY_BYTES:
            return None
        data = read_to_end(handle, KEY_BYTES, KEY_BYTES)
    finally:
        os.close(handle)
    return data if len(data) == KEY_BYTES else None


def read_signed(path: Path, secret: bytes, max_bytes: int) -> bytes | None:
    """The body of the store at ``path`` when it is a regular file of at most ``max_bytes`` signed with ``secret``
    (HMAC-SHA256 on its first line); None otherwise."""
    data = _read_file(path, max_bytes)
    if data is None:
        return None
    signature, _, body = data.partition(b"\n")
    if not hmac.compare_digest(signature, hmac.new(secret, body, hashlib.sha256).hexdigest().encode()):
        return None  # not written by ownlint with this directory's key, or changed since
    return body


def write_signed(path: Path, secret: bytes, body: bytes, keep: int) -> None:
    """``body`` signed with ``secret`` at ``path``; then the stores beside it past the newest ``keep`` are removed."""
    _write(path, hmac.new(secret, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
    _prune(path.parent, keep)


class Sections:
    """The lines of a store written by ``write_sections``, each taken (``get``) only once its signature is checked."""

    def __init__(self, secret: bytes, data: bytes, head: list[bytes], bounds: list[tuple[int, int]]) -> None:
        self.secret = secret
        self.data = data
        self.seal = head[0]
        self.signatures = head[1:]
        self.bounds = bounds

    def __len__(self) -> int:
        return len(self.bounds)

    def size(self, index: int) -> int:
        """The length of line ``index`` (0 when there is none), its signature not checked."""
        start, end = self.bounds[index] if 0 <= index < len(self.bounds) else (0, 0)
        return end - start

    def get(self, index: int) -> bytes | None:
        """Line ``index``, or None when it is not the one written there with this seal (changed, moved, mixed)."""
        if not 0 <= index < len(self.bounds):
            return None
        start, end = self.bounds[index]
        mac = hmac.new(self.secret, _bound(self.seal, index), hashlib.sha256)
        mac.update(memoryview(self.data)[start:end])
        if not hmac.compare_digest(self.signatures[index], mac.hexdigest().encode()):
            return None
        return self.data[start:end]


def read_sections(path: Path, secret: bytes, max_bytes: int) -> Sections | None:
    """The lines of the store at ``path`` (a regular file of at most ``max_bytes``), their signatures not checked
    yet; None when it is no such file or its first line is no seal and one signature per line."""
    data = _read_file(path, max_bytes)
    first = data.find(b"\n") if data is not None else -1
    if data is None or first < 0:
        return None
    head = data[:first].split(b" ")
    bounds: list[tuple[int, int]] = []
    start = first + 1
    for _ in head[1:]:
        if start > len(data):
            return None  # fewer lines than signatures
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        bounds.append((start, end))
        start = end + 1
    if len(head) < 2 or start != len(data) + 1:  # no line, or more lines than signatures
        return None
    return Sections(secret, data, head, bounds)


def write_sections(path: Path, secret: bytes, lines: list[bytes], keep: int) -> None:
    """``lines`` (none holding a newline) at ``path``, after a first line of a random seal and each line's
    signature; then the stores beside it past the newest ``keep`` are removed."""
    seal = os.urandom(16).hex().encode()
    signatures = [
        hmac.new(secret, _bound(seal, i) + line, hashlib.sha256).hexdigest().encode() for i, line in enumerate(lines)
    ]
    _write(path, b"\n".join([b" ".join([seal, *signatures]), *lines]))
    _prune(path.parent, keep)


def _bound(seal: bytes, index: int) -> bytes:
    """What a line's signature covers before the line: the write's seal and the line's place."""
    return b"%s\n%d\n" % (seal, index)


def _read_file(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of at most ``max_bytes`` (never through a link)."""
    data = read_regular(path, _NO_FOLLOW, max_bytes)
    return data if data is not None and len(data) <= max_bytes else None


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
