"""Writing files: reports to standard output or files, atomically; never through a link out of the working tree.

A pull request can commit symlinks (``ownlint.sarif -> /home/runner/.bashrc``). A report, baseline,
config or audit store is written through a link only when the link stays inside the working tree: the
top of the git work tree holding the current directory (the nearest ``.git`` above it), or the current
directory outside git. Links outside the tree are the user's own and are followed; a path named
directly (``-o /dev/stdout``, ``-o /tmp/x``) is the user's choice.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from ownlint.errors import OwnlintError
from ownlint.model import Report
from ownlint.report.findings import formatter, pieces_of
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


def write_reports(report: Report, formats: Sequence[str], outputs: Sequence[str], colour: bool) -> list[str]:
    """Write the i-th format to the i-th output file; return the texts meant for standard output."""
    for output in outputs:  # a link leaving the working tree is refused before anything is written
        write_target(output)
    to_stdout = []
    collecting = gc.isenabled()
    gc.disable()  # a report's many small values are no cyclic garbage: not walked while they are built
    try:
        for index, fmt in enumerate(formats):
            if index < len(outputs):
                write_atomically(Path(outputs[index]), pieces_of(fmt)(report))
            else:
                to_stdout.append(formatter(fmt)(report, colour))
    finally:
        if collecting:
            gc.enable()
    return to_stdout


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (or its pieces, in order) to ``path``: through a symlink to its target (the link stays)
    unless the link leaves the working tree (refused: ``worktree.write_target``); in place to a device or FIFO
    (``/dev/null``, ``/dev/stdout``); else to a temporary file beside the target, renamed into place."""
    target = write_target(path)
    try:
        status = os.stat(path)
    except OSError:
        status = None
    if status is not None and not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):
        _write_in_place(path, text)
        return
    directory, name = os.path.split(target)
    try:
        folder = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise OwnlintError(f"{target}: cannot write: {error.strerror or error}") from None
    try:
        # the directory held open is the one checked: nothing swapped in a link since
        if write_target(path) != target or not os.path.samestat(os.fstat(folder), os.stat(directory)):
            raise OwnlintError(f"{path}: not written: it changed while being written")
        _replace(folder, name, text, target)
    finally:
        os.close(folder)


def _write_in_place(path: Path, text: str | Iterable[str]) -> None:
    """A device or FIFO named directly: opened as named, and checked to be what was checked."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise OwnlintError(f"{path}: cannot write: {error.strerror or error}") from None
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        opened = os.fstat(handle)
        write_target(path)
        if stat.S_ISREG(opened.st_mode) or not os.path.samestat(opened, os.stat(path)):
            raise OwnlintError(f"{path}: not written: it changed while being written")
        try:
            _write(stream, text)
            stream.flush()
        except OSError as error:
            raise OwnlintError(f"{path}: cannot write: {error.strerror or error}") from None


def _write(stream: TextIO, text: str | Iterable[str]) -> None:
    stream.writelines((text,) if isinstance(text, str) else text)  # a text is one piece, not its characters


def _replace(folder: int, name: str, text: str | Iterable[str], shown: Path) -> None:
    """A new file in the directory ``folder`` (never following a link), renamed over ``name``."""
    temporary = None
    try:
        for _ in range(100):
            candidate = f".{name}.{os.urandom(4).hex()}"  # (secrets' token_hex: importing it cost 1% of a warm run)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                handle = os.open(candidate, flags, 0o666, dir_fd=folder)  # the umask applies, as to any file
            except FileExistsError:
                continue
            temporary = candidate
            break
        else:
            raise FileExistsError(f"no free temporary name beside {name}")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            _write(stream, text)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        temporary = None
    except OSError as error:
        raise OwnlintError(f"{shown}: cannot write: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)
