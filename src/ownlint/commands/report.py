"""``ownlint report``: reports from what the audit store holds (every repository unless some are named),
read-only, without scanning."""

from __future__ import annotations

from dataclasses import dataclass

from ownlint.audit import require_extra
from ownlint.errors import OwnlintError


@dataclass(frozen=True)
class ReportOptions:
    db: str | None = None  # the audit store (default: .ownlint/audit.db)
    reports: tuple[str, ...] = ()  # files to write; the format by extension
    repos: tuple[str, ...] = ()  # only these repositories (default: all)


def run_report(options: ReportOptions) -> tuple[str, ...]:
    """Write the reports; returns the files written."""
    require_extra()
    from ownlint.audit.store import holds_snapshots, repositories, store
    from ownlint.audit.summary import summary_of
    from ownlint.report.audit import write_report

    with store(options.db, read_only=True) as engine:
        chosen = list(options.repos) or (list(repositories(engine)) if holds_snapshots(engine) else [])
        if not chosen:
            raise OwnlintError("the audit store holds no snapshot yet: run `ownlint audit` first")
        summary = summary_of(engine, chosen)
        return tuple(write_report(summary, report) for report in options.reports)
