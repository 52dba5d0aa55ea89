"""What a run reads: paths (``-`` for standard input), the config, and the Terraform root inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from ownlint.loaders.files import MAX_FILE_BYTES
from ownlint.loaders.terraform import TerraformInputs
from ownlint.model import Progress

STDIN = "-"


@dataclass(frozen=True)
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
