"""ownlint fix: golden before/after trees for each placement, idempotence, and a clean check after;
a dry run shows what the run writes; the result is `terraform fmt` clean; no other resource changes."""

from __future__ import annotations

import difflib
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import FIXTURES, run_cli
from tests.oracle import terraform_or_skip

CASES = sorted(p.name for p in (FIXTURES / "fix").iterdir() if p.is_dir())
# the one-line constructs a key cannot be added to without changing that line
IN_PLACE = {
    "new-tags-attribute": ['resource "aws_sns_topic" "alerts" {}'],
    "resource-tags": ["  tags   = local.common", '  tags   = { app = "inline" }'],
}


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def _case(case: str, tmp_path: Path, name: str = "tree") -> tuple[Path, list[str]]:
    """A copy of the case's before tree, as the top of a repository (module sources may climb to it)."""
    tree = tmp_path / name
    shutil.copytree(FIXTURES / "fix" / case / "before", tree)
    (tree / ".git").mkdir()
    return tree, shlex.split((FIXTURES / "fix" / case / "args.txt").read_text())


@pytest.mark.parametrize("case", CASES)
def test_fix_places_the_key_as_the_golden_tree_shows(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / case
    shutil.copytree(FIXTURES / "fix" / case / "before", tree)
    (tree / ".git").mkdir()  # the repository: module sources may climb to it
    args = shlex.split((FIXTURES / "fix" / case / "args.txt").read_text())  # the paths first
    monkeypatch.chdir(tree)
    first = run_cli("fix", "--no-cache", *args)
    assert first.exit_code == 1, first.stderr  # files changed: pre-commit's signal
    (tree / ".git").rmdir()
    assert _files(tree) == _files(FIXTURES / "fix" / case / "after")
    (tree / ".git").mkdir()
    again = run_cli("fix", "--no-cache", *args)
    assert (again.exit_code, again.stdout) == (0, "")  # idempotent
    check = run_cli("check", args[0], "--no-cache", "--format", "json", "--select", "OWN000,OWN001")
    assert check.json()["findings"] == []  # every fixed file parses, and no owner is missing


@pytest.mark.parametrize("case", CASES)
def test_fix_only_adds_lines_but_for_one_line_constructs(case: str) -> None:
    before, after = _files(FIXTURES / "fix" / case / "before"), _files(FIXTURES / "fix" / case / "after")
    changed = [
        line.rstrip("\n")
        for name in before
        for line in difflib.unified_diff(before[name].splitlines(True), after[name].splitlines(True))
        if line[:1] in "-+" and line[:3] not in ("---", "+++")
    ]
    removed = [line[1:] for line in changed if line.startswith("-")]
    # a line whose `=` terraform fmt re-aligns beside the new one comes back with other spaces only
    added = {re.sub(r"\s+=", " =", line[1:]) for line in changed if line.startswith("+")}
    assert [line for line in removed if re.sub(r"\s+=", " =", line) not in added] == IN_PLACE.get(case, [])


def test_without_evidence_nothing_is_written(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "fix" / "new-tags-attribute" / "before", tmp_path / "tree")
    run = run_cli("fix", str(tmp_path / "tree"), "--no-cache")
    assert run.exit_code == 3 and run.stdout == ""  # nothing fixed, findings remain
    assert run.stderr.splitlines() == [
        "not fixed: main.tf:1: aws_dynamodb_table.sessions: no evidence for owner; give --owner VALUE",
        "not fixed: main.tf:11: aws_sns_topic.alerts: no evidence for owner; give --owner VALUE",
    ]
    assert _files(tmp_path / "tree") == _files(FIXTURES / "fix" / "new-tags-attribute" / "before")


def test_dry_run_and_diff_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "fix" / "provider-default-tags" / "before", tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")  # fix names files from the current directory
    run = run_cli("fix", str(tmp_path / "tree"), "--no-cache", "--owner", "platform", "--dry-run", "--diff")
    assert run.exit_code == 1
    assert run.stdout.splitlines()[0] == (
        "providers.tf:5: would add owner = 'platform' to provider \"aws\" default_tags (given on the command line)"
    )
    assert '+      owner       = "platform"' in run.stdout  # aligned as terraform fmt aligns it
    assert _files(tmp_path / "tree") == _files(FIXTURES / "fix" / "provider-default-tags" / "before")


def test_other_facts_with_set_and_unfixable_rules_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "fix" / "object-labels" / "before", tmp_path / "tree")
    refused = run_cli("fix", str(tmp_path / "tree"), "--rule", "OWN002")
    assert (refused.exit_code, refused.stderr.strip()) == (
        2,
        "ownlint: error: --rule OWN002: ownlint fix fixes OWN001, OWN004, OWN005, OWN007",
    )
    bad = run_cli("fix", str(tmp_path / "tree"), "--set", "owner")
    assert bad.exit_code == 2 and "expected FACT=VALUE" in bad.stderr


