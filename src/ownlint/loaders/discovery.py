"""Which files a check reads: walk the given paths, skip what is not ours, never follow symlinks.

Context comes from the whole repository (the git work tree; the scan root outside git): the Namespaces
of the manifests named and the callers of the Terraform modules named, found by the loaders among the
files ``contexts.OtherManifests`` and ``contexts.OtherTerraform`` walk (one ``listing.Listing`` for all);
findings come only from what was named.
What cannot be walked (a directory that cannot be listed, a path too long to open, a name that is not
UTF-8) is a located problem, never dropped; a plan found in the tree is never read (only ``--plan``).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import field
from operator import attrgetter
from pathlib import Path

from ownlint.errors import OwnlintError
from ownlint.loaders.charts import is_chart as is_chart
from ownlint.loaders.charts import is_helm_template
from ownlint.loaders.contexts import MANIFEST_SUFFIXES, Named, OtherManifests, OtherTerraform
from ownlint.loaders.files import children, entry_is_link, known_real, links_outside, listed, relative
from ownlint.loaders.listing import SKIPPED_DIRS as SKIPPED_DIRS
from ownlint.loaders.listing import Listing
from ownlint.model import LoadProblem
from ownlint.records import record
from ownlint.vcs.tree import repository_top

TERRAGRUNT_UNIT = "terragrunt.hcl"
TFVARS = ("terraform.tfvars", "terraform.tfvars.json")
KUSTOMIZATION = "Kustomization"  # kustomize's third name for its file, without a suffix
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", KUSTOMIZATION)
TERRAFORM_LOCK = ".terraform.lock.hcl"  # Terraform's own: providers' versions, no resources


@record()
class Discovered:
    """The files a run reads under ``root``, by kind."""

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
        for walked in _walk(path, lambda error: _unlisted(found, error)):
            _walked(walked, found, sorting, real_root)
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


Ordered = tuple[tuple[str, ...], Path]  # a file found and its ``_PATH_ORDER``


@record()
class _Sorting:
    """The files found, before they are sorted (each with its order key)."""

    terraform: list[Ordered] = field(default_factory=list)
    manifests: list[Ordered] = field(default_factory=list)
    plan_like: list[Ordered] = field(default_factory=list)
    not_terraform: list[Ordered] = field(default_factory=list)
    terragrunt: list[Ordered] = field(default_factory=list)


# Path's own order (what its __lt__ compares), as a key: no Python-level call per comparison
_PATH_ORDER: Callable[[Path], tuple[str, ...]] = (
    attrgetter("parts") if sys.version_info < (3, 12) else lambda p: tuple(str(p).split(os.sep))
)


def _child_order(parts: tuple[str, ...] | None, prefix: str) -> Callable[[str], tuple[str, ...]]:
    """``_PATH_ORDER`` of the child ``name`` of a walked directory (``prefix + name`` as text) whose ``parts`` the
    walk knows (before 3.12 ``Path.parts`` is made on first use, through an AttributeError pathlib catches: a few
    microseconds a file)."""
    if parts is not None:
        return lambda name: (*parts, name)
    return lambda name: tuple((prefix + name).split(os.sep))


def _sorted(found: list[Ordered]) -> list[Path]:
    """The paths without repeats in ``Path`` order: by their order keys, in C (hashing thousands of paths or
    comparing them cost more than sorting them; two POSIX paths are equal when their parts are)."""
    unique = dict(found)  # hashable keys: tuples
    return [path for _, path in sorted(unique.items())]


def _walked(walked: Walked, found: Discovered, sorting: _Sorting, real_root: Path) -> None:
    """Sort the files of one walked directory (``entries``, but its subdirectories, in name order; ``base``:
    the directory as a ``Path``, its files' paths made from it by ``child``: cheaper than each from its text;
    ``parts``: its ``Path.parts`` before 3.12)."""
    base, entries, parts, prefix, child = walked
    order = _child_order(parts, prefix)
    shown: str | None = None  # the directory as problems name it: resolved once, for all its files
    for entry in entries:
        name = entry.name
        try:
            link = entry.is_symlink()  # the listing's type: no system call
        except OSError:
            link = True  # looked at as a link would be
        if link:
            if links_outside(child(name), real_root):
                found.outside_links.append(child(name))  # named on the command line, it would be read
            else:
                _classify(child(name), name, found, sorting, key=order(name))
            continue
        if not (name.endswith(_OURS) or name in TFVARS or name == KUSTOMIZATION):  # a name _classify sorts by
            continue
        if shown is None:
            shown = relative(found.root, base)
        plain = f"{shown}/{name}" if shown else name  # as relative() of the file: it is no link
        _classify(child(name), name, found, sorting, plain, _regular_entry(entry), order(name))


def _prefix(directory: str) -> str:
    """What a name is joined to in ``directory`` as ``Path`` joins it ("." joins nothing)."""
    if directory == os.curdir:
        return ""
    return directory if directory.endswith(os.sep) else directory + os.sep


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


# a walked directory: its ``Path``, its entries but subdirectories in name order, its ``Path.parts`` before 3.12,
# its text as a prefix of its entries' (``_prefix``) and ``children`` of it (made once for its files and subdirectories)
Walked = tuple[Path, list[os.DirEntry[str]], tuple[str, ...] | None, str, Callable[[str], Path]]


def _walk(directory: Path, refused: Callable[[OSError], None] | None = None) -> list[Walked]:
    """``os.walk`` top-down in name order without the skipped directories: each directory (its ``Path``, and before
    3.12 its ``parts``, each a step longer than its parent's) with its entries but subdirectories, in name order.
    Symlinked directories are never entered; ``refused`` hears of each directory that cannot be listed. Without
    recursion: deep trees."""
    walked: list[Walked] = []
    text = str(directory)
    # each directory's real path when no link is on the way to the top (none is entered below it): the top's, and
    # the rest of its text (the same text when the top is named by its real path)
    top = known_real(text)
    lead = _prefix(text)
    real_lead = top if top is None or top.endswith(os.sep) else top + os.sep
    same = lead == real_lead
    pending = [(text, directory, directory.parts if sys.version_info < (3, 12) else None)]
    while pending:
        current, base, parts = pending.pop()
        real = _real_of(current, text, top, same, real_lead, len(lead))
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError as error:
            if refused is not None:
                refused(error)
            continue
        listed(current, entries, real)  # the files' link tests after discovery need no listing of their own
        names: list[os.DirEntry[str]] = []
        dirs: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                followed = entry.is_dir()  # a directory or a link to one, as os.walk tells them from files
            except OSError:
                followed = False
            if not followed:
                names.append(entry)
            elif entry.name not in SKIPPED_DIRS:
                dirs.append(entry)
        names.sort(key=_BY_NAME)
        prefix, child = _prefix(current), children(base)
        walked.append((base, names, parts, prefix, child))
        dirs.sort(key=_BY_NAME, reverse=True)  # popped in name order
        pending.extend(
            [
                (prefix + d.name, child(d.name), (*parts, d.name) if parts is not None else None)
                for d in dirs
                if not entry_is_link(d)
            ]
        )
    return walked


def _real_of(current: str, top_text: str, top: str | None, same: bool, real_lead: str | None, cut: int) -> str | None:
    """The real path of the walked directory ``current`` (the top's when it is the top, None when a link is on its
    way): ``real_lead`` and the rest of its text past the top's ``cut`` characters, or its text when ``same``."""
    if top is None or current == top_text:
        return top
    return current if same else f"{real_lead}{current[cut:]}"


_BY_NAME: Callable[[os.DirEntry[str]], str] = attrgetter("name")


# the suffixes of the names ``_classify`` sorts a file by (with TFVARS and KUSTOMIZATION; the others are passed over)
_OURS = (".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json", ".hcl", *MANIFEST_SUFFIXES)


def _classify(
    file: Path,
    name: str,
    found: Discovered,
    sorting: _Sorting,
    plain: str | None = None,
    regular: bool | None = None,
    key: tuple[str, ...] | None = None,
) -> None:
    """Sort ``file`` by its ``name``; ``plain`` is its ``relative`` path, ``regular`` whether it is a regular
    file and ``key`` its ``_PATH_ORDER``, when the walk knows them already."""
    terraform = name.endswith((".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json")) or name in TFVARS
    ordered = (key if key is not None else _PATH_ORDER(file), file)
    if name == TERRAGRUNT_UNIT:
        sorting.terragrunt.append(ordered)
    elif name.endswith(".hcl") and name != TERRAFORM_LOCK:
        sorting.not_terraform.append(ordered)
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
        sorting.terraform.append(ordered)
    elif name.endswith(".json") and is_plan_json(file):
        sorting.plan_like.append(ordered)
    elif "templates" in ordered[0][:-1] and is_helm_template(file):  # its first test, on the parts known here
        found.helm_templates.append(file)
    else:
        sorting.manifests.append(ordered)


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
