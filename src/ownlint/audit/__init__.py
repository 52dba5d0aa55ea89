"""The periodic audit: inventory of every resource, its snapshot in a store, reports from the store.

``inventory`` (rows with facts and categories), ``suggest`` (owners from evidence), ``store`` (SQLite or
PostgreSQL; ``schema``, ``location``), ``summary`` (what the reports show; ``changes`` between snapshots).
Needs the ``audit`` extra (SQLAlchemy, Jinja2, matplotlib, psycopg): ``pip install 'ownlint[audit]'``.
"""

from __future__ import annotations

from ownlint.errors import OwnlintError


def require_extra() -> None:
    """The audit extra, found, not imported: matplotlib is loaded only when an HTML report is drawn."""
    from importlib.util import find_spec

    for name in ("sqlalchemy", "jinja2", "matplotlib"):
        if find_spec(name) is None:
            missing = f"ownlint audit needs the audit extra ({name} is missing)"
            raise OwnlintError(f"{missing}: pip install 'ownlint[audit]'")
