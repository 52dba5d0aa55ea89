"""Manifests through the manifest cache (issue 20): invisible in the output, under the parse cache's checks.

A repository's manifests are kept in a few entries (``BUCKETS``, by directory); a file is taken from its entry
only when the entry records the digest of its exact text (or the identity of the file unchanged since it was
recorded: device, inode, size, modification and change times, as ``tests/test_kube_warm.py`` checks), the
entry's key material and checksum match, and
the entry is a regular file of bounded size in a directory only this user can change, outside the scanned
repository. What JSON cannot give back exactly (dates, aliases) is marked and parsed each time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders.kubernetes import cached, reading
from ownlint.loaders.kubernetes.cached import ManifestCache, bucket_of

UNOWNED = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
  labels:
    app: web
"""
OWNED = UNOWNED.replace("    app: web\n", "    app: web\n    owner: team-a\n")


def entry_of(cache: Path, repo: Path, directory: Path) -> Path:
    key = ManifestCache(cache, str(repo.resolve())).key(bucket_of(os.path.abspath(directory)))
    return cache / "manifests" / key[:2] / f"{key}.json"


def read_entry(path: Path) -> tuple[dict[str, object], dict[str, dict[str, list[object]]]]:
    header, body = path.read_text().split("\n", 1)
    return json.loads(header), json.loads(body)


def write_entry(path: Path, header: dict[str, object], body: object, resign: bool = True) -> None:
    text = json.dumps(body)
    if resign:
        header = {**header, "check": cached.checksum(text.encode())}
    path.write_text(json.dumps(header) + "\n" + text)


