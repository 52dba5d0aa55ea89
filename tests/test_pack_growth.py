"""The result cache's packs grow by appending (issue 20: time linear in the estate's size). A flush adds its
entries at the end of each pack it touches instead of rewriting the pack with all it held: a cold run of an
estate twice as large wrote 2.9x the bytes (851 MiB for a 218 MiB cache), as every flush of 32 MiB rewrote what
the earlier ones had written. What a killed writer leaves half-written, replaced entries and links are handled:
no entry is lost or taken from the wrong place, nothing is written through a link, and a pack stays bounded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_cli, write_tree

from ownlint.loaders.terraform import packs
from ownlint.loaders.terraform import store as store_module
from ownlint.loaders.terraform.packs import Packs
from ownlint.loaders.terraform.store import EntryStore, make_private

MATERIAL = {"format": 0, "kind": "test"}
PACK = "cd" * 32
ROOT = """provider "aws" {{}}
resource "aws_sqs_queue" "q{index}" {{
  name = "q{index}"
  tags = {{ owner = "team-{index}" }}
}}
"""


def _store(tmp_path: Path, limit: int = 64 * 1024 * 1024) -> EntryStore:
    make_private(tmp_path / "store")
    return EntryStore(tmp_path / "store", limit)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bytes each ``os.write`` of the store writes (a rewrite and an append alike)."""
    sizes: list[int] = []
    write = os.write

    def counted(handle: int, data: Any) -> int:
        done = write(handle, data)
        sizes.append(done)
        return done

    monkeypatch.setattr(store_module.os, "write", counted)
    return sizes


def test_the_bytes_written_by_many_flushes_are_linear_in_the_entries(tmp_path: Path, written: list[int]) -> None:
    """40 flushes of 10 kB into one pack write about 400 kB, not the 8 MB of rewriting it each time."""
    writer = Packs(_store(tmp_path))
    for index in range(40):
        writer.put(PACK, MATERIAL, f"entry-{index}", str(tmp_path), b"x" * 10_000)
        writer.flush()
    assert sum(written) < 2 * 40 * 10_000
    index, _, _ = packs.parsed(writer.store.read(PACK), MATERIAL)
    assert list(index) == [f"entry-{i}" for i in range(40)]


def test_a_cold_run_writes_about_as_many_bytes_as_its_cache_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: list[int]
) -> None:
    """Flushing every few entries (as a large estate does every 32 MiB) still writes each entry once."""
    monkeypatch.setattr(packs, "FLUSH_BYTES", 1_000)
    estate = write_tree(tmp_path / "estate", {f"roots/r{i:03}/main.tf": ROOT.format(index=i) for i in range(200)})
    cache = tmp_path / "cache"
    expected = run_cli("check", str(estate), "--no-cache", "--format", "json")
    written.clear()
    found = run_cli("check", str(estate), "--cache-dir", str(cache), "--format", "json")
    assert (found.exit_code, found.stdout) == (expected.exit_code, expected.stdout)
    held = sum(path.stat().st_size for path in (cache / "results").rglob("*.json"))
    parse_entries = sum(p.stat().st_size for p in cache.glob("[0-9a-f][0-9a-f]/*.json"))
    assert held and sum(written) < 1.5 * held + parse_entries
    warm = run_cli("check", str(estate), "--cache-dir", str(cache), "--format", "json")
    assert (warm.exit_code, warm.stdout) == (expected.exit_code, expected.stdout)


def test_what_a_killed_writer_left_half_written_costs_no_entry_written_before_or_after(tmp_path: Path) -> None:
    store = _store(tmp_path)
    first = Packs(store)
    first.put(PACK, MATERIAL, "before", str(tmp_path), b"1" * 100)
    first.flush()
    whole = (store.directory / PACK[:2] / f"{PACK}.json").read_bytes()
    torn = Packs(EntryStore(store.directory, store.max_entry_bytes))
    torn.put(PACK, MATERIAL, "torn", str(tmp_path), b"2" * 100)
    torn.flush()
    path = store.directory / PACK[:2] / f"{PACK}.json"
    path.write_bytes(path.read_bytes()[: len(whole) + 60])  # killed while appending its part
    assert Packs(store).get(PACK, MATERIAL, "before") == b"1" * 100  # a reader meanwhile: the whole part
    assert Packs(store).get(PACK, MATERIAL, "torn") is None
    after = Packs(store)
    after.put(PACK, MATERIAL, "after", str(tmp_path), b"3" * 100)
    after.flush()
    reader = Packs(store)
    assert [reader.get(PACK, MATERIAL, n) for n in ("before", "torn", "after")] == [b"1" * 100, None, b"3" * 100]


