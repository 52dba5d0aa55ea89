from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import settings

from ownlint.cli import cli

# `pytest --hypothesis-profile=long` for a fuzzing run of many more examples than CI's default 100
settings.register_profile("long", max_examples=2000, deadline=None)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, input: str | None = None) -> Run:
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def imports_of(cwd: Path, *args: str) -> tuple[str, set[str]]:
    """The standard output of ``ownlint ARGS`` in a fresh interpreter (as pre-commit starts it) and the modules
    it imported (``python -X importtime``)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ownlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"},
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    lines = done.stderr.splitlines()
    return done.stdout, {line.rpartition("|")[2].strip() for line in lines if line.startswith("import time:")}


def finding_lines(findings: list[dict[str, Any]]) -> list[str]:
    """Findings in the format of the fixtures' expected files."""
    return [f"{f['rule']} {f['file']}:{f['line']} {f['resource'] or '-'}" for f in findings]


def fixture_config(directory: Path) -> tuple[str, ...]:
    """``--config`` for a fixture estate: its ownlint.yaml lies inside this repository, not at its top, so a
    check reads it only when given (one config per run, from the top of the repository: issue 15)."""
    for candidate in (directory, *directory.parents):
        if candidate == FIXTURES.parent:
            break
        if (candidate / "ownlint.yaml").is_file():
            return ("--config", str(candidate / "ownlint.yaml"))
    return ()


def expected_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def git_repo(root: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """``files`` written under ``root``, made a repository (a ``.git`` directory) and the working directory,
    with the outline store recording files written a moment ago (a test's)."""
    from ownlint.loaders import identity

    write_tree(root, files)
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setattr(identity, "RACY_NS", 0)
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Any:
    def make(files: dict[str, str]) -> Path:
        return write_tree(tmp_path, files)

    return make


def effective_tag_lines(resources: Any) -> list[str]:
    """Every resource's effective tags, one line each, as the fixtures' ``expected-tags.txt`` lists them:
    ``[stack//]address [instances] key=value ...``; unknown values are ``key=?``; ``+?`` when more keys
    may exist; ``(not checked)`` for resources that are not taggable or never created."""
    lines = []
    for resource in resources:
        if resource.type == "module":
            continue
        stack = f"{resource.stack}//" if resource.stack not in ("", ".") else ""
        parts = [f"{stack}{resource.address}"]
        if resource.instances:
            parts.append(f"[{' '.join(resource.instances)}]")
        if not resource.taggable:
            parts.append("(not checked)")
        parts.extend(f"{t.key}={t.value if t.known else '?'}" for t in sorted(resource.tags, key=lambda t: t.key))
        if resource.opaque:
            parts.append("+?")
        lines.append(" ".join(parts))
    return sorted(lines)


@pytest.fixture(autouse=True)
def _parse_cache_in_a_temporary_directory(tmp_path_factory: pytest.TempPathFactory, monkeypatch: Any) -> None:
    """Commands run by the tests cache parsed files in a directory of the test session, not the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def require_git() -> str:
    """git, or a skip with the reason (a failure under .ci/run, which sets OWNLINT_REQUIRE_GIT)."""
    import os
    import shutil

    found = shutil.which("git")
    if found is None:
        if os.environ.get("OWNLINT_REQUIRE_GIT"):
            pytest.fail("OWNLINT_REQUIRE_GIT is set but git is not on the PATH")
        pytest.skip("git is not installed")
    return found


def process_running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie has ended: its parent, gone, never reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"
