"""Reading scanned files as text: size cap, binary and encoding checks, all as located problems."""

from __future__ import annotations

import os
from pathlib import Path

from ownlint.model import LoadProblem

MAX_FILE_BYTES = 10 * 1024 * 1024


def read_text(path: Path, shown: str) -> str | LoadProblem:
    """The file's text (UTF-8, BOM removed, CRLF normalised), or the problem reading it."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return LoadProblem(shown, 1, f"skipped: {size} bytes is over the {MAX_FILE_BYTES} byte limit")
        data = path.read_bytes()
    except OSError as error:
        return LoadProblem(shown, 1, f"cannot read file: {error.strerror or error}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return LoadProblem(shown, 1, "UTF-16 text: Terraform, Kubernetes and ownlint read UTF-8 only")
    if b"\x00" in data[:8192]:
        return LoadProblem(shown, 1, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return LoadProblem(shown, line, "not UTF-8 text")
    return text.replace("\r\n", "\n")


def relative(root: Path, path: Path) -> str:
    """``path`` relative to the scan root with ``/`` separators ("" for the root itself)."""
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:  # outside the root (a module called from below it): climb with ../
        shown = Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
    return "" if shown == "." else shown
