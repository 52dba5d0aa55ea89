"""What a cold run writes into its caches (issue 20: a cold run's cost beyond parsing): bounded per root
and per manifest. The key material that every entry of a kind shares is written once per pack part, not once
per entry (an entry records its key, the digest of that material), and the manifest cache's entries share one
subdirectory (making ~55 subdirectories cost a cold run ~0.6 ms of kernel time each). What is cached, and when
an entry is used, stay as they were: the other cache tests and tests/security/ say so."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli, write_tree

from ownlint.loaders.terraform import packs
from ownlint.loaders.terraform.store import code_digest

ROOT = """provider "aws" {{}}
resource "aws_sqs_queue" "q" {{
  name = "q{index}"
  tags = {{ owner = "team-{index}" }}
}}
"""
MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-{index}
  namespace: default
  labels:
    owner: team-{index}
"""
CONFIG = "extends: hybrid-it\nparties:\n  internal: [team-1]\n"


def _check(repo: Path, *options: str) -> tuple[int, str, str]:
    run = run_cli("check", str(repo), "--format", "json", "--config", str(repo / "ownlint.yaml"), *options)
    return run.exit_code, run.stdout, run.stderr


def _estate(root: Path, count: int) -> Path:
    files = {"ownlint.yaml": CONFIG}
    for index in range(count):
        files[f"roots/r{index}/main.tf"] = ROOT.format(index=index)
        files[f"apps/a{index}/app.yaml"] = MANIFEST.format(index=index)
    return write_tree(root, files)


def _parts(pack: Path) -> int:
    """How many whole parts the pack holds (a reader's view)."""
    data = pack.read_bytes()
    material = json.loads(data.partition(b"\n")[0])["key"]
    count, start = 0, 0
    while start < len(data):
        found = packs._part(data, start, material)
        if found is None:
            break
        count, start = count + 1, found[1]
    return count


def test_a_cold_run_writes_the_shared_key_material_once_per_pack_part(tmp_path: Path) -> None:
    """24 roots: the code digest (part of every entry's key material) is in each part's line, in no entry."""
    estate = _estate(tmp_path / "estate", 24)
    cache = tmp_path / "cache"
    assert _check(estate, "--cache-dir", str(cache)) == _check(estate, "--no-cache")
    pack_files = list((cache / "results").glob("*/*.json"))
    assert pack_files
    digest = code_digest().encode()
    found = sum(pack.read_bytes().count(digest) for pack in pack_files)
    assert found == sum(_parts(pack) for pack in pack_files)
    assert _check(estate, "--cache-dir", str(cache)) == _check(estate, "--no-cache")


def test_a_cold_run_makes_one_subdirectory_for_the_manifest_cache(tmp_path: Path) -> None:
    """60 directories of manifests fill most of the 64 entries: all in one subdirectory, not one each."""
    estate = _estate(tmp_path / "estate", 60)
    cache = tmp_path / "cache"
    expected = _check(estate, "--no-cache")
    assert _check(estate, "--cache-dir", str(cache)) == expected
    entries = list((cache / "manifests").glob("*/*.json"))
    assert len(entries) > 30
    assert len([p for p in (cache / "manifests").iterdir() if p.is_dir()]) == 1
    assert _check(estate, "--cache-dir", str(cache)) == expected
