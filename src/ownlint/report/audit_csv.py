"""The audit inventory as CSV: one row per resource of the latest snapshots, for spreadsheets.

A text cell that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, a tab or a line
break first) starts with ``'``, as OWASP advises against CSV injection: spreadsheets show it as text.
Text cells are quoted, so that no character of a name can end a cell or a row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, fields

from ownlint.audit.inventory import InventoryRow
from ownlint.audit.summary import AuditSummary
from ownlint.report.escape import csv_cell


def render(summary: AuditSummary) -> str:
    buffer = io.StringIO()
    names = ["repo", *(f.name for f in fields(InventoryRow))]
    # every text cell quoted: a carriage return in a name is then data, not the start of a row
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writeheader()
    for repo, row in zip(summary.row_repos, summary.rows, strict=True):
        writer.writerow({"repo": csv_cell(repo), **{key: _cell(value) for key, value in asdict(row).items()}})
    return buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return csv_cell(value)
    return "" if value is None else value
