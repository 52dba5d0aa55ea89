"""The callers, elsewhere in the repository, of module directories that were named without them.

pre-commit names a changed module file; a directory scan names part of a repository. Such a module is
checked as the root modules of the repository instantiate it, and only a module nothing calls is a root.
The callers are found without loading the repository: a text search keeps the files that write a
``module`` block whose ``source`` leads to one of the directories sought (resolved as a load resolves it,
links followed) or cannot be told without a parser, their ``module`` blocks are read as outlines (no
evaluation), and the search repeats for the callers found until it reaches directories nothing calls.
A directory ``terraform init`` evidently runs in (a backend, variable files, a lock file) is a root
without a search: a module call would ignore all of these.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ownlint.loaders.contexts import OtherTerraform
from ownlint.loaders.files import read_text
from ownlint.loaders.listing import Listing
from ownlint.loaders.terraform.backends import OutlineFunction
from ownlint.loaders.terraform.outline_cache import OutlinedFiles
from ownlint.model import LoadProblem
from ownlint.records import record

# patterns as text, compiled on first use (re's cache): a warm one-file check searches no file for module calls
MODULE_WORD = r"\bmodule\b"  # every file with a module block has it (HCL or JSON syntax)
_BACKEND = re.compile(r'^\s*(?:backend\s+"|cloud\s*\{)', re.M)
_ROOT_FILES = (".terraform.lock.hcl", "terraform.tfvars", "terraform.tfvars.json", ".terraform")
UNSURE = "?"  # a source whose text does not show its value (an escape, a template, an expression): outlined
_GAP = r"(?:\s|/\*.*?\*/|#[^\n]*|//[^\n]*)*"  # what may stand between two tokens: blanks, comments
_SOURCE = rf"(?s)\bsource{_GAP}=(?![=>]){_GAP}"  # an attribute named source (a module's is its call)
_LITERAL = rf'(?s)"([^"\\\n]*)"{_GAP}(?=[A-Za-z_}}]|\Z)'  # a quoted text that ends the expression


@record(frozen=True)
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
    if re.search(MODULE_WORD, text) is None:
        return []
    from ownlint.loaders.terraform import expr as m  # on use: a replayed root reads no HCL

    try:
        if name.endswith(".json"):  # (its reader brings the YAML parser: imported for such a file only)
            from ownlint.loaders.terraform.json_syntax import parse_json_file

            found = m.outline_of(parse_json_file(text, name))
        else:
            found = outline(text, name)
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
        _search(sought, callers, _module_files(context, max_bytes), sources, rooted, _Targets(_listing_of(context)))
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


def _listing_of(context: Iterable[str]) -> Listing | None:
    """The listing the context's files were found in (None: a plain list of files)."""
    files = context.files if isinstance(context, OutlinedFiles) else context
    return files.listing if isinstance(files, OtherTerraform) else None


def _search(
    sought: set[Path],
    callers: dict[Path, set[Path]],
    pending: list[tuple[str, list[str]]],
    sources_of: Callable[[str], list[str]],
    rooted: _Roots,
    target: _Targets,
) -> None:
    """Add to ``callers`` the calls, written in ``pending`` files (path, the local sources it may write), of
    ``sought`` and of their callers, transitively; a file is read and outlined only once one of its sources leads
    to a directory sought (or one it writes cannot be told without outlining it)."""
    frontier, looked = set(sought), set(sought)
    while frontier and pending:
        paths = {str(d) for d in frontier}
        unmatched: list[tuple[str, list[str]]] = []
        found: set[Path] = set()
        for path, written in pending:  # thousands of files in a large repository: no generator per file
            directory = os.path.dirname(path)
            for source in written:
                if source == UNSURE or target(directory, source) in paths:
                    break
            else:
                unmatched.append((path, written))  # none leads to them: no module block of it calls them
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


class _Targets:
    """The directory a local path written in a directory leads to, as ``Path.resolve`` gives it (a load resolves
    a call so): from the listing when each part is a directory it walked (real, reached without a link) or ``..``
    (the parent of a real path is real), and the last may be any name it listed that is no link (its own path);
    resolved otherwise (a link, a directory the walk skips, a path out of the repository). Once per path a run."""

    def __init__(self, listing: Listing | None) -> None:
        self.listing = listing
        self.known: dict[tuple[str, str], str] = {}

    def __call__(self, directory: str, written: str) -> str:
        key = (directory, written)
        found = self.known.get(key)
        if found is None:
            found = self._listed(directory, written) or _real(os.path.join(directory, written))
            self.known[key] = found
        return found

    def _listed(self, directory: str, written: str) -> str | None:
        listing = self.listing
        if listing is None or not listing.walked(directory):
            return None
        if written.startswith("./") and "//" not in written and "/." not in written:  # the usual "./a/b"
            path = f"{directory}/{written[2:].rstrip('/')}" if directory != "/" else written[1:].rstrip("/")
            if listing.walked(path):
                return path
        parts = [p for p in written.split("/") if p and p != "."]  # as realpath: empty and "." parts are nothing
        current = directory
        for index, part in enumerate(parts):
            if part == "..":
                current = os.path.dirname(current)  # realpath's ".." too: the parent of the path resolved so far
                continue
            path = os.path.join(current, part)
            if listing.walked(path):
                current = path
            elif index == len(parts) - 1 and listing.walked(current) and path not in listing.links:
                return path  # an entry of a listed directory that is no link (or none): resolved, it is itself
            else:
                return None
        return current


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return ""  # no directory sought: a path with a NUL byte calls nothing that loads


def _module_files(context: Iterable[str], max_bytes: int) -> list[tuple[str, list[str]]]:
    """(file, the local paths its quoted strings name) of the files that can hold a ``module`` block, from the
    store of outlines when the context has one (a file whose identity changed is read again)."""
    if isinstance(context, OutlinedFiles):
        found = context.store.strings_of(context, max_bytes, local_strings, naming_only=True)
    else:
        found = [(path, local_strings(path, max_bytes)) for path in context]
    return [(path, written) for path, written in found if written]


def local_strings(path: str, max_bytes: int) -> list[str] | None:
    """The local sources the file's ``module`` blocks may write (None: no ``module`` word, so no module call): the
    value of each ``source`` attribute written as a quoted text without escapes or templates, and ``UNSURE`` for
    one written otherwise (the file is outlined: what an expression, an escape or JSON says needs a parser)."""
    if b"module" not in _head(path, max_bytes):  # the bytes are searched before decoding
        return None
    text = read_text(Path(path), os.path.basename(path), max_bytes)
    if isinstance(text, LoadProblem) or not re.search(MODULE_WORD, text):
        return None
    if path.endswith(".json"):
        return [UNSURE]
    found: list[str] = []
    literals = re.compile(_LITERAL)
    for attribute in re.finditer(_SOURCE, text):
        literal = literals.match(text, attribute.end())
        value = literal.group(1) if literal is not None else None
        if value is None or "${" in value or "%{" in value:
            found.append(UNSURE)
        elif is_local(value):
            found.append(value)
    return list(dict.fromkeys(found))


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
