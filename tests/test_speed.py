"""Speed work keeps behaviour: each faster path gives exactly what the plain one gave."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, fixture_config, run_cli

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.heredoc import _closing_brace, split_template


def _reference_split(text: str, parse_expression: Callable[[str], m.Expr]) -> m.Expr:
    """The character-at-a-time splitter the heredoc module had before (the oracle)."""
    parts: list[m.Expr] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("$${", index) or text.startswith("%%{", index):
            literal.append(text[index + 1 : index + 3])
            index += 3
        elif text.startswith("${", index) or text.startswith("%{", index):
            end = _closing_brace(text, index + 2)
            if end < 0:
                return m.Unsupported("unterminated template interpolation")
            if literal:
                parts.append(m.Lit("".join(literal)))
                literal = []
            inner = text[index + 2 : end].strip().strip("~").strip()
            parts.append(m.Unsupported("template directive %{...}") if text[index] == "%" else parse_expression(inner))
            index = end + 1
        else:
            literal.append(text[index])
            index += 1
    if literal:
        parts.append(m.Lit("".join(literal)))
    if len(parts) == 1 and isinstance(parts[0], m.Lit):
        return parts[0]
    return m.Template(tuple(parts)) if parts else m.Lit("")


def test_the_heredoc_splitter_skips_literal_runs_and_splits_as_before() -> None:
    rng = random.Random(20)
    pieces = ["$", "%", "{", "}", "${a}", "$${", "%%{", "%{ if x }", '"', "\\", "abc", "\n", " ", "${ {b} }", "$$$"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        assert split_template(text, m.Name) == _reference_split(text, m.Name), text


def _fixture_directories() -> list[Path]:
    """Every fixture directory that holds Terraform or manifests directly: each is checked as a run would."""
    found = set()
    for path in FIXTURES.rglob("*"):
        if path.is_file() and path.suffix in (".tf", ".yaml", ".yml", ".tfvars") and path.name != "ownlint.yaml":
            found.add(path.parent)
    return sorted(found)


def _check(directory: Path, *options: str) -> tuple[int, str, str]:
    run = run_cli("check", str(directory), *fixture_config(directory), "--format", "json", "--today", TODAY, *options)
    return run.exit_code, run.stdout, run.stderr


TODAY = "2026-01-01"


def test_cold_warm_and_uncached_runs_agree_byte_for_byte_on_every_fixture(tmp_path: Path) -> None:
    directories = _fixture_directories()
    assert len(directories) > 40
    cache = str(tmp_path / "cache")
    for directory in directories:
        uncached = _check(directory, "--no-cache")
        cold = _check(directory, "--cache-dir", cache)
        warm = _check(directory, "--cache-dir", cache)
        assert cold == warm == uncached, directory


EDITS: list[tuple[str, Callable[[str], str]]] = [
    ("a module's tag changes", lambda text: text.replace("owner", "owner_", 1)),
    ("a resource is added", lambda text: text + '\nresource "aws_sqs_queue" "speed_added" {\n  name = "x"\n}\n'),
    ("the file stops parsing", lambda text: text + "\nresource {\n"),
    ("the file is as it was", lambda text: text),
]


def test_a_changed_file_sequence_gives_what_an_uncached_run_gives(tmp_path: Path) -> None:
    """Each step edits one module file of a copy of the estate: the run with the cache the earlier steps
    filled is byte for byte the run without a cache."""
    estate = tmp_path / "estate"
    shutil.copytree(FIXTURES / "estate", estate)
    config = fixture_config(FIXTURES / "estate")
    cache = str(tmp_path / "cache")
    files = sorted(p for p in estate.rglob("*.tf") if "modules" in p.parts) or sorted(estate.rglob("*.tf"))
    target = files[0]
    original = target.read_text()

    def run(*options: str) -> tuple[int, str]:
        found = run_cli("check", str(estate), *config, "--format", "json", "--today", TODAY, *options)
        return found.exit_code, found.stdout

    assert run("--cache-dir", cache) == run("--no-cache")
    outputs = set()
    for name, edit in EDITS:
        target.write_text(edit(original))
        cached = run("--cache-dir", cache)
        assert cached == run("--no-cache"), name
        assert cached == run("--cache-dir", cache), name
        outputs.add(cached)
    assert len(outputs) == len(EDITS)  # every edit changed what the run reports but the last, which undid them
