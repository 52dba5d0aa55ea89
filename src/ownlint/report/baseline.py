"""Baselines: the fingerprints of accepted findings, so that a check reports only new ones.

A baseline records fingerprints (rule, stack, address and, for boundary findings, the way in;
never line numbers), with what they were for humans reading the file, and when it was taken.
Regenerating it after fixes ratchets it down. ``--diff-base`` builds the same set from the merge
base of a git ref (see ``vcs.diff_base``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.errors import OwnlintError
from ownlint.model import Finding

VERSION = 1


@dataclass(frozen=True)
class Known:
    """A finding of the baseline (or the merge base), as recorded."""

    fingerprint: str
    rule: str
    resource: str
    file: str


def render(findings: Iterable[Finding], taken: datetime.datetime) -> str:
    entries = sorted(
        ({"fingerprint": f.fingerprint, "rule": f.rule, "resource": f.resource, "file": f.file} for f in findings),
        key=lambda e: (e["file"], e["rule"], e["resource"], e["fingerprint"]),
    )
    document = {
        "version": VERSION,
        "tool": {"name": "ownlint", "version": __version__},
        "created": taken.astimezone(datetime.timezone.utc).isoformat(timespec="seconds"),
        "findings": entries,
    }
    return json.dumps(document, indent=2) + "\n"


def read(path: Path) -> list[Known]:
    """The findings a baseline file records; a clear error for anything else."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise OwnlintError(f"{path}: cannot read baseline: {error.strerror or error}") from None
    except ValueError as error:
        raise OwnlintError(f"{path}: not a baseline (invalid JSON: {error})") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise OwnlintError(f"{path}: not an ownlint baseline of version {VERSION}")
    return [_known(entry, path) for entry in document.get("findings") or []]


def _known(entry: Any, path: Path) -> Known:
    if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
        raise OwnlintError(f"{path}: a baseline entry has no fingerprint: {entry!r}")
    return Known(
        entry["fingerprint"], str(entry.get("rule", "")), str(entry.get("resource", "")), str(entry.get("file", ""))
    )


def compare(findings: Iterable[Finding], known: Iterable[Known]) -> tuple[list[Finding], int, list[Known]]:
    """(findings not known before, how many known ones remain, known ones that are gone: fixed)."""
    known_by_print = {k.fingerprint: k for k in known}
    current = list(findings)
    new = [f for f in current if f.fingerprint not in known_by_print]
    still = {f.fingerprint for f in current} & set(known_by_print)
    fixed = [k for p, k in known_by_print.items() if p not in still]
    return new, len(still), sorted(fixed, key=lambda k: (k.file, k.rule, k.resource))
