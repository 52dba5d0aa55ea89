"""Manifests' documents through the user's cache (issue 20): what parsing each manifest gave, in a few entries.

A warm run reads a few entries, not one per file (creating and opening thousands of small files costs more
than libyaml parsing them): each directory of manifests belongs to one of ``BUCKETS`` entries (by a hash
of its path), which maps the directory's files to the digest of the exact text each was parsed from and
what parsing gave, as plain JSON (each document's data, lines and key lines, and the problems that stopped
parsing), and the file's identity when it was read (device, inode, size, modification and change times, as
git's index keeps it: the change time cannot be set by a user). A file whose identity is the one recorded is
not read again (its text is the one the entry was parsed from); any other is read, and taken from its entry only
when its text has that digest, else parsed and the entry rewritten (merged: the files of other runs stay while
they exist). An identity (``loaders/identity``) is recorded only for a file that changed more than ``RACY_NS``
before the run (a later change within the same clock tick would keep it), and again on a digest hit only when
none was (a fresh checkout's files have new identities: recording each would rewrite every entry on every run).
What JSON may not give back exactly is marked, never stored, and parsed each time: a document the quick
construction left to PyYAML (dates, binary, sets, keys that are not text, aliases, merge keys), a text over
``MAX_TEXT``.

The directory checks and the entry I/O are ``terraform/store``'s (this user's 0700 directory outside the
scanned repository; regular files only, no link, no FIFO, size limited; written to a temporary file and
renamed; pruned). An entry is used only when its key material (format, ownlint's version and code, PyYAML's
files, the repository, the bucket) and its checksum match; one of another shape is ignored. The checksum
(``checksum``) tells a damaged entry: CRC-32, as zip and gzip check theirs (no digest without a key keeps out
an entry planted by whoever can write the directory, who could compute it too: the directory being this user's
alone does; SHA-256 cost 30 instructions a byte, a third of a warm run's Kubernetes load).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.loaders.identity import installed_file
from ownlint.loaders.kubernetes.documents import Manifest, Parsed
from ownlint.loaders.terraform.store import EntryStore, code_digest
from ownlint.model import LoadProblem
from ownlint.records import builder

FORMAT = 6  # bump when an entry's shape or name changes
SCHEMA = "core12"  # the schema is part of the key (YAML 1.1's `on`/`=` would be stale)
BUCKETS = 64  # entries per repository: a changed file rewrites one of them
MAX_TEXT = 2 * 1024 * 1024  # a larger manifest is parsed each time (an entry stays small to rewrite)
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # an entry larger than this is not written, nor read
MAX_BYTES = 256 * 1024 * 1024  # the cache directory is pruned to this (it is the parse cache's)

_MANIFEST = builder(Manifest)  # of every field (a slot descriptor's call each in ``__init__``: thousands a warm run)
# file name -> [digest of its text, encoded documents or None (parsed each time), its identity or None (or absent)]
Files = dict[str, list[Any]]
Stored = dict[str, Files]  # directory -> its files


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def checksum(body: bytes) -> str:
    """What tells a damaged entry's body (see the module's docstring)."""
    return f"{zlib.crc32(body):08x}"


def bucket_of(directory: str) -> int:
    """The entry the directory's files are kept in (the same in every run)."""
    return zlib.crc32(directory.encode("utf-8", errors="surrogatepass")) % BUCKETS


class ManifestCache:
    """The entries of the repository ``repository`` under ``directory`` (one ``usable_directory`` found safe)."""

    def __init__(self, directory: Path, repository: str) -> None:
        self.directory = directory
        self.repository = repository
        self.store = EntryStore(directory, MAX_ENTRY_BYTES)
        self._prefix: str | None = None

    def read(self, bucket: int) -> Stored:
        """The directories an intact entry of this key holds ({} when none)."""
        material = self._material(bucket)
        data = self.store.read(self.key(bucket))
        if data is None:
            return {}
        header, _, body = data.partition(b"\n")
        try:
            head = json.loads(header)
            if not isinstance(head, dict) or head.get("key") != material:
                return {}
            if head.get("check") != checksum(body):
                return {}
            stored = json.loads(body)
        except (ValueError, RecursionError):
            return {}
        if not isinstance(stored, dict):
            return {}
        return {d: files for d, files in stored.items() if isinstance(files, dict)}

    def write(self, bucket: int, stored: Stored) -> None:
        material = self._material(bucket)
        try:
            # ASCII (lone surrogates escaped); no cycle check: the quick construction shares no container
            body = json.dumps(stored, separators=(",", ":"), check_circular=False)
        except (ValueError, RecursionError):
            return
        raw = body.encode("ascii")  # once: hashed, then written as it is
        header = json.dumps({"key": material, "check": checksum(raw)}).encode("ascii")
        self.store.write(self.key(bucket), b"".join([header, b"\n", raw]))

    def prune(self) -> None:
        self.store.prune(MAX_BYTES)

    def holds(self, bucket: int) -> bool:
        """Whether the bucket has an entry (not read: whether it is usable is for ``read`` to say)."""
        key = self.key(bucket)
        return os.path.isfile(self.directory / key[:2] / f"{key}.json")

    def key(self, bucket: int) -> str:
        """The name of the bucket's entry: the buckets of one key share a subdirectory (making one per entry
        cost a cold run more than writing them), their names differing in the last two digits."""
        if self._prefix is None:
            self._prefix = _key(self._shared())[:62]
        return f"{self._prefix}{bucket:02x}"

    def _shared(self) -> dict[str, Any]:
        version = {"format": FORMAT, "ownlint": __version__, "code": code_digest(), "backend": backend()}
        return {**version, "repository": self.repository}

    def _material(self, bucket: int) -> dict[str, Any]:
        return {**self._shared(), "bucket": bucket}


