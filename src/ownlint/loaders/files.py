"""Reading scanned files as text: size cap, binary and encoding checks, all as located problems."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any

from ownlint.model import LoadProblem

MAX_FILE_BYTES = 10 * 1024 * 1024
# patterns as text, compiled on first use (re's cache): most runs read no standard input and no escaped surrogate
_SURROGATE = "[\ud800-\udfff]"
_SURROGATE_ESCAPE = r"\\u[dD][89a-fA-F]"  # in JSON text: a surrogate, maybe one of a pair


def read_text(
    path: Path | str, shown: str, limit: int = MAX_FILE_BYTES, looked: os.stat_result | None = None
) -> str | LoadProblem:
    """The file's text (UTF-8, BOM removed, CRLF normalised), or the problem reading it; a file over
    ``limit`` bytes is not read (``--max-file-size``). A path as text spares a ``Path`` (9k manifests). ``looked``:
    the ``os.stat`` of ``path`` the caller just took (not taken again: a system call a file)."""
    try:
        # a FIFO or device named *.yaml is never opened
        problem = _unreadable(looked if looked is not None else os.stat(path), shown, limit)
        if problem is not None:
            return problem
        # the file opened is looked at again: one swapped in since (a directory renamed) is judged by itself, never
        # blocks (O_NONBLOCK: a FIFO), and its own status is what the result cache records of the text read
        descriptor = os.open(path, os.O_RDONLY | _NONBLOCK | _CLOEXEC)
        try:
            status = os.fstat(descriptor)
            problem = _unreadable(status, shown, limit)
            if problem is not None:
                return problem
            if _RUNS:  # taken before the read: a change after it changes the identity the result cache records
                _RUNS[-1].stats.setdefault(str(path), status)
            data = read_to_end(descriptor, status.st_size, limit)
        finally:
            os.close(descriptor)
    except OSError as error:
        return LoadProblem(shown, 1, f"cannot read file: {error.strerror or error}")
    if len(data) > limit:  # grown since its status was taken
        return LoadProblem(shown, 1, f"skipped: over the {limit} byte limit (--max-file-size)")
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


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20  # read on in pieces: a buffer of the limit's size for each file cost an mmap and munmap


def read_to_end(descriptor: int, size: int, limit: int) -> bytes:
    """The bytes of an open file whose status gave ``size``, at most ``limit`` + 1 of them (one more says it is over).
    Read by descriptor, not through a buffered file object, whose own status, ``isatty`` and ``seek`` and a second
    read to find the end cost four system calls a file more (thousands a run): its size and a byte more are asked
    at once, so a file of that size is read in one call (the bytes its status gave: what a change after it makes
    is another identity); one that grew since, or gave less, is read on to its end."""
    data = os.read(descriptor, min(size, limit) + 1)
    if len(data) == size:
        return data
    pieces, total = [data], len(data)
    while total <= limit:
        piece = os.read(descriptor, min(limit + 1 - total, _CHUNK))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces)


def read_regular(path: str | Path, flags: int, limit: int) -> bytes | None:
    """The bytes of ``path``, opened with ``flags``, when the file opened is a regular one of at most ``limit`` bytes
    (``read_to_end``: one that grew since is read on, to the limit and a byte); else None, and None for an error, its
    close's too (a cache that cannot be read only costs time)."""
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            return read_to_end(descriptor, info.st_size, limit)
        finally:
            os.close(descriptor)
    except OSError:
        return None


def _unreadable(status: os.stat_result, shown: str, limit: int) -> LoadProblem | None:
    """Why a file with ``status`` is not read: not a regular file, or over ``limit`` bytes."""
    if not stat.S_ISREG(status.st_mode):
        return LoadProblem(shown, 1, "not a regular file: not read")
    if status.st_size > limit:
        return LoadProblem(
            shown, 1, f"skipped: {status.st_size} bytes is over the {limit} byte limit (--max-file-size)"
        )
    return None


def checked_text(text: str, shown: str) -> str | LoadProblem:
    """Text read elsewhere (standard input, decoded with ``surrogateescape``): a problem at the line of
    its first byte that was not UTF-8, or the text."""
    found = re.search(_SURROGATE, text)
    if found is None:
        return text
    return LoadProblem(shown, text.count("\n", 0, found.start()) + 1, "not UTF-8 text")


