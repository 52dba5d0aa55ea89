"""One terragrunt configuration file read for a unit: its ``include`` blocks (the parents, exposed as
``include.LABEL``), ``locals``, ``dependency`` outputs (unknown unless ``mock_outputs``), evaluated with
terragrunt's functions. Nothing is run: ``get_env``, ``run_cmd`` and the cloud lookups are unknown."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ownlint.loaders.files import read_text
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.budget import Budget
from ownlint.loaders.terraform.directories import ModuleLoader
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.terragrunt.paths import TreePaths, relative_path
from ownlint.loaders.terraform.values import EvalError, Unknown, first_unknown, to_text
from ownlint.model import LoadProblem, Place, PlaceKind

MAX_CONFIG_DEPTH = 8  # read_terragrunt_config inside read_terragrunt_config ...
NOT_RUN = ("run_cmd", "sops_decrypt_file", "get_aws_account_id", "get_aws_caller_identity_arn",
           "get_aws_caller_identity_user_id", "get_terraform_command", "get_terraform_cli_args", "get_platform",
           "local_exec", "get_working_dir")  # fmt: skip

TerragruntFunction = Callable[[list[Any]], Any]


class UnitEvaluator(Evaluator):
    """Terraform's evaluator, with terragrunt's functions of one configuration file."""

    def __init__(self, locals_: Mapping[str, Binding], functions: Mapping[str, TerragruntFunction], budget: Budget):
        super().__init__({}, locals_, budget=budget)
        self.terragrunt = functions

    def _call(self, expr: m.Call, env: dict[str, Any]) -> Any:
        function = self.terragrunt.get(expr.name)
        if function is None:
            return super()._call(expr, env)
        args = [self._eval(arg, env) for arg in expr.args]
        unknown = first_unknown(args)
        return unknown if unknown is not None else function(args)


@dataclass
class Reading:
    """What the configuration files of one run share: paths, the parser, what was read, the budget."""

    paths: TreePaths
    loader: ModuleLoader
    budget: Budget = field(default_factory=Budget)
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # shown, in the order read
    parsed: dict[str, m.HclFile | LoadProblem] = field(default_factory=dict)  # by virtual path
    read: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # read_terragrunt_config (None: reading)

    def shown(self, virtual: str) -> str:
        real = self.paths.real(virtual)
        from ownlint.loaders.files import relative

        return relative(self.loader.root, real) if real is not None else virtual.lstrip("/")

    def parse(self, virtual: str) -> m.HclFile | LoadProblem:
        if virtual not in self.parsed:
            shown = self.shown(virtual)
            real = self.paths.real(virtual)
            if real is None or not real.is_file():
                self.parsed[virtual] = LoadProblem(shown, 1, "terragrunt configuration not found inside the repository")
            else:
                text = read_text(real, shown, self.loader.max_bytes)
                self.parsed[virtual] = text if isinstance(text, LoadProblem) else self._parsed(text, shown)
                if shown not in self.files:
                    self.files.append(shown)
        return self.parsed[virtual]

    def _parsed(self, text: str, shown: str) -> m.HclFile | LoadProblem:
        try:
            return self.loader.parse(text, shown)
        except m.HclSyntaxError as error:
            return LoadProblem(shown, error.line, f"invalid HCL: {error.message}")
        except RecursionError:
            return LoadProblem(shown, 1, "invalid HCL: nesting too deep to parse")


@dataclass
class ConfigFile:
    """A configuration file evaluated for a unit (``unit_dir``): its blocks, evaluator and environment."""

    virtual: str
    shown: str
    hcl: m.HclFile
    unit_dir: str
    evaluator: UnitEvaluator = field(init=False)
    env: dict[str, Any] = field(default_factory=dict)
    includes: list[tuple[m.Block, ConfigFile]] = field(default_factory=list)
    _exposed: dict[str, Any] | None = None

    def attribute(self, name: str) -> m.Attribute | None:
        return next((a for a in self.hcl.attributes if a.name == name), None)

    def blocks(self, block_type: str) -> list[m.Block]:
        return [b for b in self.hcl.blocks if b.type == block_type]

    def value(self, expr: m.Expr) -> Any:
        return self.evaluator.value(expr, self.env)

    def exposed(self) -> dict[str, Any]:
        """What ``include.LABEL`` and ``read_terragrunt_config`` give: locals, inputs, dependency, ..."""
        if self._exposed is None:
            names = [a.name for b in self.blocks("locals") for a in b.attributes]
            inputs = self.attribute("inputs")
            self._exposed = {
                "locals": {name: self.evaluator.named("local", name) for name in names},
                "inputs": self.value(inputs.expr) if inputs is not None else {},
                "dependency": self.env.get("dependency", {}),
            }
            for block in self.blocks("terraform"):
                source = block.attribute("source")
                if source is not None:
                    self._exposed["terraform"] = {"source": self.value(source.expr)}
        return self._exposed


def read_config(
    reading: Reading, virtual: str, unit_dir: str, depth: int = 0, includes: bool = True
) -> ConfigFile | LoadProblem:
    """``virtual`` read as a configuration of the unit in ``unit_dir``; its includes too when ``includes``."""
    hcl = reading.parse(virtual)
    if isinstance(hcl, LoadProblem):
        return hcl
    config = ConfigFile(virtual, reading.shown(virtual), hcl, unit_dir)
    include_dirs: dict[str, str] = {}
    config.evaluator = UnitEvaluator({}, _functions(reading, config, include_dirs, depth), reading.budget)
    bare = config.evaluator  # include paths are read before locals exist (terragrunt's order)
    for block in config.blocks("include"):
        label = block.labels[0] if block.labels else ""
        if not includes:
            reading.problems.append(
                LoadProblem(
                    config.shown,
                    block.line,
                    "an included configuration cannot include another (terragrunt reads one level)",
                )
            )
            continue
        path = block.attribute("path")
        target = bare.value(path.expr) if path is not None else Unknown("include has no path")
        joined = reading.paths.join(posixpath.dirname(virtual), target) if isinstance(target, str) else None
        if joined is None:
            reason = target.reason if isinstance(target, Unknown) else f"{to_text(target)!r} is outside the repository"
            reading.problems.append(
                LoadProblem(config.shown, block.line, f'include "{label}": path cannot be read: {reason}')
            )
            continue
        include_dirs[label] = posixpath.dirname(joined)
        parent = read_config(reading, joined, unit_dir, depth, includes=False)
        if isinstance(parent, LoadProblem):
            reading.problems.append(
                LoadProblem(config.shown, block.line, f'include "{label}": {parent.message} ({parent.file})')
            )
            continue
        config.includes.append((block, parent))
    exposed = {b.labels[0]: p.exposed() for b, p in config.includes if b.labels and _true(b.attribute("expose"), bare)}
    config.env["include"] = exposed
    bindings = {
        a.name: Binding(a.expr, Place(config.shown, a.line, f"local.{a.name}", PlaceKind.LOCAL, a.name), env=config.env)
        for b in config.blocks("locals")
        for a in b.attributes
    }
    config.evaluator = UnitEvaluator(bindings, config.evaluator.terragrunt, reading.budget)
    config.env["dependency"] = {b.labels[0]: _dependency(config, b) for b in config.blocks("dependency") if b.labels}
    return config


def _true(attribute: m.Attribute | None, evaluator: Evaluator) -> bool:
    return attribute is not None and evaluator.value(attribute.expr) is True


def _dependency(config: ConfigFile, block: m.Block) -> dict[str, Any]:
    """``dependency.NAME.outputs``: the other unit's outputs exist only after its apply; ``mock_outputs`` stand in."""
    mock = block.attribute("mock_outputs")
    if mock is not None:
        return {"outputs": config.value(mock.expr)}
    name = block.labels[0]
    return {
        "outputs": Unknown(
            f"dependency.{name}.outputs are known only after that unit is applied ({config.shown}:{block.line})"
        )
    }


