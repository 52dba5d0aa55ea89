"""A parse cache: the model of each ``.tf`` file, keyed by its content, the backend and ownlint's version.

Whoever can write the directory decides what a file parses to, so nothing in it is taken on trust:
- the directory, and every directory above it, must be one only this user (or root) can change; it is
  made 0700, and one that is a link, another user's or writable by others is not used (one note);
- an entry records the digest of the exact text it was built from, the backend, ownlint's version and
  the format, and is used only when all four match the file just read;
- entries are JSON (never pickle: decoding builds only the model's own classes), read only as regular
  files, never through a link; writing and pruning never follow a link out of the directory.
Entries are written to a temporary file and renamed, so concurrent runs never see half an entry; an
entry that does not decode or match is ignored and rewritten. The cache is pruned to ``MAX_BYTES``,
oldest entries first. It is invisible in the output: a cold, warm or refused cache gives the same findings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.loaders.terraform import expr as m

FORMAT = 2  # bump when the model's shape or an entry's header changes
MAX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # larger is not an entry this code wrote for a file it would read
STALE_SECONDS = 3600  # a temporary file this old was left by a run that was killed
_ENTRY = re.compile(r"[0-9a-f]{64}\.json")
_SHARD = re.compile(r"[0-9a-f]{2}")
_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)  # (POSIX: see unsafe_directory)
_DIRECTORY = _NO_FOLLOW | getattr(os, "O_DIRECTORY", 0)
_ENTRY_FLAGS = _NO_FOLLOW | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted as an entry never blocks
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_SEQUENCE = itertools.count()

_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        m.Lit,
        m.Template,
        m.Name,
        m.AttrStep,
        m.IndexStep,
        m.SplatStep,
        m.Traversal,
        m.Call,
        m.ObjectItem,
        m.ObjectExpr,
        m.TupleExpr,
        m.Conditional,
        m.ForExpr,
        m.BinaryOp,
        m.UnaryOp,
        m.Unsupported,
        m.Attribute,
        m.Block,
        m.HclFile,
    )
}


_ARITY = {name: len(dataclasses.fields(cls)) for name, cls in _CLASSES.items()}
_FIELD_NAMES = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}


def open_cache(directory: Path, backend: str, repository: Path) -> tuple[ParseCache | None, str | None]:
    """The cache in ``directory``, made (0700) when missing; or None, with a note when the directory could
    be changed by another user (as pip disables a cache it does not own) or by the change being checked."""
    if Path(os.path.realpath(directory)).is_relative_to(os.path.realpath(repository)):
        return None, f"parse cache not used: {directory} is inside the scanned repository"  # written by the PR
    why = unsafe_directory(directory)
    if why is None:
        try:
            _make_private(Path(os.path.abspath(directory)))
        except OSError:
            return None, None  # cannot be made (read-only, no space): a cache that cannot be written only costs time
        why = unsafe_directory(directory)
    if why is not None:
        return None, f"parse cache not used: {why}"
    return ParseCache(directory, backend), None


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


def _make_private(directory: Path) -> None:
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


class ParseCache:
    """Models by content hash under ``directory``: one checked by ``open_cache``."""

    def __init__(self, directory: Path, backend: str) -> None:
        self.directory = directory
        self.backend = backend
        self.written = 0
        self._shards: set[str] = set()  # subdirectories seen to be real directories, not links

    def key(self, text: str) -> str:
        """The entry's name for ``text``: a digest of the text's digest, the backend, version and format."""
        return self._names(text)[1]

    def _names(self, text: str) -> tuple[str, str]:
        source = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
        material = f"{FORMAT}\x1f{__version__}\x1f{self.backend}\x1f{source}"
        return source, hashlib.sha256(material.encode()).hexdigest()

    def _header(self, source: str) -> dict[str, Any]:
        return {"format": FORMAT, "ownlint": __version__, "backend": self.backend, "source": source}

    def get(self, text: str, path: str) -> m.HclFile | None:
        """The model built from exactly ``text``, or None (missing, foreign, corrupt: parsed again)."""
        try:
            entry = self._entry(text)
            decoded = decode(entry["model"]) if entry is not None else None
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        return dataclasses.replace(decoded, path=path) if isinstance(decoded, m.HclFile) else None

    def get_data(self, text: str) -> Any:
        """What ``put_data`` stored for exactly ``text`` (plain JSON values), or None."""
        entry = self._entry(text)
        return entry.get("data") if entry is not None else None

    def _entry(self, text: str) -> dict[str, Any] | None:
        """The entry for ``text`` when it records this text's digest, backend, version and format."""
        source, key = self._names(text)
        if not self._shard(key[:2], create=False):
            return None
        try:
            handle = os.open(self.directory / key[:2] / f"{key}.json", _ENTRY_FLAGS)
        except OSError:
            return None
        try:
            with os.fdopen(handle, "rb") as stream:
                info = os.fstat(stream.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                    return None
                entry = json.loads(stream.read())
        except (OSError, ValueError, RecursionError):
            return None
        header = self._header(source)
        if not isinstance(entry, dict) or any(entry.get(name) != value for name, value in header.items()):
            return None  # built from other text, by another backend or version: not this file's model
        return entry

    def put(self, text: str, model: m.HclFile) -> None:
        self._write(text, "model", lambda: encode(model))

    def put_data(self, text: str, data: Any) -> None:
        """Store plain JSON values for ``text`` (a YAML file's documents)."""
        self._write(text, "data", lambda: data)

    def _write(self, text: str, name: str, payload: Callable[[], Any]) -> None:
        source, key = self._names(text)
        try:
            if not self._shard(key[:2], create=True):
                return
            handle, temporary = _temporary(self.directory / key[:2])
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                # dumps, not dump: only a one-shot encoding runs in C (dump to a stream is pure Python)
                stream.write(json.dumps({**self._header(source), name: payload()}, separators=(",", ":")))
            os.replace(temporary, self.directory / key[:2] / f"{key}.json")
            self.written += 1
        except (OSError, RecursionError, ValueError):
            return  # a cache that cannot be written only costs time

    def _shard(self, name: str, create: bool) -> bool:
        """Whether the subdirectory ``name`` is a real directory of the cache (made 0700 when asked)."""
        if name in self._shards:
            return True
        path = self.directory / name
        try:
            if create and not os.path.lexists(path):
                os.mkdir(path, 0o700)
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False  # a link (or a file) where a subdirectory should be: neither read nor written
        except OSError:
            return False
        self._shards.add(name)
        return True

    def prune(self, limit: int = MAX_BYTES) -> None:
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


def _temporary(directory: Path) -> tuple[int, Path]:
    """A new file (0600, never through a link) named ``.entry.PID.N``: unique while this process lives, as
    mkstemp's names are, without its random names' cost per entry; a name left by a killed run is skipped."""
    while True:
        path = directory / f".entry.{os.getpid()}.{next(_SEQUENCE)}"
        try:
            return os.open(path, _CREATE, 0o600), path
        except FileExistsError:
            continue


def encode(value: Any) -> Any:
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is not None:  # the model's classes: field names looked up once, not per node
        fields = [getattr(value, name) for name in names]
        return {"t": kind.__name__, "f": [item if type(item) in _LEAVES else encode(item) for item in fields]}
    if isinstance(value, tuple):
        return [item if type(item) in _LEAVES else encode(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # not the model's: decoding refuses it
        return {"t": kind.__name__, "f": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    return value


def decode(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        name = value["t"]
        cls = _CLASSES[name]  # only the model's classes: anything else is a KeyError
        items = value["f"]
        if len(items) != _ARITY[name]:
            raise ValueError("entry does not match the model")
        return cls(*[decode(item) if type(item) in _NESTED else item for item in items])
    if kind is list:
        return tuple([decode(item) if type(item) in _NESTED else item for item in value])
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})  # stand for themselves: not looked at (most fields)
_NESTED = (dict, list)  # what decode must build; text, numbers and None stand for themselves (most leaves)
