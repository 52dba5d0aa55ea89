"""Terraform's built-in functions, by name: ``core`` (the first ones, with ``merge`` and ``lookup`` that
understand partially known maps), ``collections`` (sets, regex, lists, numbers), ``encoding`` (hashes,
base64, YAML, CSV, CIDR). Functions that read the clock, randomness, the environment or files stay
unknown with the reason ("function X() is not evaluated by ownlint")."""

from __future__ import annotations

from ownlint.loaders.terraform.functions.collections import MORE
from ownlint.loaders.terraform.functions.core import CORE, FREE, Function
from ownlint.loaders.terraform.functions.core import DEEP as CORE_DEEP
from ownlint.loaders.terraform.functions.encoding import ENCODING

FUNCTIONS: dict[str, Function] = {**CORE, **MORE, **ENCODING}
DEEP = CORE_DEEP | set(MORE) | {"yamlencode"}  # they walk their arguments to the leaves

__all__ = ["DEEP", "FREE", "FUNCTIONS", "Function"]
