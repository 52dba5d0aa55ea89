"""The audit report (issue 16, items 11-14): owner and operator apart, instance keys, repository
columns, findings and owners listed whole or said to be cut, changes since the last snapshot, honest
charts, suggested owners weighed by their evidence."""

from __future__ import annotations

import csv
import datetime
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import require_git, run_cli, write_tree
from tests.servers import new_database, postgres_server

from ownlint.audit import store as audit_store
from ownlint.audit.inventory import InventoryRow
from ownlint.audit.summary import WeekPoint

CONFIG = """extends: hybrid-it
parties:
  internal: [platform, payments, data-eng]
  msp:
    globex: {location: onshore, contracts: [GLX-1]}
"""
FORMATS = ("html", "md", "csv", "json")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "audit.db")
    return new_database(request.getfixturevalue("server"))


def _audit(tmp_path: Path, *repos: Path, today: str = "2026-11-09", stem: str = "report") -> dict[str, Any]:
    """Audit ``repos`` into the store under ``tmp_path``; every report format, read back."""
    outputs = {ext: tmp_path / f"{stem}.{ext}" for ext in FORMATS}
    reports = [a for path in outputs.values() for a in ("--report", str(path))]
    db = str(tmp_path / "audit.db")
    run = run_cli("audit", *map(str, repos), "--db", db, "--no-git", "--today", today, "--jobs", "1", *reports)
    assert run.exit_code in (0, 1), run.stderr
    return {
        "html": outputs["html"].read_text(),
        "md": outputs["md"].read_text(),
        "csv": list(csv.DictReader(outputs["csv"].open())),
        "json": json.loads(outputs["json"].read_text()),
    }


def _table(html: str, table_id: str) -> str:
    start = html.index(f'<table id="{table_id}"')
    return html[start : html.index("</table>", start)]


def _section(text: str, start: str, end: str) -> str:
    found = text.index(start)
    return text[found : text.index(end, found + len(start))]


def _cells(table: str) -> list[list[str]]:
    """The rows of an HTML table, each as its cells' text without tags."""
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


# --- item 11: accountability (owner) and operation (operated-by) are two columns -----------------

OPERATED = """resource "aws_sqs_queue" "run" {
  tags = { owner = "platform", "operated-by" = "globex", "msp-contract" = "GLX-1" }
}
resource "aws_sqs_queue" "own" {
  tags = { owner = "platform", "operated-by" = "internal" }
}
resource "aws_sqs_queue" "msp" {
  tags = { owner = "globex", "operated-by" = "globex", "msp-contract" = "GLX-1" }
}
resource "aws_sqs_queue" "shared" {
  tags = { owner = "payments", "operated-by" = "shared" }
}
resource "aws_sqs_queue" "none" {
  name = "none"
}
"""


def test_the_owner_is_accountable_and_the_operator_is_reported_beside_it(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "estate", {"ownlint.yaml": CONFIG, "main.tf": OPERATED})
    report = _audit(tmp_path, repo)
    document = report["json"]
    # platform owns what globex runs: platform (internal) answers for it
    assert document["split"] == {"internal": 3, "msp:globex": 1, "unowned": 1}
    assert document["operators"] == {"internal": 1, "msp:globex": 2, "shared": 1, "unset": 1}
    assert document["accountability"] == {
        "internal": {"internal": 1, "msp:globex": 1, "shared": 1},
        "msp:globex": {"msp:globex": 1},
        "unowned": {"unset": 1},
    }
    owners = {o["owner"]: o for o in document["owners"]}
    assert {name: (o["party"], o["operators"]) for name, o in owners.items()} == {
        "globex": ("msp:globex", {"msp:globex": 1}),
        "payments": ("internal", {"shared": 1}),
        "platform": ("internal", {"internal": 1, "msp:globex": 1}),
    }
    rows = {r["address"]: r for r in report["csv"]}
    assert (rows["aws_sqs_queue.run"]["party"], rows["aws_sqs_queue.run"]["operator_party"]) == (
        "internal",
        "msp:globex",
    )
    html = report["html"]
    assert "<h3>platform <small>(internal)</small></h3>" in html and "platform <small>(msp:globex)" not in html
    assert _cells(_table(html, "accountability")) == [
        ["Owner's party \u2193 / operated by \u2192", "internal", "msp:globex", "shared", "unset", "Total"],
        ["internal", "1", "1", "1", "", "3"],
        ["msp:globex", "", "1", "", "", "1"],
        ["unowned", "", "", "", "1", "1"],
    ]
    markdown = report["md"]
    assert "### platform (internal)" in markdown and "(msp:globex): 1 resources" not in markdown
    assert "| internal | 1 | 1 | 1 |  | 3 |" in markdown


