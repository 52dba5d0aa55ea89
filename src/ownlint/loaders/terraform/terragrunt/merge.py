"""What a unit takes from its ``include`` blocks, as terragrunt merges it (``merge_strategy``): ``shallow``
(the default: the child's top-level keys and blocks win), ``deep`` (maps merged recursively, lists
concatenated), ``no_merge`` (nothing; readable through ``expose`` only). Later includes win over earlier."""

from __future__ import annotations

from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Binding
from ownlint.loaders.terraform.terragrunt.config import ConfigFile
from ownlint.loaders.terraform.values import PartialMap, Unknown, to_text
from ownlint.model import Place, PlaceKind

MAX_DEEP_MERGE = 32  # nesting of maps merged by merge_strategy = "deep"


def _strategy(config: ConfigFile, block: m.Block) -> str:
    attribute = block.attribute("merge_strategy")
    value = config.value(attribute.expr) if attribute is not None else "shallow"
    return value if value in ("shallow", "deep", "no_merge") else "shallow"


def _merged_parents(config: ConfigFile) -> list[tuple[ConfigFile, str]]:
    return [(p, s) for b, p in config.includes if (s := _strategy(config, b)) != "no_merge"]


def merged_source(config: ConfigFile) -> tuple[ConfigFile, m.Attribute] | None:
    """The ``terraform { source }`` in effect, and the file it is written in: the child's, else the last include's."""
    for where in (config, *(p for p, _ in reversed(_merged_parents(config)))):
        for block in where.blocks("terraform"):
            source = block.attribute("source")
            if source is not None:
                return where, source
    return None


def merged_generate(config: ConfigFile) -> dict[str, tuple[ConfigFile, m.Block]]:
    """``generate`` blocks by label: the includes' in order, then the child's (a label replaces)."""
    found: dict[str, tuple[ConfigFile, m.Block]] = {}
    for where in (*(p for p, _ in _merged_parents(config)), config):
        for block in where.blocks("generate"):
            if block.labels:
                found[block.labels[0]] = (where, block)
    return found


def merged_inputs(config: ConfigFile, what: str) -> tuple[dict[str, Binding], str]:
    """The unit's ``inputs`` by name, each bound where it is written; and why more may exist ("" if not)."""
    result: dict[str, Binding] = {}
    unknown: list[str] = []
    parents = _merged_parents(config)
    for parent, strategy in parents:
        _merge_into(result, _inputs_of(parent, what, unknown), strategy == "deep")
    _merge_into(result, _inputs_of(config, what, unknown), any(s == "deep" for _, s in parents))
    return result, "; ".join(unknown)


def _inputs_of(config: ConfigFile, what: str, unknown: list[str]) -> dict[str, Binding]:
    attribute = config.attribute("inputs")
    if attribute is None:
        return {}
    found: dict[str, Binding] = {}
    if isinstance(attribute.expr, m.ObjectExpr):
        for item in attribute.expr.items:
            key = config.value(item.key)
            if isinstance(key, Unknown):
                unknown.append(f"an input name is unknown: {key.reason} ({config.shown}:{item.line})")
                continue
            place = Place(
                config.shown, item.line, f"input {to_text(key)} of {what}", PlaceKind.MODULE_INPUT, to_text(key), what
            )
            found[to_text(key)] = Binding(item.value, place, scope=config.evaluator, env=config.env)
        return found
    value = config.value(attribute.expr)
    known = value.known if isinstance(value, PartialMap) else value if isinstance(value, dict) else {}
    if isinstance(value, PartialMap):
        unknown.extend(f"{r} ({config.shown}:{attribute.line})" for r in value.reasons)
    elif isinstance(value, Unknown):
        unknown.append(f"{value.reason} ({config.shown}:{attribute.line})")
    elif not isinstance(value, dict):
        unknown.append(f"inputs is not a map ({config.shown}:{attribute.line})")
    for key, item in known.items():
        found[key] = Binding(
            m.Lit(item),
            Place(config.shown, attribute.line, f"input {key} of {what}", PlaceKind.MODULE_INPUT, key, what),
        )
    return found


def _merge_into(result: dict[str, Binding], new: dict[str, Binding], deep: bool) -> None:
    for key, binding in new.items():
        before = result.get(key)
        if deep and before is not None:
            merged = _deep(_value(before), _value(binding), 0)
            if merged is not None:
                result[key] = Binding(m.Lit(merged), binding.place)
                continue
        result[key] = binding


def _value(binding: Binding) -> Any:
    if binding.scope is not None and binding.expr is not None:
        return binding.scope.value(binding.expr, binding.env)
    return binding.expr.value if isinstance(binding.expr, m.Lit) else None


def _deep(parent: Any, child: Any, depth: int) -> Any:
    """Maps merged recursively (child wins on other values), lists concatenated; None: child replaces."""
    if depth > MAX_DEEP_MERGE:
        return None
    if isinstance(parent, dict) and isinstance(child, dict):
        merged = dict(parent)
        for key, value in child.items():
            inner = _deep(parent[key], value, depth + 1) if key in parent else None
            merged[key] = value if inner is None else inner
        return merged
    if isinstance(parent, list) and isinstance(child, list):
        return [*parent, *child]
    return None
