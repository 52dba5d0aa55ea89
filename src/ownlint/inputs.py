"""What a run reads: paths (``-`` for standard input), the config, and the Terraform root inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, replace
from pathlib import Path

from ownlint.loaders.files import MAX_FILE_BYTES
from ownlint.loaders.terraform.inputs import TerraformInputs
from ownlint.model import Progress
from ownlint.records import record
from ownlint.vcs.tree import inside

STDIN = "-"


@record(frozen=True)
class Inputs:
    """What to read: paths, config, and the Terraform root inputs (``--var``, ``--var-file``, ``--plan``)."""

    paths: tuple[str, ...] = (".",)
    config: str | None = None
    config_ref: str | None = None  # read the config at the top of the repository at this git ref
    stdin_text: str | None = None
    terraform: TerraformInputs = field(default_factory=TerraformInputs)
    jobs: int = 1  # processes that parse files, when there are many (``--jobs``)
    max_file_bytes: int = MAX_FILE_BYTES  # larger files are skipped with a located problem
    inline_suppressions: bool = True  # False: only the config's waivers (``--no-inline-suppressions``)
    # the scan root, where the paths alone would give another: the base of ``--diff-base`` is laid out
    # where the head is, so that files, stacks and fingerprints agree
    root: str | None = None
    progress: Progress | None = field(default=None, compare=False, repr=False)  # cli's bar, on a terminal
    # the process environment as the command line read it: what git runs with (``vcs.git`` cleans it)
    environ: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    helm: str | None = None  # the helm binary the command line found on PATH: charts are rendered with it


def relocated(inputs: Inputs, top: Path, tree: Path, root: Path) -> Inputs:
    """``inputs`` with every path inside the repository at ``top``, and the head's scan ``root``, moved
    into a copy of its files at ``tree`` (the merge base of ``--diff-base``; the private copy ``fix`` edits)."""

    def move(text: str) -> str:
        relative = inside(top, Path(text))
        return text if relative is None else str(tree / relative)

    paths = tuple(moved for moved in (move(p) for p in inputs.paths) if Path(moved).exists())
    terraform = replace(
        inputs.terraform,
        var_files=tuple(move(v) for v in inputs.terraform.var_files),
        plans=tuple(move(p) for p in inputs.terraform.plans),
    )
    return replace(inputs, paths=paths, terraform=terraform, root=move(str(root)))
