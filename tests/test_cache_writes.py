"""What a cold run writes into its caches (issue 20: a cold run's cost beyond parsing): bounded per root
and per manifest. The key material that every entry of a kind shares is written once per pack part, not once
per entry (an entry records its key, the digest of that material), and the manifest cache's entries share one
subdirectory (making ~55 subdirectories cost a cold run ~0.6 ms of kernel time each). What is cached, and when
an entry is used, stay as they were: the other cache tests and tests/security/ say so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders.terraform import codec, packs
from ownlint.loaders.terraform.loaded import LoadedTree
from ownlint.loaders.terraform.store import code_digest
from ownlint.model import Place, PlaceKind, Resource, TagValue

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


def _tree() -> Any:
    place = Place("stack/main.tf", 3, "tags of x", PlaceKind.ATTRIBUTE, "tags", "x")
    shared = (TagValue("Owner", "team-a", (place,)), TagValue("Env", None, (place,), "unknown: var.env"))
    resources = [
        Resource(f"aws_sqs_queue.q{n}", "aws_sqs_queue", f"q{n}", "terraform", "main.tf", 1, 2, "stack", tags=shared)
        for n in range(50)
    ]
    return LoadedTree(resources, [], [])


def test_a_value_met_again_is_written_once_and_comes_back_shared() -> None:
    """50 module instances sharing two tags (one object each): each tag is one value in the data (written once,
    then referred to), and decoding gives the instances one object again (as they were), equal to what was
    encoded."""
    tree = _tree()
    encoded = codec.encoder()(tree)
    assert encoded[1][0][11] is encoded[1][49][11]
    decoded = codec.loads(codec.dumps(tree))
    assert decoded == tree
    assert decoded.resources[0].tags[0] is decoded.resources[49].tags[0]


@pytest.mark.parametrize("forgery", ["a cycle", "not a class", "a place as a tag", "a reference out of range"])
def test_a_forged_shared_value_is_refused(forgery: str) -> None:
    encoded = codec.encoder()(_tree())
    tag = encoded[1][0][11][0]
    if forgery == "a cycle":
        inside: list[Any] = []
        forged: Any = (*tag[:3], (inside,), tag[4])
        inside.append(forged)
    elif forgery == "not a class":
        forged = (b"Owner", *tag[1:])
    elif forgery == "a place as a tag":
        forged = tag[3][0]
        assert forged[0] == b"Place"
        forged = (b"TagValue", *forged[1:])
    else:
        with pytest.raises(ValueError):
            codec.loads(codec.dumps(_tree())[:40] + b"r\xff\xff\x00\x00")
        return
    resources = [(*r[:11], (forged, *r[11][1:]), *r[12:]) for r in encoded[1]]
    with pytest.raises(ValueError):
        codec.decode((encoded[0], resources, *encoded[2:]))
