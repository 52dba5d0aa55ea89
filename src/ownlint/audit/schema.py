"""The audit store's tables, their versioned migrations, and the text every column can hold.

``ownlint_schema`` holds the version, and ``MIGRATIONS`` bring an older store up to date, each in the
transaction that records it, under a lock (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``),
so concurrent first runs migrate once.

Repository text is stored the same in both backends, so their reports are the same: NUL (which
PostgreSQL text cannot hold) and lone surrogates (which UTF-8 cannot encode: undecodable file names
carry them) become U+FFFD, the replacement character; a value longer than its column allows
(``MAX_TEXT`` for unbounded text) is cut and ends with ``… [N more characters]``. A list (a resource's
instances, a suggestion's evidence) is one JSON array in a text column (``storable_list``): each item
stored as text is, and the array as long as the column holds, its last item then ``… and N more``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ownlint.audit.location import shown
from ownlint.errors import OwnlintError

METADATA = sa.MetaData()
MAX_TEXT = 10_000  # characters of one stored value: repository text must not grow the store without bound
MARKER_ROOM = 32  # "… [N more characters]" fits in it
MAX_ITEM = 1_000  # characters of one item of a stored list (an instance address, a line of evidence)
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
    sa.Column("suggestion_evidence", sa.Text),  # a JSON array of text (one text in rows before schema 4)
    sa.Column("operator_party", sa.Text),  # schema 4
    sa.Column("instances", sa.Text),  # schema 4: a JSON array of instance addresses
    sa.Column("suggestion_strength", sa.String(10)),  # schema 4
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


def storable_list(items: Sequence[str]) -> str | None:
    """``items`` as a JSON array of at most ``MAX_TEXT`` characters (None for none); see the module's docstring."""
    if not items:
        return None
    texts = [_text(item, MAX_ITEM) for item in items]
    encoded = json.dumps(texts, ensure_ascii=False)
    if len(encoded) <= MAX_TEXT:
        return encoded
    kept: list[str] = []
    size = 2 + MARKER_ROOM  # the brackets and the closing "… and N more"
    for text in texts:
        size += len(json.dumps(text, ensure_ascii=False)) + 2
        if size > MAX_TEXT:
            break
        kept.append(text)
    return json.dumps([*kept, f"\u2026 and {len(texts) - len(kept)} more"], ensure_ascii=False)


def stored_list(value: str | None) -> tuple[str, ...]:
    """A list ``storable_list`` stored (a text that is not one, as its one item)."""
    if not value:
        return ()
    try:
        items = json.loads(value)
    except ValueError:
        return (value,)
    return tuple(str(i) for i in items) if isinstance(items, list) else (value,)


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


def _v4(connection: Connection) -> None:
    """The operator's party beside the owner's, instance addresses, a suggestion's strength, and evidence
    as a list. Rows written before keep ``operator_party`` NULL: ``store`` reads them as they were meant."""
    existing = {c["name"] for c in sa.inspect(connection).get_columns("resources")}
    for column in (c for c in ("operator_party", "instances", "suggestion_strength") if c not in existing):
        kind = "VARCHAR(10)" if column == "suggestion_strength" else "TEXT"
        connection.exec_driver_sql(f"ALTER TABLE resources ADD COLUMN {column} {kind}")


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2, _v3, _v4)  # version N is MIGRATIONS[N - 1]
SCHEMA_VERSION = len(MIGRATIONS)
READABLE_FROM = 1  # the oldest version whose tables the reports read (columns added since are read as NULL)


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
