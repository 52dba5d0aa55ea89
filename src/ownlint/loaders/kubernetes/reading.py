"""Reading the manifests named, a cache entry's directories at a time (``Bucket``: one task, in this process or
a worker): each file's objects and problems, its YAML through the manifest cache (``cached``) when there is one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from ownlint.loaders.files import is_link, read_text, relative
from ownlint.loaders.kubernetes.documents import Manifest, Parse, collect, documents_of
from ownlint.loaders.kubernetes.documents import parsed as parsed_documents
from ownlint.model import LoadProblem


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
    for index, path in enumerate(files):
        directory, name = os.path.split(os.path.abspath(path))
        grouped.setdefault(directory, []).append((index, name))
    by_bucket: dict[int, list[tuple[str, list[tuple[int, str]]]]] = {}
    for directory, names in grouped.items():
        by_bucket.setdefault(bucket_of(directory), []).append((directory, names))
    return sorted(by_bucket.items())


def files_of(task: Bucket) -> int:
    """The files a task reads: its weight when tasks are shared out."""
    return sum(len(names) for _, names in task.directories)


def read_buckets(tasks: list[Bucket]) -> list[tuple[list[tuple[int, str, list[Manifest], list[LoadProblem]]], int]]:
    """Each file's place, name as shown, objects and problems, by bucket; and the cache entries written."""
    from ownlint.loaders.kubernetes.cached import ManifestCache, merged

    results = []
    for task in tasks:
        cache = ManifestCache(Path(task.cache[0]), task.cache[1]) if task.cache is not None else None
        stored = cache.read(task.number) if cache is not None else {}
        parsed: dict[str, dict[str, list[Any]]] = {}
        found = []
        for directory, names in task.directories:
            through = _through(stored.get(directory, {}), parsed, directory) if cache is not None else None
            found.extend(_read_directory(Path(task.root), directory, names, task.limit, through))
        if cache is not None and parsed:
            cache.write(task.number, merged(stored, parsed))
        results.append((found, cache.store.written if cache is not None else 0))
    return results


def _read_directory(
    root: Path, directory: str, names: list[tuple[int, str]], limit: int, through: Callable[[str], Parse] | None
) -> list[tuple[int, str, list[Manifest], list[LoadProblem]]]:
    """Each file's place, name as shown, objects and problems (YAML parsed ``through`` the cache)."""
    shown_directory = relative(root, Path(directory))
    results = []
    for index, name in names:
        path = os.path.join(directory, name)
        shown = relative(root, Path(path)) if is_link(path) else _joined(shown_directory, name)  # the run's listing
        found: list[Manifest] = []
        problems: list[LoadProblem] = []
        collect(shown, read_text(path, shown, limit), found, problems, through(name) if through else None)
        results.append((index, shown, found, problems))
    return results


def _joined(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def _through(
    stored: dict[str, list[Any]], parsed: dict[str, dict[str, list[Any]]], directory: str
) -> Callable[[str], Parse]:
    """How a file of ``directory`` is parsed: from ``stored`` when that holds its text's digest, else parsed
    and recorded in ``parsed`` (None: plain JSON would not give it back, parsed each time)."""
    from ownlint.loaders.kubernetes.cached import MAX_TEXT, decoded, digest, encoded

    def parse_file(name: str) -> Parse:
        def parse(text: str, shown: str) -> tuple[list[Manifest], list[LoadProblem]]:
            source = digest(text)
            entry = stored.get(name)
            if type(entry) is list and len(entry) == 2 and entry[0] == source:
                found = documents_of(text, shown) if entry[1] is None else decoded(entry[1], shown)
                if found is not None:
                    return found
            documents, problems, plain = parsed_documents(text, shown)
            keep = encoded(documents, problems) if plain and len(text) <= MAX_TEXT else None
            parsed.setdefault(directory, {})[name] = [source, keep]
            return documents, problems

        return parse

    return parse_file
