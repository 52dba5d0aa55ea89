"""The git work tree a path is in: the one nearest-``.git`` search of ownlint (the config's place, the
boundary of links a report may be written through, how far module sources may climb, repository paths)."""

from __future__ import annotations

import os
from pathlib import Path


def repository_top(path: str | os.PathLike[str]) -> Path | None:
    """The nearest directory at or above ``path`` (resolved; a file's directory) that holds ``.git``: a
    directory, or the file of a worktree or submodule (a dangling link is neither, as git finds them);
    None outside git."""
    resolved = Path(os.path.realpath(path))
    directory = resolved if resolved.is_dir() else resolved.parent
    return next((d for d in (directory, *directory.parents) if (d / ".git").exists()), None)


def inside(top: Path, path: Path) -> str | None:
    """``path`` (resolved) relative to ``top``, a resolved directory (``""`` for ``top`` itself), or None
    when it is outside."""
    try:
        relative = path.resolve().relative_to(top).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative
