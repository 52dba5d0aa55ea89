"""Which files a check reads: walk the given paths, skip what is not ours, never follow symlinks.

Context comes from the whole repository (the git work tree; the scan root outside git): the Namespaces
of the manifests named and the callers of the Terraform modules named, found by the loaders among the
files ``OtherManifests`` and ``OtherTerraform`` walk; findings come only from what was named.
What cannot be walked (a directory that cannot be listed, a path too long to open, a name that is not
UTF-8) is a located problem, never dropped; a plan found in the tree is never read (only ``--plan``).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from ownlint.errors import OwnlintError
from ownlint.loaders.files import MAX_FILE_BYTES, entry_is_link, links_outside, listed, read_text, relative
from ownlint.model import LoadProblem
from ownlint.vcs.tree import repository_top

# .terragrunt-cache: terragrunt's checkouts of a unit's module, read only through that unit
SKIPPED_DIRS = frozenset(
    {".git", ".terraform", ".terragrunt-cache", ".ownlint", "node_modules", ".venv", "__pycache__", ".tox"}
)
TERRAGRUNT_UNIT = "terragrunt.hcl"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
TFVARS = ("terraform.tfvars", "terraform.tfvars.json")
KUSTOMIZATION = "Kustomization"  # kustomize's third name for its file, without a suffix
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", KUSTOMIZATION)
TERRAFORM_LOCK = ".terraform.lock.hcl"  # Terraform's own: providers' versions, no resources


@dataclass
class Discovered:
    root: Path
    terraform: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    helm_templates: list[Path] = field(default_factory=list)
    # JSON that looks like ``terraform show -json`` output: never read (the PR may have written it; a
    # plan replaces the configuration it comes from, so only one the CI operator names with --plan is)
    plan_like: list[Path] = field(default_factory=list)
    # files named one by one (pre-commit's changed files): only findings in them are reported, and
    # the manifests elsewhere under the root may define their Namespaces (the loader reads only those
    # that name a namespace the changed files use)
    changed: list[Path] = field(default_factory=list)
    directories: list[Path] = field(default_factory=list)  # named directories (resolved)
    outside_links: list[Path] = field(default_factory=list)  # symlinks out of the root: not followed
    not_terraform: list[Path] = field(default_factory=list)  # *.hcl: Terragrunt, Packer, Nomad (not read)
    terragrunt: list[Path] = field(default_factory=list)  # terragrunt.hcl units
    namespace_context: Iterable[Path] = ()
    kustomize_context: Iterable[Path] = ()  # the repository's kustomizations: those using named files build them
    terragrunt_context: Iterable[Path] = ()  # the repository's units: those using a named module instantiate it
    context_top: Path | None = None  # the real directory context comes from (None: all is named)
    terraform_context: Iterable[str] | None = None  # the repository's other Terraform files (None: all are named)
    problems: list[LoadProblem] = field(default_factory=list)  # what could not be walked or named
    listing: Listing | None = None  # the repository's directories, the contexts' one walk (None: no context)


def scan_root(paths: list[Path]) -> Path:
    """The directory findings are reported relative to: the one directory given, else the common parent."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0]
    resolved = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    cwd = Path.cwd().resolve()
    if all(p == cwd or cwd in p.parents for p in resolved):
        return Path(".")
    return Path(os.path.commonpath([str(p) for p in resolved]))


def discover(paths: list[Path], root: Path | None = None) -> Discovered:
    for path in paths:
        if not path.exists():
            raise OwnlintError(f"{path}: no such file or directory")
    found = Discovered(root=root if root is not None else scan_root(paths))
    real_root = found.root.resolve()
    sorting = _Sorting()  # text paths until sorted: thousands of files
    for path in paths:
        if os.path.isfile(path):
            _classify(path, path.name, found, sorting)  # named on the command line: read, link or not
            continue
        for directory, entries in _walk(path, lambda error: _unlisted(found, error)):
            _walked(directory, entries, found, sorting, real_root)
    found.terraform = _sorted(sorting.terraform)
    found.manifests = _sorted(sorting.manifests)
    found.plan_like = _sorted(sorting.plan_like)
    found.not_terraform = _sorted(sorting.not_terraform)
    found.terragrunt = _sorted(sorting.terragrunt)
    found.changed = sorted({p.resolve() for p in paths if os.path.isfile(p)})
    found.directories = sorted({p.resolve() for p in paths if os.path.isdir(p)})
    top = repository_top(found.root) or found.root.resolve()
    if top in found.directories:
        return found  # the whole repository is named: there is no context beyond it
    listing = found.listing = Listing(top.resolve())  # walked once, when a context is first iterated, for all
    if found.manifests:
        found.namespace_context = OtherManifests(listing, frozenset(p.resolve() for p in found.manifests))
        found.kustomize_context, found.context_top = Named(listing, KUSTOMIZATIONS), top.resolve()
    if found.terraform:
        found.terraform_context = OtherTerraform(listing, frozenset(p.resolve().parent for p in found.terraform))
        found.terragrunt_context = Named(listing, (TERRAGRUNT_UNIT,))
    return found


@dataclass
class _Sorting:
    """The files found, before they are sorted."""

    terraform: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    plan_like: list[Path] = field(default_factory=list)
    not_terraform: list[Path] = field(default_factory=list)
    terragrunt: list[Path] = field(default_factory=list)


# Path's own order (what its __lt__ compares), as a key: no Python-level call per comparison
_PATH_ORDER: Callable[[Path], Any] = (
    attrgetter("parts") if sys.version_info < (3, 12) else lambda p: str(p).split(os.sep)
)


def _sorted(paths: list[Path]) -> list[Path]:
    """The paths without repeats in ``Path`` order."""
    return sorted(set(paths), key=_PATH_ORDER)


def _walked(
    directory: str, entries: list[os.DirEntry[str]], found: Discovered, sorting: _Sorting, real_root: Path
) -> None:
    """Sort the files of one walked directory (``entries``, but its subdirectories, in name order)."""
    base = Path(directory)  # its files' paths made from it: cheaper than each from its text
    shown: str | None = None  # the directory as problems name it: resolved once, for all its files
    for entry in entries:
        name = entry.name
        link = _maybe_link(entry)
        if link and links_outside(base / name, real_root):
            found.outside_links.append(base / name)  # named on the command line, it would be read
            continue
        if link:
            _classify(base / name, name, found, sorting)
            continue
        if not _ours(name):
            continue
        if shown is None:
            shown = relative(found.root, base)
        plain = f"{shown}/{name}" if shown else name  # as relative() of the file: it is no link
        _classify(base / name, name, found, sorting, plain, _regular_entry(entry))


def _prefix(directory: str) -> str:
    """What a name is joined to in ``directory`` as ``Path`` joins it ("." joins nothing)."""
    if directory == os.curdir:
        return ""
    return directory if directory.endswith(os.sep) else directory + os.sep


def _maybe_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()  # the listing's type: no system call
    except OSError:
        return True  # looked at as a link would be


def _regular_entry(entry: os.DirEntry[str]) -> bool:
    """A regular file (``entry`` is no link) as ``_regular`` says, from the listing's type."""
    try:
        return entry.is_file()
    except OSError:
        return True


def _unlisted(found: Discovered, error: OSError) -> None:
    """A directory ``os.walk`` could not list (permissions, a path over PATH_MAX): its files are unknown."""
    where = path_shown(found.root, Path(os.fsdecode(error.filename or ".")))
    reason = error.strerror or str(error)
    found.problems.append(LoadProblem(where, 1, f"cannot list directory: {reason}; its files are not checked"))


def path_shown(root: Path, path: Path) -> str:
    """``path`` relative to ``root`` as problems and notes name it; bytes that are not UTF-8 as ``\\xff``."""
    return _shown_text(relative(root, path) or ".")


def _shown_text(relative_path: str) -> str:
    try:
        return relative_path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file system gave
        return relative_path.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class OtherManifests:
    """The manifests under ``root`` besides ``given``, nearest first: those in the directories of
    ``given`` and above them up to ``root``, then the rest of the tree, which is walked only when
    iterated that far (a Namespace is usually defined beside or above the objects placed in it)."""

    listing: Listing
    given: frozenset[Path]  # resolved

    def __iter__(self) -> Iterator[Path]:
        real_root = self.listing.root
        given = {str(p) for p in self.given}
        seen: set[str] = set()
        for directory in self._nearest(real_root):
            seen.add(str(directory))
            names = self.listing.names(str(directory))
            if names is None:  # not walked yet: a Namespace is usually found before the walk is needed
                try:
                    names = sorted(os.listdir(directory))
                except OSError:  # only lends Namespaces: what cannot be listed lends none
                    continue
            yield from _manifests(str(directory), names, given)
        for current, _, names in self.listing:  # real paths: symlinked directories are not entered
            if current not in seen:
                yield from _manifests(current, names, given)

    def _nearest(self, real_root: Path) -> Iterator[Path]:
        listed: set[Path] = set()
        for path in sorted(self.given):
            for directory in path.parents:
                inside = directory == real_root or real_root in directory.parents
                if not inside or SKIPPED_DIRS.intersection(directory.relative_to(real_root).parts):
                    break
                if directory not in listed:
                    listed.add(directory)
                    yield directory


