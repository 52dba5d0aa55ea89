"""Where the audit store is: ``--db`` read as a SQLAlchemy URL and shown with its password masked.

Every error about ``--db`` is one line with the password hidden, whether or not the URL parses. A SQLite
store is never opened through a link that leaves the working tree: a checkout can commit
``.ownlint/audit.db`` (or ``.ownlint``, or the store's journal) as a link to anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ownlint.errors import OwnlintError
from ownlint.report.write import LinkOut, write_target

DEFAULT_DB = ".ownlint/audit.db"
DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg", "psycopg2", "pg8000", "psycopg2cffi")}
ALIASES = {"postgres": "postgresql"}  # the spelling of Heroku, libpq and psql
SIDECARS = ("", "-wal", "-shm", "-journal")  # SQLite writes these beside the store, through links too
SECRET_QUERY = re.compile(r"(?i)([?&][^=&]*password=)[^&]*")
UNSUPPORTED = "the audit store is a SQLite file or a postgresql:// URL"


@dataclass(frozen=True)
class Location:
    url: URL
    sqlite_file: Path | None  # the store's file, when it is SQLite on disk


def locate(value: str | None, tree: Path) -> Location:
    """The store ``--db`` names (default: the SQLite file under ``tree``), checked, not opened."""
    if value is None or "://" not in value:
        path = Path(value) if value else tree / DEFAULT_DB
        refuse_links_out(path, tree)
        return Location(URL.create("sqlite", database=str(path)), path)
    url = _parsed(value)
    backend, _, driver = url.drivername.lower().partition("+")
    backend = ALIASES.get(backend, backend)
    if backend not in DRIVERS:
        raise OwnlintError(f"--db {masked(value)}: {UNSUPPORTED}")
    if driver and driver not in DRIVERS[backend]:
        raise OwnlintError(f"--db {masked(value)}: no database driver {driver!r}")
    if backend == "postgresql":
        return Location(url.set(drivername=f"postgresql+{driver or 'psycopg'}"), None)
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return Location(url, None)  # in memory, or a SQLite URI the user spelled out
    refuse_links_out(Path(database), tree)
    return Location(url, Path(database))


def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens ``path`` read-only (``mode=ro``: never created, never written)."""
    return f"file:{quote(str(path))}?mode=ro"


def _parsed(value: str) -> URL:
    try:
        url = make_url(value)
    except ValueError:  # SQLAlchemy reads the port with int()
        raise OwnlintError(f"--db {masked(value)}: the port is not a number") from None
    except ArgumentError:
        raise OwnlintError(f"--db {masked(value)}: not a URL (scheme://user:password@host:port/database)") from None
    if url.password is not None and url.password != _userinfo(value)[1]:
        # SQLAlchemy stops a password at its first '@' and would take the rest for the host
        raise OwnlintError(f"--db {masked(value)}: percent-encode '@' in the user name or password (%40)")
    return url


def _userinfo(value: str) -> tuple[str, str | None]:
    """The user name and password of a URL, by hand: up to its last '@' before the path."""
    rest = value.split("://", 1)[1].split("?", 1)[0]
    if "@" not in rest:
        return "", None
    user, colon, password = rest.rsplit("@", 1)[0].partition(":")
    return user, unquote(password) if colon else None


def masked(value: str) -> str:
    """``value`` with its password (in the user info or the query) shown as ``***``; parsed or not."""
    if "://" not in value:
        return value
    scheme, rest = value.split("://", 1)
    address, question, query = rest.partition("?")
    if "@" in address:
        user, password = _userinfo(value)
        hidden = f"{user}:***" if password is not None else user
        address = f"{hidden}@{address.rsplit('@', 1)[1]}"
    return SECRET_QUERY.sub(r"\1***", f"{scheme}://{address}{question}{query}")


def shown(url: URL) -> str:
    """A parsed URL, its password masked (SQLAlchemy hides the user info's; the query's too)."""
    return SECRET_QUERY.sub(r"\1***", url.render_as_string(hide_password=True))


def refuse_links_out(path: Path, tree: Path) -> None:
    """Refuse a store inside ``tree`` whose path (a parent, the file, its journals) links out of it."""
    for suffix in SIDECARS:
        try:
            write_target(f"{path}{suffix}", tree)
        except LinkOut as error:
            raise OwnlintError(
                f"audit store {path}: {error.link} is a link out of the working tree; refusing to open it"
            ) from None
