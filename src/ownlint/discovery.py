"""Which files a check reads: walk the given paths, skip what is not ours, never follow symlinks."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ownlint.errors import OwnlintError
from ownlint.loaders.files import links_outside

SKIPPED_DIRS = frozenset({".git", ".terraform", ".ownlint", "node_modules", ".venv", "__pycache__", ".tox"})
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
TFVARS = ("terraform.tfvars", "terraform.tfvars.json")


@dataclass
class Discovered:
    root: Path
    terraform: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    helm_templates: list[Path] = field(default_factory=list)
    plans: list[Path] = field(default_factory=list)
    # files named one by one (pre-commit's changed files): only findings in them are reported, and
    # the manifests elsewhere under the root may define their Namespaces (the loader reads only those
    # that name a namespace the changed files use)
    changed: list[Path] = field(default_factory=list)
    outside_links: list[Path] = field(default_factory=list)  # symlinks out of the root: not followed
    namespace_context: Iterable[Path] = ()


def scan_root(paths: list[Path]) -> Path:
    """The directory findings are reported relative to: the one directory given, else the common parent."""
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0]
    resolved = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    cwd = Path.cwd().resolve()
    if all(p == cwd or cwd in p.parents for p in resolved):
        return Path(".")
    return Path(os.path.commonpath([str(p) for p in resolved]))


def discover(paths: list[Path]) -> Discovered:
    for path in paths:
        if not path.exists():
            raise OwnlintError(f"{path}: no such file or directory")
    found = Discovered(root=scan_root(paths))
    real_root = found.root.resolve()
    for path in paths:
        files = [path] if path.is_file() else _walk(path)
        for file in files:
            if file is not path and links_outside(file, real_root):
                found.outside_links.append(file)  # named on the command line, it would be read
                continue
            _classify(file, found)
    found.terraform = sorted(set(found.terraform))
    found.manifests = sorted(set(found.manifests))
    found.plans = sorted(set(found.plans))
    found.changed = sorted({p.resolve() for p in paths if p.is_file()})
    if found.changed and found.manifests:
        found.namespace_context = OtherManifests(found.root, frozenset(p.resolve() for p in found.manifests))
    return found


@dataclass(frozen=True)
class OtherManifests:
    """The manifests under ``root`` besides ``given``, nearest first: those in the directories of
    ``given`` and above them up to ``root``, then the rest of the tree, which is walked only when
    iterated that far (a Namespace is usually defined beside or above the objects placed in it)."""

    root: Path
    given: frozenset[Path]  # resolved

    def __iter__(self) -> Iterator[Path]:
        real_root = self.root.resolve()
        seen: set[Path] = set()
        for directory in self._nearest(real_root):
            seen.add(directory)
            yield from self._manifests(str(directory), sorted(os.listdir(directory)))
        for current, _, names in _directories(self.root):
            if Path(current).resolve() not in seen:
                yield from self._manifests(current, names)

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

    def _manifests(self, directory: str, names: list[str]) -> Iterator[Path]:
        wanted = [name for name in names if name.endswith(MANIFEST_SUFFIXES)]
        if not wanted or is_helm_template(Path(directory, wanted[0])):
            return
        for name in wanted:
            path = Path(directory, name)
            if path.is_file() and path.resolve() not in self.given:
                yield path


def _walk(directory: Path) -> list[Path]:
    return [Path(current, name) for current, _, names in _directories(directory) for name in names]


def _directories(directory: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk`` in name order, without the skipped directories; symlinked directories are listed by
    ``os.walk`` but never entered (``followlinks=False``)."""
    for current, dirs, names in os.walk(directory, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        names.sort()
        yield current, dirs, names


def is_helm_template(path: Path) -> bool:
    """A file under a chart's ``templates/`` (Go templates: only ``helm template`` output is YAML)."""
    return any(p.name == "templates" and (p.parent / "Chart.yaml").is_file() for p in path.parents)


def _classify(file: Path, found: Discovered) -> None:
    name = file.name
    if name.endswith((".tf", ".tf.json", ".auto.tfvars", ".auto.tfvars.json")) or name in TFVARS:
        found.terraform.append(file)
    elif name.endswith(".json") and is_plan_json(file):
        found.plans.append(file)
    elif name.endswith(MANIFEST_SUFFIXES):
        if is_helm_template(file):
            found.helm_templates.append(file)
        else:
            found.manifests.append(file)


def is_plan_json(path: Path) -> bool:
    """``terraform show -json`` output starts with its format and Terraform versions."""
    try:
        with path.open("rb") as stream:
            head = stream.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and b'"format_version"' in head and b'"terraform_version"' in head
