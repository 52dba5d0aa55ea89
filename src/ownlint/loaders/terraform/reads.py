"""What the Terraform loader reads from a module directory, each read a probe (see ``probes``): the
directory's Terraform files, a file's text, the modules ``terraform init`` vendored for a root."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TypeVar

from ownlint.loaders.files import (
    children,
    entry_is_link,
    links_outside,
    listed,
    listed_names,
    listing_of,
    read_text,
    real_path,
    relative,
    resolved,
    run_memo,
)
from ownlint.loaders.terraform import probes


def is_tfvars(path: Path) -> bool:
    name = path.name
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def is_terraform_file(path: Path) -> bool:
    return path.name.endswith((".tf", ".tf.json")) or is_tfvars(path)


_File = TypeVar("_File", Path, str)  # a file as a ``Path`` or as its text
Listed = list[tuple[Path, bool]]  # a directory's Terraform files, each with whether it is a symlink


def listing(
    context: probes.ProbeContext, directory: Path, files: Listed | None = None
) -> tuple[str, list[tuple[Path, str]]]:
    """The directory as shown, and its Terraform files with the names they are shown by (heard); ``files``:
    its ``terraform_entries`` listed earlier in the run."""
    shown, listed = _listed(context, directory, files)
    if probes.active():
        probes.heard("listing", str(directory), _listing_value(directory, shown, listed))
    return shown, listed


def _listed(
    context: probes.ProbeContext, directory: Path, files: Listed | None = None
) -> tuple[str, list[tuple[Path, str]]]:
    entries = terraform_entries(directory, context.repository) if files is None else files
    return _shown_as(context.root, directory, [(path, path.name, link) for path, link in entries])


def _shown_as(
    root: Path, directory: Path | str, files: list[tuple[_File, str, bool]]
) -> tuple[str, list[tuple[_File, str]]]:
    """The directory as shown, and each of its files (a ``Path`` or its text, with its name and whether it is a
    link) with the name it is shown by: a link resolved on its own (it may lead elsewhere in the tree), any
    other as its directory, then its name."""
    shown = relative(root, directory)
    base = f"{shown}/" if shown else ""
    return shown, [(file, relative(root, file) if link else base + name) for file, name, link in files]


def _listing_value(directory: Path | str, shown: str, listed: list[tuple[_File, str]]) -> str:
    """What a listing is recorded as: the directory's real path too (a link swapped in changes it)."""
    return json.dumps([real_path(str(directory)), shown, [(str(p), s) for p, s in listed]])  # the run memo


@probes.probe("listing")
def _listing_probe(context: probes.ProbeContext, path: str) -> str:
    """``_listing_value`` of ``_listed``, made of names: no ``Path`` per file."""
    prefix = path if path.endswith(os.sep) else path + os.sep
    names = terraform_names(path, context.repository)
    return _listing_value(path, *_shown_as(context.root, path, [(prefix + name, name, link) for name, link in names]))


@probes.probe("text")
def _text_probe(context: probes.ProbeContext, path: str) -> str:
    return probes.text_digest(read_text(Path(path), "", context.max_bytes))


@probes.probe("vendored")
def _vendored_probe(context: probes.ProbeContext, path: str) -> str:
    return json.dumps(vendored_modules(path, context.repository, context.max_bytes))


def terraform_files(directory: Path, repository: Path) -> list[Path]:
    """The directory's Terraform files; a symlink to a file outside the repository is not followed."""
    return [path for path, _ in terraform_entries(directory, repository)]


def terraform_entries(directory: Path, repository: Path) -> Listed:
    """``terraform_files`` with whether each is a symlink, by the listing's types (a name too long to open is
    kept: reading it is the located problem); the run's path memo hears of the listing (``files.listed``)."""
    child = children(directory)
    return [(child(name), link) for name, link in terraform_names(str(directory), repository)]


def terraform_names(directory: str, repository: Path) -> list[tuple[str, bool]]:
    """The names of ``terraform_entries`` with whether each is a symlink, in name order; in a run, kept for
    the rest of it (the directory's count, its parse and its listing probe share them), and a directory the
    run's walk listed is not listed again."""
    memo = run_memo()
    key = ("terraform_names", directory, repository)
    if memo is not None and key in memo:
        found: list[tuple[str, bool]] = memo[key]
        return found
    entries = listing_of(directory)  # as the walk that found the files listed it
    if entries is None:
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            return []
        listed(directory, entries)
    prefix = directory if directory.endswith(os.sep) else directory + os.sep
    found = []
    for entry in entries:
        name = entry.name
        if not (name.endswith((".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json")) or name in _TFVARS):
            continue
        if not _is_file(entry):
            continue
        link = entry_is_link(entry)
        if link and links_outside(Path(prefix + name), repository):
            continue
        found.append((name, link))
    found.sort()  # one directory: as sorting the paths (no two entries share a name)
    if memo is not None:
        memo[key] = found
    return found


_TFVARS = frozenset({"terraform.tfvars", "terraform.tfvars.json"})


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return True


def vendored_modules(root_module: Path | str, repository: Path, max_bytes: int) -> dict[str, str]:
    """``.terraform/modules/modules.json`` from ``terraform init``: module key -> checkout directory (a link
    out of the repository, a device or FIFO, or a file over ``max_bytes`` is not read)."""
    directory = str(root_module)
    names = listed_names(directory)
    if names is not None and ".terraform" not in names:  # most roots: the run listed them, with no .terraform
        return {}
    joined = os.path.join(directory, ".terraform", "modules", "modules.json")
    if not os.path.lexists(joined):  # else one look, not one per step (nothing there is no file either)
        return {}
    path = Path(joined)
    real = resolved(path)
    if repository not in real.parents or not real.is_file():  # a link to /dev/zero would never end
        return {}
    text = read_text(path, "modules.json", max_bytes)
    try:
        listed = json.loads(text if isinstance(text, str) else "{}").get("Modules", [])
    except (OSError, ValueError, AttributeError, RecursionError):  # committed by the PR, maybe
        return {}
    return {str(e["Key"]): str(e["Dir"]) for e in listed if isinstance(e, dict) and e.get("Key") and e.get("Dir")}
