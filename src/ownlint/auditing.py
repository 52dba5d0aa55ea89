"""``ownlint audit`` and ``ownlint report``: scan repositories, record snapshots, render reports.

Beside ``app.py`` (it uses its pipeline): each repository is loaded and checked as ``check`` does,
its inventory and findings become one snapshot, written in one transaction; reports are rendered
from the store, so ``ownlint report`` gives the same pages later, for any set of repositories.
"""

from __future__ import annotations

import datetime
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint import __version__
from ownlint.app import _findings, load, select_rules
from ownlint.errors import OwnlintError
from ownlint.inputs import Inputs
from ownlint.report.escape import terminal

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ownlint.audit.store import Snapshot
    from ownlint.audit.summary import AuditSummary

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


@dataclass(frozen=True)
class AuditResult:
    snapshot_ids: tuple[int, ...]
    coverage: float
    exit_code: int  # 2 when a repository could not be audited (the others are recorded), else 1 under --fail-under
    written: tuple[str, ...]  # report files
    failures: tuple[str, ...] = ()  # one line for each repository that has no snapshot, and why


def run_audit(options: AuditOptions, progress: Progress | None = None) -> AuditResult:
    """Audit each path as a repository, record the snapshots, write the reports."""
    _require_extra()
    from ownlint.audit.location import locate
    from ownlint.audit.store import store, write_snapshot

    paths = options.inputs.paths
    if options.repo_name is not None and len(paths) > 1:
        raise OwnlintError("--repo-name names one repository; give one PATH, or let each be named by its directory")
    _check_paths(paths)
    locate(options.db, Path("."))  # a --db that cannot be used fails before the scan, not after it
    snapshots, failures = _snapshots(options, paths, progress)
    if not snapshots:
        return AuditResult((), 0.0, 2, (), tuple(failures))
    if options.today is not None:  # noon UTC of that day: the same ISO week wherever the reader is
        noon = datetime.datetime.combine(options.today, datetime.time(12), datetime.timezone.utc)
        snapshots = [replace(s, taken_at=noon) for s in snapshots]
    with store(options.db) as engine:
        ids = tuple(write_snapshot(engine, snapshot) for snapshot in snapshots)
        summary = _summary(engine, [s.repo for s in snapshots])
        written = tuple(_write_report(summary, report) for report in options.reports)
    under = options.fail_under is not None and summary.coverage < options.fail_under
    return AuditResult(ids, summary.coverage, 2 if failures else 1 if under else 0, written, tuple(failures))


def render_reports(db: str | None, reports: Sequence[str], repos: Sequence[str] = ()) -> tuple[str, ...]:
    """``ownlint report``: reports from what the store holds (every repository unless ``repos``), read-only."""
    _require_extra()
    from ownlint.audit.store import holds_snapshots, repositories, store

    with store(db, read_only=True) as engine:
        chosen = list(repos) or (list(repositories(engine)) if holds_snapshots(engine) else [])
        if not chosen:
            raise OwnlintError("the audit store holds no snapshot yet: run `ownlint audit` first")
        summary = _summary(engine, chosen)
        return tuple(_write_report(summary, report) for report in reports)


def _require_extra() -> None:
    """Found, not imported: matplotlib is loaded only when an HTML report is drawn."""
    from importlib.util import find_spec

    for name in ("sqlalchemy", "jinja2", "matplotlib"):
        if find_spec(name) is None:
            missing = f"ownlint audit needs the audit extra ({name} is missing)"
            raise OwnlintError(f"{missing}: pip install 'ownlint[audit]'")


def audit_repository(
    path: str, inputs: Inputs, repo_name: str | None, use_git: bool = True, today: datetime.date | None = None
) -> Snapshot:
    """One repository's snapshot (a module-level function: worker processes run it)."""
    from ownlint.audit.inventory import inventory, with_suggestions
    from ownlint.audit.store import FindingRow, Snapshot
    from ownlint.audit.suggest import suggest_owners

    loaded = load(replace(inputs, paths=(path,)))
    found, _ = _findings(select_rules((), ()), loaded, today or datetime.date.today())
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


