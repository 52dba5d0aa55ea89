"""What the command line gives the Terraform loader (``TerraformInputs``), and the root-module variable values it
sets: ``TF_VAR_*`` (with ``--env-vars``), ``--var-file`` and ``--var``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint.errors import OwnlintError
from ownlint.loaders.files import relative
from ownlint.loaders.terraform.backends import DEFAULT_BACKEND, ExpressionParser, expression_parser_for
from ownlint.model import LoadProblem, Place, PlaceKind
from ownlint.records import record

if TYPE_CHECKING:
    from ownlint.loaders.terraform import expr as m
    from ownlint.loaders.terraform.directories import ModuleLoader
    from ownlint.loaders.terraform.evaluate import Binding


COMMAND_LINE = "(command line)"


@record(frozen=True)
class TerraformInputs:
    """Root-module inputs given on the command line, and the parser backend."""

    var_files: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()  # NAME=VALUE
    env_vars: bool = False
    parser: str = DEFAULT_BACKEND
    environ: Mapping[str, str] = field(default_factory=dict)
    plans: tuple[str, ...] = ()  # --plan files
    cache_dir: str | None = None  # where parsed files are cached (None: no cache, as --no-cache asks)


def root_overrides(loader: ModuleLoader, inputs: TerraformInputs) -> list[tuple[str, Binding]]:
    """Root variable values from ``TF_VAR_*`` (with ``--env-vars``), ``--var-file`` and ``--var``, in that order."""
    if not (inputs.env_vars or inputs.var_files or inputs.variables):
        return []  # none: neither the evaluator nor a parser is imported (a warm run may need neither)
    from ownlint.loaders.terraform.evaluate import Binding  # the evaluator: not for a run that reads no Terraform

    parse_expression = expression_parser_for(inputs.parser)
    found: list[tuple[str, Binding]] = []
    if inputs.env_vars:
        for name, text in sorted(inputs.environ.items()):
            if name.startswith("TF_VAR_") and len(name) > 7:
                place = Place("(environment)", 0, name, PlaceKind.ENVIRONMENT, name[7:])
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
            place = Place(
                where, attribute.line, f"var.{attribute.name} in --var-file", PlaceKind.VAR_FILE, attribute.name
            )
            found.append((attribute.name, Binding(attribute.expr, place)))
    for assignment in inputs.variables:
        name, equals, text = assignment.partition("=")
        if not equals or not name.strip():
            raise OwnlintError(f"--var {assignment!r}: expected NAME=VALUE")
        place = Place(COMMAND_LINE, 0, f"--var {name.strip()}", PlaceKind.VAR_OPTION, name.strip())
        found.append((name.strip(), Binding(_cli_value(text, parse_expression), place)))
    return found


def _cli_value(text: str, parse_expression: ExpressionParser) -> m.Expr:
    """As Terraform reads ``-var``: a string, unless it is written as a list or map expression."""
    from ownlint.loaders.terraform import expr as m  # the HCL model: not for a run that reads no Terraform

    if text.strip().startswith(("{", "[")):
        return parse_expression(text)
    return m.Lit(text)
