"""The audit store's tables, their versioned migrations, and the text every column can hold.

``ownlint_schema`` holds the version, and ``MIGRATIONS`` bring an older store up to date, each in the
transaction that records it, under a lock (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``),
so concurrent first runs migrate once.

Repository text is stored the same in both backends, so their reports are the same: NUL (which
PostgreSQL text cannot hold) and lone surrogates (which UTF-8 cannot encode: undecodable file names
carry them) become U+FFFD, the replacement character; a value longer than its column allows
(``MAX_TEXT`` for unbounded text) is cut and ends with ``… [N more characters]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ownlint.audit.location import shown
from ownlint.errors import OwnlintError

METADATA = sa.MetaData()
MAX_TEXT = 10_000  # characters of one stored value: repository text must not grow the store without bound
MARKER_ROOM = 32  # "… [N more characters]" fits in it
NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")

snapshots = sa.Table(
    "snapshots",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(36), nullable=False, unique=True),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("repo", sa.String(400), nullable=False),  # bounded: indexed (PostgreSQL's B-tree rows are small)
    sa.Column("commit", sa.String(64)),
    sa.Column("tool_version", sa.String(40), nullable=False),
    sa.Column("resources", sa.Integer, nullable=False),
    sa.Column("in_scope", sa.Integer, nullable=False),
    sa.Column("owned", sa.Integer, nullable=False),
    sa.Column("unowned", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
)
resources = sa.Table(
    "resources",
    METADATA,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("resource_type", sa.Text, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("stack", sa.Text, nullable=False),
    sa.Column("namespace", sa.Text),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("in_scope", sa.Boolean, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("owner_state", sa.String(10), nullable=False),
    sa.Column("party", sa.Text, nullable=False),
    sa.Column("operator", sa.Text),
    sa.Column("operator_state", sa.String(10), nullable=False),
    sa.Column("classification", sa.Text),
    sa.Column("compliance_scope", sa.Text),
    sa.Column("suggested_owner", sa.Text),
    sa.Column("suggestion_evidence", sa.Text),
)
findings = sa.Table(
    "findings",
    METADATA,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rule", sa.String(10), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("resource", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)
schema_table = sa.Table("ownlint_schema", METADATA, sa.Column("version", sa.Integer, nullable=False))


def storable(table: sa.Table, values: dict[str, object]) -> dict[str, object]:
    """``values`` for a row of ``table``, each text as both stores hold it (see the module's docstring)."""
    return {
        name: _text(value, getattr(table.c[name].type, "length", None) or MAX_TEXT) if isinstance(value, str) else value
        for name, value in values.items()
    }


def _text(value: str, limit: int) -> str:
    text = NOT_STORABLE.sub("\ufffd", value)
    if len(text) <= limit:
        return text
    if limit <= 2 * MARKER_ROOM:
        return text[:limit]  # a short column of ownlint's own values: never reached
    kept = limit - MARKER_ROOM
    return f"{text[:kept]}\u2026 [{len(text) - kept} more characters]"


def _v1(connection: Connection) -> None:
    for table in (snapshots, resources, findings):
        table.create(connection, checkfirst=True)


def _v2(connection: Connection) -> None:
    """Indexes for the reports' lookups by snapshot."""
    # plain DDL (SQLite and PostgreSQL alike): Index objects would attach to the tables' metadata,
    # and version 1 would then create them too
    connection.exec_driver_sql("CREATE INDEX IF NOT EXISTS resources_snapshot ON resources (snapshot_id)")
    connection.exec_driver_sql("CREATE INDEX IF NOT EXISTS findings_snapshot ON findings (snapshot_id)")
    connection.exec_driver_sql("CREATE INDEX IF NOT EXISTS snapshots_repo_time ON snapshots (repo, taken_at)")


def _v3(connection: Connection) -> None:
    """Repository text unbounded in PostgreSQL too (SQLite never enforced VARCHAR lengths)."""
    if connection.dialect.name == "postgresql":
        for column in ("resource_type", "namespace", "category", "party"):
            connection.exec_driver_sql(f"ALTER TABLE resources ALTER COLUMN {column} TYPE TEXT")


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2, _v3)  # version N is MIGRATIONS[N - 1]
SCHEMA_VERSION = len(MIGRATIONS)
READABLE_FROM = 1  # the oldest version whose tables the reports read as they are (no column added since)


def migrate(engine: Engine) -> int:
    """Apply the migrations the store lacks; returns the version it is at."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(77341)")  # one migrator at a time
        schema_table.create(connection, checkfirst=True)
        current = connection.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0
        _refuse_newer(engine, current)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](connection)
            connection.execute(schema_table.insert().values(version=version))
    return SCHEMA_VERSION


def readable_version(engine: Engine) -> int:
    """The version of a store opened read-only (nothing migrated); 0 for one that holds no schema yet."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(schema_table.name):
            return 0
        current = connection.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0
    _refuse_newer(engine, current)
    if 0 < current < READABLE_FROM:
        raise OwnlintError(f"audit store {shown(engine.url)} has schema version {current}: run `ownlint audit` once")
    return int(current)


def _refuse_newer(engine: Engine, current: int) -> None:
    if current > SCHEMA_VERSION:
        raise OwnlintError(
            f"audit store {shown(engine.url)} has schema version {current}; this ownlint knows {SCHEMA_VERSION}"
        )
