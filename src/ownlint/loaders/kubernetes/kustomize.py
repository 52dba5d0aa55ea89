"""Kustomize, natively (no binary at run time): each kustomization no other one uses is built as kubectl
would build it (resources and bases, components, generators, then the built-in transformers in kustomize's
order), and its objects are checked as instances of it, their labels keeping the kustomization lines they
come from. Remote resources are never fetched; paths stay inside the scanned tree; cycles and depth are bounded."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from ownlint.loaders.files import read_text, relative
from ownlint.loaders.kubernetes import generators
from ownlint.loaders.kubernetes.documents import Manifest, Parsed, collect, name_of
from ownlint.loaders.kubernetes.kyaml import load_yaml
from ownlint.loaders.kubernetes.steps import Kust, Steps
from ownlint.loaders.kubernetes.transform import (
    Obj,
    follow_templates,
)
from ownlint.loaders.kubernetes.users import NAMES as NAMES
from ownlint.loaders.kubernetes.users import Users, kustomize_users
from ownlint.model import LoadProblem, Place
from ownlint.records import record

_ATOMS = frozenset({str, int, float, bool, type(None)})  # YAML's values that cannot change: kept, not copied


def copied(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy(value)`` for YAML's data, several times quicker: its dicts and lists copied, once each
    however often they are reached (an alias stays shared, as deepcopy keeps it), its text, numbers, booleans
    and None kept as they are, anything else deep-copied (deepcopy dispatches and memoizes every value)."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if memo is None:
        memo = {}
    known = memo.get(id(value))
    if known is not None:
        return known
    if kind is dict:
        mapping: dict[Any, Any] = {}
        memo[id(value)] = mapping
        for key, item in value.items():
            mapping[key if type(key) in _ATOMS else copy.deepcopy(key, memo)] = copied(item, memo)
        return mapping
    if kind is list:
        items: list[Any] = []
        memo[id(value)] = items
        for item in value:
            items.append(copied(item, memo))
        return items
    return copy.deepcopy(value, memo)


MAX_NESTING = 30  # kustomizations within kustomizations: deeper is refused, as a located problem
MAX_EXPANSIONS = 2000  # kustomizations one build expands: a diamond of bases used twice per level is refused
MAX_OBJECTS = 20000  # objects one build may hold: a base fanned out many times over is refused
REMOTE = ("://", "git@", "github.com/", "gitlab.com/", "bitbucket.org/")


@record()
class Built:
    """What the kustomizations built: manifests, the files they used, problems and notes."""

    manifests: list[Manifest] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # files that are part of a build (not objects of their own)
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def kustomization_in(directory: Path) -> Path | None:
    for name in NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def build_all(
    root: Path,
    files: list[Path],
    max_bytes: int,
    context: Iterable[Path] = (),
    bound: Path | None = None,
    known: Mapping[str, Parsed] | None = None,
    users: Users | None = None,
) -> Built:
    """Every kustomization among ``files`` built; those another one uses only as part of that one. With
    ``context`` (the repository's kustomization files, inside the real directory ``bound``), ``files`` that
    kustomizations elsewhere use are built only as the top-level ones among those build them (``users``: those
    ``kustomize_users`` found already). ``known``: the objects and problems of the files this run read already,
    by the name shown (not read and parsed again)."""
    if users is None:
        users = kustomize_users(files, context, bound, max_bytes) if bound is not None else Users()
    builder = _Builder(root.resolve(), root, max_bytes, known or {})
    found = sorted({p.resolve().parent for p in files if p.name in NAMES} - users.used)
    for directory in found:
        builder.parse(directory)
    used = {d for d in found for d2 in found if d2 != d and d in builder.references(d2)}
    _build(builder, [d for d in found if d not in used] + [d for d in found if d in used], used)
    if users.tops:  # entries may reach anywhere in the repository, as kubectl run there would
        outer = _Builder(bound or root.resolve(), root, max_bytes, known or {})
        _build(outer, [d for d in users.tops if d not in found], set())
        builder.out.manifests += outer.out.manifests
        builder.out.used |= outer.out.used
        builder.out.problems += outer.out.problems
        builder.out.notes += outer.out.notes
    return builder.out


def _build(builder: _Builder, directories: list[Path], used: set[Path]) -> None:
    for directory in directories:
        if directory in used and directory in builder.visited:
            continue
        kust = builder.parse(directory)
        if kust is None or kust.data.get("kind") == "Component":
            continue  # a Component is built only into the kustomizations that use it
        builder.expanded = builder.remote_bases = 0
        objs = builder.build(kust, [directory])
        follow_templates(objs or [])
        instance = kust.shown
        for obj in objs or []:
            builder.out.manifests.append(
                Manifest(obj.data, obj.file, obj.line, obj.end_line, obj.lines, dict(obj.origins), (instance,))
            )


class _Builder(Steps):
    def __init__(self, real_root: Path, root: Path, max_bytes: int, known: Mapping[str, Parsed]) -> None:
        self.real_root, self.root, self.max_bytes, self.known = real_root, root, max_bytes, known
        self.parsed: dict[Path, Kust | None] = {}
        self.read: dict[Path, list[Manifest]] = {}
        self.visited: set[Path] = set()
        self.expanded = 0  # kustomizations expanded by the current root's build (a base used twice counts twice)
        self.remote_bases = 0  # remote resources in the current root's build: their objects are not known
        self.out = Built()

    def shown(self, path: Path) -> str:
        return relative(self.root, path)

    def parse(self, directory: Path) -> Kust | None:
        if directory in self.parsed:
            return self.parsed[directory]
        path = kustomization_in(directory)
        kust = None
        if path is not None:
            shown = self.shown(path)
            self.out.used.add(shown)
            text = read_text(path, shown, self.max_bytes)
            loaded = load_yaml(text, shown) if not isinstance(text, LoadProblem) else text
            if isinstance(loaded, LoadProblem):
                self.out.problems.append(loaded)
            elif not isinstance(loaded[0], dict):
                self.out.problems.append(LoadProblem(shown, 1, "a kustomization must be a mapping; not read"))
            elif not set(loaded[0]) - {"apiVersion", "kind"}:
                self.out.problems.append(LoadProblem(shown, 1, "kustomization is empty (kubectl refuses it)"))
            else:
                kust = Kust(directory, shown, loaded[0], loaded[1])
        self.parsed[directory] = kust
        return kust

    def references(self, directory: Path) -> set[Path]:
        kust = self.parsed.get(directory)
        if kust is None:
            return set()
        found = set()
        for key in ("resources", "bases", "components"):
            for _, entry in kust.entries(key):
                target = _resolved(directory, entry)
                if target is not None and not _remote(entry) and target.is_dir():
                    found.add(target)
        return found

    def remote(self, kust: Kust, entry: str, what: str) -> bool:
        """A URL or git reference: never fetched; a note says what was not read."""
        if not _remote(entry):
            return False
        if what == "resource":
            self.remote_bases += 1
        self.out.notes.append(f"{kust.shown}: remote kustomize {what} {entry} is not fetched (opaque)")
        return True

    def unmatched(self, place: Place, patch: str) -> bool:
        if not self.remote_bases:
            return False
        self.out.notes.append(f"{place.file}: patch of {patch} not applied: it may be for a remote base (opaque)")
        return True

    def problem(self, kust: Kust, line: int, message: str) -> None:
        self.out.problems.append(LoadProblem(kust.shown, line, message))

    def build(self, kust: Kust, chain: list[Path]) -> list[Obj] | None:
        """The objects of ``kust`` as kubectl kustomize renders them (None: the build failed, as reported)."""
        self.visited.add(kust.directory)
        objs: list[Obj] = []
        return objs if self.accumulate(kust, objs, chain) else None

    def accumulate(self, kust: Kust, objs: list[Obj], chain: list[Path]) -> bool:
        self.expanded += 1
        if self.expanded > MAX_EXPANSIONS:
            self.problem(kust, 1, f"kustomize build expands more than {MAX_EXPANSIONS} kustomizations; not read")
            return False
        if kust.data.get("helmCharts") or kust.data.get("replacements"):
            self.out.notes.append(f"{kust.shown}: helmCharts and replacements are not applied by ownlint")
        for key in ("resources", "bases"):
            for index, entry in kust.entries(key):
                found = self.resource(kust, key, index, entry, chain)
                if found is None:
                    return False
                objs.extend(found)
        generators.generate(kust, objs, lambda line, message: self.problem(kust, line, message))
        for index, entry in kust.entries("components"):
            target = self.inside(kust, "components", index, entry, directory=True)
            if target is None:
                return False
            component = self.nested(kust, ("components", index), entry, target, chain)
            if component is None or not self.accumulate(component, objs, [*chain, target]):
                return False
        if len(objs) > MAX_OBJECTS:
            self.problem(kust, 1, f"kustomize build holds more than {MAX_OBJECTS} objects; not read")
            return False
        return self.transform(kust, objs)

    def resource(self, kust: Kust, key: str, index: int, entry: str, chain: list[Path]) -> list[Obj] | None:
        if self.remote(kust, entry, "resource"):
            return []
        target = self.inside(kust, key, index, entry, directory=False)
        if target is None:
            return None
        if target.is_dir():
            nested = self.nested(kust, (key, index), entry, target, chain)
            if nested is None:
                return None
            if nested.data.get("kind") == "Component":
                self.problem(kust, kust.line(key, index), f"kustomize resource {entry} is a Component; not read")
                return None
            return self.build(nested, [*chain, target])
        if target != kust.directory and kust.directory not in target.parents:
            where = f"kustomize resource {entry} is not in or below {self.shown(kust.directory) or '.'}"
            self.problem(kust, kust.line(key, index), f"{where} (kustomize refuses); not read")
            return None
        found = self.manifests(target)
        unnamed = next((m for m in found if not name_of(m.data)), None)
        if unnamed is not None:
            self.problem(
                kust,
                kust.line(key, index),
                f"kustomize resource {entry}: an object without metadata.name "
                f"at line {unnamed.line} (kubectl refuses it)",
            )
            return None
        return [Obj(copied(m.data), m.file, m.line, m.end_line, dict(m.lines)) for m in found]

    def nested(self, kust: Kust, at: tuple[Any, ...], entry: str, target: Path, chain: list[Path]) -> Kust | None:
        line = kust.line(*at)
        if target in chain:
            loop = " -> ".join(self.shown(p) or "." for p in [*chain[chain.index(target) :], target])
            self.problem(kust, line, f"kustomize resource {entry}: cycle ({loop}); not read")
            return None
        if len(chain) > MAX_NESTING:
            self.problem(kust, line, f"kustomize resource {entry}: nested more than {MAX_NESTING} deep; not read")
            return None
        nested = self.parse(target)
        if nested is None and kustomization_in(target) is None:
            self.problem(kust, line, f"kustomize resource {entry}: no kustomization in that directory")
        return nested

    def inside(self, kust: Kust, key: str, index: int, entry: str, directory: bool) -> Path | None:
        """``entry`` of ``kust`` as a real path inside the scanned tree that exists, else a located problem."""
        target = _resolved(kust.directory, entry)
        line = kust.line(key, index)
        if target is None:
            self.problem(kust, line, f"kustomize resource {entry!r} is no usable path; not read")
            return None
        if target != self.real_root and self.real_root not in target.parents:
            self.problem(kust, line, f"kustomize resource {entry} is outside the scanned tree; not read")
            return None
        if not target.exists() or (directory and not target.is_dir()):
            self.problem(
                kust, line, f"kustomize resource {entry}: no such {'directory' if directory else 'file or directory'}"
            )
            return None
        return target

    def manifests(self, path: Path) -> list[Manifest]:
        if path not in self.read:
            shown = self.shown(path)
            self.out.used.add(shown)
            found: list[Manifest] = []
            known = self.known.get(shown)
            if known is not None:  # the same file, read for this run (through the manifest cache)
                found.extend(known[0])
                self.out.problems.extend(known[1])
            else:
                collect(shown, read_text(path, shown, self.max_bytes), found, self.out.problems)
            self.read[path] = found
        return self.read[path]

    def patch_file(self, kust: Kust, at: tuple[Any, ...], entry: str) -> tuple[list[Any], str, dict[Any, int]] | None:
        target = self.inside(kust, at[0], at[1], entry, directory=False)
        if target is None:
            return None
        shown = self.shown(target)
        self.out.used.add(shown)
        text = read_text(target, shown, self.max_bytes)
        loaded = load_yaml(text, shown, many=True) if not isinstance(text, LoadProblem) else text
        if isinstance(loaded, LoadProblem):
            self.out.problems.append(loaded)
            return None
        return loaded[0], shown, loaded[1]


def _resolved(directory: Path, entry: str) -> Path | None:
    """``entry`` as a real path (symlinks resolved), or None when the file system cannot take it (NUL, too long)."""
    try:
        return (directory / entry).resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _remote(entry: str) -> bool:
    return any(marker in entry for marker in REMOTE) or "?ref=" in entry