def without_lone_surrogates(text: str, data: Any) -> Any:
    """``data`` that ``json.loads`` made of ``text`` with each lone surrogate (an escape such as
    ``"\\ud800"`` with no partner) replaced by U+FFFD, as Go's decoder does (Terraform, kubectl):
    no UTF-8 output or store can hold one. Walked without recursion, only when the text has such an escape."""
    if re.search(_SURROGATE_ESCAPE, text) is None:
        return data
    if isinstance(data, str):
        return re.sub(_SURROGATE, "\ufffd", data)
    surrogate = re.compile(_SURROGATE)
    pending = [data]
    while pending:
        node = pending.pop()
        entries = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if isinstance(node, dict):
            node.clear()  # keys are rebuilt in their order, replaced too
        for key, value in entries:
            if isinstance(value, str):
                value = surrogate.sub("\ufffd", value)
            elif isinstance(value, (dict, list)):
                pending.append(value)
            node[surrogate.sub("\ufffd", key) if isinstance(key, str) else key] = value
    return data


def links_outside(path: Path, top: Path) -> bool:
    """A symlink whose target is not under ``top`` (a resolved directory): not followed."""
    if not is_link(str(path)):  # False too when the path cannot be looked at (too long to open)
        return False
    target = path.resolve()
    return target != top and top not in target.parents


def children(directory: Path) -> Callable[[str], Path]:
    """``directory / name`` for names a listing gave (one part each, never "." nor ".."): through pathlib's own
    helper for that where it has one (not parsed again: thousands of files), else by joining. Before 3.12 that
    helper leaves the path's text to be made when first asked for (every file's is), through an AttributeError
    pathlib raises and catches, a few microseconds each: the text is given here, as 3.12's helper gives it."""
    made = getattr(directory, "_make_child_relpath", None)
    if not callable(made):
        return directory.joinpath
    if not _TEXT_ON_FIRST_USE:
        return made  # type: ignore[no-any-return]
    text = str(directory)
    prefix = "" if text == os.curdir else text if text.endswith(os.sep) else text + os.sep  # as pathlib joins

    def child(name: str) -> Path:
        path: Any = made(name)
        path._str = prefix + name
        return path  # type: ignore[no-any-return]

    return child


# pathlib before 3.12: ``_str`` made by ``__str__`` on first use, a slot nothing but ``__str__`` sets
_TEXT_ON_FIRST_USE = sys.version_info < (3, 12) and "_str" in getattr(PurePath, "__slots__", ())


def parents(files: Iterable[Path]) -> set[Path]:
    """The directories of ``files`` (each ``file.parent``): one ``Path`` made per directory, not per file."""
    return set(map(parent_of(), files))


def parent_of() -> Callable[[Path], Path]:
    """``path.parent``, one ``Path`` made per directory for all the paths it is asked of (thousands of files
    share few directories)."""
    made: dict[str, Path] = {}
    sep = os.sep

    def parent(path: Path) -> Path:
        text = str(path)
        head = text[: text.rfind(sep) + 1]  # a Path's text is normalised: one head per directory (no dirname call)
        found = made.get(head)
        if found is None:
            found = made[head] = path.parent
        return found

    return parent


def relative(root: Path, path: Path | str) -> str:
    """``path`` (a ``Path`` or its text) relative to the scan root with ``/`` separators ("" for the root
    itself); in a run, from the memo's real paths when no link is on the way of either (then kept: directories
    are asked for again)."""
    if not _RUNS:
        return _relative(root, path)
    paths = _RUNS[-1]
    key = (str(root), str(path))
    found = paths.relative.get(key)
    if found is None:
        real, real_root = _link_free(paths, key[1]), _link_free(paths, key[0])
        if real is None or real_root is None:
            return _relative(root, path)
        found = paths.relative[key] = _shown(real, real_root)
    return found


def _relative(root: Path, path: Path | str) -> str:
    return _shown(_real_path(str(path)), _real_directory(os.path.abspath(root)))  # absolute: a cache outlives a chdir


def _shown(real: str, real_root: str) -> str:
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
    if is_link(absolute):
        return os.path.realpath(absolute)
    directory, name = os.path.split(absolute)
    return os.path.join(_real_directory(directory), name) if name else _real_directory(directory)


def _real_directory(directory: str) -> str:
    return real_path(directory) if _RUNS else _real_directory_memo(directory)


@lru_cache(maxsize=4096)
def _real_directory_memo(directory: str) -> str:
    return os.path.realpath(directory)


