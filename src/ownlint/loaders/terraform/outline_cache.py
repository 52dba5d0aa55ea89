"""What the callers search needs of each file of a repository, kept between runs so that a pre-commit check of a
module file does not read the whole repository again: per file, keyed by its identity (device, inode, size,
modification and change times; the change time cannot be set by a user, as git's index relies on), the
local paths its quoted strings name (None: it holds no ``module`` word) and, once the search outlined it, the
local sources of its ``module`` blocks as a parser backend read them; per directory of the repository's
walk, keyed by its identity (an entry added, removed or renamed changes the directory's times), its entries
as ``listing.Listing`` found them, so that a warm run stats each directory instead of listing it; and whether
those are a whole walk in its order (every directory recorded), which a run then takes as it is when no
directory of it changed (each directory's entries being those listed, the directories reached are the same),
with the paths of the Terraform files that walk holds, so that a warm run does not find them again in its entries.

Whoever can write the store decides which callers a module has, so nothing in it is taken on trust:
- it lives in the user cache directory only (``outlines/`` in the parse cache's, checked as that one is: this
  user's, writable by no one else, no link), never in the scanned tree, and is made 0700;
- one file per repository, six lines of JSON (header, walk, its directories' identities, the walk's files, files,
  their identities, each one text as ``identity.FORMAT`` writes it: never pickle; the files' lines are decoded
  only by a run that searches callers, the identities' only when the digest of those a run made differs, and
  then compared as texts with those made now), read only as a regular file, never through a
  link, at most ``MAX_STORE_BYTES``, each line signed with a key that only this directory holds (HMAC-SHA256,
  bound to its place and to the write; ``outline_io``): a line ownlint did not write there, or that was changed
  since, is not used;
- an entry is used only when its file's or directory's identity is unchanged (all of them at once: the digest
  of the identities made now, in order, is the one recorded, or for the files the last run was given, the one
  of theirs, the others it kept following them), and one that changed within
  ``identity.RACY_NS`` of the run is not recorded (a later change within the same clock tick would keep its identity;
  a walk with such a directory is not whole);
- it holds at most ``MAX_ENTRIES`` entries, and at most ``MAX_STORES`` repositories (the oldest are removed).
Stores are written to a temporary file and renamed. A store that is missing, foreign or corrupt only costs
time: the files are read, the directories listed, and the result is the same.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import compress, count, repeat
from operator import and_, eq, getitem, itemgetter, not_, or_
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.loaders import identity as file_identity
from ownlint.loaders import stat_ahead as ahead
from ownlint.loaders.identity import stat_of as _stat
from ownlint.loaders.identity import stats as _stats
from ownlint.loaders.terraform.outline_io import Sections, read_sections, store_secret, write_sections
from ownlint.loaders.terraform.store import usable_directory

FORMAT = 10  # bump when an entry's shape changes
MAX_STORE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 500_000
MAX_STORES = 64
AHEAD_BYTES = 64 * 1024  # a files line this long (~1,500 files) is worth stat'ing in a child process

Strings = list[str] | None  # a file's local paths, or None: no module word (or not readable as text)
Entries = tuple[list[str], list[str], list[str]]  # a directory's subdirectories, other entries, links (names)
# the store's lines (0: its header): a line of identities is taken only when its digest does not match
LINES, WALK, WALK_IDENTITIES, ENDING, FILES, FILE_IDENTITIES = 6, 1, 2, 3, 4, 5
KINDS = ("files", "notes", "dirs")  # files: identities by key; notes: what files name, by key
_SIZE = itemgetter(2)  # of an identity (``identity.fields``)
Identity = file_identity.Fields  # a file's or directory's ``identity.fields`` (empty: it has none)
_TEXT = file_identity.FORMAT.__mod__  # an identity as the store writes it: one text (hex), "" for none


class OutlineStore:
    """The entries of one repository (``repository``, a real directory; entries keyed by paths relative to it):
    those read from its store when first asked, and those of this run. The identities of the walk's directories
    and of the files are kept in their order (the walk's), with a digest of each whole: a warm run makes
    thousands of identities in one map in C and compares one digest, and reads each one apart only when that
    differs. Files have their keys in that order too, and apart the notes of those that name a local path: their
    local paths joined by newlines, or [those, backend, the sources of its ``module`` blocks] once outlined."""

    def __init__(self, path: Path, secret: bytes, repository: str) -> None:
        self.path = path
        self.secret = secret
        self.repository = repository
        self.new: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self.changed = False
        self.started = time.time_ns()
        self._old: dict[str, dict[str, Any]] | None = None
        self._whole = False  # the store's dirs are a whole walk, in its order
        self._sections: Sections | None = None  # the store's lines, each checked and decoded when first used
        self._was_read = False  # ``_sections`` is read
        # its files' line was taken (``_stored_notes``): ``_order`` and ``notes`` are what it holds (``_order`` alone
        # may be set before, by ``_stored_paths`` in the child of ``stat_ahead``)
        self._files_decoded = False
        # the store's file keys, in order, their identities' digest, the largest size among them, and how many of them
        # the run that wrote it was given (the others are kept for other runs) with the digest of their identities
        self._order: tuple[list[str], str, int, int, str] = ([], "", 0, 0, "")
        self._walk_digest = ""  # the digest of the identities of the store's directories, in the walk's order
        self._walk_identities: list[Identity] | None = None  # those of this run's walk when it is the stored one
        self._dir_identities: dict[str, Identity] = {}  # those of this run's walk, by key, when it is listed
        self._ending: dict[str, str] = {}  # the files of this run's walk by suffixes (keys joined by NUL), to record
        self._reused = False  # this run's walk is the stored one (``unchanged_walk``)
        self._keys: list[str] = []  # the files ``strings_of`` was last given, in their order (the walk's)
        self.walked = False  # this run walked the repository: ``new["dirs"]`` is its walk, in order
        self.whole = False  # and every directory of it is recorded (none unlistable, none changed too recently)
        self._ahead: ahead.StatsAhead | None = None  # the stored files' identities, being made in a child process

    def strings_of(
        self, paths: Iterable[str], max_bytes: int, read: Callable[[str, int], Strings], naming_only: bool = False
    ) -> list[tuple[str, Strings]]:
        """Each path with ``read(path, max_bytes)``, or what it gave last time for the file as it is now;
        ``naming_only``: only the paths that name a local path. A warm run's pass over every Terraform file of the
        repository: the files are stat'ed and their identities made each in one map in C and compared at once,
        and only the files that changed or name a local path are looked at one by one."""
        paths = list(paths)
        notes, prefix = self._stored_notes(), self.repository + os.sep
        cut = len(prefix)
        keys: list[str]
        if not paths or (min(paths).startswith(prefix) and max(paths).startswith(prefix)):  # so each one between
            keys = list(map(getitem, paths, repeat(slice(cut, None))))  # (no call of ours per file)
        else:
            keys = [path[cut:] if path.startswith(prefix) else path for path in paths]
        self._keys = keys
        infos: list[os.stat_result | None] | None = None  # (not when the child made the identities)
        identities = self._made_ahead(keys, paths)
        if identities is None:
            infos, complete = _stats(keys if self._at_top() else paths)
            identities = file_identity.fields_of(infos, complete)  # () for a file that cannot be stat'ed
        else:
            complete = all(identities)
        stored_keys, stored_digest, largest, leading, leading_digest = self._order
        unchanged = (
            complete
            and (
                (keys == stored_keys and _digest(identities) == stored_digest)
                # or the files the last run was given, as it was given them (those it kept for other runs follow):
                # a pre-commit run of the same directory again (its own files are left out of the search)
                or (
                    0 < leading == len(keys) < len(stored_keys)
                    and keys == stored_keys[:leading]
                    and _digest(identities) == leading_digest
                )
            )
        )
        # the last run's files, each as it was then; else each compared with what was recorded of it
        same = (
            [True] * len(keys) if unchanged else list(map(eq, map(self._identity_of().get, keys), _texts(identities)))
        )
        if not unchanged or largest > max_bytes:  # what is too large is read (not kept)
            sizes = list(map(_SIZE, identities)) if complete else [i[2] if i else max_bytes + 1 for i in identities]
            if sizes and max(sizes) > max_bytes:
                same = list(map(and_, same, map(max_bytes.__ge__, sizes)))
        new_files, new_notes = self.new["files"], self.new["notes"]
        new_files.update(compress(zip(keys, identities, strict=True), same))
        looked = compress(count(), map(or_, map(not_, same), map(notes.__contains__, keys)))
        found: list[tuple[str, Strings]] = []
        for index in range(len(paths)) if not naming_only else looked:
            path, key = paths[index], keys[index]
            if same[index]:
                note = notes.get(key)
                text = note if type(note) is str else note[0] if type(note) is list and len(note) == 3 else None
                if type(text) is str and text:
                    new_notes[key] = note
                if text or not naming_only:
                    found.append((path, text.split("\n") if type(text) is str and text else None))
                continue
            if infos is not None:
                info, identity = infos[index], identities[index]
            else:  # the identities were made ahead: a changed file is stat'ed again, for one info and its identity
                info = _stat(path)
                identity = file_identity.fields(info) if info is not None else ()
            strings = read(path, max_bytes)  # not recorded when it cannot be: what it gives depends on the run
            regular = info is not None and stat.S_ISREG(info.st_mode) and info.st_size <= max_bytes and identity
            if info is not None and regular and self._record("files", key, info, identity) and strings:
                new_notes[key] = "\n".join(strings)
            if strings or not naming_only:
                found.append((path, strings))
        return found

    def stat_ahead(self) -> None:
        """Have the stored files stat'ed in a child process while the run goes on (``stat_ahead``): a run that will
        search the repository's callers (``strings_of``) loads its config, lists its directories and imports its
        parser meanwhile. The store is read first, so that the child decodes the very bytes this run will."""
        if self._ahead is None and not self._files_decoded:
            self._read()
            if self._sections is not None and self._sections.size(FILES) >= AHEAD_BYTES:
                self._ahead = ahead.stat_ahead(self._stored_paths)

    def _stored_paths(self) -> list[str]:
        """The paths of the stored files, in their order (in the child of ``stat_ahead``, which decodes their line
        alone: not the walk's, ~4 ms it would spend before its first stat; the notes decoded here are dropped,
        the run decodes the line again in ``_stored_notes``)."""
        if not self._files_decoded:
            self._files_line()
        keys = self._order[0]
        return keys if self._at_top() else [self._path(key) for key in keys]

    def close(self) -> None:
        """End the child process of ``stat_ahead`` if its identities were not used."""
        if self._ahead is not None:
            self._ahead.discard()
            self._ahead = None

    def _made_ahead(self, keys: list[str], paths: list[str]) -> list[Identity] | None:
        """The identities of the files ``paths`` (their keys: ``keys``) from the child of ``stat_ahead``, which made
        those of the stored files in their order; the few it was not given are stat'ed here. None without a whole
        answer from it."""
        child, self._ahead = self._ahead, None
        made = child.identities() if child is not None else None
        stored = self._order[0]
        if made is None or not stored or len(made) != len(stored):  # (the same bytes decoded alike: one per file)
            return None
        if keys == stored[: len(keys)]:  # the stored files, or those the last run was given
            return made[: len(keys)]
        found: list[Identity | None] = list(map(dict(zip(stored, made, strict=True)).get, keys))
        return [_identity(path) if identity is None else identity for path, identity in zip(paths, found, strict=True)]

    def sources_of(self, path: str, backend: str, read: Callable[[], list[str]]) -> list[str]:
        """The local sources of the ``module`` blocks of ``path`` (a file ``strings_of`` gave this run), as ``backend``
        outlined them when the file was as it is now, else ``read()``, recorded with the identity ``strings_of`` saw:
        a change since then gives the file another identity, so what is read now is never used for other content."""
        key = self._key(path)
        if key not in self.new["files"]:  # only a file unchanged since it was recorded, never a racy one
            return read()
        note = self.new["notes"].get(key)
        known = note[2] if type(note) is list and len(note) == 3 and note[1] == backend else None
        if type(known) is list and all(type(source) is str for source in known):
            return list(known)
        text = note if type(note) is str else note[0] if type(note) is list and len(note) == 3 else None
        found = read()
        self.new["notes"][key] = [text if type(text) is str else None, backend, found]
        self.changed = True
        return found

    def unchanged_walk(self) -> dict[str, str] | None:
        """The last walk, in its order, when it was whole and no directory of it changed since: each directory's
        entries are then those listed, so the directories it reaches are those reached (one ``lstat`` each).
        Each directory comes with its entries as one text, the three lists of names joined by "//" (read as
        ``listing`` needs them). None otherwise (the repository is walked, each unchanged directory from
        its entry)."""
        stored = self._stored()
        if not self._whole or not self._walk_digest:
            return None
        prefix, sep = self.repository + os.sep, os.sep
        keys, texts = list(stored["dirs"]), list(stored["dirs"].values())
        directories = [key if key.startswith(sep) else prefix + key for key in keys]
        # a warm run's pass over every directory, each step a map in C over all of them (no call per directory)
        try:
            identities = list(map(file_identity.fields, map(os.lstat, keys if self._at_top() else directories)))
        except (OSError, ValueError):
            return None
        if _digest(identities) != self._walk_digest:
            return None
        # the three lists of names (no "//" in one: a name is never empty)
        if not set(map(type, texts)) <= {str} or not set(map(str.count, texts, repeat("//"))) <= {2}:
            return None
        self.new["dirs"], self.walked, self.whole, self._reused = dict(stored["dirs"]), True, True, True
        self._walk_identities = identities
        return dict(zip(directories, texts, strict=True))

    def walk_files(self, suffixes: tuple[str, ...]) -> list[str] | None:
        """The paths of the files whose names end with one of ``suffixes`` in the walk, in its order, as recorded with
        it (``remember_walk_files``), when this run's walk is the stored one (``unchanged_walk``); else None."""
        if not self._reused:
            return None
        key = "\x1f".join(suffixes)
        joined = _section(self._line(ENDING)).get(key)
        if type(joined) is not str:
            return None
        self._ending[key] = joined  # recorded again with the walk it belongs to
        prefix = self.repository + os.sep
        if not joined:
            return []
        if ("\0" + joined).find("\0" + os.sep) >= 0:  # a path outside the repository (none is)
            return [k if k.startswith(os.sep) else prefix + k for k in joined.split("\0")]
        return (prefix + joined.replace("\0", "\0" + prefix)).split("\0")  # (a path never holds a NUL)

    def remember_walk_files(self, suffixes: tuple[str, ...], paths: list[str]) -> None:
        """Record ``paths`` (those ``walk_files`` gives) with this run's walk, when it is one the store records."""
        if not (self.walked and self.whole):
            return
        prefix = self.repository + os.sep
        keys = [p[len(prefix) :] if p.startswith(prefix) else p for p in paths]
        self._ending["\x1f".join(suffixes)] = "\0".join(keys)
        self.changed = True

    def lister(self, scan: Callable[[str], Entries | None]) -> Callable[[str], Entries | None]:
        """``scan``, or for a directory whose identity is unchanged what it gave last time: a directory's times
        change with every entry added, removed or renamed in it. An entry is one text, the three lists of names
        joined by "//", the names by "/" (a name never holds "/" and is never empty). One closure for thousands
        of directories: a warm pre-commit run spends its time here."""
        old, new, recorded = self._stored()["dirs"], self.new["dirs"], self._dir_identities
        known = self._stored_walk_identities()
        prefix, cut, lstat, fields = self.repository + os.sep, len(self.repository) + 1, os.lstat, file_identity.fields
        new.clear()
        recorded.clear()
        self.walked, self.whole, self._reused = True, True, False  # (Listing walks to the end once it starts)

        def entries_of(directory: str) -> Entries | None:
            try:
                info = lstat(directory)  # before the scan: a change during it is seen by the next run
                identity = fields(info)
            except (OSError, ValueError):
                return scan(directory)
            key = directory[cut:] if directory.startswith(prefix) else directory
            entry = old.get(key)
            if type(entry) is str and known.get(key) == _TEXT(identity):  # same inode, same times: the same entries
                parts = entry.split("//")
                if len(parts) == 3:
                    new[key], recorded[key] = entry, identity
                    return _split(parts[0]), _split(parts[1]), _split(parts[2])
            found = scan(directory)
            if found is None or not stat.S_ISDIR(info.st_mode):
                self.whole = False
                return found
            recorded_now = self._record("dirs", key, info, "//".join(["/".join(names) for names in found]))
            if recorded_now:
                recorded[key] = identity
            self.whole = recorded_now and self.whole
            return found

        return entries_of

    def _stored(self) -> dict[str, dict[str, Any]]:
        """The store's entries, its ``files`` decoded when first asked (a run without a callers search, of a root
        file or a manifest, decodes only its directories)."""
        if self._old is None:
            self._old = {kind: {} for kind in KINDS}
            self._read()
            walk = _section(self._line(WALK))
            dirs, digest = walk.get("dirs"), walk.get("digest")
            if isinstance(dirs, dict) and type(digest) is str:
                self._old["dirs"], self._whole, self._walk_digest = dirs, walk.get("whole") is True, digest
        return self._old

    def _read(self) -> None:
        """Read the store's lines (their signatures are checked as each is used), once; none unless its header is
        this one."""
        if not self._was_read:
            self._was_read = True
            self._sections = read_sections(self.path, self.secret, MAX_STORE_BYTES)
            header = {"format": FORMAT, "ownlint": __version__, "repository": self.repository}
            if self._sections is not None and (len(self._sections) != LINES or _section(self._line(0)) != header):
                self._sections = None

    def _stored_walk_identities(self) -> dict[str, str]:
        """The identities of the store's directories as texts, by key (read when the walk is listed again)."""
        keys = list(self._stored()["dirs"])
        return _by_key(keys, self._line(WALK_IDENTITIES))

    def _line(self, index: int) -> bytes:
        """Line ``index`` of the store, its signature checked ("{}" when it has none, or not this one)."""
        found = self._sections.get(index) if self._sections is not None else None
        return found if found is not None else b"{}"

    def _stored_notes(self) -> dict[str, Any]:
        """The store's notes, its files decoded (their keys as the list they are, their identities not yet)."""
        old = self._stored()
        if not self._files_decoded:
            notes = self._files_line()
            self._files_decoded = True
            old["notes"] = notes
        return old["notes"]

    def _files_line(self) -> dict[str, Any]:
        """The notes of the store's files' line, decoded (``_order`` then holds its keys); empty when the line is
        missing, not signed here, or malformed (``_order`` is then left as it was)."""
        self._read()
        files = _section(self._line(FILES))
        keys, digest, notes, largest = (files.get(k) for k in ("keys", "digest", "notes", "largest"))
        leading, leading_digest = files.get("leading"), files.get("leading_digest")
        if type(keys) is not str or type(digest) is not str or not isinstance(notes, dict) or type(largest) is not int:
            return {}
        listed = keys.split("\0") if keys else []  # (no path holds a NUL)
        if type(leading) is not int or type(leading_digest) is not str or not 0 < leading <= len(listed):
            leading, leading_digest = 0, ""
        self._order = (listed, digest, largest, leading, leading_digest)
        return notes

    def _identity_of(self) -> dict[str, str]:
        """The stored identities as texts, by key (when this run's files are not the stored ones in their order)."""
        found = self._stored()["files"]
        keys = self._order[0]
        if not found and keys:
            found.update(_by_key(keys, self._line(FILE_IDENTITIES)))
        return found

    def _at_top(self) -> bool:
        """Whether the working directory is the repository (pre-commit runs there): a key is then a path from it,
        stat'ed as it is, a few components shorter for the kernel to walk than the absolute path (thousands a run)."""
        try:
            return os.getcwd() == self.repository  # both real: the kernel's and ``open_store``'s
        except OSError:  # removed meanwhile
            return False

    def _key(self, path: str) -> str:
        inside = path.startswith(self.repository + os.sep)
        return path[len(self.repository) + 1 :] if inside else path

    def _record(self, kind: str, key: str, info: os.stat_result, entry: Any) -> bool:
        if (
            not file_identity.settled(info, self.started)
            or len(self.new["files"]) + len(self.new["dirs"]) >= MAX_ENTRIES
        ):
            return False
        self.new[kind][key] = entry
        self.changed = True
        return True

    def save(self) -> None:
        """Write the entries of this run (and those it did not look at whose paths still exist), when any changed."""
        if not self.changed and not (self.walked and self.whole and not self._whole):
            return
        self._stored()
        recorded = self.new["files"]  # in the order of the files looked at: a changed file read is recorded last
        files: dict[str, Identity] = {key: recorded[key] for key in self._keys if key in recorded}
        files.update(recorded)  # (the next run's files, in that order, are then the stored ones: one digest)
        leading = len(files)  # the files of this run: those kept for other runs follow
        notes: dict[str, Any] = {key: note for key, note in self.new["notes"].items() if key in files}
        count = len(files) + (len(self.new["dirs"]) if self.walked else len((self._old or {}).get("dirs", {})))
        if self._files_decoded:  # looked at by this run: those it did not see are kept while they exist
            old_notes = (self._old or {}).get("notes", {})
            for key, text in self._identity_of().items():
                if key not in files and count < MAX_ENTRIES and os.path.lexists(self._path(key)):
                    files[key] = _fields(text)
                    count += 1
                    if key in old_notes:
                        notes[key] = old_notes[key]
        # the last walk, kept whole and in its order, with the files it holds (a walk of this run replaces both)
        header = {"format": FORMAT, "ownlint": __version__, "repository": self.repository}
        if not self.walked:
            walk, walk_identities, ending = self._line(WALK), self._line(WALK_IDENTITIES), self._line(ENDING)
        else:
            # the stored walk's files stay with it when this run's walk is that one (this run's added)
            found = {**_section(self._line(ENDING)), **self._ending} if self._reused else self._ending
            ending = _dumps(found)
            if self._reused and self._walk_identities is not None:  # the stored walk: its lines as they were read
                walk, walk_identities = self._line(WALK), self._line(WALK_IDENTITIES)  # (thousands of directories)
            else:
                dirs = self.new["dirs"]
                identities = [self._dir_identities.get(key, ()) for key in dirs]
                walk = _dumps({"whole": self.whole, "dirs": dirs, "digest": _digest(identities)})
                walk_identities = _dumps(_texts(identities))
        if self._files_decoded:
            identities = list(files.values())
            largest = max((fields[2] for fields in identities if len(fields) > 2), default=0)  # (the size)
            digest = _digest(identities)
            leading_digest = _digest(identities[:leading]) if leading < len(identities) else digest
            files_text = _dumps(
                {
                    "keys": "\0".join(files),
                    "digest": digest,
                    "largest": largest,
                    "notes": notes,
                    "leading": leading,
                    "leading_digest": leading_digest,
                }
            )
            file_identities = _dumps(_texts(identities))
        else:  # not looked at by this run: kept as they were read (once their signature is checked)
            files_text, file_identities = self._line(FILES), self._line(FILE_IDENTITIES)
        # lines of JSON (never holding a raw newline), each signed apart: a run checks and decodes only
        # what it uses
        lines = [_dumps(header), walk, walk_identities, ending, files_text, file_identities]
        if sum(map(len, lines)) <= MAX_STORE_BYTES - 1024:  # (the seal and signatures)
            write_sections(self.path, self.secret, lines, MAX_STORES)

    def _path(self, key: str) -> str:
        return key if os.path.isabs(key) else os.path.join(self.repository, key)


def _identity(path: str) -> Identity:
    """The identity of the file at ``path`` (() when it cannot be stat'ed)."""
    info = _stat(path)
    return file_identity.fields(info) if info is not None else ()


def _digest(identities: list[Identity]) -> str:
    """The digest of identities in order (a warm run compares thousands at once): of their marshalled form, in
    a version without references (the same values give the same bytes), never loaded back."""
    return hashlib.blake2b(marshal.dumps(identities, 2), digest_size=32).hexdigest()


def _by_key(keys: list[str], line: bytes) -> dict[str, str]:
    """The identities ``line`` holds, as texts, in the order of ``keys``, by key (none unless one text each). Compared
    as texts with those made now (``_texts``): thousands of short texts decode in C, lists of numbers were walked
    (a changed file made a pre-commit run of a module file in a 21.5k-file repository decode them: ~20 ms)."""
    found = _section_list(line)
    if len(found) != len(keys) or not set(map(type, found)) <= {str}:
        return {}
    return dict(zip(keys, found, strict=True))


def _texts(identities: list[Identity]) -> list[str]:
    """Each identity as one text (``identity.FORMAT``; "" for none), in one map in C when each has its fields."""
    try:
        return list(map(_TEXT, identities))
    except TypeError:  # an empty one (a file that could not be stat'ed)
        return [_TEXT(identity) if identity else "" for identity in identities]


def _fields(text: str) -> Identity:
    """An identity's fields from its text (``_texts``); () for none, or for a text that is not one."""
    parts = text.split(".") if text else []
    try:
        fields = tuple(int(part, 16) for part in parts)
    except ValueError:
        return ()
    return fields if len(fields) == 5 else ()


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


def _section_list(text: bytes) -> list[Any]:
    """One line of a store: a JSON list, or none."""
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        return []
    return found if isinstance(found, list) else []


def _section(text: bytes) -> dict[str, Any]:
    """One line of a store: a JSON object, or none."""
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
