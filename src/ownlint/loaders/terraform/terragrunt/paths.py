"""Paths as a terragrunt unit's functions see them, kept inside the repository: ``/`` is the repository top
(``get_repo_root()``), so ``find_in_parent_folders`` and friends return ``/live/root.hcl``, never a path of
the machine, and a path that climbs above the top or through a symlink out of it is not read."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

MAX_PARENT_FOLDERS = 100  # terragrunt's own default bound on find_in_parent_folders


@dataclass(frozen=True)
class TreePaths:
    """The repository top (resolved) that virtual paths are rooted at, and the scan root findings are shown from."""

    top: Path

    def virtual(self, path: Path) -> str:
        """``/live/prod`` for ``TOP/live/prod`` (the path must be inside the top)."""
        relative = path.resolve().relative_to(self.top).as_posix()
        return "/" if relative == "." else f"/{relative}"

    def join(self, base: str, text: str) -> str | None:
        """``text`` (absolute in the tree, or relative to the virtual directory ``base``) normalised, or None
        when it climbs above the top."""
        joined = text if text.startswith("/") else f"{base.rstrip('/')}/{text}"
        parts: list[str] = []
        for part in joined.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            else:
                parts.append(part)
        return "/" + "/".join(parts)

    def real(self, virtual: str) -> Path | None:
        """The path on disk of a virtual path, or None when it is (or links) outside the top."""
        path = self.top.joinpath(*[p for p in virtual.split("/") if p])
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        return resolved if resolved == self.top or self.top in resolved.parents else None

    def exists(self, virtual: str) -> bool:
        real = self.real(virtual)
        return real is not None and real.exists()

    def find_in_parents(self, start: str, name: str) -> str | None:
        """The first ``DIR/name`` that exists, ``DIR`` from ``start``'s parent up to the top."""
        directory = posixpath.dirname(start.rstrip("/")) or "/"
        for _ in range(MAX_PARENT_FOLDERS):
            candidate = self.join(directory, name)
            if candidate is not None and self.exists(candidate):
                return candidate
            if directory == "/":
                return None
            directory = posixpath.dirname(directory) or "/"
        return None


def relative_path(target: str, start: str) -> str:
    """``prod/mysql`` from ``/live`` to ``/live/prod/mysql`` (``.`` for the same directory)."""
    return posixpath.relpath(target, start)
