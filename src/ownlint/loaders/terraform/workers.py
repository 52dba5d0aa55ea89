"""Loading root modules in worker processes (``--jobs``): imported only by runs that use them.

The workers parse the scanned directories in full; the root modules are found from their module calls, and
each is then loaded in the worker that already holds most of what it calls. The calling loader ends up
holding what a run in one process would: the files seen, their problems and suppressions, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownlint.loaders.terraform.backends import outline_for, parser_for, resolve_backend
from ownlint.loaders.terraform.cache import ParseCache
from ownlint.loaders.terraform.directories import ModuleLoader, ParsedDirectory
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.loaders.terraform.loaded import ResultStore
from ownlint.loaders.terraform.probes import Recorder, recording
from ownlint.loaders.terraform.resident import Resident
from ownlint.loaders.terraform.results import ResultCache
from ownlint.loaders.terraform.roots import Forecast, LoadedTree, directory_calls, load_roots, roots_of
from ownlint.model import Progress
from ownlint.parallel import counter

if TYPE_CHECKING:  # the evaluator: a warm run with workers replays every root and never needs it
    from typing import TypeAlias

    from ownlint.loaders.terraform.evaluate import Binding

    _RootTask: TypeAlias = tuple["WorkerSetup", str, list[tuple[str, Binding]], tuple[str, ...]]


@dataclass(frozen=True)
class Worth:
    """When work is worth the workers: forking them and sending models back costs ~50 ms, so a phase whose
    directories hold fewer than ``minimum`` Terraform files (``sizes``; 1 for one outside the scan) runs in
    this process (one file changed since a warm run: its directory and the roots that reach it)."""

    sizes: dict[Path, int]
    minimum: int

    def __call__(self, directories: Iterable[Path]) -> bool:
        """Whether the work on ``directories`` is worth the workers."""
        return sum(self.sizes.get(d, 1) for d in directories) >= self.minimum


@dataclass(frozen=True)
class WorkerSetup:
    root: str
    repository: str
    parser: str
    cache_dir: str | None
    max_bytes: int
    results: tuple[str, str, str, bytes] | None = None  # the result cache (checked by the calling process)


def roots_in_processes(
    loader: ModuleLoader,
    scanned: list[Path],
    overrides: list[tuple[str, Binding]],
    inputs: TerraformInputs,
    jobs: int,
    worth: Worth,
    context: Iterable[str] | None = None,
    read: Callable[[Sequence[Path]], None] | None = None,
    progress: Progress | None = None,
    beside: Callable[[], None] | None = None,
) -> tuple[list[LoadedTree], dict[Path, str]]:
    """``_roots_here`` spread over processes kept for both phases: the workers parse the scanned directories
    (their local module calls give the root modules, found here), then each root is loaded in the worker
    that already parsed what it reaches, where it can. ``loader`` ends up holding what the sequential run's
    loader would: files seen, problems, suppressions. Progress comes back with each chunk the workers
    finish (``read``: directories parsed; ``progress``: roots loaded). ``beside`` is called when the workers
    start (none start for a run that replays its roots, or for little work)."""
    cache_dir = str(loader.parse_cache.directory) if loader.parse_cache is not None else None  # checked here
    setup = WorkerSetup(
        str(loader.root), str(loader.repository), inputs.parser, cache_dir, loader.max_bytes, _setup_of(loader.results)
    )
    workers: Resident[Any, Any] = Resident(min(jobs, len(scanned)), finish=_flush, beside=beside)
    try:
        found = _phases(loader, workers, setup, scanned, overrides, inputs, worth, context, read, progress)
        workers.close()  # each worker writes its result entries as it ends
        _flush()  # and so does what ran here
    except BaseException:  # Ctrl-C, SIGTERM, or a failure in a worker's work: stop the others now
        workers.stop()
        raise
    finally:
        _WORKER_LOADERS.clear()  # filled here for a phase too small for workers: never kept past this run
    return found


def _phases(
    loader: ModuleLoader,
    workers: Resident[Any, Any],
    setup: WorkerSetup,
    scanned: list[Path],
    overrides: list[tuple[str, Binding]],
    inputs: TerraformInputs,
    worth: Worth,
    context: Iterable[str] | None,
    read: Callable[[Sequence[Path]], None] | None,
    progress: Progress | None,
) -> tuple[list[LoadedTree], dict[Path, str]]:
    results = loader.results
    known = {d: results.directory_result(d, "directory") for d in scanned} if results is not None else {}
    pending = [d for d in scanned if known.get(d) is None]
    on_parsed = None if read is None else lambda chunk, _: read([Path(d) for _, d in chunk])
    count = workers.jobs  # neighbouring directories (a root and its modules) to one worker
    blocks = [index * count // len(pending) for index in range(len(pending))]
    listed = iter(
        workers.run(
            _directory_calls, [(setup, str(d)) for d in pending], blocks, on_chunk=on_parsed, here=not worth(pending)
        )
    )
    holder = dict(zip(pending, workers.ran, strict=True))  # the worker that holds each directory's model
    calls: dict[Path, list[Path] | None] = {}
    first: dict[Path, ParsedDirectory] = {}  # the scanned directories, parsed first as in one process
    for directory in scanned:
        replayed = known.get(directory)
        if replayed is None:
            listed_calls, first[directory] = next(listed)
            calls[directory] = None if listed_calls is None else [Path(c) for c in listed_calls]
        else:
            first[directory] = replayed.parsed
            calls[directory] = None if replayed.calls is None else list(replayed.calls)
    roots = roots_of(calls, outline_for(inputs.parser), loader.max_bytes, context)
    cached = {d: results.root(d, first) for d in roots} if results is not None else {}  # decoded once: first
    todo = [d for d in roots if cached.get(d) is None]
    forecast = Forecast(calls, todo)
    evaluated = counter(progress, "evaluating root modules", len(roots))
    releasing = [[str(d) for d in holder if not forecast.waiting.get(d)] for _ in range(workers.jobs)]

    def prepare(worker: int, tasks: list[_RootTask]) -> list[_RootTask]:
        """The directories no root to come reaches are dropped by ``worker`` with its next chunk."""
        if worker < 0 or not releasing[worker]:
            return tasks
        release, releasing[worker] = tuple(releasing[worker]), []
        return [(*tasks[0][:3], release), *tasks[1:]]

    def on_roots(tasks: list[_RootTask], done: list[_RootDone]) -> None:
        for root_done in done:
            freed = forecast.done(Path(root_done.directory), map(Path, root_done.reached))
            for waiting in releasing:
                waiting.extend(map(str, freed))
        if evaluated is not None:
            evaluated(tasks)

    tasks: list[_RootTask] = [(setup, str(d), overrides, ()) for d in todo]
    homes = _homes(todo, forecast, holder, workers.jobs)
    here = not worth(forecast.waiting or todo)  # the directories the roots to evaluate reach
    computed = iter(workers.run(_load_root_directories, tasks, homes, prepare, on_roots, here))
    trees: list[LoadedTree] = []
    stacks: dict[Path, str] = {}
    reached: set[Path] = set()
    parsed: dict[Path, ParsedDirectory] = {}
    for directory in roots:
        entry = cached.get(directory)
        if entry is None:
            done = next(computed)
            for sourced, found in done.parsed.items():
                parsed.setdefault(Path(sourced), found)
            reached.update(map(Path, done.reached))
            if loader.parse_cache is not None:
                loader.parse_cache.written += done.cached  # so that the cache is pruned when it grew
            tree, stack = done.tree, done.stack
        else:  # replayed: its paths are the entry's, as load_roots adds the root itself
            for sourced_path, found in entry.sourced:
                parsed.setdefault(sourced_path, found)
            reached.update(entry.reached)
            reached.add(directory)
            tree, stack = entry.tree, entry.stack
            if evaluated is not None:
                evaluated((directory,))  # done as well
        if tree is not None:
            trees.append(tree)
            stacks[directory] = stack
    if results is not None:
        results.wrote(len(pending) + len(todo))  # by the workers: pruned here
    for found in [*first.values(), *(f for d, f in parsed.items() if d not in first)]:
        loader.seen.extend(found.seen)  # the scanned directories first, then the others as the roots reached them
        loader.problems.extend(found.problems)
        loader.suppressions.update(found.suppressions)
    # directories only reachable through a call cycle: rare, loaded here as the sequential run does
    candidates = [d for d in scanned if calls[d] is not None]
    for directory, found in [*first.items(), *parsed.items()]:
        loader.parsed.setdefault(directory, found)  # reported above: not again
    unreached = [d for d in candidates if d not in reached]
    if unreached:
        more_trees, more_stacks = load_roots(loader, candidates, unreached[:1], overrides, reached)
        trees.extend(more_trees)
        stacks.update(more_stacks)
    return trees, stacks


def _homes(todo: list[Path], forecast: Forecast, holder: dict[Path, int], workers: int) -> list[int]:
    """The worker each root goes to: among those not yet given more than their share of the work (the
    files a root reaches), the one holding most of what it reaches (parsed there, or by roots sent there)."""
    if workers == 0:
        return [-1] * len(todo)
    reach = {r: forecast.closures.get(r) or {r} for r in todo}
    share = 1.1 * sum(len(c) for c in reach.values()) / workers
    load = [0] * workers
    held: list[set[Path]] = [set() for _ in range(workers)]
    for directory, worker in holder.items():
        if worker >= 0:
            held[worker].add(directory)
    homes = []
    for root in todo:
        closure = reach[root]
        open_workers = [w for w in range(workers) if load[w] + len(closure) <= share] or list(range(workers))
        best = max(open_workers, key=lambda w: (len(closure & held[w]), -load[w]))
        homes.append(best)
        load[best] += len(closure)
        held[best] |= closure
    return homes


def _setup_of(results: ResultStore | None) -> tuple[str, str, str, bytes] | None:
    return results.setup() if results is not None else None


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


def _directory_calls(
    tasks: list[tuple[WorkerSetup, str]],
) -> list[tuple[list[str] | None, ParsedDirectory]]:
    """A chunk of directories parsed: each one's local module calls (None: no module file) and what
    parsing it gave; the models stay in this worker for the roots that reach them."""
    results: list[tuple[list[str] | None, ParsedDirectory]] = []
    for setup, directory in tasks:
        loader = _worker_loader(setup)
        calls = directory_calls(loader, Path(directory))
        results.append((None if calls is None else [str(c) for c in calls], loader.parsed[Path(directory)]))
    return results


def _load_root_directories(tasks: list[_RootTask]) -> list[_RootDone]:
    """A chunk of root modules, each loaded with everything it calls (after dropping the models of the
    directories that the task names: no root to come reaches them)."""
    results = []
    for setup, directory, overrides, release in tasks:
        loader = _worker_loader(setup)
        loader.release(map(Path, release))
        written = loader.parse_cache.written if loader.parse_cache is not None else 0
        reached: set[Path] = set()
        with recording(Recorder()) as recorder:  # every directory the root sources, in order
            trees, stacks = load_roots(loader, [], [Path(directory)], overrides, reached)
        parsed = {str(d): loader.parsed[d] for d in recorder.sourced if d in loader.parsed}
        stack = stacks.get(Path(directory), "")
        cached = (loader.parse_cache.written if loader.parse_cache is not None else 0) - written
        tree = trees[0] if trees else None
        results.append(_RootDone(directory, stack, tree, parsed, tuple(map(str, reached)), cached))
    return results


def _flush() -> None:
    """Write the result cache entries held (once per process at the end of the load: a flush per chunk
    rewrote every pack again and again, and made ``--jobs 2`` slower than one process)."""
    for loader in _WORKER_LOADERS.values():
        if loader.results is not None:
            loader.results.flush()