def merged(stored: Stored, parsed: Stored) -> Stored:
    """``stored`` with the files ``parsed`` this run; the other files it held stay while they exist."""
    result: Stored = {}
    for directory, files in stored.items():
        kept = {n: e for n, e in files.items() if n not in parsed.get(directory, {})}
        kept = {n: e for n, e in kept.items() if os.path.lexists(os.path.join(directory, n))}
        if kept:
            result[directory] = kept
    for directory, files in parsed.items():
        result[directory] = {**result.get(directory, {}), **files}
    return result


@cache
def backend() -> str:
    """The YAML parser entries are made with, told without importing it (a warm run parses nothing; PyYAML's import
    cost a seventh of a warm one-file check): its package's ``__init__.py`` (path, size, modification time: another
    release or install rewrites it) and its libyaml extension modules beside it (the C loader parses when one is
    there and imports, PyYAML's own otherwise: another may read a text otherwise; an extension file that is there
    but fails to import is not told apart), and the schema."""
    spec = importlib.util.find_spec("yaml")  # found, not imported
    origin = spec.origin if spec is not None and spec.origin else ""
    package = os.path.dirname(origin)
    try:
        names = sorted(n for n in os.listdir(package) if n.startswith("_yaml.")) if package else []
    except OSError:
        names = []
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    files = [origin, *(os.path.join(package, n) for n in names if n.endswith(suffixes))]
    return "|".join([*map(installed_file, files), SCHEMA])


def _key(material: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


def encoded(documents: list[Manifest], problems: list[LoadProblem]) -> list[Any]:
    """What an entry keeps of a file's plain documents and problems."""
    return [
        [[d.data, d.line, d.end_line, [[*key, line] for key, line in d.lines.items()]] for d in documents],
        [[p.line, p.message] for p in problems],
    ]


def decoded(stored: Any, shown: str) -> Parsed | None:
    """The documents and problems ``encoded`` wrote, or None when ``stored`` does not have that shape."""
    if not (isinstance(stored, list) and len(stored) == 2):
        return None
    items, found = stored
    if not isinstance(items, list) or not isinstance(found, list):
        return None
    documents = []
    for item in items:
        if not (type(item) is list and len(item) == 4 and type(item[0]) is dict and type(item[3]) is list):
            return None
        data, line, end_line, keys = item
        lines = _key_lines(keys)
        if not (type(line) is int and type(end_line) is int and line >= 0 and end_line >= 0) or lines is None:
            return None  # (as ``_lines`` tells, without a generator per document)
        documents.append(_MANIFEST(data, shown, line, end_line, lines, {}, ()))
    problems = []
    for problem in found:
        if not (isinstance(problem, list) and len(problem) == 2 and _lines(problem[0]) and isinstance(problem[1], str)):
            return None
        problems.append(LoadProblem(shown, problem[0], problem[1]))
    return documents, problems


def _lines(*values: Any) -> bool:
    return all(type(v) is int and v >= 0 for v in values)


def _key_lines(keys: list[Any]) -> dict[tuple[str, ...], int] | None:
    """The key lines ``encoded`` wrote (``[*key, line]`` each), or None when one has another shape; in one loop
    (60k of them on a warm run of 9k manifests: a call and a generator per key cost a tenth of reading)."""
    lines: dict[tuple[str, ...], int] = {}
    for key in keys:
        if type(key) is not list or len(key) < 2:
            return None
        path, line = tuple(key[:-1]), key[-1]
        if type(line) is not int or line < 0:
            return None
        for part in path:
            if type(part) is not str:
                return None
        lines[path] = line
    return lines
