"""ownlint audit: snapshots in SQLite and in a real PostgreSQL server, the trend, whole snapshots under
concurrency and when killed, reports, suggested owners, exit codes."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import FIXTURES, ROOT, run_cli
from tests.servers import new_database, postgres_server

from ownlint.audit import store as audit_store

sys.path.insert(0, str(ROOT / "benchmarks"))
from estate import write_estate


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store: a SQLite file, or a database of its own on the throwaway PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "audit.db")
    return new_database(request.getfixturevalue("postgres"))


def _example(tmp_path: Path) -> Path:
    repo = tmp_path / "example"
    shutil.copytree(FIXTURES / "example", repo)
    return repo


def _fix_two_resources(repo: Path) -> None:
    """The unowned Namespace gets an owner; the misspelt owner of the CI user is corrected."""
    namespaces = repo / "kubernetes/namespaces.yaml"
    text = namespaces.read_text()
    assert "  name: sandbox\n" in text
    namespaces.write_text(text.replace("  name: sandbox\n", "  name: sandbox\n  labels:\n    owner: platform\n", 1))
    iam = repo / "terraform/iam/main.tf"
    assert "paltform" in iam.read_text()
    iam.write_text(iam.read_text().replace("paltform", "platform"))


def _snapshots(url: str) -> list[audit_store.SnapshotInfo]:
    with audit_store.store(url) as engine:
        return audit_store.list_snapshots(engine)


def test_two_snapshots_show_the_change_in_the_trend(tmp_path: Path, db_url: str) -> None:
    repo = _example(tmp_path)
    first = run_cli("audit", str(repo), "--db", db_url, "--today", "2026-11-09", "--no-git")
    assert (first.exit_code, first.stdout) == (0, "recorded 1 snapshot: ownership coverage 85.2%\n")
    _fix_two_resources(repo)
    report = tmp_path / "audit.json"
    second = run_cli("audit", str(repo), "--db", db_url, "--today", "2026-11-16", "--no-git", "--report", str(report))
    assert second.exit_code == 0
    trend = json.loads(report.read_text())["trend"]
    assert trend == [
        {"week": "2026-W46", "coverage": 85.2, "unowned": 1},
        {"week": "2026-W47", "coverage": 96.3, "unowned": 0},
    ]
    assert [(s.repo, s.in_scope, s.owned, s.unowned) for s in _snapshots(db_url)] == [
        ("example", 27, 23, 1),
        ("example", 27, 26, 0),  # the Namespace's new owner also reaches a ConfigMap in it
    ]


def test_every_resource_and_finding_is_recorded(tmp_path: Path, db_url: str) -> None:
    repo = _example(tmp_path)
    run_cli("audit", str(repo), "--db", db_url, "--no-git", "-q")
    check = run_cli("check", str(repo), "--format", "json").json()
    with audit_store.store(db_url) as engine:
        [info] = audit_store.list_snapshots(engine)
        rows, findings = audit_store.snapshot_rows(engine, info.id)
    assert len(findings) == check["summary"]["findings"] == info.findings
    assert {f.fingerprint for f in findings} == {f["fingerprint"] for f in check["findings"]}
    assert len(rows) == info.resources == 30  # modules are not inventoried
    by_address = {r.address: r for r in rows}
    bucket = by_address["aws_s3_bucket.analytics"]
    assert (bucket.owner_state, bucket.party, bucket.category) == ("unknown", "unknown", "data")
    assert by_address["aws_iam_user.ci_bot"].party == "invalid"
    assert by_address["Namespace/sandbox"].party == "unowned"


def test_concurrent_writers_record_each_snapshot_once_and_whole(tmp_path: Path, db_url: str) -> None:
    estate = tmp_path / "estate"
    write_estate(estate, 20, 10)
    script = (
        "import sys\nfrom ownlint.cli import main\n"
        "sys.exit(main(['audit', sys.argv[1], '--db', sys.argv[2], '--no-git', '-q', '--repo-name', sys.argv[3]]))\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(estate), db_url, f"repo-{n}"], cwd=tmp_path)
        for n in range(4)
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0, 0, 0]
    found = _snapshots(db_url)
    assert sorted(s.repo for s in found) == ["repo-0", "repo-1", "repo-2", "repo-3"]
    _assert_whole(db_url)


def test_a_sqlite_store_held_longer_than_the_drivers_default_wait_is_waited_for(tmp_path: Path) -> None:
    """Every statement of a connection waits the store's 30 s for a lock, the first ones too: Python's
    driver waits only 5 s by default, and SQLAlchemy's first statements ran under that before the
    connection's own ``busy_timeout``. A concurrent writer turning a new file to WAL, or the last one
    checkpointing as it closes, holds the file so; a writer failed "database is locked" in CI."""
    path = tmp_path / "audit.db"
    with audit_store.store(str(path)):
        pass
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=DELETE")  # a lock on the file itself, which WAL readers wait for too
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(5.8, holder.rollback)
    release.start()
    started = time.monotonic()
    try:
        with audit_store.store(str(path)) as engine:
            assert audit_store.list_snapshots(engine) == []
    finally:
        release.join()
        holder.close()
    assert time.monotonic() - started >= 5.5


def test_a_snapshot_written_twice_under_one_run_id_is_recorded_once(tmp_path: Path, db_url: str) -> None:
    from ownlint.commands.audit import audit_repository
    from ownlint.inputs import Inputs

    snapshot = audit_repository(str(_example(tmp_path)), Inputs(), "example", use_git=False)
    with audit_store.store(db_url) as engine:
        first = audit_store.write_snapshot(engine, snapshot.__class__(**{**snapshot.__dict__, "run_id": "run-1"}))
        again = audit_store.write_snapshot(engine, snapshot.__class__(**{**snapshot.__dict__, "run_id": "run-1"}))
    assert first == again and len(_snapshots(db_url)) == 1


def _assert_whole(url: str) -> None:
    """Every snapshot holds exactly the rows it counted: none half written."""
    with audit_store.store(url) as engine, engine.connect() as connection:
        counts = connection.execute(
            sa.select(audit_store.snapshots.c.id, audit_store.snapshots.c.resources, audit_store.snapshots.c.findings)
        ).all()
        for snapshot_id, resources, findings in counts:
            stored = connection.execute(
                sa.select(sa.func.count()).where(audit_store.resources.c.snapshot_id == snapshot_id)
            ).scalar()
            stored_findings = connection.execute(
                sa.select(sa.func.count()).where(audit_store.findings.c.snapshot_id == snapshot_id)
            ).scalar()
            assert (stored, stored_findings) == (resources, findings)


def _writing(url: str) -> bool:
    """Whether another process holds a write transaction on the store right now."""
    if "://" not in url:
        import sqlite3

        probe = sqlite3.connect(url, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked: the audit is writing
            return True
        finally:
            probe.close()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            query = (
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"
                " AND state IN ('active', 'idle in transaction') AND query ILIKE 'INSERT INTO resources%%'"
            )
            return bool(connection.exec_driver_sql(query).scalar())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_an_audit_killed_mid_write_leaves_only_whole_snapshots(tmp_path: Path, db_url: str) -> None:
    """SIGKILL while the store is being written (seen from another connection), three times."""
    estate = tmp_path / "estate"
    write_estate(estate, 100, 50, resources=5)
    command = [sys.executable, "-m", "ownlint", "audit", str(estate), "--db", db_url, "--no-git", "-q", "--jobs", "1"]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)  # one whole snapshot, the schema
    killed_while_writing = 0
    for _ in range(3):
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if _writing(db_url):
                process.send_signal(signal.SIGKILL)
                killed_while_writing += 1
                break
            time.sleep(0.005)
        process.wait(timeout=120)
    assert killed_while_writing == 3
    assert len(_snapshots(db_url)) == 1  # none of the killed ones left a snapshot, whole or part
    _assert_whole(db_url)


def test_reports_in_every_format(tmp_path: Path) -> None:
    repo = _example(tmp_path)
    db = str(tmp_path / "audit.db")
    outputs = [tmp_path / f"report.{ext}" for ext in ("html", "md", "csv", "json")]
    run = run_cli("audit", str(repo), "--db", db, "--no-git", *[a for o in outputs for a in ("--report", str(o))])
    assert run.exit_code == 0
    assert run.stdout.splitlines()[1:] == [f"wrote {o}" for o in outputs]
    html = outputs[0].read_text()
    assert html.count("<svg") == 3 and 'id="unowned"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched: self-contained
    markdown = outputs[1].read_text()
    assert "**Coverage: 85.2%** (23 of 27 resources have a valid owner); **1 unowned**" in markdown
    rows = list(csv.DictReader(outputs[2].open()))
    assert len(rows) == 30 and {r["repo"] for r in rows} == {"example"}
    document = json.loads(outputs[3].read_text())
    # the owner's party answers for a resource; who runs it is a column of its own
    assert document["split"] == {"internal": 21, "msp:acme-msp": 2, "unowned": 1, "unknown": 1, "invalid": 2}
    assert document["operators"] == {
        "internal": 16,
        "msp:acme-msp": 5,
        "msp:nordic-ops": 3,
        "shared": 1,
        "invalid": 1,
        "unset": 1,
    }
    assert document["unowned_by_category"] == {"other": 1}
    later = run_cli("report", "--db", db, "--report", str(tmp_path / "again.json"))
    assert later.exit_code == 0
    again = json.loads((tmp_path / "again.json").read_text())
    assert {k: v for k, v in again.items() if k != "generated"} == {
        k: v for k, v in document.items() if k != "generated"
    }
    assert os.stat(outputs[0]).st_mode & 0o044  # an ordinary file, readable by others as umask allows


def test_suggested_owner_from_codeowners_siblings_and_git(tmp_path: Path) -> None:
    """An unmapped CODEOWNERS team and a git author are contacts, one sibling is too few: no suggestion,
    and the evidence says why (issue 16: tests/test_audit_report.py has the weighing)."""
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "CODEOWNERS").write_text("/infra/ @acme/platform\n")
    (repo / "infra/main.tf").write_text(
        'resource "aws_sqs_queue" "owned" {\n  tags = { owner = "payments" }\n}\n'
        'resource "aws_sqs_queue" "orphan" {\n  name = "orphan"\n}\n'
    )
    git = shutil.which("git")
    if git is not None:
        for args in (
            ["init", "-q"],
            ["add", "."],
            ["-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-qm", "x"],
        ):
            subprocess.run([git, *args], cwd=repo, check=True, capture_output=True)
    report = tmp_path / "report.json"
    run = run_cli("audit", str(repo), "--db", str(tmp_path / "a.db"), "--report", str(report))
    assert run.exit_code == 0
    [orphan] = json.loads(report.read_text())["unowned"]
    assert orphan["address"] == "aws_sqs_queue.orphan" and orphan["suggested_owner"] is None
    evidence = orphan["suggestion_evidence"]
    assert evidence[:2] == [
        "CODEOWNERS: @acme/platform: a contact, not an owner value (no codeowners.teams entry maps it)",
        "1 of 1 owned siblings in root module infra are owned by 'payments': too few to suggest"
        " (it takes 3, two thirds of them agreeing)",
    ]
    if git is not None:
        assert (
            evidence[2]
            == "last git author of infra/main.tf:4: dev@example.com, a person: a contact, not an owner value"
        )


def test_fail_under_and_errors_give_their_exit_codes(tmp_path: Path) -> None:
    repo = _example(tmp_path)
    db = str(tmp_path / "a.db")
    assert run_cli("audit", str(repo), "--db", db, "--no-git", "-q", "--fail-under", "80").exit_code == 0
    failed = run_cli("audit", str(repo), "--db", db, "--no-git", "--fail-under", "90")
    assert failed.exit_code == 1
    assert failed.stderr == "coverage 85.2% is under --fail-under 90%\n"
    missing = run_cli("audit", str(tmp_path / "nowhere"), "--db", db)
    assert (missing.exit_code, missing.stderr.strip()) == (
        2,
        f"ownlint: error: {tmp_path / 'nowhere'}: no such file or directory",
    )
    bad = run_cli("audit", str(repo), "--db", str(tmp_path / "a.db"), "--report", str(tmp_path / "r.pdf"), "--no-git")
    assert bad.exit_code == 2 and "the format is chosen by extension" in bad.stderr
    missing_store = run_cli("report", "--db", str(tmp_path / "none.db"), "--report", str(tmp_path / "r.json"))
    assert (missing_store.exit_code, missing_store.stderr.strip()) == (
        2,
        f"ownlint: error: no audit store at {tmp_path / 'none.db'}: run `ownlint audit` first",
    )
    with audit_store.store(str(tmp_path / "empty.db")):
        pass  # a store with its tables and no snapshot
    empty = run_cli("report", "--db", str(tmp_path / "empty.db"), "--report", str(tmp_path / "r.json"))
    assert (empty.exit_code, empty.stderr.strip()) == (
        2,
        "ownlint: error: the audit store holds no snapshot yet: run `ownlint audit` first",
    )


def test_an_older_store_is_migrated_and_a_newer_one_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        audit_store.schema_table.create(connection)
        audit_store.MIGRATIONS[0](connection)
        connection.execute(audit_store.schema_table.insert().values(version=1))
    engine.dispose()
    with audit_store.store(str(tmp_path / "old.db")) as upgraded, upgraded.connect() as connection:
        assert sa.inspect(connection).get_indexes("resources")[0]["name"] == "resources_snapshot"
        versions = connection.execute(sa.select(audit_store.schema_table.c.version)).scalars().all()
        assert versions == [1, 2, 3, 4]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(audit_store.schema_table.insert().values(version=99))
    engine.dispose()
    refused = run_cli("report", "--db", str(tmp_path / "old.db"), "--report", str(tmp_path / "r.json"))
    assert refused.exit_code == 2
    assert refused.stderr.strip().endswith("has schema version 99; this ownlint knows 4")


def test_many_repositories_in_parallel_each_get_a_snapshot(tmp_path: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        write_estate(tmp_path / name, 2, 2)
    db = str(tmp_path / "a.db")
    run = run_cli(
        "audit", *(str(tmp_path / n) for n in ("alpha", "beta", "gamma")), "--db", db, "--jobs", "2", "--no-git"
    )
    assert (run.exit_code, run.stdout.splitlines()[0]) == (0, "recorded 3 snapshots: ownership coverage 100.0%")
    assert sorted(s.repo for s in _snapshots(db)) == ["alpha", "beta", "gamma"]


@pytest.mark.slow
def test_the_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    from PIL import Image
    from tests.servers import CHROMIUM_FLAGS, chromium

    browser = chromium()
    repo = _example(tmp_path)
    db = str(tmp_path / "a.db")
    run_cli("audit", str(repo), "--db", db, "--no-git", "-q", "--today", "2026-11-09")
    iam = repo / "terraform/iam/main.tf"
    iam.write_text(iam.read_text().replace("paltform", "platform"))  # the unowned Namespace stays
    page = tmp_path / "audit.html"
    run_cli("audit", str(repo), "--db", db, "--no-git", "-q", "--today", "2026-11-16", "--report", str(page))
    common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,3000"]
    shot = tmp_path / "audit.png"
    subprocess.run([*common, f"--screenshot={shot}", page.as_uri()], check=True, capture_output=True, timeout=120)
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], check=True, capture_output=True, text=True, timeout=120
    )
    rendered = dom.stdout
    for chart in ("chart-trend", "chart-split", "chart-unowned"):
        figure = rendered[rendered.index(f'id="{chart}"') :]
        assert figure.index("<svg") < figure.index("</figure>")  # the chart is in the rendered page
    assert "2026-W46" in rendered and "2026-W47" in rendered  # both weeks on the trend
    unowned = rendered[rendered.index('<table id="unowned">') :]
    unowned = unowned[: unowned.index("</table>")]
    assert unowned.count("<tr>") == 2 and "<code>Namespace/sandbox</code>" in unowned  # header and the one
    image = Image.open(shot).convert("L")
    assert image.size == (1200, 3000)
    dark = sum(image.histogram()[:128])  # pixels of grey levels 0..127
    assert dark > 0.01 * 1200 * 3000  # text, bars and hatching, not a blank page
