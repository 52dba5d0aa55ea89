"""Inline suppressions in Terraform comments and Kubernetes annotations, one grammar for both.

HCL, a real ``#`` or ``//`` comment (never text in a string or heredoc) on a block's first line or in
the comment lines right above it::

    # ownlint:ignore OWN001,OWN005 reason="legacy bucket, migrating in PLAT-1432" expires=2027-03-31
    resource "aws_s3_bucket" "legacy" {

``ownlint:ignore-file`` anywhere in a file covers the whole file. Kubernetes, on the object (several
entries separated by newlines; the comment's ``reason="..."`` form is read too)::

    metadata:
      annotations:
        ownlint.io/ignore: "OWN001,OWN004: owned by the cluster vendor; expires=2027-01-31"

The rules come first: rule ids separated by commas, or ``all`` on its own (every rule but OWN000 and
OWN013). Without them, or without a reason, it suppresses nothing and OWN013 reports it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ownlint.model import ALL_RULES, Suppression

if TYPE_CHECKING:
    from ownlint.suppressions.hcl_comments import Comment

MARKER = re.compile(r"(?:#|//)[ \t]*ownlint:(ignore-file|ignore)\b(.*)$", re.DOTALL)
RULES = re.compile(r"\s*(all|OWN\d{3}(?:(?:\s*,\s*|\s+)OWN\d{3})*)(?=\s|:|$)", re.IGNORECASE)
REASON = re.compile(r'reason\s*=\s*"((?:[^"\\]|\\.)*)"')
EXPIRES = re.compile(r"expires\s*=\s*(\S+)")
ANNOTATION = "ownlint.io/ignore"


def comment_suppressions(file: str, text: str, block_lines: Iterable[int]) -> list[Suppression]:
    """Every ``ownlint:ignore`` comment of an HCL file, tied to the block it precedes or opens."""
    if "ownlint:" not in text:
        return []
    from ownlint.suppressions.hcl_comments import hcl_comments  # the comment scanner: for HCL that names ownlint

    starts = set(block_lines)
    comments = hcl_comments(text)
    alone = {c.line for c in comments if c.alone and not c.text.startswith("/*")}
    found = []
    for comment in comments:
        match = MARKER.match(comment.text)
        if match is None:
            continue
        kind, rest = match.groups()
        rules, reason, expires = parse_entry(rest)
        number = comment.line
        if kind == "ignore-file":
            found.append(Suppression(rules, reason, file, number, "comment", expires, whole_file=True))
            continue
        target = number if number in starts else _next_block(comment, alone, starts)
        found.append(Suppression(rules, reason, file, number, "comment", expires, target_line=target))
    return found


def _next_block(comment: Comment, alone: set[int], starts: set[int]) -> int:
    """The block that the run of comment lines holding ``comment`` sits right above (0: none; a blank
    line, code, or a comment after code ends the run)."""
    if comment.line not in alone:
        return 0
    following = comment.line + 1
    while following in alone:
        following += 1
    return following if following in starts else 0


def annotation_suppressions(file: str, line: int, value: object) -> list[Suppression]:
    """The entries of an ``ownlint.io/ignore`` annotation: ``RULES: reason; expires=DATE``."""
    if not isinstance(value, str):
        return [Suppression((), None, file, line, "annotation", target_line=line)]
    entries = [e for e in value.split("\n") if e.strip()] or [value]
    return [_annotation_entry(file, line, entry) for entry in entries]


def _annotation_entry(file: str, line: int, entry: str) -> Suppression:
    rules, reason, expires = parse_entry(entry)
    found = RULES.match(entry)
    tail = entry[found.end() :] if found else entry
    if rules and tail.lstrip().startswith(":"):  # RULES: reason; expires=DATE
        text = tail.lstrip()[1:]
        expires_match = EXPIRES.search(text)
        reason = EXPIRES.sub("", text).strip(" ;") or None
        expires = _date(expires_match.group(1).strip(";")) if expires_match else None
    return Suppression(rules, reason, file, line, "annotation", expires, target_line=line)


def parse_entry(text: str) -> tuple[tuple[str, ...], str | None, datetime.date | None]:
    """``OWN001,OWN005 reason="..." expires=YYYY-MM-DD`` -> rules, reason, expiry; no rules when they
    are not written first (``all`` alone, or ids)."""
    ids = RULES.match(text)
    rules = _rule_ids(ids.group(1)) if ids else ()
    reason = REASON.search(text)
    expires = EXPIRES.search(text)
    return rules, (reason.group(1).strip() or None) if reason else None, _date(expires.group(1)) if expires else None


def _rule_ids(text: str) -> tuple[str, ...]:
    if text.lower() == ALL_RULES:
        return (ALL_RULES,)
    return tuple(part.upper() for part in re.split(r"[\s,]+", text) if part)


def _date(text: str) -> datetime.date | None:
    """A date, or ``date.min`` for an unreadable one: an expiry nobody can check has passed."""
    try:
        return datetime.date.fromisoformat(text.strip().strip('"'))
    except ValueError:
        return datetime.date.min
