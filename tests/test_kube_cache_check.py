"""Issue 20, a warm run of 9k manifests: a manifest cache entry's checksum is the CRC-32 of its body (SHA-256 cost
30 instructions a byte: a third of the Kubernetes load); a body damaged since is not used, and is written again."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

from tests.conftest import write_tree
from tests.security.test_yaml_cache import UNOWNED, check, entry_of

from ownlint.loaders.kubernetes import cached


def test_an_entry_is_checked_by_the_crc32_of_its_body(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"app.yaml": UNOWNED})
    cache = tmp_path / "cache"
    expected = check(repo, "--no-cache")
    assert check(repo, "--cache-dir", str(cache)) == expected
    place = entry_of(cache, repo, repo)
    header, _, body = place.read_bytes().partition(b"\n")
    assert json.loads(header)["check"] == cached.checksum(body) == f"{zlib.crc32(body):08x}"
    damaged = body.replace(b"web", b"wab", 1)  # the same size, one byte changed
    assert damaged != body
    place.write_bytes(header + b"\n" + damaged)
    assert check(repo, "--cache-dir", str(cache)) == expected
    rewritten = json.loads(place.read_bytes().partition(b"\n")[2])
    assert _records(rewritten) == _records(json.loads(body))  # written again (its identity may be recorded now)


def _records(body: dict[str, dict[str, list[object]]]) -> list[object]:
    """Each file's digest and documents."""
    return [(directory, name, record[:2]) for directory, files in body.items() for name, record in files.items()]
