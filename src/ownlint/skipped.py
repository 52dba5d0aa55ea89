"""What a run did not read that a user may think it did, said as notes; and which files count as read.

Files are named as a person opens them from the current directory (``report.paths.for_humans``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ownlint.config import config_top
from ownlint.discovery import Discovered
from ownlint.inputs import STDIN, Inputs
from ownlint.model import LoadResult
from ownlint.report.paths import for_humans, plural

STDIN_NAME = "<stdin>"  # as the Kubernetes loader names standard input
MISSPELT_CONFIGS = ("ownlint.yml", ".ownlint.yml")
SHOWN = 3  # paths listed in a note; "..." for the rest


def manifests_read(kubernetes: LoadResult) -> tuple[str, ...]:
    """The manifests that count as files checked: those that held a Kubernetes object or could not be read
    as one (an OWN000 is located in them). Other YAML and JSON (CI workflows, chart values, OpenAPI) does
    not: a summary of "30 files" should count the infrastructure that was judged, as flake8 counts .py files."""
    held = {r.file for r in kubernetes.resources} | {p.file for p in kubernetes.problems}
    return tuple(f for f in kubernetes.files if f in held)


def notes(inputs: Inputs, paths: Sequence[Path], found: Discovered, kubernetes: LoadResult) -> list[str]:
    """Symlinks not followed, ``.hcl`` files that are not Terraform, Helm templates, a config spelt
    ``ownlint.yml``, and standard input without a manifest (HCL piped in is not read)."""
    said: list[str] = []
    if found.outside_links:
        links = plural(len(found.outside_links), "symlink")
        said.append(f"skipped {links} pointing outside the scanned tree: {_listed(found.outside_links)}")
    if found.not_terraform:
        files = plural(len(found.not_terraform), ".hcl file")
        verb = "is" if len(found.not_terraform) == 1 else "are"
        listed = _listed(found.not_terraform)
        said.append(f"skipped {files} that {verb} not Terraform (ownlint reads *.tf and *.tf.json): {listed}")
    if found.helm_templates:
        charts = ", ".join(sorted({for_humans(_chart_of(p)) for p in found.helm_templates}))
        templates = plural(len(found.helm_templates), "Helm chart template file")
        said.append(f"skipped {templates} in {charts}: render them first, e.g. `helm template CHART | ownlint check -`")
    if inputs.config is None and inputs.config_ref is None:
        top = config_top(paths, found.root)
        said.extend(
            f"not read: {for_humans(top / name)}: the config is read from ownlint.yaml or .ownlint.yaml"
            for name in MISSPELT_CONFIGS
            if (top / name).is_file()
        )
    if STDIN in inputs.paths and STDIN_NAME not in manifests_read(kubernetes):
        said.append(
            "standard input held no Kubernetes object: only manifests are read from standard input "
            "(give Terraform files as paths)"
        )
    return said


def _listed(paths: Sequence[Path]) -> str:
    return ", ".join(for_humans(p) for p in paths[:SHOWN]) + (", ..." if len(paths) > SHOWN else "")


def _chart_of(template: Path) -> Path:
    return next(p.parent for p in template.parents if p.name == "templates")
