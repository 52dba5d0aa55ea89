"""Reading the manifests named, a cache entry's directories at a time (``Bucket``: one task, in this process or
a worker): each file's objects and problems, its YAML through the manifest cache (``cached``) when there is one."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ownlint.loaders.files import links_in, read_text, relative, status_read
from ownlint.loaders.identity import identity, settled, stat_of
from ownlint.loaders.kubernetes.documents import (
    Manifest,
    Parse,
    Parsed,
    collect,
    collected,
    documents_of,
    looks_like_kubernetes,
)
from ownlint.loaders.kubernetes.documents import parsed as parsed_documents
from ownlint.model import LoadProblem

if TYPE_CHECKING:
    from ownlint.loaders.kubernetes.cached import ManifestCache, Stored


class Bucket(NamedTuple):
    """The directories of one cache entry, each with its files (and their places among the files named)."""

    root: str
    number: int
    directories: list[tuple[str, list[tuple[int, str]]]]
    limit: int
    cache: tuple[str, str] | None  # the checked cache directory and the repository, or None


def buckets(files: Iterable[Path]) -> list[tuple[int, list[tuple[str, list[tuple[int, str]]]]]]:
    """The files by directory (absolute), the directories by cache entry."""
    from ownlint.loaders.kubernetes.cached import bucket_of

    grouped: dict[str, list[tuple[int, str]]] = {}
    here: str | None = None  # the working directory, asked once (``check .`` names relative paths)
    for index, path in enumerate(files):
        text = os.fspath(path)
        if here is None and os.sep == "/" and text[:1] != "/":  # (elsewhere abspath is more than a join)
            here = os.getcwd()
        directory, name = _split(text, here)
        grouped.setdefault(directory, []).append((index, name))
    by_bucket: dict[int, list[tuple[str, list[tuple[int, str]]]]] = {}
    for directory, names in grouped.items():
        by_bucket.setdefault(bucket_of(directory), []).append((directory, names))
    return sorted(by_bucket.items())


def _split(path: str, here: str | None = None) -> tuple[str, str]:
    """``os.path.split(os.path.abspath(path))``, by one partition when the path is absolute and already normal
    (as discovery gives them: abspath and split in Python cost a tenth of reading 9k cached manifests); a relative
    path is joined to ``here``, the working directory when given (abspath asks the kernel for it each time)."""
    if here is not None and os.sep == "/" and path[:1] != "/":  # (POSIX: abspath is this join, with the directory)
        return os.path.split(os.path.normpath(os.path.join(here, path)))
    if (
        os.sep != "/"
        or path[:1] != "/"
        or "//" in path
        or "/./" in path
        or "/../" in path
        or path.endswith(("/", "/.", "/.."))
    ):
        return os.path.split(os.path.abspath(path))
    directory, _, name = path.rpartition("/")
    return directory or "/", name


def files_of(task: Bucket) -> int:
    """The files a task reads: its weight when tasks are shared out."""
    return sum(len(names) for _, names in task.directories)


def read_buckets(tasks: list[Bucket]) -> list[tuple[list[tuple[int, str, list[Manifest], list[LoadProblem]]], int]]:
    """Each file's place, name as shown, objects and problems, by bucket; and the cache entries written."""
    from ownlint.loaders.kubernetes.cached import ManifestCache, merged

    started = time.time_ns()  # before any file is looked at: what changed since is not recorded as settled
    results = []
    caches: dict[tuple[str, str], ManifestCache] = {}  # one per setup (all tasks share one): its key made once
    roots: dict[str, Path] = {}  # one per root (all tasks share one), not one per directory
    for task in tasks:
        root = roots.get(task.root) or roots.setdefault(task.root, Path(task.root))
        cache = None
        if task.cache is not None:
            cache = caches.get(task.cache)
            if cache is None:
                cache = caches[task.cache] = ManifestCache(Path(task.cache[0]), task.cache[1])
        stored = cache.read(task.number) if cache is not None else {}
        parsed: dict[str, dict[str, list[Any]]] = {}
        found = []
        for directory, names in task.directories:
            through = Through(stored.get(directory, {}), parsed, directory, started) if cache is not None else None
            found.extend(_read_directory(root, directory, names, task.limit, through))
        written = cache.store.written if cache is not None else 0
        if cache is not None and parsed:
            cache.write(task.number, merged(stored, parsed))
        results.append((found, cache.store.written - written if cache is not None else 0))
    return results


def _read_directory(
    root: Path, directory: str, names: list[tuple[int, str]], limit: int, through: Through | None
) -> list[tuple[int, str, list[Manifest], list[LoadProblem]]]:
    """Each file's place, name as shown, objects and problems (YAML parsed ``through`` the cache)."""
    shown_directory = relative(root, directory)
    results = []
    link, prefix = links_in(directory), directory if directory.endswith(os.sep) else directory + os.sep
    for index, name in names:
        path = prefix + name  # as os.path.join joins them
        shown = relative(root, Path(path)) if link(name) else _joined(shown_directory, name)  # the run's listing
        found: list[Manifest] = []
        problems: list[LoadProblem] = []
        if through is None:
            collect(shown, read_text(path, shown, limit), found, problems)
        else:
            through.read(name, path, shown, limit, found, problems)
        results.append((index, shown, found, problems))
    return results


