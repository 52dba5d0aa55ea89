"""The callers, elsewhere in the repository, of module directories that were named without them.

pre-commit names a changed module file; a directory scan names part of a repository. Such a module is
checked as the root modules of the repository instantiate it, and only a module nothing calls is a root.
The callers are found without loading the repository: a word search keeps the files that write a
``module`` block and name one of the directories sought, their ``module`` blocks are read as outlines
(no evaluation), and the search repeats for the callers found until it reaches directories nothing
calls. A directory ``terraform init`` evidently runs in (a backend, variable files, a lock file) is a
root without a search: a module call would ignore all of these.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ownlint.loaders.discovery import OtherTerraform
from ownlint.loaders.files import read_text
from ownlint.loaders.terraform.backends import OutlineFunction
from ownlint.loaders.terraform.outline_cache import OutlinedFiles
from ownlint.model import LoadProblem

MODULE_WORD = re.compile(r"\bmodule\b")  # every file with a module block has it (HCL or JSON syntax)
_BACKEND = re.compile(r'^\s*(?:backend\s+"|cloud\s*\{)', re.M)
_ROOT_FILES = (".terraform.lock.hcl", "terraform.tfvars", "terraform.tfvars.json", ".terraform")
_ANCESTOR = r"(?:\.\.?/)*\.\.?/?"  # source = ".." (a module above its caller) names no directory
_QUOTED = re.compile(r"(?=[\"']([^\"'\n]*)[\"'])")  # from every quote: the text up to the next one


@dataclass(frozen=True)
class Callers:
    """What the repository says about the scanned directories: the root modules elsewhere that reach
    them, and which of them something calls (they are no roots)."""

    roots: tuple[Path, ...] = ()
    called: frozenset[Path] = frozenset()


def surely_root(directory: Path, max_bytes: int) -> bool:
    """A directory ``terraform init`` runs in: a lock file, ``.terraform``, variable files, a backend."""
    try:
        names = {entry.name for entry in directory.iterdir()}
    except OSError:
        return False
    if names.intersection(_ROOT_FILES) or any(n.endswith((".auto.tfvars", ".auto.tfvars.json")) for n in names):
        return True
    for name in sorted(n for n in names if n.endswith(".tf")):
        text = read_text(directory / name, name, max_bytes)
        if isinstance(text, str) and _BACKEND.search(text):
            return True
    return False


def local_sources(text: str, name: str, outline: OutlineFunction) -> list[str]:
    """The local ``source`` of each ``module`` block of a file (a file that does not parse calls nothing:
    its problem is reported where it is loaded)."""
    if MODULE_WORD.search(text) is None:
        return []
    from ownlint.loaders.terraform import expr as m  # on use: a replayed root reads no HCL
    from ownlint.loaders.terraform.json_syntax import parse_json_file

    try:
        found = outline(text, name) if not name.endswith(".json") else m.outline_of(parse_json_file(text, name))
    except (m.HclSyntaxError, RecursionError):
        return []
    from ownlint.loaders.terraform.evaluate import Evaluator  # not at import: a warm run may evaluate nothing

    constant = Evaluator({}, {})
    texts = (constant.value(expression) for expression in found.module_sources)
    return [t for t in texts if isinstance(t, str) and is_local(t)]


def is_local(source: str) -> bool:
    return source.startswith(("./", "../")) or source in (".", "..")


def repository_callers(
    calls: Mapping[Path, list[Path] | None],
    context: Iterable[str] | None,
    outline: OutlineFunction,
    max_bytes: int,
) -> Callers:
    """``calls``: each scanned directory's local module calls (None: it holds no module file);
    ``context``: the Terraform files elsewhere in the repository, read only when a search is needed
    (None: the whole repository is scanned, and nothing else calls a scanned module)."""
    callers: dict[Path, set[Path]] = {}
    for directory, called in calls.items():
        for child in called or ():
            callers.setdefault(child, set()).add(directory)
    scanned_called = frozenset(d for d in calls if callers.get(d))
    rooted = _Roots(max_bytes)
    sought = {d for d, called in calls.items() if context is not None and called is not None and not rooted(d)}
    if sought and context is not None:
        sources = _sources_reader(context, outline, max_bytes)
        _search(sought, callers, _module_files(context, max_bytes), sources, rooted, _walked(context))
    reaching = _reaching(sought, callers, rooted)
    roots = sorted(d for d in reaching if d not in calls and (not callers.get(d) or rooted(d)))
    return Callers(tuple(roots), scanned_called | {d for d in sought if callers.get(d)})


class _Roots:
    """``surely_root``, once per directory."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.known: dict[Path, bool] = {}

    def __call__(self, directory: Path) -> bool:
        if directory not in self.known:
            self.known[directory] = surely_root(directory, self.max_bytes)
        return self.known[directory]


