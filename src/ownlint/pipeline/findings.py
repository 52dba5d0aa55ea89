"""From a ``Loaded`` run to its findings: the rules chosen -> one finding per resource and rule (instances
merged) -> the config's severities -> suppressions -> the scope of what was named."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from operator import attrgetter
from typing import TYPE_CHECKING

from ownlint.collector import uncollected
from ownlint.config import Config, did_you_mean
from ownlint.errors import OwnlintError
from ownlint.model import Finding, Progress, Resource, RuleInfo, Severity, Suppressed
from ownlint.pipeline.loading import Loaded, shown_config
from ownlint.pipeline.scope import Located
from ownlint.rules import KNOWN_IDS, RULES
from ownlint.rules.base import Rule, RuleContext
from ownlint.suppressions import apply as suppress

if TYPE_CHECKING:
    from ownlint.graph import ResourceGraph


RULE_INFO = tuple(RuleInfo(r.code, r.name, r.severity, r.summary, r.doc) for r in RULES)


def findings_of(
    rules: tuple[Rule, ...], loaded: Loaded, today: datetime.date
) -> tuple[list[Finding], list[Suppressed]]:
    """Every finding of ``rules`` on ``loaded``, split into the reported and the suppressed ones. No cyclic
    garbage collection meanwhile, and what the rules built then left out of later ones (as the Kubernetes
    loader does): a warm run of 25k findings spent a tenth of its rules walking them again and again."""
    with uncollected():
        return _findings_of(rules, loaded, today)


def _findings_of(
    rules: tuple[Rule, ...], loaded: Loaded, today: datetime.date
) -> tuple[list[Finding], list[Suppressed]]:
    # the callers of a named module, the rest of its directory, are context: their findings are not reported
    located = Located(loaded.scope, loaded.resources, loaded.result.problems)
    context = rule_context(loaded, today=today, reported=located.holds, whole=False)
    found, hidden = suppress.apply(
        run_rules(rules, context, loaded.progress), loaded.suppressions, loaded.resources, today
    )
    return _reported(located, found), located.suppressed(hidden)


def _reported(located: Located, findings: Iterable[Finding]) -> list[Finding]:
    """``located.findings(findings)``, its scope asked once per file: a finding in a file the scope holds is reported
    as it is (a whole tree's every finding: MoJ's 39k, each asked, cost a tenth of its rules)."""
    holds = located.scope.holds
    held: dict[str, bool] = {}  # by file
    result = []
    for finding in findings:
        file = finding.file
        inside = held.get(file)
        if inside is None:
            inside = held[file] = holds(file)
        if inside:
            result.append(finding)
        elif (shown := located(finding)) is not None:
            result.append(shown)
    return result


def select_rules(select: tuple[str, ...], ignore: tuple[str, ...]) -> tuple[Rule, ...]:
    """Rules chosen by ``--select``/``--ignore`` (ids or id prefixes such as ``OWN00``)."""
    implemented = [rule.code for rule in RULES]
    for code in (*select, *ignore):
        if code.upper() in KNOWN_IDS and code.upper() not in implemented:
            raise OwnlintError(f"rule {code.upper()} is reserved but not implemented in this version")
        if not any(rule.startswith(code.upper()) for rule in implemented):
            raise OwnlintError(f"unknown rule id {code!r}{did_you_mean(code.upper(), implemented)}")
    chosen = [r for r in RULES if not select or any(r.code.startswith(s.upper()) for s in select)]
    return tuple(r for r in chosen if not any(r.code.startswith(i.upper()) for i in ignore))


def run_rules(rules: Sequence[Rule], context: RuleContext, progress: Progress | None = None) -> list[Finding]:
    """Every finding of ``rules``, one per resource and rule, with the configuration's severities."""
    found: list[Finding] = []
    for done, rule in enumerate(rules, 1):
        found.extend(rule.check(context))
        if progress is not None:
            progress("checking rules", done, len(rules))
    return apply_severities(context.config, merge_instances(found, context.resources))


def merge_instances(findings: Iterable[Finding], resources: Iterable[Resource]) -> list[Finding]:
    """Findings on instances of one address (``for_each``/``count``) become one finding that names the
    instances it holds for, unless it holds for all of them."""
    # a finding alone on its fingerprint (nearly all) is kept as itself, not in a list of one (a list each cost
    # 20 MiB of a 30 MB estate's 227k findings, while its graph is held)
    merged: dict[str, Finding | list[Finding]] = {}
    shared = False  # a fingerprint of several findings
    named: set[str] = set()  # the addresses of findings that name instances
    for item in findings:
        held = merged.setdefault(item.fingerprint, item)
        if held is not item:
            shared = True
            if isinstance(held, list):
                held.append(item)
            else:
                merged[item.fingerprint] = [held, item]
        if item.instances:
            named.add(item.resource)
    if not shared and not named:
        return list(merged.values())  # type: ignore[arg-type]  # no list among them: the findings, in order
    result = []
    totals: dict[tuple[str, str], set[str]] | None = None  # only when a finding names instances
    for held in merged.values():
        first = held[0] if isinstance(held, list) else held
        if not first.instances:
            result.append(first)
            continue
        group = held if isinstance(held, list) else [held]
        if totals is None:  # of the addresses named (MoJ: 18 of 34k)
            totals = {}
            for resource in resources:
                if resource.address in named:
                    totals.setdefault((resource.stack, resource.address), set()).update(resource.instances)
        covered = sorted({i for f in group for i in f.instances})
        if set(covered) >= totals.get((first.stack, first.resource), set()):
            result.append(replace(first, instances=()))
            continue
        messages = dict.fromkeys(f.message for f in group)
        text = "; ".join(messages) if len(messages) > 1 else first.message
        shown = ", ".join(covered)
        result.append(replace(first, message=f"{text} (only in {shown})", instances=tuple(covered)))
    return result


def apply_severities(config: Config, findings: Iterable[Finding]) -> list[Finding]:
    if not config.severities:
        return list(findings)
    result = []
    for finding in findings:
        override = config.severities.get(finding.rule)
        if override == "off":
            continue
        result.append(replace(finding, severity=Severity(override)) if override else finding)
    return result


def rule_context(
    loaded: Loaded,
    today: datetime.date | None = None,
    reported: Callable[[Resource], bool] | None = None,
    whole: bool = True,
) -> RuleContext:
    """What rules see; the graph (over every loaded resource) is built only if a rule asks for it; ``reported``:
    which resources a finding can be reported on (None: all); without ``whole``, the graph has only the edges
    rules walk (no ``contains`` or HCL ``references``: ``explain`` shows them, a check does not)."""

    def graph() -> ResourceGraph:
        return graph_of_loaded(loaded, structural=whole)

    return RuleContext(
        loaded.config,
        loaded.resources,
        loaded.result.problems,
        graph,
        loaded.codeowners,
        loaded.suppressions,
        today or datetime.date.today(),
        reported,
    )


def graph_of_loaded(loaded: Loaded, structural: bool = True) -> ResourceGraph:
    from ownlint.graph import build_graph

    return build_graph(loaded.resources, loaded.config, shown_config(loaded.config, loaded.root), structural)


# file, line, rule, resource, fingerprint: the key findings are sorted by (an attrgetter: no call into Python)
finding_order: Callable[[Finding], tuple[str, int, str, str, str]] = attrgetter(
    "file", "line", "rule", "resource", "fingerprint"
)