def _manifests(directory: str, names: list[str], given: set[str]) -> Iterator[Path]:
    """The manifests among ``names`` but ``given`` ones (text paths, compared without resolving each)."""
    for name in names:
        path = os.path.join(directory, name)
        if name.endswith(MANIFEST_SUFFIXES) and path not in given and os.path.isfile(path):
            candidate = Path(path)
            if f"{os.sep}templates{os.sep}" not in path or not is_helm_template(candidate):
                yield candidate


Entries = tuple[list[str], list[str], list[str]]  # a directory's real subdirectories, other entries, links


class Remembered(Protocol):
    """What earlier runs listed (``outline_cache.OutlineStore``): a directory's entries, scanned again when
    the directory changed since; or the whole last walk when no directory of it changed, each directory's
    entries as one text (``Listing`` reads them as it needs them: see ``_parts``)."""

    def unchanged_walk(self) -> dict[str, str] | None: ...

    def lister(self, scan: Callable[[str], Entries | None]) -> Callable[[str], Entries | None]: ...


class Listing:
    """The directories under ``root`` (a real directory), listed once, when first asked, for every context of a
    run: pre-commit of a module file seeks terragrunt units and callers, of a manifest kustomizations and
    Namespaces, in the same walk. Top-down in name order as ``os.walk``; skipped and symlinked directories are
    not entered; what cannot be listed lends nothing (context only). With a store (``remember``), a directory
    unchanged since an earlier run is not listed again: the same walk, one ``stat`` per directory; when none
    changed, the files sought (``files_named``, ``files_ending``) are found in the remembered texts, not in
    lists of names made for every directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.links: set[str] = set()  # the symbolic links seen (paths), told apart without a system call
        self._listed: dict[str, tuple[list[str], list[str]]] | None = None
        self._texts: dict[str, str] | None = None  # the unchanged walk remembered: each directory's entries as text
        self._store: Remembered | None = None

    def remember(self, store: Remembered) -> None:
        """List through ``store`` (before the listing is first iterated)."""
        self._store = store

    def __iter__(self) -> Iterator[tuple[str, list[str], list[str]]]:
        """(directory, names of its real subdirectories, names of its other entries), names sorted."""
        listed = self._lists()
        return ((directory, dirs, names) for directory, (dirs, names) in listed.items())

    def names(self, directory: str) -> list[str] | None:
        """The entries but subdirectories of ``directory`` when it was listed already, else None."""
        if self._listed is None and self._texts is not None:
            text = self._texts.get(directory)
            return None if text is None else _parts(text)[1]
        found = self._listed.get(directory) if self._listed is not None else None
        return found[1] if found is not None else None

    def walked(self, directory: str) -> bool:
        """Whether ``directory`` is one the walk reached (it was listed already)."""
        if self._listed is None and self._texts is not None:
            return directory in self._texts
        return self._listed is not None and directory in self._listed

    def files_named(self, wanted: frozenset[str]) -> list[tuple[str, str]]:
        """(directory, name) of the files called one of ``wanted``, in the walk's order."""
        texts = self._walked()
        if texts is None:
            return [
                (d, n)
                for d, (_, names) in self._lists().items()
                if not wanted.isdisjoint(names)
                for n in names
                if n in wanted
            ]
        found: list[tuple[str, str]] = []
        for directory, text in _holding(texts, wanted):
            found.extend((directory, n) for n in text.split("//")[1].split("/") if n in wanted)
        return found

    def files_ending(self, suffixes: tuple[str, ...]) -> list[tuple[str, str]]:
        """(directory, name) of the files whose names end with one of ``suffixes``, in the walk's order."""
        texts = self._walked()
        if texts is None:
            return [(d, n) for d, (_, names) in self._lists().items() for n in names if n.endswith(suffixes)]
        found: list[tuple[str, str]] = []
        for directory, text in _holding(texts, suffixes):
            found.extend([(directory, n) for n in text.split("//")[1].split("/") if n.endswith(suffixes)])
        return found

    def _lists(self) -> dict[str, tuple[list[str], list[str]]]:
        texts = self._walked()  # listed when the remembered walk is not used
        if self._listed is None:
            self._listed = {d: _parts(t)[:2] for d, t in (texts or {}).items()}
        return self._listed

    def _walked(self) -> dict[str, str] | None:
        """The remembered walk's texts when it is unchanged (its links recorded), else None (it is listed)."""
        if self._texts is None and self._listed is None:
            remembered = self._store.unchanged_walk() if self._store is not None else None
            if remembered is None:
                self._listed = self._scanned()
                return None
            self._texts = remembered
            for directory, text in remembered.items():
                if not text.endswith("//"):  # it lists links
                    self._linked(directory, _parts(text)[2])
        return self._texts

    def _scanned(self) -> dict[str, tuple[list[str], list[str]]]:
        listed: dict[str, tuple[list[str], list[str]]] = {}
        for directory, (dirs, names, linked) in self._directories():
            if linked:
                self._linked(directory, linked)
            listed[directory] = (dirs, names)
        return listed

    def _linked(self, directory: str, names: list[str]) -> None:
        prefix = directory if directory.endswith(os.sep) else directory + os.sep  # as os.path.join
        self.links.update([prefix + n for n in names])

    def _directories(self) -> Iterator[tuple[str, Entries]]:
        pending = [str(self.root)]
        entries_of = _scan if self._store is None else self._store.lister(_scan)
        while pending:
            directory = pending.pop()
            found = entries_of(directory)
            if found is None:
                continue
            yield directory, found
            prefix = directory if directory.endswith(os.sep) else directory + os.sep  # as os.path.join, cheaper
            pending.extend([prefix + d for d in reversed(found[0])])