class _Paths:
    """What one run learnt of the file system: each directory listed once (which entries are links), and
    each absolute path's real path when no link is on its way (None: there is one, it is resolved each time)."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()  # real (the kernel's); nothing chdirs during a run
        self.entries: dict[str, dict[str, bool] | None] = {}  # real directory -> name -> is a link
        self.asked: dict[str, dict[str, bool]] = {}  # real directory -> the names looked at one by one
        self.real: dict[str, str | None] = {}
        self.listings: dict[str, list[os.DirEntry[str]]] = {}  # real directory -> its entries, as walked
        self.memo: dict[Any, Any] = {}  # see ``run_memo``
        self.relative: dict[tuple[str, str], str] = {}  # (root, path) -> ``relative``, when no link is on its way
        self.stats: dict[str, os.stat_result] = {}  # each file read as text: its first status, before the read


LOOKS_BEFORE_LISTING = 4  # names looked at one by one (lstat) in a directory; then it is listed once
_RUNS: list[_Paths] = []  # the innermost run's memo; none outside a run (what is on disk may change)


@contextmanager
def one_run() -> Iterator[None]:
    """Path look-ups meanwhile are memoised: per directory, not per file (issue 20). The tree is taken as
    fixed for the run; a link anywhere is still resolved by ``os.path.realpath`` each time it is met."""
    _RUNS.append(_Paths())
    try:
        yield
    finally:
        _RUNS.pop()


def status_read(path: str) -> os.stat_result | None:
    """The status of ``path`` taken (before it was read) the first time ``read_text`` read it in this run."""
    return _RUNS[-1].stats.get(path) if _RUNS else None


def real_path(path: str) -> str:
    """``os.path.realpath(path)``."""
    found = _link_free(_RUNS[-1], path) if _RUNS else None
    return found if found is not None else os.path.realpath(path)


def known_real(path: str) -> str | None:
    """``os.path.realpath(path)`` when this run knows no link is on its way, else None: no ``Path`` is made."""
    return _link_free(_RUNS[-1], path) if _RUNS else None


def resolved(path: Path) -> Path:
    """``path.resolve()``."""
    text = str(path)
    found = _link_free(_RUNS[-1], text) if _RUNS else None
    if found is None:
        return path.resolve()
    return path if found == text else Path(found)  # already real (most discovered files): no new Path


def real_parents(files: Iterable[str]) -> list[str | None]:
    """Each file's real directory (``os.path.dirname(os.path.realpath(file))``) when no link is on its way, the
    file itself none, else None (resolved by the caller); each directory worked out once (thousands of files)."""
    if not _RUNS:
        return [None for _ in files]
    paths = _RUNS[-1]
    bases: dict[str, str | None] = {}
    found: list[str | None] = []
    for file in files:
        head, sep, name = file.rpartition(os.sep)
        directory = head or sep  # "" (the working directory) or the root
        base = bases.get(directory, "")
        if base == "":
            base = bases[directory] = _link_free(paths, directory) if not _climbs(directory) else None
        if base is None or name in ("", os.curdir, os.pardir) or _listed_link(paths, base, name):
            found.append(None)
        else:
            found.append(base)
    return found


def is_link(path: str) -> bool:
    """``os.path.islink(path)``, from its directory's listing when the directory was reached without a link."""
    if not _RUNS or _climbs(path):
        return os.path.islink(path)
    paths = _RUNS[-1]
    directory, name = os.path.split(path if os.path.isabs(path) else os.path.join(paths.cwd, path))
    base = _link_free(paths, directory)
    if base is None or name in ("", os.curdir):
        return os.path.islink(path)
    return _listed_link(paths, base, name)


def links_in(directory: str) -> Callable[[str], bool]:
    """``is_link`` of an entry of ``directory`` (an absolute path) by its name (one part, never "" nor "."):
    the directory resolved once for all its files, not once each."""
    if not _RUNS or _climbs(directory):
        return lambda name: is_link(os.path.join(directory, name))
    paths = _RUNS[-1]
    base = _link_free(paths, directory)
    if base is None:
        return lambda name: os.path.islink(os.path.join(directory, name))
    return lambda name: _listed_link(paths, base, name)


def _climbs(path: str) -> bool:
    """Whether ``path`` goes up with ``..`` somewhere: the kernel climbs out of a file (ENOTDIR) and out of a link's
    target, which a listing cannot tell, so such a path is asked of the system."""
    return f"{os.sep}{os.pardir}{os.sep}" in f"{path}{os.sep}"


