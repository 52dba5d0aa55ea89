"""Module instances: a root module and everything it calls, each call evaluated with its inputs and providers,
per ``for_each``/``count`` instance, within the bounds of depth, instances and records (the loader later
folds instances whose effective tags agree)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.addresses import Instance, Shapes
from ownlint.loaders.terraform.budget import Budget
from ownlint.loaders.terraform.directories import ModuleSource, Opaque, Resolved, Resolver
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.expansion import instances_of, unexpanded
from ownlint.loaders.terraform.providers import (
    ProviderTags,
    add_default_tags_data,
    caller_providers,
    providers_of,
    providers_passed,
)
from ownlint.loaders.terraform.resources import MAX_RESOURCE_RECORDS, block_resources, module_node
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.loaders.terraform.variables import call_inputs, library_variables, locals_of, root_variables
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
    shapes: Shapes = field(default_factory=Shapes)
    budget: Budget = field(default_factory=Budget)  # of evaluation: one root module, all it calls

    def load_root(
        self, source: ModuleSource, stack: str, overrides: Sequence[tuple[str, Binding]], library: bool = False
    ) -> None:
        """Load a root module (a ``library``: one with no caller in the scan and no sign of being a root)."""
        variables = library_variables(source) if library else root_variables(source, overrides)
        inherited = caller_providers(source.files, source.path) if library else {}
        self._instance(source, Instance(stack, chain=(source.path,)), variables, inherited)
        stopped = self.budget.problem(source.files[0].path if source.files else source.path)
        if stopped is not None:
            self.problems.append(stopped)

    def _instance(
        self,
        source: ModuleSource,
        where: Instance,
        variables: dict[str, Binding],
        inherited: dict[str, ProviderTags],
    ) -> None:
        evaluator = Evaluator(variables, locals_of(source.files), prefix=where.prefix, budget=self.budget)
        providers = providers_of(source.files, evaluator, inherited)
        add_default_tags_data(source.files, evaluator, providers)
        for hcl in source.files:
            for block in hcl.blocks:
                if block.type in ("resource", "data") and len(block.labels) >= 2:
                    room = MAX_RESOURCE_RECORDS - len(self.resources)
                    shape = self.shapes.of(block)
                    found = block_resources(where, hcl.path, block, shape, evaluator, providers, self.index, room)
                    self.resources.extend(found)
                elif block.type == "module" and block.labels:
                    self._call(source, where, hcl.path, block, evaluator, providers)

    def _call(
        self,
        source: ModuleSource,
        where: Instance,
        path: str,
        block: m.Block,
        evaluator: Evaluator,
        providers: dict[str, ProviderTags],
    ) -> None:
        name = block.labels[0]
        address = f"{where.prefix}module.{name}"
        key = f"{where.module_key}.{name}" if where.module_key else name
        source_attribute = block.attribute("source")
        source_text = evaluator.value(source_attribute.expr) if source_attribute is not None else None
        if not isinstance(source_text, str):
            resolved: Resolved = Opaque("its source is not a literal string")
        else:
            resolved = self.resolve(source, source_text, key, path, block.line)
        if isinstance(resolved, ModuleSource) and resolved.path in where.chain:
            cycle = " -> ".join([*where.chain, resolved.path])
            resolved = LoadProblem(path, block.line, f"module.{name} calls itself: {cycle}")
        elif isinstance(resolved, ModuleSource) and len(where.chain) >= MAX_MODULE_DEPTH:
            resolved = LoadProblem(path, block.line, f"module.{name}: modules nest more than {MAX_MODULE_DEPTH} deep")
        opaque: tuple[str, ...] = ()
        if isinstance(resolved, LoadProblem):
            self.problems.append(resolved)
            opaque = (resolved.message,)
        elif isinstance(resolved, Opaque):
            opaque = (resolved.reason,)
            self.notes.append(f"{address} ({path}:{block.line}): {resolved.reason}")
        self.resources.append(module_node(where, path, block, self.shapes.of(block), address, opaque, evaluator))
        if not isinstance(resolved, ModuleSource):
            return
        child_providers = providers_passed(block, providers)
        expansions = instances_of(block, evaluator, address)
        if self.module_instances + len(expansions) > MAX_MODULE_INSTANCES:
            expansions = unexpanded(block, address, f"more than {MAX_MODULE_INSTANCES} module instances in this root")
        self.module_instances += len(expansions)
        for suffix, env in expansions:
            child = Instance(
                stack=where.stack,
                prefix=f"{address}.",
                instance_prefix=f"{where.instance_prefix}module.{name}{suffix}.",
                chain=(*where.chain, resolved.path),
                module_key=key,
            )
            inputs = call_inputs(resolved, path, block, address, evaluator, env)
            self._instance(resolved, child, inputs, child_providers)
