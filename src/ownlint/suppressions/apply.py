"""Suppressions applied to findings: inline comments, Kubernetes annotations, config waivers.

A suppression that names its rules (ids, or ``all``), gives a reason and has not expired removes the
findings it covers; any other removes nothing (OWN013 reports it, and the finding stays). OWN013
itself cannot be suppressed, and ``all`` does not cover OWN000 either.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from fnmatch import fnmatchcase

from ownlint.config import Config
from ownlint.model import Finding, Resource, Suppressed, Suppression

UNSUPPRESSIBLE = ("OWN013",)


def waivers(config: Config, config_file: str) -> list[Suppression]:
    return [
        Suppression(
            rules=(w.rule,),
            reason=w.reason,
            file=config_file,
            line=w.line,
            source="waiver",
            expires=w.expires,
            resource=w.resource,
            approved_by=w.approved_by,
        )
        for w in config.waivers
    ]


def allowed(inline: tuple[Suppression, ...], honoured: bool) -> tuple[tuple[Suppression, ...], tuple[str, ...]]:
    """The comments and annotations a run honours, and a note on those it ignores."""
    if honoured or not inline:
        return inline, ()
    count = f"{len(inline)} inline suppression{'s' if len(inline) != 1 else ''}"
    return (), (f"ignored {count} (--no-inline-suppressions): only the config's waivers apply",)


def is_active(suppression: Suppression, today: datetime.date) -> bool:
    if not suppression.rules or not suppression.reason:
        return False
    return suppression.expires is None or suppression.expires >= today


def apply(
    findings: Iterable[Finding],
    suppressions: Iterable[Suppression],
    resources: Iterable[Resource],
    today: datetime.date,
) -> tuple[list[Finding], list[Suppressed]]:
    """(findings kept, findings suppressed and by what)."""
    active = [s for s in suppressions if is_active(s, today)]
    if not active:  # nothing to match: the resources are not walked for module calls
        return list(findings), []
    modules = _module_scopes(active, resources)
    kept: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        by = None if finding.rule in UNSUPPRESSIBLE else _covering(finding, active, modules)
        if by is None:
            kept.append(finding)
        else:
            suppressed.append(Suppressed(finding, by))
    return kept, suppressed


def _module_scopes(active: list[Suppression], resources: Iterable[Resource]) -> dict[Suppression, tuple[str, str]]:
    """Suppressions written on a ``module`` block: (stack, address prefix) of what it instantiates."""
    calls = {(r.file, r.line): r for r in resources if r.type == "module"}
    scopes = {}
    for suppression in active:
        call = calls.get((suppression.file, suppression.target_line)) if suppression.source == "comment" else None
        if call is not None:
            scopes[suppression] = (call.stack, f"{call.address}.")
    return scopes


def _covering(
    finding: Finding, active: list[Suppression], modules: dict[Suppression, tuple[str, str]]
) -> Suppression | None:
    for suppression in active:
        if suppression.covers_rule(finding.rule) and _covers(suppression, finding, modules.get(suppression)):
            return suppression
    return None


def _covers(suppression: Suppression, finding: Finding, module: tuple[str, str] | None) -> bool:
    if suppression.source == "waiver":
        qualified = f"{finding.stack}//{finding.resource}"
        return fnmatchcase(finding.resource, suppression.resource) or fnmatchcase(qualified, suppression.resource)
    if suppression.whole_file:
        return finding.file == suppression.file
    if module is not None and finding.stack == module[0] and finding.resource.startswith(module[1]):
        return True
    return finding.file == suppression.file and finding.line == suppression.target_line > 0
