"""Inline suppressions in Terraform comments and Kubernetes annotations.

HCL (``#`` or ``//`` comments), on a block's first line or in the comment lines right above it::

    # ownlint:ignore OWN001,OWN005 reason="legacy bucket, migrating in PLAT-1432" expires=2027-03-31
    resource "aws_s3_bucket" "legacy" {

``ownlint:ignore-file`` anywhere in a file covers the whole file. Kubernetes, on the object::

    metadata:
      annotations:
        ownlint.io/ignore: "OWN001,OWN004: owned by the cluster vendor; expires=2027-01-31"

(several entries separated by newlines). Comments are read from the text, since the HCL parser
drops them; nothing else in the file is interpreted.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from ownlint.model import Suppression

MARKER = re.compile(r"(?:#|//)\s*ownlint:(ignore-file|ignore)\b(.*)$")
RULE_IDS = re.compile(r"^\s*((?:OWN\d{3}\s*,?\s*)+)", re.IGNORECASE)
REASON = re.compile(r'reason\s*=\s*"((?:[^"\\]|\\.)*)"')
EXPIRES = re.compile(r"expires\s*=\s*(\S+)")
ANNOTATION = "ownlint.io/ignore"


def comment_suppressions(file: str, text: str, block_lines: Iterable[int]) -> list[Suppression]:
    """Every ``ownlint:ignore`` comment of an HCL file, tied to the block it precedes or opens."""
    if "ownlint:" not in text:
        return []
    starts = set(block_lines)
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines, start=1):
        match = MARKER.search(line)
        if match is None:
            continue
        kind, rest = match.groups()
        rules, reason, expires = parse_entry(rest)
        if kind == "ignore-file":
            found.append(Suppression(rules, reason, file, number, "comment", expires, whole_file=True))
            continue
        target = number if number in starts else _next_block(lines, number, starts)
        found.append(Suppression(rules, reason, file, number, "comment", expires, target_line=target))
    return found


def _next_block(lines: list[str], number: int, starts: set[int]) -> int:
    """The block that the comment run containing line ``number`` sits right above (0: none; a blank
    line or code in between ends the run)."""
    for following in range(number + 1, len(lines) + 1):
        if following in starts:
            return following
        if not lines[following - 1].strip().startswith(("#", "//")):
            return 0
    return 0


def annotation_suppressions(file: str, line: int, value: object) -> list[Suppression]:
    """The entries of an ``ownlint.io/ignore`` annotation: ``RULES: reason; expires=DATE``."""
    if not isinstance(value, str):
        return [Suppression((), None, file, line, "annotation", target_line=line)]
    entries = [e for e in re.split(r"[\n]+", value) if e.strip()] or [value]
    return [_annotation_entry(file, line, entry) for entry in entries]


def _annotation_entry(file: str, line: int, entry: str) -> Suppression:
    head, _, tail = entry.partition(":")
    rules = _rule_ids(head) if RULE_IDS.match(head) else ()
    text = tail if rules else entry
    expires_match = EXPIRES.search(text)
    reason = EXPIRES.sub("", text).strip(" ;") or None
    expires = _date(expires_match.group(1).strip(";")) if expires_match else None
    return Suppression(rules, reason, file, line, "annotation", expires, target_line=line)


def parse_entry(text: str) -> tuple[tuple[str, ...], str | None, datetime.date | None]:
    """``OWN001,OWN005 reason="..." expires=YYYY-MM-DD`` -> rules, reason, expiry."""
    ids = RULE_IDS.match(text)
    rules = _rule_ids(ids.group(1)) if ids else ()
    reason = REASON.search(text)
    expires = EXPIRES.search(text)
    return rules, (reason.group(1).strip() or None) if reason else None, _date(expires.group(1)) if expires else None


def _rule_ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in text.split(",") if part.strip())


def _date(text: str) -> datetime.date | None:
    """A date, or ``date.min`` for an unreadable one: an expiry nobody can check has passed."""
    try:
        return datetime.date.fromisoformat(text.strip().strip('"'))
    except ValueError:
        return datetime.date.min
