"""The audit store: snapshots of inventories and findings, in SQLite or PostgreSQL (SQLAlchemy Core).

The schema is versioned: ``ownlint_schema`` holds the version, and ``MIGRATIONS`` bring an older store
up to date, each in the transaction that records it, under a lock (PostgreSQL: an advisory lock;
SQLite: ``BEGIN IMMEDIATE``), so concurrent first runs migrate once. A snapshot and all its rows are
written in one transaction: a killed audit leaves no part of one. Each carries a unique run id, so a
retried write cannot record it twice.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ownlint.audit.inventory import InventoryRow
from ownlint.errors import OwnlintError

DEFAULT_DB = ".ownlint/audit.db"
METADATA = sa.MetaData()

snapshots = sa.Table(
    "snapshots",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(36), nullable=False, unique=True),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("repo", sa.String(400), nullable=False),
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
    sa.Column("resource_type", sa.String(200), nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("stack", sa.Text, nullable=False),
    sa.Column("namespace", sa.String(253)),
    sa.Column("category", sa.String(100), nullable=False),
    sa.Column("in_scope", sa.Boolean, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("owner_state", sa.String(10), nullable=False),
    sa.Column("party", sa.String(200), nullable=False),
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


@dataclass(frozen=True)
class FindingRow:
    rule: str
    name: str
    severity: str
    resource: str
    file: str
    line: int
    message: str
    fingerprint: str


@dataclass(frozen=True)
class Snapshot:
    """One audit of one repository."""

    repo: str
    commit: str | None
    tool_version: str
    rows: tuple[InventoryRow, ...]
    findings: tuple[FindingRow, ...]
    taken_at: datetime.datetime
    run_id: str = ""


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    taken_at: datetime.datetime
    repo: str
    commit: str | None
    resources: int
    in_scope: int
    owned: int
    unowned: int
    findings: int

    @property
    def coverage(self) -> float:
        return 100.0 * self.owned / self.in_scope if self.in_scope else 100.0


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


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2)  # version N is MIGRATIONS[N - 1]
SCHEMA_VERSION = len(MIGRATIONS)


def open_store(url: str | None, base: Path = Path(".")) -> Engine:
    """An engine on ``url`` (default: the SQLite file under ``base``), its schema brought up to date."""
    if url is None or "://" not in url:
        path = Path(url) if url else base / DEFAULT_DB
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError) as error:
        raise OwnlintError(f"--db {url}: {error}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_setup)
        sa.event.listen(engine, "begin", _sqlite_begin)
    try:
        migrate(engine)
    except sa.exc.SQLAlchemyError as error:
        engine.dispose()
        reason = getattr(error, "orig", None) or error
        raise OwnlintError(f"audit store {_shown(engine)}: {str(reason).splitlines()[0]}") from None
    return engine


def _sqlite_setup(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly (below), as SQLAlchemy asks
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # concurrent writers wait their turn
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock up front: no lost upgrades


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def migrate(engine: Engine) -> int:
    """Apply the migrations the store lacks; returns the version it is at."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(77341)")  # one migrator at a time
        schema_table.create(connection, checkfirst=True)
        current = connection.execute(sa.select(sa.func.max(schema_table.c.version))).scalar() or 0
        if current > SCHEMA_VERSION:
            raise OwnlintError(
                f"audit store {_shown(engine)} has schema version {current}; this ownlint knows {SCHEMA_VERSION}"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](connection)
            connection.execute(schema_table.insert().values(version=version))
    return SCHEMA_VERSION


def write_snapshot(engine: Engine, snapshot: Snapshot) -> int:
    """Record ``snapshot`` in one transaction; returns its id (the existing one if its run id is known)."""
    run_id = snapshot.run_id or str(uuid.uuid4())
    rows = snapshot.rows
    with engine.begin() as connection:
        known = connection.execute(sa.select(snapshots.c.id).where(snapshots.c.run_id == run_id)).scalar()
        if known is not None:
            return int(known)
        values = {
            "run_id": run_id,
            "taken_at": snapshot.taken_at,
            "repo": snapshot.repo,
            "commit": snapshot.commit,
            "tool_version": snapshot.tool_version,
            "resources": len(rows),
            "in_scope": sum(1 for r in rows if r.in_scope),
            "owned": sum(1 for r in rows if r.in_scope and is_owned(r)),
            "unowned": sum(1 for r in rows if r.in_scope and r.party == "unowned"),
            "findings": len(snapshot.findings),
        }
        inserted = connection.execute(snapshots.insert().values(**values)).inserted_primary_key
        snapshot_id = int(inserted[0]) if inserted is not None else 0
        if rows:
            connection.execute(resources.insert(), [{"snapshot_id": snapshot_id, **asdict(r)} for r in rows])
        if snapshot.findings:
            found = [{"snapshot_id": snapshot_id, **asdict(f)} for f in snapshot.findings]
            connection.execute(findings.insert(), found)
    return snapshot_id


def is_owned(row: InventoryRow) -> bool:
    """A valid owner: present, and a declared party (or any team when no party is declared)."""
    return row.party not in ("unowned", "unknown", "invalid")


def list_snapshots(engine: Engine, repo: str | None = None) -> list[SnapshotInfo]:
    query = sa.select(snapshots).order_by(snapshots.c.taken_at, snapshots.c.id)
    if repo is not None:
        query = query.where(snapshots.c.repo == repo)
    with engine.connect() as connection:
        return [
            SnapshotInfo(
                r.id, _aware(r.taken_at), r.repo, r.commit, r.resources, r.in_scope, r.owned, r.unowned, r.findings
            )
            for r in connection.execute(query)
        ]


def snapshot_rows(engine: Engine, snapshot_id: int) -> tuple[list[InventoryRow], list[FindingRow]]:
    names = [c.name for c in resources.columns if c.name != "snapshot_id"]
    finding_names = [c.name for c in findings.columns if c.name != "snapshot_id"]
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(*[resources.c[n] for n in names])
            .where(resources.c.snapshot_id == snapshot_id)
            .order_by(resources.c.stack, resources.c.address)
        )
        inventory = [InventoryRow(**dict(zip(names, r, strict=True))) for r in rows]
        found = connection.execute(
            sa.select(*[findings.c[n] for n in finding_names])
            .where(findings.c.snapshot_id == snapshot_id)
            .order_by(findings.c.file, findings.c.line, findings.c.rule)
        )
        return inventory, [FindingRow(**dict(zip(finding_names, f, strict=True))) for f in found]


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """SQLite returns naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)


@contextmanager
def store(url: str | None, base: Path = Path(".")) -> Iterator[Engine]:
    """The store at ``url``; a database error inside becomes a one-line user error (exit 2)."""
    engine = open_store(url, base)
    try:
        yield engine
    except sa.exc.SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        raise OwnlintError(f"audit store {_shown(engine)}: {str(reason).splitlines()[0]}") from None
    finally:
        engine.dispose()


def repositories(engine: Engine) -> Sequence[str]:
    with engine.connect() as connection:
        return [r[0] for r in connection.execute(sa.select(snapshots.c.repo).distinct().order_by(snapshots.c.repo))]