# --- item 12: instance keys, repository columns, nothing cut silently, owners' resources, changes --

INSTANCES = """resource "aws_sqs_queue" "q" {
  for_each = toset(["audit", "settlements"])
  tags     = { Name = each.key }
}
"""


def test_for_each_instances_keep_their_keys_in_every_format(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "estate", {"ownlint.yaml": CONFIG, "main.tf": INSTANCES})
    report = _audit(tmp_path, repo)
    rows = [r for r in report["csv"] if r["address"] == "aws_sqs_queue.q"]
    assert [r["instances"] for r in rows] == ['aws_sqs_queue.q["audit"]', 'aws_sqs_queue.q["settlements"]']
    assert len({tuple(r.values()) for r in rows}) == 2  # no two identical rows
    unowned = report["json"]["unowned"]
    assert [u["instances"] for u in unowned] == [['aws_sqs_queue.q["audit"]'], ['aws_sqs_queue.q["settlements"]']]
    assert "aws_sqs_queue.q[&#34;settlements&#34;]" in _table(report["html"], "unowned")
    assert 'aws_sqs_queue.q["settlements"]' in _section(report["md"], "## Unowned resources", "## Top findings")


def test_the_store_keeps_instances_and_evidence_in_both_backends(store_url: str) -> None:
    many = tuple(f'aws_sqs_queue.q["{n:05d}"]' for n in range(2000))  # more than a column holds
    rows = [
        _row("aws_sqs_queue.q", instances=('aws_sqs_queue.q["a\x00b"]', 'aws_sqs_queue.q["c, d"]')),
        _row("aws_sqs_queue.r", instances=many),
        _row(
            "aws_sqs_queue.s",
            suggested_owner="payments",
            suggestion_strength="medium",
            suggestion_evidence=("x; y", "z"),
        ),
    ]
    with audit_store.store(store_url) as engine:
        snapshot_id = audit_store.write_snapshot(engine, _snapshot("r", rows))
        stored, _ = audit_store.snapshot_rows(engine, snapshot_id)
    by_address = {r.address: r for r in stored}
    assert by_address["aws_sqs_queue.q"].instances == ('aws_sqs_queue.q["a\ufffdb"]', 'aws_sqs_queue.q["c, d"]')
    kept = by_address["aws_sqs_queue.r"].instances
    assert kept[:-1] == many[: len(kept) - 1] and kept[-1] == f"\u2026 and {len(many) - len(kept) + 1} more"
    assert len(json.dumps(kept)) <= audit_store.MAX_TEXT
    suggested = by_address["aws_sqs_queue.s"]
    assert (suggested.suggestion_strength, suggested.suggestion_evidence) == ("medium", ("x; y", "z"))