def _sources_reader(context: Iterable[str], outline: OutlineFunction, max_bytes: int) -> Callable[[str], list[str]]:
    """The local sources of a file's ``module`` blocks: read and outlined, or from the store of outlines when the
    context has one and the file is as it was when they were recorded (a warm run parses no caller)."""

    def read(path: str) -> list[str]:
        text = read_text(Path(path), os.path.basename(path), max_bytes)
        return local_sources(text, os.path.basename(path), outline) if isinstance(text, str) else []

    if isinstance(context, OutlinedFiles) and context.backend:
        store, backend = context.store, context.backend
        return lambda path: store.sources_of(path, backend, lambda: read(path))
    return read


def _walked(context: Iterable[str]) -> Callable[[str], bool]:
    """Whether a path is a directory the context's listing walked (a real directory, reached through real ones)."""
    files = context.files if isinstance(context, OutlinedFiles) else context
    if isinstance(files, OtherTerraform):
        return files.listing.walked
    return lambda path: False


def _search(
    sought: set[Path],
    callers: dict[Path, set[Path]],
    pending: list[tuple[str, list[str]]],
    sources_of: Callable[[str], list[str]],
    rooted: _Roots,
    walked: Callable[[str], bool],
) -> None:
    """Add to ``callers`` the calls, written in ``pending`` files (path, the local paths it names), of ``sought``
    and of their callers, transitively; a file is read and outlined only once it names a directory sought."""
    frontier, looked = set(sought), set(sought)
    while frontier and pending:
        names = "|".join(re.escape(d.name) for d in sorted(frontier))
        naming = re.compile(rf"(?:[^\"'\n]*/)?(?:{names})/?|{_ANCESTOR}")
        wanted = {_identity(str(d)) for d in frontier}
        reaches = _Reaches(wanted, {str(d) for d in frontier}, walked)
        unmatched: list[tuple[str, list[str]]] = []
        found: set[Path] = set()
        for path, written in pending:
            directory = os.path.dirname(path)
            if not any(naming.fullmatch(s) and reaches(directory, s) for s in written):
                unmatched.append((path, written))  # naming none of them: no module block of it calls them
                continue
            caller = Path(directory).resolve()
            for source in sources_of(path):
                callee = (caller / source).resolve()
                callers.setdefault(callee, set()).add(caller)
                if callee in looked:
                    found.add(caller)
        pending = unmatched
        frontier = {d for d in found if d not in looked and not rooted(d)}
        looked |= frontier


class _Reaches:
    """Whether a local path written in a directory names one of the directories sought: a ``./a/b`` path to a
    directory the listing walked is that real directory (each part a real directory, none a link), compared by
    its path as the search's callees are; any other is compared by identity, whatever links lead there."""

    def __init__(self, wanted: set[tuple[int, int] | None], paths: set[str], walked: Callable[[str], bool]) -> None:
        self.wanted, self.paths, self.walked = wanted, paths, walked

    def __call__(self, directory: str, written: str) -> bool:
        rest = written[2:].rstrip("/") if written.startswith("./") else ""
        if rest and "//" not in rest and "/." not in "/" + rest:  # no empty, "." or ".." part (nor hidden names)
            path = (directory if directory.endswith(os.sep) else directory + os.sep) + rest
            if self.walked(path):
                return path in self.paths
        return _identity(os.path.join(directory, written)) in self.wanted


def _identity(path: str) -> tuple[int, int] | None:
    """The directory ``path`` names, whatever links lead there (one ``stat``, not a path resolution)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    return found.st_dev, found.st_ino


def _module_files(context: Iterable[str], max_bytes: int) -> list[tuple[str, list[str]]]:
    """(file, the local paths its quoted strings name) of the files that can hold a ``module`` block, from the
    store of outlines when the context has one (a file whose identity changed is read again)."""
    if isinstance(context, OutlinedFiles):
        found = context.store.strings_of(context, max_bytes, local_strings, naming_only=True)
    else:
        found = [(path, local_strings(path, max_bytes)) for path in context]
    return [(path, written) for path, written in found if written]


def local_strings(path: str, max_bytes: int) -> list[str] | None:
    """The local paths the file's quoted strings name (None: no ``module`` word, so no module call): each text
    between a quote and the next one on its line, as the search's patterns see them."""
    if b"module" not in _head(path, max_bytes):  # the bytes are searched before decoding
        return None
    text = read_text(Path(path), os.path.basename(path), max_bytes)
    if isinstance(text, LoadProblem) or not MODULE_WORD.search(text):
        return None
    return [s for s in dict.fromkeys(_QUOTED.findall(text)) if is_local(s)]


def _head(path: str, max_bytes: int) -> bytes:
    """The file's bytes (none past ``max_bytes``), read with as few system calls as one file allows."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the run
    except OSError:
        return b""
    try:
        size = os.fstat(descriptor).st_size
        return os.read(descriptor, min(size, max_bytes)) if size else b""
    except OSError:
        return b""
    finally:
        os.close(descriptor)


def _reaching(sought: set[Path], callers: Mapping[Path, set[Path]], rooted: _Roots) -> set[Path]:
    """Every directory that calls one of ``sought``, directly or through other modules (up to roots)."""
    found: set[Path] = set()
    pending = list(sought)
    while pending:
        for caller in callers.get(pending.pop(), ()):
            if caller not in found:
                found.add(caller)
                if not rooted(caller):
                    pending.append(caller)
    return found
