"""What the audit reports say, computed from the store: coverage, who answers for what (the owner's party)
beside who runs it (the operator's), what is unowned (by category, directory and namespace), the findings,
the weekly trend, what changed since the last snapshot, and each owner's resources.
Every report format renders one ``AuditSummary``; each row and finding goes with its repository."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ownlint.audit.changes import Change, changes_between
from ownlint.audit.inventory import InventoryRow
from ownlint.audit.store import FindingRow, SnapshotInfo, is_owned, list_snapshots, snapshot_rows

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PARTY_ORDER = ("internal", "msp", "shared", "unowned", "unknown", "invalid", "unset", "unrecorded")
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
SHOWN_INSTANCES = 5  # instance addresses named in a cell of a table; the JSON report has them all

Row = tuple[str, InventoryRow]  # (repository, row)
Found = tuple[str, FindingRow]  # (repository, finding)
Counted = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class WeekPoint:
    week: str  # ISO week, 2026-W47
    coverage: float  # % of in-scope resources with a valid owner, in the week's last snapshot of each repo
    unowned: int  # resources with no owner at all (unknown and invalid owners lower the coverage only)


@dataclass(frozen=True)
class OwnerSection:
    owner: str
    party: str  # the owner's party: internal, msp:NAME
    resources: tuple[Row, ...]
    by_category: Counted
    operators: Counted  # who runs what this owner answers for
    findings: int


@dataclass(frozen=True)
class RepoChanges:
    repo: str
    previous: SnapshotInfo | None  # None: the repository's first snapshot, nothing to compare
    changes: tuple[Change, ...]

    @property
    def new(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == "new unowned")

    @property
    def fixed(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == "fixed")


@dataclass(frozen=True)
class AuditSummary:
    repos: tuple[str, ...]
    snapshots: tuple[SnapshotInfo, ...]  # the latest of each repo
    generated: datetime.datetime
    rows: tuple[Row, ...]
    findings: tuple[Found, ...]  # errors first, then by rule and place
    in_scope: int
    owned: int
    split: Counted  # the owner's party -> in-scope resources
    operators: Counted  # the operator's party -> in-scope resources
    accountability: tuple[tuple[str, Counted], ...]  # owner's party -> operator's party -> resources
    unowned_by_category: Counted
    unowned_by_directory: tuple[tuple[str, str, int], ...]  # repo, directory, unowned
    unowned_by_namespace: tuple[tuple[str, str, int], ...]  # repo, namespace, unowned
    top_rules: tuple[tuple[str, str, int], ...]  # rule, name, count
    trend: tuple[WeekPoint, ...]
    owners: tuple[OwnerSection, ...]
    changes: tuple[RepoChanges, ...]

    @property
    def coverage(self) -> float:
        return 100.0 * self.owned / self.in_scope if self.in_scope else 100.0

    @property
    def unowned(self) -> tuple[Row, ...]:
        return tuple((repo, r) for repo, r in self.rows if r.in_scope and r.party == "unowned")

    @property
    def several(self) -> bool:
        """More than one repository: tables carry a repository column."""
        return len(self.repos) > 1

    @property
    def operator_columns(self) -> tuple[str, ...]:
        return tuple(party for party, _ in self.operators)


def summary_of(engine: Engine, repos: Sequence[str]) -> AuditSummary:
    """The summary of ``repos`` from the store: each one's latest snapshot, the one before it, the history."""
    history = [s for s in list_snapshots(engine) if s.repo in set(repos)]
    by_repo: dict[str, list[SnapshotInfo]] = {}
    for info in history:  # in time order: each repo's last one is its latest
        by_repo.setdefault(info.repo, []).append(info)
    chosen = [by_repo[repo][-1] for repo in dict.fromkeys(repos) if repo in by_repo]
    latest_rows = [(info, *snapshot_rows(engine, info.id)) for info in chosen]
    before = {repo: taken[-2] for repo, taken in by_repo.items() if len(taken) > 1}
    previous = {repo: (info, snapshot_rows(engine, info.id)[0]) for repo, info in before.items()}
    return summarise(latest_rows, history, datetime.datetime.now(datetime.timezone.utc), previous)


