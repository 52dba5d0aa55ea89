"""Parser backends behind one seam: each turns HCL text into ownlint's ``HclFile`` model.

A backend is a module with ``NAME`` and ``parse(text, path) -> HclFile`` that raises
``HclSyntaxError``. Backends are imported only when chosen (python-hcl2 pulls in lark).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache, lru_cache
from types import ModuleType
from typing import TYPE_CHECKING

from ownlint.errors import OwnlintError

if TYPE_CHECKING:  # the model is imported by the backend chosen: a run that reads no HCL never imports it
    from ownlint.loaders.terraform.expr import Expr, HclFile, Outline

BACKENDS = {
    "tree-sitter": "ownlint.loaders.terraform.ts_backend",  # fast (C grammar); the default when installed
    "hcl2": "ownlint.loaders.terraform.hcl2_backend",  # the reference backend, and the fallback
}
DEFAULT_BACKEND = "auto"  # tree-sitter when its wheels import, else python-hcl2

ParseFunction = Callable[[str, str], "HclFile"]
ExpressionParser = Callable[[str], "Expr"]
OutlineFunction = Callable[[str, str], "Outline"]


@cache  # one function per backend: the loader's outline memo is keyed by it
def parser_for(name: str = DEFAULT_BACKEND) -> ParseFunction:
    """The backend's ``parse(text, path)``, the backend imported on the first call (a warm run whose roots the
    result cache answers parses nothing); an unknown name is refused now."""
    module_name = _module_name(name)
    found: list[ParseFunction] = []

    def parse(text: str, path: str) -> HclFile:
        if not found:
            found.append(importlib.import_module(module_name).parse)
        return found[0](text, path)

    return parse


@cache
def outline_for(name: str = DEFAULT_BACKEND) -> OutlineFunction:
    """The backend's ``outline(text, path)``, or one from a full parse where it has none; the backend is
    imported on the first call, as ``parser_for``'s."""
    module_name = _module_name(name)
    found: list[OutlineFunction] = []

    def outline(text: str, path: str) -> Outline:
        if not found:
            found.append(_outline_of(importlib.import_module(module_name)))
        return found[0](text, path)

    return outline


def _outline_of(backend: ModuleType) -> OutlineFunction:
    if hasattr(backend, "outline"):
        found: OutlineFunction = backend.outline
        return found
    from ownlint.loaders.terraform.expr import outline_of  # with the backend, not at import

    parse: ParseFunction = backend.parse
    return lambda text, path: outline_of(parse(text, path))


def expression_parser_for(name: str = DEFAULT_BACKEND) -> ExpressionParser:
    """The backend's ``parse_expression(text) -> Expr`` (for ``--var`` values and JSON-syntax templates)."""
    parse: ExpressionParser = _backend(name).parse_expression
    return parse


def resolve_backend(name: str) -> str:
    """``auto`` as the backend it stands for here."""
    if name == "auto":
        return "tree-sitter" if _tree_sitter_available() else "hcl2"
    return name


def _backend(name: str) -> ModuleType:
    return importlib.import_module(_module_name(name))


def _module_name(name: str) -> str:
    name = resolve_backend(name)
    module_name = BACKENDS.get(name)
    if module_name is None:
        raise OwnlintError(f"unknown HCL parser {name!r} (available: auto, {', '.join(sorted(BACKENDS))})")
    return module_name


@lru_cache(maxsize=1)
def _tree_sitter_available() -> bool:
    """Whether ``ts_backend.tree_sitter_parser()`` can be made (the same calls), without importing the backend
    and the HCL model: a warm run whose roots the result cache answers needs the name only, for its keys."""
    try:
        import tree_sitter
        import tree_sitter_hcl

        tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    except (ImportError, OSError, ValueError):
        return False
    return True