@pytest.mark.parametrize(
    ("source", "line", "wanted"),
    [
        # a key already written is never written twice (Terraform rejects duplicate keys)
        ('resource "aws_sqs_queue" "q" {\n  tags = {\n    owner = "x"\n  }\n}\n', 2, None),
        # a reference is wrapped, a trailing `)` on a line with code gets the key before it
        (
            'resource "aws_sqs_queue" "q" {\n  tags = local.t\n}\n',
            2,
            '  tags = merge(local.t, { owner = "platform" })\n',
        ),
        (
            'resource "aws_sqs_queue" "q" {\n  tags = merge({\n    a = "b"\n  }, local.t)\n}\n',
            2,
            '  }, local.t, { owner = "platform" })\n',
        ),
        # an item of a local's object: into that object
        ('locals {\n  tags = {\n    a = "b"\n  }\n}\n', 3, '    owner = "platform"\n'),
    ],
)
def test_hcl_insertions(source: str, line: int, wanted: str | None) -> None:
    from ownlint.fixes.hcl import add_tag, apply

    insertion = add_tag(source.encode(), line, "tags", "owner", "platform")
    if wanted is None:
        assert insertion is None
        return
    assert insertion is not None
    changed = apply(source.encode(), [insertion]).decode()
    assert wanted in changed.splitlines(keepends=True)


def test_defaults_name_declared_facts(tmp_path: Path) -> None:
    (tmp_path / "ownlint.yaml").write_text('defaults:\n  - path: "*"\n    values: {ownr: platform}\n')
    run = run_cli("fix", str(tmp_path))
    assert (run.exit_code, run.stderr.strip()) == (
        2,
        f"ownlint: error: {tmp_path / 'ownlint.yaml'}:3: defaults[0].values.ownr: unknown fact 'ownr' "
        "(did you mean 'owner'?); declare it under keys",
    )


# --- issue 16 ------------------------------------------------------------------------------------


def _effective_facts(root: Path) -> dict[tuple[str, str, str], str | None]:
    """(stack, address, fact) -> value (None: missing), for every instance group ownlint checks."""
    from ownlint.inputs import Inputs
    from ownlint.ownership import fact, needs_ownership
    from ownlint.pipeline import load

    loaded = load(Inputs(paths=(str(root),)))
    facts: dict[tuple[str, str, str], str | None] = {}
    for resource in loaded.resources:
        if resource.type == "module" or not needs_ownership(loaded.config, resource):
            continue
        for instance in resource.instances or (resource.address,):
            for name in loaded.config.keys:
                facts[(resource.stack, instance, name)] = fact(loaded.config, resource, name).value
    return facts


