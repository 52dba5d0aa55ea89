"""The repository's directories, listed once for every context of a run (``Listing``): top-down in name order
without skipped or symlinked directories, through the outline store's memory of them when a run has one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

# .terragrunt-cache: terragrunt's checkouts of a unit's module, read only through that unit
SKIPPED_DIRS = frozenset(
    {".git", ".terraform", ".terragrunt-cache", ".ownlint", "node_modules", ".venv", "__pycache__", ".tox"}
)


Entries = tuple[list[str], list[str], list[str]]  # a directory's real subdirectories, other entries, links


class Remembered(Protocol):
    """What earlier runs listed (``outline_cache.OutlineStore``): a directory's entries, scanned again when
    the directory changed since; or the whole last walk when no directory of it changed, each directory's
    entries as one text (``Listing`` reads them as it needs them: see ``_parts``)."""

    def unchanged_walk(self) -> dict[str, str] | None: ...

    def lister(self, scan: Callable[[str], Entries | None]) -> Callable[[str], Entries | None]: ...

    def walk_files(self, suffixes: tuple[str, ...]) -> list[str] | None: ...

    def remember_walk_files(self, suffixes: tuple[str, ...], paths: list[str]) -> None: ...


class Listing:
    """The directories under ``root`` (a real directory), listed once, when first asked, for every context of a
    run: pre-commit of a module file seeks terragrunt units and callers, of a manifest kustomizations and
    Namespaces, in the same walk. Top-down in name order as ``os.walk``; skipped and symlinked directories are
    not entered; what cannot be listed lends nothing (context only). With a store (``remember``), a directory
    unchanged since an earlier run is not listed again: the same walk, one ``stat`` per directory; when none
    changed, the files sought (``files_named``, ``files_ending``) are found in the remembered texts, not in
    lists of names made for every directory (and the paths of ``paths_ending`` are those the store recorded)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.links: set[str] = set()  # the symbolic links seen (paths), told apart without a system call
        self._listed: dict[str, tuple[list[str], list[str]]] | None = None
        self._texts: dict[str, str] | None = None  # the unchanged walk remembered: each directory's entries as text
        self._store: Remembered | None = None

    def remember(self, store: Remembered) -> None:
        """List through ``store`` (before the listing is first iterated)."""
        self._store = store

    def __iter__(self) -> Iterator[tuple[str, list[str], list[str]]]:
        """(directory, names of its real subdirectories, names of its other entries), names sorted."""
        listed = self._lists()
        return ((directory, dirs, names) for directory, (dirs, names) in listed.items())

    def names(self, directory: str) -> list[str] | None:
        """The entries but subdirectories of ``directory`` when it was listed already, else None."""
        if self._listed is None and self._texts is not None:
            text = self._texts.get(directory)
            return None if text is None else _parts(text)[1]
        found = self._listed.get(directory) if self._listed is not None else None
        return found[1] if found is not None else None

    def walked(self, directory: str) -> bool:
        """Whether ``directory`` is one the walk reached (it was listed already)."""
        if self._listed is None and self._texts is not None:
            return directory in self._texts
        return self._listed is not None and directory in self._listed

    def files_named(self, wanted: frozenset[str]) -> list[tuple[str, str]]:
        """(directory, name) of the files called one of ``wanted``, in the walk's order."""
        texts = self._walked()
        if texts is None:
            return [
                (d, n)
                for d, (_, names) in self._lists().items()
                if not wanted.isdisjoint(names)
                for n in names
                if n in wanted
            ]
        found: list[tuple[str, str]] = []
        for directory, text in _holding(texts, wanted):
            found.extend((directory, n) for n in text.split("//")[1].split("/") if n in wanted)
        return found

    def files_ending(self, suffixes: tuple[str, ...]) -> list[tuple[str, str]]:
        """(directory, name) of the files whose names end with one of ``suffixes``, in the walk's order."""
        texts = self._walked()
        if texts is None:
            return [(d, n) for d, (_, names) in self._lists().items() for n in names if n.endswith(suffixes)]
        found: list[tuple[str, str]] = []
        for directory, text in _holding(texts, suffixes):
            found.extend([(directory, n) for n in text.split("//")[1].split("/") if n.endswith(suffixes)])
        return found

    def paths_ending(self, suffixes: tuple[str, ...]) -> list[str]:
        """The paths of the files whose names end with one of ``suffixes`` (joined as ``os.path.join`` joins them),
        in the walk's order: with a store, those it recorded with the walk when the walk is the one remembered
        (thousands of paths a warm pre-commit run of a module file would otherwise find in the entries again)."""
        texts, store = self._walked(), self._store
        found = store.walk_files(suffixes) if store is not None and texts is not None else None
        if found is None:
            sep = os.sep
            found = [(d if d.endswith(sep) else d + sep) + n for d, n in self.files_ending(suffixes)]
            if store is not None:
                store.remember_walk_files(suffixes, found)
        return found

    def _lists(self) -> dict[str, tuple[list[str], list[str]]]:
        texts = self._walked()  # listed when the remembered walk is not used
        if self._listed is None:
            self._listed = {d: _parts(t)[:2] for d, t in (texts or {}).items()}
        return self._listed

    def _walked(self) -> dict[str, str] | None:
        """The remembered walk's texts when it is unchanged (its links recorded), else None (it is listed)."""
        if self._texts is None and self._listed is None:
            remembered = self._store.unchanged_walk() if self._store is not None else None
            if remembered is None:
                self._listed = self._scanned()
                return None
            self._texts = remembered
            for directory, text in remembered.items():
                if not text.endswith("//"):  # it lists links
                    self._linked(directory, _parts(text)[2])
        return self._texts

    def _scanned(self) -> dict[str, tuple[list[str], list[str]]]:
        listed: dict[str, tuple[list[str], list[str]]] = {}
        for directory, (dirs, names, linked) in self._directories():
            if linked:
                self._linked(directory, linked)
            listed[directory] = (dirs, names)
        return listed

    def _linked(self, directory: str, names: list[str]) -> None:
        prefix = directory if directory.endswith(os.sep) else directory + os.sep  # as os.path.join
        self.links.update([prefix + n for n in names])

    def _directories(self) -> Iterator[tuple[str, Entries]]:
        pending = [str(self.root)]
        entries_of = _scan if self._store is None else self._store.lister(_scan)
        while pending:
            directory = pending.pop()
            found = entries_of(directory)
            if found is None:
                continue
            yield directory, found
            prefix = directory if directory.endswith(os.sep) else directory + os.sep  # as os.path.join, cheaper
            pending.extend([prefix + d for d in reversed(found[0])])


