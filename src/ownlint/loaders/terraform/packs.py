"""The result cache's entries packed into a few files (``BUCKETS`` per kind of entry and key), not one file each.

Creating a file costs far more than writing its bytes (a cold run of 1,200 entries spent more in the kernel
making files than in encoding them), so each entry belongs to one pack by a hash of its directory, as the
manifests' entries do. A pack is one line of JSON - its key material and its entries' names, directories and
lengths in order - then the entries' bytes one after another. Each entry keeps its own checksum and key
material, checked by its reader as before: a pack only says where an entry's bytes are. Entries are kept in
memory and written at ``flush``: each pack written is merged with the one on disk (under a lock on its
directory, so that two processes never drop each other's entries); entries of directories that no longer
exist are dropped, and the oldest ones when a pack would grow past the store's size limit.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from typing import Any

from ownlint.loaders.terraform.store import EntryStore

BUCKETS = 64  # packs per kind of entry and key material: a changed root rewrites one of them
FLUSH_BYTES = 32 * 1024 * 1024  # entries held before they are written (a cold run of a large monorepo)
Index = dict[str, tuple[int, int, str]]  # entry name -> (offset, length, directory)


def bucket_of(directory: str) -> int:
    """The pack an entry of ``directory`` is kept in (the same in every run)."""
    return zlib.crc32(directory.encode("utf-8", errors="surrogatepass")) % BUCKETS


class Packs:
    """Entries by pack (a key of ``store``) and name; a pack is used only when it records ``material``."""

    def __init__(self, store: EntryStore) -> None:
        self.store = store
        self._read: dict[str, tuple[Index, bytes]] = {}
        self._pending: dict[str, tuple[dict[str, Any], dict[str, tuple[str, bytes]]]] = {}
        self._pending_bytes = 0

    def get(self, pack: str, material: dict[str, Any], name: str) -> bytes | None:
        """The bytes of the entry ``name``: written by this run, or found in the pack on disk."""
        pending = self._pending.get(pack)
        if pending is not None and name in pending[1]:
            return pending[1][name][1]
        if pack not in self._read:
            self._read[pack] = parsed(self.store.read(pack), material)
        index, body = self._read[pack]
        place = index.get(name)
        return None if place is None else body[place[0] : place[0] + place[1]]

    def put(self, pack: str, material: dict[str, Any], name: str, directory: str, data: bytes) -> None:
        """Keep the entry to write at ``flush`` (sooner when many bytes are held)."""
        self._pending.setdefault(pack, (material, {}))[1][name] = (directory, data)
        self._pending_bytes += len(data)
        if self._pending_bytes > FLUSH_BYTES:
            self.flush()

    def release(self) -> None:
        """Forget the packs read (the run will look up no more entries)."""
        self._read.clear()

    def flush(self) -> None:
        """Write each pack with entries held, merged with the one on disk (its other entries stay)."""
        pending, self._pending, self._pending_bytes = self._pending, {}, 0
        for pack, (material, entries) in sorted(pending.items()):
            self.store.rewrite(pack, _merging(material, entries, self.store.max_entry_bytes))


def parsed(data: bytes | None, material: dict[str, Any]) -> tuple[Index, bytes]:
    """A pack's index and the bytes its entries are in; nothing when it is not a pack of ``material``."""
    if data is None:
        return {}, b""
    header, _, body = data.partition(b"\n")
    try:
        head = json.loads(header)
    except (ValueError, RecursionError):
        return {}, b""
    if type(head) is not dict or head.get("key") != material or type(head.get("entries")) is not list:
        return {}, b""
    index: Index = {}
    offset = 0
    for item in head["entries"]:
        if type(item) is not list or len(item) != 3:
            return {}, b""
        name, directory, length = item
        if type(name) is not str or type(directory) is not str or type(length) is not int or length < 0:
            return {}, b""
        index[name] = (offset, length, directory)
        offset += length
    return (index, body) if offset == len(body) else ({}, b"")


def _merging(
    material: dict[str, Any], entries: dict[str, tuple[str, bytes]], limit: int
) -> Callable[[bytes | None], bytes]:
    return lambda old: packed(old, material, entries, limit)


def packed(old: bytes | None, material: dict[str, Any], entries: dict[str, tuple[str, bytes]], limit: int) -> bytes:
    """The pack with ``entries`` added to what ``old`` holds of other directories that still exist, oldest
    first, the oldest dropped while it is larger than ``limit``."""
    index, body = parsed(old, material)
    kept = [
        (name, directory, body[offset : offset + length])
        for name, (offset, length, directory) in index.items()
        if name not in entries and os.path.lexists(directory)
    ]
    items = [*kept, *((name, directory, data) for name, (directory, data) in entries.items())]
    listed = [[name, directory, len(data)] for name, directory, data in items]
    sizes = [len(data) + len(json.dumps(item)) for (_, _, data), item in zip(items, listed, strict=True)]
    size, first = sum(sizes) + len(json.dumps(material)) + 64, 0
    while first < len(items) and size > limit:  # (the store refuses a larger entry: all would be lost)
        size -= sizes[first]
        first += 1
    head = {"key": material, "entries": listed[first:]}
    items = items[first:]
    return b"".join([json.dumps(head, separators=(",", ":")).encode(), b"\n", *(data for _, _, data in items)])