def _holding(texts: dict[str, str], parts: Iterable[str]) -> list[tuple[str, str]]:
    """The (directory, text) whose text holds one of ``parts`` (a test in C for each of thousands of texts, most
    holding none of them; a part holding another is found with it: ".tf.json" with ".tf")."""
    needles = sorted({p for p in parts if not any(o != p and o in p for o in parts)})
    if len(needles) == 1:
        needle = needles[0]
        return [(d, t) for d, t in texts.items() if needle in t]
    held: set[str] = set()
    for needle in needles:  # a pass each, no generator per text: kustomize's three names in 9k directories
        held.update([d for d, t in texts.items() if needle in t])
    return [(d, t) for d, t in texts.items() if d in held] if held else []


def _parts(text: str) -> Entries:
    """A directory's entries from their remembered text: the three lists of names joined by "//", the names
    by "/" (a name never holds "/" and is never empty)."""
    dirs, names, links = text.split("//")
    return (dirs.split("/") if dirs else [], names.split("/") if names else [], links.split("/") if links else [])


def _scan(directory: str) -> Entries | None:
    """The names of ``directory``'s real subdirectories (but skipped ones), other entries and links, sorted."""
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
    except OSError:
        return None
    dirs: list[str] = []
    names: list[str] = []
    links: list[str] = []
    for entry in entries:  # one pass: thousands of directories
        if not _is_directory(entry):
            names.append(entry.name)
            if entry.is_symlink():
                links.append(entry.name)
        elif entry.name not in SKIPPED_DIRS:
            dirs.append(entry.name)
    dirs.sort()
    names.sort()
    links.sort()
    return dirs, names, links


@dataclass(frozen=True)
class Named:
    """The files called one of ``names`` in ``listing``, walked when iterated; links out of it are not read."""

    listing: Listing
    names: tuple[str, ...]

    def __iter__(self) -> Iterator[Path]:
        real_root = self.listing.root
        for current, name in self.listing.files_named(frozenset(self.names)):  # real paths: links are not entered
            path = Path(current, name)
            if os.path.isfile(path) and not links_outside(path, real_root):
                yield path


