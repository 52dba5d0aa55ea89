"""``--diff-base REF``: the findings at the merge base of HEAD and REF, from a git worktree of it.

The base is checked out (``git worktree add --detach``) into a temporary directory, the same check
runs there with the same paths and options, and the worktree is removed. The result is cached under
``.ownlint/cache/`` by base commit, ownlint version and options, so a second run on the same base
(another job of the pipeline, a rerun) reads it instead. Only git itself is run; nothing from the
repository is executed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ownlint import __version__, baseline
from ownlint.errors import OwnlintError
from ownlint.inputs import Inputs
from ownlint.model import Finding

Relocate = Callable[[Path, Path], list[Finding]]  # (repository top, where it is checked out) -> findings


def git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise OwnlintError("--diff-base needs git, which is not installed") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise OwnlintError(f"git {' '.join(args)}: {message}")
    return done.stdout.strip()


def findings_at_merge_base(ref: str, start: Path, key: str, run_at: Relocate) -> tuple[list[baseline.Known], str]:
    """The findings at the merge base of HEAD and ``ref`` (cached), and a description of the base."""
    directory = start if start.is_dir() else start.parent
    top = Path(git(["rev-parse", "--show-toplevel"], directory))
    commit = git(["merge-base", "HEAD", ref], top)
    described = f"{ref} (merge base {commit[:12]})"
    digest = hashlib.sha256(f"{__version__}\x1f{key}".encode()).hexdigest()[:16]
    cache = top / ".ownlint" / "cache" / f"diff-base-{commit}-{digest}.json"
    if cache.is_file():
        try:
            return baseline.read(cache), described
        except OwnlintError:
            pass  # a damaged cache entry is rebuilt
    checkout = Path(tempfile.mkdtemp(prefix="ownlint-base-"))
    try:
        git(["worktree", "add", "--detach", "--quiet", str(checkout / "tree"), commit], top)
        try:
            found = run_at(top, checkout / "tree")
        finally:
            git(["worktree", "remove", "--force", str(checkout / "tree")], top)
    finally:
        shutil.rmtree(checkout, ignore_errors=True)
    _write_cache(cache, found)
    return [baseline.Known(f.fingerprint, f.rule, f.resource, f.file) for f in found], described


def _write_cache(cache: Path, found: list[Finding]) -> None:
    import datetime

    from ownlint.output import write_atomically

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(cache, baseline.render(found, datetime.datetime.now(datetime.timezone.utc)))
    except (OSError, OwnlintError):
        pass  # a cache that cannot be written only costs time


def options_key(parts: Sequence[object]) -> str:
    return json.dumps([str(p) for p in parts])


def relocated(inputs: Inputs, top: Path, tree: Path, config: str | None) -> Inputs:
    """``inputs`` with every path inside the repository moved into its checkout at ``tree``."""

    def move(text: str) -> str:
        path = Path(text).resolve()
        try:
            return str(tree / path.relative_to(top))
        except ValueError:
            return text  # outside the repository: the same file for both

    paths = tuple(moved for moved in (move(p) for p in inputs.paths) if Path(moved).exists())
    terraform = replace(
        inputs.terraform,
        var_files=tuple(move(v) for v in inputs.terraform.var_files),
        plans=tuple(move(p) for p in inputs.terraform.plans),
    )
    return replace(inputs, paths=paths, config=config, terraform=terraform)
