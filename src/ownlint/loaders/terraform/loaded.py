"""What loading gives per module directory and per root module, as the result cache stores and replays it;
and what the loader asks of that cache (``ResultStore``, implemented by ``results.ResultCache``)."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import field
from pathlib import Path
from typing import Protocol

from ownlint.loaders.terraform.probes import Fact, Recorder
from ownlint.model import LoadProblem, Resource, Suppression
from ownlint.records import record


@record(frozen=True)
class ParsedDirectory:
    """What parsing one module directory added to a loader."""

    seen: tuple[str, ...]
    problems: tuple[LoadProblem, ...]
    suppressions: dict[str, list[Suppression]]


@record(frozen=True)
class LoadedTree:
    """What a loaded root module gives: its resources, problems and notes."""

    resources: list[Resource]
    problems: list[LoadProblem]
    notes: list[str]
    library: str | None = None  # the module's path when it was loaded as a library, not a root


@record(frozen=True)
class RootResult:
    """A root module's load: its tree, what ``stacks`` and ``reached`` learn, and the directories it parsed."""

    tree: LoadedTree
    stack: str
    reached: tuple[Path, ...]
    sourced: tuple[tuple[Path, ParsedDirectory], ...]


@record(frozen=True)
class DirectoryResult:
    """A scanned directory: what parsing it gave, and its local module calls (None: it has no module file)."""

    parsed: ParsedDirectory
    calls: tuple[Path, ...] | None
    facts: dict[Fact, str] = field(default_factory=dict, compare=False)  # what the entry recorded (not stored)


class ResultStore(Protocol):
    """The result cache as the loader uses it: a result is given back only while its inputs are unchanged."""

    stale: bool  # an entry was found whose inputs changed (the parse cache is written from then on)

    def root(self, directory: Path, known: Container[Path] = ()) -> RootResult | None: ...

    def put_root(self, directory: Path, recorder: Recorder, result: RootResult) -> None: ...

    def directory_result(self, directory: Path, kind: str) -> DirectoryResult | None: ...

    def put_directory(self, directory: Path, kind: str, recorder: Recorder, result: DirectoryResult) -> None: ...

    def flush(self) -> None: ...

    def prune(self) -> None: ...

    def setup(self) -> tuple[str, str, str, bytes]: ...

    def wrote(self, count: int) -> None: ...
