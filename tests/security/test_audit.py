"""The audit store and its reports, against a hostile pull request (issue 15, items 10, 12, 13, 17 and
the low ones): text the stores cannot hold, chart labels matplotlib would parse, secrets in ``--db``
errors, one bad repository among several, a read-only ``ownlint report``, a store reached through links."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import run_cli, write_tree
from tests.servers import new_database, postgres_server
from tests.test_audit import _assert_whole, _snapshots

from ownlint.audit import store as audit_store
from ownlint.audit.inventory import InventoryRow
from ownlint.errors import OwnlintError

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A throwaway PostgreSQL server (its ``postgres`` database)."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store: a SQLite file, or a database of its own on the PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "audit.db")
    return new_database(request.getfixturevalue("server"))


# --- item 12: NUL, over-long and undecodable text reach both stores alike ------------------------

LONG_MSP = "m" * 250  # party msp:<name> is longer than the 200 characters PostgreSQL held
LONG_CATEGORY = "c" * 150  # longer than 100
LONG_NAMESPACE = "n" * 300  # longer than 253
LONG_KIND = "K" + "k" * 250  # resource type k8s:<kind>, longer than 200
HUGE_OWNER = "o" * 30_000  # reaches a finding's message too


def _hostile_repo(root: Path) -> Path:
    config = f"""extends: hybrid-it
parties:
  internal: [platform]
  msp:
    {LONG_MSP}: {{location: offshore}}
categories:
  {LONG_CATEGORY}:
    owners: [internal, msp]
    operators: [internal, msp]
    requires: []
    match: ["k8s:ConfigMap"]
