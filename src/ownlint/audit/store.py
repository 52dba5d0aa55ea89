"""The audit store: snapshots of inventories and findings, in SQLite or PostgreSQL (SQLAlchemy Core).

The schema and its migrations are in ``schema``. A snapshot and all its rows are written in one
transaction: a killed audit leaves no part of one. Each carries a unique run id, so a retried write
cannot record it twice. ``ownlint report`` opens the store read-only (SQLite ``mode=ro``, PostgreSQL
read-only transactions): it never migrates, creates or writes one.
"""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ownlint.audit.inventory import InventoryRow
from ownlint.audit.location import DEFAULT_DB as DEFAULT_DB
from ownlint.audit.location import Location, locate, read_only_uri, shown
from ownlint.audit.schema import MAX_TEXT as MAX_TEXT
from ownlint.audit.schema import MIGRATIONS as MIGRATIONS
from ownlint.audit.schema import SCHEMA_VERSION as SCHEMA_VERSION
from ownlint.audit.schema import findings as findings
from ownlint.audit.schema import migrate, readable_version, storable, storable_list, stored_list
from ownlint.audit.schema import resources as resources
from ownlint.audit.schema import schema_table as schema_table
from ownlint.audit.schema import snapshots as snapshots
from ownlint.errors import OwnlintError

SQLITE_WAIT = 30.0  # seconds a SQLite statement waits for a concurrent writer's lock: writers take turns


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


def open_store(url: str | None, base: Path = Path("."), writable: bool = True) -> Engine:
    """An engine on ``url`` (default: the SQLite file under ``base``): brought up to date when
    ``writable``; else read-only, and a SQLite file that is missing is an error, not a new store."""
    location = locate(url, base)
    if location.sqlite_file is not None:
        if writable:
            location.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        elif not location.sqlite_file.is_file():
            raise OwnlintError(f"no audit store at {location.sqlite_file}: run `ownlint audit` first")
    try:
        engine = sa.create_engine(location.url, pool_pre_ping=True, **_engine_options(location, writable))
    except (sa.exc.ArgumentError, ImportError, sa.exc.NoSuchModuleError) as error:
        raise OwnlintError(f"--db {shown(location.url)}: {_reason(error)}") from None
    if engine.dialect.name == "sqlite" and writable:
        sa.event.listen(engine, "connect", _sqlite_setup)
        sa.event.listen(engine, "begin", _sqlite_begin)
    try:
        if writable:
            migrate(engine)
        else:
            readable_version(engine)
    except sa.exc.SQLAlchemyError as error:
        engine.dispose()
        raise OwnlintError(f"audit store {shown(engine.url)}: {_reason(error)}") from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def _engine_options(location: Location, writable: bool) -> dict[str, Any]:
    """SQLite waits ``SQLITE_WAIT`` seconds for a lock from the connection's first statement on: the
    dialect runs its own before any connect hook could set ``busy_timeout``, under the driver's 5 s."""
    if location.url.get_backend_name() != "sqlite":
        return {} if writable else {"execution_options": {"postgresql_readonly": True}}
    if writable or location.sqlite_file is None:
        return {"connect_args": {"timeout": SQLITE_WAIT}}
    uri = read_only_uri(location.sqlite_file)
    return {"creator": lambda: sqlite3.connect(uri, uri=True, timeout=SQLITE_WAIT)}


def _sqlite_setup(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly (below), as SQLAlchemy asks
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock up front: no lost upgrades


def _reason(error: BaseException) -> str:
    """A database error in one line: the driver's first line, never SQLAlchemy's ``[SQL: ...]`` and
    parameters, its control characters escaped, bounded."""
    reason = getattr(error, "orig", None) or error
    lines = str(reason).strip().splitlines() or [type(reason).__name__]
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in lines[0].split(" [SQL:")[0])
    return line if len(line) <= 300 else line[:299] + "\u2026"


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
        inserted = connection.execute(snapshots.insert().values(**storable(snapshots, values))).inserted_primary_key
        snapshot_id = int(inserted[0]) if inserted is not None else 0
        if rows:
            stored = [storable(resources, {"snapshot_id": snapshot_id, **_columns(r)}) for r in rows]
            connection.execute(resources.insert(), stored)
        if snapshot.findings:
            found = [storable(findings, {"snapshot_id": snapshot_id, **asdict(f)}) for f in snapshot.findings]
            connection.execute(findings.insert(), found)
    return snapshot_id


