"""The terragrunt part of a run: read the units named (before Terraform is loaded, so that the directories
they instantiate are not also checked as root modules with their defaults), then load each one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ownlint.loaders.files import MAX_FILE_BYTES, read_text
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.backends import parser_for
from ownlint.loaders.terraform.budget import Budget
from ownlint.loaders.terraform.directories import ModuleLoader, repository_of
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.loaders.terraform.load import fold_instances
from ownlint.loaders.terraform.terragrunt.config import Reading
from ownlint.loaders.terraform.terragrunt.paths import TreePaths
from ownlint.loaders.terraform.terragrunt.units import Unit, load_unit, read_unit
from ownlint.model import LoadProblem, LoadResult, Resource

TERRAGRUNT_FILE = "terragrunt.hcl"
MAX_UNITS = 5000  # per run: more units are not read, with a problem


@dataclass
class Units:
    """The units read, what they could not read, and the directories their modules are in."""

    reading: Reading
    units: list[Unit] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)

    @property
    def module_directories(self) -> set[Path]:
        return {u.module for u in self.units if u.module is not None}

    @property
    def files(self) -> tuple[str, ...]:
        """The configuration files read (terragrunt.hcl, what they include and read)."""
        return tuple(self.reading.files)

    def load(self) -> LoadResult:
        loader = self.reading.loader
        resources: list[Resource] = []
        problems = [*self.problems]
        unfollowed: list[str] = []
        for unit in self.units:
            found, unit_problems, note = load_unit(self.reading, loader, unit)
            resources.extend(found)
            problems.extend(unit_problems)
            if note is not None:
                unfollowed.append(note)
        problems = [*self.reading.problems, *loader.problems, *problems]
        notes = [f"read {len(self.units)} terragrunt unit(s)"] if self.units else []
        notes.extend(dict.fromkeys(self.reading.notes))
        if unfollowed:
            shown = "; ".join(unfollowed[:3]) + (f"; and {len(unfollowed) - 3} more" if len(unfollowed) > 3 else "")
            notes.append(f"{len(unfollowed)} terragrunt unit(s) not wholly followed: {shown}")
        return LoadResult(
            resources=tuple(fold_instances(resources)),
            problems=tuple(dict.fromkeys(problems)),
            notes=tuple(notes),
            files=tuple(dict.fromkeys([*self.reading.files, *loader.seen])),
            suppressions=tuple(s for found in loader.suppressions.values() for s in found),
        )


def read_units(
    root: Path,
    files: Iterable[Path],
    inputs: TerraformInputs | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    context: Iterable[Path] = (),
    modules: frozenset[Path] = frozenset(),
) -> Units:
    """Every ``terragrunt.hcl`` of ``files`` read as a unit (its configuration and module directory); and
    those of ``context`` (the repository's) that instantiate one of the ``modules`` (real directories named)."""
    inputs = inputs or TerraformInputs()
    units = sorted(set(files))
    named = {p.resolve() for p in units}
    users = sorted(p for p in _naming(context, modules, max_bytes) if p.resolve() not in named) if modules else []
    units += users
    repository = repository_of(root)
    parse = parser_for(inputs.parser) if units else _no_hcl  # a run without units never imports the parser
    found = Units(Reading(TreePaths(repository), ModuleLoader(root, parse, repository, None, max_bytes)))
    for number, path in enumerate(units):
        if number >= MAX_UNITS:
            found.problems.append(LoadProblem(found.reading.shown(found.reading.paths.virtual(path)), 1,
                                              f"more than {MAX_UNITS} terragrunt units: not read"))  # fmt: skip
            break
        found.reading.budget = Budget()  # of evaluation, per unit as per root module
        unit = read_unit(found.reading, path)
        if isinstance(unit, LoadProblem):
            found.problems.append(unit)
        else:
            found.units.append(unit)
    # a terragrunt.hcl that units include is their parent configuration (find_in_parent_folders()), not a unit
    included = {parent.virtual for unit in found.units for _, parent in unit.config.includes}
    found.units = [u for u in found.units if u.config.virtual not in included]
    if users:  # a unit read as context counts only if it instantiates a module named
        context_units = {found.reading.paths.virtual(p) for p in users}
        found.units = [u for u in found.units if u.config.virtual not in context_units or u.module in modules]
    return found


def _naming(context: Iterable[Path], modules: frozenset[Path], max_bytes: int) -> Iterator[Path]:
    """The unit files of ``context`` beside a module or whose text names one's directory (a cheap filter)."""
    names = {d.name for d in modules}
    for count, path in enumerate(context):
        if count >= MAX_UNITS:
            return
        if path.resolve().parent in modules:
            yield path
            continue
        text = read_text(path, path.name, max_bytes)
        if not isinstance(text, LoadProblem) and any(n in text for n in names):
            yield path


def _no_hcl(text: str, path: str) -> m.HclFile:
    raise m.HclSyntaxError("no HCL parser loaded", 1)