def _snapshots(
    options: AuditOptions, paths: Sequence[str], progress: Progress | None
) -> tuple[list[Snapshot], list[str]]:
    """Every repository's snapshot, in the order given, and a line for each that has none. Several
    repositories are audited in worker processes, so that one that fails or crashes costs only itself."""
    if len(paths) == 1:  # one repository: its error is the run's, as `check` reports it
        snapshot = audit_repository(paths[0], options.inputs, options.repo_name, options.use_git, options.today)
        if progress is not None:
            progress(paths[0])
        return [snapshot], []
    outcomes = _in_workers(options, paths, progress)
    return [o for o in outcomes if not isinstance(o, str)], [o for o in outcomes if isinstance(o, str)]


def _in_workers(options: AuditOptions, paths: Sequence[str], progress: Progress | None) -> list[Snapshot | str]:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    from ownlint.parallel import ignore_interrupts, pool_context, signals_held, stop_workers

    one_process = replace(options.inputs, jobs=1, progress=None)  # a worker per repository, none nested; no bar
    arguments = (one_process, options.repo_name, options.use_git, options.today)
    jobs = max(1, min(options.inputs.jobs, len(paths)))
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=pool_context(), initializer=ignore_interrupts)
    outcomes: dict[str, Snapshot | str] = {}
    try:
        with signals_held():  # the workers are forked here: none takes a signal before ignore_interrupts ran
            futures = {pool.submit(_audit_one, path, *arguments): path for path in paths}
        for future in as_completed(futures):
            try:
                outcomes[futures[future]] = future.result()
            except BrokenProcessPool:
                continue  # a worker died: which repository killed it is found below, each alone
            if progress is not None:
                progress(futures[future])
        for path in paths:
            if path not in outcomes:
                outcomes[path] = _alone(path, arguments)
                if progress is not None:
                    progress(path)
        pool.shutdown(wait=True)
    except BaseException:  # Ctrl-C: stop the others now
        stop_workers(pool)
        raise
    return [outcomes[path] for path in paths]


def _alone(path: str, arguments: tuple[Inputs, str | None, bool, datetime.date | None]) -> Snapshot | str:
    """A repository audited again in a process of its own, after a worker died: a crash costs only it."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from ownlint.parallel import ignore_interrupts, pool_context, signals_held, stop_workers

    pool = ProcessPoolExecutor(max_workers=1, mp_context=pool_context(), initializer=ignore_interrupts)
    try:
        with signals_held():
            future = pool.submit(_audit_one, path, *arguments)
        return future.result()
    except BrokenProcessPool:
        return f"audit of {terminal(path)} failed: the process auditing it died (a crash, or killed)"
    except BaseException:
        stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True)


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


def _summary(engine: Engine, repos: Sequence[str]) -> AuditSummary:
    from ownlint.audit.store import SnapshotInfo, list_snapshots, snapshot_rows
    from ownlint.audit.summary import summarise

    history = [s for s in list_snapshots(engine) if s.repo in set(repos)]
    by_repo: dict[str, list[SnapshotInfo]] = {}
    for info in history:  # in time order: each repo's last one is its latest
        by_repo.setdefault(info.repo, []).append(info)
    chosen = [by_repo[repo][-1] for repo in dict.fromkeys(repos) if repo in by_repo]
    latest_rows = [(info, *snapshot_rows(engine, info.id)) for info in chosen]
    before = {repo: taken[-2] for repo, taken in by_repo.items() if len(taken) > 1}
    previous = {repo: (info, snapshot_rows(engine, info.id)[0]) for repo, info in before.items()}
    return summarise(latest_rows, history, datetime.datetime.now(datetime.timezone.utc), previous)


def _write_report(summary: AuditSummary, target: str) -> str:
    from ownlint.report.audit import audit_formatter
    from ownlint.report.write import write_atomically

    write_atomically(Path(target), audit_formatter(target)(summary))
    return target


def _git(args: list[str], cwd: Path, environ: Mapping[str, str]) -> str | None:
    """``git ARGS`` in ``cwd``, or None when git is missing or ``cwd`` is not in a repository."""
    from ownlint.vcs import git

    return git.optional(args, cwd, environ)