def _holding(texts: dict[str, str], parts: Iterable[str]) -> list[tuple[str, str]]:
    """The (directory, text) whose text holds one of ``parts`` (a test in C for each of thousands of texts, most
    holding none of them; a part holding another is found with it: ".tf.json" with ".tf")."""
    needles = sorted({p for p in parts if not any(o != p and o in p for o in parts)})
    if len(needles) == 1:
        needle = needles[0]
        return [(d, t) for d, t in texts.items() if needle in t]
    held: set[str] = set()
    for needle in needles:  # a pass each, no generator per text: kustomize's three names in 9k directories
        held.update([d for d, t in texts.items() if needle in t])
    return [(d, t) for d, t in texts.items() if d in held] if held else []


def _parts(text: str) -> Entries:
    """A directory's entries from their remembered text: the three lists of names joined by "//", the names
    by "/" (a name never holds "/" and is never empty)."""
    dirs, names, links = text.split("//")
    return (dirs.split("/") if dirs else [], names.split("/") if names else [], links.split("/") if links else [])


def _scan(directory: str) -> Entries | None:
    """The names of ``directory``'s real subdirectories (but skipped ones), other entries and links, sorted."""
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
    except OSError:
        return None
    dirs: list[str] = []
    names: list[str] = []
    links: list[str] = []
    for entry in entries:  # one pass: thousands of directories
        if not _is_directory(entry):
            names.append(entry.name)
            if entry.is_symlink():
                links.append(entry.name)
        elif entry.name not in SKIPPED_DIRS:
            dirs.append(entry.name)
    dirs.sort()
    names.sort()
    links.sort()
    return dirs, names, links


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False
