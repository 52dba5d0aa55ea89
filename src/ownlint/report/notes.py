"""What a run did not read that a user may think it did, said as notes.

Files are named as a person opens them from the current directory (``report.paths.for_humans``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ownlint.config import config_top
from ownlint.loaders.discovery import Discovered
from ownlint.model import LoadResult
from ownlint.report.paths import for_humans, plural

MISSPELT_CONFIGS = ("ownlint.yml", ".ownlint.yml")
SHOWN = 3  # paths listed in a note; "..." for the rest


def skipped_notes(
    paths: Sequence[Path], found: Discovered, kubernetes: LoadResult, config_given: bool, stdin_named: bool
) -> list[str]:
    """Symlinks not followed, ``.hcl`` files that are not Terraform, Helm templates, a config spelt
    ``ownlint.yml`` (``config_given``: one was given instead), and standard input (``stdin_named``) without
    a manifest (HCL piped in is not read)."""
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
    if not config_given:
        top = config_top(paths, found.root)
        said.extend(
            f"not read: {for_humans(top / name)}: the config is read from ownlint.yaml or .ownlint.yaml"
            for name in MISSPELT_CONFIGS
            if (top / name).is_file()
        )
    if stdin_named and not _stdin_read(kubernetes):
        said.append(
            "standard input held no Kubernetes object: only manifests are read from standard input "
            "(give Terraform files as paths)"
        )
    return said


def _stdin_read(kubernetes: LoadResult) -> bool:
    from ownlint.loaders.kubernetes.load import STDIN_NAME, manifests_read  # a run that read standard input has it

    return STDIN_NAME in manifests_read(kubernetes)


def _listed(paths: Sequence[Path]) -> str:
    return ", ".join(for_humans(p) for p in paths[:SHOWN]) + (", ..." if len(paths) > SHOWN else "")


def _chart_of(template: Path) -> Path:
    return next(p.parent for p in template.parents if p.name == "templates")


def plan_like_note(found: Discovered, given: Sequence[str]) -> list[str]:
    """The note on plan-like files in the tree that were not read (those also given with --plan are)."""
    named = {Path(p).resolve() for p in given}
    unread = [for_humans(p) for p in found.plan_like if p.resolve() not in named]
    if not unread:
        return []
    listed = ", ".join(unread[:3]) + (", ..." if len(unread) > 3 else "")
    files, verb = plural(len(unread), "file"), "looks" if len(unread) == 1 else "look"
    return [
        f"not read: {files} that {verb} like a Terraform plan ({listed}); "
        "ownlint reads a plan only when it is given with --plan FILE"
    ]