def _joined(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


class Through:
    """How the files of one directory are read through the cache: not at all when ``stored`` records the file's
    identity (its documents decoded from the entry), else read and parsed from ``stored`` when that holds its
    text's digest, else parsed and recorded in ``parsed`` (None: plain JSON would not give it back, parsed each
    time); ``started``: when the run began (ns), for ``identity.settled``."""

    def __init__(
        self, stored: dict[str, list[Any]], parsed: dict[str, dict[str, list[Any]]], directory: str, started: int
    ):
        from ownlint.loaders.kubernetes.cached import decoded  # with PyYAML: imported when a cache is read

        self.stored = stored
        self.parsed = parsed
        self.directory = directory
        self.started = started
        self.decoded = decoded  # bound once per directory: an import statement per file cost more than decoding

    def read(
        self, name: str, path: str, shown: str, limit: int, found: list[Manifest], problems: list[LoadProblem]
    ) -> None:
        """The file's objects into ``found``, its problems into ``problems``."""
        info = stat_of(path)  # before the file is read: a change after it gives the file another identity
        entry = self.stored.get(name)
        now = identity(info) if info is not None else None
        usable = info is not None and stat.S_ISREG(info.st_mode) and info.st_size <= limit  # as read_text has it
        usable = usable and not shown.endswith(".json")  # never recorded: parsed quickly anyway, as ``collect`` does
        if usable and type(entry) is list and len(entry) == 3 and entry[1] is not None and entry[2] == now:
            known = self.decoded(entry[1], shown)
            if known is not None:
                collected(known, found, problems)
                return
        text = read_text(path, shown, limit, info)  # (looked at above: not again)
        opened = status_read(path)  # the file read, looked at once open: not the one above if it was swapped since
        recorded = identity(opened) if opened is not None and settled(opened, self.started) else None
        if type(text) is str and not shown.endswith(".json") and not looks_like_kubernetes(text):
            self._without_objects(name, entry, text, recorded)
            return
        collect(shown, text, found, problems, self.parse(name, entry, recorded))

    def _without_objects(self, name: str, entry: Any, text: str, recorded: str | None) -> None:
        """A file ``collect`` skips (no ``apiVersion`` or ``kind``: another tool's YAML) recorded as one without
        documents or problems, so that a warm run takes it by its identity instead of reading it again (the
        1,391 such files of cloud-foundation-fabric were read by every warm run, in a pool of workers)."""
        from ownlint.loaders.kubernetes.cached import digest

        noted: list[Any] = [digest(text), [[], []], recorded]
        if entry != noted:
            self.parsed.setdefault(self.directory, {})[name] = noted

    def parse(self, name: str, entry: Any, recorded: str | None) -> Parse:
        """How the text of ``name`` is parsed: ``entry`` is its directory's (if any), ``recorded`` its identity."""
        from ownlint.loaders.kubernetes.cached import MAX_TEXT, decoded, digest, encoded

        def parse(text: str, shown: str) -> Parsed:
            source = digest(text)
            if type(entry) is list and len(entry) in (2, 3) and entry[0] == source:
                found = documents_of(text, shown) if entry[1] is None else decoded(entry[1], shown)
                unrecorded = len(entry) == 2 or entry[2] is None
                if found is not None:
                    if unrecorded and recorded is not None:  # settled since: taken by its identity next time
                        self.parsed.setdefault(self.directory, {})[name] = [source, entry[1], recorded]
                    return found
            documents, problems, plain = parsed_documents(text, shown)
            keep = encoded(documents, problems) if plain and len(text) <= MAX_TEXT else None
            self.parsed.setdefault(self.directory, {})[name] = [source, keep, recorded]
            return documents, problems

        return parse


class OneByOne:
    """Files read one by one through the cache (those of the context that may define a Namespace, read as text
    first to see whether they may): their documents from the entry of their directory when it holds their text's
    digest, else parsed and recorded (``save`` writes the entries); ``started``: when the run began (ns)."""

    def __init__(self, cache: ManifestCache, started: int) -> None:
        self.cache = cache
        self.started = started
        self.stored: dict[int, Stored] = {}  # bucket -> its entry, read when first needed
        self.parsed: dict[int, dict[str, dict[str, list[Any]]]] = {}

    def parse(self, path: str) -> Parse:
        """How the text of ``path`` (read in this run) is parsed."""
        from ownlint.loaders.kubernetes.cached import bucket_of

        directory, name = os.path.split(os.path.abspath(path))
        number = bucket_of(directory)
        if number not in self.stored:
            self.stored[number] = self.cache.read(number)
        files = self.stored[number].get(directory, {})
        info = status_read(path)  # taken before it was read
        recorded = identity(info) if info is not None and settled(info, self.started) else None
        through = Through(files, self.parsed.setdefault(number, {}), directory, self.started)
        return through.parse(name, files.get(name), recorded)

    def save(self) -> None:
        from ownlint.loaders.kubernetes.cached import merged

        for number, parsed in self.parsed.items():
            if parsed:
                self.cache.write(number, merged(self.stored[number], parsed))
