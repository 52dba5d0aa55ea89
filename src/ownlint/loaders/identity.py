"""A file's identity as git's index keeps it (device, inode, size, modification and change times; the change
time cannot be set by a user): what lets a cache between runs take a file or directory as unchanged without
reading it. Shared by the outline store and the manifest cache.

An identity is recorded only once its file has *settled*: changed more than ``RACY_NS`` before the run, since a
later change within the same clock tick would keep it."""

from __future__ import annotations

import os
from collections.abc import Callable
from operator import attrgetter
from typing import cast

RACY_NS = 2_000_000_000  # a file changed this close to the run may change again unseen: not recorded
FORMAT = "%x.%x.%x.%x.%x"  # hex: twice as quick to format as decimal for 19-digit times (thousands per run)
Fields = tuple[int, ...]  # an identity's numbers, as ``fields`` gives them (empty: the file has none)
fields: Callable[[os.stat_result], Fields] = attrgetter("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")


def identity(info: os.stat_result) -> str:
    """The identity of the file ``info`` describes, as one text."""
    return FORMAT % fields(info)


def fields_of(infos: list[os.stat_result | None], complete: bool) -> list[Fields]:
    """Each file's ``fields`` (() for one that could not be stat'ed), in one map in C when ``complete`` (none is
    None, as ``stats`` says)."""
    if complete:
        return list(map(fields, cast("list[os.stat_result]", infos)))
    return [fields(info) if info is not None else () for info in infos]


def stats(paths: list[str]) -> tuple[list[os.stat_result | None], bool]:
    """``os.stat`` of each path (None: it cannot be stat'ed, as a dangling link), in one map in C: a failure ends
    the ``extend`` with what it had appended, and the map goes on with the next path; and whether none failed."""
    found: list[os.stat_result | None] = []
    each, complete = map(os.stat, paths), True
    while True:
        try:
            found.extend(each)
            break
        except (OSError, ValueError):
            found.append(None)
            complete = False
    if len(found) != len(paths):
        found = [stat_of(path) for path in paths]
        complete = None not in found
    return found, complete


def stat_of(path: str) -> os.stat_result | None:
    """``os.stat`` of ``path``, or None when it cannot be stat'ed."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def settled(info: os.stat_result, started: int) -> bool:
    """Whether the file changed long enough before the run (started at ``started``, ns) to record its identity."""
    return max(info.st_mtime_ns, info.st_ctime_ns) < started - RACY_NS


def installed_file(path: str) -> str:
    """A package's file as a cache key names it: its path, size and modification time (another release or install
    rewrites it), or the path alone when it cannot be stat'ed."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return path
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"
