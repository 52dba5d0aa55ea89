"""Reading scanned files as text: size cap, binary and encoding checks, all as located problems."""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from ownlint.model import LoadProblem

MAX_FILE_BYTES = 10 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # in JSON text: a surrogate, maybe one of a pair


def read_text(path: Path | str, shown: str, limit: int = MAX_FILE_BYTES) -> str | LoadProblem:
    """The file's text (UTF-8, BOM removed, CRLF normalised), or the problem reading it; a file over
    ``limit`` bytes is not read (``--max-file-size``). A path as text spares a ``Path`` (9k manifests)."""
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):  # a FIFO or device named *.yaml would block or never end
            return LoadProblem(shown, 1, "not a regular file: not read")
        size = status.st_size
        if size > limit:
            return LoadProblem(shown, 1, f"skipped: {size} bytes is over the {limit} byte limit (--max-file-size)")
        with open(path, "rb") as stream:
            data = stream.read()
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


def checked_text(text: str, shown: str) -> str | LoadProblem:
    """Text read elsewhere (standard input, decoded with ``surrogateescape``): a problem at the line of
    its first byte that was not UTF-8, or the text."""
    found = _SURROGATE.search(text)
    if found is None:
        return text
    return LoadProblem(shown, text.count("\n", 0, found.start()) + 1, "not UTF-8 text")


def without_lone_surrogates(text: str, data: Any) -> Any:
    """``data`` that ``json.loads`` made of ``text`` with each lone surrogate (an escape such as
    ``"\\ud800"`` with no partner) replaced by U+FFFD, as Go's decoder does (Terraform, kubectl):
    no UTF-8 output or store can hold one. Walked without recursion, only when the text has such an escape."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return data
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data)
    pending = [data]
    while pending:
        node = pending.pop()
        entries = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if isinstance(node, dict):
            node.clear()  # keys are rebuilt in their order, replaced too
        for key, value in entries:
            if isinstance(value, str):
                value = _SURROGATE.sub("\ufffd", value)
            elif isinstance(value, (dict, list)):
                pending.append(value)
            node[_SURROGATE.sub("\ufffd", key) if isinstance(key, str) else key] = value
    return data


def links_outside(path: Path, top: Path) -> bool:
    """A symlink whose target is not under ``top`` (a resolved directory): not followed."""
    if not os.path.islink(path):  # False too when the path cannot be looked at (too long to open)
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
