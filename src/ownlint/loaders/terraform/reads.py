"""What the Terraform loader reads from a module directory, each read a probe (see ``probes``): the
directory's Terraform files, a file's text, the modules ``terraform init`` vendored for a root."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ownlint.loaders.files import (
    entry_is_link,
    links_outside,
    listed,
    listing_of,
    read_text,
    real_path,
    relative,
    relative_names,
    resolved,
    run_memo,
)
from ownlint.loaders.terraform import probes


def is_tfvars(path: Path) -> bool:
    name = path.name
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def is_terraform_file(path: Path) -> bool:
    return path.name.endswith((".tf", ".tf.json")) or is_tfvars(path)


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
    shown = relative(context.root, directory)
    plain = relative_names(context.root, directory, [path.name for path, link in entries if not link])
    names = iter(plain)  # a link is resolved on its own (it may lead elsewhere in the tree)
    return shown, [(path, relative(context.root, path) if link else next(names)) for path, link in entries]


def _listing_value(directory: Path, shown: str, listed: list[tuple[Path, str]]) -> str:
    """What a listing is recorded as: the directory's real path too (a link swapped in changes it)."""
    return json.dumps([real_path(str(directory)), shown, [(str(p), s) for p, s in listed]])  # the run memo


@probes.probe("listing")
def _listing_probe(context: probes.ProbeContext, path: str) -> str:
    return _listing_value(Path(path), *_listed(context, Path(path)))


@probes.probe("text")
def _text_probe(context: probes.ProbeContext, path: str) -> str:
    return probes.text_digest(read_text(Path(path), "", context.max_bytes))


@probes.probe("vendored")
def _vendored_probe(context: probes.ProbeContext, path: str) -> str:
    return json.dumps(vendored_modules(Path(path), context.repository, context.max_bytes))


def terraform_files(directory: Path, repository: Path) -> list[Path]:
    """The directory's Terraform files; a symlink to a file outside the repository is not followed."""
    return [path for path, _ in terraform_entries(directory, repository)]


def terraform_entries(directory: Path, repository: Path) -> Listed:
    """``terraform_files`` with whether each is a symlink, by the listing's types (a name too long to open is
    kept: reading it is the located problem); the run's path memo hears of the listing (``files.listed``)."""
    text = str(directory)
    memo = run_memo()
    key = ("terraform_entries", text, repository)
    if memo is not None and key in memo:
        return list(memo[key])
    entries = listing_of(text)  # as the walk that found the files listed it
    if entries is None:
        try:
            with os.scandir(text) as listing:
                entries = list(listing)
        except OSError:
            return []
        listed(text, entries)
    prefix = text if text.endswith(os.sep) else text + os.sep  # as scandir joins a name to it
    found: Listed = []
    for entry in entries:
        name = entry.name
        if not (name.endswith((".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json")) or name in _TFVARS):
            continue
        if not _is_file(entry):
            continue
        link = entry_is_link(entry)
        path = Path(prefix + name)
        if link and links_outside(path, repository):
            continue
        found.append((path, link))
    found.sort(key=lambda item: item[0].name)  # one directory: as sorting the paths
    if memo is not None:
        memo[key] = found
    return list(found)


_TFVARS = frozenset({"terraform.tfvars", "terraform.tfvars.json"})


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return True


def vendored_modules(root_module: Path, repository: Path, max_bytes: int) -> dict[str, str]:
    """``.terraform/modules/modules.json`` from ``terraform init``: module key -> checkout directory (a link
    out of the repository, a device or FIFO, or a file over ``max_bytes`` is not read)."""
    path = root_module / ".terraform" / "modules" / "modules.json"
    if not os.path.lexists(path):  # most roots: one look, not one per step (nothing there is no file either)
        return {}
    real = resolved(path)
    if repository not in real.parents or not real.is_file():  # a link to /dev/zero would never end
        return {}
    text = read_text(path, "modules.json", max_bytes)
    try:
        listed = json.loads(text if isinstance(text, str) else "{}").get("Modules", [])
    except (OSError, ValueError, AttributeError, RecursionError):  # committed by the PR, maybe
        return {}
    return {str(e["Key"]): str(e["Dir"]) for e in listed if isinstance(e, dict) and e.get("Key") and e.get("Dir")}
