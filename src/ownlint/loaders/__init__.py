"""Loaders turn files into resources; they never decide policy.

``discovery`` finds what a run reads (and the context it reads from), ``files`` reads one file within its
bounds, ``terraform/`` and ``kubernetes/`` make resources, ``codeowners`` maps files to owners, ``nesting``
refuses what is nested too deep to parse safely.
"""

from __future__ import annotations

from ownlint.loaders.codeowners import PLACES as CODEOWNERS_PLACES
from ownlint.loaders.codeowners import load_codeowners
from ownlint.loaders.discovery import Discovered, discover, scan_root
from ownlint.loaders.files import MAX_FILE_BYTES, relative
from ownlint.loaders.kubernetes import load_kubernetes, manifests_read
from ownlint.loaders.terraform import TerraformInputs, load_terraform
from ownlint.loaders.terraform.terragrunt import read_units

__all__ = [
    "CODEOWNERS_PLACES",
    "MAX_FILE_BYTES",
    "Discovered",
    "TerraformInputs",
    "discover",
    "load_codeowners",
    "load_kubernetes",
    "load_terraform",
    "manifests_read",
    "read_units",
    "relative",
    "scan_root",
]
