"""Terraform (HCL, Terraform's JSON syntax, plan JSON) -> resources with effective tags and provenance.

The run: ``load`` finds the module directories (``directories``: parsed once, through ``cache``, by a
``backends`` parser into the ``expr`` model) and the root modules (``roots``, ``callers``; ``workers`` when
there are many), instantiates each root with what it calls (``instances``: ``variables``, ``providers``,
``expansion`` of ``for_each``/``count``, ``resources`` with their ``tags``, ``addresses`` and references),
evaluated by ``evaluate`` (``functions``, ``operators``, ``strings``, ``types``, ``values``, within a
``budget``); a ``--plan`` replaces what it knows (``plan``). This module only re-exports.
"""

from __future__ import annotations

from ownlint.loaders.terraform.directories import (
    ModuleLoader,
    ModuleSource,
    is_terraform_file,
    is_tfvars,
    repository_of,
    terraform_files,
)
from ownlint.loaders.terraform.inputs import COMMAND_LINE, TerraformInputs
from ownlint.loaders.terraform.load import fold_instances, load_terraform

__all__ = [
    "COMMAND_LINE",
    "ModuleLoader",
    "ModuleSource",
    "TerraformInputs",
    "fold_instances",
    "is_terraform_file",
    "is_tfvars",
    "load_terraform",
    "repository_of",
    "terraform_files",
]
