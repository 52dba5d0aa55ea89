"""Every git command ownlint runs, ``--diff-base``, the pre-commit hooks and the GitHub action, against a
pull request that commits whatever it likes and a clone whose ``.git/config`` it may have written."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import ROOT, require_git, run_cli

from ownlint import __version__
from ownlint.cli import main
from ownlint.loaders.terraform.inputs import TerraformInputs

QUEUE = 'resource "aws_sqs_queue" "{name}" {{\n  name = "{name}"\n}}\n'
OWNED = 'resource "aws_sqs_queue" "{name}" {{\n  name = "{name}"\n  tags = {{ owner = "platform" }}\n}}\n'
PROVIDERS = 'provider "aws" {\n  default_tags {\n    tags = { owner = "platform", operated-by = "internal" }\n  }\n}\n'
LABELLED = 'tags = { data-classification = "internal", compliance-scope = "none" }'
OFF = "rules:\n  OWN001: {severity: 'off'}\n  OWN004: {severity: 'off'}\n  OWN005: {severity: 'off'}\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run([require_git(), *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "--force", "--", *files)
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def new_repo(path: Path, files: dict[str, str]) -> Path:
    """A repository whose ``main`` holds ``files``, with a branch ``pr`` checked out on top of it."""
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.email", "dev@example.com")
    git(path, "config", "user.name", "dev")
    commit(path, files, "base")
    git(path, "checkout", "--quiet", "-b", "pr")
    return path


def found(run: Any) -> list[tuple[str, str]]:
    return [(f["rule"], f["resource"]) for f in run.json()["findings"]]


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The temporary directory ``--diff-base`` works in, private to the test."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    yield directory


# --- item 1: the result cache ---------------------------------------------------------------------------------


def _old_cache_name(merge_base: str, paths: tuple[str, ...], select: tuple[str, ...]) -> str:
    """Where ownlint <= 0.x looked for its --diff-base result cache: a name anyone can compute."""
    cache_dir = os.path.join(os.environ["XDG_CACHE_HOME"], "ownlint", "parse")
    terraform = TerraformInputs(
        var_files=(), variables=(), env_vars=False, parser="auto", environ={}, plans=(), cache_dir=cache_dir
    )
    key = json.dumps([str(p) for p in [*paths, None, *select, terraform]])
    digest = hashlib.sha256(f"{__version__}\x1f{key}".encode()).hexdigest()[:16]
    return f"diff-base-{merge_base}-{digest}.json"


def test_a_diff_base_cache_committed_by_the_pull_request_is_not_read(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"infra/main.tf": OWNED.format(name="kept")})
    base = git(repo, "rev-parse", "HEAD")
    infra = str(repo / "infra")
    (repo / "infra/main.tf").write_text(OWNED.format(name="kept") + QUEUE.format(name="added"))
    head = run_cli("check", infra, "--select", "OWN001", "--format", "json").json()["findings"]
    # the attacker plants "known at the base" entries for the findings the pull request adds
    planted = {"version": 1, "findings": [{k: f[k] for k in ("fingerprint", "rule", "resource", "file")} for f in head]}
    name = _old_cache_name(base, (infra,), ("OWN001",))
    commit(repo, {"infra/main.tf": (repo / "infra/main.tf").read_text()}, "a queue")
    commit(repo, {f".ownlint/cache/{name}": json.dumps(planted)}, "nothing to see")
    run = run_cli("check", infra, "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.added")])


def test_diff_base_writes_nothing_into_the_repository(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"main.tf": OWNED.format(name="kept")})
    commit(repo, {"main.tf": OWNED.format(name="kept") + QUEUE.format(name="added")}, "a queue")
    for _ in range(2):  # a second run finds nothing to reuse in the tree either
        run = run_cli("check", str(repo), "--select", "OWN001", "--diff-base", "main", "--format", "json")
        assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.added")])
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    assert git(repo, "worktree", "list").count("\n") == 0


# --- item 2: git runs nothing the repository configures -------------------------------------------------------


def _hostile_git_config(repo: Path, markers: Path) -> None:
    """Every way a ``.git/config`` (or a hook) could make git run a command: each leaves a marker file."""

    def touch(name: str, then: str = "") -> str:
        return f"sh -c 'touch {markers / name}{then}'"

    hooks = markers.parent / "hooks"
    hooks.mkdir(exist_ok=True)
    for directory in (repo / ".git" / "hooks", hooks):  # the default place and core.hooksPath
        for hook in ("post-checkout", "post-index-change", "reference-transaction"):
            (directory / hook).write_text(f"#!/bin/sh\ntouch {markers / hook}\n")
            (directory / hook).chmod(0o755)
    settings = {
        "core.hooksPath": str(hooks),
        "core.fsmonitor": touch("fsmonitor"),
        "filter.evil.smudge": touch("smudge", "; cat"),
        "filter.evil.clean": touch("clean", "; cat"),
        "diff.evil.textconv": f"sh -c 'touch {markers / 'textconv'}; cat \"$0\"'",
        "core.pager": touch("pager"),
        "diff.external": touch("external-diff"),
    }
    for key, value in settings.items():
        git(repo, "config", key, value)


def test_diff_base_runs_no_hook_filter_or_fsmonitor_of_the_clone(tmp_path: Path, private_tmp: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = new_repo(
        tmp_path / "repo", {".gitattributes": "* filter=evil diff=evil\n", "main.tf": OWNED.format(name="a")}
    )
    commit(repo, {"main.tf": OWNED.format(name="a") + QUEUE.format(name="added")}, "a queue")
    _hostile_git_config(repo, markers)
    run = run_cli("check", str(repo), "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.added")])
    assert sorted(p.name for p in markers.iterdir()) == []


def test_the_audit_runs_no_filter_textconv_or_fsmonitor_of_the_clone(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = new_repo(
        tmp_path / "repo", {".gitattributes": "* filter=evil diff=evil\n", "main.tf": QUEUE.format(name="a")}
    )
    _hostile_git_config(repo, markers)
    (repo / "main.tf").write_text(QUEUE.format(name="a") + "\n")  # a changed work tree: git would clean it
    run = run_cli("audit", str(repo), "--db", str(tmp_path / "audit.db"), "-q", "--report", str(tmp_path / "a.json"))
    assert run.exit_code == 0, run.stderr
    [orphan] = json.loads((tmp_path / "a.json").read_text())["unowned"]
    assert orphan["suggestion_evidence"] == [
        "last git author of main.tf:1: dev@example.com, a person: a contact, not an owner value"
    ]
    assert sorted(p.name for p in markers.iterdir()) == []


def test_git_is_run_in_one_place() -> None:
    """``ownlint.vcs.git`` is the one module that names the git executable: every git command has its safe options."""
    sources = sorted((ROOT / "src" / "ownlint").rglob("*.py"))
    naming = [p.relative_to(ROOT).as_posix() for p in sources if re.search(r"""["']git["']""", p.read_text())]
    assert naming == ["src/ownlint/vcs/git.py"]


def test_every_git_command_switches_off_what_a_repository_could_make_it_run() -> None:
    from ownlint.vcs import git as runner

    command = runner.command(["rev-parse", "HEAD"])
    for setting in ("core.hooksPath=/dev/null", "core.fsmonitor=false", "core.pager=cat", "credential.helper="):
        assert command[command.index(setting) - 1] == "-c"
    assert {"--no-replace-objects", "--literal-pathspecs", "--no-optional-locks"} <= set(command)
    environment = runner.environment({"GIT_EXTERNAL_DIFF": "evil", "GIT_PAGER": "evil", "HOME": "/home/x"})
    assert environment["GIT_ALLOW_PROTOCOL"] == "none" and environment["GIT_TERMINAL_PROMPT"] == "0"
    assert environment["HOME"] == "/home/x" and "GIT_EXTERNAL_DIFF" not in environment
    assert environment["GIT_PAGER"] == "cat"


def _object(repo: Path, text: str) -> str:
    done = subprocess.run(
        [require_git(), "hash-object", "-w", "--stdin"], cwd=repo, input=text, capture_output=True, text=True
    )
    return done.stdout.strip()


def _tree(repo: Path, entries: str) -> str:
    done = subprocess.run([require_git(), "mktree"], cwd=repo, input=entries, capture_output=True, text=True)
    return done.stdout.strip()


def test_a_hostile_base_tree_is_never_written_outside_its_private_directory(tmp_path: Path, private_tmp: Path) -> None:
    """git refuses such trees on checkout, but a tree object can hold them: a symlink and a directory of the
    same name, and ``..`` entries."""
    outside = tmp_path / "outside"
    outside.mkdir()
    repo = new_repo(tmp_path / "repo", {"main.tf": OWNED.format(name="a")})
    planted = _object(repo, QUEUE.format(name="planted"))
    inner = _tree(repo, f"100644 blob {planted}\tx.tf\n")
    up = inner
    for _ in range(4):
        up = _tree(repo, f"040000 tree {up}\t..\n")
    link, kept = _object(repo, str(outside)), _object(repo, OWNED.format(name="a"))
    root = _tree(
        repo,
        f"120000 blob {link}\tescape\n040000 tree {inner}\tescape\n040000 tree {up}\tup\n100644 blob {kept}\tmain.tf\n",
    )
    base = git(repo, "commit-tree", root, "-p", "HEAD", "-m", "hostile base")
    git(repo, "update-ref", "refs/heads/main", base)
    git(repo, "update-ref", "refs/heads/pr", git(repo, "commit-tree", root, "-p", base, "-m", "pr"))
    (repo / "main.tf").write_text(OWNED.format(name="a") + QUEUE.format(name="added"))
    run = run_cli("check", str(repo), "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.added")])
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "repo", "tmp"]
    assert list(private_tmp.iterdir()) == []


