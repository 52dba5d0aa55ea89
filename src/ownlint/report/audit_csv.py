"""The audit inventory as CSV: one row per resource of the latest snapshots, for spreadsheets."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, fields

from ownlint.audit.inventory import InventoryRow
from ownlint.audit.summary import AuditSummary


def render(summary: AuditSummary) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["repo", *(f.name for f in fields(InventoryRow))], lineterminator="\n")
    writer.writeheader()
    for repo, row in zip(summary.row_repos, summary.rows, strict=True):
        writer.writerow({"repo": repo, **{key: _cell(value) for key, value in asdict(row).items()}})
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
