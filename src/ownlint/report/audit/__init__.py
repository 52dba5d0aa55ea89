"""The audit's reports, rendered from an ``AuditSummary``: one module per format, chosen by the extension of
the file asked for (``REPORTS``), with one interface (``AuditFormatter``); ``charts`` draws the HTML page's
SVG charts, ``templates/`` holds its Jinja2 template. A format module is imported only when asked for
(matplotlib is heavy)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ownlint.errors import OwnlintError
from ownlint.report.write import write_atomically

if TYPE_CHECKING:
    from ownlint.audit.summary import AuditSummary

# the extension of a --report file -> the module in this package that renders it
REPORTS: dict[str, str] = {".html": "html", ".htm": "html", ".md": "markdown", ".csv": "csv", ".json": "json"}


class AuditFormatter(Protocol):
    def __call__(self, summary: AuditSummary) -> str: ...


def audit_formatter(target: str) -> AuditFormatter:
    """The format of the report file ``target``, by its extension; an error naming the known ones."""
    suffix = Path(target).suffix.lower()
    if suffix not in REPORTS:
        raise OwnlintError(f"--report {target}: the format is chosen by extension: {', '.join(sorted(REPORTS))}")
    render: AuditFormatter = importlib.import_module(f"{__name__}.{REPORTS[suffix]}").render
    return render


def write_report(summary: AuditSummary, target: str) -> str:
    """``summary`` written to ``target`` in the format its extension names; returns ``target``."""
    write_atomically(Path(target), audit_formatter(target)(summary))
    return target
