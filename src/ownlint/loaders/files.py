"""Reading scanned files as text: size cap, binary and encoding checks, all as located problems."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ownlint.model import LoadProblem

MAX_FILE_BYTES = 10 * 1024 * 1024


def read_text(path: Path, shown: str, limit: int = MAX_FILE_BYTES) -> str | LoadProblem:
    """The file's text (UTF-8, BOM removed, CRLF normalised), or the problem reading it; a file over
    ``limit`` bytes is not read (``--max-file-size``)."""
    try:
        size = path.stat().st_size
        if size > limit:
            return LoadProblem(shown, 1, f"skipped: {size} bytes is over the {limit} byte limit (--max-file-size)")
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


def links_outside(path: Path, top: Path) -> bool:
    """A symlink whose target is not under ``top`` (a resolved directory): not followed."""
    if not path.is_symlink():
        return False
    target = path.resolve()
    return target != top and top not in target.parents


def relative(root: Path, path: Path) -> str:
    """``path`` relative to the scan root with ``/`` separators ("" for the root itself)."""
    real = _real_path(str(path))
    real_root = _real_directory(os.path.abspath(root))  # absolute first: the cache outlives a chdir
    if real.startswith(real_root + os.sep):
        shown = real[len(real_root) + 1 :]
    elif real == real_root:
        shown = ""
    else:  # outside the root (a module called from below it): climb with ../
        shown = os.path.relpath(real, real_root)
    return shown.replace(os.sep, "/") if os.sep != "/" else shown


def _real_path(path: str) -> str:
    """``os.path.realpath`` with its directory's resolution memoised: thousands of files share few directories."""
    absolute = os.path.abspath(path)
    if os.path.islink(absolute):
        return os.path.realpath(absolute)
    directory, name = os.path.split(absolute)
    return os.path.join(_real_directory(directory), name) if name else _real_directory(directory)


@lru_cache(maxsize=4096)
def _real_directory(directory: str) -> str:
    return os.path.realpath(directory)
