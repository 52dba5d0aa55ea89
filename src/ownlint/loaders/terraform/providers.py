"""Providers: AWS ``default_tags`` and Google ``default_labels`` (aliases too), passed into child modules
implicitly or as a call's ``providers`` map says, and read back by ``data "aws_default_tags"``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.overrides import file_of
from ownlint.loaders.terraform.tags import TracedTags, trace_tags
from ownlint.loaders.terraform.values import PartialMap, Unknown
from ownlint.loaders.terraform.variables import top_blocks
from ownlint.model import Place, PlaceKind

# Providers whose configuration adds tags to every resource (AWS default_tags, Google default_labels).
DEFAULT_TAGGING = ("aws", "google", "google-beta")


@dataclass(frozen=True)
class ProviderTags:
    """A provider's default tags (``key``: the provider and its alias) and where they are set."""

    key: str
    traced: TracedTags
    place: Place
    caller: bool = False  # configured by a caller the scan does not have: nothing to edit here


def caller_providers(files: Sequence[m.HclFile], module: str) -> dict[str, ProviderTags]:
    """A library's providers that can add tags: its caller configures them, so what they add is unknown."""
    keys = set(DEFAULT_TAGGING)
    for hcl in files:
        for block in top_blocks(hcl, "resource"):
            key = provider_key(block, block.labels[0]) if block.labels else ""
            if key.split(".", 1)[0] in DEFAULT_TAGGING:
                keys.add(key)
    first = files[0].path if files else module
    providers = {}
    for key in sorted(keys):
        reason = f'provider "{key}" of library module {module} may add default tags: depends on the caller'
        place = Place(first, 1, f'the caller\'s provider "{key}"', PlaceKind.PROVIDER_DEFAULTS, key)
        providers[key] = ProviderTags(key, TracedTags(opaque=[reason]), place, caller=True)
    return providers


def providers_of(
    files: Sequence[m.HclFile], evaluator: Evaluator, inherited: dict[str, ProviderTags] | None = None
) -> dict[str, ProviderTags]:
    """The providers a module's resources use: those it configures itself (legacy in a called module, but
    valid) shadow the ones of the same name and alias it inherits, default tags or none."""
    providers = dict(inherited or {})
    for hcl in files:
        for block in top_blocks(hcl, "provider"):
            if not block.labels:
                continue
            alias = block.attribute("alias")
            alias_value = evaluator.value(alias.expr) if alias is not None else None
            key = block.labels[0] + (f".{alias_value}" if isinstance(alias_value, str) else "")
            tags = _provider_tags(hcl.path, block, evaluator, key)
            if tags is not None:
                providers[key] = tags
            else:
                providers.pop(key, None)
    return providers


def _provider_tags(path: str, block: m.Block, evaluator: Evaluator, key: str) -> ProviderTags | None:
    for nested in block.children("default_tags"):
        attribute = nested.attribute("tags")
        if attribute is not None:
            place = Place(
                file_of(attribute, path),
                attribute.line,
                f'provider "{key}" default_tags',
                PlaceKind.PROVIDER_DEFAULTS,
                key,
            )
            return ProviderTags(key, trace_tags(attribute.expr, evaluator, place), place)
    labels = block.attribute("default_labels")
    if labels is not None:
        place = Place(
            file_of(labels, path), labels.line, f'provider "{key}" default_labels', PlaceKind.PROVIDER_DEFAULTS, key
        )
        return ProviderTags(key, trace_tags(labels.expr, evaluator, place), place)
    return None


def providers_passed(call: m.Block, providers: dict[str, ProviderTags]) -> dict[str, ProviderTags]:
    """Default providers pass to a child implicitly; a ``providers = {aws = aws.west}`` map replaces them."""
    passed = {k: v for k, v in providers.items() if "." not in k}
    mapping = call.attribute("providers")
    if mapping is not None and isinstance(mapping.expr, m.ObjectExpr):
        for item in mapping.expr.items:
            inner, outer = dotted(item.key), dotted(item.value)
            if inner is None or outer is None:
                continue
            if outer in providers:
                passed[inner] = providers[outer]
            else:
                passed.pop(inner, None)
    return passed


def dotted(expr: m.Expr) -> str | None:
    """``aws.west`` for a provider reference (or the quoted key ``"aws.west"``)."""
    if isinstance(expr, m.Name):
        return expr.name
    if isinstance(expr, m.Lit) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, m.Traversal) and isinstance(expr.base, m.Name):
        names = [s.name for s in expr.steps if isinstance(s, m.AttrStep)]
        if len(names) == len(expr.steps):
            return ".".join([expr.base.name, *names])
    return None


def add_default_tags_data(files: Sequence[m.HclFile], evaluator: Evaluator, providers: dict[str, ProviderTags]) -> None:
    """``data "aws_default_tags"`` reads its provider's default tags: known wherever those are."""
    for hcl in files:
        for block in top_blocks(hcl, "data"):
            if len(block.labels) < 2 or block.labels[0] != "aws_default_tags":
                continue
            provider = providers.get(provider_key(block, "aws"))
            traced = provider.traced if provider is not None else TracedTags()
            known = {k: (t.value if t.known else Unknown(t.reason or "unknown")) for k, t in traced.entries.items()}
            tags: Any = PartialMap(known, tuple(traced.opaque)) if traced.opaque else known
            key = f"aws_default_tags.{block.labels[1]}"
            evaluator.add_data(key, {"tags": tags, "id": "default"}, traced)


def provider_key(block: m.Block, resource_type: str) -> str:
    attribute = block.attribute("provider")
    if attribute is not None:
        named = dotted(attribute.expr)
        if named is not None:
            return named
    return resource_type.split("_", 1)[0]
