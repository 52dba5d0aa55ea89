"""The progress bar: drawn on standard error while a run reads and checks, when that is a terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ownlint.model import Progress


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Progress | None]:
    """A bar on standard error while a run reads and checks, when that is a terminal (never in a pipe, never
    with -q): the stages the layers below report, redrawn at most ten times a second, gone at the end."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bar = _Bar(sys.stderr)
    try:
        yield bar.show
    finally:
        bar.clear()


class _Bar:
    """``reading manifests       [########            ] 320/800`` on one line of a terminal."""

    WAIT = 0.2  # seconds before the first draw: a quick run shows no bar
    EVERY = 0.1  # seconds between draws: a terminal write costs more than a chunk's bookkeeping
    WIDTH = 20

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = self.drawn = time.monotonic()
        self.shown = False

    def show(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.WAIT or (now - self.drawn < self.EVERY and done < total):
            return
        filled = self.WIDTH * done // max(total, 1)
        line = f"{stage:<23} [{'#' * filled}{' ' * (self.WIDTH - filled)}] {done}/{total}"
        columns = _columns(self.stream)
        self.stream.write(f"\r{line[: columns - 1]}\x1b[K")
        self.stream.flush()
        self.drawn, self.shown = now, True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError):
        return 80
