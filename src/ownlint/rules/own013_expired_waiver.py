"""A suppression or waiver is past its expiry date, names no rules, or gives no reason.

What it does
    Checks every inline ``# ownlint:ignore`` comment (HCL, on a block or the comment lines above it;
    ``ownlint:ignore-file`` for a whole file; on a ``module`` block it covers the resources inside),
    every Kubernetes ``ownlint.io/ignore`` annotation and every ``waivers`` entry of the config. One
    past its ``expires`` date, without rule ids (or ``all`` written out), without a reason, or (a
    comment) not on or right above a block, suppresses nothing: this rule reports it, and the findings
    it was meant to hide are reported again. An expiry that is not a date counts as past.
    This rule's own findings cannot be suppressed; ``all`` does not cover OWN000 either.

Why it matters
    An exception nobody explained, or one that outlived its deadline, is how "temporary" turns
    into permanent: the risk stays accepted long after the person who accepted it has moved on.

Example
    Fails (after 2026-01-31, or without the reason)::

        # ownlint:ignore OWN001 reason="migrating in PLAT-1432" expires=2026-01-31
        resource "aws_s3_bucket" "legacy" {}

    Passes::

        # ownlint:ignore OWN001 reason="migrating in PLAT-1432" expires=2027-06-30
        resource "aws_s3_bucket" "legacy" {}

Options
    ``waivers`` in ``ownlint.yaml`` (``rule``, ``resource`` pattern, ``reason``, ``expires``,
    ``approved_by``); the date checked against is today's, or ``--today`` for reproducible runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Resource, Severity, Suppression, fingerprint
from ownlint.rules.base import RuleContext

CODE = "OWN013"
NAME = "expired-waiver"
SEVERITY = Severity.ERROR


def check(context: RuleContext) -> Iterator[Finding]:
    by_place = {(r.file, r.line): r for r in context.resources}
    for suppression in context.suppressions:
        problem = _problem(suppression, context)
        if problem is None:
            continue
        target = by_place.get((suppression.file, suppression.target_line))
        yield _finding(suppression, target, problem)


def _problem(suppression: Suppression, context: RuleContext) -> str | None:
    if suppression.source == "comment" and not suppression.whole_file and not suppression.target_line:
        return "is not on a block's first line or in the comment lines right above one, so it suppresses nothing"
    if not suppression.rules:
        return "names no rule ids, so it suppresses nothing; write the ids (OWN001,OWN005) or all"
    if not suppression.reason:
        hint = '; add reason="..."' if suppression.source == "comment" else ""
        return f"gives no reason, so it suppresses nothing{hint}"
    if suppression.expires is not None and suppression.expires < context.today:
        expired = suppression.expires.isoformat()
        return f"expired on {expired}, so it suppresses nothing (its reason: {suppression.reason})"
    return None


def _finding(suppression: Suppression, target: Resource | None, problem: str) -> Finding:
    rules = ",".join(suppression.rules)
    what = {"comment": "ownlint:ignore", "annotation": "ownlint.io/ignore", "waiver": "waiver"}[suppression.source]
    covered = suppression.resource or (
        target.address if target is not None else "the file" if suppression.whole_file else ""
    )
    on = f" on {covered}" if covered else ""
    message = f"{what}{' ' if rules else ''}{rules}{on} {problem}"
    far_end = f"{suppression.source}:{rules or 'every rule'}:{covered}"  # as fingerprinted before ids were required
    return Finding(
        rule=CODE,
        name=NAME,
        severity=SEVERITY,
        message=message,
        resource=target.address if target is not None else "",
        resource_type=target.type if target is not None else "",
        source=target.source if target is not None else "config" if suppression.source == "waiver" else "",
        file=suppression.file,
        line=suppression.line,
        end_line=suppression.line,
        fingerprint=fingerprint(CODE, target, suppression.file, far_end),
        stack=target.stack if target is not None else ".",
    )
