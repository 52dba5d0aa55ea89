"""``ownlint init``: write the built-in preset as an ``ownlint.yaml`` to edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ownlint.config import preset_text
from ownlint.errors import OwnlintError
from ownlint.report.write import write_atomically, write_target


@dataclass(frozen=True)
class InitOptions:
    target: Path = Path("ownlint.yaml")


def run_init(options: InitOptions) -> Path:
    """Write the preset to ``options.target`` (never over an existing file); returns what was written."""
    path = options.target
    write_target(path)  # a link leaving the working tree is refused before anything else is said
    if path.exists():
        raise OwnlintError(f"{path} already exists; not overwriting it")
    text = preset_text().replace("# `ownlint init` writes", "# `ownlint init` wrote", 1)
    write_atomically(path, "extends: none\n\n" + text)
    return path