def _functions(
    reading: Reading, config: ConfigFile, include_dirs: dict[str, str], depth: int
) -> dict[str, TerragruntFunction]:
    unit_dir, here = config.unit_dir, posixpath.dirname(config.virtual)

    def include_dir(args: list[Any]) -> str:
        label = to_text(args[0]) if args else None
        if label is not None and label in include_dirs:
            return include_dirs[label]
        return next(iter(include_dirs.values()), posixpath.dirname(config.virtual))

    def find(args: list[Any]) -> Any:
        name = to_text(args[0]) if args else "terragrunt.hcl"
        found = reading.paths.find_in_parents(unit_dir, name)
        if found is not None:
            return found
        if len(args) > 1:
            return args[1]
        raise EvalError(f"find_in_parent_folders: no {name!r} in a parent folder inside the repository")

    def read(args: list[Any]) -> Any:
        target = reading.paths.join(here, to_text(args[0])) if args else None
        if target is None or not reading.paths.exists(target):
            if len(args) > 1:
                return args[1]
            raise EvalError(
                f"read_terragrunt_config: {to_text(args[0]) if args else ''!r} is not a file inside the repository"
            )
        if depth >= MAX_CONFIG_DEPTH:
            raise EvalError(f"read_terragrunt_config nests more than {MAX_CONFIG_DEPTH} deep")
        if target in reading.read:  # read once per run (its own directory is its unit's); a cycle is an error
            known = reading.read[target]
            if known is None:
                raise EvalError(f"read_terragrunt_config: {to_text(args[0])!r} reads itself")
            return known
        reading.read[target] = None
        other = read_config(reading, target, posixpath.dirname(target), depth + 1)
        if isinstance(other, LoadProblem):
            del reading.read[target]
            raise EvalError(f"read_terragrunt_config: {other.message}")
        reading.read[target] = other.exposed()
        return reading.read[target]

    functions: dict[str, TerragruntFunction] = {
        "find_in_parent_folders": find,
        "read_terragrunt_config": read,
        "get_terragrunt_dir": lambda _: unit_dir,
        "get_original_terragrunt_dir": lambda _: unit_dir,
        "get_parent_terragrunt_dir": include_dir,
        "path_relative_to_include": lambda args: relative_path(unit_dir, include_dir(args)),
        "path_relative_from_include": lambda args: relative_path(include_dir(args), unit_dir),
        "get_repo_root": lambda _: "/",
        "get_path_to_repo_root": lambda _: relative_path("/", unit_dir),
        "get_path_from_repo_root": lambda _: relative_path(unit_dir, "/"),
        "get_env": lambda args: Unknown(f"get_env({to_text(args[0]) if args else ''}): the environment is not read"),
    }
    for name in NOT_RUN:
        functions[name] = lambda _, name=name: Unknown(f"{name}() is not run by ownlint")  # type: ignore[misc]
    return functions
