"""Terragrunt: ``terragrunt.hcl`` units read (``config``: includes, locals, dependencies, terragrunt's
functions inside the repository, ``paths``), merged (``merge``) and instantiated like module calls
(``units``); ``load`` is the run. Nothing is executed; remote modules are followed only from a
``.terragrunt-cache`` inside the tree."""

from __future__ import annotations

from ownlint.loaders.terraform.terragrunt.load import TERRAGRUNT_FILE, Units, read_units

__all__ = ["TERRAGRUNT_FILE", "Units", "read_units"]
