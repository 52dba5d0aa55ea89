"""Loading root modules in worker processes (``--jobs``): imported only by runs that use them.

The root modules are found here from outlines of the files that can call a module; each is then
loaded in a worker with everything it calls. The calling loader ends up holding what a run in one
process would: the files seen, their problems and suppressions, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ownlint.loaders.terraform.backends import outline_for, parser_for, resolve_backend
from ownlint.loaders.terraform.cache import ParseCache
from ownlint.loaders.terraform.directories import ModuleLoader, ParsedDirectory
from ownlint.loaders.terraform.evaluate import Binding
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.loaders.terraform.loaded import DirectoryResult, ResultStore, RootResult
from ownlint.loaders.terraform.probes import Recorder, recording
from ownlint.loaders.terraform.results import ResultCache
from ownlint.loaders.terraform.roots import LoadedTree, directory_calls, load_roots, roots_of
from ownlint.model import Progress
from ownlint.parallel import counter, run_chunks


@dataclass(frozen=True)
class WorkerSetup:
    root: str
    repository: str
    parser: str
    cache_dir: str | None
    max_bytes: int
    results: tuple[str, str, str] | None = None  # the result cache (checked by the calling process)


def roots_in_processes(
    loader: ModuleLoader,
    scanned: list[Path],
    overrides: list[tuple[str, Binding]],
    inputs: TerraformInputs,
    jobs: int,
    context: Iterable[str] | None = None,
    read: Callable[[Sequence[Path]], None] | None = None,
    progress: Progress | None = None,
) -> tuple[list[LoadedTree], dict[Path, str]]:
    """``_roots_here`` spread over processes: the root modules are found here from outlines of the files
    that can call a module, then each is loaded in a worker with what it calls. ``loader`` ends up
    holding what the sequential run's loader would: files seen, problems, suppressions. Progress comes
    back with each chunk the workers finish (``read``: directories outlined; ``progress``: roots loaded)."""
    cache_dir = str(loader.parse_cache.directory) if loader.parse_cache is not None else None  # checked here
    results = loader.results
    setup = WorkerSetup(
        str(loader.root), str(loader.repository), inputs.parser, cache_dir, loader.max_bytes, _setup_of(results)
    )
    # the caller chose processes by the number of files: every directory and root not replayed goes to the workers
    outlined = None if read is None else lambda chunk: read([Path(d) for _, d in chunk])
    known = {d: results.directory_result(d, "outline") for d in scanned} if results is not None else {}
    pending = [d for d in scanned if known.get(d) is None]
    listed = iter(run_chunks(_directory_calls, [(setup, str(d)) for d in pending], jobs, minimum=1, on_chunk=outlined))
    calls: dict[Path, list[Path] | None] = {}
    for directory in scanned:
        replayed = known.get(directory)
        if replayed is not None:
            calls[directory] = None if replayed.calls is None else list(replayed.calls)
        else:
            listed_calls = next(listed)
            calls[directory] = None if listed_calls is None else [Path(c) for c in listed_calls]
    roots = roots_of(calls, outline_for(inputs.parser), loader.max_bytes, context)
    trees: list[LoadedTree] = []
    stacks: dict[Path, str] = {}
    reached: set[Path] = set()
    parsed: dict[Path, ParsedDirectory] = {}
    cached = {d: results.root(d) for d in roots} if results is not None else {}
    tasks = [(setup, str(d), overrides) for d in roots if cached.get(d) is None]
    evaluated = counter(progress, "evaluating root modules", len(roots))
    computed = iter(run_chunks(_load_root_directories, tasks, jobs, minimum=1, on_chunk=evaluated))
    for directory in roots:
        entry = cached.get(directory)
        done = next(computed) if entry is None else _replayed(directory, entry)
        if entry is not None and evaluated is not None:
            evaluated((directory,))  # replayed: done as well
        parsed.update({Path(d): found for d, found in done.parsed.items()})
        reached.update(Path(r) for r in done.reached)
        if loader.parse_cache is not None:
            loader.parse_cache.written += done.cached  # so that the cache is pruned when it grew
        if done.tree is not None:
            trees.append(done.tree)
            stacks[Path(done.directory)] = done.stack
    if results is not None:
        results.wrote(len(tasks))  # by the workers: pruned here
    # a directory a worker parsed but did not reach has no module files: no need to parse it again here
    no_source = {d for d in parsed if d not in reached}
    for directory in scanned:  # in the order the sequential run parses them; unreached ones parsed here
        found = parsed.pop(directory, None) or _parsed_here(loader, directory)
        loader.seen.extend(found.seen)
        loader.problems.extend(found.problems)
        loader.suppressions.update(found.suppressions)
    for found in parsed.values():  # modules outside the scanned directories, as the roots reached them
        loader.seen.extend(found.seen)
        loader.problems.extend(found.problems)
        loader.suppressions.update(found.suppressions)
    _WORKER_LOADERS.clear()  # filled here only when the pool could not start: not kept past this run
    # directories only reachable through a call cycle: rare, loaded here as the sequential run does
    candidates = [d for d in scanned if d not in no_source]
    unreached = [d for d in candidates if d not in reached and loader.source(d) is not None]
    if unreached:
        more_trees, more_stacks = load_roots(loader, candidates, unreached[:1], overrides, reached)
        trees.extend(more_trees)
        stacks.update(more_stacks)
    return trees, stacks


def _setup_of(results: ResultStore | None) -> tuple[str, str, str] | None:
    return results.setup() if results is not None else None


def _replayed(directory: Path, entry: RootResult) -> _RootDone:
    """A root module's load from the result cache, as a worker would have handed it back."""
    parsed = {str(d): found for d, found in entry.sourced}
    reached = tuple(map(str, (*entry.reached, directory)))  # as load_roots adds the root itself
    return _RootDone(str(directory), entry.stack, entry.tree, parsed, reached, 0)


