"""What the audit reports say, computed from the store: coverage, who answers for what, what is
unowned (by category, directory and namespace), the top findings, the weekly trend, per-owner sections.
Every report format renders one ``AuditSummary``."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ownlint.audit.inventory import InventoryRow
from ownlint.audit.store import FindingRow, SnapshotInfo, is_owned

PARTY_ORDER = ("internal", "shared", "unowned", "unknown", "invalid")


@dataclass(frozen=True)
class WeekPoint:
    week: str  # ISO week, 2026-W47
    coverage: float  # % of in-scope resources with a valid owner, in the week's last snapshot of each repo
    unowned: int  # resources with no owner at all (unknown and invalid owners lower the coverage only)


@dataclass(frozen=True)
class OwnerSection:
    owner: str
    party: str
    resources: int
    by_category: tuple[tuple[str, int], ...]
    findings: int


@dataclass(frozen=True)
class AuditSummary:
    repos: tuple[str, ...]
    snapshots: tuple[SnapshotInfo, ...]  # the latest of each repo
    generated: datetime.datetime
    rows: tuple[InventoryRow, ...]
    row_repos: tuple[str, ...]  # the repository of each row
    findings: tuple[FindingRow, ...]
    in_scope: int
    owned: int
    split: tuple[tuple[str, int], ...]  # party -> in-scope resources
    unowned_by_category: tuple[tuple[str, int], ...]
    unowned_by_directory: tuple[tuple[str, int], ...]
    unowned_by_namespace: tuple[tuple[str, int], ...]
    top_rules: tuple[tuple[str, str, int], ...]  # rule, name, count
    trend: tuple[WeekPoint, ...]
    owners: tuple[OwnerSection, ...]

    @property
    def coverage(self) -> float:
        return 100.0 * self.owned / self.in_scope if self.in_scope else 100.0

    @property
    def unowned(self) -> tuple[InventoryRow, ...]:
        return tuple(r for r in self.rows if r.in_scope and r.party == "unowned")


def summarise(
    latest: Sequence[tuple[SnapshotInfo, list[InventoryRow], list[FindingRow]]],
    history: Sequence[SnapshotInfo],
    generated: datetime.datetime,
) -> AuditSummary:
    """The summary of the latest snapshot of each repo (``latest``), with the trend over ``history``."""
    rows = [row for _, found, _ in latest for row in found]
    found_findings = [f for _, _, listed in latest for f in listed]
    scoped = [r for r in rows if r.in_scope]
    unowned = [r for r in scoped if r.party == "unowned"]
    return AuditSummary(
        repos=tuple(info.repo for info, _, _ in latest),
        snapshots=tuple(info for info, _, _ in latest),
        generated=generated,
        rows=tuple(rows),
        row_repos=tuple(info.repo for info, found, _ in latest for _ in found),
        findings=tuple(found_findings),
        in_scope=len(scoped),
        owned=sum(1 for r in scoped if is_owned(r)),
        split=tuple(sorted(Counter(r.party for r in scoped).items(), key=lambda kv: _party_order(kv[0]))),
        unowned_by_category=_counted(r.category for r in unowned),
        unowned_by_directory=_counted(_directory(r) for r in unowned),
        unowned_by_namespace=_counted(r.namespace for r in unowned if r.namespace),
        top_rules=tuple(
            (rule, name, count)
            for (rule, name), count in Counter((f.rule, f.name) for f in found_findings).most_common()
        ),
        trend=weekly_trend(history),
        owners=_owner_sections(scoped, found_findings),
    )


def _party_order(party: str) -> tuple[int, str]:
    if party.startswith("msp:"):
        return (1, party)
    return (PARTY_ORDER.index(party) if party in PARTY_ORDER else 9, party)


def _counted(values: Iterable[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def _directory(row: InventoryRow) -> str:
    """The stack (Terraform root module) or the manifest's directory."""
    if row.source == "kubernetes":
        return row.file.rsplit("/", 1)[0] if "/" in row.file else "."
    return row.stack


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


def _owner_sections(rows: list[InventoryRow], found: list[FindingRow]) -> tuple[OwnerSection, ...]:
    """For each owner value (teams and MSPs): what it is accountable for, for business reviews."""
    by_owner: dict[str, list[InventoryRow]] = {}
    for row in rows:
        if row.owner and row.party not in ("unowned", "unknown"):
            by_owner.setdefault(row.owner, []).append(row)
    findings_by_resource = Counter(f.resource for f in found)
    sections = []
    for owner, members in sorted(by_owner.items()):
        party = Counter(r.party for r in members).most_common(1)[0][0]
        sections.append(
            OwnerSection(
                owner=owner,
                party=party,
                resources=len(members),
                by_category=_counted(r.category for r in members),
                findings=sum(findings_by_resource[r.address] for r in members),
            )
        )
    return tuple(sections)
