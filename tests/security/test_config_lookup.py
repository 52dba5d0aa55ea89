"""One config per run, from the top of the repository (or pinned by CI): the pull request cannot pick the
policy it is judged by with a config next to a changed file, above the repository, or by editing it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli
from tests.security.test_git import OFF, OWNED, QUEUE, commit, found, git, new_repo

TEAM = "keys:\n  owner: [owner, steward]\n"
TAGGED = 'resource "aws_sqs_queue" "{name}" {{\n  tags = {{ steward = "platform" }}\n}}\n'


def repo_without_commits(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "--quiet")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path


@pytest.mark.parametrize("order", [("sub/b.tf", "a.tf"), ("a.tf", "sub/b.tf")])
def test_a_config_beside_one_changed_file_decides_nothing(
    tmp_path: Path, monkeypatch: Any, order: tuple[str, str]
) -> None:
    repo = repo_without_commits(
        tmp_path / "repo",
        {"sub/.ownlint.yaml": OFF, "a.tf": QUEUE.format(name="a"), "sub/b.tf": QUEUE.format(name="b")},
    )
    monkeypatch.chdir(repo)
    run = run_cli("check", *order, "--select", "OWN001", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.a"), ("OWN001", "aws_sqs_queue.b")])


def test_the_config_at_the_top_of_the_repository_governs_a_subdirectory(tmp_path: Path) -> None:
    repo = repo_without_commits(tmp_path / "repo", {"ownlint.yaml": TEAM, "infra/app/main.tf": TAGGED.format(name="a")})
    run = run_cli("check", str(repo / "infra" / "app"), "--select", "OWN001", "--format", "json")
    assert (run.exit_code, found(run)) == (0, [])


def test_a_config_above_the_repository_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "ownlint.yaml").write_text(OFF)
    repo = repo_without_commits(tmp_path / "repo", {"main.tf": QUEUE.format(name="a")})
    run = run_cli("check", str(repo), "--select", "OWN001", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.a")])


def test_outside_git_only_the_config_at_the_scan_root_is_read(tmp_path: Path) -> None:
    (tmp_path / "ownlint.yaml").write_text(OFF)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "main.tf").write_text(QUEUE.format(name="a"))
    run = run_cli("check", str(tmp_path / "dir"), "--select", "OWN001", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.a")])
    run = run_cli("check", str(tmp_path), "--select", "OWN001", "--format", "json")
    assert (run.exit_code, found(run)) == (0, [])


def test_paths_in_several_repositories_need_a_config(tmp_path: Path) -> None:
    one = repo_without_commits(tmp_path / "one", {"ownlint.yaml": OFF, "main.tf": QUEUE.format(name="a")})
    two = repo_without_commits(tmp_path / "two", {"main.tf": QUEUE.format(name="b")})
    run = run_cli("check", str(one), str(two), "--select", "OWN001")
    assert (run.exit_code, run.stdout, run.stderr) == (
        2,
        "",
        f"ownlint: error: the paths are in 2 repositories ({one}, {two}): check each on its own, or give --config\n",
    )
    run = run_cli("check", str(one), str(two), "--select", "OWN001", "--config", str(one / "ownlint.yaml"))
    assert run.exit_code == 0


def test_a_pull_request_that_edits_the_config_is_judged_by_the_config_at_the_ref(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"ownlint.yaml": TEAM, "main.tf": OWNED.format(name="kept")})
    commit(repo, {"ownlint.yaml": OFF, "main.tf": OWNED.format(name="kept") + QUEUE.format(name="added")}, "quiet")
    options = ("--select", "OWN001", "--diff-base", "main", "--format", "json")
    unpinned = run_cli("check", str(repo), *options)
    assert (unpinned.exit_code, found(unpinned)) == (0, [])  # the pull request's own config: why CI pins it
    pinned = run_cli("check", str(repo), *options, "--config-from-ref", "main")
    assert (pinned.exit_code, found(pinned)) == (1, [("OWN001", "aws_sqs_queue.added")])
    alone = run_cli("check", str(repo / "main.tf"), "--select", "OWN001", "--config-from-ref", "main")
    assert alone.exit_code == 1


def test_a_config_read_from_a_ref_names_the_ref_in_its_errors(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {".ownlint.yaml": "partys: {}\n", "main.tf": OWNED.format(name="a")})
    commit(repo, {".ownlint.yaml": TEAM}, "fixed in the pull request")
    run = run_cli("check", str(repo), "--config-from-ref", "main")
    assert (run.exit_code, run.stderr) == (
        2,
        "ownlint: error: main:.ownlint.yaml:1: partys: unknown key (did you mean 'parties'?)\n",
    )


def test_a_ref_without_a_config_gives_the_preset(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"main.tf": QUEUE.format(name="a")})
    commit(repo, {"ownlint.yaml": OFF}, "quiet")
    run = run_cli("check", str(repo), "--select", "OWN001", "--config-from-ref", "main", "--format", "json")
    assert (run.exit_code, found(run)) == (1, [("OWN001", "aws_sqs_queue.a")])


def test_config_and_config_from_ref_exclude_each_other(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo", {"ownlint.yaml": OFF, "main.tf": QUEUE.format(name="a")})
    run = run_cli("check", str(repo), "--config", str(repo / "ownlint.yaml"), "--config-from-ref", "main")
    assert (run.exit_code, run.stderr) == (2, "ownlint: error: give --config or --config-from-ref, not both\n")


def test_config_from_ref_outside_git_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(QUEUE.format(name="a"))
    run = run_cli("check", str(tmp_path), "--config-from-ref", "main")
    assert (run.exit_code, run.stderr) == (
        2,
        f"ownlint: error: --config-from-ref: {tmp_path} is not in a git repository\n",
    )


def test_the_base_is_checked_with_the_config_of_the_head(tmp_path: Path, monkeypatch: Any) -> None:
    """Not with a config of the base tree, nor one lying above the temporary directory it is written to."""
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    (private_tmp / "ownlint.yaml").write_text(OFF)
    repo = new_repo(tmp_path / "repo", {"main.tf": QUEUE.format(name="kept")})
    commit(repo, {"main.tf": QUEUE.format(name="kept") + OWNED.format(name="owned")}, "an owned queue")
    run = run_cli("check", str(repo), "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert (run.exit_code, found(run), run.json()["summary"]["compared_with"]["known"]) == (0, [], 1)
    stricter = new_repo(tmp_path / "stricter", {"ownlint.yaml": OFF, "main.tf": QUEUE.format(name="kept")})
    commit(stricter, {"ownlint.yaml": TEAM}, "OWN001 on again")
    run = run_cli("check", str(stricter), "--select", "OWN001", "--diff-base", "main", "--format", "json")
    assert (run.exit_code, found(run)) == (0, [])  # the finding was there before: not new


def test_each_audited_repository_has_its_own_top_level_config(tmp_path: Path) -> None:
    one = repo_without_commits(tmp_path / "one", {"ownlint.yaml": TEAM, "main.tf": TAGGED.format(name="a")})
    two = repo_without_commits(tmp_path / "two", {"infra/ownlint.yaml": TEAM, "infra/main.tf": TAGGED.format(name="b")})
    report = tmp_path / "audit.json"
    run = run_cli(
        "audit", str(one), str(two / "infra"), "--db", str(tmp_path / "a.db"), "--no-git", "-q", "--report", str(report)
    )
    assert run.exit_code == 0, run.stderr
    assert [row["address"] for row in json.loads(report.read_text())["unowned"]] == ["aws_sqs_queue.b"]