@dataclass(frozen=True)
class OtherTerraform:
    """The Terraform module files in ``listing`` outside the ``scanned`` directories, as text paths, walked
    when iterated (a pre-commit run of a module file seeks its callers in the whole repository)."""

    listing: Listing
    scanned: frozenset[Path]  # resolved

    def __iter__(self) -> Iterator[str]:
        real_root = self.listing.root
        scanned = {str(d) for d in self.scanned}
        sep = os.sep
        found = [  # thousands of files: paths joined as os.path.join does, cheaper
            (directory if directory.endswith(sep) else directory + sep) + name
            for directory, name in self.listing.files_ending((".tf", ".tf.json"))  # real paths: links not entered
            if directory not in scanned
        ]
        links = self.listing.links
        return iter([p for p in found if p not in links or not links_outside(Path(p), real_root)])


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _walk(
    directory: Path, refused: Callable[[OSError], None] | None = None
) -> list[tuple[str, list[os.DirEntry[str]]]]:
    """``os.walk`` top-down in name order without the skipped directories: each directory (a text path as
    ``Path`` gives it) with its entries but subdirectories, in name order. Symlinked directories are never
    entered; ``refused`` hears of each directory that cannot be listed. Without recursion: deep trees."""
    walked: list[tuple[str, list[os.DirEntry[str]]]] = []
    pending = [str(directory)]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError as error:
            if refused is not None:
                refused(error)
            continue
        listed(current, entries)  # the files' link tests after discovery need no listing of their own
        names: list[os.DirEntry[str]] = []
        dirs: list[os.DirEntry[str]] = []
        for entry in entries:
            if not _is_followed_directory(entry):
                names.append(entry)
            elif entry.name not in SKIPPED_DIRS:
                dirs.append(entry)
        names.sort(key=_name)
        walked.append((current, names))
        dirs.sort(key=_name, reverse=True)  # popped in name order
        prefix = _prefix(current)
        pending.extend([prefix + d.name for d in dirs if not entry_is_link(d)])
    return walked


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_followed_directory(entry: os.DirEntry[str]) -> bool:
    """A directory or a link to one, as ``os.walk`` tells them from files."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def is_helm_template(path: Path) -> bool:
    """A file under the ``templates/`` of a chart (beside a ``Chart.yaml``; one that names no chart is a
    problem of the chart, not a reason to read its templates as YAML) that only ``helm template`` makes
    YAML: it holds a Go template action (``{{``), or helm never renders it (its name starts with ``_``).
    A file without an action renders to itself, so it is read as the manifest it is."""
    if "templates" not in path.parts[:-1]:  # most files: answered without walking up (asked of every YAML file)
        return False
    if not any(p.name == "templates" and (p.parent / "Chart.yaml").is_file() for p in path.parents):
        return False
    if path.name.startswith("_"):
        return True
    try:
        with path.open("rb") as stream:
            return b"{{" in stream.read(MAX_FILE_BYTES + 1)
    except OSError:
        return False  # read as a manifest: its problem is reported there


def is_chart(chart_yaml: Path) -> bool:
    """A ``Chart.yaml`` that is a mapping with an ``apiVersion`` and a ``name``, as helm requires."""
    try:
        status = chart_yaml.stat()
    except (OSError, ValueError):
        return False
    return _chart_file(str(chart_yaml), status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=256)
def _chart_file(path: str, mtime_ns: int, size: int) -> bool:
    """Whether the file (as of this modification time and size) is a chart's: read once per chart."""
    import yaml

    from ownlint.loaders.nesting import too_deep

    text = read_text(Path(path), path, 1024 * 1024)
    if isinstance(text, LoadProblem) or too_deep(text) is not None:
        return False
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return False
    return isinstance(data, dict) and all(isinstance(data.get(k), str) and data[k] for k in ("apiVersion", "name"))


def _ours(name: str) -> bool:
    """A name ``_classify`` sorts a file by (the others are passed over)."""
    return name.endswith(_OURS) or name in TFVARS or name == KUSTOMIZATION


_OURS = (".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json", ".hcl", *MANIFEST_SUFFIXES)


def _classify(
    file: Path, name: str, found: Discovered, sorting: _Sorting, plain: str | None = None, regular: bool | None = None
) -> None:
    """Sort ``file`` by its ``name``; ``plain`` is its ``relative`` path and ``regular`` whether it is a regular
    file, when the walk knows them already."""
    terraform = name.endswith((".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json")) or name in TFVARS
    if name == TERRAGRUNT_UNIT:
        sorting.terragrunt.append(file)
    elif name.endswith(".hcl") and name != TERRAFORM_LOCK:
        sorting.not_terraform.append(file)
    if not terraform and not name.endswith(MANIFEST_SUFFIXES) and name != KUSTOMIZATION:
        return
    if plain is None:
        plain = relative(found.root, file)
    where = plain if plain and plain.isascii() else _shown_text(plain or ".")
    if where != plain:  # os.walk decoded bytes that are not UTF-8 as surrogates
        found.problems.append(LoadProblem(where, 1, "file name is not UTF-8; not read"))
    elif not (regular if regular is not None else _regular(file)):  # a FIFO or device: would block
        found.problems.append(LoadProblem(where, 1, "not a regular file: not read"))
    elif terraform:
        sorting.terraform.append(file)
    elif name.endswith(".json") and is_plan_json(file):
        sorting.plan_like.append(file)
    elif is_helm_template(file):
        found.helm_templates.append(file)
    else:
        sorting.manifests.append(file)


def _regular(path: Path) -> bool:
    """A regular file (followed through a link inside the tree); one that vanished is left to its reader."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def is_plan_json(path: Path) -> bool:
    """``terraform show -json`` output starts with its format and Terraform versions."""
    try:
        with path.open("rb") as stream:
            head = stream.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and b'"format_version"' in head and b'"terraform_version"' in head
