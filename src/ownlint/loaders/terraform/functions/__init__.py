"""Terraform's built-in functions, by name: ``core`` (the first ones, with ``merge`` and ``lookup`` that
understand partially known maps), ``collections`` (sets, regex, lists, numbers), ``encoding`` (hashes,
base64, YAML, CSV, CIDR), ``times`` (timestamps given as arguments) and ``files`` (inside the repository:
bound per module instance by the evaluator). Functions that read the clock, randomness or the environment
stay unknown with the reason ("function X() is not evaluated by ownlint")."""

from __future__ import annotations

from ownlint.loaders.terraform.functions.collections import MORE
from ownlint.loaders.terraform.functions.core import CORE, FREE, Function
from ownlint.loaders.terraform.functions.core import DEEP as CORE_DEEP
from ownlint.loaders.terraform.functions.encoding import ENCODING
from ownlint.loaders.terraform.functions.times import TIMES

FUNCTIONS: dict[str, Function] = {**CORE, **MORE, **ENCODING, **TIMES}
DEEP = CORE_DEEP | set(MORE) | {"yamlencode"}  # they walk their arguments to the leaves

__all__ = ["DEEP", "FREE", "FUNCTIONS", "Function"]
