"""The variables and locals of a module instance: a root module's take their defaults, then
``terraform.tfvars`` and ``*.auto.tfvars`` (lexical order), then ``--var-file``/``--var``; a called module's
take the call's arguments, evaluated in the caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.directories import ModuleSource
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.overrides import file_of
from ownlint.model import Place, PlaceKind


def root_variables(source: ModuleSource, overrides: Sequence[tuple[str, Binding]]) -> dict[str, Binding]:
    """A root module's variables: defaults, then ``terraform.tfvars`` and ``*.auto.tfvars``, then
    ``overrides`` (``--var-file`` and ``--var`` values, in order; names the module does not declare are ignored)."""
    bindings = _declared(source, lambda name: f"var.{name} has no default and no value in terraform.tfvars")
    for values in source.tfvars:
        for attribute in values.attributes:
            if attribute.name in bindings:
                what = f"var.{attribute.name} in {values.path.rsplit('/', 1)[-1]}"
                place = Place(values.path, attribute.line, what, PlaceKind.TFVARS, attribute.name)
                bindings[attribute.name] = Binding(attribute.expr, place, type=bindings[attribute.name].type)
    for name, binding in overrides:
        if name in bindings:
            bindings[name] = replace(binding, type=bindings[name].type)
    return bindings


def library_variables(source: ModuleSource) -> dict[str, Binding]:
    """A library module's variables: whatever they hold comes from a caller the scan does not have."""
    why = f"library module {source.path}: depends on the caller"
    return {
        name: Binding(None, binding.place, f"var.{name} is an input of {why}", type=binding.type)
        for name, binding in variables_of(source).items()
    }


def _declared(source: ModuleSource, missing: Callable[[str], str]) -> dict[str, Binding]:
    """The module's variables with their defaults (a fresh table: callers change it); one with none is
    ``missing`` its value."""
    return {
        name: binding if binding.expr is not None else Binding(None, binding.place, missing(name), type=binding.type)
        for name, binding in variables_of(source).items()
    }


def variables_of(source: ModuleSource) -> dict[str, Binding]:
    """The module's ``variable`` blocks as bindings to their defaults (reason "" where there is none):
    read once per run (``ModuleSource.derived``), not once per module instance."""
    found: dict[str, Binding] | None = source.derived.get("variables")
    if found is not None:
        return found
    bindings: dict[str, Binding] = {}
    for hcl in source.files:
        for block in top_blocks(hcl, "variable"):
            name = block.labels[0] if block.labels else ""
            default = block.attribute("default")
            constraint = block.attribute("type")
            type_expr = constraint.expr if constraint is not None else None
            if default is not None:
                place = Place(
                    file_of(default, hcl.path), default.line, f"default of var.{name}", PlaceKind.VARIABLE_DEFAULT, name
                )
                bindings[name] = Binding(default.expr, place, type=type_expr)
            else:
                place = Place(hcl.path, block.line, f"variable {name}", PlaceKind.VARIABLE, name)
                bindings[name] = Binding(None, place, type=type_expr)
    source.derived["variables"] = bindings
    return bindings


def call_inputs(
    child: ModuleSource,
    path: str,
    call: m.Block,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> dict[str, Binding]:
    """The child's variables: the call's arguments (evaluated in the caller), else their defaults."""
    bindings = _declared(child, lambda name: f"var.{name} has no default and {address} does not set it")
    for attribute in call.attributes:
        if attribute.name in bindings:
            place = Place(
                file_of(attribute, path),
                attribute.line,
                f"input {attribute.name} of {address}",
                PlaceKind.MODULE_INPUT,
                attribute.name,
                address,
            )
            declared = bindings[attribute.name]
            bindings[attribute.name] = Binding(attribute.expr, place, scope=evaluator, env=env, type=declared.type)
    return bindings


def top_blocks(hcl: m.HclFile, block_type: str) -> list[m.Block]:
    return [b for b in hcl.blocks if b.type == block_type]


def module_locals(source: ModuleSource) -> dict[str, Binding]:
    """``locals_of`` the module, read once per run (as ``variables_of``; not to be changed)."""
    found: dict[str, Binding] | None = source.derived.get("locals")
    if found is None:
        found = source.derived["locals"] = locals_of(source.files)
    return found


def module_outputs(source: ModuleSource) -> dict[str, Binding]:
    """``outputs_of`` the module, read once per run (as ``variables_of``; not to be changed)."""
    found: dict[str, Binding] | None = source.derived.get("outputs")
    if found is None:
        found = source.derived["outputs"] = outputs_of(source.files)
    return found


def locals_of(files: Sequence[m.HclFile]) -> dict[str, Binding]:
    bindings: dict[str, Binding] = {}
    for hcl in files:
        for block in top_blocks(hcl, "locals"):
            for attribute in block.attributes:
                place = Place(
                    file_of(attribute, hcl.path),
                    attribute.line,
                    f"local.{attribute.name}",
                    PlaceKind.LOCAL,
                    attribute.name,
                )
                bindings[attribute.name] = Binding(attribute.expr, place)
    return bindings


def outputs_of(files: Sequence[m.HclFile]) -> dict[str, Binding]:
    """The module's outputs, for ``module.NAME.OUTPUT`` in its caller."""
    bindings: dict[str, Binding] = {}
    for hcl in files:
        for block in top_blocks(hcl, "output"):
            value = block.attribute("value")
            if block.labels and value is not None:
                name = block.labels[0]
                place = Place(file_of(value, hcl.path), value.line, f"output {name}", PlaceKind.OUTPUT, name)
                bindings[name] = Binding(value.expr, place)
    return bindings
