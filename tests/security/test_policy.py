"""Which config decides policy, the paths it may name, and the suppressions a pull request may write.

- ``codeowners.file`` (and the usual CODEOWNERS places) stay inside the repository and out of ``.git/``;
- ``ownlint.yaml`` is plain YAML of bounded size and depth: no anchors, aliases, tags, duplicate keys,
  and every failure is one located line, never a traceback;
- suppressions name their rules (``all`` written out, reported, never hiding OWN000 or OWN013), are read
  from real comments only, and CI can refuse inline ones (``--no-inline-suppressions``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import ROOT, run_cli

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
OWNED = 'resource "aws_sqs_queue" "q" {\n  tags = { owner = "platform" }\n}\n'
TEAMS = "parties:\n  internal: [platform, web]\ncodeowners:\n  file: {file}\n  teams:\n    '@acme/web': web\n"
TOKEN = "ghs_SECRET0123456789"
GIT_CONFIG = f'[remote "origin"]\n\turl = https://x-access-token:{TOKEN}@github.com/acme/infra.git\n'


def one_line_error(run: Any) -> str:
    """The message of a run that failed with exit 2 and one line on stderr."""
    assert run.exit_code == 2, (run.exit_code, run.stdout, run.stderr)
    assert run.stderr.startswith("ownlint: error: ") and run.stderr.count("\n") == 1, run.stderr
    return str(run.stderr[len("ownlint: error: ") : -1])


def findings(root: Path, *options: str) -> list[tuple[str, str, int]]:
    run = run_cli("check", str(root), "--format", "json", "--select", "OWN000,OWN001,OWN011,OWN013", *options)
    assert run.exit_code in (0, 1), run.stderr
    return [(f["rule"], f["file"], f["line"]) for f in run.json()["findings"]]


# --- codeowners.file and the CODEOWNERS places (issue 15, item 4) ------------------------------------


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        ("../outside/CODEOWNERS", "leads out of the repository (..)"),
        ("docs/../../outside/CODEOWNERS", "leads out of the repository (..)"),
        ("/etc/passwd", "is an absolute path; give one relative to the top of the repository"),
        (".git/config", "points into .git/, which is not part of the repository's content"),
        ("./.GIT/config", "points into .git/, which is not part of the repository's content"),
        ("vendor/.git/config", "points into .git/, which is not part of the repository's content"),
    ],
)
def test_codeowners_file_outside_the_repository_is_a_located_config_error(tree: Any, file: str, problem: str) -> None:
    root = tree({"repo/.git/config": GIT_CONFIG, "repo/ownlint.yaml": TEAMS.format(file=file), "repo/main.tf": OWNED})
    (root / "outside").mkdir()
    (root / "outside" / "CODEOWNERS").write_text("* @acme/web\n")
    message = one_line_error(run_cli("check", str(root / "repo")))
    assert message == f"{root / 'repo' / 'ownlint.yaml'}:4: codeowners.file: {file!r} {problem}"


def test_codeowners_file_through_a_symlink_out_of_the_repository_is_a_config_error(tree: Any) -> None:
    root = tree({"outside/CODEOWNERS": "* @acme/web\n", "repo/.git/HEAD": "ref: refs/heads/main\n"})
    repo = root / "repo"
    (repo / "ownlint.yaml").write_text(TEAMS.format(file="owners/CODEOWNERS"))
    (repo / "main.tf").write_text(OWNED)
    (repo / "owners").symlink_to(root / "outside")
    message = one_line_error(run_cli("check", str(repo)))
    assert message == (
        f"{repo / 'ownlint.yaml'}:4: codeowners.file: 'owners/CODEOWNERS' leads out of the repository through a symlink"
    )


def test_codeowners_file_through_a_symlink_into_git_is_a_config_error(tree: Any) -> None:
    root = tree(
        {"repo/.git/config": GIT_CONFIG, "repo/ownlint.yaml": TEAMS.format(file="OWNERS"), "repo/main.tf": OWNED}
    )
    (root / "repo" / "OWNERS").symlink_to(".git/config")
    message = one_line_error(run_cli("check", str(root / "repo")))
    assert message.endswith("codeowners.file: 'OWNERS' leads into .git/ through a symlink")


@pytest.mark.parametrize("place", ["CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"])
def test_a_usual_codeowners_place_linking_out_of_the_repository_is_not_followed(tree: Any, place: str) -> None:
    config = "parties:\n  internal: [platform, web]\ncodeowners:\n  teams:\n    '@acme/web': web\n"
    root = tree({"outside/CODEOWNERS": "* @acme/web\n", "repo/.git/HEAD": "x\n", "repo/ownlint.yaml": config})
    repo = root / "repo"
    (repo / "main.tf").write_text(OWNED)
    (repo / place).parent.mkdir(parents=True, exist_ok=True)
    (repo / place).symlink_to(root / "outside" / "CODEOWNERS")
    run = run_cli("check", str(repo), "--select", "OWN011", "--format", "json")
    assert run.json()["findings"] == []
    assert f"note: not reading {place}: a symlink that leads out of the repository" in run.stderr.splitlines()
    (repo / place).unlink()
    (repo / place).write_text("* @acme/web\n")  # the same file inside the repository is read (OWN011 drift)
    run = run_cli("check", str(repo), "--select", "OWN011", "--format", "json")
    assert [f["rule"] for f in run.json()["findings"]] == ["OWN011"]


def test_a_symlinked_directory_of_the_usual_places_is_not_followed(tree: Any) -> None:
    config = "parties:\n  internal: [platform, web]\ncodeowners:\n  teams:\n    '@acme/web': web\n"
    root = tree({"outside/CODEOWNERS": "* @acme/web\n", "repo/.git/HEAD": "x\n", "repo/ownlint.yaml": config})
    (root / "repo" / "main.tf").write_text(OWNED)
    (root / "repo" / ".github").symlink_to(root / "outside")
    run = run_cli("check", str(root / "repo"), "--select", "OWN011", "--format", "json")
    assert (run.json()["findings"], run.stderr) == (
        [],
        "note: not reading .github/CODEOWNERS: a symlink that leads out of the repository\n",
    )


def _audit(repo: Path, tmp_path: Path) -> tuple[Any, str]:
    report = tmp_path / "report.json"
    run = run_cli("audit", str(repo), "--db", str(tmp_path / "a.db"), "--report", str(report), "--no-git", "-q")
    return run, report.read_text() if report.exists() else ""


def test_audit_suggestions_never_quote_git_config(tmp_path: Path) -> None:
    """The attack: a directory named like a key of .git/config makes its line a CODEOWNERS rule whose
    'owners' (the clone URL with its token) became the suggested owner of every unowned resource there."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text(GIT_CONFIG)
    (repo / "url").mkdir()
    (repo / "url" / "main.tf").write_text(QUEUE)
    (repo / "ownlint.yaml").write_text("codeowners:\n  file: .git/config\n  teams: {}\n")
    run, report = _audit(repo, tmp_path)
    assert one_line_error(run).endswith(
        "ownlint.yaml:2: codeowners.file: '.git/config' points into .git/, which is not part of the repository's content"
    )
    assert TOKEN not in report
    (repo / "ownlint.yaml").unlink()
    (repo / "CODEOWNERS").symlink_to(".git/config")  # the default place, linking into .git
    run, report = _audit(repo, tmp_path)
    assert run.exit_code == 0, run.stderr
    [orphan] = json.loads(report)["unowned"]
    assert orphan["suggested_owner"] is None and TOKEN not in report


