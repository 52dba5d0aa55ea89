"""Root modules: which directories are roots (those nothing scanned calls, and the callers elsewhere in the
repository of those named), each loaded with everything it calls, in this process or a worker's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ownlint.loaders.terraform.backends import OutlineFunction
from ownlint.loaders.terraform.callers import repository_callers
from ownlint.loaders.terraform.directories import ModuleLoader
from ownlint.loaders.terraform.evaluate import Binding
from ownlint.loaders.terraform.instances import ModuleTree
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.model import LoadProblem, Resource


@dataclass(frozen=True)
class LoadedTree:
    """What a loaded root module gives: its resources, problems and notes."""

    resources: list[Resource]
    problems: list[LoadProblem]
    notes: list[str]


def roots_of(
    calls: Mapping[Path, list[Path] | None], outline: OutlineFunction, max_bytes: int, context: Iterable[str] | None
) -> list[Path]:
    """The root modules to load: those elsewhere in the repository that call a scanned directory, then
    the scanned directories nothing calls (``calls``: each one's local module calls, None without any)."""
    found = repository_callers(calls, context, outline, max_bytes)
    return [*found.roots, *(d for d, called in calls.items() if d not in found.called and called is not None)]


def load_roots(
    loader: ModuleLoader,
    scanned: list[Path],
    roots: list[Path],
    overrides: list[tuple[str, Binding]],
    reached: set[Path],
    evaluated: Callable[[Sequence[Path]], None] | None = None,
) -> tuple[list[LoadedTree], dict[Path, str]]:
    trees: list[LoadedTree] = []
    stacks: dict[Path, str] = {}
    pending = list(roots)
    while True:
        if not pending:  # directories only reachable through a call cycle are roots too
            pending = [d for d in scanned if d not in reached and loader.source(d) is not None][:1]
            if not pending:
                return trees, stacks
        directory = pending.pop(0)
        source = loader.source(directory)
        if source is None:
            continue
        tree = ModuleTree(
            loader.resolver_for(directory, reached), taggable_index(), repository=loader.repository, parse=loader.parse
        )
        tree.load_root(source, source.path, overrides)
        trees.append(LoadedTree(tree.resources, tree.problems, tree.notes))
        stacks[directory] = source.path
        reached.add(directory)
        if evaluated is not None:
            evaluated((directory,))