@pytest.mark.parametrize("case", CASES)
def test_fix_fills_missing_facts_and_changes_no_other(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 5: no instance's effective value of any fact changes, but missing ones that get a value."""
    tree, args = _case(case, tmp_path)
    before = _effective_facts(tree)
    monkeypatch.chdir(tree)
    assert run_cli("fix", "--no-cache", *args).exit_code == 1
    after = _effective_facts(tree)
    assert after.keys() == before.keys()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert {k: v for k, v in changed.items() if v[0] is not None} == {}


def test_a_shared_module_is_fixed_at_the_call_not_in_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 5: the module is shared with calls that pass owner = "payments": the call that lacks one gets it."""
    tree, args = _case("shared-module", tmp_path)
    monkeypatch.chdir(tree)
    run = run_cli("fix", "--no-cache", *args)
    assert (run.exit_code, run.stdout, run.stderr) == (
        1,
        "live/main.tf:1: added owner = 'platform' to tags input of module.logs (given on the command line)\n",
        "",
    )
    check = run_cli("check", ".", "--no-cache", "--format", "json", "--select", "OWN001,OWN011")
    assert check.json()["findings"] == []


def test_a_shared_place_another_resource_would_change_through_is_not_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 5, generalised: the provider's default_tags also reach a resource whose missing owner is
    waived; writing there would give it one. Each resource that asked gets its own tag instead."""
    shutil.copytree(FIXTURES / "fix" / "provider-default-tags" / "before", tmp_path / "tree")
    main = tmp_path / "tree" / "main.tf"
    main.write_text(
        main.read_text()
        + '\n# ownlint:ignore OWN001 reason="decommissioned in Q3, owner left"\n'
        + 'resource "aws_sqs_queue" "legacy" {\n  name = "legacy"\n}\n'
    )
    monkeypatch.chdir(tmp_path / "tree")  # the files it names are shown from where the user stands
    run = run_cli("fix", ".", "--no-cache", "--owner", "platform")
    assert run.exit_code == 1, run.stderr
    assert run.stdout.splitlines() == [
        "main.tf:2: added owner = 'platform' to tags of aws_sqs_queue.orders (given on the command line)",
        "main.tf:9: added owner = 'platform' to tags of aws_sqs_queue.refunds (given on the command line)",
    ]
    assert (tmp_path / "tree" / "providers.tf").read_text() == (
        FIXTURES / "fix" / "provider-default-tags" / "before" / "providers.tf"
    ).read_text()
    assert _effective_facts(tmp_path / "tree")[(".", "aws_sqs_queue.legacy", "owner")] is None


@pytest.mark.parametrize("case", CASES)
def test_dry_run_shows_exactly_what_the_run_writes(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 6: every round is computed on a private copy; the dry run prints the real run's diff."""
    dry_tree, args = _case(case, tmp_path, "dry")
    real_tree, _ = _case(case, tmp_path, "real")
    monkeypatch.chdir(dry_tree)
    dry = run_cli("fix", "--no-cache", "--dry-run", "--diff", *args)
    monkeypatch.chdir(real_tree)
    real = run_cli("fix", "--no-cache", "--diff", *args)
    assert (dry.exit_code, real.exit_code) == (1, 1)
    assert dry.stdout.replace(": would add ", ": added ") == real.stdout
    assert (dry.stderr, _files(dry_tree)) == (real.stderr, _files(_case(case, tmp_path, "pristine")[0]))
    written = [
        "".join(list(difflib.unified_diff(b.splitlines(True), a.splitlines(True)))[2:])  # the hunks
        for name, b in sorted(_files(dry_tree).items())
        if (a := _files(real_tree)[name]) != b
    ]
    assert written and all(hunks in dry.stdout for hunks in written)  # the diff shown is what was written


def _terraform_fmt_check(tree: Path) -> subprocess.CompletedProcess[str]:
    terraform = terraform_or_skip()
    return subprocess.run(
        [terraform, "fmt", "-check", "-diff", "-recursive", "-no-color", str(tree)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tree), "TF_CLI_CONFIG_FILE": "/dev/null"},
    )


@pytest.mark.parametrize("case", CASES)
def test_fixed_tree_is_terraform_fmt_clean(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 7: a repository with a `terraform fmt -check` gate passes it after a fix."""
    tree, args = _case(case, tmp_path)
    assert _terraform_fmt_check(tree).returncode == 0  # clean before
    monkeypatch.chdir(tree)
    assert run_cli("fix", "--no-cache", *args).exit_code == 1
    checked = _terraform_fmt_check(tree)
    assert (checked.returncode, checked.stdout) == (0, "")


ALIGNMENT = [
    # a new attribute joins the run of single-line attributes above it
    'resource "x" "y" {\n  name = "a"\n  tags = { owner = "p" }\n}\n',
    'resource "x" "y" {\n  provider = aws.us\n  name = "a"\n  tags = { owner = "p" }\n}\n',
    # a line opening a multi-line value ends the run; so do blank lines and nested blocks
    'locals {\n  tags = {\n    app = "x"\n    operated-by = "internal"\n  }\n  z = 1\n}\n',
    "locals {\n  a = 1\n\n  bbb = 2\n  c = 3\n}\n",
    # trailing comments are aligned too, after the values
    'locals {\n  b = { a = "b", owner = "x" } # c\n  cc = 1 # d\n  ddd = 2\n}\n',
    # quoted and computed keys, a key with a non-ASCII letter, `==` and `=>` that are no assignment
    'locals {\n  o = {\n    "é" = 1\n    ab = 2\n    "a=b" = 3\n    (local.k) = 4\n    e = 1 == 1\n  }\n}\n',
    'locals {\n  m = { for k, v in local.x : k => v }\n  nn = "${local.a}=${local.b}"\n}\n',
    # a heredoc is part of the line that opens it
    "locals {\n  long = <<EOT\n  x = 1\nEOT\n  z = 1\n  q = [\n    1,\n  ]\n}\n",
    # a line that opens brackets it does not close is no assignment; one that closes them is not either
    'locals {\n  t = merge(local.a, {\n    k = "v"\n    owner = "p"\n  })\n  u = 2\n}\n',
]


@pytest.mark.parametrize("source", ALIGNMENT)
def test_alignment_is_terraform_fmt_s(source: str, tmp_path: Path) -> None:
    """Item 7: the alignment of `=` and of trailing comments, against terraform fmt itself."""
    from ownlint.fixes.fmt import align

    terraform = terraform_or_skip()
    formatted = subprocess.run(
        [terraform, "fmt", "-no-color", "-"],
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    assert formatted.returncode == 0, formatted.stderr
    assert align(source, range(source.count("\n") + 1)) == formatted.stdout
    # only the runs that hold the rows named are touched
    assert align(source, ()) == source


def _terraform_fmt(source: str, home: Path) -> str:
    formatted = subprocess.run(
        [terraform_or_skip(), "fmt", "-no-color", "-"],
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    assert formatted.returncode == 0, formatted.stderr
    return formatted.stdout


_KEYS = st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=14).filter(lambda k: k[0].isalpha())
_VALUES = st.sampled_from(['"x"', "1", "local.a", '{ a = "b" }', '"${local.a}-x"', "[1, 2]", "var.x == 1"])
_ITEMS = st.lists(
    st.one_of(
        st.tuples(_KEYS, _VALUES).map(lambda kv: f"{kv[0]} = {kv[1]}"),
        st.tuples(_KEYS, _VALUES, st.sampled_from(["# why", "// note"])).map(lambda t: f"{t[0]} = {t[1]} {t[2]}"),
        _KEYS.map(lambda k: f"{k} = {{\n    inner = 1\n    other_key = 2\n  }}"),
        st.just(""),
        st.just("# a comment line"),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=_ITEMS, key=_KEYS, at=st.integers(min_value=0, max_value=20))
def test_a_line_added_to_fmt_clean_code_and_aligned_is_fmt_clean(
    items: list[str], key: str, at: int, tmp_path: Path
) -> None:
    """Item 7, generated: terraform fmt-clean code, a new attribute line inserted, its run aligned: still clean."""
    from ownlint.fixes.fmt import align

    unique = [re.sub(r"^(\w[\w-]*)", rf"\g<1>_{i}", item) for i, item in enumerate(items)]  # keys once each
    clean = _terraform_fmt("locals {\n" + "".join(f"  {item}\n" for item in unique) + "}\n", tmp_path)
    lines = clean.splitlines(keepends=True)
    row = 1 + at % (len(lines) - 1)  # after the block's first line, before or at its closing brace
    if lines[row - 1].rstrip().endswith("{") and row > 1 and lines[row - 1].startswith("    "):
        row -= 1  # not inside a nested object's opening line: the indent must stay the block's
    inside_nested = sum(line.count("{") - line.count("}") for line in lines[1:row]) > 0
    indent = "    " if inside_nested else "  "
    edited = "".join([*lines[:row], f'{indent}{key}_new = "added"\n', *lines[row:]])
    assert align(edited, {row}) == _terraform_fmt(edited, tmp_path)


def test_operated_by_is_written_from_set_and_rule_own004_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 8: OWN004 is fixable; a fact is named by its name or any of its keys."""
    shutil.copytree(FIXTURES / "fix" / "operated-by" / "before", tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")  # the files it names are shown from where the user stands
    run = run_cli("fix", ".", "--no-cache", "--rule", "OWN004", "--set", "operator=internal")
    assert (run.exit_code, run.stdout, run.stderr) == (
        1,
        "main.tf:3: added operated-by = 'internal' to tags of aws_sqs_queue.jobs (given on the command line)\n",
        "",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--set", "oops=1"],
            "--set oops=1: unknown fact 'oops' (facts: owner, operator, data-classification, "
            "compliance-scope, msp-contract, escalation-contact, or their keys)",
        ),
        (
            ["--set", "operated_by=internal"],
            "--set operated_by=internal: unknown fact 'operated_by' (did you mean 'operated-by'?)",
        ),
        (
            ["--set", "operated-by=sometimes"],
            "--set operated-by=sometimes: 'sometimes' is not a value of operator "
            "(internal, msp, shared, or a declared party)",
        ),
        (
            ["--set", "data-classification=secret"],
            "--set data-classification=secret: 'secret' is not a value of "
            "data-classification (confidential, internal, public, restricted)",
        ),
        (
            ["--rule", "OWN001", "--set", "operated-by=internal"],
            "--set operated-by=internal: operator is written for OWN004, which --rule leaves out",
        ),
        (["--owner", "platform", "--set", "owner=payments"], "--set owner=payments: owner is given twice"),
    ],
)
def test_set_of_an_unknown_fact_or_value_is_refused(tmp_path: Path, arguments: list[str], message: str) -> None:
    """Item 8: never silently ignored: exit 2 with one line."""
    shutil.copytree(FIXTURES / "fix" / "operated-by" / "before", tmp_path / "tree")
    run = run_cli("fix", str(tmp_path / "tree"), "--no-cache", *arguments)
    assert (run.exit_code, run.stdout, run.stderr) == (2, "", f"ownlint: error: {message}\n")
    assert _files(tmp_path / "tree") == _files(FIXTURES / "fix" / "operated-by" / "before")


def test_the_msps_declaration_is_evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 9: its only contract and its escalation contact, with the evidence named."""
    tree, args = _case("msp-declaration", tmp_path)
    monkeypatch.chdir(tree)
    run = run_cli("fix", "--no-cache", *args)
    assert (run.exit_code, run.stderr) == (1, "")
    assert run.stdout.splitlines() == [
        "main.tf:4: added escalation-contact = 'noc@globex.example' to tags of aws_instance.web "
        "(the escalation contact of MSP 'globex', ownlint.yaml:4)",
        "main.tf:4: added msp-contract = 'GLOBEX-2025-07' to tags of aws_instance.web "
        "(the only contract of MSP 'globex', ownlint.yaml:4)",
    ]


def test_an_msp_with_several_contracts_is_no_evidence_for_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, args = _case("msp-declaration", tmp_path)
    config = tree / "ownlint.yaml"
    config.write_text(config.read_text().replace("[GLOBEX-2025-07]", "[GLOBEX-2025-07, GLOBEX-2026-01]"))
    monkeypatch.chdir(tree)
    run = run_cli("fix", "--no-cache", *args)
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        "not fixed: main.tf:1: aws_instance.web: no evidence for msp-contract (MSP 'globex' has 2 contracts: "
        "GLOBEX-2025-07, GLOBEX-2026-01); give --set msp-contract=VALUE"
    ]
    assert "escalation-contact" in run.stdout


def test_findings_fix_could_not_fix_exit_3_and_after_a_partial_fix_1(tmp_path: Path) -> None:
    """Item 10: 0 nothing to do, 1 files changed (some findings may remain: they are listed), 3 nothing
    changed and findings remain."""
    shutil.copytree(FIXTURES / "fix" / "new-tags-attribute" / "before", tmp_path / "tree")
    args = ("fix", str(tmp_path / "tree"), "--no-cache", "--owner", "platform", "--rule", "OWN001,OWN005")
    first = run_cli(*args)
    assert first.exit_code == 1
    remaining = [
        "not fixed: main.tf:1: aws_dynamodb_table.sessions: no evidence for data-classification; "
        "give --set data-classification=VALUE",
        "not fixed: main.tf:1: aws_dynamodb_table.sessions: no evidence for compliance-scope; "
        "give --set compliance-scope=VALUE",
        # where the finding is in the file as written (the line above it got a tags attribute)
        "not fixed: main.tf:12: aws_sns_topic.alerts: no evidence for data-classification; "
        "give --set data-classification=VALUE",
        "not fixed: main.tf:12: aws_sns_topic.alerts: no evidence for compliance-scope; "
        "give --set compliance-scope=VALUE",
    ]
    assert first.stderr.splitlines() == remaining
    second = run_cli(*args)
    assert (second.exit_code, second.stdout, second.stderr.splitlines()) == (3, "", remaining)
    done = run_cli(*args, "--set", "data-classification=internal", "--set", "compliance-scope=none")
    assert done.exit_code == 1
    assert run_cli(*args).exit_code == 0


def test_a_value_fix_cannot_add_is_listed_and_exits_3(tmp_path: Path) -> None:
    """Item 10: OWN004 on a forbidden operator is no missing key: listed, not silently passed."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "deploy" {\n  name = "deploy"\n'
        '  tags = { owner = "platform", operated-by = "msp" }\n}\n'
    )
    run = run_cli("fix", str(tmp_path), "--no-cache", "--rule", "OWN004")
    assert (run.exit_code, run.stdout) == (3, "")
    assert run.stderr.splitlines() == [
        "not fixed: main.tf:1: aws_iam_role.deploy: OWN004 operator-not-allowed: no key is missing; "
        "the value at tags of aws_iam_role.deploy (main.tf:3) must change by hand"
    ]


