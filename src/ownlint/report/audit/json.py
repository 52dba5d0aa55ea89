"""The audit summary as JSON, versioned (version 2: the owner's and the operator's party apart, every
finding, each owner's resources, the changes since the last snapshot, each row with its repository)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ownlint import __version__
from ownlint.audit.changes import Change
from ownlint.audit.store import SnapshotInfo
from ownlint.audit.summary import AuditSummary, RepoChanges, Row
from ownlint.report.escape import json_text

VERSION = 2


def render(summary: AuditSummary) -> str:
    document: dict[str, Any] = {
        "version": VERSION,
        "tool": {"name": "ownlint", "version": __version__},
        "generated": summary.generated.isoformat(),
        "snapshots": [_snapshot(s) for s in summary.snapshots],
        "coverage": round(summary.coverage, 2),
        "in_scope": summary.in_scope,
        "owned": summary.owned,
        "split": dict(summary.split),
        "operators": dict(summary.operators),
        "accountability": {party: dict(operators) for party, operators in summary.accountability},
        "unowned_by_category": dict(summary.unowned_by_category),
        "unowned_by_directory": [{"repo": r, "directory": d, "unowned": n} for r, d, n in summary.unowned_by_directory],
        "unowned_by_namespace": [{"repo": r, "namespace": s, "unowned": n} for r, s, n in summary.unowned_by_namespace],
        "top_rules": [{"rule": r, "name": n, "count": c} for r, n, c in summary.top_rules],
        "trend": [asdict(p) for p in summary.trend],
        "changes": [_changes(c) for c in summary.changes],
        "owners": [
            {
                "owner": o.owner,
                "party": o.party,
                "count": len(o.resources),
                "by_category": dict(o.by_category),
                "operators": dict(o.operators),
                "findings": o.findings,
                "resources": [_row(row) for row in o.resources],
            }
            for o in summary.owners
        ],
        "unowned": [_row(row) for row in summary.unowned],
        "findings": [{"repo": repo, **asdict(f)} for repo, f in summary.findings],
    }
    return json_text(document) + "\n"


def _snapshot(info: SnapshotInfo) -> dict[str, Any]:
    return {**asdict(info), "taken_at": info.taken_at.isoformat(), "coverage": round(info.coverage, 2)}


def _row(row: Row) -> dict[str, Any]:
    repo, values = row
    return {"repo": repo, **asdict(values)}


def _changes(changes: RepoChanges) -> dict[str, Any]:
    return {
        "repo": changes.repo,
        "previous": changes.previous.taken_at.isoformat() if changes.previous else None,
        "new_unowned": [_change(c) for c in changes.new],
        "fixed": [_change(c) for c in changes.fixed],
    }


def _change(change: Change) -> dict[str, Any]:
    row = change.row
    return {
        "address": row.address,
        "stack": row.stack,
        "instances": list(change.instances),
        "file": row.file,
        "line": row.line,
        "now": change.now,
    }
