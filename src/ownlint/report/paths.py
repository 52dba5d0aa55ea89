"""Paths as a person opens them: relative to the current directory when the file is under it, else
absolute (as ruff prints them), so a terminal or an editor opens what it shows from where the user stands.

A path that climbs (``../../infra/main.tf``) is never shown: it is hard to read, and wrong as soon as it
is pasted elsewhere; an absolute path opens from anywhere. Only human formats use these (text, compact,
markdown, explain, fix's lines, notes); machine formats keep their contract: JSON names files from the
scan root, SARIF, JUnit, GitHub and GitLab from the top of the repository (``Report.repository_path``).
"""

from __future__ import annotations

import os

from ownlint.model import Explanation, Place, Report
from ownlint.records import record


def for_humans(path: str | os.PathLike[str]) -> str:
    """``path`` (absolute, or relative to the current directory) as a person here opens it."""
    try:
        here = os.getcwd()
    except OSError:  # the current directory was removed: there is no "here" to be relative to
        return os.fspath(path)
    absolute = os.path.normpath(os.path.join(here, path))
    if absolute == here:
        return "."
    inside = here if here.endswith(os.sep) else here + os.sep
    return absolute[len(inside) :] if absolute.startswith(inside) else absolute


@record(frozen=True)
class HumanPaths:
    """Files as findings name them (relative to the scan root ``root``, with ``/``) shown for humans.

    ``names`` are file names that are no path: the config when it is a preset or a git ref's
    (``preset hybrid-it``, ``main:ownlint.yaml``); names such as ``<stdin>`` or ``(command line)`` are
    kept too. Without a root (a report made by hand), files are shown as they are.
    """

    root: str = ""
    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, report: Report | Explanation) -> HumanPaths:
        config = report.config
        return cls(report.root, frozenset() if os.path.isabs(config) else frozenset({config}))

    def file(self, file: str) -> str:
        if not self.root or not file or file.startswith(("<", "(")) or file in self.names:
            return file
        return for_humans(os.path.join(self.root, file))

    def place(self, place: Place) -> str:
        """A place of provenance as ``Place`` writes it, with its file for humans."""
        return f"{place.what} ({self.file(place.file)}:{place.line})"


def config_shown(config: str) -> str:
    """The config of a run (``Report.config``) in a summary line: ``config PATH`` for a file on disk,
    ``config main:ownlint.yaml`` for a git ref's, ``preset hybrid-it`` for the built-in one."""
    if not config or config.startswith("preset "):
        return config
    return f"config {for_humans(config) if os.path.isabs(config) else config}"


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``; ``noun`` is regular (every noun ownlint counts is)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
