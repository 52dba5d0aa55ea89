"""Terraform: parse module directories, find the root modules, follow their module calls, fold instances.

A scanned directory is a root module unless another module of the repository calls it with a local
``source``; then its resources are checked as that call instantiates them
(``module.a.module.b.aws_x.y``, with the call's inputs), once per calling root. The callers outside the
scanned directories are found in ``context`` (see ``callers``) and loaded as roots too."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownlint.collector import uncollected
from ownlint.errors import OwnlintError
from ownlint.loaders.files import MAX_FILE_BYTES, parents, read_text, relative, resolved
from ownlint.loaders.terraform.backends import OutlineFunction, outline_for, parser_for, resolve_backend
from ownlint.loaders.terraform.cache import open_cache
from ownlint.loaders.terraform.directories import ModuleLoader, repository_of
from ownlint.loaders.terraform.inputs import TerraformInputs, root_overrides
from ownlint.loaders.terraform.outline_cache import OutlinedFiles, OutlineStore
from ownlint.loaders.terraform.reads import terraform_names
from ownlint.loaders.terraform.results import open_results
from ownlint.loaders.terraform.roots import LoadedTree, directory_calls, load_roots, roots_of
from ownlint.model import LoadProblem, LoadResult, Progress, Resource
from ownlint.parallel import MIN_PARALLEL_TERRAFORM_FILES as MIN_PARALLEL_FILES  # tests lower it here
from ownlint.parallel import after_ending, counter
from ownlint.records import replacer

if TYPE_CHECKING:
    from ownlint.loaders.terraform import expr as m
    from ownlint.loaders.terraform.evaluate import Binding


def load_terraform(
    root: Path,
    files: Iterable[Path],
    inputs: TerraformInputs | None = None,
    jobs: int = 1,
    max_bytes: int = MAX_FILE_BYTES,
    context: Iterable[str] | None = None,
    progress: Progress | None = None,
    outlines: OutlineStore | None = None,
    beside: Callable[[], None] | None = None,
) -> LoadResult:
    """Load every module directory that holds one of ``files``, following module calls from the roots;
    a ``--plan`` (never a plan found in the tree) replaces the resources of its root module that it has.
    ``context``: the repository's other Terraform files, where the callers of a scanned module are found
    (None: the whole repository is scanned); ``outlines``: what earlier runs learnt of those files.
    With ``jobs`` > 1 the files are parsed in that many processes (when there are many); ``beside`` is
    called if they start."""
    with uncollected():
        return _load(root, files, inputs or TerraformInputs(), jobs, max_bytes, context, progress, outlines, beside)


def _load(
    root: Path,
    files: Iterable[Path],
    inputs: TerraformInputs,
    jobs: int,
    max_bytes: int,
    context: Iterable[str] | None,
    progress: Progress | None,
    outlines: OutlineStore | None,
    beside: Callable[[], None] | None = None,
) -> LoadResult:
    directories = sorted(parents(files))
    plan_paths = [Path(p) for p in inputs.plans]
    if not directories and not plan_paths:  # a manifests-only run never imports the HCL parser
        return LoadResult()
    repository = repository_of(root)
    backend = resolve_backend(inputs.parser)
    cache, cache_note = open_cache(Path(inputs.cache_dir), backend, repository) if inputs.cache_dir else (None, None)
    parse = parser_for(inputs.parser) if directories else _no_hcl
    loader = ModuleLoader(root, parse, repository, cache, max_bytes)
    scanned = [resolved(d) for d in directories]
    if context is not None and outlines is not None:  # the callers search reads what earlier runs learnt
        context = OutlinedFiles(context, outlines, backend)
    overrides = root_overrides(loader, inputs)
    if cache is not None:  # the result cache lives beside the parse cache, under the same checks
        results_dir = Path(inputs.cache_dir or "") / "results"
        loader.results, results_note = open_results(results_dir, backend, loader.context, overrides)
        cache_note = cache_note or results_note
    sizes = {d: len(terraform_names(str(d), repository)) for d in scanned}  # no Path per file
    files_count = sum(sizes.values())
    read = counter(progress, "reading Terraform files", files_count, sizes.__getitem__)
    parallel = jobs > 1 and files_count >= MIN_PARALLEL_FILES
    if parallel:
        from ownlint.loaders.terraform.workers import Worth, roots_in_processes  # the pool machinery, when used

        worth = Worth(sizes, MIN_PARALLEL_FILES)  # workers fork only for as many files' work as this
        trees, stacks = roots_in_processes(
            loader, scanned, overrides, inputs, jobs, worth, context, read, progress, beside
        )
    else:
        trees, stacks = _roots_here(loader, scanned, overrides, outline_for(inputs.parser), context, read, progress)
    loaded = [r for tree in trees for r in tree.resources]
    for plan_path in plan_paths:
        loaded = _with_plan(loader, plan_path, stacks, loaded)
    if loader.parse_cache is not None:
        after_ending(loader.parse_cache.prune)  # once Terraform's workers, still writing, have written theirs
    if loader.results is not None:
        after_ending(loader.results.prune)
    problems = [*loader.problems, *(p for tree in trees for p in tree.problems)]
    notes = [*([cache_note] if cache_note else []), *_unfollowed_note([n for tree in trees for n in tree.notes])]
    notes.extend(_library_note([tree.library for tree in trees if tree.library is not None]))
    return LoadResult(
        resources=tuple(fold_instances(loaded)),
        problems=tuple(problems),
        files=tuple(loader.seen),
        notes=tuple(notes),
        suppressions=tuple(s for found in loader.suppressions.values() for s in found),
    )


def _roots_here(
    loader: ModuleLoader,
    scanned: list[Path],
    overrides: list[tuple[str, Binding]],
    outline: OutlineFunction,
    context: Iterable[str] | None,
    read: Callable[[Sequence[Path]], None] | None = None,
    progress: Progress | None = None,
) -> tuple[list[LoadedTree], dict[Path, str]]:
    """Every root module that reaches ``scanned`` loaded with what it calls, in this process; ``read``
    hears of each directory parsed, ``progress`` of the root modules evaluated."""
    calls: dict[Path, list[Path] | None] = {}
    for directory in scanned:
        calls[directory] = directory_calls(loader, directory)
        if read is not None:
            read((directory,))
    roots = roots_of(calls, outline, loader.max_bytes, context)
    evaluated = counter(progress, "evaluating root modules", len(roots))
    return load_roots(loader, scanned, roots, overrides, set(), evaluated, calls)


def _no_hcl(text: str, path: str) -> m.HclFile:
    from ownlint.loaders.terraform import expr as m  # on use: a replayed root reads no HCL

    raise m.HclSyntaxError("no HCL parser loaded", 1)


def _with_plan(
    loader: ModuleLoader, plan_path: Path, stacks: Mapping[Path, str], loaded: list[Resource]
) -> list[Resource]:
    """``loaded`` with the plan's root module replaced by the plan's resources, but for those it lacks."""
    from ownlint.loaders.terraform.plan import missing_from_plan, plan_resources, read_plan  # with --plan only
    from ownlint.loaders.terraform.taggable import taggable_index

    shown = relative(loader.root, plan_path) or plan_path.name
    if not plan_path.is_file():
        raise OwnlintError(f"--plan {plan_path}: no such file")
    text = read_text(plan_path, shown, loader.max_bytes)
    plan = text if isinstance(text, LoadProblem) else read_plan(text, shown)
    if plan is None:  # e.g. a state, not a plan
        return loaded
    loader.seen.append(shown)
    if isinstance(plan, LoadProblem):
        loader.problems.append(plan)
        return loaded
    directory = plan_path.resolve().parent
    stack = stacks.get(directory)
    if stack is None and len(set(stacks.values())) == 1:
        stack = next(iter(stacks.values()))  # the one configuration it was made from
    if stack is None:
        stack = relative(loader.root, directory) or "."
    configured = [r for r in loaded if r.stack == stack]
    kept = [r for r in loaded if r.stack != stack or r.type == "module"]
    planned = plan_resources(plan, stack, [r for r in configured if r.type != "module"], taggable_index())
    missing, problems = missing_from_plan(plan, planned, configured, _block_finder(loader))
    loader.problems.extend(problems)
    return kept + missing + planned


def _block_finder(loader: ModuleLoader) -> Callable[[str, int], m.Block | None]:
    """The block that starts at a line of a file (as shown), parsed again once per file when asked."""
    parsed: dict[str, m.HclFile | LoadProblem] = {}

    def block_at(file: str, line: int) -> m.Block | None:
        from ownlint.loaders.terraform import expr as m  # the HCL model: with --plan only

        if file not in parsed:
            parsed[file] = loader.load_file(loader.root / file, file)
        found = parsed[file]
        blocks = found.blocks if isinstance(found, m.HclFile) else ()
        return next((b for b in blocks if b.line == line and b.type in ("resource", "module")), None)

    return block_at


def fold_instances(resources: Iterable[Resource]) -> list[Resource]:
    """One record per address and distinct effective tags; ``instances`` is empty when it covers all."""
    groups: dict[tuple[str, str], list[Resource]] = {}
    for resource in resources:
        groups.setdefault((resource.stack, resource.address), []).append(resource)
    folded: list[Resource] = []
    for members in groups.values():
        if len(members) == 1:  # one instance: nothing to compare (most resources)
            only = members[0]
            attributes = only.attributes if len(only.attributes) < 2 else _distinct_attributes(members)
            folded.append(_folded(only, (), attributes))
            continue
        variants: list[list[Resource]] = []  # in the order of their first members
        # by what hashes in C (each tag's key, value and reason, and the fields of text): the tags and the place to
        # fix are then compared to the few found (a tag's hash asks each place of its provenance, in Python)
        split: dict[tuple[object, ...], list[tuple[tuple[object, ...], list[Resource]]]] = {}
        for member in members:
            found = split.setdefault((tuple(map(_TAG_TEXT, member.tags)), *_VARIANT_TEXT(member)), [])
            whole = (member.tags, member.fix_place)
            variant = next((v for compared, v in found if compared == whole), None)
            if variant is None:
                variant = []
                found.append((whole, variant))
                variants.append(variant)
            variant.append(member)
        for variant in variants:
            names = tuple(i for r in variant for i in r.instances)
            covered = () if len(variants) == 1 else names
            folded.append(_folded(variant[0], covered, _distinct_attributes(members)))
    return folded


_TAG_TEXT = attrgetter("key", "value", "reason")
_VARIANT_TEXT = attrgetter("opaque", "taggable", "file", "line", "namespace")  # with the tags and place to fix
# ``replace(resource, instances=..., attributes=...)``, its fields passed by position (thousands of records)
_folded = replacer(Resource, "instances", "attributes")


def _distinct_attributes(members: list[Resource]) -> tuple[Mapping[str, Any], ...]:
    """Every instance's graph attributes, once each: the graph node stands for all instances."""
    distinct: dict[str, Mapping[str, Any]] = {}
    for member in members:
        for attributes in member.attributes:
            distinct.setdefault(repr(attributes), attributes)
    return tuple(distinct.values())


def _library_note(libraries: list[str]) -> list[str]:
    """One note for the modules evaluated as libraries: what their inputs set depends on a caller."""
    if not libraries:
        return []
    unique = sorted(set(libraries))
    shown = ", ".join(unique[:3]) + (f", and {len(unique) - 3} more" if len(unique) > 3 else "")
    return [
        f"{len(unique)} module(s) nothing in the scan calls and with no provider, backend, variable file or "
        f"lock file are checked as libraries (what their inputs set depends on the caller): {shown}"
    ]


def _unfollowed_note(calls: list[str]) -> list[str]:
    """One note for module calls that were not followed: their resources are not checked."""
    unique = sorted(set(calls))
    if not unique:
        return []
    shown = "; ".join(unique[:3]) + (f"; and {len(unique) - 3} more" if len(unique) > 3 else "")
    return [f"{len(unique)} module call(s) not followed, their resources are not checked: {shown}"]