def test_an_entry_written_again_is_read_from_its_last_part(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for value in (b"old", b"new"):
        writer = Packs(store)
        writer.put(PACK, MATERIAL, "one", str(tmp_path), value)
        writer.put(PACK, MATERIAL, f"other-{value.decode()}", str(tmp_path), value)
        writer.flush()
    index, _, _ = packs.parsed(store.read(PACK), MATERIAL)
    assert list(index) == ["other-old", "one", "other-new"]  # oldest first: the first dropped when too large
    assert Packs(store).get(PACK, MATERIAL, "one") == b"new"


def test_a_pack_mostly_of_replaced_entries_is_compacted_by_a_run_that_read_it(tmp_path: Path) -> None:
    """A root rewritten run after run would otherwise grow its pack by its size each time."""
    store = _store(tmp_path)
    path = store.directory / PACK[:2] / f"{PACK}.json"
    sizes = []
    for run in range(12):
        writer = Packs(store)
        assert writer.get(PACK, MATERIAL, "root") == (None if run == 0 else b"%02d" % (run - 1) * 5_000)
        writer.put(PACK, MATERIAL, "root", str(tmp_path), b"%02d" % run * 5_000)
        writer.flush(final=True)
        sizes.append(path.stat().st_size)
    assert max(sizes) < 2 * 10_000 + 2_000


def test_a_pack_appended_to_often_is_compacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "MAX_PARTS", 4)
    store = _store(tmp_path)
    for index in range(10):
        writer = Packs(store)  # (never reads: a worker)
        writer.put(PACK, MATERIAL, f"e{index}", str(tmp_path), b"x")
        writer.flush()
    data = store.read(PACK)
    assert data is not None and data.count(b"\n") <= 2 * 4
    index, _, _ = packs.parsed(data, MATERIAL)
    assert list(index) == [f"e{i}" for i in range(10)]


def test_the_entries_of_a_directory_that_is_gone_are_dropped_when_the_pack_is_compacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packs, "MAX_PARTS", 2)
    store = _store(tmp_path)
    (tmp_path / "gone").mkdir()
    first = Packs(store)
    first.put(PACK, MATERIAL, "gone", str(tmp_path / "gone"), b"1")
    first.put(PACK, MATERIAL, "kept", str(tmp_path), b"2")
    first.flush()
    (tmp_path / "gone").rmdir()
    for name in ("new", "newer"):
        writer = Packs(store)
        writer.put(PACK, MATERIAL, name, str(tmp_path), b"3")
        writer.flush()
    index, _, _ = packs.parsed(store.read(PACK), MATERIAL)
    assert list(index) == ["kept", "new", "newer"]


def test_a_pack_is_never_appended_through_a_hard_link(tmp_path: Path) -> None:
    """The cache directory is this user's alone, but a link in it must not make a flush write elsewhere."""
    store = _store(tmp_path)
    first = Packs(store)
    first.put(PACK, MATERIAL, "one", str(tmp_path), b"1")
    first.flush()
    path = store.directory / PACK[:2] / f"{PACK}.json"
    outside = tmp_path / "outside.json"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    os.link(outside, path)
    before = outside.read_bytes()
    second = Packs(store)
    second.put(PACK, MATERIAL, "two", str(tmp_path), b"2")
    second.flush()
    assert outside.read_bytes() == before
    reader = Packs(store)
    assert (reader.get(PACK, MATERIAL, "one"), reader.get(PACK, MATERIAL, "two")) == (b"1", b"2")


def test_a_part_of_another_key_or_that_lies_about_its_length_ends_what_is_read(tmp_path: Path) -> None:
    store = _store(tmp_path)
    writer = Packs(store)
    writer.put(PACK, MATERIAL, "one", str(tmp_path), b"1")
    writer.flush()
    good = store.read(PACK)
    assert good is not None
    planted = packs.part({**MATERIAL, "kind": "other"}, [("two", str(tmp_path), b"2")])
    other = planted + packs.footer(1, len(planted))
    lying = good[: -packs.FOOTER_BYTES] + packs.footer(0, 99)
    assert packs.parsed(good + other, MATERIAL)[0].keys() == {"one"}
    assert packs.parsed(lying, MATERIAL)[0] == {}


def test_a_pack_with_a_damaged_part_is_compacted_by_a_run_that_read_it(tmp_path: Path) -> None:
    """The parts after a damaged one are lost to every reader: the next run that writes rewrites the pack whole."""
    store = _store(tmp_path)
    for name in ("one", "two"):
        writer = Packs(store)
        writer.put(PACK, MATERIAL, name, str(tmp_path), b"x" * 100)
        writer.flush()
    path = store.directory / PACK[:2] / f"{PACK}.json"
    data = bytearray(path.read_bytes())
    data[data.index(b"\0") + 1] = ord("g")  # the first part's footer
    path.write_bytes(bytes(data))
    reader = Packs(store)
    assert (reader.get(PACK, MATERIAL, "one"), reader.get(PACK, MATERIAL, "two")) == (None, None)
    reader.put(PACK, MATERIAL, "one", str(tmp_path), b"z" * 100)
    reader.flush(final=True)
    index, _, dead = packs.parsed(store.read(PACK), MATERIAL)
    assert (list(index), dead) == (["one"], 0)


def test_an_entry_whose_close_fails_is_not_read_and_its_error_does_not_escape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache that cannot be read only costs time: an error closing an entry (EIO on a network file system;
    ``close`` is not retried on EINTR) is a miss, as when the entry was read through a file object."""
    store = _store(tmp_path)
    store.write(PACK, b"entry")
    assert store.read(PACK) == b"entry"
    close = os.close

    def failing(handle: int) -> None:
        close(handle)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store_module.os, "close", failing)
    assert store.read(PACK) is None