def test_a_store_of_schema_3_is_read_and_migrated_as_it_was_meant(tmp_path: Path) -> None:
    """Version 3 counted an operating MSP as the accountable party and held evidence as one text."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(VERSION_3_RESOURCES)
        connection.exec_driver_sql(
            "CREATE TABLE snapshots (id INTEGER PRIMARY KEY, run_id VARCHAR(36) NOT NULL UNIQUE, taken_at DATETIME "
            'NOT NULL, repo VARCHAR(400) NOT NULL, "commit" VARCHAR(64), tool_version VARCHAR(40) NOT NULL, '
            "resources INTEGER NOT NULL, in_scope INTEGER NOT NULL, owned INTEGER NOT NULL, unowned INTEGER NOT NULL, "
            "findings INTEGER NOT NULL)"
        )
        connection.exec_driver_sql(
            "CREATE TABLE findings (snapshot_id INTEGER NOT NULL, rule VARCHAR(10) NOT NULL, name VARCHAR(100) NOT NULL,"
            " severity VARCHAR(10) NOT NULL, resource TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL, "
            "message TEXT NOT NULL, fingerprint VARCHAR(64) NOT NULL)"
        )
        connection.exec_driver_sql("CREATE TABLE ownlint_schema (version INTEGER NOT NULL)")
        connection.exec_driver_sql("INSERT INTO ownlint_schema VALUES (1), (2), (3)")
        connection.exec_driver_sql(
            "INSERT INTO snapshots VALUES (1, 'run', '2026-11-09 12:00:00', 'r', NULL, '0', 4, 4, 3, 1, 0)"
        )
        for address, owner, party, operator, evidence in (
            ("a", "platform", "msp:globex", "globex", None),
            ("b", "globex", "msp:globex", "globex", None),
            ("c", "payments", "shared", "shared", None),
            ("d", None, "unowned", None, "CODEOWNERS: @x; 1 of 1 owned siblings"),
        ):
            connection.exec_driver_sql(
                "INSERT INTO resources VALUES (1, ?, 'aws_sqs_queue', 'terraform', 'main.tf', 1, '.', NULL, 'data', 1, "
                "?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
                (address, owner, "missing" if owner is None else "present", party, operator, "present", None, evidence),
            )
    engine.dispose()
    expected = [
        ("a", "internal", "msp:globex", ()),
        ("b", "msp:globex", "msp:globex", ()),
        ("c", "internal", "shared", ()),
        ("d", "unowned", "unrecorded", ()),
    ]
    read = run_cli("report", "--db", str(tmp_path / "old.db"), "--report", str(tmp_path / "r.json"))
    assert (read.exit_code, read.stderr) == (0, "")  # read as it is: a report never migrates
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["accountability"] == {
        "internal": {"msp:globex": 1, "shared": 1},
        "msp:globex": {"msp:globex": 1},
        "unowned": {"unrecorded": 1},
    }
    with audit_store.store(str(tmp_path / "old.db"), read_only=True) as reader:
        rows, _ = audit_store.snapshot_rows(reader, 1)
    assert [(r.address, r.party, r.operator_party, r.instances) for r in rows] == expected
    with audit_store.store(str(tmp_path / "old.db")) as upgraded:
        rows, _ = audit_store.snapshot_rows(upgraded, 1)
        with upgraded.connect() as connection:
            versions = connection.execute(sa.select(audit_store.schema_table.c.version)).scalars().all()
    assert versions == [1, 2, 3, 4]
    assert [(r.address, r.party, r.operator_party, r.instances) for r in rows] == expected
    assert rows[3].suggestion_evidence == ("CODEOWNERS: @x; 1 of 1 owned siblings",)


VERSION_3_RESOURCES = """CREATE TABLE resources (snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
address TEXT NOT NULL, resource_type TEXT NOT NULL, source VARCHAR(20) NOT NULL, file TEXT NOT NULL,
line INTEGER NOT NULL, stack TEXT NOT NULL, namespace TEXT, category TEXT NOT NULL, in_scope BOOLEAN NOT NULL,
owner TEXT, owner_state VARCHAR(10) NOT NULL, party TEXT NOT NULL, operator TEXT, operator_state VARCHAR(10) NOT NULL,
classification TEXT, compliance_scope TEXT, suggested_owner TEXT, suggestion_evidence TEXT)"""


ORPHAN = 'resource "aws_sqs_queue" "orphan" {\n  name = "orphan"\n}\n'


def test_reports_of_several_repositories_say_which_repository_each_row_is_in(tmp_path: Path) -> None:
    alpha = write_tree(tmp_path / "alpha", {"ownlint.yaml": CONFIG, "main.tf": ORPHAN})
    beta = write_tree(tmp_path / "beta", {"ownlint.yaml": CONFIG, "main.tf": ORPHAN})
    report = _audit(tmp_path, alpha, beta)
    unowned = _cells(_table(report["html"], "unowned"))
    assert unowned[0][0] == "Repository" and sorted(r[0] for r in unowned[1:]) == ["alpha", "beta"]
    findings = _cells(_table(report["html"], "finding-list"))
    assert findings[0][0] == "Repository" and {r[0] for r in findings[1:]} == {"alpha", "beta"}
    directories = _cells(_table(report["html"], "unowned-by-directory"))
    assert directories == [["Repository", "Directory or stack", "Unowned"], ["alpha", ".", "1"], ["beta", ".", "1"]]
    markdown = _section(report["md"], "## Unowned resources", "## Top findings")
    assert (
        markdown.count("| alpha | `aws_sqs_queue.orphan`") == 1
        and markdown.count("| beta | `aws_sqs_queue.orphan`") == 1
    )
    document = report["json"]
    assert sorted(u["repo"] for u in document["unowned"]) == ["alpha", "beta"]
    assert {f["repo"] for f in document["findings"]} == {"alpha", "beta"}
    assert document["unowned_by_directory"] == [
        {"repo": "alpha", "directory": ".", "unowned": 1},
        {"repo": "beta", "directory": ".", "unowned": 1},
    ]


def test_the_findings_list_says_when_it_is_cut_and_the_json_holds_them_all(tmp_path: Path) -> None:
    queues = "".join(f'resource "aws_sqs_queue" "q{n:03d}" {{\n  name = "q{n}"\n}}\n' for n in range(60))
    repo = write_tree(tmp_path / "estate", {"ownlint.yaml": CONFIG, "main.tf": queues})
    report = _audit(tmp_path, repo)
    total = len(report["json"]["findings"])
    assert total == 180  # OWN001, OWN004, OWN005 on each queue
    assert sum(r["count"] for r in report["json"]["top_rules"]) == total
    assert len(_cells(_table(report["html"], "finding-list"))) == 1 + 100
    assert (
        f"Showing the first 100 of {total} findings (errors first); the JSON report lists them all." in report["html"]
    )
    markdown = _section(report["md"], "## Findings", "## Accountability by owner")
    assert markdown.count("| OWN00") == 100
    assert f"Showing the first 100 of {total} findings (errors first); the JSON report lists them all." in markdown
    assert "Showing the first 100 of 60 unowned resources" not in report["md"]  # all 60 fit


def test_each_owner_section_lists_its_resources(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "estate", {"ownlint.yaml": CONFIG, "main.tf": OPERATED})
    report = _audit(tmp_path, repo)
    platform = {o["owner"]: o for o in report["json"]["owners"]}["platform"]
    assert [(r["address"], r["operator_party"]) for r in platform["resources"]] == [
        ("aws_sqs_queue.own", "internal"),
        ("aws_sqs_queue.run", "msp:globex"),
    ]
    html = _section(report["html"], "<h3>platform", "</table>")
    assert "<code>aws_sqs_queue.own</code>" in html and "<code>aws_sqs_queue.run</code>" in html
    markdown = report["md"][report["md"].index("### platform (internal)") :]
    assert "`aws_sqs_queue.own`" in markdown and "`aws_sqs_queue.run`" in markdown


CHANGING = {
    "before": """resource "aws_sqs_queue" "fixed" {
  name = "fixed"
}
resource "aws_sqs_queue" "removed" {
  name = "removed"
}
resource "aws_sqs_queue" "kept" {
  name = "kept"
}
resource "aws_sqs_queue" "q" {
  for_each = toset(["a", "b"])
  name     = each.key
}
""",
    "after": """resource "aws_sqs_queue" "fixed" {
  tags = { owner = "payments" }
}
resource "aws_sqs_queue" "kept" {
  name = "kept"
}
resource "aws_sqs_queue" "added" {
  name = "added"
}
resource "aws_sqs_queue" "q" {
  for_each = toset(["a", "b"])
  tags     = each.key == "a" ? { owner = "payments" } : {}
}
""",
}


def test_changes_since_the_last_snapshot_list_new_and_fixed_unowned_resources(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "estate", {"ownlint.yaml": CONFIG, "main.tf": CHANGING["before"]})
    first = _audit(tmp_path, repo, today="2026-11-09", stem="first")
    assert first["json"]["changes"] == [{"repo": "estate", "previous": None, "new_unowned": [], "fixed": []}]
    (repo / "main.tf").write_text(CHANGING["after"])
    report = _audit(tmp_path, repo, today="2026-11-16", stem="second")
    [change] = report["json"]["changes"]
    assert change["previous"] == "2026-11-09T12:00:00+00:00"
    assert [(c["address"], c["instances"]) for c in change["new_unowned"]] == [("aws_sqs_queue.added", [])]
    assert [(c["address"], c["instances"], c["now"]) for c in change["fixed"]] == [
        ("aws_sqs_queue.fixed", [], "owned by payments"),
        ("aws_sqs_queue.q", ['aws_sqs_queue.q["a"]'], "owned by payments"),
        ("aws_sqs_queue.removed", [], "removed"),
    ]
    html = _cells(_table(report["html"], "changes"))
    assert html == [
        ["Change", "Resource", "Where", "Now"],
        ["new unowned", "aws_sqs_queue.added", "main.tf:7", "unowned"],
        ["fixed", "aws_sqs_queue.fixed", "main.tf:1", "owned by payments"],
        ["fixed", "aws_sqs_queue.q[&#34;a&#34;]", "main.tf:10", "owned by payments"],
        ["fixed", "aws_sqs_queue.removed", "main.tf:4", "removed"],
    ]
    markdown = _section(report["md"], "## Changed since the last snapshot", "## Unowned by category")
    assert "1 new unowned, 3 fixed since 2026-11-09" in markdown and "| fixed | `aws_sqs_queue.removed` |" in markdown
    changes = {(r["address"], r["instances"]): r["change"] for r in report["csv"]}
    assert changes[("aws_sqs_queue.added", "")] == "new unowned"
    assert changes[("aws_sqs_queue.fixed", "")] == "fixed"
    assert changes[("aws_sqs_queue.kept", "")] == ""


# --- item 13: charts are honest small multiples ------------------------------------------------


def _weeks(count: int) -> list[WeekPoint]:
    start = datetime.date(2026, 1, 5)
    points = []
    for n in range(count):
        iso = (start + datetime.timedelta(weeks=n)).isocalendar()
        coverage = min(100.0, 81.0 + n * 1.7 if n % 5 else 81.0 + n * 1.6)
        points.append(WeekPoint(f"{iso.year}-W{iso.week:02d}", round(coverage, 1), max(0, 3 - n // 4)))
    return points


def _texts(figure: Any) -> list[tuple[str, Any]]:
    """Every visible, non-empty text of a drawn figure, with its box on the canvas."""
    from matplotlib.text import Text

    renderer = figure.canvas.get_renderer()
    found = []
    for text in figure.findobj(Text):
        if text.get_visible() and text.get_text().strip() and all(a.get_visible() for a in _ancestors(text)):
            found.append((text.get_text(), text.get_window_extent(renderer)))
    return found


def _ancestors(artist: Any) -> list[Any]:
    chain = []
    while artist is not None:
        chain.append(artist)
        artist = getattr(artist, "axes", None) if artist is not getattr(artist, "axes", None) else None
    return chain


def _overlaps(texts: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [
        (a, b)
        for i, (a, box_a) in enumerate(texts)
        for b, box_b in texts[i + 1 :]
        if box_a.x0 < box_b.x1 and box_b.x0 < box_a.x1 and box_a.y0 < box_b.y1 and box_b.y0 < box_a.y1
    ]


@pytest.mark.parametrize("weeks", [1, 2, 12, 52])
def test_the_trend_is_two_panels_with_integer_counts_and_no_overlapping_text(weeks: int) -> None:
    from ownlint.report.audit import charts as audit_charts

    with audit_charts.chart_style():
        figure = audit_charts.trend_figure(_weeks(weeks))
        figure.canvas.draw()
        panels = figure.get_axes()
        assert len(panels) == 2  # coverage and unowned, each on its own axis: no twin axis
        boxes = [p.get_window_extent() for p in panels]
        assert boxes[0].y0 >= boxes[1].y1 or boxes[1].y0 >= boxes[0].y1  # stacked, not drawn over each other
        percent, counts = panels
        assert percent.get_ylim()[0] == 0 and percent.get_ylim()[1] >= 100
        assert "%" in percent.get_ylabel() and "unowned" in counts.get_ylabel()
        assert all(float(t).is_integer() for t in counts.get_yticks())
        assert counts.get_ylim()[0] == 0
        assert _overlaps(_texts(figure)) == []
        width = counts.get_window_extent().width
        bars = [p.get_window_extent().width for p in counts.patches]
        assert len(bars) == weeks and max(bars) <= 0.12 * width  # one week is no wall
        shown = [t.get_text() for t in counts.get_xticklabels() if t.get_visible() and t.get_text()]
        assert shown[-1] == _weeks(weeks)[-1].week  # the latest week is always named


def test_bar_charts_count_in_whole_numbers_without_overlapping_text() -> None:
    from ownlint.report.audit import charts as audit_charts

    with audit_charts.chart_style():
        figure = audit_charts.bars_figure(
            "Resources by party",
            [("Accountable (owner)", [("internal", 3), ("msp:globex", 1)]), ("Operated by", [("msp:globex", 2)])],
            "resources",
        )
        figure.canvas.draw()
        assert len(figure.get_axes()) == 2
        for panel in figure.get_axes():
            assert all(float(t).is_integer() for t in panel.get_xticks())
        assert _overlaps(_texts(figure)) == []


def _history_store(tmp_path: Path, weeks: int) -> str:
    """A store holding ``weeks`` weekly snapshots of one repository, coverage rising."""
    db = str(tmp_path / f"history-{weeks}.db")
    with audit_store.store(db) as engine:
        for n, point in enumerate(_weeks(weeks)):
            owned = min(round(point.coverage), 100 - point.unowned)
            rows = [
                _row(f"aws_sqs_queue.q{i}", owner="platform", owner_state="present", party="internal")
                for i in range(owned)
            ]
            rows += [_row(f"aws_sqs_queue.u{i}") for i in range(point.unowned)]
            rows += [
                _row(f"aws_sqs_queue.x{i}", owner="?", owner_state="unknown", party="unknown")
                for i in range(100 - owned - point.unowned)
            ]
            moment = datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.timezone.utc) + datetime.timedelta(weeks=n)
            audit_store.write_snapshot(engine, _snapshot("estate", rows, moment))
    return db


def render_history(tmp_path: Path, weeks: int, shots: Path) -> Path:
    """The HTML report of ``weeks`` weeks of history, rendered by headless Chromium into ``shots``: the PNG."""
    from tests.servers import CHROMIUM_FLAGS, chromium

    browser = chromium()
    page = tmp_path / f"history-{weeks}.html"
    assert run_cli("report", "--db", _history_store(tmp_path, weeks), "--report", str(page)).exit_code == 0
    shot = shots / f"audit-{weeks}-weeks.png"
    common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1400"]
    subprocess.run([*common, f"--screenshot={shot}", page.as_uri()], check=True, capture_output=True, timeout=120)
    return shot


@pytest.mark.slow
@pytest.mark.parametrize("weeks", [1, 2, 12])
def test_the_trend_renders_in_headless_chromium(tmp_path: Path, weeks: int) -> None:
    from PIL import Image

    shot = render_history(tmp_path, weeks, tmp_path)
    image = Image.open(shot).convert("L")
    assert image.size == (1200, 1400) and sum(image.histogram()[:128]) > 0.005 * 1200 * 1400


# --- item 14: suggested owners weigh their evidence and say how strong it is -------------------


def _git_repo(root: Path, files: dict[str, str]) -> Path:
    git = require_git()
    write_tree(root, files)
    for args in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-qm", "x"],
    ):
        subprocess.run([git, *args], cwd=root, check=True, capture_output=True)
    return root


def _suggested(tmp_path: Path, repo: Path, use_git: bool = False) -> dict[str, dict[str, Any]]:
    report = tmp_path / "suggested.json"
    options = () if use_git else ("--no-git",)
    run = run_cli("audit", str(repo), "--db", str(tmp_path / "s.db"), *options, "--report", str(report))
    assert run.exit_code in (0, 1), run.stderr
    return {u["address"]: u for u in json.loads(report.read_text())["unowned"]}


def test_a_person_is_never_suggested_as_owner(tmp_path: Path) -> None:
    repo = _git_repo(tmp_path / "repo", {"ownlint.yaml": CONFIG, "main.tf": ORPHAN})
    orphan = _suggested(tmp_path, repo, use_git=True)["aws_sqs_queue.orphan"]
    assert (orphan["suggested_owner"], orphan["suggestion_strength"]) == (None, None)
    assert orphan["suggestion_evidence"] == [
        "last git author of main.tf:1: dev@example.com, a person: a contact, not an owner value"
    ]


def test_a_git_author_mapped_to_a_team_by_codeowners_teams_is_weak_evidence(tmp_path: Path) -> None:
    config = CONFIG + "codeowners:\n  teams:\n    dev@example.com: payments\n"
    repo = _git_repo(tmp_path / "repo", {"ownlint.yaml": config, "main.tf": ORPHAN})
    orphan = _suggested(tmp_path, repo, use_git=True)["aws_sqs_queue.orphan"]
    assert (orphan["suggested_owner"], orphan["suggestion_strength"]) == ("payments", "weak")
    assert orphan["suggestion_evidence"] == [
        "last git author of main.tf:1: dev@example.com, whom codeowners.teams maps to 'payments' (weak)"
    ]


def _siblings(owners: list[str]) -> str:
    return ORPHAN + "".join(
        f'resource "aws_sqs_queue" "s{n}" {{\n  tags = {{ owner = "{owner}" }}\n}}\n' for n, owner in enumerate(owners)
    )


@pytest.mark.parametrize(
    ("owners", "expected", "evidence"),
    [
        (
            ["payments"],
            (None, None),
            "1 of 1 owned siblings in root module . are owned by 'payments': too few to suggest (it takes 3, two thirds of them agreeing)",
        ),
        (
            ["payments", "payments", "platform", "platform"],
            (None, None),
            "2 of 4 owned siblings in root module . are owned by 'payments': no clear majority (it takes two thirds)",
        ),
        (
            ["payments", "payments", "payments"],
            ("payments", "medium"),
            "3 of 3 owned siblings in root module . are owned by 'payments' (medium)",
        ),
    ],
)
def test_siblings_suggest_a_team_only_when_enough_of_them_agree(
    tmp_path: Path, owners: list[str], expected: tuple[str | None, str | None], evidence: str
) -> None:
    repo = write_tree(tmp_path / "repo", {"ownlint.yaml": CONFIG, "main.tf": _siblings(owners)})
    orphan = _suggested(tmp_path, repo)["aws_sqs_queue.orphan"]
    assert (orphan["suggested_owner"], orphan["suggestion_strength"]) == expected
    assert orphan["suggestion_evidence"] == [evidence]


def _audited(tmp_path: Path, files: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """The unowned rows of an audit of ``files`` (without git), by stack and address."""
    repo = write_tree(tmp_path / "repo", files)
    report = tmp_path / "s.json"
    run = run_cli("audit", str(repo), "--db", str(tmp_path / "s.db"), "--no-git", "--report", str(report))
    assert run.exit_code in (0, 1), run.stderr
    return {(u["stack"], u["address"]): u for u in json.loads(report.read_text())["unowned"]}


def test_codeowners_suggest_an_owner_only_through_codeowners_teams(tmp_path: Path) -> None:
    unowned = _audited(
        tmp_path,
        {
            "CODEOWNERS": "/infra/ @acme/platform\n/mapped/ @acme/web\n",
            "ownlint.yaml": CONFIG + "codeowners:\n  teams:\n    '@acme/web': payments\n",
            "infra/main.tf": ORPHAN,
            "mapped/main.tf": ORPHAN,
        },
    )
    infra = unowned[("infra", "aws_sqs_queue.orphan")]
    assert (infra["suggested_owner"], infra["suggestion_strength"]) == (None, None)
    assert infra["suggestion_evidence"] == [
        "CODEOWNERS: @acme/platform: a contact, not an owner value (no codeowners.teams entry maps it)"
    ]
    mapped = unowned[("mapped", "aws_sqs_queue.orphan")]
    assert (mapped["suggested_owner"], mapped["suggestion_strength"]) == ("payments", "strong")
    assert mapped["suggestion_evidence"] == [
        "CODEOWNERS: @acme/web, which codeowners.teams maps to 'payments' (strong)"
    ]


def test_a_module_call_owner_is_strong_and_conflicting_evidence_suggests_nothing(tmp_path: Path) -> None:
    call = 'module "jobs" {{\n  source = "../modules/jobs"\n  tags   = {{ owner = "{owner}" }}\n}}\n'
    unowned = _audited(
        tmp_path,
        {
            "CODEOWNERS": "/modules/ @acme/web\n",
            "ownlint.yaml": CONFIG + "codeowners:\n  teams:\n    '@acme/web': payments\n",
            "agree/main.tf": call.format(owner="payments"),
            "conflict/main.tf": call.format(owner="platform"),
            "modules/jobs/main.tf": 'variable "tags" {\n  type = map(string)\n}\n' + ORPHAN,
        },
    )
    agree = unowned[("agree", "module.jobs.aws_sqs_queue.orphan")]
    assert (agree["suggested_owner"], agree["suggestion_strength"]) == ("payments", "strong")
    assert agree["suggestion_evidence"] == [
        "module call module.jobs is owned by 'payments' (strong)",
        "CODEOWNERS: @acme/web, which codeowners.teams maps to 'payments' (strong)",
    ]
    conflict = unowned[("conflict", "module.jobs.aws_sqs_queue.orphan")]
    assert (conflict["suggested_owner"], conflict["suggestion_strength"]) == (None, None)
    assert conflict["suggestion_evidence"] == [
        "module call module.jobs is owned by 'platform' (strong)",
        "CODEOWNERS: @acme/web, which codeowners.teams maps to 'payments' (strong)",
        "no suggestion: the evidence conflicts ('payments' 3, 'platform' 3)",
    ]


def test_the_strength_and_the_evidence_are_in_every_format(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"ownlint.yaml": CONFIG, "main.tf": _siblings(["payments"] * 3)})
    report = _audit(tmp_path, repo)
    evidence = "3 of 3 owned siblings in root module . are owned by &#39;payments&#39; (medium)"
    assert '<b>payments</b> <span class="strength">medium</span>' in report["html"] and evidence in report["html"]
    assert (
        "| payments (medium) | 3 of 3 owned siblings in root module . are owned by 'payments' (medium) |"
        in report["md"]
    )
    [orphan] = [r for r in report["csv"] if r["address"] == "aws_sqs_queue.orphan"]
    assert (orphan["suggested_owner"], orphan["suggestion_strength"]) == ("payments", "medium")
    assert orphan["suggestion_evidence"] == "3 of 3 owned siblings in root module . are owned by 'payments' (medium)"


# --- helpers -------------------------------------------------------------------------------------


def _row(address: str, **changes: Any) -> InventoryRow:
    values: dict[str, Any] = dict(
        address=address,
        resource_type="aws_sqs_queue",
        source="terraform",
        file="main.tf",
        line=1,
        stack=".",
        namespace=None,
        category="data",
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


def _snapshot(repo: str, rows: list[InventoryRow], moment: datetime.datetime | None = None) -> audit_store.Snapshot:
    taken = moment or datetime.datetime(2026, 11, 9, 12, tzinfo=datetime.timezone.utc)
    return audit_store.Snapshot(repo, None, "0", tuple(rows), (), taken)