def summarise(
    latest: Sequence[tuple[SnapshotInfo, list[InventoryRow], list[FindingRow]]],
    history: Sequence[SnapshotInfo],
    generated: datetime.datetime,
    previous: Mapping[str, tuple[SnapshotInfo, list[InventoryRow]]] | None = None,
) -> AuditSummary:
    """The summary of the latest snapshot of each repo (``latest``), with the trend over ``history`` and
    the changes since each repo's ``previous`` snapshot."""
    rows = [(info.repo, row) for info, found, _ in latest for row in found]
    found_findings = [(info.repo, f) for info, _, listed in latest for f in listed]
    scoped = [(repo, r) for repo, r in rows if r.in_scope]
    unowned = [(repo, r) for repo, r in scoped if r.party == "unowned"]
    earlier = previous or {}
    return AuditSummary(
        repos=tuple(info.repo for info, _, _ in latest),
        snapshots=tuple(info for info, _, _ in latest),
        generated=generated,
        rows=tuple(rows),
        findings=tuple(sorted(found_findings, key=_rank)),
        in_scope=len(scoped),
        owned=sum(1 for _, r in scoped if is_owned(r)),
        split=_by_party(r.party for _, r in scoped),
        operators=_by_party(r.operator_party for _, r in scoped),
        accountability=tuple(
            (party, _by_party(r.operator_party for _, r in scoped if r.party == party))
            for party, _ in _by_party(r.party for _, r in scoped)
        ),
        unowned_by_category=_counted(r.category for _, r in unowned),
        unowned_by_directory=_in_repos((repo, _directory(r)) for repo, r in unowned),
        unowned_by_namespace=_in_repos((repo, r.namespace) for repo, r in unowned if r.namespace),
        top_rules=tuple(
            (rule, name, count)
            for (rule, name), count in Counter((f.rule, f.name) for _, f in found_findings).most_common()
        ),
        trend=weekly_trend(history),
        owners=_owner_sections(scoped, found_findings),
        changes=tuple(RepoChanges(info.repo, *_since(earlier.get(info.repo), found)) for info, found, _ in latest),
    )


def _since(
    previous: tuple[SnapshotInfo, list[InventoryRow]] | None, latest: list[InventoryRow]
) -> tuple[SnapshotInfo | None, tuple[Change, ...]]:
    if previous is None:
        return None, ()
    return previous[0], changes_between(previous[1], latest)


def _rank(found: Found) -> tuple[int, str, str, str, int, str]:
    repo, f = found
    return (SEVERITY_ORDER.get(f.severity, 3), f.rule, repo, f.file, f.line, f.resource)


def _party_order(party: str) -> tuple[int, str]:
    base = party.split(":", 1)[0]
    return (PARTY_ORDER.index(base) if base in PARTY_ORDER else 9, party)


def _by_party(parties: Iterable[str]) -> Counted:
    return tuple(sorted(Counter(parties).items(), key=lambda kv: _party_order(kv[0])))


def _counted(values: Iterable[str]) -> Counted:
    return tuple(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def _in_repos(values: Iterable[tuple[str, str]]) -> tuple[tuple[str, str, int], ...]:
    counts = Counter(values)
    return tuple((repo, name, n) for (repo, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _directory(row: InventoryRow) -> str:
    """The stack (Terraform root module) or the manifest's directory."""
    if row.source == "kubernetes":
        return row.file.rsplit("/", 1)[0] if "/" in row.file else "."
    return row.stack


def resource_name(address: str, instances: Sequence[str], limit: int = SHOWN_INSTANCES) -> str:
    """A row's resource as a table shows it: its instance addresses (the first ``limit``), else its address."""
    if not instances:
        return address
    shown = ", ".join(instances[:limit])
    return shown if len(instances) <= limit else f"{shown} and {len(instances) - limit} more"


def weekly_trend(history: Sequence[SnapshotInfo]) -> tuple[WeekPoint, ...]:
    """Coverage and unowned count per ISO week, from the last snapshot of each repo in that week
    (a repo not audited that week keeps its previous snapshot: the estate does not shrink)."""
    weeks: dict[str, dict[str, SnapshotInfo]] = {}
    for info in sorted(history, key=lambda s: (s.taken_at, s.id)):
        iso = info.taken_at.isocalendar()
        weeks.setdefault(f"{iso.year}-W{iso.week:02d}", {})[info.repo] = info
    points = []
    current: dict[str, SnapshotInfo] = {}
    for label in sorted(weeks):
        current.update(weeks[label])
        in_scope = sum(s.in_scope for s in current.values())
        owned = sum(s.owned for s in current.values())
        coverage = 100.0 * owned / in_scope if in_scope else 100.0
        points.append(WeekPoint(label, round(coverage, 1), sum(s.unowned for s in current.values())))
    return tuple(points)


def _owner_sections(rows: list[Row], found: list[Found]) -> tuple[OwnerSection, ...]:
    """For each owner value (teams and MSPs): what it is accountable for, and who runs it, for business reviews."""
    by_owner: dict[str, list[Row]] = {}
    for repo, row in rows:
        if row.owner and row.party not in ("unowned", "unknown"):
            by_owner.setdefault(row.owner, []).append((repo, row))
    findings_by_resource = Counter((repo, f.resource) for repo, f in found)
    sections = []
    for owner, members in sorted(by_owner.items()):
        sections.append(
            OwnerSection(
                owner=owner,
                party=Counter(r.party for _, r in members).most_common(1)[0][0],
                resources=tuple(members),
                by_category=_counted(r.category for _, r in members),
                operators=_by_party(r.operator_party for _, r in members),
                findings=sum(findings_by_resource[(repo, r.address)] for repo, r in _distinct(members)),
            )
        )
    return tuple(sections)


def _distinct(members: list[Row]) -> list[Row]:
    """One row per address: the findings of instances are one finding per address."""
    return list({(repo, r.address): (repo, r) for repo, r in members}.values())
