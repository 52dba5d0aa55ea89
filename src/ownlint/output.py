"""Writing what commands produce: reports to stdout or files (atomically), a new config."""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Sequence
from pathlib import Path

from ownlint.config import preset_text
from ownlint.errors import OwnlintError
from ownlint.model import Report
from ownlint.report import FORMATS


def render(report: Report, fmt: str, colour: bool) -> str:
    """``report`` in ``fmt``; each format is one module of ``ownlint.report``, imported when used."""
    if fmt == "text":
        from ownlint.report import text

        return text.render(report, colour=colour)
    if fmt not in FORMATS:
        raise OwnlintError(f"unknown format {fmt!r}")
    module = importlib.import_module(f"ownlint.report.{fmt}")
    rendered: str = module.render(report)
    return rendered


def write_reports(report: Report, formats: Sequence[str], outputs: Sequence[str], colour: bool) -> list[str]:
    """Write the i-th format to the i-th output file; return the texts meant for standard output."""
    to_stdout = []
    for index, fmt in enumerate(formats):
        if index < len(outputs):
            write_atomically(Path(outputs[index]), render(report, fmt, colour=False))
        else:
            to_stdout.append(render(report, fmt, colour))
    return to_stdout


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it into place (removed if anything fails)."""
    import tempfile  # only when writing: not on every run's start

    path = Path(os.path.realpath(path))  # through a symlink to its file: the link stays
    if path.exists() and not path.is_file():  # /dev/null, a FIFO: written in place, never replaced
        try:
            with path.open("w", encoding="utf-8") as stream:
                stream.write(text)
        except OSError as error:
            raise OwnlintError(f"{path}: cannot write: {error.strerror or error}") from None
        return
    directory = path.parent
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a report is an ordinary file
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise OwnlintError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_new_config(path: Path) -> None:
    if path.exists():
        raise OwnlintError(f"{path} already exists; not overwriting it")
    text = preset_text().replace("# `ownlint init` writes", "# `ownlint init` wrote", 1)
    write_atomically(path, "extends: none\n\n" + text)
