"""CODEOWNERS: which owner values the teams that own each scanned file stand for (for OWN011).

Parsed with the ``codeowners`` package (GitHub's rules: last matching pattern wins). The file is
looked for at the repository root (the nearest ``.git`` above the scan root, else the scan root):
``CODEOWNERS``, ``.github/CODEOWNERS``, ``docs/CODEOWNERS``, or ``codeowners.file`` when configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ownlint.config import CodeOwners

PLACES = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class FileOwners:
    owners: tuple[str, ...]  # owner values the file's CODEOWNERS teams map to
    rule: str  # "CODEOWNERS: @org/platform @org/sre", for messages


def load_codeowners(
    root: Path, settings: CodeOwners, files: Iterable[str], keep_unmapped: bool = False
) -> Mapping[str, FileOwners]:
    """``files`` (relative to ``root``) -> their mapped owners; empty when there is no CODEOWNERS.
    With ``keep_unmapped``, a file whose teams map to no owner value gets the team names themselves."""
    from codeowners import CodeOwners as Parser

    found = _find(root.resolve(), settings)
    if found is None:
        return {}
    path, base = found
    parser = Parser(path.read_text(encoding="utf-8", errors="replace"))
    teams = {team.lower(): owner for team, owner in settings.teams.items()}
    shown = path.relative_to(base).as_posix()
    result = {}
    for file in files:
        try:
            relative = (root / file).resolve().relative_to(base).as_posix()
        except ValueError:
            continue
        names = [name for _, name in parser.of(relative)]
        mapped = tuple(sorted({teams[n.lower()] for n in names if n.lower() in teams}))
        if not mapped and keep_unmapped:
            mapped = tuple(names)
        if mapped:
            result[file] = FileOwners(mapped, f"{shown}: {' '.join(names)}")
    return result


def _find(start: Path, settings: CodeOwners) -> tuple[Path, Path] | None:
    """The CODEOWNERS file and the directory its patterns are relative to."""
    top = next((d for d in (start, *start.parents) if (d / ".git").exists()), start)
    if settings.file:
        path = top / settings.file
        return (path, top) if path.is_file() else None
    for name in PLACES:
        if (top / name).is_file():
            return top / name, top
    return None
