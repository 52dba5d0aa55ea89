"""Throwaway servers and browsers for the audit tests: a real PostgreSQL cluster (initdb/pg_ctl from
PostgreSQL's server binaries) and headless Chromium. Missing ones skip their tests with the reason,
except where ``.ci/run`` says they are installed (``OWNLINT_REQUIRE_POSTGRES``/``_CHROMIUM``): there
a skip is a failure."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _missing(what: str, variable: str) -> None:
    if os.environ.get(variable):
        pytest.fail(f"{variable} is set but {what} is not installed")
    pytest.skip(f"{what} is not installed: these tests did not run")


def postgres_binary(name: str) -> str | None:
    """On the PATH, or where Debian's postgresql package puts it."""
    found = shutil.which(name)
    if found is not None:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL cluster on a free loopback port, trust authentication, removed afterwards; yields
    the URL of its ``postgres`` database. As root, the server runs as the ``postgres`` user (initdb
    refuses root)."""
    initdb, pg_ctl = postgres_binary("initdb"), postgres_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        _missing("PostgreSQL (initdb, pg_ctl)", "OWNLINT_REQUIRE_POSTGRES")
    assert initdb is not None and pg_ctl is not None
    base = Path(tempfile.mkdtemp(prefix="ownlint-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _missing("a postgres user to run the server as (initdb refuses root)", "OWNLINT_REQUIRE_POSTGRES")
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = base / "data"
    port = _free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "ownlint", "--auth=trust", "-E", "UTF8", "--no-sync"], **run
    )  # type: ignore[call-overload]
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"], **run)  # type: ignore[call-overload]
    try:
        yield f"postgresql://ownlint@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], check=False, capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        _missing("Chromium", "OWNLINT_REQUIRE_CHROMIUM")
    assert found is not None
    return found


def new_database(server: str) -> str:
    """The URL of a new, empty database on the throwaway server whose ``postgres`` database is ``server``."""
    import uuid

    import sqlalchemy as sa

    name = f"audit_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"
