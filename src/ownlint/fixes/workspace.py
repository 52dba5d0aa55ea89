"""``ownlint fix`` works on a private copy of the repository: every round is made, re-read and checked
there, and the user's files are written once at the end (never with ``--dry-run``). So a dry run shows
exactly what a run writes, and an edit that would change what other resources get is undone unseen.

The copy holds what a check can read: the repository's Terraform, YAML and JSON files, its CODEOWNERS
and the files named on the command line, outside the directories discovery skips (``.git``,
``.terraform``, ``node_modules``, ...); a file larger than any loader reads is copied as a sparse file
of its size; symlinks stay symlinks (one into the repository points into the copy).
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ownlint.errors import OwnlintError
from ownlint.loaders.discovery import SKIPPED_DIRS

SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".hcl", ".yaml", ".yml", ".json")  # .hcl: terragrunt


@contextmanager
def private_copy(top: Path, largest: int, also: Iterable[str] = ()) -> Iterator[Path]:
    """A copy of what a check of ``top`` reads (files over ``largest`` bytes as sparse files) and of the
    files ``also`` names (relative to ``top``), removed afterwards."""
    from ownlint.loaders.codeowners import PLACES
    from ownlint.vcs.checkout import private_tree

    named = {*PLACES, *also}
    with private_tree() as tree:
        _copy(top.resolve(), tree, largest, lambda path: path.endswith(SUFFIXES) or path in named)
        yield tree


def _copy(top: Path, tree: Path, largest: int, wanted: Callable[[str], bool]) -> None:
    for current, dirs, names in os.walk(top, followlinks=False):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        here = Path(current)
        target = tree / here.relative_to(top)
        target.mkdir(exist_ok=True)
        for name in [*dirs, *names]:
            source = here / name
            if name in dirs and not source.is_symlink():
                continue  # walked next
            if not source.is_symlink() and not wanted(source.relative_to(top).as_posix()):
                continue
            with suppress(OSError):  # what cannot be read is not copied: nothing could edit it either
                _copy_one(source, target / name, top, tree, largest)


def _copy_one(source: Path, target: Path, top: Path, tree: Path, largest: int) -> None:
    info = os.lstat(source)
    if stat.S_ISLNK(info.st_mode):
        link = os.readlink(source)
        resolved = Path(os.path.normpath(source.parent / link))
        inside = resolved == top or top in resolved.parents
        os.symlink(os.path.relpath(tree / resolved.relative_to(top), target.parent) if inside else link, target)
    elif stat.S_ISREG(info.st_mode) and info.st_size > largest:  # only its size is ever looked at
        with target.open("wb") as stream:
            stream.truncate(info.st_size)
    elif stat.S_ISREG(info.st_mode):
        shutil.copyfile(source, target, follow_symlinks=False)


class Files:
    """The files a fix edits, in the copy: their text as copied, and as they are now."""

    def __init__(self, root: Path, tree: Path, copy_root: Path) -> None:
        self.root = root  # the scan root, in the user's tree
        self.tree = tree.resolve()  # the copy
        self.copy_root = copy_root  # the scan root in the copy
        self.originals: dict[str, bytes] = {}

    def editable(self, file: str) -> bool:
        """Whether the file is in the copy (not reached through a symlink that leaves it)."""
        try:
            resolved = (self.copy_root / file).resolve(strict=True)
        except (OSError, RuntimeError):
            return False
        return self.tree in resolved.parents

    def read(self, file: str) -> bytes:
        return (self.copy_root / file).read_bytes()

    def write(self, file: str, data: bytes) -> None:
        if not self.editable(file):  # never through a link out of the copy, not even in a dry run
            raise OwnlintError(f"{file}: not written: a symbolic link leads out of the tree")
        path = self.copy_root / file
        self.originals.setdefault(file, path.read_bytes())
        path.write_bytes(data)

    def changed(self) -> list[str]:
        return sorted(f for f, data in self.originals.items() if self.read(f) != data)

    def diff(self, file: str) -> str:
        before = self.originals[file].decode("utf-8", "replace").splitlines(True)
        after = self.read(file).decode("utf-8", "replace").splitlines(True)
        return "".join(difflib.unified_diff(before, after, f"a/{file}", f"b/{file}"))

    def write_back(self) -> list[str]:
        """Write every changed file into the user's tree; none if any changed there since it was copied."""
        from ownlint.report.write import write_atomically

        changed = self.changed()
        for file in changed:
            try:
                now = (self.root / file).read_bytes()
            except OSError as error:
                raise OwnlintError(f"{file}: cannot read: {error.strerror or error}; nothing written") from None
            if now != self.originals[file]:
                raise OwnlintError(f"{file}: changed while ownlint fix ran; nothing written, run it again")
        for file in changed:
            write_atomically(self.root / file, self.read(file).decode("utf-8"))
        return changed
