"""Writing what commands produce: reports to stdout or files (atomically), a new config."""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

from ownlint.config import preset_text
from ownlint.errors import OwnlintError
from ownlint.model import Report
from ownlint.report import FORMATS
from ownlint.worktree import write_target


def render(report: Report, fmt: str, colour: bool) -> str:
    """``report`` in ``fmt``; each format is one module of ``ownlint.report``, imported when used."""
    if fmt in ("text", "compact"):  # the formats that colour
        module = importlib.import_module(f"ownlint.report.{fmt}")
        coloured: str = module.render(report, colour=colour)
        return coloured
    if fmt not in FORMATS:
        raise OwnlintError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"ownlint.report.{fmt}")
    rendered: str = module.render(report)
    return rendered


def write_reports(report: Report, formats: Sequence[str], outputs: Sequence[str], colour: bool) -> list[str]:
    """Write the i-th format to the i-th output file; return the texts meant for standard output."""
    for output in outputs:  # a link leaving the working tree is refused before anything is written
        write_target(output)
    to_stdout = []
    for index, fmt in enumerate(formats):
        if index < len(outputs):
            write_atomically(Path(outputs[index]), render(report, fmt, colour=False))
        else:
            to_stdout.append(render(report, fmt, colour))
    return to_stdout


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: through a symlink to its target (the link stays) unless the link
    leaves the working tree (refused: ``worktree.write_target``); in place to a device or FIFO
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


def _write_in_place(path: Path, text: str) -> None:
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
            stream.write(text)
            stream.flush()
        except OSError as error:
            raise OwnlintError(f"{path}: cannot write: {error.strerror or error}") from None


def _replace(folder: int, name: str, text: str, shown: Path) -> None:
    """A new file in the directory ``folder`` (never following a link), renamed over ``name``."""
    temporary = None
    try:
        for _ in range(100):
            candidate = f".{name}.{secrets.token_hex(4)}"
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
            stream.write(text)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        temporary = None
    except OSError as error:
        raise OwnlintError(f"{shown}: cannot write: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder)


def write_new_config(path: Path) -> None:
    write_target(path)  # a link leaving the working tree is refused before anything else is said
    if path.exists():
        raise OwnlintError(f"{path} already exists; not overwriting it")
    text = preset_text().replace("# `ownlint init` writes", "# `ownlint init` wrote", 1)
    write_atomically(path, "extends: none\n\n" + text)
