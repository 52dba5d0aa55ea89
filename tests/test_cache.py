"""The parse cache: same results warm and cold, keyed by content and backend, safe when damaged."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import FIXTURES, fixture_config, run_cli

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.backends import resolve_backend
from ownlint.loaders.terraform.cache import ParseCache, decode, encode

ESTATE = FIXTURES / "estate"
PINNED = fixture_config(ESTATE)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("[0-9a-f][0-9a-f]/*.json"))  # the parse entries (outlines/ holds the outline store)


def test_warm_cold_and_uncached_runs_agree(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    estate = tmp_path / "estate"
    shutil.copytree(ESTATE, estate)
    cold = run_cli("check", str(estate), *PINNED, "--cache-dir", str(cache), "--format", "json")
    assert entries(cache) == []  # a first run writes result entries only: its roots are replayed next time
    assert any((cache / "results").rglob("*.json"))
    files = sorted(estate.rglob("*.tf"))
    for path in files:  # every root edited: evaluated again, and what is parsed again is worth keeping
        path.write_text(path.read_text() + "\n")
    edited = run_cli("check", str(estate), *PINNED, "--cache-dir", str(cache), "--format", "json")
    written = entries(cache)
    assert len(written) == len(files)
    warm = run_cli("check", str(estate), *PINNED, "--cache-dir", str(cache), "--format", "json")
    uncached = run_cli("check", str(estate), *PINNED, "--no-cache", "--format", "json")
    assert cold.json() == edited.json() == warm.json() == uncached.json()
    assert entries(cache) == written


def test_a_warm_run_does_not_parse(tmp_path: Path, monkeypatch: Any) -> None:
    cache = tmp_path / "cache"
    run_cli("check", str(ESTATE), *PINNED, "--cache-dir", str(cache))
    from ownlint.loaders.terraform import ts_backend

    def refuse(text: str, path: str) -> m.HclFile:
        raise AssertionError(f"{path} was parsed although it is cached")

    monkeypatch.setattr(ts_backend, "parse", refuse)
    run = run_cli("check", str(ESTATE), *PINNED, "--cache-dir", str(cache), "--parser", "tree-sitter")
    assert run.exit_code == 1 and "OWN008" in run.stdout


def test_entries_are_keyed_by_content_and_backend(tmp_path: Path) -> None:
    first, second = ParseCache(tmp_path, "tree-sitter"), ParseCache(tmp_path, "hcl2")
    assert first.key("a = 1\n") != first.key("a = 2\n")
    assert first.key("a = 1\n") != second.key("a = 1\n")


def test_an_entry_made_by_other_code_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser fix under the same version string (a checkout, an editable install, a release that forgot to bump
    FORMAT: a template in a block label became a syntax error, while warm runs kept reading it as '') must not
    replay what the older code parsed: the entries are keyed by the code's digest, as the result cache's are."""
    from ownlint.loaders.terraform import cache as parse_cache

    text = 'resource "aws_sqs_queue" "q" {}\n'
    monkeypatch.setattr(parse_cache, "code_digest", lambda: "older")
    cache = ParseCache(tmp_path, "tree-sitter")
    cache.put(text, ts_parse(text))
    assert cache.get(text, "main.tf") is not None
    monkeypatch.setattr(parse_cache, "code_digest", lambda: "newer")
    assert cache.get(text, "main.tf") is None


def ts_parse(text: str) -> m.HclFile:
    from ownlint.loaders.terraform import ts_backend

    return ts_backend.parse(text, "main.tf")


@pytest.mark.parametrize(
    "damage",
    ["{not json", json.dumps({"t": "Popen", "f": ["rm -rf /"]}), json.dumps({"t": "HclFile", "f": [1]}), ""],
    ids=["truncated", "foreign-class", "wrong-shape", "empty"],
)
def test_a_damaged_or_planted_entry_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    root = tmp_path / "repo"
    root.mkdir()
    text = 'resource "aws_sqs_queue" "q" {}\n'
    (root / "main.tf").write_text(text)
    run_cli("check", str(root), "--cache-dir", str(cache))
    (root / "notes.tf").write_text("# notes\n")  # the root is evaluated again: its files' entries written
    run_cli("check", str(root), "--cache-dir", str(cache))
    key = ParseCache(cache, resolve_backend("auto")).key(text)
    [entry] = [e for e in entries(cache) if e.name == f"{key}.json"]
    entry.write_text(damage)
    (root / "more.tf").write_text("# more\n")  # and again: main.tf's entry is read
    expected = run_cli("check", str(root), "--no-cache", "--format", "json").json()
    assert run_cli("check", str(root), "--cache-dir", str(cache), "--format", "json").json() == expected
    assert decode(json.loads(entry.read_text())["model"])  # rewritten with a good entry


def test_the_codec_round_trips_every_fixture_model() -> None:
    from ownlint.loaders.terraform import ts_backend

    for path in sorted(FIXTURES.rglob("*.tf")):
        try:
            model = ts_backend.parse(path.read_bytes().decode("utf-8", errors="replace"), str(path))
        except m.HclSyntaxError:
            continue
        assert decode(json.loads(json.dumps(encode(model)))) == model


def test_pruning_keeps_the_cache_under_its_limit(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path, "tree-sitter")
    for index in range(20):
        cache.put(f"a = {index}\n", m.HclFile("x.tf", (), ()))
    size = sum(p.stat().st_size for p in entries(tmp_path))
    cache.prune(limit=size // 2)
    assert sum(p.stat().st_size for p in entries(tmp_path)) <= size // 2


def test_concurrent_runs_share_one_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    command = [
        sys.executable,
        "-m",
        "ownlint",
        "check",
        str(ESTATE),
        *PINNED,
        "--cache-dir",
        str(cache),
        "--format",
        "json",
    ]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert {run.returncode for run in runs} == {1}
    assert all(not stderr for _, stderr in outputs)
    assert len({stdout for stdout, _ in outputs}) == 1
    assert not list(cache.glob("*/.entry.*"))  # no temporary file left behind
