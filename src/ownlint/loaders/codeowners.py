"""CODEOWNERS: which owner values the teams that own each scanned file stand for (for OWN011).

Parsed with the ``codeowners`` package (GitHub's rules: last matching pattern wins). The file is
looked for at the repository root (the nearest ``.git`` above the scan root, else the scan root):
``CODEOWNERS``, ``.github/CODEOWNERS``, ``docs/CODEOWNERS``, ``.gitlab/CODEOWNERS``, or
``codeowners.file`` when configured. Only files of the repository are read: a link out of it, or
into ``.git/`` (whose ``config`` holds the clone's URL and token), is not followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ownlint.config import CodeOwners
from ownlint.errors import ConfigError
from ownlint.loaders.files import read_text
from ownlint.model import FileOwners, LoadProblem
from ownlint.vcs.tree import repository_top

PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
MAX_BYTES = 3 * 1024 * 1024  # GitHub ignores a larger CODEOWNERS file


def load_codeowners(
    root: Path, settings: CodeOwners, files: Iterable[str], keep_unmapped: bool = False
) -> tuple[Mapping[str, FileOwners], tuple[str, ...]]:
    """``files`` (relative to ``root``) -> their mapped owners (empty when there is no CODEOWNERS), and
    notes on what was not read. With ``keep_unmapped``, a file whose teams map to no owner value gets
    the team names themselves."""
    from codeowners import CodeOwners as Parser

    top = repository_top(root) or root.resolve()
    path, notes = _find(top, settings)
    if path is None:
        return {}, notes
    shown = path.relative_to(top).as_posix()
    text = read_text(path, shown, MAX_BYTES)
    if isinstance(text, LoadProblem):
        return {}, (*notes, f"not reading {shown}: {text.message}")
    parser = Parser(text)
    teams = {team.lower(): owner for team, owner in settings.teams.items()}
    result = {}
    for file in files:
        try:
            relative = (root / file).resolve().relative_to(top).as_posix()
        except ValueError:
            continue
        names = [name for _, name in parser.of(relative)]
        mapped = tuple(sorted({teams[n.lower()] for n in names if n.lower() in teams}))
        if not mapped and keep_unmapped:
            mapped = tuple(names)
        if mapped:
            result[file] = FileOwners(mapped, f"{shown}: {' '.join(names)}")
    return result, notes


def _find(top: Path, settings: CodeOwners) -> tuple[Path | None, tuple[str, ...]]:
    """The CODEOWNERS file to read, if any, and notes on the places skipped."""
    if settings.file:
        leaves = _leaves(top, settings.file)
        if leaves is not None:
            raise ConfigError(f"{settings.where}: codeowners.file: {settings.file!r} {leaves} through a symlink")
        path = top / settings.file
        return (path if path.is_file() else None), ()
    notes: list[str] = []
    for name in PLACES:
        if not (top / name).is_file():
            continue
        leaves = _leaves(top, name)
        if leaves is None:
            return top / name, tuple(notes)
        notes.append(f"not reading {name}: a symlink that {leaves}")
    return None, tuple(notes)


def _leaves(top: Path, relative: str) -> str | None:
    """Where a path (lexically inside ``top``) goes when its links are followed, if not to the
    repository's content: "leads out of the repository" or "leads into .git/"."""
    current = top
    for part in Path(relative).parts:
        current = (current / part).resolve()
        if current != top and top not in current.parents:
            return "leads out of the repository"
        if any(p.lower() == ".git" for p in current.relative_to(top).parts):
            return "leads into .git/"
    return None
