"""What a check of some files reads from the rest of the repository, walked from its one ``Listing`` when first
iterated: the manifests that may define the named ones' Namespaces, the files of one name (kustomizations,
terragrunt units), the Terraform files that may call a named module; links out of the repository are not read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ownlint.loaders.charts import is_helm_template
from ownlint.loaders.files import links_outside
from ownlint.loaders.listing import SKIPPED_DIRS, Listing
from ownlint.records import record

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@record(frozen=True)
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


@record(frozen=True)
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


@record(frozen=True)
class OtherTerraform:
    """The Terraform module files in ``listing`` outside the ``scanned`` directories, as text paths, walked
    when iterated (a pre-commit run of a module file seeks its callers in the whole repository)."""

    listing: Listing
    scanned: frozenset[Path]  # resolved

    def __iter__(self) -> Iterator[str]:
        real_root, sep, suffixes = self.listing.root, os.sep, (".tf", ".tf.json")
        found = self.listing.paths_ending(suffixes)  # real paths: links are not entered
        scanned: set[str] = set()  # the files of the scanned directories, joined as ``paths_ending`` joins them
        for directory in map(str, self.scanned):
            prefix = directory if directory.endswith(sep) else directory + sep
            scanned.update(prefix + n for n in self.listing.names(directory) or () if n.endswith(suffixes))
        if scanned:
            found = [p for p in found if p not in scanned]
        links = self.listing.links
        if links:
            found = [p for p in found if p not in links or not links_outside(Path(p), real_root)]
        return iter(found)
