"""What the callers search needs of each file of a repository, kept between runs so that a pre-commit check of a
module file does not read the whole repository again: per file, keyed by its identity (device, inode, size,
modification and change times; the change time cannot be set by a user, as git's index relies on), the
local paths its quoted strings name (None: it holds no ``module`` word) and, once the search outlined it, the
local sources of its ``module`` blocks as a parser backend read them; per directory of the repository's
walk, keyed by its identity (an entry added, removed or renamed changes the directory's times), its entries
as ``listing.Listing`` found them, so that a warm run stats each directory instead of listing it; and whether
those are a whole walk in its order (every directory recorded), which a run then takes as it is when no
directory of it changed (each directory's entries being those listed, the directories reached are the same).

Whoever can write the store decides which callers a module has, so nothing in it is taken on trust:
- it lives in the user cache directory only (``outlines/`` in the parse cache's, checked as that one is: this
  user's, writable by no one else, no link), never in the scanned tree, and is made 0700;
- one file per repository, three lines of JSON (header, walk, files: never pickle; the files are decoded only
  by a run that searches callers), read only as a regular file, never through a link, at most
  ``MAX_STORE_BYTES``, signed with a key that only this directory holds (HMAC-SHA256; ``outline_io``): a file
  ownlint did not write, or that was changed since, is not used;
- an entry is used only when its file's or directory's identity is unchanged, and one that changed within
  ``identity.RACY_NS`` of the run is not recorded (a later change within the same clock tick would keep its identity;
  a walk with such a directory is not whole);
- it holds at most ``MAX_ENTRIES`` entries, and at most ``MAX_STORES`` repositories (the oldest are removed).
Stores are written to a temporary file and renamed. A store that is missing, foreign or corrupt only costs
time: the files are read, the directories listed, and the result is the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from operator import getitem
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.loaders import identity as file_identity
from ownlint.loaders.terraform.outline_io import read_signed, store_secret, write_signed
from ownlint.loaders.terraform.store import usable_directory

FORMAT = 8  # bump when an entry's shape changes
MAX_STORE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 500_000
MAX_STORES = 64

Strings = list[str] | None  # a file's local paths, or None: no module word (or not readable as text)
Entries = tuple[list[str], list[str], list[str]]  # a directory's subdirectories, other entries, links (names)
KINDS = ("files", "dirs")


class OutlineStore:
    """The entries of one repository (``repository``, a real directory; entries keyed by paths relative to it):
    those read from its store when first asked, and those of this run. An entry is its file's identity as one
    text and its local paths joined by newlines: few objects to decode, as a pre-commit run decodes them all."""

    def __init__(self, path: Path, secret: bytes, repository: str) -> None:
        self.path = path
        self.secret = secret
        self.repository = repository
        self.new: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self.changed = False
        self.started = time.time_ns()
        self._old: dict[str, dict[str, Any]] | None = None
        self._whole = False  # the store's dirs are a whole walk, in its order
        self._files_text: bytes | None = None  # the store's files, not decoded yet
        self.walked = False  # this run walked the repository: ``new["dirs"]`` is its walk, in order
        self.whole = False  # and every directory of it is recorded (none unlistable, none changed too recently)

    def strings_of(
        self, paths: Iterable[str], max_bytes: int, read: Callable[[str, int], Strings], naming_only: bool = False
    ) -> list[tuple[str, Strings]]:
        """Each path with ``read(path, max_bytes)``, or what it gave last time for the file as it is now (one
        loop for thousands of files: the store is for the run that looks at all of them); ``naming_only``: only
        the paths that name a local path."""
        old, new, prefix = self._stored_files(), self.new["files"], self.repository + os.sep
        cut, regular, file_stat = len(prefix), stat.S_ISREG, os.stat
        shown, fields = file_identity.FORMAT.__mod__, file_identity.fields  # identity(), without a call of ours
        found: list[tuple[str, Strings]] = []
        append = found.append
        for path in paths:  # a warm run's loop over every Terraform file of the repository: kept tight
            try:
                info = file_stat(path)
            except (OSError, ValueError):
                info = None
            if info is None or not regular(info.st_mode) or info.st_size > max_bytes:
                strings = read(path, max_bytes)  # not recorded: what it gives depends on the run's options
                if strings or not naming_only:
                    append((path, strings))
                continue
            key = path[cut:] if path.startswith(prefix) else path
            identity, entry = shown(fields(info)), old.get(key)
            known, text = False, None
            if entry == identity:  # most files: the identity alone (no local path named)
                known = True
            elif type(entry) is str:  # the identity, then "\n" and the local paths it names (one string to decode)
                recorded, newline, named = entry.partition("\n")
                known, text = recorded == identity, (named if newline else None)
            elif type(entry) is list and len(entry) == 4 and entry[0] == identity:  # ... its module sources outlined
                known, text = entry[1] is None or type(entry[1]) is str, entry[1]
            if known:
                new[key] = entry
                if text or not naming_only:
                    append((path, text.split("\n") if text else None))
                continue
            strings = read(path, max_bytes)
            self._record("files", key, info, identity + "\n" + "\n".join(strings) if strings else identity)
            if strings or not naming_only:
                append((path, strings))
        return found

    def sources_of(self, path: str, backend: str, read: Callable[[], list[str]]) -> list[str]:
        """The local sources of the ``module`` blocks of ``path`` (a file ``strings_of`` gave this run), as ``backend``
        outlined them when the file was as it is now, else ``read()``, recorded with the identity ``strings_of`` saw:
        a change since then gives the file another identity, so what is read now is never used for other content."""
        key, files = self._key(path), self.new["files"]
        entry = files.get(key)  # only an entry of a file unchanged since it was recorded, never a racy one
        if type(entry) is str:
            identity, newline, text = entry.partition("\n")
            entry = [identity, text if newline else None]
        if type(entry) is not list or len(entry) not in (2, 4):
            return read()
        known = entry[3] if len(entry) == 4 and entry[2] == backend else None
        if type(known) is list and all(type(source) is str for source in known):
            return list(known)
        found = read()
        files[key] = [entry[0], entry[1], backend, found]
        self.changed = True
        return found

    def unchanged_walk(self) -> dict[str, str] | None:
        """The last walk, in its order, when it was whole and no directory of it changed since: each directory's
        entries are then those listed, so the directories it reaches are those reached (one ``lstat`` each).
        Each directory comes with its entries as one text, the three lists of names joined by "//" (read as
        ``listing`` needs them). None otherwise (the repository is walked, each unchanged directory from
        its entry)."""
        stored = self._stored()
        if not self._whole:
            return None
        prefix, sep = self.repository + os.sep, os.sep
        keys, entries = list(stored["dirs"]), list(stored["dirs"].values())
        directories = [key if key.startswith(sep) else prefix + key for key in keys]
        # a warm run's pass over every directory, each step a map in C over all of them (no call per directory)
        try:
            identities = list(
                map((file_identity.FORMAT + "//").__mod__, map(file_identity.fields, map(os.lstat, directories)))
            )
        except (OSError, ValueError):
            return None
        # the identity (no "/" in it), then the three lists (no "//" in one: a name is never empty)
        if not set(map(type, entries)) <= {str} or not all(map(str.startswith, entries, identities)):
            return None
        if not set(map(str.count, entries, repeat("//"))) <= {3}:
            return None
        texts: Iterable[str] = map(getitem, entries, map(slice, map(len, identities), repeat(None)))
        self.new["dirs"], self.walked, self.whole = dict(stored["dirs"]), True, True
        return dict(zip(directories, texts, strict=True))

    def lister(self, scan: Callable[[str], Entries | None]) -> Callable[[str], Entries | None]:
        """``scan``, or for a directory whose identity is unchanged what it gave last time: a directory's times
        change with every entry added, removed or renamed in it. An entry is one text, the identity and the three
        lists of names joined by "//", the names by "/" (a name never holds "/" and is never empty). One closure
        for thousands of directories: a warm pre-commit run spends its time here."""
        old, new = self._stored()["dirs"], self.new["dirs"]
        prefix, cut, lstat = self.repository + os.sep, len(self.repository) + 1, os.lstat
        new.clear()
        self.walked, self.whole = True, True  # (Listing walks to the end once it starts)

        def entries_of(directory: str) -> Entries | None:
            try:
                info = lstat(directory)  # before the scan: a change during it is seen by the next run
            except (OSError, ValueError):
                return scan(directory)
            key = directory[cut:] if directory.startswith(prefix) else directory
            identity = file_identity.identity(info) + "//"
            entry = old.get(key)
            if type(entry) is str and entry.startswith(identity):  # same inode, same times: the same entries
                parts = entry[len(identity) :].split("//")
                if len(parts) == 3:
                    new[key] = entry
                    return _split(parts[0]), _split(parts[1]), _split(parts[2])
            found = scan(directory)
            if found is None or not stat.S_ISDIR(info.st_mode):
                self.whole = False
                return found
            joined = identity + "//".join(["/".join(names) for names in found])
            self.whole = self._record("dirs", key, info, joined) and self.whole
            return found

        return entries_of

    def _stored(self) -> dict[str, dict[str, Any]]:
        """The store's entries, its ``files`` decoded when first asked (a run without a callers search, of a root
        file or a manifest, decodes only its directories)."""
        if self._old is None:
            self._old = {kind: {} for kind in KINDS}
            self._old["dirs"], self._whole, self._files_text = _read(self.path, self.secret, self.repository)
        return self._old

    def _stored_files(self) -> dict[str, Any]:
        old = self._stored()
        if self._files_text is not None:
            old["files"], self._files_text = _section(self._files_text), None
        return old["files"]

    def _key(self, path: str) -> str:
        inside = path.startswith(self.repository + os.sep)
        return path[len(self.repository) + 1 :] if inside else path

    def _record(self, kind: str, key: str, info: os.stat_result, entry: Any) -> bool:
        if not file_identity.settled(info, self.started) or sum(len(v) for v in self.new.values()) >= MAX_ENTRIES:
            return False
        self.new[kind][key] = entry
        self.changed = True
        return True

    def save(self) -> None:
        """Write the entries of this run (and those it did not look at whose paths still exist), when any changed."""
        if not self.changed and not (self.walked and self.whole and not self._whole):
            return
        stored: dict[str, Any] = {kind: dict(entries) for kind, entries in self.new.items()}
        count = sum(len(v) for v in stored.values())
        if self._files_text is not None:  # not looked at by this run: kept as they were read
            stored["files"] = None
        if not self.walked:  # the last walk, kept whole and in its order (a walk of this run replaces it)
            stored["dirs"] = dict((self._old or {}).get("dirs", {}))
        for kind, entries in (self._old or {}).items():
            if kind == "dirs" or stored[kind] is None:
                continue
            for key, entry in entries.items():
                if key not in stored[kind] and count < MAX_ENTRIES and os.path.lexists(self._path(key)):
                    stored[kind][key] = entry
                    count += 1
        whole = self.whole if self.walked else self._whole
        header = {"format": FORMAT, "ownlint": __version__, "repository": self.repository}
        files = self._files_text if stored["files"] is None else _dumps(stored["files"])
        # three lines (JSON never holds a raw newline), so that the directories are decoded without the files
        body = b"\n".join([_dumps(header), _dumps({"whole": whole, "dirs": stored["dirs"]}), files or b"{}"])
        if len(body) <= MAX_STORE_BYTES:
            write_signed(self.path, self.secret, body, MAX_STORES)

    def _path(self, key: str) -> str:
        return key if os.path.isabs(key) else os.path.join(self.repository, key)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _split(names: str) -> list[str]:
    return names.split("/") if names else []


class OutlinedFiles:
    """The repository's other Terraform files (``files``, walked when iterated) with the store of their outlines;
    ``backend``: the parser backend that outlines them (its name; "": their module sources are not remembered)."""

    def __init__(self, files: Iterable[str], store: OutlineStore, backend: str = "") -> None:
        self.files = files
        self.store = store
        self.backend = backend

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)


def open_store(cache_dir: Path, repository: Path) -> OutlineStore | None:
    """The store of ``repository`` under ``cache_dir`` (the parse cache's directory, checked as that one is),
    or None when a directory is not this user's alone, is inside the repository or cannot be made."""
    directory = Path(os.path.abspath(cache_dir)) / "outlines"
    for checked in (directory.parent, directory):  # each made 0700 when missing
        if not usable_directory(checked, repository, "outline store")[0]:
            return None
    real = os.path.realpath(repository)
    secret = store_secret(directory)
    if secret is None:
        return None
    name = hashlib.sha256(f"{FORMAT}\x1f{__version__}\x1f{real}".encode("utf-8", "surrogateescape")).hexdigest()
    path = directory / f"{name}.json"
    return OutlineStore(path, secret, real)


def _read(path: Path, secret: bytes, repository: str) -> tuple[dict[str, Any], bool, bytes | None]:
    """The ``dirs`` of the store at ``path`` when it is signed with ``secret`` and for ``repository`` (none
    otherwise), whether they are a whole walk in its order, and its ``files`` as text (decoded when used)."""
    body = read_signed(path, secret, MAX_STORE_BYTES)
    sections = body.split(b"\n") if body is not None else []
    header = {"format": FORMAT, "ownlint": __version__, "repository": repository}
    if len(sections) != 3 or _section(sections[0]) != header:
        return {}, False, None
    walk = _section(sections[1])
    dirs = walk.get("dirs")
    if not isinstance(dirs, dict):
        return {}, False, sections[2]
    return dirs, walk.get("whole") is True, sections[2]


def _section(text: bytes) -> dict[str, Any]:
    """One line of a store: a JSON object, or none."""
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
