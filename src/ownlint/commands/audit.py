"""``ownlint audit``: scan repositories, record a snapshot of each in the audit store, then write the reports.

Each repository is loaded and checked as ``check`` does (the pipeline); its inventory and findings become
one snapshot, written in one transaction. Several repositories are audited in worker processes (``parallel``),
so that one that fails or crashes costs only itself. Reports are rendered from the store (``report``).
"""

from __future__ import annotations

import datetime
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint import __version__
from ownlint.audit import require_extra
from ownlint.errors import OwnlintError
from ownlint.inputs import Inputs
from ownlint.pipeline import findings_of, load, select_rules
from ownlint.report.escape import terminal

if TYPE_CHECKING:
    from ownlint.audit.store import Snapshot

Progress = Callable[[str], None]  # called with each repository's name as its audit ends
MAX_REASON = 300  # characters of an unexpected error's message, in the line that reports it


@dataclass(frozen=True)
class AuditOptions:
    inputs: Inputs = field(default_factory=Inputs)  # config, Terraform inputs, --jobs; paths: the repositories
    db: str | None = None
    reports: tuple[str, ...] = ()
    repo_name: str | None = None
    fail_under: float | None = None
    use_git: bool = True
    today: datetime.date | None = None  # the snapshot's day (backfilling, reproducible runs); expiry dates too
    progress: Progress | None = field(default=None, compare=False, repr=False)  # told as each repository ends


@dataclass(frozen=True)
class AuditResult:
    snapshot_ids: tuple[int, ...]
    coverage: float
    exit_code: int  # 2 when a repository could not be audited (the others are recorded), else 1 under --fail-under
    written: tuple[str, ...]  # report files
    failures: tuple[str, ...] = ()  # one line for each repository that has no snapshot, and why


def run_audit(options: AuditOptions) -> AuditResult:
    """Audit each path as a repository, record the snapshots, write the reports."""
    require_extra()
    from ownlint.audit.location import locate
    from ownlint.audit.store import store, write_snapshot
    from ownlint.audit.summary import summary_of
    from ownlint.report.audit import write_report

    paths = options.inputs.paths
    if options.repo_name is not None and len(paths) > 1:
        raise OwnlintError("--repo-name names one repository; give one PATH, or let each be named by its directory")
    _check_paths(paths)
    locate(options.db, Path("."))  # a --db that cannot be used fails before the scan, not after it
    snapshots, failures = _snapshots(options, paths)
    if not snapshots:
        return AuditResult((), 0.0, 2, (), tuple(failures))
    if options.today is not None:  # noon UTC of that day: the same ISO week wherever the reader is
        noon = datetime.datetime.combine(options.today, datetime.time(12), datetime.timezone.utc)
        snapshots = [replace(s, taken_at=noon) for s in snapshots]
    with store(options.db) as engine:
        ids = tuple(write_snapshot(engine, snapshot) for snapshot in snapshots)
        summary = summary_of(engine, [s.repo for s in snapshots])
        written = tuple(write_report(summary, report) for report in options.reports)
    under = options.fail_under is not None and summary.coverage < options.fail_under
    return AuditResult(ids, summary.coverage, 2 if failures else 1 if under else 0, written, tuple(failures))


def audit_repository(
    path: str, inputs: Inputs, repo_name: str | None, use_git: bool = True, today: datetime.date | None = None
) -> Snapshot:
    """One repository's snapshot (a module-level function: worker processes run it)."""
    from ownlint.audit.inventory import inventory, with_suggestions
    from ownlint.audit.store import FindingRow, Snapshot
    from ownlint.audit.suggest import suggest_owners

    loaded = load(replace(inputs, paths=(path,)))
    found, _ = findings_of(select_rules((), ()), loaded, today or datetime.date.today())
    rows = inventory(loaded.config, loaded.named_resources())
    git = inputs.environ if use_git else None
    rows = with_suggestions(rows, suggest_owners(loaded.config, loaded.resources, loaded.root, git))
    top = _git(["rev-parse", "--show-toplevel"], Path(path), inputs.environ) if use_git else None
    findings = tuple(
        FindingRow(f.rule, f.name, f.severity.value, f.resource, f.file, f.line, f.message, f.fingerprint)
        for f in sorted(found, key=lambda f: (f.file, f.line, f.rule, f.resource))
    )
    return Snapshot(
        repo=repo_name or Path(top or Path(path).resolve()).name,
        commit=_git(["rev-parse", "HEAD"], Path(path), inputs.environ) if use_git else None,
        tool_version=__version__,
        rows=tuple(rows),
        findings=findings,
        taken_at=datetime.datetime.now(datetime.timezone.utc),
    )


def _check_paths(paths: Sequence[str]) -> None:
    for path in paths:
        if not Path(path).exists():
            raise OwnlintError(f"{path}: no such file or directory")
        if not Path(path).is_dir():
            raise OwnlintError(f"{path}: not a directory (an audit takes repositories)")


def _snapshots(options: AuditOptions, paths: Sequence[str]) -> tuple[list[Snapshot], list[str]]:
    """Every repository's snapshot, in the order given, and a line for each that has none. Several
    repositories are audited in worker processes, so that one that fails or crashes costs only itself."""
    if len(paths) == 1:  # one repository: its error is the run's, as `check` reports it
        snapshot = audit_repository(paths[0], options.inputs, options.repo_name, options.use_git, options.today)
        if options.progress is not None:
            options.progress(paths[0])
        return [snapshot], []
    from ownlint.parallel import run_each

    one_process = replace(options.inputs, jobs=1, progress=None)  # a worker per repository, none nested; no bar
    work = partial(
        _audit_one, inputs=one_process, repo_name=options.repo_name, use_git=options.use_git, today=options.today
    )
    outcomes = run_each(work, list(paths), options.inputs.jobs, _died, options.progress)
    return [o for o in outcomes if not isinstance(o, str)], [o for o in outcomes if isinstance(o, str)]


def _died(path: str) -> str:
    return f"audit of {terminal(path)} failed: the process auditing it died (a crash, or killed)"


def _audit_one(
    path: str, inputs: Inputs, repo_name: str | None, use_git: bool, today: datetime.date | None
) -> Snapshot | str:
    """A repository's snapshot, or the one line that says why it has none (worker processes run it)."""
    try:
        return audit_repository(path, inputs, repo_name, use_git, today)
    except OwnlintError as error:
        return f"audit of {terminal(path)} failed: {terminal(str(error))}"
    except Exception as error:  # a bug hit by this repository alone: the others are still recorded
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        reason = f"{type(error).__name__}: {terminal(str(error)[:MAX_REASON])}"
        return f"audit of {terminal(path)} failed: internal error: {reason} (at {where}); please report it"


def _git(args: list[str], cwd: Path, environ: Mapping[str, str]) -> str | None:
    """``git ARGS`` in ``cwd``, or None when git is missing or ``cwd`` is not in a repository."""
    from ownlint.vcs import git

    return git.optional(args, cwd, environ)
