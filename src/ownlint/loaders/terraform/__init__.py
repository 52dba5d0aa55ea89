"""Terraform: parse module directories, find the root modules, follow their module calls, fold instances.

A scanned directory is a root module unless another module of the repository calls it with a local
``source``; then its resources are checked as that call instantiates them
(``module.a.module.b.aws_x.y``, with the call's inputs), once per calling root. The callers outside the
scanned directories are found in ``context`` (see ``callers``) and loaded as roots too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ownlint.errors import OwnlintError
from ownlint.loaders.files import MAX_FILE_BYTES, links_outside, read_text, relative
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.backends import (
    DEFAULT_BACKEND,
    ExpressionParser,
    OutlineFunction,
    ParseFunction,
    expression_parser_for,
    outline_for,
    parser_for,
    resolve_backend,
)
from ownlint.loaders.terraform.cache import ParseCache, open_cache
from ownlint.loaders.terraform.callers import is_local, local_sources, repository_callers
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.json_syntax import parse_json_file
from ownlint.loaders.terraform.module import ModuleSource, ModuleTree, Opaque, Resolved, Resolver
from ownlint.loaders.terraform.plan import missing_from_plan, plan_resources, read_plan
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.model import LoadProblem, LoadResult, Place, Progress, Resource, Suppression
from ownlint.parallel import MIN_PARALLEL_FILES, counter
from ownlint.suppressions.parse import comment_suppressions
from ownlint.vcs.tree import repository_top

COMMAND_LINE = "(command line)"


@dataclass(frozen=True)
class TerraformInputs:
    """Root-module inputs given on the command line, and the parser backend."""

    var_files: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()  # NAME=VALUE
    env_vars: bool = False
    parser: str = DEFAULT_BACKEND
    environ: Mapping[str, str] = field(default_factory=dict)
    plans: tuple[str, ...] = ()  # --plan files
    cache_dir: str | None = None  # where parsed files are cached (None: no cache, as --no-cache asks)


def is_tfvars(path: Path) -> bool:
    name = path.name
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def is_terraform_file(path: Path) -> bool:
    return path.name.endswith((".tf", ".tf.json")) or is_tfvars(path)


def load_terraform(
    root: Path,
    files: Iterable[Path],
    inputs: TerraformInputs | None = None,
    jobs: int = 1,
    max_bytes: int = MAX_FILE_BYTES,
    context: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load every module directory that holds one of ``files``, following module calls from the roots;
    a ``--plan`` (never a plan found in the tree) replaces the resources of its root module that it has.
    ``context``: the repository's other Terraform files, where the callers of a scanned module are found
    (None: the whole repository is scanned).
    With ``jobs`` > 1 the files are parsed in that many processes (when there are many)."""
    inputs = inputs or TerraformInputs()
    directories = sorted({f.parent for f in files})
    plan_paths = [Path(p) for p in inputs.plans]
    if not directories and not plan_paths:  # a manifests-only run never imports the HCL parser
        return LoadResult()
    repository = _repository_of(root)
    backend = resolve_backend(inputs.parser)
    cache, cache_note = open_cache(Path(inputs.cache_dir), backend, repository) if inputs.cache_dir else (None, None)
    parse = parser_for(inputs.parser) if directories else _no_hcl
    loader = ModuleLoader(root, parse, repository, cache, max_bytes)
    scanned = [d.resolve() for d in directories]
    overrides = _overrides(loader, inputs)
    sizes = {d: len(terraform_files(d, loader.repository)) for d in scanned}
    files_count = sum(sizes.values())
    read = counter(progress, "reading Terraform files", files_count, sizes.__getitem__)
    parallel = jobs > 1 and files_count >= MIN_PARALLEL_FILES
    if parallel:
        from ownlint.loaders.terraform.workers import roots_in_processes  # the pool machinery, when used

        trees, stacks = roots_in_processes(loader, scanned, overrides, inputs, jobs, context, read, progress)
    else:
        trees, stacks = _roots_here(loader, scanned, overrides, outline_for(inputs.parser), context, read, progress)
    loaded = [r for tree in trees for r in tree.resources]
    for plan_path in plan_paths:
        loaded = _with_plan(loader, plan_path, stacks, loaded)
    if loader.parse_cache is not None:
        loader.parse_cache.prune()
    problems = [*loader.problems, *(p for tree in trees for p in tree.problems)]
    notes = [*([cache_note] if cache_note else []), *_unfollowed_note([n for tree in trees for n in tree.notes])]
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
        calls[directory] = loader.local_calls(directory) if loader.source(directory) is not None else None
        if read is not None:
            read((directory,))
    roots = roots_of(calls, outline, loader.max_bytes, context)
    evaluated = counter(progress, "evaluating root modules", len(roots))
    return load_roots(loader, scanned, roots, overrides, set(), evaluated)


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
        tree = ModuleTree(loader.resolver_for(directory, reached), taggable_index())
        tree.load_root(source, source.path, overrides)
        trees.append(LoadedTree(tree.resources, tree.problems, tree.notes))
        stacks[directory] = source.path
        reached.add(directory)
        if evaluated is not None:
            evaluated((directory,))


