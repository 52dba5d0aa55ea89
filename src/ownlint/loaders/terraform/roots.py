"""Root modules: which directories are roots (those nothing scanned calls, and the callers elsewhere in the
repository of those named), each loaded with everything it calls, in this process or a worker's.

A module nothing in the scan calls is evaluated as a root only when it shows that Terraform runs in it
(``root_marker``); otherwise it is a library, whose inputs depend on a caller the scan does not have."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint.loaders.terraform import probes
from ownlint.loaders.terraform.backends import OutlineFunction
from ownlint.loaders.terraform.callers import repository_callers
from ownlint.loaders.terraform.directories import ModuleLoader, ModuleSource
from ownlint.loaders.terraform.loaded import DirectoryResult, RootResult
from ownlint.loaders.terraform.loaded import LoadedTree as LoadedTree

if TYPE_CHECKING:
    from ownlint.loaders.terraform.evaluate import Binding

# Files beside a module that say Terraform runs in that directory (a caller would ignore all of them).
_ROOT_FILES = (".terraform.lock.hcl", ".terraform", "terragrunt.hcl")
_VARIABLE_FILES = (".tfvars", ".tfvars.json")


def _is_library(source: ModuleSource, overrides: Sequence[tuple[str, Binding]]) -> bool:
    """A module with inputs and no root marker (values given on the command line say it is run as a root;
    without variables a library evaluates as a root does)."""
    declares = any(b.type == "variable" for hcl in source.files for b in hcl.blocks)
    return declares and not overrides and root_marker(source) is None


def root_marker(source: ModuleSource) -> str | None:
    """Why ``source`` is a root module (a provider configuration, a backend, variable files, a lock file,
    a terragrunt unit), or None: a library, made only of variables, resources, outputs and module calls."""
    for hcl in source.files:
        for block in hcl.blocks:
            if block.type == "provider":
                return f"provider configuration ({hcl.path}:{block.line})"
            if block.type == "terraform" and any(b.type in ("backend", "cloud") for b in block.blocks):
                return f"backend ({hcl.path}:{block.line})"
    if source.tfvars:
        return f"variable file {source.tfvars[0].path}"
    convention = _run_by_convention(source.path)
    if convention is not None:
        return convention
    names = _names(source.directory)
    if names is None:
        return None
    return next((name for name in names if name in _ROOT_FILES or name.endswith(_VARIABLE_FILES)), None)


def _names(directory: Path) -> list[str] | None:
    """What ``directory`` holds (None: it cannot be listed), heard."""
    try:
        names: list[str] | None = sorted(entry.name for entry in directory.iterdir())
    except OSError:
        names = None
    probes.heard("names", str(directory), json.dumps(names))
    return names


@probes.probe("names")
def _names_probe(context: probes.ProbeContext, path: str) -> str:
    try:
        return json.dumps(sorted(entry.name for entry in Path(path).iterdir()))
    except OSError:
        return json.dumps(None)


def _run_by_convention(path: str) -> str | None:
    """The registry's layout: ``examples/*`` are roots a user runs, ``test(s)/fixtures/*`` roots a test
    harness (terratest, kitchen-terraform) runs; they often configure no provider (the environment does)."""
    parts = path.replace("\\", "/").split("/")
    if "examples" in parts[:-1]:
        return f"an example ({path})"
    if any(a in ("test", "tests") and b == "fixtures" for a, b in itertools.pairwise(parts)):
        return f"a test fixture ({path})"
    return None


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
    calls: Mapping[Path, list[Path] | None] | None = None,
) -> tuple[list[LoadedTree], dict[Path, str]]:
    """Evaluate ``roots`` in order, then what only a call cycle reaches. ``calls`` (each scanned directory's
    local module calls) says which directories the roots still to come reach: a directory's model is
    dropped once none does (with it, a run holds every model and every resource at once)."""
    trees: list[LoadedTree] = []
    stacks: dict[Path, str] = {}
    pending = list(roots)
    forecast = Forecast(calls or {}, roots)
    while True:
        if not pending:  # directories only reachable through a call cycle are roots too
            pending = [d for d in scanned if d not in reached and loader.source(d) is not None][:1]
            if not pending:
                return trees, stacks
        directory = pending.pop(0)
        results = loader.results
        loaded = results.root(directory, loader.parsed) if results is not None else None
        if loaded is not None:
            for parsed_directory, parsed in loaded.sourced:
                loader.replay(parsed_directory, parsed)
        else:
            with probes.recording(probes.Recorder(), wanted=results is not None) as recorder:
                loaded = _load_root(loader, directory, overrides, recorder)
            if loaded is not None and results is not None and not any(p.whole_root for p in loaded.tree.problems):
                results.put_root(directory, recorder, loaded)  # (a budget's clock may stop an evaluation)
        loader.release(forecast.done(directory, loaded.reached if loaded is not None else ()))
        if loaded is None:
            continue
        trees.append(loaded.tree)
        stacks[directory] = loaded.stack
        reached.update(loaded.reached)
        reached.add(directory)
        if evaluated is not None:
            evaluated((directory,))


class Forecast:
    """Which of the scanned directories the roots still to evaluate reach, by their local module calls;
    the others (reached only through a remote source, or outside the scan) are never dropped, nor is
    anything when a root lies outside the scan (its calls are not known: a caller of a named module)."""

    def __init__(self, calls: Mapping[Path, list[Path] | None], roots: Sequence[Path]) -> None:
        self.calls = calls if all(r in calls for r in roots) and len(set(roots)) == len(roots) else {}
        self.waiting: dict[Path, int] = {}  # directory -> how many roots to come reach it
        self.closures: dict[Path, set[Path]] = {}
        for root in roots:
            closure = self.closure(root)
            self.closures[root] = closure
            for directory in closure:
                self.waiting[directory] = self.waiting.get(directory, 0) + 1

    def closure(self, root: Path) -> set[Path]:
        """``root`` and the directories its local calls reach, transitively through the scanned ones."""
        found: set[Path] = set()
        stack = [root]
        while stack:
            directory = stack.pop()
            if directory in found:
                continue
            found.add(directory)  # one outside the scan too (where a root is sent), but not what it calls
            stack.extend(self.calls.get(directory) or ())
        return found

    def done(self, root: Path, reached: Iterable[Path]) -> list[Path]:
        """The directories no root to come reaches, now that ``root`` is evaluated (it reached ``reached``)."""
        for directory in self.closures.pop(root, set()):
            self.waiting[directory] -= 1
        return [d for d in (root, *reached) if d in self.calls and self.waiting.get(d, 0) == 0]


def _load_root(
    loader: ModuleLoader, directory: Path, overrides: list[tuple[str, Binding]], recorder: probes.Recorder
) -> RootResult | None:
    """Evaluate one root module with everything it calls (None: ``directory`` holds no module file)."""
    from ownlint.loaders.terraform.instances import ModuleTree  # the evaluator: not for roots the cache answers
    from ownlint.loaders.terraform.taggable import taggable_index

    source = loader.source(directory)
    if source is None:
        return None
    library = _is_library(source, overrides)
    reached: set[Path] = set()
    tree = ModuleTree(
        loader.resolver_for(directory, reached), taggable_index(), repository=loader.repository, parse=loader.parse
    )
    tree.load_root(source, source.path, overrides, library)
    loaded = LoadedTree(tree.resources, tree.problems, tree.notes, source.path if library else None)
    sourced = tuple((d, loader.parsed[d]) for d in recorder.sourced)
    return RootResult(loaded, source.path, tuple(sorted(reached)), sourced)


def directory_calls(loader: ModuleLoader, directory: Path) -> list[Path] | None:
    """A scanned directory's local module calls (None: no module file): parsed, or replayed from the result cache."""
    results = loader.results
    found = results.directory_result(directory, "directory") if results is not None else None
    if found is not None:
        loader.replay(directory, found.parsed, None if found.calls is not None else found.facts)
        return None if found.calls is None else list(found.calls)
    with probes.recording(probes.Recorder(), wanted=results is not None) as recorder:
        calls = loader.local_calls(directory) if loader.source(directory) is not None else None
    if results is not None:
        result = DirectoryResult(loader.parsed[directory], None if calls is None else tuple(calls))
        results.put_directory(directory, "directory", recorder, result)
    return calls
