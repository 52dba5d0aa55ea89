"""Running a tool on untrusted input: no shell, a clean environment, a time limit and a bound on what it
writes (its process group is killed past either); its error output is read up to a few kilobytes."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import tempfile
import time

from ownlint.records import record

ERROR_BYTES = 4096  # what is read of the error output: its first line is quoted


@record(frozen=True)
class Ran:
    """What a tool did: its exit code (None: it was stopped), its output, and why it failed (or None)."""

    code: int | None
    output: bytes
    failure: str | None


def run_bounded(argv: list[str], env: dict[str, str], cwd: str, timeout: float, max_bytes: int, what: str) -> Ran:
    """Run ``argv`` (``what`` names it in the reasons): at most ``timeout`` seconds and ``max_bytes`` of output."""
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=cwd,
                start_new_session=True,
            )  # fmt: skip
        except OSError as error:
            return Ran(None, b"", f"could not run {os.path.basename(argv[0])}: {error.strerror or error}")
        output, failure = _read(process, (deadline, timeout), max_bytes, what)
        code = _wait(process, deadline) if failure is None else _stop(process)
        if failure is None and code is None:
            output, failure = b"", f"{what} took more than {timeout:g} s"
        errors.seek(0)
        said = errors.read(ERROR_BYTES).decode("utf-8", "replace").strip().splitlines()
    if failure is None and code != 0:
        failure = f"{what} failed: {said[0] if said else f'exit code {code}'}"
    return Ran(code, output, failure)


def _wait(process: subprocess.Popen[bytes], deadline: float) -> int | None:
    """Its exit code, or None when it has not ended by the deadline (it is killed)."""
    try:
        return process.wait(timeout=max(deadline - time.monotonic(), 0.01))
    except subprocess.TimeoutExpired:
        return _stop(process)


def _read(
    process: subprocess.Popen[bytes], limit: tuple[float, float], max_bytes: int, what: str
) -> tuple[bytes, str | None]:
    """Its output until it closes it, or the reason it was cut off (too slow, too much)."""
    assert process.stdout is not None
    chunks: list[bytes] = []
    size, (deadline, timeout) = 0, limit
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return b"", f"{what} took more than {timeout:g} s"
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                process.stdout.close()
                return b"".join(chunks), None
            size += len(chunk)
            if size > max_bytes:
                return b"", f"{what} wrote more than {max_bytes} bytes"
            chunks.append(chunk)


def _stop(process: subprocess.Popen[bytes]) -> int | None:
    """Kill its whole process group (what it started too); no exit code to give."""
    with contextlib.suppress(OSError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    if process.stdout is not None:
        process.stdout.close()
    process.wait()
    return None