"""
    items = [
        {"kind": "ConfigMap", "metadata": {"name": "nul\u0000name", "namespace": LONG_NAMESPACE, "labels": {}}},
        {"kind": "ConfigMap", "metadata": {"name": "msp", "labels": {"owner": LONG_MSP}}},
        {"kind": "ConfigMap", "metadata": {"name": "huge", "labels": {"owner": HUGE_OWNER}}},
        {"kind": LONG_KIND, "metadata": {"name": "weird"}},
    ]
    manifest = {"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", **i} for i in items]}
    write_tree(root, {"ownlint.yaml": config, "k8s/a.json": json.dumps(manifest)})
    # a file name that is not UTF-8 (Python holds it with lone surrogates, which neither store encodes):
    # not read, an OWN000 located at it
    with open(os.fsencode(root / "k8s") + b"/\xff\xfe.yaml", "w") as handle:
        handle.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: undecodable}\n")
    return root


def test_nul_over_long_and_undecodable_text_is_recorded_whole_and_reported(tmp_path: Path, store_url: str) -> None:
    repo = _hostile_repo(tmp_path / "hostile")
    outputs = [tmp_path / f"report.{ext}" for ext in ("html", "md", "csv", "json")]
    reports = [a for o in outputs for a in ("--report", str(o))]
    run = run_cli("audit", str(repo), "--db", store_url, "--no-git", "--today", "2026-11-09", *reports)
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.stdout.splitlines()[0] == "recorded 1 snapshot: ownership coverage 25.0%"
    _assert_whole(store_url)
    with audit_store.store(store_url) as engine:
        [info] = audit_store.list_snapshots(engine)
        rows, findings = audit_store.snapshot_rows(engine, info.id)
    assert info.resources == 4 and info.findings == len(findings) > 0
    stored = [v for r in rows for v in vars(r).values()] + [v for f in findings for v in vars(f).values()]
    assert not [v for v in stored if isinstance(v, str) and CONTROL.search(v)]  # no NUL, no surrogate
    by_name = {r.address.rsplit("/", 1)[-1]: r for r in rows}
    # NUL and lone surrogates become U+FFFD, the same in both stores
    assert by_name["nul\ufffdname"].address == f"ConfigMap/{LONG_NAMESPACE}/nul\ufffdname"
    assert by_name["nul\ufffdname"].namespace == LONG_NAMESPACE and by_name["nul\ufffdname"].category == LONG_CATEGORY
    [unreadable] = [f for f in findings if f.rule == "OWN000"]  # the file whose name is not UTF-8
    assert unreadable.file.startswith("k8s/") and unreadable.file.endswith(".yaml")
    assert by_name["msp"].party == f"msp:{LONG_MSP}"
    assert by_name["weird"].resource_type == f"k8s:{LONG_KIND}"
    # beyond 10,000 characters a value is cut, and says so
    huge = by_name["huge"].owner
    kept = audit_store.MAX_TEXT - 32
    assert huge == "o" * kept + f"\u2026 [{30_000 - kept} more characters]"
    assert max(len(f.message) for f in findings) <= audit_store.MAX_TEXT
    assert any("nul\ufffdname" in f.message for f in findings)
    document = json.loads(outputs[3].read_text())
    assert document["split"] == {f"msp:{LONG_MSP}": 1, "unowned": 2, "invalid": 1}
    assert "nul\ufffdname" in outputs[0].read_text() and outputs[0].read_text().count("<svg") == 3
    later = run_cli("report", "--db", store_url, *reports)
    assert (later.exit_code, later.stderr) == (0, "")


def _row(address: str, **changes: Any) -> InventoryRow:
    values: dict[str, Any] = dict(
        address=address,
        resource_type="aws_sqs_queue",
        source="terraform",
        file="main.tf",
        line=1,
        stack=".",
        namespace=None,
        category="other",
        in_scope=True,
        owner=None,
        owner_state="missing",
        party="unowned",
        operator=None,
        operator_state="missing",
        classification=None,
        compliance_scope=None,
    )
    return InventoryRow(**{**values, **changes})


def _snapshot(rows: list[InventoryRow], findings: tuple[audit_store.FindingRow, ...] = ()) -> audit_store.Snapshot:
    moment = datetime.datetime(2026, 11, 9, 12, tzinfo=datetime.timezone.utc)
    return audit_store.Snapshot("poisoned", None, "0", tuple(rows), findings, moment)


def test_lone_surrogates_in_any_value_are_stored_as_replacement_characters(tmp_path: Path, store_url: str) -> None:
    finding = audit_store.FindingRow(
        "OWN001", "missing-owner", "error", "q\ud800", "f\udcff.tf", 1, "m\udfff", "0" * 64
    )
    snapshot = _snapshot([_row("aws_sqs_queue.q\ud800", file="f\udcff.tf", owner="o\ud83d")], (finding,))
    with audit_store.store(store_url) as engine:
        snapshot_id = audit_store.write_snapshot(engine, snapshot)
        [row], [found] = audit_store.snapshot_rows(engine, snapshot_id)
    assert (row.address, row.file, row.owner) == ("aws_sqs_queue.q\ufffd", "f\ufffd.tf", "o\ufffd")
    assert (found.resource, found.file, found.message) == ("q\ufffd", "f\ufffd.tf", "m\ufffd")
    report = run_cli("report", "--db", store_url, "--report", str(tmp_path / "r.html"))
    assert (report.exit_code, report.stderr) == (0, "")


@pytest.mark.slow
def test_a_postgresql_store_of_schema_2_is_migrated_to_unbounded_text(server: str) -> None:
    """Version 2 stores held VARCHAR(n) columns in PostgreSQL (SQLite never enforced them): 3 makes them text."""
    store_url = new_database(server)
    with audit_store.store(store_url) as engine, engine.begin() as connection:
        for column, length in (("resource_type", 200), ("namespace", 253), ("category", 100), ("party", 200)):
            connection.exec_driver_sql(f"ALTER TABLE resources ALTER COLUMN {column} TYPE VARCHAR({length})")
        connection.execute(audit_store.schema_table.delete().where(audit_store.schema_table.c.version > 2))
    long_row = _row("x", resource_type="t" * 300, namespace="n" * 300, category="c" * 300, party="p" * 300)
    with audit_store.store(store_url) as engine:
        audit_store.write_snapshot(engine, _snapshot([long_row]))
        with engine.connect() as connection:
            versions = connection.execute(sa.select(audit_store.schema_table.c.version)).scalars().all()
    assert sorted(versions) == [1, 2, 3, 4]


# --- item 13: chart labels are text, never mathtext or TeX ---------------------------------------

MATH = ("$\\nope{$", "$x_$", "a$b")  # an unknown command, a bad subscript, one dollar


def _poisoned_store(path: Path, categories: tuple[str, ...], msp: str) -> str:
    db = str(path)
    rows = [_row(f"aws_sqs_queue.q{n}", category=c) for n, c in enumerate(categories)]
    rows.append(_row("aws_sqs_queue.msp", owner=msp, owner_state="present", party=f"msp:{msp}"))
    with audit_store.store(db) as engine:
        audit_store.write_snapshot(engine, _snapshot(rows))
    return db


def _chart(html: str, name: str) -> str:
    figure = html[html.index(f'id="chart-{name}"') :]
    return figure[: figure.index("</figure>")]


def _labels(svg: str) -> list[str]:
    """The text of a chart as written in its SVG (``svg.fonttype: none``: text stays text)."""
    import html as markup

    return [markup.unescape(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S)]


def test_dollars_in_categories_and_msp_names_do_not_crash_any_later_report(tmp_path: Path) -> None:
    """The bad value is in the store: every later ``ownlint report`` drew it again."""
    db = _poisoned_store(tmp_path / "audit.db", MATH, "$\\frac{$")
    for attempt in range(2):
        page = tmp_path / f"report-{attempt}.html"
        run = run_cli("report", "--db", db, "--report", str(page))
        assert (run.exit_code, run.stderr) == (0, "")
        html = page.read_text()
        assert set(MATH) <= set(_labels(_chart(html, "unowned")))  # the literal text, dollars and all
        assert "msp:$\\frac{$" in _labels(_chart(html, "split"))


def test_an_audit_of_a_repository_with_dollars_in_its_config_reports(tmp_path: Path) -> None:
    repo = write_tree(
        tmp_path / "repo",
        {
            "ownlint.yaml": 'extends: hybrid-it\nparties:\n  internal: [platform]\n  msp:\n    "$\\\\nope{$": {}\n'
            'categories:\n  "$x_$":\n    owners: [internal, msp]\n    operators: [internal, msp]\n'
            '    requires: []\n    match: ["k8s:ConfigMap"]\n',
            "k8s/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\n"
            'kind: ConfigMap\nmetadata: {name: b, labels: {owner: "$\\\\nope{$"}}\n',
        },
    )
    db = str(tmp_path / "audit.db")
    run = run_cli("audit", str(repo), "--db", db, "--no-git", "--report", str(tmp_path / "a.html"))
    assert (run.exit_code, run.stderr) == (0, "")
    again = run_cli("report", "--db", db, "--report", str(tmp_path / "b.html"))
    assert (again.exit_code, again.stderr) == (0, "")
    assert "msp:$\\nope{$" in _labels(_chart((tmp_path / "b.html").read_text(), "split"))


def test_labels_with_newlines_controls_backslashes_and_great_length_stay_one_short_line(tmp_path: Path) -> None:
    odd = (
        "two\nlines",
        "esc\x1b[31mred",
        "tab\there",
        "back\\slash",
        "\u202eright-to-left",
        "x" * 5000,
        "\U0001f642\u6771",
    )
    db = _poisoned_store(tmp_path / "audit.db", odd, "msp\r\nname")
    page = tmp_path / "r.html"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = run_cli("report", "--db", db, "--report", str(page))
    assert (run.exit_code, run.stderr) == (0, "")
    assert [str(w.message) for w in caught] == []  # no "constrained_layout not applied", no glyph warnings
    labels = _labels(_chart(page.read_text(), "unowned"))
    assert "two lines" in labels and "back\\slash" in labels and "tab here" in labels
    assert "esc\ufffd[31mred" in labels and "\ufffdright-to-left" in labels
    assert "x" * 39 + "\u2026" in labels  # cut to 40 characters; the table below holds it whole
    assert not [t for t in labels if CONTROL.search(t) or "\u202e" in t or len(t) > 40]
    assert "msp:msp name" in _labels(_chart(page.read_text(), "split"))


@pytest.mark.slow
def test_a_report_of_hostile_names_renders_in_headless_chromium(tmp_path: Path) -> None:
    from tests.servers import CHROMIUM_FLAGS, chromium

    browser = chromium()
    db = _poisoned_store(tmp_path / "audit.db", (*MATH, "nul\x00and\ud800", "x" * 5000), "$\\frac{$")
    page = tmp_path / "r.html"
    assert run_cli("report", "--db", db, "--report", str(page)).exit_code == 0
    common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,3000"]
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], check=True, capture_output=True, text=True, timeout=120
    )
    for chart in ("trend", "split", "unowned"):
        assert "<svg" in _chart(dom.stdout, chart)  # each chart is in the rendered page
    assert "$\\nope{$" in _labels(_chart(dom.stdout, "unowned"))
    assert "nul\ufffdand\ufffd" in _labels(_chart(dom.stdout, "unowned"))


def test_a_matplotlibrc_in_the_working_directory_changes_nothing(tmp_path: Path) -> None:
    """matplotlib reads ./matplotlibrc when first imported, and ``ownlint audit .`` runs in the checkout."""
    db = _poisoned_store(tmp_path / "audit.db", ("data",), "acme")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "matplotlibrc").write_text("text.usetex: True\nbogus\x1b]0;pwned\x07: 1\nfont.size: huge\n")
    run = subprocess.run(
        [sys.executable, "-m", "ownlint", "report", "--db", db, "--report", "r.html"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert "$" not in (checkout / "r.html").read_text().split('id="chart-split"')[1].split("</figure>")[0]


# --- item 17: no secret, no traceback, in an error about --db -------------------------------------


def _one_line_error(args: list[str], tmp_path: Path) -> str:
    run = run_cli(*args, "--report", str(tmp_path / "r.json")) if args[0] == "report" else run_cli(*args)
    assert run.exit_code == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("ownlint: error: ")
    assert not [s for s in ("s3cret", "s3%40cret", "s3@cret", "[SQL", "[parameters") if s in run.stderr]
    return run.stderr.removeprefix("ownlint: error: ").rstrip("\n")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://u:s3cret@localhost/db",
            "--db mysql://u:***@localhost/db: the audit store is a SQLite file or a postgresql:// URL",
        ),
        (
            "oracle+oracledb://u:s3cret@h/d",
            "--db oracle+oracledb://u:***@h/d: the audit store is a SQLite file or a postgresql:// URL",
        ),
        (
            "nosuch+driver://u:s3cret@h/d",
            "--db nosuch+driver://u:***@h/d: the audit store is a SQLite file or a postgresql:// URL",
        ),
        ("postgresql://u:s3cret@host:abc/db", "--db postgresql://u:***@host:abc/db: the port is not a number"),
        ("postgresql://u:s3cret@[::1/db", "--db postgresql://u:***@[::1/db: the port is not a number"),
        (
            "postgresql://u:s3c@ret@host/db",
            "--db postgresql://u:***@host/db: percent-encode '@' in the user name or password (%40)",
        ),
        ("postgresql+nodriver://u:s3cret@h/d", "--db postgresql+nodriver://u:***@h/d: no database driver 'nodriver'"),
        ("sqlite+nodriver:///x.db", "--db sqlite+nodriver:///x.db: no database driver 'nodriver'"),
    ],
)
def test_db_urls_that_cannot_be_used_are_one_line_without_the_password(tmp_path: Path, url: str, message: str) -> None:
    for command in ("audit", "report"):
        args = ["report", "--db", url] if command == "report" else ["audit", str(tmp_path), "--db", url, "--no-git"]
        assert _one_line_error(args, tmp_path) == message


def test_postgres_scheme_is_an_alias_and_driver_errors_mask_the_password(tmp_path: Path, server: str) -> None:
    port = server.rsplit(":", 1)[1].split("/")[0]
    refused = _one_line_error(["report", "--db", "postgres://ownlint:s3cret@127.0.0.1:1/db"], tmp_path)
    assert refused.startswith("audit store postgresql+psycopg://ownlint:***@127.0.0.1:1/db: connection failed: ")
    unknown = _one_line_error(["report", "--db", f"postgres://ownlint:s3cret@127.0.0.1:{port}/nosuch"], tmp_path)
    assert unknown.endswith('database "nosuch" does not exist')
    query = _one_line_error(["report", "--db", "postgresql://127.0.0.1:1/db?password=s3cret&sslmode=disable"], tmp_path)
    assert query.startswith("audit store postgresql+psycopg://127.0.0.1:1/db?password=***&sslmode=disable: ")
    encoded = _one_line_error(["report", "--db", "postgresql://user@host:s3%40cret@127.0.0.1:1/db"], tmp_path)
    assert encoded.startswith("audit store postgresql+psycopg://user%40host:***@127.0.0.1:1/db: connection failed")
    # and the alias works: postgres:// is what Heroku, libpq and psql also accept
    alias = new_database(server).replace("postgresql://", "postgres://")
    run = run_cli("audit", str(tmp_path), "--db", alias, "--no-git", "-q")
    assert (run.exit_code, run.stderr) == (0, "")


def _wait_for_password_checks(url: str) -> None:
    """The server reloads pg_hba.conf in its own time: until then a wrong password gets in."""
    engine = sa.create_engine(url)
    try:
        for _ in range(100):
            try:
                engine.connect().close()
            except sa.exc.OperationalError:
                return
            engine.dispose()
            time.sleep(0.1)
    finally:
        engine.dispose()
    raise AssertionError("the server never asked for the password")


def test_a_wrong_password_is_one_line_without_it(tmp_path: Path, server: str) -> None:
    """A role that must give a password (a line of its own in the test server's pg_hba.conf)."""
    engine = sa.create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        hba = Path(connection.exec_driver_sql("SHOW hba_file").scalar_one())
        connection.exec_driver_sql("DROP ROLE IF EXISTS guarded")
        connection.exec_driver_sql("CREATE ROLE guarded LOGIN PASSWORD 'right-one'")
        if "guarded" not in hba.read_text():
            hba.write_text("host all guarded 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
            connection.exec_driver_sql("SELECT pg_reload_conf()")
    engine.dispose()
    address = server.rsplit("@", 1)[1]
    _wait_for_password_checks(f"postgresql+psycopg://guarded:wrong@{address}")
    error = _one_line_error(["report", "--db", f"postgresql://guarded:s3cret@{address}"], tmp_path)
    assert error.endswith('password authentication failed for user "guarded"')


def test_a_database_error_while_writing_is_one_line_without_parameters(tmp_path: Path, store_url: str) -> None:
    """A store whose table no longer fits (changed by hand): the error carries no SQL and no values."""
    with audit_store.store(store_url) as engine, engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE findings")
        connection.exec_driver_sql("CREATE TABLE findings (snapshot_id INTEGER NOT NULL, rule INTEGER)")
    repo = write_tree(tmp_path / "repo", {"main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "l\\nx\\u001b"\n}\n'})
    error = _one_line_error(["audit", str(repo), "--db", store_url, "--no-git"], tmp_path)
    assert error.startswith("audit store ") and "aws_sqs_queue" not in error and "INSERT" not in error


# --- item 10 (audit half): one bad repository costs the others nothing ---------------------------


def _repos(root: Path, *names: str) -> list[str]:
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {owner: platform}}\n"
    config = "parties:\n  internal: [platform]\n"
    return [str(write_tree(root / name, {"ownlint.yaml": config, "k8s/c.yaml": manifest})) for name in names]


BREAKING = """
import os, signal, sys
from pathlib import Path
import ownlint.commands.audit
from ownlint.cli import main

bad, how = sys.argv[1], sys.argv[2]
real = ownlint.commands.audit.load

def load(inputs):
    if any(Path(p).name == bad for p in inputs.paths):
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("the loader blew up\\nin two lines")
    return real(inputs)

ownlint.commands.audit.load = load  # worker processes are forked: they load through it too
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize(("how", "jobs"), [("raise", "1"), ("raise", "3"), ("kill", "1"), ("kill", "2")])
def test_one_failing_repository_among_several_costs_the_others_nothing(tmp_path: Path, how: str, jobs: str) -> None:
    """The loader fails on one repository: an exception, or its process killed (as a crash would)."""
    alpha, bad, gamma = _repos(tmp_path, "alpha", "be\nta\x1b[2J", "gamma")
    db = str(tmp_path / "a.db")
    report = tmp_path / "r.json"
    audit = ["audit", alpha, bad, gamma, "--db", db, "--no-git", "--jobs", jobs, "--report", str(report)]
    run = subprocess.run(
        [sys.executable, "-c", BREAKING, Path(bad).name, how, *audit], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 2
    assert run.stdout == f"recorded 2 snapshots: ownership coverage 100.0%\nwrote {report}\n"
    shown = bad.replace("\n", "\\n").replace("\x1b", "\\x1b")
    reason = (
        "internal error: RuntimeError: the loader blew up\\nin two lines"
        if how == "raise"
        else "the process auditing it died (a crash, or killed)"
    )
    [line] = run.stderr.splitlines()
    assert line.startswith(f"ownlint: error: audit of {shown} failed: {reason}")
    assert sorted(s.repo for s in _snapshots(db)) == ["alpha", "gamma"]
    assert [s["repo"] for s in json.loads(report.read_text())["snapshots"]] == ["alpha", "gamma"]


def test_a_bad_config_in_one_repository_among_several_costs_the_others_nothing(tmp_path: Path) -> None:
    alpha, beta = _repos(tmp_path, "alpha", "beta")
    (Path(beta) / "ownlint.yaml").write_text("parties: [\n")
    db = str(tmp_path / "a.db")
    run = run_cli("audit", alpha, beta, "--db", db, "--no-git", "--jobs", "2")
    assert run.exit_code == 2 and run.stdout == "recorded 1 snapshot: ownership coverage 100.0%\n"
    [line] = run.stderr.splitlines()
    assert line.startswith(f"ownlint: error: audit of {beta} failed: ") and "ownlint.yaml" in line
    assert [s.repo for s in _snapshots(db)] == ["alpha"]


def test_when_every_repository_fails_nothing_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alpha, beta = _repos(tmp_path, "alpha", "beta")
    (Path(alpha) / "ownlint.yaml").write_text("parties: [\n")
    (Path(beta) / "ownlint.yaml").write_text("parties: [\n")
    run = run_cli("audit", alpha, beta, "--db", str(tmp_path / "a.db"), "--no-git", "--jobs", "1")
    assert (run.exit_code, run.stdout) == (2, "")
    assert [line.split(" failed: ")[0] for line in run.stderr.splitlines()] == [
        f"ownlint: error: audit of {alpha}",
        f"ownlint: error: audit of {beta}",
    ]


# --- low: `ownlint report` reads, and never through a link out of the checkout -------------------


def test_report_on_a_missing_store_says_so_and_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "none" / "audit.db"
    run = run_cli("report", "--db", str(missing), "--report", str(tmp_path / "r.json"))
    assert (run.exit_code, run.stderr) == (
        2,
        f"ownlint: error: no audit store at {missing}: run `ownlint audit` first\n",
    )
    assert not missing.parent.exists()
    monkeypatch.chdir(tmp_path)
    default = run_cli("report", "--report", "r.json")
    assert default.stderr == "ownlint: error: no audit store at .ownlint/audit.db: run `ownlint audit` first\n"
    assert not (tmp_path / ".ownlint").exists()


def _engine(store_url: str) -> sa.Engine:
    """An engine of SQLAlchemy's own on the store, without ownlint in between."""
    if "://" in store_url:
        return sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://"))
    return sa.create_engine(f"sqlite:///{store_url}")


def _version_1_store(store_url: str) -> None:
    """A store as ownlint's first schema left it, with one snapshot."""
    engine = _engine(store_url)
    with engine.begin() as connection:
        audit_store.schema_table.create(connection)
        audit_store.MIGRATIONS[0](connection)
        connection.execute(audit_store.schema_table.insert().values(version=1))
    audit_store.write_snapshot(engine, _snapshot([_row("aws_sqs_queue.q")]))
    engine.dispose()


def test_report_reads_the_store_without_changing_it(tmp_path: Path, store_url: str) -> None:
    _version_1_store(store_url)
    run = run_cli("report", "--db", store_url, "--report", str(tmp_path / "r.json"))
    assert (run.exit_code, run.stderr) == (0, "")
    assert [s["repo"] for s in json.loads((tmp_path / "r.json").read_text())["snapshots"]] == ["poisoned"]
    engine = _engine(store_url)
    with engine.connect() as connection:  # not migrated: a report never writes
        assert connection.execute(sa.select(audit_store.schema_table.c.version)).scalars().all() == [1]
    engine.dispose()
    read_only = r"read-only transaction|readonly database"
    with pytest.raises(OwnlintError, match=read_only), audit_store.store(store_url, read_only=True) as reader:
        audit_store.write_snapshot(reader, _snapshot([_row("aws_sqs_queue.r")]))


def _checkout_with_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> Path:
    """A checkout whose commit links the store (or its directory, or its journal) out of the tree."""
    checkout, outside = tmp_path / "checkout", tmp_path / "outside"
    _repos(tmp_path, "checkout")
    outside.mkdir()
    (checkout / ".ownlint").mkdir()
    if layout == "file":
        (checkout / ".ownlint/audit.db").symlink_to(outside / "stolen.db")
    elif layout == "directory":
        (checkout / ".ownlint").rmdir()
        (checkout / ".ownlint").symlink_to(outside)
    else:
        (checkout / ".ownlint/audit.db-wal").symlink_to(outside / "victim")
        (outside / "victim").write_text("precious\n")
    monkeypatch.chdir(checkout)
    return outside


@pytest.mark.parametrize("layout", ["file", "directory", "journal"])
def test_the_store_is_never_opened_through_a_link_out_of_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    outside = _checkout_with_links(tmp_path, monkeypatch, layout)
    before = sorted((p.name, p.read_bytes()) for p in outside.iterdir())
    link = {"file": ".ownlint/audit.db", "directory": ".ownlint", "journal": ".ownlint/audit.db-wal"}[layout]
    message = (
        f"ownlint: error: audit store .ownlint/audit.db: {link} is a link out of the working tree;"
        " refusing to open it\n"
    )
    audit = run_cli("audit", ".", "--no-git")
    assert (audit.exit_code, audit.stderr) == (2, message)
    report = run_cli("report", "--report", "r.json")
    assert (report.exit_code, report.stderr) == (2, message)
    assert sorted((p.name, p.read_bytes()) for p in outside.iterdir()) == before  # nothing created or written


def test_a_store_linked_inside_the_checkout_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = Path(_repos(tmp_path, "checkout")[0])
    (checkout / "stores").mkdir()
    (checkout / ".ownlint").symlink_to("stores")
    monkeypatch.chdir(checkout)
    assert run_cli("audit", ".", "--no-git", "-q").exit_code == 0
    assert (checkout / "stores/audit.db").is_file()