def test_the_copy_is_never_written_through_a_link_out_of_it(tmp_path: Path) -> None:
    """Items 5/6: edits are made and checked in a private copy; a symlink there that leaves it (as the
    user's did) is never written through, not even in a dry run."""
    from ownlint.errors import OwnlintError
    from ownlint.fixes.workspace import Files, private_copy

    (tmp_path / "outside.tf").write_text("# not ours\n")
    repo = tmp_path / "repo"
    (repo / "inner").mkdir(parents=True)
    (repo / "inner" / "main.tf").write_text("# ours\n")
    (repo / "out.tf").symlink_to(tmp_path / "outside.tf")
    (repo / "in.tf").symlink_to("inner/main.tf")
    with private_copy(repo, 1024) as tree:
        files = Files(repo, tree, tree)
        assert (files.editable("inner/main.tf"), files.editable("in.tf"), files.editable("out.tf")) == (
            True,
            True,
            False,
        )
        files.write("in.tf", b"# edited\n")
        assert (tree / "inner" / "main.tf").read_text() == "# edited\n"  # a link inside points inside the copy
        with pytest.raises(OwnlintError, match=r"out\.tf: not written"):
            files.write("out.tf", b"# edited\n")
    assert (tmp_path / "outside.tf").read_text() == "# not ours\n"
    assert (repo / "inner" / "main.tf").read_text() == "# ours\n"
    assert not tree.exists()  # removed afterwards


