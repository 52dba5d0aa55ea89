"""The audit inventory as CSV: one row per resource of the latest snapshots, for spreadsheets.

Each row names its repository, the instances it stands for (``for_each``/``count`` instances whose facts
differ are rows of their own), the owner's party beside the operator's, a suggested owner with its
strength and evidence, and how it changed since the repository's previous snapshot (``new unowned``,
``fixed``). Lists are joined with ``, `` (instances) or ``; `` (evidence); the JSON report keeps them apart.

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

JOINED = {"instances": ", ", "suggestion_evidence": "; "}


def render(summary: AuditSummary) -> str:
    buffer = io.StringIO()
    names = ["repo", *(f.name for f in fields(InventoryRow)), "change"]
    # every text cell quoted: a carriage return in a name is then data, not the start of a row
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writeheader()
    changed = {
        (changes.repo, _key(c.row)): c.kind
        for changes in summary.changes
        for c in changes.changes
        if c.now != "removed"
    }
    for repo, row in summary.rows:
        cells = {key: _cell(JOINED[key].join(value) if key in JOINED else value) for key, value in asdict(row).items()}
        writer.writerow({"repo": csv_cell(repo), **cells, "change": changed.get((repo, _key(row)), "")})
    return buffer.getvalue()


def _key(row: InventoryRow) -> tuple[str, str, tuple[str, ...], str, int]:
    return (row.stack, row.address, row.instances, row.file, row.line)


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return csv_cell(value)
    return "" if value is None else value