def test_codeowners_in_gitlab_place_is_read(tree: Any) -> None:
    config = "parties:\n  internal: [platform, web]\ncodeowners:\n  teams:\n    '@acme/web': web\n"
    root = tree({".git/HEAD": "x\n", ".gitlab/CODEOWNERS": "* @acme/web\n", "ownlint.yaml": config, "main.tf": OWNED})
    assert findings(root) == [("OWN011", "main.tf", 1)]


# --- ownlint.yaml: plain YAML, bounded (issue 15, item 6) ----------------------------------------------

ANCHORS = "YAML anchors and aliases are not allowed in the config; write the value out"


def _limited() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def test_alias_bomb_config_is_refused_at_once(tmp_path: Path) -> None:
    """Under 500 bytes that expand to 9^9 strings: refused at the first anchor, in a process whose
    memory is capped (today's code ran out of it, or for minutes)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    bomb = "\n".join(lines) + "\nkeys: {owner: *a8}\n"
    assert len(bomb) < 500
    (tmp_path / "ownlint.yaml").write_text(bomb)
    (tmp_path / "main.tf").write_text(QUEUE)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "ownlint", "check", ".", "--no-cache"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_limited,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the alias bomb ran for a minute")
    assert time.monotonic() - started < 20
    assert (done.returncode, done.stderr) == (2, f"ownlint: error: {tmp_path / 'ownlint.yaml'}:1: a0: {ANCHORS}\n")


DEEP_FLOW = "parties:\n  internal: " + "[" * 70 + "]" * 70 + "\n"
DEEP_BLOCK = "parties:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(70))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("keys:\n  owner: &o [owner]\n", f"2: keys.owner: {ANCHORS}"),
        ("keys:\n  owner: *o\n", f"2: keys.owner: {ANCHORS}"),
        (
            "keys:\n  owner: [" + "1" * 5000 + "]\n",
            "2: keys.owner[0]: a number of 5000 characters is too long (at most 100)",
        ),
        (
            "keys:\n  owner: [1" + ":59" * 30000 + "]\n",
            "2: keys.owner[0]: a number of 90001 characters is too long (at most 100)",
        ),
        (
            "waivers:\n  - {rule: OWN001, resource: x, reason: y, expires: 2027-02-30}\n",
            "2: waivers[0].expires: not a valid date or time: day is out of range for month",
        ),
        (
            "waivers:\n  - {rule: OWN001, resource: x, reason: y, expires: 2027-01-31 10:00:00}\n",
            "2: waivers[0].expires: expected a date YYYY-MM-DD, got 2027-01-31 10:00:00",
        ),
        ("keys:\n  owner: [a]\n  owner: [b]\n", "3: keys.owner: duplicate key (first on line 2)"),
        ("keys:\n  1: [a]\n", "2: keys: expected a string key, got 1"),
        ("labels:\n  yes: [a]\n", "2: labels: expected a string key, got yes"),
        ("keys:\n  ? [a, b]\n  : [c]\n", "2: keys: expected a string key, got a list"),
        ("keys:\n  <<: {owner: [a]}\n", "2: keys: YAML merge keys (<<) are not allowed in the config"),
        (
            "keys: !!python/object/apply:os.system ['echo hi']\n",
            "1: keys: YAML tags are not allowed in the config (except !!str)",
        ),
        (
            "keys:\n  owner: !<%0A::error::x> x\n",
            "2: keys.owner: YAML tags are not allowed in the config (except !!str)",
        ),
        ("keys: {owner: [a\x00]}\n", "1: invalid YAML: control characters are not allowed (#x0000)"),
        # the key is quoted with repr, then the whole line escaped for the terminal (backslashes doubled)
        ('"a\\nb\\u001b[31m": 1\n', "1: 'a\\\\nb\\\\x1b[31m': unknown key"),
        (DEEP_FLOW, "2: invalid YAML: nested more than 64 levels deep"),
        (DEEP_BLOCK, "65: invalid YAML: nested more than 64 levels deep"),
        ("a: 1\n---\nb: 2\n", "2: invalid YAML: but found another document"),
    ],
    ids=[
        "anchor",
        "alias",
        "huge-int",
        "sexagesimal",
        "bad-date",
        "datetime-expiry",
        "duplicate-key",
        "int-key",
        "bool-key",
        "list-key",
        "merge-key",
        "python-tag",
        "tag-with-newline",
        "nul",
        "control-key",
        "deep-flow",
        "deep-block",
        "two-documents",
    ],
)
def test_a_hostile_config_is_one_located_line(tree: Any, config: str, message: str) -> None:
    root = tree({"ownlint.yaml": config, "main.tf": QUEUE})
    assert one_line_error(run_cli("check", str(root))) == f"{root / 'ownlint.yaml'}:{message}"


def test_a_config_over_a_mebibyte_is_refused(tree: Any) -> None:
    root = tree({"ownlint.yaml": "# padding\n" * 110_000, "main.tf": QUEUE})
    message = one_line_error(run_cli("check", str(root)))
    assert message == f"{root / 'ownlint.yaml'}: the config is larger than 1 MiB (1048576 bytes)"


def test_a_mebibyte_of_boundaries_loads_in_bounded_time(tree: Any) -> None:
    entry = "  - {name: b%06d, deny: {operator_location: [offshore], compliance-scope: [gdpr]}}\n"
    text = "boundaries:\n" + "".join(entry % i for i in range(12_000))
    assert 0.9 * 1024**2 < len(text) < 1024**2
    root = tree({"ownlint.yaml": text, "main.tf": QUEUE})
    from ownlint.config import load_config
    from ownlint.rules import KNOWN_IDS

    started = time.monotonic()
    config = load_config(root / "ownlint.yaml", KNOWN_IDS)
    assert len(config.boundaries) == 12_000 and time.monotonic() - started < 20


# --- suppressions (issue 15, item 7, second half) ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('# ownlint:ignore reason="every rule, I said so"\n' + QUEUE, "ownlint:ignore on aws_sqs_queue.q"),
        ('# ownlint:ignore-file reason="generated"\n' + QUEUE, "ownlint:ignore on the file"),
        ('# ownlint:ignore OWN01 reason="a typo is no rule"\n' + QUEUE, "ownlint:ignore on aws_sqs_queue.q"),
        ('# ownlint:ignore all,OWN001 reason="all is alone"\n' + QUEUE, "ownlint:ignore on aws_sqs_queue.q"),
    ],
    ids=["no-ids", "ignore-file-no-ids", "not-an-id", "all-and-ids"],
)
def test_a_suppression_without_rule_ids_hides_nothing_and_is_own013(tree: Any, text: str, where: str) -> None:
    root = tree({"main.tf": text})
    assert findings(root) == [("OWN013", "main.tf", 1), ("OWN001", "main.tf", 2)]
    run = run_cli("check", str(root), "--select", "OWN013", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["message"] == (
        f"{where} names no rule ids, so it suppresses nothing; write the ids (OWN001,OWN005) or all"
    )


@pytest.mark.parametrize("value", ["x", "because the vendor said so", "reason: none", ""])
def test_an_annotation_without_rule_ids_hides_nothing_and_is_own013(tree: Any, value: str) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  annotations:\n"
        f"    ownlint.io/ignore: {json.dumps(value)}\n"
    )
    root = tree({"c.yaml": manifest})
    assert findings(root) == [("OWN001", "c.yaml", 1), ("OWN013", "c.yaml", 7)]


@pytest.mark.parametrize(
    "value",
    [
        "OWN001: owned by the vendor; expires=2099-01-01",
        'OWN001 reason="owned by the vendor" expires=2099-01-01',
        "OWN001, OWN004: owned by the vendor",
        "all: owned by the vendor",
    ],
    ids=["colon-reason", "comment-grammar", "two-ids", "all"],
)
def test_annotations_take_the_same_grammar_as_comments(tree: Any, value: str) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  annotations:\n"
        f"    ownlint.io/ignore: {json.dumps(value)}\n"
    )
    assert findings(tree({"c.yaml": manifest})) == []


def test_all_is_written_out_counted_and_listed(tree: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree({"main.tf": '# ownlint:ignore all reason="vendor module, owned upstream"\n' + QUEUE})
    monkeypatch.chdir(root)  # text names files from the current directory
    run = run_cli("check", str(root))
    assert (run.exit_code, run.stdout) == (
        0,
        "No findings in 1 file (1 resource), preset hybrid-it. 3 suppressed, 3 of them by `all` (--show-suppressed"
        " lists them).\n",
    )
    run = run_cli("check", str(root), "--format", "json", "--show-suppressed", "--select", "OWN001")
    document = run.json()
    assert (document["summary"]["suppressed"], document["summary"]["suppressed_by_all"]) == (1, 1)
    assert document["suppressed"][0]["suppressed_by"]["rules"] == ["all"]
    listed = run_cli("check", str(root), "--show-suppressed", "--select", "OWN001").stdout.splitlines()
    assert listed[2] == "        by comment for all rules (main.tf:1): vendor module, owned upstream"


def test_all_never_hides_own000_or_own013(tree: Any) -> None:
    root = tree(
        {
            "main.tf": '# ownlint:ignore-file all reason="hide everything"\n'
            "# ownlint:ignore OWN001\n" + QUEUE + 'module "gone" {\n  source = "./missing"\n}\n'
        }
    )
    assert findings(root) == [("OWN013", "main.tf", 2), ("OWN000", "main.tf", 6)]


SMUGGLED = {
    "heredoc-ignore-file": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  policy = <<EOT\n# ownlint:ignore-file OWN001 reason="in a heredoc"\nEOT\n}\n',
    "indented-heredoc": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n  policy = <<-EOT\n    // ownlint:ignore-file OWN001 reason="x"\n  EOT\n}\n',
    "heredoc-above-a-block": 'locals {\n  x = <<EOT\nEOT\n  y = <<EOT\n# ownlint:ignore OWN001 reason="x"\nEOT\n}\n'
    + QUEUE,
    "string": 'resource "aws_sqs_queue" "q" { # real comment, no marker\n  name = "# ownlint:ignore-file OWN001 reason=\\"in a string\\""\n}\n',
    "block-comment": '/* # ownlint:ignore-file OWN001 reason="in a block comment" */\n' + QUEUE,
}


@pytest.mark.parametrize("parser", ["tree-sitter", "hcl2"])
@pytest.mark.parametrize("name", sorted(SMUGGLED))
def test_suppressions_are_read_only_from_real_comments(tree: Any, name: str, parser: str) -> None:
    root = tree({"main.tf": SMUGGLED[name]})
    got = findings(root, "--parser", parser, "--no-cache")
    assert [rule for rule, _, _ in got] == ["OWN001"]


@pytest.mark.parametrize("parser", ["tree-sitter", "hcl2"])
def test_real_comments_next_to_heredocs_and_strings_still_suppress(tree: Any, parser: str) -> None:
    text = (
        "locals {\n  x = <<EOT\n# not a comment\nEOT\n}\n"
        '# ownlint:ignore OWN001 reason="a real comment, after a heredoc"\n'
        'resource "aws_sqs_queue" "q" { # a "quoted" word\n  name = "#q"\n}\n'
    )
    root = tree({"main.tf": text})
    assert findings(root, "--parser", parser, "--no-cache") == []


def _waived_tree(tree: Any) -> Path:
    waiver = "waivers:\n  - {rule: OWN001, resource: aws_sqs_queue.waived, reason: reviewed, expires: 2099-01-01}\n"
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n  annotations:\n"
        '    ownlint.io/ignore: "OWN001: vendor"\n'
    )
    return tree(
        {
            "ownlint.yaml": waiver,
            "main.tf": '# ownlint:ignore OWN001 reason="trust me"\n' + QUEUE + QUEUE.replace('"q"', '"waived"'),
            "c.yaml": manifest,
        }
    )


def test_no_inline_suppressions_honours_only_the_config_waivers(tree: Any) -> None:
    root = _waived_tree(tree)
    assert findings(root) == []
    run = run_cli("check", str(root), "--select", "OWN001", "--no-inline-suppressions")
    assert run.exit_code == 1
    assert (
        run.stderr
        == "note: ignored 2 inline suppressions (--no-inline-suppressions): only the config's waivers apply\n"
    )
    run = run_cli("check", str(root), "--select", "OWN001", "--no-inline-suppressions", "--format", "json")
    assert sorted(f["resource"] for f in run.json()["findings"]) == ["ConfigMap/default/c", "aws_sqs_queue.q"]
    assert run.json()["summary"]["suppressed"] == 1  # the waiver


def test_no_inline_suppressions_in_baseline_and_audit(tree: Any, tmp_path: Path) -> None:
    root = _waived_tree(tree)
    target = tmp_path / "base.json"
    run = run_cli("baseline", str(root), "-o", str(target), "--no-inline-suppressions")
    assert run.exit_code == 0, run.stderr
    assert (
        run.stderr
        == "note: ignored 2 inline suppressions (--no-inline-suppressions): only the config's waivers apply\n"
    )
    recorded = {(f["rule"], f["resource"]) for f in json.loads(target.read_text())["findings"]}
    assert {("OWN001", "aws_sqs_queue.q"), ("OWN001", "ConfigMap/default/c")} <= recorded
    assert ("OWN001", "aws_sqs_queue.waived") not in recorded
    report = tmp_path / "audit.json"
    db = str(tmp_path / "a.db")
    run = run_cli("audit", str(root), "--db", db, "--report", str(report), "--no-git", "-q", "--no-inline-suppressions")
    assert run.exit_code == 0, run.stderr
    top = {r["rule"]: r["count"] for r in json.loads(report.read_text())["top_rules"]}
    assert top["OWN001"] == 2  # the comment's and the annotation's; the waiver still holds


# --- the comment scanner agrees with tree-sitter's comment nodes ---------------------------------------

# HCL shaped to stress the scanner: quoted templates and heredocs holding comment markers, escapes,
# interpolations with strings and braces inside, closing-marker look-alikes, and real comments around
EXPRESSIONS = st.sampled_from(["x", '"#"', '"//"', '"a${b}#"', '{a = "#"}', '"}"', '"${"}"}"', "1 /* # */", '"\\""'])
TEXT = st.sampled_from(["#", "//", "/*", "x", " ", "$${", "%%{", "\\\\", '\\"', "EOT", "}", "{"])
TEMPLATE = st.one_of(TEXT, EXPRESSIONS.map(lambda e: "${" + e + "}"))
QUOTED = st.lists(TEMPLATE, max_size=6).map(lambda parts: '"' + "".join(parts) + '"')
HEREDOC = st.tuples(
    st.sampled_from(["<<EOT", "<<-EOT", "<<END_1"]),
    st.lists(st.lists(st.one_of(TEMPLATE, st.sampled_from(["  EOT", "EOTX", "EOT#", "  "])), max_size=5), max_size=4),
).map(
    lambda h: (
        h[0] + "\n" + "".join("".join(line) + "\n" for line in h[1]) + ("  " if "-" in h[0] else "") + h[0].lstrip("<-")
    )
)
VALUE = st.one_of(
    QUOTED, HEREDOC, EXPRESSIONS, st.lists(st.one_of(QUOTED, EXPRESSIONS), max_size=3).map(", ".join).map("[{}]".format)
)
TRAILING = st.sampled_from(["", " # c", " // c", " /* c */", " /* a\n b */"])
LINES = st.one_of(
    st.tuples(st.sampled_from("abc"), VALUE, TRAILING).map(lambda a: f"{a[0]} = {a[1]}{a[2]}\n"),
    st.sampled_from(["# alone\n", "// alone\n", "\n", "/* alone */\n"]),
)


def _tree_sitter_comments(text: str) -> list[tuple[int, str]] | None:
    from ownlint.loaders.terraform.ts_backend import tree_sitter_parser

    root = tree_sitter_parser().parse(text.encode()).root_node
    if root.has_error:
        return None
    found: list[tuple[int, str]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            found.append((node.start_point[0] + 1, node.text.decode()))
        if node.type != "template_interpolation":  # the scanner skips comments in interpolations
            stack.extend(node.children)
    return sorted(found)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(LINES, max_size=8), nested=st.booleans())
def test_the_comment_scanner_finds_what_tree_sitter_calls_comments(lines: list[str], nested: bool) -> None:
    from ownlint.suppressions.hcl_comments import hcl_comments

    body = "".join(lines)
    text = 'resource "x" "y" {\n' + body + "}\n" if nested else body
    expected = _tree_sitter_comments(text)
    if expected is not None:
        assert sorted((c.line, c.text) for c in hcl_comments(text)) == expected
