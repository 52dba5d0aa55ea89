"""The result cache's entries packed into a few files (``BUCKETS`` per kind of entry and key), not one file each.

Creating a file costs far more than writing its bytes (a cold run of 1,200 entries spent more in the kernel
making files than in encoding them), so each entry belongs to one pack by a hash of its directory, as the
manifests' entries do. Entries are kept in memory and written at ``flush``, which appends them to each pack as
one part (under a lock on the pack's directory, so that two processes never drop each other's entries):
rewriting a pack with all it held made a cold run write its cache again at every flush, the bytes written
growing with the square of the estate (851 MiB for a 218 MiB cache). A part is one line of JSON - its key
material and its entries' names, directories and lengths in order - then the entries' bytes one after another,
then a footer (a NUL byte, the part's number and its length, looked for where the line says the part ends).
Readers take the parts in order, a later entry of a name replacing an earlier one, and stop at the first part
that is not whole: a reader meanwhile, or a writer killed while appending, costs only that part's entries, and
the next writer compacts a pack whose end is not a whole footer rather than append after it. A pack is
compacted - rewritten as one part, its replaced entries and those of directories that no longer exist dropped,
the oldest too while it is larger than the store's size limit - when a run that read it found its dead bytes
(replaced entries, parts not whole) outweigh the live ones, when it has ``MAX_PARTS`` parts, or when appending
would pass the size limit: a compaction follows at least as many appended bytes as it drops, so the bytes
written stay linear. Each entry keeps its own checksum and key material, checked by its reader as before: a
pack only says where an entry's bytes are.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from ownlint.loaders.terraform.store import EntryStore

BUCKETS = 64  # packs per kind of entry and key material: a changed root rewrites one of them
FLUSH_BYTES = 32 * 1024 * 1024  # entries held before they are written (a cold run of a large monorepo)
MAX_PARTS = 64  # a pack appended to this often is compacted: the parts each run reads stay few
FOOTER_BYTES = 26
_FOOTER = re.compile(rb"\0([0-9a-f]{8})([0-9a-f]{16})\n")  # a part's number and the length of what precedes
Index = dict[str, tuple[int, int, str]]  # entry name -> (offset, length, directory)
Held = dict[str, tuple[str, bytes]]  # entry name -> (directory, bytes)


def bucket_of(directory: str) -> int:
    """The pack an entry of ``directory`` is kept in (the same in every run)."""
    return zlib.crc32(directory.encode("utf-8", errors="surrogatepass")) % BUCKETS


class Packs:
    """Entries by pack (a key of ``store``) and name; a pack's part is used only when it records ``material``."""

    def __init__(self, store: EntryStore) -> None:
        self.store = store
        self._read: dict[str, tuple[Index, bytes]] = {}
        self._worn: dict[str, dict[str, Any]] = {}  # packs read holding more dead bytes than live: compacted
        self._pending: dict[str, tuple[dict[str, Any], Held]] = {}
        self._pending_bytes = 0

    def get(self, pack: str, material: dict[str, Any], name: str) -> bytes | None:
        """The bytes of the entry ``name``: written by this run, or found in the pack on disk."""
        pending = self._pending.get(pack)
        if pending is not None and name in pending[1]:
            return pending[1][name][1]
        if pack not in self._read:
            index, data, dead = parsed(self.store.read(pack), material)
            self._read[pack] = index, data
            if dead and dead >= sum(length for _, length, _ in index.values()):
                self._worn[pack] = material  # compacted when this run writes (a killed writer's part, too)
        index, data = self._read[pack]
        place = index.get(name)
        return None if place is None else data[place[0] : place[0] + place[1]]

    def put(self, pack: str, material: dict[str, Any], name: str, directory: str, data: bytes) -> None:
        """Keep the entry to write at ``flush`` (sooner when many bytes are held)."""
        self._pending.setdefault(pack, (material, {}))[1][name] = (directory, data)
        self._pending_bytes += len(data)
        if self._pending_bytes > FLUSH_BYTES:
            self.flush()

    def release(self) -> None:
        """Forget the packs read (the run will look up no more entries)."""
        self._read.clear()

    def flush(self, final: bool = False) -> None:
        """Append the entries held to their packs (compacting a worn one); ``final``: at the end of the run,
        also compact the worn packs this run wrote nothing to."""
        pending, self._pending, self._pending_bytes = self._pending, {}, 0
        if final:
            for pack, material in self._worn.items():
                pending.setdefault(pack, (material, {}))
        limit = self.store.max_entry_bytes
        for pack, (material, entries) in sorted(pending.items()):
            merge = _merging(material, entries, limit)
            if self._worn.pop(pack, None) is not None:
                self.store.rewrite(pack, merge)
            else:
                self.store.rewrite(pack, merge, _extending(part(material, _listed(entries))), FOOTER_BYTES)