def test_lines_shown_are_those_of_the_files_as_written(tmp_path: Path) -> None:
    """Item 6: a later round's edit above an earlier one moves it; the line printed is where it ends up."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "replica" {\n  provider = aws.us\n  name     = "replica"\n}\n\n'
        'resource "aws_sqs_queue" "audit" {\n  provider = aws.us\n  name     = "audit"\n'
        '  tags     = { owner = "security" }\n}\n\n'
        'resource "aws_sqs_queue" "orders" {\n  name = "orders"\n}\n\n'
        'provider "aws" {\n  default_tags {\n    tags = {\n      environment = "prod"\n    }\n  }\n}\n\n'
        'provider "aws" {\n  alias = "us"\n}\n'
    )
    run = run_cli("fix", str(tmp_path), "--no-cache", "--owner", "platform")
    assert run.exit_code == 1, run.stderr
    lines = (tmp_path / "main.tf").read_text().splitlines()
    shown = [(int(line.split(":")[1]), line.split(" to ")[1]) for line in run.stdout.splitlines()]
    assert shown == [
        (1, "tags of aws_sqs_queue.replica (given on the command line)"),  # the block: it has no tags
        (19, 'provider "aws" default_tags (given on the command line)'),
    ]
    assert lines[3] == '  tags     = { owner = "platform" }'
    assert lines[18] == "    tags = {" and lines[20] == '      owner       = "platform"'


def test_lines_shown_are_moved_by_edits_of_the_same_round_above_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "fix" / "new-tags-attribute" / "before", tmp_path / "tree")
    monkeypatch.chdir(tmp_path / "tree")  # the files it names are shown from where the user stands
    run = run_cli("fix", ".", "--no-cache", "--owner", "platform")
    assert run.stdout.splitlines() == [
        "main.tf:1: added owner = 'platform' to tags of aws_dynamodb_table.sessions (given on the command line)",
        "main.tf:12: added owner = 'platform' to tags of aws_sns_topic.alerts (given on the command line)",
    ]
    assert (tmp_path / "tree" / "main.tf").read_text().splitlines()[11] == 'resource "aws_sns_topic" "alerts" {'


REALISTIC = FIXTURES / "fix-realistic"
REALISTIC_ARGS = ("--owner", "platform", "--set", "operated-by=internal", "--rule", "OWN001,OWN004,OWN007")


def test_a_realistic_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Items 5-10 together: two Terraform roots, a local module called three times with different owners,
    for_each with per-instance owners, an MSP with one contract and an escalation contact, a Namespace."""
    trees = {}
    for name in ("dry", "real"):
        trees[name] = tmp_path / name
        shutil.copytree(REALISTIC, trees[name])
        (trees[name] / ".git").mkdir()
    before = _effective_facts(trees["real"])
    monkeypatch.chdir(trees["dry"])
    dry = run_cli("fix", ".", "--no-cache", "--dry-run", "--diff", *REALISTIC_ARGS)
    monkeypatch.chdir(trees["real"])
    real = run_cli("fix", ".", "--no-cache", "--diff", *REALISTIC_ARGS)
    assert (dry.exit_code, real.exit_code) == (1, 1)
    assert (dry.stdout.replace(": would add ", ": added "), dry.stderr) == (real.stdout, real.stderr)
    assert _files(trees["dry"]) == _files(REALISTIC)
    assert [line for line in real.stdout.splitlines() if ": added " in line] == [
        "k8s/payments/namespace.yaml:1: added owner = 'platform' to labels of Namespace/payments "
        "(given on the command line)",
        "stacks/payments/providers.tf:5: added owner = 'payments' to provider \"aws\" default_tags "
        "(CODEOWNERS: @acme/payments)",
        "stacks/platform/main.tf:4: added operated-by = 'internal' to input tags of module.logs "
        "(given on the command line)",
        "stacks/platform/main.tf:4: added owner = 'platform' to input tags of module.logs (given on the command line)",
        "stacks/platform/main.tf:12: added operated-by = 'internal' to tags input of module.archive "
        "(given on the command line)",
        "stacks/platform/main.tf:12: added owner = 'platform' to tags input of module.archive "
        "(given on the command line)",
        "stacks/platform/main.tf:28: added operated-by = 'internal' to tags of aws_sns_topic.t "
        "(given on the command line)",
        "stacks/platform/main.tf:34: added escalation-contact = 'noc@globex.example' to tags of "
        "aws_instance.bastion (the escalation contact of MSP 'globex', ownlint.yaml:6)",
        "stacks/platform/main.tf:34: added msp-contract = 'GLOBEX-2025-07' to tags of aws_instance.bastion "
        "(the only contract of MSP 'globex', ownlint.yaml:6)",
    ]
    left = (
        "not fixed: stacks/platform/main.tf:25: stacks/platform//aws_sns_topic.t: owner not written: tags of "
        'aws_sns_topic.t (stacks/platform/main.tf:28) is shared: stacks/platform//aws_sns_topic.t["billing"] '
        "would get owner 'platform' ('payments' now)\n"
    )
    assert real.stderr == left
    after = _effective_facts(trees["real"])
    assert {k: (before[k], after[k]) for k in before if before[k] != after[k] and before[k] is not None} == {}
    checked = _terraform_fmt_check(trees["real"])
    assert (checked.returncode, checked.stdout) == (0, "")
    again = run_cli("fix", ".", "--no-cache", *REALISTIC_ARGS)
    assert (again.exit_code, again.stdout, again.stderr) == (3, "", left)


def test_a_wide_place_may_fix_what_a_narrower_one_was_planned_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 5: the provider's default_tags also reach the module's queue, which lacks the same owner: one
    edit there is right, though the queue's own place is the module input (the bench estate showed it)."""
    files = {
        "providers.tf": 'provider "aws" {\n  default_tags {\n    tags = {\n      env = "prod"\n    }\n  }\n}\n',
        "main.tf": 'module "q" {\n  source = "./modules/queue"\n  tags   = { app = "q" }\n}\n\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
        "modules/queue/main.tf": 'variable "tags" {\n  type = map(string)\n}\n\n'
        'resource "aws_sqs_queue" "this" {\n  name = "q"\n  tags = var.tags\n}\n',
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)  # the files it names are shown from where the user stands
    run = run_cli("fix", ".", "--no-cache", "--owner", "platform")
    assert (run.exit_code, run.stderr) == (1, "")
    assert run.stdout == (
        "providers.tf:3: added owner = 'platform' to provider \"aws\" default_tags (given on the command line)\n"
    )
