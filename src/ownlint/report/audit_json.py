"""The audit summary as JSON (versioned like ``check --format json``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ownlint import __version__
from ownlint.audit.store import SnapshotInfo
from ownlint.audit.summary import AuditSummary
from ownlint.report.escape import json_text

VERSION = 1


def render(summary: AuditSummary) -> str:
    document: dict[str, Any] = {
        "version": VERSION,
        "tool": {"name": "ownlint", "version": __version__},
        "generated": summary.generated.isoformat(),
        "snapshots": [
            {**asdict(s), "taken_at": s.taken_at.isoformat(), "coverage": round(s.coverage, 2)}
            for s in summary.snapshots
        ],
        "coverage": round(summary.coverage, 2),
        "in_scope": summary.in_scope,
        "owned": summary.owned,
        "split": dict(summary.split),
        "unowned_by_category": dict(summary.unowned_by_category),
        "unowned_by_directory": dict(summary.unowned_by_directory),
        "unowned_by_namespace": dict(summary.unowned_by_namespace),
        "top_rules": [{"rule": r, "name": n, "count": c} for r, n, c in summary.top_rules],
        "trend": [asdict(p) for p in summary.trend],
        "owners": [asdict(o) for o in summary.owners],
        "unowned": [asdict(r) for r in summary.unowned],
    }
    return json_text(document) + "\n"


def _snapshot(info: SnapshotInfo) -> dict[str, Any]:
    return {**asdict(info), "taken_at": info.taken_at.isoformat(), "coverage": round(info.coverage, 2)}
