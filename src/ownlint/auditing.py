"""``ownlint audit`` and ``ownlint report``: scan repositories, record snapshots, render reports.

Beside ``app.py`` (it uses its pipeline): each repository is loaded and checked as ``check`` does,
its inventory and findings become one snapshot, written in one transaction; reports are rendered
from the store, so ``ownlint report`` gives the same pages later, for any set of repositories.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint import __version__
from ownlint.app import _findings, load, select_rules
from ownlint.errors import OwnlintError
from ownlint.inputs import Inputs

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ownlint.audit.store import Snapshot
    from ownlint.audit.summary import AuditSummary

REPORT_FORMATS = {".html": "audit_html", ".htm": "audit_html", ".md": "audit_markdown", ".csv": "audit_csv"}
REPORT_FORMATS[".json"] = "audit_json"
Progress = Callable[[str], None]  # called with each repository's name as its audit ends


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
    exit_code: int
    written: tuple[str, ...]  # report files


def run_audit(options: AuditOptions, progress: Progress | None = None) -> AuditResult:
    """Audit each path as a repository, record the snapshots, write the reports."""
    _require_extra()
    from ownlint.audit.store import store, write_snapshot

    paths = options.inputs.paths
    if options.repo_name is not None and len(paths) > 1:
        raise OwnlintError("--repo-name names one repository; give one PATH, or let each be named by its directory")
    snapshots = _snapshots(options, paths, progress)
    if options.today is not None:  # noon UTC of that day: the same ISO week wherever the reader is
        noon = datetime.datetime.combine(options.today, datetime.time(12), datetime.timezone.utc)
        snapshots = [replace(s, taken_at=noon) for s in snapshots]
    with store(options.db) as engine:
        ids = tuple(write_snapshot(engine, snapshot) for snapshot in snapshots)
        summary = _summary(engine, [s.repo for s in snapshots])
        written = tuple(_write_report(summary, report) for report in options.reports)
    failed = options.fail_under is not None and summary.coverage < options.fail_under
    return AuditResult(ids, summary.coverage, 1 if failed else 0, written)


def render_reports(db: str | None, reports: Sequence[str], repos: Sequence[str] = ()) -> tuple[str, ...]:
    """``ownlint report``: reports from what the store holds (every repository unless ``repos``)."""
    _require_extra()
    from ownlint.audit.store import repositories, store

    with store(db) as engine:
        chosen = list(repos) or list(repositories(engine))
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
    rows = inventory(loaded.config, loaded.resources)
    rows = with_suggestions(rows, suggest_owners(loaded.config, loaded.resources, loaded.root, use_git))
    top = _git(["rev-parse", "--show-toplevel"], Path(path)) if use_git else None
    findings = tuple(
        FindingRow(f.rule, f.name, f.severity.value, f.resource, f.file, f.line, f.message, f.fingerprint)
        for f in sorted(found, key=lambda f: (f.file, f.line, f.rule, f.resource))
    )
    return Snapshot(
        repo=repo_name or Path(top or Path(path).resolve()).name,
        commit=_git(["rev-parse", "HEAD"], Path(path)) if use_git else None,
        tool_version=__version__,
        rows=tuple(rows),
        findings=findings,
        taken_at=datetime.datetime.now(datetime.timezone.utc),
    )


def _snapshots(options: AuditOptions, paths: Sequence[str], progress: Progress | None) -> list[Snapshot]:
    """Every repository's snapshot, in the order given: in worker processes when there are several."""
    for path in paths:
        if not Path(path).exists():
            raise OwnlintError(f"{path}: no such file or directory")
        if not Path(path).is_dir():
            raise OwnlintError(f"{path}: not a directory (an audit takes repositories)")
    jobs = min(options.inputs.jobs, len(paths))
    if jobs <= 1:
        done: list[Snapshot] = []
        for path in paths:
            done.append(audit_repository(path, options.inputs, options.repo_name, options.use_git, options.today))
            if progress is not None:
                progress(path)
        return done
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from ownlint.parallel import ignore_interrupts, pool_context, stop_workers

    one_process = replace(options.inputs, jobs=1)  # a worker per repository, none nested
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=pool_context(), initializer=ignore_interrupts)
    results: dict[str, Snapshot] = {}
    try:
        futures = {
            pool.submit(audit_repository, path, one_process, options.repo_name, options.use_git, options.today): path
            for path in paths
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(futures[future])
    except BaseException:  # Ctrl-C, or a repository that failed: stop the others now
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return [results[path] for path in paths]


def _summary(engine: Engine, repos: Sequence[str]) -> AuditSummary:
    from ownlint.audit.store import list_snapshots, snapshot_rows
    from ownlint.audit.summary import summarise

    history = [s for s in list_snapshots(engine) if s.repo in set(repos)]
    latest = {s.repo: s for s in history}  # the last one of each repo (history is in time order)
    chosen = [latest[repo] for repo in dict.fromkeys(repos) if repo in latest]
    latest_rows = [(info, *snapshot_rows(engine, info.id)) for info in chosen]
    return summarise(latest_rows, history, datetime.datetime.now(datetime.timezone.utc))


def _write_report(summary: AuditSummary, target: str) -> str:
    import importlib

    from ownlint.output import write_atomically

    suffix = Path(target).suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise OwnlintError(f"--report {target}: the format is chosen by extension: {', '.join(sorted(REPORT_FORMATS))}")
    module = importlib.import_module(f"ownlint.report.{REPORT_FORMATS[suffix]}")
    write_atomically(Path(target), module.render(summary))
    return target


def _git(args: list[str], cwd: Path) -> str | None:
    """``git ARGS`` in ``cwd``, or None when git is missing or ``cwd`` is not in a repository."""
    from ownlint import git

    return git.optional(args, cwd)
