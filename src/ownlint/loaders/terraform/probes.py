"""What the evaluation of a root module read from disk, heard as it is read, to be looked at again later.

Each read the Terraform loader makes for a root module (a file's text, a directory's Terraform files, a
path resolved, a directory's names, the vendored modules) goes through a *probe*: a function of the
file system and of ``ProbeContext`` only, whose result the loader uses and reports here (``heard``) as
``(probe, path) -> value``. Every ``Recorder`` active at that moment keeps it: the result cache's
manifest of a root (or a directory). A warm run calls the same probes again (``ProbeContext.value``):
when every value is the same, so is everything the evaluation would compute from them.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from typing import Any

from ownlint.loaders import identity as file_identity
from ownlint.loaders.files import known_real, listing_of, status_read
from ownlint.loaders.files import resolved as resolved_path
from ownlint.model import LoadProblem
from ownlint.records import record

Fact = tuple[str, str]  # (probe, path)


@record(frozen=True)
class ProbeContext:
    """What a probe may depend on besides the file system: part of every entry's key."""

    root: Path
    repository: Path
    max_bytes: int
    memo: dict[Fact, str] = field(default_factory=dict, compare=False, hash=False)  # one look per run
    started: int = field(default_factory=time.time_ns, compare=False, hash=False)  # before any file was read
    # path -> ``identity`` of a file this run read ("": not settled): its first status, taken before the read,
    # is the run's (``files.status_read``); each text of a root's modules is in several entries
    identities: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def all_unchanged(self, inputs: Iterable[tuple[str, ...]]) -> bool:
        """Whether every input's probe value now is the one recorded: ``(probe, path, value)``, or ``(probe, path,
        value, identity)`` for a text, taken as unchanged without reading it while ``identity`` is its file's now
        (its text is the one the value was made of). An entry's inputs in one call; each fact looked at once a run
        (most: roots share their modules)."""
        memo = self.memo
        for item in inputs:
            fact: Any = item[:2]  # (probe, path)
            known = memo.get(fact)
            if known is None:
                if len(item) == 4:
                    try:
                        now = file_identity.identity(os.stat(item[1]))
                    except (OSError, ValueError):
                        now = None
                    if now == item[3]:
                        known = memo[fact] = item[2]
                if known is None:
                    known = self.value(*fact)
            if known != item[2]:
                return False
        return True

    def identity(self, path: str) -> str | None:
        """The identity of the file ``path`` when this run read it, if it had settled by then (see
        ``loaders.identity``): recorded with its text's digest, that text is not read again while it holds."""
        found = self.identities.get(path)
        if found is None:  # not asked yet, or the file was not read yet (it may be later)
            info = status_read(path)
            if info is None:
                return None
            settled = file_identity.settled(info, self.started)
            found = self.identities[path] = file_identity.identity(info) if settled else ""
        return found or None

    def value(self, probe: str, path: str) -> str | None:
        """The probe's value now (None: a probe this version does not know: the entry is not used)."""
        fact = (probe, path)
        if fact not in self.memo:
            function = _PROBES.get(probe) or _registered(probe)
            if function is None:
                return None
            try:
                self.memo[fact] = function(self, path)
            except (OSError, ValueError, RecursionError):
                return None
        return self.memo[fact]


_PROBES: dict[str, Callable[[ProbeContext, str], str]] = {}
# the module that registers each probe defined elsewhere: a warm run may not have imported it (start-up)
_REGISTERED_IN = {
    "listing": "ownlint.loaders.terraform.reads",
    "text": "ownlint.loaders.terraform.reads",
    "vendored": "ownlint.loaders.terraform.reads",
    "names": "ownlint.loaders.terraform.roots",
    "blob": "ownlint.loaders.terraform.functions.files",
}


def _registered(probe: str) -> Callable[[ProbeContext, str], str] | None:
    """The probe once the module that registers it is imported (None: a probe this version does not know)."""
    module = _REGISTERED_IN.get(probe)
    if module is None:
        return None
    importlib.import_module(module)
    return _PROBES.get(probe)


def probe(name: str) -> Callable[[Callable[[ProbeContext, str], str]], Callable[[ProbeContext, str], str]]:
    """Register a probe (the modules that read for the loader do, at import)."""

    def register(function: Callable[[ProbeContext, str], str]) -> Callable[[ProbeContext, str], str]:
        _PROBES[name] = function
        return function

    return register


class Recorder:
    """The facts heard while it is active, and the module directories the loader was asked for, in order."""

    def __init__(self) -> None:
        self.facts: dict[Fact, str] = {}
        self.sourced: dict[Path, None] = {}


_ACTIVE: list[Recorder] = []  # per process: workers record their own roots


@contextmanager
def recording(recorder: Recorder, wanted: bool = True) -> Iterator[Recorder]:
    """``recorder`` hears what is read meanwhile (when ``wanted``: without a result cache nothing is hashed)."""
    if not wanted:
        yield recorder
        return
    _ACTIVE.append(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.remove(recorder)


def active() -> bool:
    """Whether anything records now (hashing a text is worth it only then)."""
    return bool(_ACTIVE)


def heard(probe_name: str, path: str, value: str) -> None:
    for recorder in _ACTIVE:
        recorder.facts.setdefault((probe_name, path), value)


def heard_all(facts: Mapping[Fact, str]) -> None:
    """Facts heard earlier (a module directory parsed once, used by several roots)."""
    for recorder in _ACTIVE:
        for fact, value in facts.items():
            recorder.facts.setdefault(fact, value)


def sourced(directory: Path) -> None:
    for recorder in _ACTIVE:
        recorder.sourced.setdefault(directory, None)


def text_digest(text: str | LoadProblem) -> str:
    """A file's text as the loader read it (or why it could not), whatever name it is shown by."""
    if isinstance(text, LoadProblem):
        return f"problem:{text.line}:{text.message}"
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def resolved(path: Path) -> Path:
    """``path.resolve()``, heard."""
    found = resolved_path(path)
    heard("resolve", str(path), str(found))
    return found


def is_directory(path: Path) -> bool:
    found = path.is_dir()
    heard("isdir", str(path), str(found))
    return found


def is_file(path: Path) -> bool:
    found = path.is_file()
    heard("isfile", str(path), str(found))
    return found


@probe("resolve")
def _resolve(context: ProbeContext, path: str) -> str:
    found = known_real(path)  # most: a module directory this run reached without a link (no ``Path`` made)
    return found if found is not None else str(resolved_path(Path(path)))


@probe("isdir")
def _isdir(context: ProbeContext, path: str) -> str:
    if listing_of(path) is not None:  # a real directory this run's walk listed (most module sources)
        return "True"
    return str(Path(path).is_dir())


@probe("isfile")
def _isfile(context: ProbeContext, path: str) -> str:
    return str(Path(path).is_file())