def _parsed_here(loader: ModuleLoader, directory: Path) -> ParsedDirectory:
    seen, problems = len(loader.seen), len(loader.problems)
    directory_calls(loader, directory)
    del loader.seen[seen:], loader.problems[problems:]  # the caller adds them back in the sequential order
    return loader.parsed[directory]


@dataclass(frozen=True)
class _RootDone:
    directory: str
    stack: str
    tree: LoadedTree | None
    parsed: dict[str, ParsedDirectory]  # by directory, the ones this root made its worker parse first
    reached: tuple[str, ...]
    cached: int  # parse cache entries written


_WORKER_LOADERS: dict[WorkerSetup, ModuleLoader] = {}  # per process: a worker parses each module once


def _worker_loader(setup: WorkerSetup) -> ModuleLoader:
    if setup not in _WORKER_LOADERS:
        backend = resolve_backend(setup.parser)
        cache = ParseCache(Path(setup.cache_dir), backend) if setup.cache_dir else None
        parse = parser_for(setup.parser)
        loader = ModuleLoader(Path(setup.root), parse, Path(setup.repository), cache, setup.max_bytes)
        if setup.results is not None:
            loader.results = ResultCache.in_worker(setup.results, loader.context)
        _WORKER_LOADERS[setup] = loader
    return _WORKER_LOADERS[setup]


def _directory_calls(tasks: list[tuple[WorkerSetup, str]]) -> list[list[str] | None]:
    """A chunk of directories' local module calls (None: no module file)."""
    results: list[list[str] | None] = []
    for setup, directory in tasks:
        loader = _worker_loader(setup)
        with recording(Recorder(), wanted=loader.results is not None) as recorder:
            calls = loader.outline_calls(Path(directory), outline_for(setup.parser))
        if loader.results is not None:
            empty = ParsedDirectory((), (), {})  # (only the calls are used)
            found = DirectoryResult(empty, None if calls is None else tuple(calls))
            loader.results.put_directory(Path(directory), "outline", recorder, found)
        results.append(None if calls is None else [str(c) for c in calls])
    return results


def _load_root_directories(tasks: list[tuple[WorkerSetup, str, list[tuple[str, Binding]]]]) -> list[_RootDone]:
    """A chunk of root modules, each loaded with everything it calls."""
    results = []
    for setup, directory, overrides in tasks:
        loader = _worker_loader(setup)
        known = set(loader.parsed)
        written = loader.parse_cache.written if loader.parse_cache is not None else 0
        reached: set[Path] = set()
        trees, stacks = load_roots(loader, [], [Path(directory)], overrides, reached)
        parsed = {str(d): found for d, found in loader.parsed.items() if d not in known}
        stack = stacks.get(Path(directory), "")
        cached = (loader.parse_cache.written if loader.parse_cache is not None else 0) - written
        tree = trees[0] if trees else None
        results.append(_RootDone(directory, stack, tree, parsed, tuple(map(str, reached)), cached))
    return results