# --- item 3: leftovers, refs that are options, shallow clones --------------------------------------------------


def test_stale_base_trees_of_dead_runs_are_removed_and_live_ones_kept(tmp_path: Path, private_tmp: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"main.tf": OWNED.format(name="a")})
    dead, live, other = private_tmp / "ownlint-base-999999-dead", private_tmp / "ownlint-base-1-live", private_tmp / "x"
    for directory in (dead, live, other):
        (directory / "tree").mkdir(parents=True)
        (directory / "tree" / "main.tf").write_text("")
        (directory / "lock").write_text("")
    with (live / "lock").open() as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a concurrent run still working there
        run = run_cli("check", str(repo), "--diff-base", "main", "--format", "json")
        assert run.exit_code == 0, run.stderr
        assert sorted(p.name for p in private_tmp.iterdir()) == ["ownlint-base-1-live", "x"]


SIGTERM_DURING_THE_BASE = """
import os, signal, sys, time
import ownlint.commands.check as check
real = check.load
def load(inputs, *args, **kwargs):
    if any("ownlint-base-" in path for path in inputs.paths):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)
    return real(inputs, *args, **kwargs)
check.load = load
from ownlint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_during_the_base_run_removes_its_tree(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"main.tf": OWNED.format(name="a")})
    commit(repo, {"main.tf": OWNED.format(name="a") + QUEUE.format(name="added")}, "a queue")
    private = tmp_path / "tmp"
    private.mkdir()
    environment = {**os.environ, "TMPDIR": str(private)}
    command = [sys.executable, "-c", SIGTERM_DURING_THE_BASE, "check", str(repo), "--diff-base", "main"]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60, check=False)
    assert done.returncode == 143, done.stderr
    assert list(private.iterdir()) == []
    assert git(repo, "worktree", "list").count("\n") == 0


@pytest.mark.parametrize(
    ("option", "ref"),
    [("--diff-base", "--fork-point"), ("--diff-base", "-x"), ("--config-from-ref", "--output=/tmp/x")],
)
def test_a_ref_that_looks_like_an_option_is_refused(tmp_path: Path, option: str, ref: str) -> None:
    repo = new_repo(tmp_path / "repo", {"main.tf": OWNED.format(name="a")})
    run = run_cli("check", str(repo), f"{option}={ref}")
    assert (run.exit_code, run.stdout, run.stderr) == (
        2,
        "",
        f"ownlint: error: {option} {ref!r}: a git ref cannot start with '-'\n",
    )


def test_a_missing_ref_is_one_line(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"main.tf": OWNED.format(name="a")})
    run = run_cli("check", str(repo), "--diff-base", "origin/nothing")
    assert (run.exit_code, run.stderr) == (
        2,
        "ownlint: error: --diff-base 'origin/nothing' is not a commit in this clone: fetch it first\n",
    )


def test_a_shallow_clone_without_the_merge_base_says_what_to_do(tmp_path: Path) -> None:
    origin = new_repo(tmp_path / "origin", {"main.tf": OWNED.format(name="a")})
    commit(origin, {"pr.tf": QUEUE.format(name="pr")}, "pr 1")
    git(origin, "checkout", "--quiet", "main")
    commit(origin, {"later.tf": OWNED.format(name="later")}, "main moves on")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth=1", "--branch=pr", f"file://{origin}", str(clone))
    git(clone, "fetch", "--quiet", "--depth=1", "origin", "main:refs/remotes/origin/main")
    run = run_cli("check", str(clone), "--diff-base", "origin/main")
    assert (run.exit_code, run.stderr) == (
        2,
        "ownlint: error: the merge base of HEAD and 'origin/main' is not in this clone (shallow?): "
        "fetch the history, e.g. actions/checkout with fetch-depth: 0\n",
    )


# --- item 5: option injection through file names ---------------------------------------------------------------


def test_a_file_named_like_an_option_before_double_dash_is_refused(tree: Any, monkeypatch: Any, capsys: Any) -> None:
    root = tree({"--config=evil.yaml": OFF, "evil.yaml": OFF, "main.tf": QUEUE.format(name="a")})
    monkeypatch.chdir(root)
    assert main(["check", "--fail-on", "warning", "--config=evil.yaml", "main.tf"]) == 2
    assert capsys.readouterr().err == (
        "ownlint: error: '--config=evil.yaml' is both an option and a file here: "
        "put '--' before file names (in .pre-commit-config.yaml: args: [..., --])\n"
    )


def test_after_double_dash_a_file_named_like_an_option_is_checked(tree: Any, monkeypatch: Any, capsys: Any) -> None:
    root = tree({"--config=evil.yaml": OFF, "evil.yaml": OFF, "-rf.tf": QUEUE.format(name="b"), "main.tf": ""})
    monkeypatch.chdir(root)
    assert main(["check", "--select", "OWN001", "--format", "json", "--", "--config=evil.yaml", "-rf.tf"]) == 1
    assert [(f["rule"], f["file"]) for f in json.loads(capsys.readouterr().out)["findings"]] == [("OWN001", "-rf.tf")]


def test_an_option_named_like_no_file_is_still_an_option(tree: Any, monkeypatch: Any, capsys: Any) -> None:
    root = tree({"main.tf": OWNED.format(name="a")})
    monkeypatch.chdir(root)
    assert main(["check", "--select", "OWN001", "--format=json", "main.tf"]) == 0


def test_the_hooks_end_their_options_before_file_names() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["ownlint"]["args"] == ["--"]
    assert hooks["ownlint-fix"]["pass_filenames"] is False and "args" not in hooks["ownlint-fix"]


def _try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "ownlint", "--all-files"]
    environment = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    environment.pop("GITHUB_ACTIONS", None)
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, env=environment, check=False)


@pytest.mark.slow  # pre-commit try-repo
def test_pre_commit_checks_files_named_like_options_as_files(tmp_path: Path) -> None:
    repo = tmp_path / "infra"
    repo.mkdir()
    git(repo, "init", "--quiet")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "dev")
    files = {
        "providers.tf": PROVIDERS,
        "main.tf": QUEUE.format(name="jobs").replace("\n}", f"\n  {LABELLED}\n}}"),
        "evil.yaml": OFF,
        "--config=evil.yaml": OFF,  # a config that switches the rules off, as a file name that is an option
        "-rf.tf": QUEUE.format(name="unlabelled"),  # an option-like name that broke the hook
    }
    commit(repo, files, "hostile names")
    ran = _try_repo(repo, tmp_path / "pre-commit-home")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "Failed" in ran.stdout
    assert "\n-rf.tf\n" in ran.stdout and "OWN005 missing-compliance-label: aws_sqs_queue.unlabelled" in ran.stdout
    # evil.yaml switched nothing off (it and its option-like twin are no manifests: not counted as files)
    assert "1 finding (1 error) in 3 files (2 resources), preset hybrid-it." in ran.stdout


# --- item 6: the GitHub action ----------------------------------------------------------------------------------


def _action_script() -> tuple[str, dict[str, str]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = action["runs"]["steps"][-1]
    return step["run"], step["env"]


def test_the_action_takes_inputs_only_through_the_environment() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert "config" in action["inputs"] and "diff-base" in action["inputs"]
    assert "read from" in action["inputs"]["diff-base"]["description"]
    script, env = _action_script()
    assert "${{" not in script
    assert env["OWNLINT_CONFIG"] == "${{ inputs.config }}"


def _run_action(repo: Path, tmp_path: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    script, _ = _action_script()
    summary = tmp_path / "step-summary.md"
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_STEP_SUMMARY": str(summary),
        "OWNLINT_PATHS": ".",
        "OWNLINT_FAIL_ON": "error",
        "OWNLINT_SARIF": str(tmp_path / "ownlint.sarif"),
        **{f"OWNLINT_{name.upper()}": value for name, value in inputs.items()},
    }
    return subprocess.run(["bash", "-e", "-c", script], cwd=repo, capture_output=True, text=True, env=environment)


def test_the_action_judges_a_pull_request_by_the_base_config(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"ownlint.yaml": "parties:\n  internal: [platform]\n", "a.tf": ""})
    # the pull request adds an unowned queue and switches the rule off in the config it carries
    commit(repo, {"ownlint.yaml": OFF, "main.tf": QUEUE.format(name="added")}, "quiet")
    ran = _run_action(repo, tmp_path, DIFF_BASE="main", ARGS="--select OWN001", BASELINE="", CONFIG="")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "::error file=main.tf,line=1" in ran.stdout and "aws_sqs_queue.added" in ran.stdout
    assert (tmp_path / "step-summary.md").read_text().startswith("### ownlint")
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    pinned = tmp_path / "pinned.yaml"
    pinned.write_text(OFF)  # an explicit config input wins over the base's
    ran = _run_action(repo, tmp_path, DIFF_BASE="main", ARGS="--select OWN001", BASELINE="", CONFIG=str(pinned))
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_the_action_passes_file_names_after_double_dash(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"--config=evil.yaml": OFF, "evil.yaml": OFF, "main.tf": QUEUE.format(name="a")})
    ran = _run_action(repo, tmp_path, PATHS="--config=evil.yaml main.tf", ARGS="--select OWN001", DIFF_BASE="")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "aws_sqs_queue.a" in ran.stdout


def test_the_action_can_honour_only_the_configs_waivers(tmp_path: Path) -> None:
    ignored = '# ownlint:ignore all reason="the pull request says so"\n' + QUEUE.format(name="hidden")
    repo = new_repo(tmp_path / "repo", {"main.tf": ignored})
    allowed = _run_action(repo, tmp_path, ARGS="--select OWN001", DIFF_BASE="", INLINE_SUPPRESSIONS="true")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    refused = _run_action(repo, tmp_path, ARGS="--select OWN001", DIFF_BASE="", INLINE_SUPPRESSIONS="false")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "aws_sqs_queue.hidden" in refused.stdout
    assert "ignored 1 inline suppression" in refused.stderr
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["inputs"]["inline-suppressions"]["default"] == "true"


def test_diff_base_on_named_files_reports_only_what_the_change_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit style: files named from the top of the repository. The base's files are laid out where
    the head's are, so a finding the base already had keeps its fingerprint and is not new."""
    repo = new_repo(tmp_path / "repo", {"infra/main.tf": QUEUE.format(name="old")})
    (repo / "infra/main.tf").write_text(QUEUE.format(name="old") + QUEUE.format(name="added"))
    monkeypatch.chdir(repo)
    run = run_cli("check", "--select", "OWN001", "--diff-base", "main", "--format", "json", "--", "infra/main.tf")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.added")])
