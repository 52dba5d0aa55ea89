"""Ctrl-C, SIGTERM (how CI cancels a job) and internal errors: one line, a distinct exit code, nothing left
behind, never a hang or a traceback (issue 15, item 16 and the low item "a crash exits 1")."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import ROOT

from ownlint import __version__
from ownlint.cli import main

sys.path.insert(0, str(ROOT / "benchmarks"))
from estate import write_estate


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Over the threshold for worker processes, and large enough that a run in one process takes seconds (~1.9 s
    of CPU here: at 600 stacks a run took ~1 s, and was often over before the signal came)."""
    root = tmp_path_factory.mktemp("interrupt") / "estate"
    write_estate(root, 1200, 1200)
    return root


def _children(parent: int) -> list[int]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if f"PPid:\t{parent}\n" in (proc / "status").read_text():
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return found


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _when_loading(process: subprocess.Popen[str], jobs: str) -> None:
    """Wait until the run is well into loading, by its progress rather than the clock (a loaded machine is
    slow, an idle one fast): with ``--jobs 2`` until its workers run, else until it has used half a second of CPU
    (the imports take a fraction of it, the run about four times as much)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if len(_children(process.pid)) >= 2 if jobs != "1" else _cpu_seconds(process.pid) >= 0.5:
            break
        time.sleep(0.02)
    assert process.poll() is None, process.communicate()


CASES = {
    "ctrl-c-j1": (signal.SIGINT, "1", False, 130, "ownlint: interrupted\n"),
    "ctrl-c-j2": (signal.SIGINT, "2", False, 130, "ownlint: interrupted\n"),
    "ctrl-c-terminal-j2": (signal.SIGINT, "2", True, 130, "ownlint: interrupted\n"),
    "sigterm-j1": (signal.SIGTERM, "1", False, 143, "ownlint: terminated\n"),
    "sigterm-j2": (signal.SIGTERM, "2", False, 143, "ownlint: terminated\n"),
    "sigterm-process-group-j2": (signal.SIGTERM, "2", True, 143, "ownlint: terminated\n"),
}


@pytest.mark.slow  # a 1200-directory estate, interrupted while it loads
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_signal_stops_with_one_line_its_exit_code_and_no_partial_files(
    tmp_path: Path, estate: Path, case: str
) -> None:
    """The signal to ownlint alone (``kill``), or to its whole process group (a terminal's Ctrl-C, a CI
    runner cancelling a job): workers included. Decisive for ``--jobs 2``: run it 30 times in a loop."""
    number, jobs, to_group, code, message = CASES[case]
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-m", "ownlint", "check", str(estate), "--no-cache", "--jobs", jobs]
    process = subprocess.Popen(
        [*command, "--format", "json", "-o", str(out / "report.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a job
    )
    try:
        _when_loading(process, jobs)
        workers = _children(process.pid)
        if to_group:
            os.killpg(process.pid, number)
        else:
            process.send_signal(number)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever a failing run left: its workers too
            os.killpg(process.pid, signal.SIGKILL)
    assert (process.returncode, stdout, stderr) == (code, "", message)
    assert list(out.iterdir()) == []  # neither the report nor a temporary file
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]  # no worker left running


HINT = (
    f"(this is a bug in ownlint {__version__}: please report it with the command line;"
    " set OWNLINT_TRACEBACK=1 for the traceback)"
)


def _crash(*args: object, **kwargs: object) -> object:
    raise ValueError("bad value\n::error file=x::forged\x1b[31m\ud800")


def test_an_internal_error_exits_2_with_one_escaped_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    monkeypatch.setattr("ownlint.loaders.terraform.load.load_terraform", _crash)  # imported by the run when used
    monkeypatch.delenv("OWNLINT_TRACEBACK", raising=False)
    assert main(["check", str(tmp_path), "--no-cache"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "ownlint: internal error: ValueError: bad value\\n::error file=x::forged\\x1b[31m\\ud800 " + HINT + "\n"
    )


def test_the_traceback_of_an_internal_error_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    monkeypatch.setattr("ownlint.loaders.terraform.load.load_terraform", _crash)  # imported by the run when used
    monkeypatch.setenv("OWNLINT_TRACEBACK", "1")
    with pytest.raises(ValueError, match="bad value"):
        main(["check", str(tmp_path), "--no-cache"])


# a run whose Terraform workers, told to end, take a minute to write their cache entries (review of issue 20)
SLOW_FLUSH = """
import os, sys, time
from ownlint.loaders.terraform import load, workers
load.MIN_PARALLEL_FILES = 1
parent, flush = os.getpid(), workers._flush
def slow():
    if os.getpid() != parent:
        time.sleep(60)
    flush()
workers._flush = slow
from ownlint.cli import main
sys.exit(main())
"""


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_while_workers_still_write_the_cache_stops_at_once(tmp_path: Path, number: signal.Signals) -> None:
    """The report is out and the run waits for its workers to write their result cache entries (they write while
    the rules run): a signal then ends them and the run at once, with its one line and exit code, not a
    traceback from the wait."""
    write_estate(tmp_path / "estate", 4, 0)
    report = tmp_path / "report.json"
    command = [sys.executable, "-c", SLOW_FLUSH, "check", str(tmp_path / "estate"), "--jobs", "2"]
    process = subprocess.Popen(
        [*command, "--cache-dir", str(tmp_path / "cache"), "--format", "json", "-o", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not report.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        workers = _children(process.pid)
        assert len(workers) == 2, process.communicate()
        signalled = time.monotonic()
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=50)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    message = "ownlint: interrupted\n" if number == signal.SIGINT else "ownlint: terminated\n"
    code = 130 if number == signal.SIGINT else 143
    assert (process.returncode, stdout, stderr) == (code, "", message)
    assert time.monotonic() - signalled < 20  # not after the workers' minute
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
