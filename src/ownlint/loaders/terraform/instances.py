"""Module instances: a root module and everything it calls, each call evaluated with its inputs and providers,
per ``for_each``/``count`` instance, within the bounds of depth, instances and records (the loader later
folds instances whose effective tags agree)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.addresses import Instance, Shape, Shapes
from ownlint.loaders.terraform.budget import Budget
from ownlint.loaders.terraform.directories import ModuleSource, Opaque, Resolved, Resolver
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.expansion import instances_of, unexpanded
from ownlint.loaders.terraform.functions.files import ModuleFiles
from ownlint.loaders.terraform.outputs import ModuleCall
from ownlint.loaders.terraform.providers import (
    ProviderTags,
    add_default_tags_data,
    caller_providers,
    providers_of,
    providers_passed,
)
from ownlint.loaders.terraform.resources import MAX_RESOURCE_RECORDS, block_resources, module_node
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.loaders.terraform.values import Unknown
from ownlint.loaders.terraform.variables import (
    call_inputs,
    library_variables,
    module_locals,
    module_outputs,
    root_variables,
)
from ownlint.model import LoadProblem, Resource

MAX_MODULE_DEPTH = 32


# Per root module: nested for_each multiplies (1000 x 1000 ...); past these, instances are not
# expanded any further and each/count become unknown with the reason.
MAX_MODULE_INSTANCES = 2000


@dataclass
class ModuleTree:
    """Loads root modules and everything they call."""

    resolve: Resolver
    index: TaggableIndex
    resources: list[Resource] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    module_instances: int = 0
    budget: Budget = field(default_factory=Budget)  # of evaluation: one root module, all it calls
    repository: Path | None = None  # what file() may read (None: nothing)
    parse: Callable[[str, str], m.HclFile] | None = None  # reads templatefile() templates
    made: list[_Calls] = field(default_factory=list)  # every module instance's calls, released when done

    def load_root(
        self, source: ModuleSource, stack: str, overrides: Sequence[tuple[str, Binding]], library: bool = False
    ) -> None:
        """Load a root module (a ``library``: one with no caller in the scan and no sign of being a root)."""
        variables = library_variables(source) if library else root_variables(source, overrides)
        inherited = caller_providers(source.files, source.path) if library else {}
        where = Instance(stack, chain=(source.path,))
        try:
            self._instance(source, where, self._evaluator(source, where, variables), inherited)
        finally:
            self._release()
        stopped = self.budget.problem(source.files[0].path if source.files else source.path)
        if stopped is not None:
            self.problems.append(stopped)

    def _evaluator(self, source: ModuleSource, where: Instance, variables: dict[str, Binding]) -> _Calls:
        """A module instance's evaluator, whose ``module.NAME`` references reach its calls' outputs."""
        # not resolved here: every read resolves the whole path it reads, which resolves the directory too
        files = ModuleFiles(source.directory, self.repository, self.parse) if self.repository is not None else None
        evaluator = Evaluator(
            variables,
            module_locals(source),
            prefix=where.prefix,
            budget=self.budget,
            outputs=module_outputs(source),
            files=files,
        )
        calls = _Calls(self, source, where, evaluator)
        evaluator.calls = calls.seen
        self.made.append(calls)
        return calls

    def _release(self) -> None:
        """Break the cycles a root's evaluation made (an evaluator and its calls, a call and the instances it
        holds, whose inputs are evaluated in its scope): its evaluators are then freed by their count as
        soon as the root is done, with no garbage collection (the loader runs without: ``load``)."""
        for calls in self.made:
            calls.evaluator.calls = None
            calls.done.clear()
        self.made.clear()

    def _instance(
        self,
        source: ModuleSource,
        where: Instance,
        calls: _Calls,
        inherited: dict[str, ProviderTags],
    ) -> None:
        evaluator = calls.evaluator
        providers = providers_of(source.files, evaluator, inherited)
        add_default_tags_data(source.files, evaluator, providers)
        shapes = _shapes(source)
        for hcl in source.files:
            for block in hcl.blocks:
                if block.type in ("resource", "data") and len(block.labels) >= 2:
                    room = MAX_RESOURCE_RECORDS - len(self.resources)
                    shape = shapes.of(block)
                    found = block_resources(where, hcl.path, block, shape, evaluator, providers, self.index, room)
                    self.resources.extend(found)
                elif block.type == "module" and block.labels:
                    prepared = calls.prepared(hcl.path, block)
                    self._call(prepared, where, hcl.path, block, shapes.of(block), evaluator, providers)

    def _call(
        self,
        prepared: _Prepared,
        where: Instance,
        path: str,
        block: m.Block,
        shape: Shape,
        evaluator: Evaluator,
        providers: dict[str, ProviderTags],
    ) -> None:
        name = block.labels[0]
        address = f"{where.prefix}module.{name}"
        resolved = prepared.resolved
        opaque: tuple[str, ...] = ()
        if isinstance(resolved, LoadProblem):
            self.problems.append(resolved)
            opaque = (resolved.message,)
        elif isinstance(resolved, Opaque):
            opaque = (resolved.reason,)
            self.notes.append(f"{address} ({path}:{block.line}): {resolved.reason}")
        self.resources.append(module_node(where, path, block, shape, address, opaque, evaluator))
        if not isinstance(resolved, ModuleSource):
            return
        child_providers = providers_passed(block, providers)
        for child, child_calls in prepared.children:
            self._instance(resolved, child, child_calls, child_providers)


@dataclass(frozen=True)
class _Prepared:
    """A module call resolved, with an evaluator per instance (made once: for the outputs and the resources)."""

    resolved: Resolved | LoadProblem
    children: tuple[tuple[Instance, _Calls], ...] = ()
    call: ModuleCall[Evaluator] | None = None


class _Calls:
    """The module calls of one module instance, prepared on first use (a reference to an output may come
    before the call in the files)."""

    def __init__(self, tree: ModuleTree, source: ModuleSource, where: Instance, evaluator: Evaluator) -> None:
        self.tree, self.source, self.where, self.evaluator = tree, source, where, evaluator
        self.blocks = _module_blocks(source)
        self.done: dict[tuple[str, int], _Prepared] = {}

    def seen(self, name: str) -> ModuleCall[Evaluator] | None:
        """``module.NAME`` as expressions see it; None where it is not followed (its outputs stay unknown)."""
        found = self.blocks.get(name)
        return self.prepared(*found).call if found is not None else None

    def prepared(self, path: str, block: m.Block) -> _Prepared:
        key = (path, block.line)
        if key not in self.done:
            self.done[key] = _Prepared(LoadProblem(path, block.line, "module call refers to itself"))
            self.done[key] = self._prepare(path, block)
        return self.done[key]

    def _prepare(self, path: str, block: m.Block) -> _Prepared:
        tree, where, evaluator = self.tree, self.where, self.evaluator
        name = block.labels[0]
        address = f"{where.prefix}module.{name}"
        key = f"{where.module_key}.{name}" if where.module_key else name
        source_attribute = block.attribute("source")
        source_text = evaluator.value(source_attribute.expr) if source_attribute is not None else None
        if not isinstance(source_text, str):
            resolved: Resolved = Opaque("its source is not a literal string")
        else:
            resolved = tree.resolve(self.source, source_text, key, path, block.line)
        if isinstance(resolved, ModuleSource) and resolved.path in where.chain:
            cycle = " -> ".join([*where.chain, resolved.path])
            resolved = LoadProblem(path, block.line, f"module.{name} calls itself: {cycle}")
        elif isinstance(resolved, ModuleSource) and len(where.chain) >= MAX_MODULE_DEPTH:
            resolved = LoadProblem(path, block.line, f"module.{name}: modules nest more than {MAX_MODULE_DEPTH} deep")
        if not isinstance(resolved, ModuleSource):
            return _Prepared(resolved)
        expansions = instances_of(block, evaluator, address)
        if tree.module_instances + len(expansions) > MAX_MODULE_INSTANCES:
            expansions = unexpanded(block, address, f"more than {MAX_MODULE_INSTANCES} module instances in this root")
        tree.module_instances += len(expansions)
        children: list[tuple[Instance, _Calls]] = []
        for suffix, env in expansions:
            child = Instance(
                stack=where.stack,
                prefix=f"{address}.",
                instance_prefix=f"{where.instance_prefix}module.{name}{suffix}.",
                chain=(*where.chain, resolved.path),
                module_key=key,
            )
            inputs = call_inputs(resolved, path, block, address, evaluator, env)
            children.append((child, tree._evaluator(resolved, child, inputs)))
        return _Prepared(resolved, tuple(children), _module_call(block, expansions, children))


def _shapes(source: ModuleSource) -> Shapes:
    """The ``Shape`` of each of the module's blocks, kept with its parse: a shared module called by many roots
    is shaped once per run, not once per root (terraform-aws-vpc's 16 examples: 6% of a run), and dropped with
    it (``ModuleLoader.release``)."""
    found: Shapes | None = source.derived.get("shapes")
    if found is None:
        found = source.derived["shapes"] = Shapes()
    return found


def _module_blocks(source: ModuleSource) -> dict[str, tuple[str, m.Block]]:
    """The module's calls by name (the first of a name), with their files: read once per run, not per instance."""
    found: dict[str, tuple[str, m.Block]] | None = source.derived.get("calls")
    if found is None:
        found = source.derived["calls"] = {}
        for hcl in source.files:
            for block in hcl.blocks:
                if block.type == "module" and block.labels:
                    found.setdefault(block.labels[0], (hcl.path, block))
    return found


def _module_call(
    block: m.Block, expansions: list[tuple[str, dict[str, Any]]], children: list[tuple[Instance, _Calls]]
) -> ModuleCall[Evaluator]:
    """The instances of a call by ``count`` index or ``for_each`` key, from the expansions made."""
    kind = "count" if block.attribute("count") is not None else "for_each" if block.attribute("for_each") else "one"
    if kind == "one":
        return ModuleCall(kind, {None: children[0][1].evaluator})
    if len(expansions) == 1 and expansions[0][0] == "":  # one instance standing for all: each/count unknown
        unknown = next(iter(expansions[0][1].values()))
        return ModuleCall(kind, unknown=unknown.reason if isinstance(unknown, Unknown) else "not expanded")
    instances: dict[Any, Evaluator] = {}
    for (_, env), (_, child) in zip(expansions, children, strict=True):
        instances[env["count"]["index"] if kind == "count" else env["each"]["key"]] = child.evaluator
    return ModuleCall(kind, instances)
