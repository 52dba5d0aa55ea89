"""``--diff-base REF``: the findings at the merge base of HEAD and REF.

The base's files are written into a private temporary directory (``checkout``: no checkout, hook or
filter), the same check runs there with the same paths, options and config, and the directory is removed.
No result is cached: a cache would be one more thing to trust, and the parse cache already makes the
base's unchanged files cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ownlint.model import Finding
from ownlint.vcs import checkout, git
from ownlint.vcs.tree import inside

RunAt = Callable[[Path], list[Finding]]  # (the base's files, written as a repository top) -> its findings
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # Namespaces elsewhere lend labels to the manifests checked


def findings_at_merge_base(
    ref: str, top: Path, wanted: checkout.Wanted, run_at: RunAt, environ: Mapping[str, str]
) -> tuple[list[Finding], str]:
    """The findings at the merge base of HEAD and ``ref``, and a description of the base."""
    commit = git.merge_base(ref, top, environ)
    with checkout.materialised(top, commit, wanted, environ) as tree:
        found = run_at(tree)
    return found, f"{ref} (merge base {commit[:12]})"


def wanted(top: Path, root: Path, named: Iterable[str], also: Iterable[str]) -> checkout.Wanted:
    """The files of the base a check of ``root`` can read: all under it, Terraform files and manifests
    anywhere (the modules it calls and their callers, Namespaces), the files the options name, and
    ``also`` (repository paths: the CODEOWNERS files)."""
    under = inside(top, root) or ""
    extra = {*(p for p in (inside(top, Path(n)) for n in named) if p), *also}

    def wants(path: str) -> bool:
        anywhere = path.endswith((*TERRAFORM_SUFFIXES, *MANIFEST_SUFFIXES))
        return not under or path.startswith(f"{under}/") or anywhere or path in extra

    return wants