def part(material: dict[str, Any], items: Iterable[tuple[str, str, bytes]]) -> bytes:
    """A part without its footer: the line of its key material and entries, then their bytes."""
    items = list(items)
    head = {"key": material, "entries": [[name, directory, len(data)] for name, directory, data in items]}
    return b"".join([json.dumps(head, separators=(",", ":")).encode(), b"\n", *(data for _, _, data in items)])


def footer(number: int, length: int) -> bytes:
    """What ends a part: its number in the pack and the length of the part before it."""
    return b"\0%08x%016x\n" % (number, length)


def parsed(data: bytes | None, material: dict[str, Any]) -> tuple[Index, bytes, int]:
    """A pack's index into ``data`` (parts in order, the last entry of a name winning), ``data``, and how many
    of its bytes are dead: entries replaced, and the parts from the first one that is not whole, or not of
    ``material`` (they give nothing)."""
    if data is None:
        return {}, b"", 0
    index: Index = {}
    listed, start = 0, 0
    while start < len(data):
        found = _part(data, start, material)
        if found is None:
            break
        entries, start = found
        for name, offset, length, directory in entries:
            index.pop(name, None)  # (re-inserted: the order is that of the last writes, oldest first)
            index[name] = (offset, length, directory)
            listed += length
    dead = listed - sum(length for _, length, _ in index.values()) + len(data) - start
    return (index, data, dead) if index else ({}, b"", dead)


def _part(data: bytes, start: int, material: dict[str, Any]) -> tuple[list[tuple[str, int, int, str]], int] | None:
    """The entries (name, offset, length, directory) of the whole part at ``start``, and where it ends."""
    end = data.find(b"\n", start)
    try:
        head = json.loads(data[start:end]) if end >= 0 else None
    except (ValueError, RecursionError):
        return None
    if type(head) is not dict or head.get("key") != material or type(head.get("entries")) is not list:
        return None
    entries = []
    offset = end + 1
    for item in head["entries"]:
        if type(item) is not list or len(item) != 3:
            return None
        name, directory, length = item
        if type(name) is not str or type(directory) is not str or type(length) is not int or length < 0:
            return None
        entries.append((name, offset, length, directory))
        offset += length
    found = _FOOTER.fullmatch(data, offset, offset + FOOTER_BYTES)
    if found is None or int(found[2], 16) != offset - start:
        return None
    return entries, offset + FOOTER_BYTES


def _listed(entries: Held) -> list[tuple[str, str, bytes]]:
    return [(name, directory, data) for name, (directory, data) in entries.items()]


def _extending(added: bytes) -> Callable[[int, bytes], bytes | None]:
    """What to append to a pack of ``size`` bytes ending with ``tail``: ``added`` as its next part; None
    (compact it) when its end is not a whole part's footer or it has ``MAX_PARTS`` parts."""

    def extension(size: int, tail: bytes) -> bytes | None:
        if size == 0:
            return added + footer(0, len(added))
        found = _FOOTER.fullmatch(tail)
        if found is None or int(found[2], 16) > size - FOOTER_BYTES or int(found[1], 16) + 1 >= MAX_PARTS:
            return None
        return added + footer(int(found[1], 16) + 1, len(added))

    return extension


def _merging(material: dict[str, Any], entries: Held, limit: int) -> Callable[[bytes | None], bytes]:
    return lambda old: packed(old, material, entries, limit)


def packed(old: bytes | None, material: dict[str, Any], entries: Held, limit: int) -> bytes:
    """The pack compacted into one part: ``entries`` added to what ``old`` holds of other directories that
    still exist, oldest first, the oldest dropped while it is larger than ``limit``."""
    index, data, _ = parsed(old, material)
    kept = [
        (name, directory, data[offset : offset + length])
        for name, (offset, length, directory) in index.items()
        if name not in entries and os.path.lexists(directory)
    ]
    items = [*kept, *_listed(entries)]
    sizes = [len(data) + len(json.dumps([name, directory, len(data)])) for name, directory, data in items]
    size, first = sum(sizes) + len(json.dumps(material)) + 64 + FOOTER_BYTES, 0
    while first < len(items) and size > limit:  # (the store refuses a larger entry: all would be lost)
        size -= sizes[first]
        first += 1
    added = part(material, items[first:])
    return added + footer(0, len(added))
