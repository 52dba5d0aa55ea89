"""The kustomizations, elsewhere in the repository, that use the manifests and kustomizations named.

pre-commit names a changed base manifest; the overlays that deploy it give it its labels. Such a file is
checked as the kustomizations that use it, directly or through others, build it: the top-level ones (no
kustomization uses them) are built. They are found without building: a word search keeps the
kustomizations that name a file or directory sought, their entries (resources, bases, components, patch
files) are resolved, and the search repeats for the users found until it reaches kustomizations nothing uses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ownlint.loaders.files import read_text
from ownlint.loaders.kubernetes.kyaml import load_yaml
from ownlint.model import LoadProblem
from ownlint.records import record

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")  # kustomize's names for its file
MAX_CONTEXT = 10000  # kustomization files read for context: the rest lend none (their files are checked alone)
_ANCESTOR = re.compile(r"""(?:^|[\s'"\[,])(?:\.\./)*\.\./?(?=[\s'"\],]|$)""", re.M)  # "..": names no directory
_LISTS = ("resources", "bases", "components", "patchesStrategicMerge")
_PATCHES = ("patches", "patchesJson6902")


@record(frozen=True)
class Users:
    """The kustomization directories (real paths) to build for what was named: ``tops`` use it and nothing
    uses them; ``used``: those a user uses (built only as part of it)."""

    tops: tuple[Path, ...] = ()
    used: frozenset[Path] = frozenset()


@record()
class _Candidate:
    """A kustomization that may use a named file: its directory, its text, its resolved entries."""

    directory: Path
    text: str
    targets: frozenset[Path] | None = None  # its entries resolved, once it is worth parsing


def kustomize_users(named: Iterable[Path], context: Iterable[Path], bound: Path, max_bytes: int) -> Users:
    """``named``: the manifests and kustomization files named; ``context``: the repository's kustomization
    files (walked only when something was named); ``bound``: the real directory no entry may leave."""
    files = {p.resolve() for p in named}
    if not files:
        return Users()
    sought = files | {p.parent for p in files if p.name in NAMES}
    pending = list(_candidates(context, max_bytes))
    reached: dict[Path, frozenset[Path]] = {}
    frontier = set(sought)
    while frontier and pending:
        names = {p.name for p in frontier}
        found: set[Path] = set()
        unmatched: list[_Candidate] = []
        for candidate in pending:
            if not any(n in candidate.text for n in names) and not _ANCESTOR.search(candidate.text):
                unmatched.append(candidate)  # naming none of them: no entry of it can reach them
                continue
            targets = _targets(candidate, bound)
            if targets & sought and candidate.directory not in sought:
                reached[candidate.directory] = targets
                found.add(candidate.directory)
            else:
                unmatched.append(candidate)
        sought |= found
        frontier, pending = found, unmatched
    used = frozenset(t for targets in reached.values() for t in targets if t in sought)
    return Users(tuple(sorted(d for d in reached if d not in used)), used)


def _candidates(context: Iterable[Path], max_bytes: int) -> Iterator[_Candidate]:
    for count, path in enumerate(context):
        if count >= MAX_CONTEXT:
            return
        text = read_text(path, path.name, max_bytes)
        if not isinstance(text, LoadProblem):
            yield _Candidate(Path(os.path.dirname(path)), text)


def _targets(candidate: _Candidate, bound: Path) -> frozenset[Path]:
    """The real paths a kustomization's entries name inside ``bound`` (a file that does not parse uses
    nothing: its problem is reported where it is built)."""
    if candidate.targets is None:
        loaded = load_yaml(candidate.text, "")
        data = loaded[0] if not isinstance(loaded, LoadProblem) else None
        found = set()
        for entry in _entries(data) if isinstance(data, dict) else ():
            target = _resolved(candidate.directory, entry)
            if target is not None and (target == bound or bound in target.parents):
                found.add(target)
        candidate.targets = frozenset(found)
    return candidate.targets


def _entries(data: dict[str, Any]) -> Iterator[str]:
    for key in _LISTS:
        value = data.get(key)
        yield from (v for v in value if isinstance(v, str)) if isinstance(value, list) else ()
    for key in _PATCHES:
        value = data.get(key)
        for item in value if isinstance(value, list) else ():
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield item["path"]


def _resolved(directory: Path, entry: str) -> Path | None:
    if "://" in entry or entry.startswith("git@"):
        return None
    try:
        return (directory / entry).resolve()
    except (OSError, ValueError, RuntimeError):
        return None
