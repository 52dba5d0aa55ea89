"""Reading a run: discover the files named (and the context around them) -> choose the one config -> load
Terraform and Kubernetes -> inherit ownership from parents -> CODEOWNERS, suppressions, notes and the scope
of what was named: a ``Loaded``."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint.collector import uncollected
from ownlint.config import Config, config_at_ref, config_top, find_config, load_config
from ownlint.errors import OwnlintError
from ownlint.inputs import STDIN, Inputs
from ownlint.loaders.discovery import Discovered, discover
from ownlint.loaders.files import one_run, parent_of, real_parents, relative, resolved
from ownlint.model import FileOwners, LoadProblem, LoadResult, Progress, Resource, Suppression
from ownlint.parallel import MIN_PARALLEL_FILES, Beside, settle, stack_depth
from ownlint.pipeline.inherit import inherit_ownership
from ownlint.pipeline.namespaces import inherit_namespaces
from ownlint.pipeline.scope import Located, Scope
from ownlint.records import record
from ownlint.report.notes import plan_like_note, skipped_notes
from ownlint.rules import KNOWN_IDS
from ownlint.suppressions import apply as suppress
from ownlint.vcs.tree import repository_top

if TYPE_CHECKING:
    from ownlint.config import CodeOwners
    from ownlint.config.load import Compose
    from ownlint.loaders.kubernetes.documents import Manifest
    from ownlint.loaders.kubernetes.helm import HelmRun
    from ownlint.loaders.terraform.outline_cache import OutlineStore


@record(frozen=True)
class Loaded:
    """Everything read from disk for one run."""

    config: Config
    result: LoadResult
    notes: tuple[str, ...]
    codeowners: Mapping[str, FileOwners] = field(default_factory=dict)
    root: Path = Path(".")
    suppressions: tuple[Suppression, ...] = ()
    changed: frozenset[str] = frozenset()  # files named one by one: only their findings are reported
    scope: Scope = field(default_factory=Scope)  # what was named: the rest was read as context
    progress: Progress | None = field(default=None, compare=False)  # the run's, for the rules' part

    @property
    def resources(self) -> tuple[Resource, ...]:
        return self.result.resources

    def named_resources(self) -> list[Resource]:
        """The resources of what was named, without those only read as context (a named module's callers)."""
        located = Located(self.scope, self.resources, self.result.problems)
        return [r for r in self.resources if located.holds(r)]


# young objects collected 14x less often: a run keeps what it loads to its end, and the default (700)
# spent a quarter of a cold check's CPU on 9k manifests (issue 20), for the same peak memory
GC_THRESHOLDS = (10_000, 10, 10)


def load(inputs: Inputs, config: Config | None = None) -> Loaded:
    """Everything a run reads; ``config``: the one already loaded (``--diff-base`` checks its base with it)."""
    with one_run():  # paths looked up once per directory for the run, not kept for the next
        return _load(inputs, config)


def _load(inputs: Inputs, config: Config | None) -> Loaded:
    settle()  # an earlier run's workers, still writing the cache entries this run may read
    gc.set_threshold(*GC_THRESHOLDS)  # before workers are forked: they inherit it
    paths, stdin_text = inputs.paths, inputs.stdin_text
    file_paths = [Path(p) for p in paths if p != STDIN]
    if STDIN in paths and stdin_text is None:
        raise OwnlintError("'-' given but no standard input was read")
    root = Path(inputs.root) if inputs.root is not None else None
    found = discover(file_paths, root) if file_paths else Discovered(root=Path("."))
    store: OutlineStore | None = None
    beside: Beside[_Read] | None = None
    try:
        store = _store(inputs, found)  # first: the files it knows are stat'ed meanwhile (``stat_ahead``)
        config = config or choose_config(inputs, file_paths, found.root)
        stdin = stdin_text if STDIN in paths else None
        beside = _manifests_beside(inputs, config, found, stdin)
        terraform = _terraform(inputs, found, store, beside.start if beside is not None else None)
        with uncollected():  # what it sent is built here, to live to the end: frozen, as a load here freezes it
            read_beside = beside.result() if beside is not None else None
    finally:
        try:
            if store is not None:  # (first: a Ctrl-C held meanwhile is delivered as ``beside`` stops)
                store.close()
        finally:
            if beside is not None:
                beside.stop()
    if read_beside is not None and inputs.progress is not None:
        inputs.progress("reading manifests", len(found.manifests), len(found.manifests))
    kubernetes, kubernetes_files, chart_problems = read_beside or _kubernetes(inputs, config, found, stdin)
    if store is not None:
        store.save()
    result = LoadResult(
        resources=inherit_ownership(config, inherit_namespaces(terraform.resources + kubernetes.resources)),
        problems=tuple(found.problems) + terraform.problems + kubernetes.problems + chart_problems,
        files=terraform.files + kubernetes_files,
    )
    settings = config.codeowners
    codeowners, owner_notes = _codeowners(found.root, settings, result.files) if settings is not None else ({}, ())
    config_file = shown_config(config, found.root)
    inline, ignored = suppress.allowed((*terraform.suppressions, *kubernetes.suppressions), inputs.inline_suppressions)
    suppressions = (*inline, *suppress.waivers(config, config_file))
    plans = plan_like_note(found, inputs.terraform.plans)
    config_given = inputs.config is not None or inputs.config_ref is not None
    skipped = skipped_notes(file_paths, found, kubernetes, config_given, STDIN in inputs.paths)
    notes = (*skipped, *plans, *terraform.notes, *kubernetes.notes, *owner_notes, *ignored)
    changed = frozenset(relative(found.root, p) for p in found.changed)
    plan_files = [Path(p) for p in inputs.terraform.plans]
    scope = Scope.named(found.root, found.changed, found.directories, config_file, plan_files)
    return Loaded(config, result, notes, codeowners, found.root, suppressions, changed, scope, inputs.progress)


def _store(inputs: Inputs, found: Discovered) -> OutlineStore | None:
    """What earlier runs learnt of the repository context comes from (its directories' entries, the local paths
    its files name), kept in the user's cache directory; None without that context or a cache."""
    if found.listing is None or inputs.terraform.cache_dir is None:
        return None
    from ownlint.loaders.terraform.outline_cache import open_store

    store = open_store(Path(inputs.terraform.cache_dir), found.listing.root)
    if store is not None:
        found.listing.remember(store)
        if found.terraform_context is not None and _callers_sought(found.terraform, inputs.max_file_bytes):
            store.stat_ahead()
    return store


def _callers_sought(files: list[Path], max_bytes: int) -> bool:
    """Whether the directory of a named Terraform file may be a module, whose callers are then sought in the whole
    repository (a root file's check stats nothing ahead: ``surely_root``)."""
    from ownlint.loaders.terraform.callers import surely_root

    return any(not surely_root(directory, max_bytes) for directory in dict.fromkeys(_directories(files)))


_Read = tuple[LoadResult, tuple[str, ...], tuple[LoadProblem, ...]]  # what ``_kubernetes`` gives


def _manifests_beside(inputs: Inputs, config: Config, found: Discovered, stdin: str | None) -> Beside[_Read] | None:
    """The manifests, read in a process of their own (``--jobs 1`` there) once Terraform's workers start: a
    cold run of a big repository then reads them while its root modules are evaluated, not after (cold, 2 CPUs,
    interleaved pairs: est-d -4%, cloud-foundation-fabric -7%, MoJ -1% wall). Not for a few manifests, nor
    beside Helm charts (rendered here)."""
    if inputs.jobs <= 1 or len(found.manifests) < MIN_PARALLEL_FILES or found.helm_templates:
        return None
    alone = replace(inputs, jobs=1, progress=None)  # no bar drawn from two processes
    return Beside(partial(_kubernetes, alone, config, found, stdin), stack_depth() - 1)  # called from ``_load``


def _terraform(
    inputs: Inputs, found: Discovered, store: OutlineStore | None, beside: Callable[[], None] | None = None
) -> LoadResult:
    """The Terraform of the run and the terragrunt units on its path; their loaders are imported only when
    there is something for them to read (a pre-commit run of manifests never imports the HCL parser).
    ``beside``: called if Terraform's workers start."""
    directory_of = _directories(found.terraform)  # resolved once: thousands of files
    modules = frozenset(directory_of)  # a named module file: units may use it
    grunt: tuple[LoadResult, tuple[str, ...]] = (LoadResult(), ())
    instantiated: set[Path] = set()  # by a unit: not also a root module with its defaults
    if found.terragrunt or (modules and any(True for _ in found.terragrunt_context)):
        from ownlint.loaders.terraform.terragrunt.load import read_units

        context = found.terragrunt_context
        units = read_units(found.root, found.terragrunt, inputs.terraform, inputs.max_file_bytes, context, modules)
        instantiated = units.module_directories
        grunt = (units.load(), units.files)
    terraform = LoadResult()
    if found.terraform or inputs.terraform.plans:
        from ownlint.loaders.terraform.load import load_terraform

        terraform = load_terraform(
            found.root,
            [f for f, d in zip(found.terraform, directory_of, strict=True) if d not in instantiated]
            if instantiated
            else list(found.terraform),
            inputs.terraform,
            inputs.jobs,
            inputs.max_file_bytes,
            found.terraform_context,
            inputs.progress,
            store,
            beside,
        )
    return _with_units(terraform, *grunt, found)


def _directories(files: list[Path]) -> list[Path]:
    """Each file's real directory (``resolved(file).parent``), in order: one ``Path`` per directory, not per file,
    and no file's ``Path`` hashed (pathlib makes a hash on first use, through an AttributeError it catches)."""
    parent = parent_of()
    made: dict[str, Path] = {}
    found: list[Path] = []
    for file, real in zip(files, real_parents(map(str, files)), strict=True):
        if real is None:  # a link on its way: resolved as ``Path.resolve`` does (a loop is an error)
            found.append(parent(resolved(file)))
        else:
            directory = made.get(real)
            found.append(directory if directory is not None else made.setdefault(real, Path(real)))
    return found


def _kubernetes(
    inputs: Inputs, config: Config, found: Discovered, stdin: str | None
) -> tuple[LoadResult, tuple[str, ...], tuple[LoadProblem, ...]]:
    """The manifests of the run and the charts rendered: their result, the files that count as checked, and the
    charts' problems; the Kubernetes loaders are imported only when there is something for them to read."""
    rendered: Sequence[Manifest] = ()
    problems: tuple[LoadProblem, ...] = ()
    if found.helm_templates:
        from ownlint.loaders.kubernetes.helm import render_charts

        charts = render_charts(found.root, found.helm_templates, _helm(inputs, config, found.root), found.manifests)
        found.helm_templates = [t for t in found.helm_templates if t not in charts.covered]
        problems = tuple(charts.problems)
        rendered = charts.manifests
    if not found.manifests and stdin is None and not rendered:
        return LoadResult(), (), problems
    from ownlint.loaders.kubernetes.load import load_kubernetes, manifests_read

    kubernetes = load_kubernetes(
        found.root,
        found.manifests,
        stdin,
        found.namespace_context,
        inputs.jobs,
        inputs.max_file_bytes,
        inputs.progress,
        rendered,
        inputs.terraform.cache_dir,
        found.kustomize_context,
        found.context_top,
    )
    return kubernetes, manifests_read(kubernetes), problems


def _codeowners(
    root: Path, settings: CodeOwners, files: tuple[str, ...]
) -> tuple[Mapping[str, FileOwners], tuple[str, ...]]:
    from ownlint.loaders.codeowners import load_codeowners  # only when the config asks for CODEOWNERS

    return load_codeowners(root, settings, files)


def _helm(inputs: Inputs, config: Config, root: Path) -> HelmRun | None:
    """How Helm charts are rendered: the helm the command line found, the values files the config names
    (from the top of the repository), or None without helm."""
    if inputs.helm is None:
        return None
    from ownlint.loaders.kubernetes.helm import HelmRun

    top = repository_top(root) or root
    values = {(top / c).resolve(): tuple(top / f for f in files) for c, files in config.helm_values.items()}
    return HelmRun(inputs.helm, max_bytes=inputs.max_file_bytes, values=values)


def _with_units(terraform: LoadResult, grunt: LoadResult, read: tuple[str, ...], found: Discovered) -> LoadResult:
    """Terraform's result with the terragrunt units'; the ``.hcl`` files they read are not noted as skipped."""
    found.not_terraform = [p for p in found.not_terraform if relative(found.root, p) not in read]
    if not grunt.files and not grunt.problems:
        return terraform
    return LoadResult(
        resources=terraform.resources + grunt.resources,
        problems=terraform.problems + grunt.problems,
        notes=terraform.notes + grunt.notes,
        files=tuple(dict.fromkeys((*terraform.files, *grunt.files))),
        suppressions=terraform.suppressions + grunt.suppressions,
    )


def choose_config(inputs: Inputs, paths: list[Path], root: Path) -> Config:
    """One config per run: ``--config``, ``--config-from-ref``, or the one at the top of the repository."""
    if inputs.config is not None and inputs.config_ref is not None:
        raise OwnlintError("give --config or --config-from-ref, not both")
    if inputs.config is not None:
        path = Path(inputs.config)
        if not path.is_file():
            raise OwnlintError(f"{inputs.config}: config file not found")
        return load_config(path, KNOWN_IDS, compose=_composer(inputs, root))
    if inputs.config_ref is not None:
        top = config_top(paths, root)
        if repository_top(top) is None:
            raise OwnlintError(f"--config-from-ref: {top} is not in a git repository")
        return config_at_ref(inputs.config_ref, top, KNOWN_IDS, inputs.environ)
    return load_config(find_config(paths, root), KNOWN_IDS, compose=_composer(inputs, root))


def _composer(inputs: Inputs, root: Path) -> Compose | None:
    """The config's composition remembered in the user's cache directory (a warm run imports no YAML parser)."""
    if inputs.terraform.cache_dir is None:
        return None
    from ownlint.loaders.config_cache import remembered

    return remembered(inputs.terraform.cache_dir, repository_top(root) or root)


def config_name(config: Config) -> str:
    """The config as the report names it: a file's absolute path, else its name (``preset hybrid-it``)."""
    return os.path.realpath(config.source) if Path(config.source).is_file() else config.source


def shown_config(config: Config, root: Path) -> str:
    """The config file as findings show it (relative to the scan root), or the preset's name."""
    source = Path(config.source)
    return relative(root, source) if source.is_file() else config.source


def repository_base(root: Path) -> str:
    """The scan root relative to its repository (the nearest ``.git`` above it), as a prefix: ``infra/``."""
    resolved = root.resolve()
    top = repository_top(resolved) or resolved
    relative_root = resolved.relative_to(top).as_posix()
    return "" if relative_root == "." else f"{relative_root}/"
