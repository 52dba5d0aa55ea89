"""The one place git is run: with hooks, fsmonitor, pagers, network transports and helpers switched off.

A clone's ``.git/config`` and the attributes in its tree may be written by whoever wants the gate to pass,
so every git command ownlint runs is built here. The commands ownlint needs (``rev-parse``,
``merge-base``, ``ls-tree``, ``cat-file``, ``blame`` of a commit with ``--no-textconv``) never check out,
diff, fetch or read the work tree, so no filter, textconv driver or external diff is reached; the options
below switch off what could still run: hooks, the fsmonitor, a pager, and every transport (a lazy fetch
of a partial clone would run ``core.sshCommand``, credential helpers, ``ext::`` URLs).

git runs with the environment it is given (the command line reads the process's, as it is the one module
that reads the environment), cleaned by ``environment``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ownlint.errors import OwnlintError

SAFE_OPTIONS = (
    "--no-pager",
    "--no-replace-objects",  # the commit's own objects, not what refs/replace/ substitutes
    "--literal-pathspecs",  # a path such as ':(glob)*' is a file name, not pathspec magic
    "--no-optional-locks",  # a read-only command never rewrites the index
    *("-c", "core.hooksPath=/dev/null"),
    *("-c", "core.fsmonitor=false"),
    *("-c", "core.pager=cat"),
    *("-c", "credential.helper="),  # an empty value clears the helpers configured before it
    *("-c", "core.askPass="),
    *("-c", "gc.auto=0"),
    *("-c", "maintenance.auto=false"),
    *("-c", "blame.ignoreRevsFile="),  # blame reads no file the config names
)
# GIT_ALLOW_PROTOCOL overrides every protocol.*.allow a config sets: no transport, so no lazy fetch
FIXED_ENVIRONMENT = {"GIT_ALLOW_PROTOCOL": "none", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "GIT_ASKPASS": ""}
DROPPED_ENVIRONMENT = ("GIT_EXTERNAL_DIFF", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_PROXY_COMMAND", "SSH_ASKPASS")


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "surrogateescape").strip()


def command(args: Sequence[str]) -> list[str]:
    """``git`` with the safe options, then ``args``."""
    return ["git", *SAFE_OPTIONS, *args]


def environment(inherited: Mapping[str, str]) -> dict[str, str]:
    """The environment git runs with: the caller's, without external helpers, with no prompt or transport."""
    kept = {name: value for name, value in inherited.items() if name not in DROPPED_ENVIRONMENT}
    return {**kept, **FIXED_ENVIRONMENT}


def run(
    args: Sequence[str],
    cwd: Path,
    environ: Mapping[str, str],
    needed_by: str = "ownlint",
    timeout: float | None = None,
) -> Done:
    """``git ARGS`` in ``cwd`` with ``environ`` (cleaned), whatever its exit status; an error when git is missing."""
    argv = [_executable(needed_by, environ), *command(args)[1:]]
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, env=environment(environ), timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise OwnlintError(f"git {args[0]}: {error}") from None
    return Done(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))


def _executable(needed_by: str, environ: Mapping[str, str]) -> str:
    found = shutil.which("git", path=environ.get("PATH"))
    if found is None:
        raise OwnlintError(f"{needed_by} needs git, which is not installed")
    return found


def optional(args: Sequence[str], cwd: Path, environ: Mapping[str, str], timeout: float = 30) -> str | None:
    """The output of ``git ARGS``, or None when git is missing, fails, or says nothing."""
    try:
        done = run(args, cwd, environ, timeout=timeout)
    except OwnlintError:
        return None
    return done.text if done.returncode == 0 and done.text else None


def batch(cwd: Path, environ: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """``git cat-file --batch``: blob contents as they are stored (no filter, no textconv)."""
    argv = [_executable("--diff-base", environ), *command(["cat-file", "--batch"])[1:]]
    return subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment(environ),
    )


def checked_ref(option: str, ref: str) -> str:
    """``ref`` as given to ``option``, refused when git would read it as an option."""
    if ref.startswith("-"):
        raise OwnlintError(f"{option} {ref!r}: a git ref cannot start with '-'")
    return ref


def commit_of(option: str, ref: str, top: Path, environ: Mapping[str, str]) -> str:
    """The commit ``ref`` names in the repository at ``top``."""
    verify = ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{checked_ref(option, ref)}^{{commit}}"]
    done = run(verify, top, environ, option)
    if done.returncode != 0 or not done.text:
        raise OwnlintError(f"{option} {ref!r} is not a commit in this clone: fetch it first")
    return done.text


def merge_base(ref: str, top: Path, environ: Mapping[str, str]) -> str:
    """The merge base of HEAD and ``ref`` (``--diff-base``), or an error that says how to get it."""
    commit = commit_of("--diff-base", ref, top, environ)
    done = run(["merge-base", "--end-of-options", "HEAD", commit], top, environ, "--diff-base")
    if done.returncode == 0 and done.text:
        return done.text
    if done.returncode == 1 and optional(["rev-parse", "--is-shallow-repository"], top, environ) == "true":
        raise OwnlintError(
            f"the merge base of HEAD and {ref!r} is not in this clone (shallow?): "
            "fetch the history, e.g. actions/checkout with fetch-depth: 0"
        )
    if done.returncode == 1:
        raise OwnlintError(f"HEAD and {ref!r} have no commit in common")
    lines = done.stderr.strip().splitlines()
    raise OwnlintError(f"git merge-base: {lines[-1] if lines else f'exit {done.returncode}'}")
