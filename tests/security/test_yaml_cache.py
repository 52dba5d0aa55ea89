"""YAML documents in the parse cache (issue 20): invisible in the output, under the parse cache's checks.

An entry is used only for the exact text it was built from (its digest, the backend, the version), only in a
directory only this user can change and outside the scanned repository; what JSON cannot give back exactly
(dates, aliases) is never stored; an entry of another shape is ignored and rewritten.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders.kubernetes.cached import BACKEND, MIN_BYTES
from ownlint.loaders.terraform.cache import ParseCache

UNOWNED = (
    """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
  labels:
    app: web
"""
    + "# a file large enough to be worth caching\n" * 200
)
OWNED = UNOWNED.replace("    app: web\n", "    app: web\n    owner: team-a\n")


def entry_of(cache: Path, text: str) -> Path:
    key = ParseCache(cache, BACKEND).key(text)
    return cache / key[:2] / f"{key}.json"


def check(repo: Path, *options: str) -> tuple[int, str, str]:
    run = run_cli("check", str(repo), "--format", "json", *options)
    return run.exit_code, run.stdout, run.stderr


def test_a_manifest_is_parsed_once_and_read_back_exactly(tmp_path: Path) -> None:
    assert len(UNOWNED) >= MIN_BYTES
    small = UNOWNED[: MIN_BYTES - 1]  # parsed each time: writing an entry would cost more than parsing it
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED, "owned.yaml": OWNED, "small.yaml": small})
    cache = tmp_path / "cache"
    uncached = check(repo, "--no-cache")
    assert "OWN001" in uncached[1]
    assert check(repo, "--cache-dir", str(cache)) == uncached
    assert entry_of(cache, UNOWNED).is_file() and entry_of(cache, OWNED).is_file()
    assert not entry_of(cache, small).exists()
    assert check(repo, "--cache-dir", str(cache)) == uncached


def test_an_entry_for_other_content_under_the_right_key_changes_nothing(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    decoy = write_tree(tmp_path / "decoy", {"app.yaml": OWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    check(decoy, "--cache-dir", str(cache))
    forged = entry_of(cache, UNOWNED)
    forged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entry_of(cache, OWNED), forged)
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert check(repo, "--cache-dir", str(cache)) == expected  # rewritten, still right


@pytest.mark.parametrize(
    "data",
    [
        {"documents": [[{"apiVersion": "v1"}, 1, 2, [["x", "1"]]]], "problems": []},
        {"documents": [["not a mapping", 1, 2, []]], "problems": []},
        {"documents": [], "problems": [["1", "invalid"]]},
        {"documents": "none"},
        ["a list"],
    ],
    ids=["bad-key-line", "bad-data", "bad-problem", "bad-documents", "not-a-mapping"],
)
def test_an_entry_of_another_shape_is_ignored_and_rewritten(tmp_path: Path, data: object) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    check(repo, "--cache-dir", str(cache))
    entry = entry_of(cache, UNOWNED)
    written = json.loads(entry.read_text())
    entry.write_text(json.dumps({**written, "data": data}))
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert json.loads(entry.read_text()) == written


def test_what_json_cannot_give_back_is_never_stored(tmp_path: Path) -> None:
    dated = UNOWNED + "data:\n  since: !!timestamp 2024-01-01\n"  # a date only when tagged (YAML 1.2 core)
    aliased = UNOWNED.replace("  labels:\n    app: web\n", "  labels: &l\n    app: web\n  annotations: *l\n")
    repo = write_tree(tmp_path / "repo", {"dated.yaml": dated, "aliased.yaml": aliased})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert not entry_of(cache, dated).exists() and not entry_of(cache, aliased).exists()
    assert check(repo, "--cache-dir", str(cache)) == expected


def test_a_cache_inside_the_scanned_repository_is_not_used_for_manifests(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = repo / ".cache" / "ownlint"
    expected = check(repo, "--no-cache")
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert not cache.exists()


def test_workers_fill_and_read_the_cache_alike(tmp_path: Path) -> None:
    files = {f"ns-{n:03d}/app.yaml": UNOWNED.replace("settings", f"settings-{n}") for n in range(80)}
    repo = write_tree(tmp_path / "repo", files)
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache", "--jobs", "1")
    assert check(repo, "--cache-dir", str(cache), "--jobs", "2") == expected
    assert len(list(cache.glob("*/*.json"))) == 80
    assert check(repo, "--cache-dir", str(cache), "--jobs", "2") == expected
    assert check(repo, "--cache-dir", str(cache), "--jobs", "1") == expected


def test_a_cache_directory_others_can_write_is_not_used_for_manifests(tmp_path: Path) -> None:
    """The entry planted there (another text's, under this text's key) is neither read nor rewritten."""
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    decoy = write_tree(tmp_path / "decoy", {"app.yaml": OWNED})
    cache = tmp_path / "shared" / "cache"
    expected = check(repo, "--no-cache")
    check(decoy, "--cache-dir", str(cache))
    forged = entry_of(cache, UNOWNED)
    forged.parent.mkdir(parents=True, exist_ok=True)
    planted = json.loads(entry_of(cache, OWNED).read_text())
    forged.write_text(json.dumps({**planted, "source": _digest(UNOWNED)}))  # a forgery with the right digest
    cache.chmod(0o777)
    before = forged.read_text()
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert forged.read_text() == before


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()
