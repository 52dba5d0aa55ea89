"""Repository text reaching a terminal, a CI log, Markdown, CSV, XML or SARIF; reports written through
links the pull request commits (issue 15, items 3, 14 and 15).

Names in the scanned tree are the attacker's: a Kubernetes ``metadata.name``, an HCL block label (its
string escapes decode ``\\n`` and ``\\u001b``), a file, directory, symlink or Helm chart directory name.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from junitparser import JUnitXml
from markdown_it import MarkdownIt
from tests.conftest import ROOT, Run, run_cli

from ownlint.cli import cli

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())

# a Kubernetes name that forges an annotation, masks a word, clears the screen, hides a hyperlink, sets
# the window title, reverses the text that follows it and carries a C1 CSI and a zero-width space
NAME = (
    "a\n::error file=x::forged\r##[add-mask]s3cret \x1b[2J\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ "
    "\x1b]0;title\x07 \u202eevil\u2069 \x9b31m \u200b end"
)
LABEL = "q\n::stop-commands::x\x1b[31mRED\x1b]0;t\x07"  # an HCL resource label, through string escapes
MODULE = "m\n::error file=y::forged"  # an HCL module label: its note names it
LINK = "link\n::warning::l.yaml"  # a symlink leaving the tree: its note names it
DIRECTORY = "dir\n::notice::d"  # findings in it carry the name in their file
CHART = "chart\n::error::c"  # a Helm chart whose templates are skipped with a note
# how NAME must be shown on a terminal: every control and format character, a backslash and GitHub's
# legacy command prefix as visible escapes
NAME_SHOWN = (
    "a\\n::error file=x::forged\\r##\\x5badd-mask]s3cret \\x1b[2J\\x1b]8;;http://evil.example\\x1b\\\\link"
    "\\x1b]8;;\\x1b\\\\ \\x1b]0;title\\x07 \\u202eevil\\u2069 \\x9b31m \\u200b end"
)

# what ownlint itself writes: its colours and its own annotations
OWN_COLOURS = re.compile(r"\x1b\[(?:0|1|2|31|33|36)m")
ANNOTATION = re.compile(
    r"::(error|warning|notice) file=[^,:\s]*(,line=\d+,endLine=\d+)?,title=OWN\d{3} [a-z-]+::[^\r]*"
)


def manifest(name: str, namespace: str = "default", extra: str = "") -> str:
    """A ConfigMap named ``name``; JSON string escapes are YAML double-quoted escapes."""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {json.dumps(name)}\n  namespace: {namespace}\n{extra}"


def hcl(text: str) -> str:
    return json.dumps(text)  # \n, \r, \t, \", \\ and \uNNNN are HCL string escapes too


def hostile_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir()
    (root / "main.tf").write_text(
        f'resource "aws_sqs_queue" {hcl(LABEL)} {{\n  # \x1b]0;pwned\x07 a comment\n}}\n\n'
        f'module {hcl(MODULE)} {{\n  source = "git::https://example.com/m.git"\n}}\n'
    )
    (root / "k.yaml").write_text(manifest(NAME, extra="data:\n  x: |\n    ::error file=z::from-a-diff\n"))
    (root / DIRECTORY).mkdir()
    (root / DIRECTORY / "k2.yaml").write_text(manifest("b"))
    outside = root.parent / "outside.yaml"
    outside.write_text(manifest("outside"))
    (root / LINK).symlink_to(outside)
    chart = root / CHART
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n"
    )
    return root


def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
    """As a terminal would get it: click strips no escape sequence (``color=True``)."""
    result = CliRunner().invoke(cli, list(args), env=env, color=True, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def unsafe(text: str) -> list[str]:
    """What would act on a terminal or a CI log: control and format characters (ownlint's own colours
    aside), GitHub's legacy ``##[command]`` anywhere in a line, a line starting with ``::`` after
    leading space (the runner trims it) that is not one of ownlint's own annotations."""
    plain = OWN_COLOURS.sub("", text)
    found = [
        f"U+{ord(c):04X}" for c in plain if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")
    ]
    found += [line for line in plain.split("\n") if "##[" in line or "##vso[" in line.lower()]
    found += [line for line in plain.split("\n") if line.lstrip().startswith("::") and not ANNOTATION.fullmatch(line)]
    return found


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = hostile_tree(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


CHECKS = {
    "default under GitHub Actions": ((), {"GITHUB_ACTIONS": "true"}),
    "text": (("--format", "text"), {}),
    "text in colour": (("--format", "text", "--color", "always", "--show-suppressed"), {}),
    "github": (("--format", "github"), {}),
    "markdown": (("--format", "markdown"), {}),
    "json": (("--format", "json"), {}),
    "sarif": (("--format", "sarif"), {}),
    "junit": (("--format", "junit"), {}),
    "gitlab": (("--format", "gitlab"), {}),
}


# ---- item 3: terminals and CI logs ---------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CHECKS))
def test_no_repository_text_acts_on_a_terminal_or_a_ci_log(hostile: Path, case: str) -> None:
    args, env = CHECKS[case]
    run = invoke("check", ".", *args, env={"GITHUB_ACTIONS": "", **env})
    assert run.exit_code == 1, run.stderr
    assert unsafe(run.stderr) == []
    assert unsafe(run.stdout) == []
    assert run.stderr.count("\n") == 3  # three notes, one line each


def test_notes_show_the_names_escaped_visibly(hostile: Path) -> None:
    notes = invoke("check", ".", "--format", "json").stderr.splitlines()
    assert "note: skipped 1 symlink pointing outside the scanned tree: link\\n::warning::l.yaml" in notes
    assert any(n.startswith("note: skipped 1 Helm chart template file in chart\\n::error::c: render") for n in notes)
    assert any(
        n.startswith("note: 1 module call(s) not followed, their resources are not checked: module.m\\n::error file=y")
        for n in notes
    )


def test_text_shows_names_escaped_and_json_keeps_them_raw(hostile: Path) -> None:
    text = invoke("check", ".", "--format", "text").stdout
    assert "aws_sqs_queue.q\\n::stop-commands::x\\x1b[31mRED\\x1b]0;t\\x07 has no owner" in text
    assert "dir\\n::notice::d/k2.yaml\n" in text
    assert f"ConfigMap/default/{NAME_SHOWN} has no owner" in text
    document = json.loads(invoke("check", ".", "--format", "json").stdout)
    resources = {f["resource"] for f in document["findings"]}
    assert {f"ConfigMap/default/{NAME}", f"aws_sqs_queue.{LABEL}"} <= resources
    assert f"{DIRECTORY}/k2.yaml" in {f["file"] for f in document["findings"]}
    sarif = json.loads(invoke("check", ".", "--format", "sarif").stdout)
    fingerprints = [r["partialFingerprints"]["ownlint/v1"] for r in sarif["runs"][0]["results"]]
    assert fingerprints == [f["fingerprint"] for f in document["findings"]]


def test_github_annotations_escape_data_and_properties_completely(hostile: Path) -> None:
    lines = invoke("check", ".", "--format", "github").stdout.splitlines()
    [moved] = [line for line in lines if "k2.yaml" in line and "OWN001" in line]
    assert moved.startswith("::error file=dir\\n%3A%3Anotice%3A%3Ad/k2.yaml,line=1,endLine=")
    [forged] = [line for line in lines if "s3cret" in line and "OWN001" in line]
    assert f"::ConfigMap/default/{NAME_SHOWN} has no owner" in forged


def test_explain_and_errors_are_escaped(hostile: Path) -> None:
    run = invoke("explain", f"ConfigMap/default/{NAME}", ".")
    assert run.exit_code == 0, run.stderr
    assert unsafe(run.stdout) == [] and unsafe(run.stderr) == []
    assert run.stdout.startswith(f"ConfigMap/default/{NAME_SHOWN}  (k8s:ConfigMap, k.yaml:1)\n")
    missing = invoke("explain", "aws_sqs_queue.none\n::error::gone\x1b]0;t\x07", ".")
    assert missing.exit_code == 2
    assert unsafe(missing.stderr) == [] and missing.stderr.count("\n") == 1
    (hostile / "ownlint.yaml").write_text(f"{json.dumps('bad' + MODULE + chr(27) + ']0;t' + chr(7))}: 1\n")
    config = invoke("check", ".")
    assert config.exit_code == 2
    assert unsafe(config.stderr) == [] and config.stderr.count("\n") == 1
    assert config.stderr.startswith("ownlint: error: ")


def test_fix_edit_lines_reasons_and_diff_are_escaped(hostile: Path) -> None:
    run = invoke("fix", ".", "--owner", "platform", "--dry-run", "--diff")
    assert run.exit_code == 1, run.stderr
    assert unsafe(run.stdout) == [] and unsafe(run.stderr) == []
    assert "would add owner = 'platform' to tags of aws_sqs_queue.q\\n::stop-commands::x\\x1b[31m" in run.stdout
    assert '+    owner: "platform"\n' in run.stdout
    assert f' resource "aws_sqs_queue" {hcl(LABEL)} {{\n' in run.stdout  # source lines keep their backslashes
    assert "   # \\x1b]0;pwned\\x07 a comment\n" in run.stdout
    unfixed = invoke("fix", ".", "--dry-run")
    assert unsafe(unfixed.stdout) == [] and unsafe(unfixed.stderr) == []
    reason = f"not fixed: k.yaml:1: ConfigMap/default/{NAME_SHOWN}: no evidence for owner; give --owner VALUE\n"
    assert reason in unfixed.stderr


def test_graph_names_cannot_break_out_of_dot_strings_or_graphml(tmp_path: Path, monkeypatch: Any) -> None:
    root = hostile_tree(tmp_path / "repo")
    (root / "q.yaml").write_text(manifest('q"uote\\back\\"slash\nnew::x ##[error]g\u202e'))
    monkeypatch.chdir(root)
    dot = invoke("graph", ".", "--format", "dot").stdout
    assert unsafe(dot) == []
    quoted = r'"(?:[^"\\\n]|\\.)*"'
    node = re.compile(rf"  {quoted} \[label={quoted}, shape=\w+\];")
    edge = re.compile(rf'  {quoted} -> {quoted} \[label="\w+"\];')
    lines = dot.splitlines()
    assert lines[0] == "digraph ownlint {" and lines[-1] == "}"
    assert all(node.fullmatch(line) or edge.fullmatch(line) for line in lines[1:-1]), lines
    assert r'"ConfigMap/default/q\"uote\\\\back\\\\\"slash\\nnew::x ##\\x5berror]g\\u202e"' in dot
    graphml = invoke("graph", ".", "--format", "graphml").stdout
    assert unsafe(graphml) == []
    ids = {n.get("id") for n in ElementTree.fromstring(graphml).iter("{http://graphml.graphdrawing.org/xmlns}node")}
    assert f"ConfigMap/default/{NAME_SHOWN}" in ids
    graph_json = invoke("graph", ".", "--format", "json").stdout
    assert unsafe(graph_json) == []
    assert f"ConfigMap/default/{NAME}" in {n["id"] for n in json.loads(graph_json)["nodes"]}


_ESCAPE = re.compile(r"\\(?:([\\nrt])|x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8}))")


def _unescape(shown: str) -> str:
    def one(match: re.Match[str]) -> str:
        short, *codes = match.groups()
        if short:
            return {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}[short]
        return chr(int(next(code for code in codes if code), 16))

    return _ESCAPE.sub(one, shown)


@given(
    st.text(st.characters(codec=None)) | st.sampled_from([" \t::error::x", "a##[add-mask]b", "##VSO[task]", "\\x1b"])
)
def test_terminal_escapes_are_visible_safe_and_unambiguous(text: str) -> None:
    from ownlint.report.escape import terminal

    shown = terminal(text)
    assert unsafe(shown) == [] and "\n" not in shown
    assert _unescape(shown) == text  # one way back: no two texts look the same


def test_terminal_escape_examples() -> None:
    from ownlint.report.escape import terminal

    assert terminal("plain café ünïcode 名前") == "plain café ünïcode 名前"
    assert terminal("a\nb\rc\td\\e") == "a\\nb\\rc\\td\\\\e"
    assert terminal("\x1b[31m\x07\x7f\x85\x9b") == "\\x1b[31m\\x07\\x7f\\x85\\x9b"
    assert terminal("\u202e\u2066\u200b\ufeff\u2028\U000e0041\u3164") == (
        "\\u202e\\u2066\\u200b\\ufeff\\u2028\\U000e0041\\u3164"
    )
    assert terminal("  ::error::x") == "  \\x3a:error::x" and terminal("a ::b") == "a ::b"
    assert terminal("x ##[error]y ##vso[z]") == "x ##\\x5berror]y ##vso\\x5bz]"
    assert terminal("\udcff") == "\\udcff"  # an undecodable byte of a file name


# ---- item 14: Markdown, CSV, XML, SARIF, GitLab, HTML --------------------------------------------------

MD_NAME = "x|y `tick <details><summary>s</summary> [l](http://evil.example) ![i](http://evil.example/i.png) *em* _u_ ~~s~~ &amp; \\| end\n# heading"
MD_DIRECTORY = "d|<b>bold [l](x) `t` *e* &amp;"
FORMULAS = ('=HYPERLINK("http://evil.example","x")', "@SUM(1+1)", "+cmd", "-2+3", "\tx", "\rx")


def visible(text: str) -> str:
    """How a reader must see repository text: backslashes and line breaks as escapes."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def markdown_tree(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "k.yaml").write_text(manifest(MD_NAME))
    (root / MD_DIRECTORY).mkdir()
    (root / MD_DIRECTORY / "m.yaml").write_text(manifest("plain"))
    return root


def rendered_cells(markdown: str) -> tuple[list[Any], list[list[str]]]:
    """Every token markdown-it makes of ``markdown`` (CommonMark with GitHub's tables), and the text of
    each table body row's cells as a reader sees them."""
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(markdown)
    rows: list[list[str]] = []
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and tokens[index - 1].type == "td_open":
            rows[-1].append("".join(child.content for child in token.children or ()))
    children = [child for token in tokens for child in (token.children or ())]
    return [*tokens, *children], rows


def test_markdown_check_output_escapes_every_cell(tmp_path: Path, monkeypatch: Any) -> None:
    root = markdown_tree(tmp_path / "repo")
    monkeypatch.chdir(root)
    markdown = invoke("check", ".", "--format", "markdown").stdout
    findings = json.loads(invoke("check", ".", "--format", "json").stdout)["findings"]
    tokens, rows = rendered_cells(markdown)
    kinds = {token.type for token in tokens}
    assert not kinds & {"link_open", "image", "html_inline", "html_block", "em_open", "strong_open", "s_open"}
    assert [t.markup for t in tokens if t.type == "heading_open"] == ["###"]
    assert rows[1:] == [
        [
            f["severity"],
            f"{f['rule']} {f['name']}",
            visible(f["resource"]),
            visible(f"{f['file']}:{f['line']}"),
            visible(f["message"]),
        ]
        for f in findings
    ]


def test_audit_reports_escape_markdown_neutralise_formulas_and_html(tmp_path: Path, monkeypatch: Any) -> None:
    root = markdown_tree(tmp_path / "repo")
    for number, formula in enumerate(FORMULAS):
        (root / f"f{number}.yaml").write_text(
            manifest(f"f{number}", extra=f"  labels:\n    team: {json.dumps(formula)}\n")
        )
    (root / "=1+2").mkdir()
    (root / "=1+2" / "x.yaml").write_text(manifest('<script>alert(1)</script>"><img src=x onerror=alert(1)>'))
    monkeypatch.chdir(root)
    reports = [str(tmp_path / f"audit.{suffix}") for suffix in ("md", "csv", "html", "json")]
    run = invoke("audit", ".", "--no-git", "--db", str(tmp_path / "audit.db"), *(f"--report={r}" for r in reports))
    assert run.exit_code == 0, run.stderr
    assert unsafe(run.stdout) == [] and unsafe(run.stderr) == []

    markdown = Path(reports[0]).read_text()
    tokens, rows = rendered_cells(markdown)
    assert not {t.type for t in tokens} & {"link_open", "image", "html_inline", "html_block", "em_open", "s_open"}
    assert [t.markup for t in tokens if t.type == "heading_open"].count("#") == 1
    assert [f"ConfigMap/default/{visible(MD_NAME)}"] == [row[0] for row in rows if row and "tick" in row[0]]
    owners = [line for line in markdown.splitlines() if line.startswith("### ")]  # one heading each
    assert len(owners) == len({*FORMULAS}) and [t.markup for t in tokens if t.type == "heading_open"].count(
        "###"
    ) == len(owners)

    with open(reports[1], newline="") as stream:
        table = list(csv.reader(stream))
    assert len({len(row) for row in table}) == 1  # a carriage return in a name starts no row
    cells = [cell for row in table for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {f"'{formula}" for formula in FORMULAS} <= set(cells)
    assert "'=1+2/x.yaml" in cells

    page = Path(reports[2]).read_text()
    tags: set[str] = set()

    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.add(tag)
            assert not [name for name, _ in attrs if name.startswith("on")]

    Tags().feed(page)
    assert not tags & {"script", "img", "details", "a", "iframe"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert json.loads(Path(reports[3]).read_text())["unowned"]


def test_junit_with_characters_xml_forbids_is_well_formed(tmp_path: Path, monkeypatch: Any) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "k.yaml").write_text(manifest("form\ffeed nul\x00 esc\x1b[1m bell\x07 \ufffe end"))
    (root / "d\x1b[1m\x0c").mkdir()
    (root / "d\x1b[1m\x0c" / "m.yaml").write_text(manifest("plain"))
    monkeypatch.chdir(root)
    run = invoke("check", ".", "--format", "junit")
    assert unsafe(run.stdout) == []
    document = ElementTree.fromstring(run.stdout.encode())
    messages = [failure.get("message") for failure in document.iter("failure")]
    assert any("form\\x0cfeed nul\\x00 esc\\x1b[1m bell\\x07 \\ufffe end" in (m or "") for m in messages)
    (tmp_path / "junit.xml").write_text(run.stdout)
    assert len([case for suite in JUnitXml.fromfile(str(tmp_path / "junit.xml")) for case in suite]) == 4


URI = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})+")


def test_sarif_uris_are_percent_encoded_and_valid(tmp_path: Path, monkeypatch: Any) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    odd = "a b%20#frag?q=1 é\nx:y"
    (root / odd).mkdir()
    (root / odd / "m.yaml").write_text(manifest("plain"))
    monkeypatch.chdir(root)
    document = json.loads(invoke("check", ".", "--format", "sarif").stdout)
    jsonschema.validate(document, SARIF_SCHEMA)
    uris = [
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in document["runs"][0]["results"]
        for location in result["locations"]
    ]
    assert uris and all(URI.fullmatch(uri) for uri in uris), uris
    assert not any(uri.split("/")[0].count(":") for uri in uris)  # no segment reads as a scheme
    assert {unquote(uri) for uri in uris} == {f"{odd}/m.yaml"}
    assert uris[0].startswith("a%20b%2520%23frag%3Fq%3D1%20%C3%A9%0Ax%3Ay/m.yaml")


def test_gitlab_code_quality_is_valid_json_with_raw_values_and_safe_in_a_log(hostile: Path) -> None:
    run = invoke("check", ".", "--format", "gitlab")
    assert unsafe(run.stdout) == []
    issues = json.loads(run.stdout)
    assert f"{DIRECTORY}/k2.yaml" in {issue["location"]["path"] for issue in issues}
    assert any(NAME in issue["description"] for issue in issues)


# ---- item 15: reports written through links -----------------------------------------------------------


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository checked out at ``repo`` (the current directory), and ``outside/victim`` beside it."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "k.yaml").write_text(manifest("plain"))
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim").write_text("precious\n")
    monkeypatch.chdir(root)
    return root


def _refused(run: Run, name: str) -> None:
    """Exit 2 with one line of error (after the notes of the scan, if any)."""
    assert run.exit_code == 2, (run.stdout, run.stderr)
    *notes, error = run.stderr.splitlines()
    assert all(note.startswith("note: ") for note in notes)
    assert error.startswith(f"ownlint: error: {name}: not written: ")
    assert "outside the working tree" in error


WRITERS = {
    "check -o": lambda target: ("check", ".", "--format", "sarif", "-o", target),
    "baseline -o": lambda target: ("baseline", ".", "-o", target),
    "init --path": lambda target: ("init", "--path", target),
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_link_leaving_the_tree_is_never_written_through(checkout: Path, writer: str) -> None:
    victim = checkout.parent / "outside" / "victim"
    (checkout / "ownlint.sarif").symlink_to(victim)
    _refused(run_cli(*WRITERS[writer]("ownlint.sarif")), "ownlint.sarif")
    assert victim.read_text() == "precious\n"
    assert (checkout / "ownlint.sarif").is_symlink()


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_dangling_link_or_a_linked_directory_leaving_the_tree_is_refused(checkout: Path, writer: str) -> None:
    outside = checkout.parent / "outside"
    (checkout / "dangling.sarif").symlink_to(outside / "created")
    _refused(run_cli(*WRITERS[writer]("dangling.sarif")), "dangling.sarif")
    assert not (outside / "created").exists()
    (checkout / "reports").symlink_to(outside)
    _refused(run_cli(*WRITERS[writer]("reports/x.sarif")), "reports/x.sarif")
    (checkout / "sub").mkdir()
    (checkout / "sub" / "up").symlink_to("../../outside/victim")  # relative, through a directory of the tree
    _refused(run_cli(*WRITERS[writer]("sub/up")), "sub/up")
    (checkout / "chain").symlink_to(checkout / "sub" / "up")  # a link to a link that leaves
    _refused(run_cli(*WRITERS[writer]("chain")), "chain")
    assert sorted(p.name for p in outside.iterdir()) == ["victim"]
    assert (outside / "victim").read_text() == "precious\n"


def test_audit_report_through_a_link_leaving_the_tree_is_refused(checkout: Path, tmp_path: Path) -> None:
    victim = checkout.parent / "outside" / "victim"
    (checkout / "audit.html").symlink_to(victim)
    run = run_cli("audit", ".", "--no-git", "--db", str(tmp_path / "audit.db"), "--report", "audit.html")
    _refused(run, "audit.html")
    assert victim.read_text() == "precious\n"


def test_a_link_inside_the_tree_is_written_through_and_stays(checkout: Path) -> None:
    (checkout / "reports").mkdir()
    (checkout / "ownlint.sarif").symlink_to("reports/ownlint.sarif")  # dangling until written
    run = run_cli("check", ".", "--format", "sarif", "-o", "ownlint.sarif")
    assert run.exit_code == 1, run.stderr
    assert (checkout / "ownlint.sarif").is_symlink()
    assert json.loads((checkout / "reports" / "ownlint.sarif").read_text())["version"] == "2.1.0"


def test_devices_fifos_and_plain_paths_outside_the_tree_stay_writable(checkout: Path, tmp_path: Path) -> None:
    assert run_cli("check", ".", "--format", "json", "-o", "/dev/null").exit_code == 1
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    elsewhere = tmp_path / "outside" / "report.json"  # named directly: the user chose it
    assert run_cli("check", ".", "--format", "json", "-o", str(elsewhere)).exit_code == 1
    assert json.loads(elsewhere.read_text())["version"] == 1
    fifo = checkout / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert run_cli("check", ".", "--format", "json", "-o", "fifo").exit_code == 1
        assert os.read(reader, 16).startswith(b'{\n  "version"')
    finally:
        os.close(reader)


def test_dev_stdout_is_writable_when_standard_output_is_a_pipe(checkout: Path) -> None:
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "ownlint", "check", ".", "--format", "json", "-o", "/dev/stdout"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stderr) == (1, "")
    assert json.loads(run.stdout)["version"] == 1


def test_outside_git_the_working_tree_is_the_current_directory(tmp_path: Path, monkeypatch: Any) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "k.yaml").write_text(manifest("plain"))
    (tmp_path / "victim").write_text("precious\n")
    (root / "out.json").symlink_to(tmp_path / "victim")
    monkeypatch.chdir(root)
    _refused(run_cli("check", ".", "--format", "json", "-o", "out.json"), "out.json")
    assert (tmp_path / "victim").read_text() == "precious\n"


def test_csv_cells_are_neutralised_as_owasp_advises() -> None:
    from ownlint.report.escape import csv_cell

    assert [csv_cell(f) for f in FORMULAS] == [f"'{f}" for f in FORMULAS]
    assert [csv_cell(t) for t in ("plain", "a-b", "", "'quoted")] == ["plain", "a-b", "", "'quoted"]
    assert csv_cell("\uff1d1+1") == "'\uff1d1+1"  # a full-width equals sign: some spreadsheets fold it