def check(repo: Path, *options: str) -> tuple[int, str, str]:
    run = run_cli("check", str(repo), "--format", "json", *options)
    return run.exit_code, run.stdout, run.stderr


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that would parse any manifest fails: what it reports came from the cache."""

    def refuse(text: str, shown: str) -> object:
        raise AssertionError(f"{shown} parsed")

    monkeypatch.setattr(reading, "parsed_documents", refuse)


def forged(cache: Path, repo: Path) -> tuple[Path, dict[str, object], object]:
    """An entry for ``repo/app.yaml`` (UNOWNED) holding OWNED's documents under UNOWNED's digest, signed: what
    whoever can write the cache directory could plant. Returns its place, header and body."""
    decoy = write_tree(repo.parent / "decoy", {"app.yaml": OWNED})
    check(decoy, "--cache-dir", str(cache))
    _, body = read_entry(entry_of(cache, decoy, decoy))
    record = body[os.path.abspath(decoy)]["app.yaml"]
    place = entry_of(cache, repo, repo)
    material = ManifestCache(cache / "manifests", str(repo.resolve()))._material(bucket_of(os.path.abspath(repo)))
    forged_body = {os.path.abspath(repo): {"app.yaml": [cached.digest(UNOWNED), record[1]]}}
    return place, {"key": material}, forged_body


def test_every_manifest_is_parsed_once_and_read_back_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED, "owned.yaml": OWNED, "team/b.yaml": UNOWNED})
    cache = tmp_path / "cache"
    uncached = check(repo, "--no-cache")
    assert "OWN001" in uncached[1]
    assert check(repo, "--cache-dir", str(cache)) == uncached
    _, body = read_entry(entry_of(cache, repo, repo))
    assert sorted(body[os.path.abspath(repo)]) == ["app.yaml", "owned.yaml"]  # small files too: one entry
    assert len(list(cache.glob("manifests/*/*.json"))) <= 2  # an entry per bucket of directories, not per file
    no_parsing(monkeypatch)
    assert check(repo, "--cache-dir", str(cache)) == uncached


def test_a_forged_entry_would_change_the_findings(tmp_path: Path) -> None:
    """The forgery the tests below plant is potent: written as a regular entry it is used (the directory is
    this user's own), so that those tests can fail."""
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    place, header, body = forged(cache, repo)
    place.parent.mkdir(parents=True, exist_ok=True)
    write_entry(place, header, body)
    assert check(repo, "--cache-dir", str(cache)) != expected


def test_an_entry_for_other_text_or_unsigned_is_not_used(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    place, header, body = forged(cache, repo)
    place.parent.mkdir(parents=True, exist_ok=True)
    record = body[os.path.abspath(repo)]["app.yaml"]  # type: ignore[index]
    other_text = {os.path.abspath(repo): {"app.yaml": [cached.digest(OWNED), record[1]]}}
    write_entry(place, header, other_text)  # signed, but for another text
    assert check(repo, "--cache-dir", str(cache)) == expected
    write_entry(place, {**header, "check": "0" * 64}, body, resign=False)  # the right text, a wrong checksum
    assert check(repo, "--cache-dir", str(cache)) == expected
    write_entry(place, {**header, "key": {**header["key"], "code": "old"}}, body)  # older code's
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert check(repo, "--cache-dir", str(cache)) == expected  # rewritten, still right


@pytest.mark.parametrize(
    "record",
    [
        [[[{"apiVersion": "v1"}, 1, 2, [["x", "1"]]]], []],
        [[["not a mapping", 1, 2, []]], []],
        [[], [["1", "invalid"]]],
        "none",
        [[[{"apiVersion": "v1"}, -1, 2, []]], []],
    ],
    ids=["bad-key-line", "bad-data", "bad-problem", "bad-documents", "bad-line"],
)
def test_an_entry_of_another_shape_is_ignored_and_rewritten(tmp_path: Path, record: object) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    check(repo, "--cache-dir", str(cache))
    place = entry_of(cache, repo, repo)
    header, body = read_entry(place)
    written = body[os.path.abspath(repo)]["app.yaml"]
    write_entry(place, header, {os.path.abspath(repo): {"app.yaml": [written[0], record]}})
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert read_entry(place)[1][os.path.abspath(repo)]["app.yaml"] == written


def test_what_json_cannot_give_back_is_never_stored(tmp_path: Path) -> None:
    dated = UNOWNED + "data:\n  since: !!timestamp 2024-01-01\n"  # a date only when tagged (YAML 1.2 core)
    aliased = UNOWNED.replace("  labels:\n    app: web\n", "  labels: &l\n    app: web\n  annotations: *l\n")
    keyed = UNOWNED + "data:\n  1: one\n"  # a key that is no text: JSON would give back "1"
    repo = write_tree(tmp_path / "repo", {"dated.yaml": dated, "aliased.yaml": aliased, "keyed.yaml": keyed})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    assert check(repo, "--cache-dir", str(cache)) == expected
    _, body = read_entry(entry_of(cache, repo, repo))
    assert {name: record[1] for name, record in body[os.path.abspath(repo)].items()} == dict.fromkeys(
        ["aliased.yaml", "dated.yaml", "keyed.yaml"]
    )
    assert check(repo, "--cache-dir", str(cache)) == expected


def test_a_changed_file_sequence_gives_what_an_uncached_run_gives(tmp_path: Path) -> None:
    """Cold, warm, a manifest edited, one added, one removed, a directory renamed: each run's output is the
    uncached run's, with one process or two."""
    files = {f"ns-{n:02d}/app.yaml": UNOWNED.replace("settings", f"settings-{n}") for n in range(40)}
    repo = write_tree(tmp_path / "repo", {**files, "ns-00/namespace.yaml": NAMESPACE})
    cache = tmp_path / "cache"
    steps = [
        lambda: None,
        lambda: None,
        lambda: (repo / "ns-03/app.yaml").write_text(OWNED.replace("settings", "settings-3")),
        lambda: (repo / "ns-03/extra.yaml").write_text(UNOWNED.replace("settings", "extra")),
        lambda: (repo / "ns-05/app.yaml").unlink(),
        lambda: (repo / "ns-07").rename(repo / "ns-77"),
        lambda: (repo / "ns-00/namespace.yaml").write_text(NAMESPACE.replace("team-a", "team-b")),
    ]
    for step in steps:
        step()
        expected = check(repo, "--no-cache", "--jobs", "1")
        assert check(repo, "--cache-dir", str(cache), "--jobs", "1") == expected
        assert check(repo, "--cache-dir", str(cache), "--jobs", "2") == expected


NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels:\n    owner: team-a\n"


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
    entries = list(cache.glob("manifests/*/*.json"))
    assert 1 < len(entries) <= cached.BUCKETS
    assert sum(len(read_entry(e)[1]) for e in entries) == 80  # every directory in one entry
    assert check(repo, "--cache-dir", str(cache), "--jobs", "2") == expected
    assert check(repo, "--cache-dir", str(cache), "--jobs", "1") == expected


def test_a_cache_directory_others_can_write_is_not_used_for_manifests(tmp_path: Path) -> None:
    """The forged entry planted there is neither read nor rewritten."""
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "shared" / "cache"
    expected = check(repo, "--no-cache")
    place, header, body = forged(cache, repo)
    place.parent.mkdir(parents=True, exist_ok=True)
    write_entry(place, header, body)
    cache.chmod(0o777)
    before = place.read_text()
    assert check(repo, "--cache-dir", str(cache)) == expected
    assert place.read_text() == before


@pytest.mark.parametrize("kind", ["symlink", "fifo", "oversized"])
def test_an_entry_that_is_no_small_regular_file_is_never_used(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    place, header, body = forged(cache, repo)
    place.parent.mkdir(parents=True, exist_ok=True)
    if kind == "symlink":
        write_entry(tmp_path / "elsewhere.json", header, body)
        place.symlink_to(tmp_path / "elsewhere.json")
    elif kind == "fifo":
        os.mkfifo(place)
    else:
        write_entry(place, header, body)
        monkeypatch.setattr(cached, "MAX_ENTRY_BYTES", place.stat().st_size - 1)
    outside = (tmp_path / "elsewhere.json").read_text() if kind == "symlink" else ""
    assert check(repo, "--cache-dir", str(cache)) == expected
    if kind == "symlink":
        assert (tmp_path / "elsewhere.json").read_text() == outside  # never written through


def test_a_warm_run_reads_its_entries_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding entries is little work: workers would cost more than they save (but a cold run uses them)."""
    from ownlint.loaders.kubernetes import load

    files = {f"ns-{n:03d}/app.yaml": UNOWNED.replace("settings", f"settings-{n}") for n in range(80)}
    repo = write_tree(tmp_path / "repo", files)
    cache = tmp_path / "cache"
    jobs: list[int] = []
    original = load.run_chunks

    def spy(work: object, items: object, given: int, **options: object) -> object:
        jobs.append(given)
        return original(work, items, given, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(load, "run_chunks", spy)
    expected = check(repo, "--no-cache", "--jobs", "2")
    assert check(repo, "--cache-dir", str(cache), "--jobs", "2") == expected
    assert check(repo, "--cache-dir", str(cache), "--jobs", "2") == expected
    assert jobs == [2, 2, 1]
