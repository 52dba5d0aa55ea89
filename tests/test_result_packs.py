"""The result cache's entries in packs, and its codec's places (issue 20: the cost of writing a cold
run's entries). A cold run writes a few pack files, not one file per entry; packs written by two writers
keep both writers' entries; a pack that lies about its entries gives none; places are written once each
and come back as the same values, of the same types."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders import identity
from ownlint.loaders.terraform import codec, packs
from ownlint.loaders.terraform.loaded import LoadedTree
from ownlint.loaders.terraform.packs import Packs
from ownlint.loaders.terraform.store import EntryStore, make_private
from ownlint.model import Place, PlaceKind, Resource, TagValue

ROOT = """provider "aws" {{}}
resource "aws_sqs_queue" "q{index}" {{
  name = "q{index}"
  tags = {{ owner = "team-{index}" }}
}}
"""
MATERIAL = {"format": 0, "kind": "test"}


def test_a_cold_run_writes_a_few_packs_not_a_file_per_entry(tmp_path: Path) -> None:
    """200 roots make 400 entries (a directory's and a root's each): at most a pack per bucket and kind."""
    estate = write_tree(tmp_path / "estate", {f"roots/r{i:03}/main.tf": ROOT.format(index=i) for i in range(200)})
    cache = tmp_path / "cache"
    expected = run_cli("check", str(estate), "--no-cache", "--format", "json")
    for _ in range(2):  # cold, then warm
        found = run_cli("check", str(estate), "--cache-dir", str(cache), "--format", "json")
        assert (found.exit_code, found.stdout) == (expected.exit_code, expected.stdout)
    written = list((cache / "results").rglob("*.json"))
    assert 0 < len(written) <= 2 * packs.BUCKETS
    assert len({p.parent for p in written}) == 2  # the packs of one kind share a subdirectory: made once


def _store(tmp_path: Path) -> EntryStore:
    make_private(tmp_path / "store")
    return EntryStore(tmp_path / "store", 1024 * 1024)


PACK = "ab" * 32


def test_what_two_writers_put_in_one_pack_is_kept(tmp_path: Path) -> None:
    store = _store(tmp_path)
    first, second = Packs(store), Packs(EntryStore(store.directory, store.max_entry_bytes))
    first.put(PACK, MATERIAL, "one", str(tmp_path), b"1")
    second.put(PACK, MATERIAL, "two", str(tmp_path), b"22")
    first.flush()
    second.flush()
    third = Packs(store)
    assert (third.get(PACK, MATERIAL, "one"), third.get(PACK, MATERIAL, "two")) == (b"1", b"22")


def test_writers_at_the_same_time_lose_no_entry(tmp_path: Path) -> None:
    """Each writer reads the pack, merges and renames: without the lock one would drop what the other wrote."""
    store = _store(tmp_path)

    def write(writer: int) -> None:
        own = Packs(EntryStore(store.directory, store.max_entry_bytes))
        for index in range(40):
            own.put(PACK, MATERIAL, f"{writer}-{index}", str(tmp_path), b"x" * 2000)
            own.flush()

    threads = [threading.Thread(target=write, args=(writer,)) for writer in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    index, _, _ = packs.parsed(store.read(PACK), MATERIAL)
    assert len(index) == 120


def test_an_entry_put_is_given_back_before_it_is_written(tmp_path: Path) -> None:
    held = Packs(_store(tmp_path))
    held.put(PACK, MATERIAL, "one", str(tmp_path), b"1")
    assert held.get(PACK, MATERIAL, "one") == b"1"
    assert Packs(held.store).get(PACK, MATERIAL, "one") is None


def test_the_oldest_entries_are_dropped_when_a_pack_would_be_too_large(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for name in ("old", "middle", "new"):
        writer = Packs(store)
        writer.put(PACK, MATERIAL, name, str(tmp_path), b"x" * 400_000)
        writer.flush()
    index, _, _ = packs.parsed(store.read(PACK), MATERIAL)
    assert list(index) == ["middle", "new"]


def _pack(head: Any, body: bytes) -> bytes:
    part = json.dumps(head).encode() + b"\n" + body
    return part + packs.footer(0, len(part))


@pytest.mark.parametrize(
    "data",
    [
        _pack({"key": MATERIAL, "entries": [["one", "/", 2]]}, b"1"),  # lengths that do not add up
        _pack({"key": MATERIAL, "entries": [["one", "/", -1], ["two", "/", 2]]}, b"1"),
        _pack({"key": MATERIAL, "entries": [["one", "/", True]]}, b"1"),
        _pack({"key": {**MATERIAL, "kind": "other"}, "entries": [["one", "/", 1]]}, b"1"),  # another key's
        _pack({"key": MATERIAL, "entries": {"one": 1}}, b"1"),
        b"not json\n1" + packs.footer(0, 10),
        _pack({"key": MATERIAL, "entries": [["one", "/", 1]]}, b"1")[:-1],  # its footer cut short
    ],
)
def test_a_pack_that_is_not_one_of_this_key_or_lies_about_its_entries_gives_none(data: bytes) -> None:
    assert packs.parsed(data, MATERIAL)[:2] == ({}, b"")


def test_the_pack_helper_makes_a_pack_that_is_read() -> None:
    data = _pack({"key": MATERIAL, "entries": [["one", "/", 1]]}, b"1")
    assert packs.parsed(data, MATERIAL) == ({"one": (len(data) - 1 - packs.FOOTER_BYTES, 1, "/")}, data, 0)


def _resources() -> LoadedTree:
    tags = Place("main.tf", 3, "tags of aws_sqs_queue.q", PlaceKind.ATTRIBUTE, "tags", "aws_sqs_queue.q")
    same = Place("main.tf", 3, "tags of aws_sqs_queue.q", PlaceKind.ATTRIBUTE, "tags", "aws_sqs_queue.q")
    other_type = Place("main.tf", True, "tags of aws_sqs_queue.q", PlaceKind.ATTRIBUTE, "tags", "aws_sqs_queue.q")
    values = (TagValue("owner", "a", (tags,)), TagValue("team", "b", (tags, same)), TagValue("x", None, (other_type,)))
    resource = Resource("aws_sqs_queue.q", "aws_sqs_queue", "q", "terraform", "main.tf", 1, 5, tags=values)
    return LoadedTree([resource], [], [])


def test_each_place_is_written_once_and_comes_back_as_itself() -> None:
    """Equal places (an evaluation makes many) are one in the data, and come back as one object; the one whose
    line is True (== 1) apart."""
    tree = _resources()
    encoded = codec.encoder()(tree)
    tags = encoded[1][0][11]
    assert tags[0][3][0] is tags[1][3][0] is tags[1][3][1] and tags[2][3][0] is not tags[0][3][0]
    decoded = codec.loads(codec.dumps(tree))
    assert decoded == tree
    assert decoded.resources[0].tags[0].provenance[0] is decoded.resources[0].tags[1].provenance[1]
    assert type(decoded.resources[0].tags[2].provenance[0].line) is bool
    assert type(decoded.resources[0].tags[0].provenance[0].line) is int


@pytest.mark.parametrize(
    "place", [("main.tf", 3), (b"Place", "main.tf"), (b"Place", *"abcdefg"), (b"Places", *"abcdef")]
)
def test_a_place_of_another_shape_is_refused(place: tuple[Any, ...]) -> None:
    """A tuple with a tag is a model value of that class, with its fields (a tuple without one is a tuple)."""
    encoded = codec.encoder()(_resources())
    tag = encoded[1][0][11][0]
    forged = (*tag[:3], (place,), tag[4])
    if type(place[0]) is not bytes:
        assert codec.decode(forged).provenance == (place,)
        return
    with pytest.raises(ValueError):
        codec.decode(forged)


def test_a_lock_held_elsewhere_costs_the_entries_not_a_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run stopped while it holds a pack's lock (Ctrl-Z) makes another one skip that write, not wait for ever."""
    import fcntl
    import os

    from ownlint.loaders.terraform import store as store_module

    monkeypatch.setattr(store_module, "LOCK_SECONDS", 0.2)
    store = _store(tmp_path)
    writer = Packs(store)
    writer.put(PACK, MATERIAL, "one", str(tmp_path), b"1")
    writer.flush()  # the subdirectory exists
    holder = os.open(store.directory / PACK[:2], os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        writer.put(PACK, MATERIAL, "two", str(tmp_path), b"2")
        writer.flush()
    finally:
        os.close(holder)
    index, _, _ = packs.parsed(store.read(PACK), MATERIAL)
    assert list(index) == ["one"]


def test_each_process_of_a_cold_run_writes_a_pack_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers write their entries as they end, not after each chunk: a flush per chunk rewrote the same packs
    again and again (``--jobs 2`` took twice the CPU of one process on a 400-root estate)."""
    from ownlint.loaders.terraform import load as terraform_load
    from ownlint.loaders.terraform.store import EntryStore as Store

    monkeypatch.setattr(terraform_load, "MIN_PARALLEL_FILES", 1)
    monkeypatch.setattr(identity, "RACY_NS", 0)  # files written just now are settled: else a slow (loaded) cold run
    # recorded some as too young to be taken by their identity, and the warm run rightly wrote their entries again
    estate = write_tree(tmp_path / "estate", {f"roots/r{i:03}/main.tf": ROOT.format(index=i) for i in range(200)})
    log = tmp_path / "rewrites.log"
    rewrite = Store.rewrite

    def logged(self: Store, key: str, change: Any, *extension: Any) -> None:
        with open(log, "a", encoding="utf-8") as out:  # one short line per write: appends do not interleave
            out.write(f"{os.getpid()} {key}\n")
        rewrite(self, key, change, *extension)

    monkeypatch.setattr(Store, "rewrite", logged)
    cache = str(tmp_path / "cache")
    expected = run_cli("check", str(estate), "--no-cache", "--format", "json").stdout
    assert run_cli("check", str(estate), "--jobs", "2", "--cache-dir", cache, "--format", "json").stdout == expected
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines and len(lines) == len(set(lines))
    log.unlink()
    assert run_cli("check", str(estate), "--jobs", "2", "--cache-dir", cache, "--format", "json").stdout == expected
    assert not log.exists()  # warm: every entry was written and is replayed