LIST_COLUMNS = ("instances", "suggestion_evidence")  # JSON arrays in text columns


def _columns(row: InventoryRow) -> dict[str, object]:
    values = asdict(row)
    return {**values, **{name: storable_list(getattr(row, name)) for name in LIST_COLUMNS}}


def _row(values: dict[str, Any]) -> InventoryRow:
    if values.get("operator_party") is None:
        return _before_schema_4(values)
    lists = {name: stored_list(values[name]) for name in LIST_COLUMNS}
    return InventoryRow(**{**values, **lists})


def _before_schema_4(values: dict[str, Any]) -> InventoryRow:
    """A row written before schema 4, as it was meant: its ``party`` named an MSP that ran a team's
    resource (or ``shared``) as accountable; the owner's party is taken back, and the operator's is what
    the row still tells (``unrecorded`` when nothing does). Its evidence was one text."""
    party, owner = values["party"], (values["owner"] or "").lower()
    operator = (values["operator"] or "").lower()
    operating = party.startswith("msp:") and operator == party[4:].lower()
    by_state = {"missing": "unset", "unknown": "unknown"}.get(values["operator_state"])
    by_value = operator if operator in ("shared", "internal") else (party if operating else "unrecorded")
    if party == "shared" or (party.startswith("msp:") and owner != party[4:].lower()):
        party = "internal"
    evidence = values.get("suggestion_evidence")
    return InventoryRow(
        **{
            **values,
            "party": party,
            "operator_party": by_state or by_value,
            "instances": (),
            "suggestion_evidence": (evidence,) if evidence else (),
        }
    )


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
    finding_names = [c.name for c in findings.columns if c.name != "snapshot_id"]
    with engine.connect() as connection:
        held = {c["name"] for c in sa.inspect(connection).get_columns(resources.name)}  # fewer before schema 4
        names = [c.name for c in resources.columns if c.name != "snapshot_id" and c.name in held]
        missing: dict[str, Any] = {c.name: None for c in resources.columns if c.name not in held}
        rows = connection.execute(
            sa.select(*[resources.c[n] for n in names]).where(resources.c.snapshot_id == snapshot_id)
        )
        # sorted here, not by the database: both backends give the same order whatever their collation
        inventory = sorted(
            (_row({**missing, **dict(zip(names, r, strict=True))}) for r in rows),
            key=lambda r: (r.stack, r.address, r.instances, r.file, r.line),
        )
        found = connection.execute(
            sa.select(*[findings.c[n] for n in finding_names]).where(findings.c.snapshot_id == snapshot_id)
        )
        listed = sorted(
            (FindingRow(**dict(zip(finding_names, f, strict=True))) for f in found),
            key=lambda f: (f.file, f.line, f.rule, f.resource, f.fingerprint),
        )
        return inventory, listed


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """SQLite returns naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.timezone.utc)


@contextmanager
def store(url: str | None, base: Path = Path("."), read_only: bool = False) -> Iterator[Engine]:
    """The store at ``url``; a database error inside becomes a one-line user error (exit 2)."""
    engine = open_store(url, base, writable=not read_only)
    try:
        yield engine
    except sa.exc.SQLAlchemyError as error:
        raise OwnlintError(f"audit store {shown(engine.url)}: {_reason(error)}") from None
    finally:
        engine.dispose()


def holds_snapshots(engine: Engine) -> bool:
    """Whether the store has its tables (a read-only store may be an empty database)."""
    with engine.connect() as connection:
        return sa.inspect(connection).has_table(snapshots.name)


def repositories(engine: Engine) -> Sequence[str]:
    with engine.connect() as connection:
        return [r[0] for r in connection.execute(sa.select(snapshots.c.repo).distinct().order_by(snapshots.c.repo))]