def _listed_link(paths: _Paths, directory: str, name: str) -> bool:
    """Whether ``directory/name`` is a link (``directory`` is real), as the directory's one listing says."""
    if directory not in paths.entries and directory in paths.listings:  # walked: its types told when first asked
        paths.entries[directory] = _types(paths.listings[directory])
    if directory not in paths.entries:
        asked = paths.asked.setdefault(directory, {})
        if name not in asked and len(asked) < LOOKS_BEFORE_LISTING:  # a one-file hook lists nothing twice
            asked[name] = os.path.islink(os.path.join(directory, name))
        if name in asked:
            return asked[name]
        paths.entries[directory] = _entries(directory)
    names = paths.entries[directory]
    if names is not None and name in names:
        return names[name]
    return os.path.islink(os.path.join(directory, name))  # not listed (a directory that can only be entered)


def listed(directory: str, entries: list[os.DirEntry[str]], real: str | None = None) -> None:
    """What a walk listed in ``directory`` (all its entries): in a run, its names are not looked at again.
    ``real``: its real path when the walk knows it (a subdirectory, no link, of one reached without a link): it
    is not resolved again (thousands of directories)."""
    if not _RUNS:
        return
    paths = _RUNS[-1]
    if real is not None:  # remembered as ``_link_free`` would remember it
        absolute = real if real == directory else _absolute(paths, directory)
        base: str | None = paths.real.setdefault(absolute, real)
    else:
        base = _link_free(paths, directory)  # its real path: it was reached without a link
    if base is not None and base not in paths.entries and base not in paths.listings:
        paths.listings[base] = entries  # which are links: told from them when first asked (most never are)


def _absolute(paths: _Paths, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(paths.cwd, path)


def listed_names(directory: str) -> Container[str] | None:
    """The names in ``directory`` (a real path) when this run listed it, else None."""
    if not _RUNS:
        return None
    paths = _RUNS[-1]
    listing = paths.listings.get(directory)
    return paths.entries.get(directory) if listing is None else [entry.name for entry in listing]


def listing_of(directory: str) -> list[os.DirEntry[str]] | None:
    """The entries a walk of this run listed in ``directory`` (a real path), else None: not listed again."""
    return _RUNS[-1].listings.get(directory) if _RUNS else None


def run_memo() -> dict[Any, Any] | None:
    """What a loader keeps for the rest of the run (the tree is taken as fixed for a run); None outside one."""
    return _RUNS[-1].memo if _RUNS else None


def entry_is_link(entry: os.DirEntry[str]) -> bool:
    """Whether a listed entry is a symlink, by the listing's type (no system call); False when that cannot
    be told, as ``os.path.islink`` (listed, the path is then refused where it is used)."""
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _entries(directory: str) -> dict[str, bool] | None:
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
    except (OSError, ValueError):
        return None
    return _types(entries)


def _types(entries: list[os.DirEntry[str]]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for entry in entries:
        try:
            found[entry.name] = entry.is_symlink()  # the listing's type: no system call
        except OSError:
            continue
    return found


def _link_free(paths: _Paths, path: str) -> str | None:
    """``path`` resolved as ``os.path.realpath`` does when no link is on its way, else None; its
    prefixes are memoised, so a file costs a look in its directory's listing. Without recursion: deep trees."""
    known = paths.real.get(path, "")  # an absolute path asked for before (most, thousands a run; none is "")
    if known != "":
        return known
    if "\0" in path:  # the original raises
        return None
    absolute = path if os.path.isabs(path) else os.path.join(paths.cwd, path)
    pending: list[tuple[str, str, str]] = []
    current, sep = absolute, os.sep
    while current not in paths.real:
        cut = current.rfind(sep)  # os.path.split inline where it is a cut at the last separator (most paths)
        parent, name = current[:cut], current[cut + 1 :]
        if not parent or parent[-1] == sep or _ALTSEP:
            parent, name = os.path.split(current)
        if parent == current:  # the root (// too)
            paths.real[current] = os.sep
            break
        pending.append((current, parent, name))
        current = parent
    for current, parent, name in reversed(pending):
        base = paths.real[parent]
        if base is None or name in ("", os.curdir):
            paths.real[current] = base
        elif name == os.pardir:
            paths.real[current] = os.path.dirname(base)
        else:
            joined = base + name if base[-1] == sep else f"{base}{sep}{name}"  # os.path.join of a name
            paths.real[current] = None if _listed_link(paths, base, name) else joined
    return paths.real[absolute]


_ALTSEP = os.altsep is not None  # Windows: two separators, os.path.split tells them
