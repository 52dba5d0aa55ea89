"""Hostile and broken input: each case gives a located OWN000 (or a note), the rest of the run goes on,
and nothing crashes, hangs or eats memory. ``fixtures/bad/*/expected.txt`` pin what ownlint does with
each committed case; the cases that cannot be committed (huge, deep, symlinks) are made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, expected_lines, run_cli

BAD = FIXTURES / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def _outcome(path: Path, *extra: str) -> list[str]:
    """``exit N``, the notes, and the OWN000/OWN012 findings of a check, as the expected files list them."""
    run = run_cli("check", str(path), "--no-cache", "--format", "json", *extra)
    notes = [f"note: {line[6:]}" for line in run.stderr.splitlines() if line.startswith("note: ")]
    found = [
        f"{f['rule']} {f['file']}:{f['line']} {f['message']}"
        for f in run.json()["findings"]
        if f["rule"] in ("OWN000", "OWN012")
    ]
    return [f"exit {run.exit_code}", *notes, *found]


@pytest.mark.parametrize("case", CASES)
def test_each_bad_input_has_its_documented_outcome(case: str) -> None:
    assert _outcome(BAD / case) == expected_lines(BAD / case / "expected.txt")


def test_bad_files_do_not_stop_the_good_ones(tmp_path: Path) -> None:
    """Every committed bad case in one run beside a good file: the good file is still checked."""
    for case in CASES:
        target = tmp_path / case
        target.mkdir()
        for file in (BAD / case).rglob("*"):
            if file.is_file() and file.name != "expected.txt":
                (target / file.relative_to(BAD / case)).parent.mkdir(parents=True, exist_ok=True)
                (target / file.relative_to(BAD / case)).write_bytes(file.read_bytes())
    (tmp_path / "good.tf").write_text('resource "aws_sqs_queue" "good" {\n  name = "good"\n}\n')
    run = run_cli("check", str(tmp_path), "--no-cache", "--format", "json")
    assert run.exit_code == 1
    assert any(f["file"] == "good.tf" and f["rule"] == "OWN001" for f in run.json()["findings"])


# Linux keeps a process's peak RSS across fork and exec, so a child of pytest starts with pytest's peak:
# a small interpreter starts the command and reports the peak of that grandchild instead.
_WRAPPER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def _measured(command: list[str], cwd: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS in MiB, exit code) of a fresh process."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    peak_kib, exit_code = map(int, done.stdout.split())
    return time.monotonic() - start, peak_kib // 1024, exit_code


def test_deep_nesting_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.tf.json").write_text('{"locals": {"x": ' + "[" * 50_000 + "]" * 50_000 + "}}")
    (tmp_path / "deep.tf").write_text("locals {\n  x = " + "(" * 5000 + "1" + ")" * 5000 + "\n}\n")
    config = "parties:\n  internal: [" + "[" * 50_000 + "]" * 50_000 + "]\n"
    assert _outcome(tmp_path) == [
        "exit 1",
        "OWN000 deep.tf:1 invalid HCL: nesting too deep to parse",
        "OWN000 deep.tf.json:1 invalid JSON: nested more than 1000 levels deep; not parsed",
        "OWN000 deep.yaml:3 invalid YAML: nested more than 1000 levels deep; not parsed",
    ]
    (tmp_path / "ownlint.yaml").write_text(config)
    run = run_cli("check", str(tmp_path), "--no-cache")
    assert (run.exit_code, run.stderr.strip()) == (
        2,
        f"ownlint: error: {tmp_path / 'ownlint.yaml'}:2: invalid YAML: exceeded maximum nesting depth",
    )


def test_alias_bomb_and_huge_file_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """A billion-laughs document (10^9 leaves if expanded) and a 50 MB file: seconds and MiB, measured."""
    levels = "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(9))
    (tmp_path / "bomb.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + levels
    )
    huge = tmp_path / "huge.tf"
    with huge.open("w") as stream:
        for index in range(50 * 1024 * 1024 // 64):
            stream.write(f"# padding line {index:020d} ..............................\n")
    command = [sys.executable, "-m", "ownlint", "check", ".", "--no-cache", "--format", "json", "-o", "out.json"]
    seconds, peak_mib, exit_code = _measured(command, tmp_path)
    found = json.loads((tmp_path / "out.json").read_text())["findings"]
    messages = {f["file"]: f["message"] for f in found if f["rule"] == "OWN000"}
    limit = "10485760 byte limit (--max-file-size)"
    assert messages == {"huge.tf": f"skipped: {huge.stat().st_size} bytes is over the {limit}"}
    assert exit_code == 1 and seconds < 20 and peak_mib < 300, (seconds, peak_mib)
    print(f"bomb + 50 MB file: {seconds:.2f} s, peak {peak_mib} MiB")


def test_the_size_limit_is_an_option(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\n" + "#" * 3000 + "\n")
    assert _outcome(tmp_path, "--max-file-size", "2K") == [
        "exit 1",
        "OWN000 big.yaml:1 skipped: 3054 bytes is over the 2048 byte limit (--max-file-size)",
    ]
    assert _outcome(tmp_path, "--max-file-size", "1M") == ["exit 1"]  # read: the ConfigMap has no owner
    bad = run_cli("check", str(tmp_path), "--max-file-size", "lots")
    assert bad.exit_code == 2 and "'lots' is not a size such as 10M, 512K or 1048576" in bad.stderr


def test_symlinks_loops_and_tool_directories_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "loop").mkdir(parents=True)
    (root / "loop" / "again").symlink_to("..")
    outside = tmp_path / "elsewhere.tf"
    outside.write_text('resource "aws_sqs_queue" "elsewhere" {}\n')
    (root / "link.tf").symlink_to(outside)
    for skipped in (".terraform", ".git"):
        (root / skipped).mkdir()
        (root / skipped / "broken.tf").write_text("{{{")
    (root / "main.tf").write_text('resource "aws_sqs_queue" "main" {\n  name = "main"\n}\n')
    run = run_cli("check", str(root), "--no-cache", "--format", "json")
    assert run.exit_code == 1
    assert run.stderr == f"note: skipped 1 symlink pointing outside the scanned tree: {root / 'link.tf'}\n"
    assert sorted({f["file"] for f in run.json()["findings"]}) == ["main.tf"]


def test_a_file_that_cannot_be_read_is_a_located_problem(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file: permission denied cannot happen here")
    secret = tmp_path / "secret.tf"
    secret.write_text('resource "aws_sqs_queue" "x" {}\n')
    secret.chmod(0)
    assert _outcome(tmp_path) == ["exit 1", "OWN000 secret.tf:1 cannot read file: Permission denied"]


def test_a_file_that_vanishes_mid_scan_is_a_located_problem(tmp_path: Path) -> None:
    """Found by discovery, gone when read (a checkout switching branches under the scan)."""
    from ownlint.loaders.kubernetes.load import load_kubernetes
    from ownlint.loaders.terraform.load import load_terraform

    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    gone_manifest, gone_module = tmp_path / "gone.yaml", tmp_path / "gone.tf"
    manifests = load_kubernetes(tmp_path, [gone_manifest])
    assert [(p.file, p.line, p.message) for p in manifests.problems] == [
        ("gone.yaml", 1, "cannot read file: No such file or directory")
    ]
    terraform = load_terraform(tmp_path, [tmp_path / "main.tf", gone_module])
    assert [r.address for r in terraform.resources] == ["aws_sqs_queue.q"]  # the directory is listed anew


def test_a_chain_of_locals_too_long_to_follow_is_unknown_with_the_reason(tmp_path: Path) -> None:
    chain = "".join(f"  l{i} = local.l{i + 1}\n" for i in range(3000))
    (tmp_path / "main.tf").write_text(
        f'locals {{\n{chain}  l3000 = "platform"\n}}\n'
        'resource "aws_s3_bucket" "d" {\n  bucket = "x"\n  tags = { owner = local.l0 }\n}\n'
    )
    started = time.monotonic()
    outcome = _outcome(tmp_path)
    assert time.monotonic() - started < 10
    assert outcome == [
        "exit 1",
        "OWN012 main.tf:3004 aws_s3_bucket.d: cannot be known statically: owner: evaluation error: "
        "expression nests too deeply (local.l32 (main.tf:34))",
    ]


def test_deep_block_nesting_is_a_problem_too(tmp_path: Path) -> None:
    levels = "".join(f"{'  ' * depth}k{depth}:\n" for depth in range(1002))
    (tmp_path / "deep.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n" + levels.replace("k0:\n", "  k0:\n", 1)
    )
    assert _outcome(tmp_path) == [
        "exit 1",
        "OWN000 deep.yaml:1003 invalid YAML: nested more than 1000 levels deep; not parsed",  # 1001 deep
    ]