@dataclass(frozen=True)
class LoadedTree:
    """What a loaded root module gives: its resources, problems and notes."""

    resources: list[Resource]
    problems: list[LoadProblem]
    notes: list[str]


@dataclass(frozen=True)
class ParsedDirectory:
    """What parsing one module directory added to a loader."""

    seen: tuple[str, ...]
    problems: tuple[LoadProblem, ...]
    suppressions: dict[str, list[Suppression]]


def _no_hcl(text: str, path: str) -> m.HclFile:
    raise m.HclSyntaxError("no HCL parser loaded", 1)


def _with_plan(
    loader: ModuleLoader, plan_path: Path, stacks: Mapping[Path, str], loaded: list[Resource]
) -> list[Resource]:
    """``loaded`` with the plan's root module replaced by the plan's resources, but for those it lacks."""
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
        if file not in parsed:
            parsed[file] = loader.load_file(loader.root / file, file)
        found = parsed[file]
        blocks = found.blocks if isinstance(found, m.HclFile) else ()
        return next((b for b in blocks if b.line == line and b.type in ("resource", "module")), None)

    return block_at


class ModuleLoader:
    """Parses module directories once, and resolves module sources to them."""

    def __init__(
        self,
        root: Path,
        parse: ParseFunction,
        repository: Path,
        cache: ParseCache | None = None,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.parse = parse
        self.parse_cache = cache
        self.repository = repository
        self.cache: dict[Path, ModuleSource | None] = {}
        self.problems: list[LoadProblem] = []
        self.seen: list[str] = []
        self.suppressions: dict[str, list[Suppression]] = {}  # by file, read once
        self.parsed: dict[Path, ParsedDirectory] = {}  # what each directory's parse added to the above

    def source(self, directory: Path) -> ModuleSource | None:
        """The parsed module in ``directory``, or None when it holds no ``.tf`` file."""
        if directory in self.cache:
            return self.cache[directory]
        module_files: list[m.HclFile] = []
        tfvars: list[m.HclFile] = []
        seen: list[str] = []
        problems: list[LoadProblem] = []
        for path in terraform_files(directory, self.repository):
            shown = relative(self.root, path)
            seen.append(shown)
            parsed = self.load_file(path, shown)
            if isinstance(parsed, LoadProblem):
                problems.append(parsed)
            elif is_tfvars(path):
                tfvars.append(parsed)
            else:
                module_files.append(parsed)
        self.seen.extend(seen)
        self.problems.extend(problems)
        suppressions = {f: self.suppressions[f] for f in seen if f in self.suppressions}
        self.parsed[directory] = ParsedDirectory(tuple(seen), tuple(problems), suppressions)
        tfvars.sort(key=lambda f: _tfvars_order(f.path))
        source = ModuleSource(relative(self.root, directory) or ".", directory, tuple(module_files), tuple(tfvars))
        self.cache[directory] = source if module_files else None
        return self.cache[directory]

    def load_file(self, path: Path, shown: str) -> m.HclFile | LoadProblem:
        """Read and parse one file (HCL, or Terraform's JSON syntax by its name)."""
        text = read_text(path, shown, self.max_bytes)
        if isinstance(text, LoadProblem):
            return text
        json_syntax = path.name.endswith(".json")
        try:
            parsed = parse_json_file(text, shown) if json_syntax else self._parsed(text, shown)
        except m.HclSyntaxError as error:
            return LoadProblem(shown, error.line, f"invalid {'JSON' if json_syntax else 'HCL'}: {error.message}")
        except RecursionError:
            return LoadProblem(shown, 1, "invalid HCL: nesting too deep to parse")
        if not json_syntax and shown not in self.suppressions:
            self.suppressions[shown] = comment_suppressions(shown, text, (b.line for b in parsed.blocks))
        return parsed

    def _parsed(self, text: str, shown: str) -> m.HclFile:
        """The file's model: from the parse cache when this content was parsed before."""
        if self.parse_cache is None:
            return self.parse(text, shown)
        cached = self.parse_cache.get(text, shown)
        if cached is not None:
            return cached
        parsed = self.parse(text, shown)
        self.parse_cache.put(text, parsed)
        return parsed

    def outline_calls(self, directory: Path, outline: OutlineFunction) -> list[Path] | None:
        """``local_calls`` of ``directory`` read from outlines of the files that name a module (a word
        search first: most files do not), or None when it holds no module file. A file that does not
        parse calls nothing, as in a full load; its problem is reported when it is loaded."""
        calls: list[Path] = []
        module_files = [p for p in terraform_files(directory, self.repository) if not is_tfvars(p)]
        for path in module_files:
            text = read_text(path, path.name, self.max_bytes)
            if not isinstance(text, LoadProblem):
                calls.extend((directory / source).resolve() for source in local_sources(text, path.name, outline))
        return calls if module_files else None

    def local_calls(self, directory: Path) -> list[Path]:
        """Directories that ``directory``'s module calls name by a local path."""
        source = self.cache.get(directory)
        if source is None:
            return []
        constant = Evaluator({}, {})
        called = []
        for hcl in source.files:
            for block in hcl.blocks:
                attribute = block.attribute("source") if block.type == "module" else None
                text = constant.value(attribute.expr) if attribute is not None else None
                if isinstance(text, str) and is_local(text):
                    called.append((directory / text).resolve())
        return called

    def resolver_for(self, root_module: Path, reached: set[Path]) -> Resolver:
        """The module-source resolver of one root module (vendored remote modules are per root)."""
        vendored = _vendored_modules(root_module)

        def resolve(caller: ModuleSource, text: str, key: str, file: str, line: int) -> Resolved:
            if is_local(text):
                target = (caller.directory / text).resolve()
            elif key in vendored:
                target = (root_module / vendored[key]).resolve()
            else:
                return Opaque(f"remote module {text!r} is not followed (no .terraform/modules checkout)")
            if target != self.repository and self.repository not in target.parents:
                return Opaque(f"module source {text!r} is outside the repository; not followed")
            if not target.is_dir():
                return LoadProblem(file, line, f"module source {text!r}: no such directory")
            source = self.source(target)
            if source is None:
                return LoadProblem(file, line, f"module source {text!r}: the directory holds no .tf files")
            reached.add(target)
            return source

        return resolve


def terraform_files(directory: Path, repository: Path) -> list[Path]:
    """The directory's Terraform files; a symlink to a file outside the repository is not followed."""
    return sorted(p for p in _listing(directory) if is_terraform_file(p) and not links_outside(p, repository))


def _listing(directory: Path) -> list[Path]:
    """The files in ``directory``, by the type the listing gives (a name too long to open is kept:
    reading it is the located problem)."""
    try:
        with os.scandir(directory) as entries:
            return [Path(entry.path) for entry in entries if _is_file(entry)]
    except OSError:
        return []


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return True


def _tfvars_order(path: str) -> tuple[int, str]:
    """terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) in lexical order."""
    name = path.rsplit("/", 1)[-1]
    rank = {"terraform.tfvars": 0, "terraform.tfvars.json": 1}.get(name, 2)
    return rank, name


def _repository_of(root: Path) -> Path:
    """Module sources may climb up to the repository top (the nearest ``.git``), not beyond it."""
    return repository_top(root) or root.resolve()


def _vendored_modules(root_module: Path) -> dict[str, str]:
    """``.terraform/modules/modules.json`` from ``terraform init``: module key -> checkout directory."""
    path = root_module / ".terraform" / "modules" / "modules.json"
    try:
        listed = json.loads(path.read_text("utf-8")).get("Modules", [])
    except (OSError, ValueError, AttributeError, RecursionError):  # committed by the PR, maybe
        return {}
    return {str(e["Key"]): str(e["Dir"]) for e in listed if isinstance(e, dict) and e.get("Key") and e.get("Dir")}


def _overrides(loader: ModuleLoader, inputs: TerraformInputs) -> list[tuple[str, Binding]]:
    """Root variable values from ``TF_VAR_*`` (with ``--env-vars``), ``--var-file`` and ``--var``, in that order."""
    parse_expression = expression_parser_for(inputs.parser)
    found: list[tuple[str, Binding]] = []
    if inputs.env_vars:
        for name, text in sorted(inputs.environ.items()):
            if name.startswith("TF_VAR_") and len(name) > 7:
                place = Place("(environment)", 0, name)
                found.append((name[7:], Binding(_cli_value(text, parse_expression), place)))
    for var_file in inputs.var_files:
        path = Path(var_file)
        if not path.is_file():
            raise OwnlintError(f"--var-file {var_file}: no such file")
        shown = os.path.normpath(var_file)
        parsed = loader.load_file(path, shown)
        if isinstance(parsed, LoadProblem):
            raise OwnlintError(f"--var-file {parsed.file}:{parsed.line}: {parsed.message}")
        where = relative(
            loader.root, path
        )  # as every other place: from the scan root (human formats show it from here)
        for attribute in parsed.attributes:
            place = Place(where, attribute.line, f"var.{attribute.name} in --var-file")
            found.append((attribute.name, Binding(attribute.expr, place)))
    for assignment in inputs.variables:
        name, equals, text = assignment.partition("=")
        if not equals or not name.strip():
            raise OwnlintError(f"--var {assignment!r}: expected NAME=VALUE")
        place = Place(COMMAND_LINE, 0, f"--var {name.strip()}")
        found.append((name.strip(), Binding(_cli_value(text, parse_expression), place)))
    return found


def _cli_value(text: str, parse_expression: ExpressionParser) -> m.Expr:
    """As Terraform reads ``-var``: a string, unless it is written as a list or map expression."""
    if text.strip().startswith(("{", "[")):
        return parse_expression(text)
    return m.Lit(text)


def fold_instances(resources: Iterable[Resource]) -> list[Resource]:
    """One record per address and distinct effective tags; ``instances`` is empty when it covers all."""
    groups: dict[tuple[str, str], list[Resource]] = {}
    for resource in resources:
        groups.setdefault((resource.stack, resource.address), []).append(resource)
    folded: list[Resource] = []
    for members in groups.values():
        variants: dict[tuple[object, ...], list[Resource]] = {}
        for member in members:
            key = (member.tags, member.opaque, member.taggable, member.fix_place, member.file, member.line)
            variants.setdefault(key, []).append(member)
        for variant in variants.values():
            names = tuple(i for r in variant for i in r.instances)
            covered = () if len(variants) == 1 else names
            folded.append(replace(variant[0], instances=covered, attributes=_distinct_attributes(members)))
    return folded


def _distinct_attributes(members: list[Resource]) -> tuple[Mapping[str, Any], ...]:
    """Every instance's graph attributes, once each: the graph node stands for all instances."""
    distinct: dict[str, Mapping[str, Any]] = {}
    for member in members:
        for attributes in member.attributes:
            distinct.setdefault(repr(attributes), attributes)
    return tuple(distinct.values())


def _unfollowed_note(calls: list[str]) -> list[str]:
    """One note for module calls that were not followed: their resources are not checked."""
    unique = sorted(set(calls))
    if not unique:
        return []
    shown = "; ".join(unique[:3]) + (f"; and {len(unique) - 3} more" if len(unique) > 3 else "")
    return [f"{len(unique)} module call(s) not followed, their resources are not checked: {shown}"]
