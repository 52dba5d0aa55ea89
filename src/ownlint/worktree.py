"""Where a file ownlint writes may land: never, through a symbolic link of the working tree, outside it.

A pull request can commit symlinks (``ownlint.sarif -> /home/runner/.bashrc``). A report, baseline,
config or audit store is written through a link only when the link stays inside the working tree: the
top of the git work tree holding the current directory (the nearest ``.git`` above it), or the current
directory outside git. Links outside the tree are the user's own and are followed; a path named
directly (``-o /dev/stdout``, ``-o /tmp/x``) is the user's choice.
"""

from __future__ import annotations

import os
from pathlib import Path

from ownlint.errors import OwnlintError
from ownlint.vcs.tree import repository_top

MAX_LINKS = 40  # as the kernel's ELOOP limit


class LinkOut(OwnlintError):
    """A symbolic link inside the working tree whose target leaves it."""

    def __init__(self, given: str, link: str, target: str, top: str) -> None:
        super().__init__(f"{given}: not written: {link} is a symbolic link to {target}, outside the working tree {top}")
        self.link, self.target, self.top = link, target, top


def working_tree(cwd: str | os.PathLike[str] | None = None) -> Path:
    """The top of the git work tree holding ``cwd`` (default: the current directory), else ``cwd``."""
    here = Path(os.path.realpath(cwd if cwd is not None else os.getcwd()))
    return repository_top(here) or here


def write_target(path: str | os.PathLike[str], tree: str | os.PathLike[str] | None = None) -> Path:
    """The file that writing ``path`` reaches, every symlink followed; an ``OwnlintError`` (naming
    ``path``) when a symlink inside ``tree`` (default: ``working_tree()``), dangling or not, leads out
    of it. Call it again after opening what it returned to close the window between check and use."""
    top = str(working_tree(tree))
    start = os.path.join(os.getcwd(), os.fspath(path))
    try:
        return Path(_resolve(start, top, os.fspath(path), [MAX_LINKS]))
    except OSError as error:  # a link that cannot be read
        raise OwnlintError(f"{os.fspath(path)}: cannot write: {error.strerror or error}") from None


def _resolve(path: str, top: str, given: str, budget: list[int]) -> str:
    """``path`` resolved component by component, checking each link met (``budget``: links left)."""
    current = os.sep
    for part in path.split(os.sep):
        if part in ("", "."):
            continue
        if part == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, part)
        if not os.path.islink(candidate):
            current = candidate
            continue
        budget[0] -= 1
        if budget[0] < 0:
            raise OwnlintError(f"{given}: not written: too many levels of symbolic links")
        target = _resolve(os.path.join(current, os.readlink(candidate)), top, given, budget)
        if _inside(current, top) and not _inside(target, top):
            raise LinkOut(given, os.path.relpath(candidate, top), target, top)
        current = target
    return current


def _inside(path: str, top: str) -> bool:
    return top == os.sep or path == top or path.startswith(top + os.sep)
