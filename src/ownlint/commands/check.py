"""``ownlint check``: the pipeline's findings on what was named, compared with a baseline file or the merge base
of ``--diff-base`` when asked (only the new ones are reported), as a ``Report`` and the exit code it earns."""

from __future__ import annotations

import datetime
import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint.errors import OwnlintError
from ownlint.inputs import STDIN, Inputs, relocated
from ownlint.model import Comparison, Finding, Report, Severity
from ownlint.pipeline import (
    RULE_INFO,
    Loaded,
    config_name,
    finding_order,
    findings_of,
    load,
    repository_base,
    select_rules,
)
from ownlint.records import record
from ownlint.rules import RULES
from ownlint.rules.base import Rule
from ownlint.vcs.tree import repository_top

if TYPE_CHECKING:
    from ownlint.report import baseline


@record(frozen=True)
class CheckOptions:
    """What ``ownlint check`` was asked: the inputs, the rules selected, the threshold, the date."""

    inputs: Inputs = field(default_factory=Inputs)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    show_suppressed: bool = False
    today: datetime.date | None = None  # expiry dates are checked against it (default: today)
    baseline: str | None = None  # report only findings this baseline file does not hold
    diff_base: str | None = None  # report only findings the merge base with this git ref does not have


@record(frozen=True)
class CheckResult:
    """The report of a check, its notes for stderr and its exit code."""

    report: Report
    notes: tuple[str, ...]
    exit_code: int


def run_check(options: CheckOptions) -> CheckResult:
    rules = select_rules(options.select, options.ignore)
    loaded = load(options.inputs)
    today = options.today or datetime.date.today()
    found, suppressed = findings_of(rules, loaded, today)
    comparison = None
    if options.baseline is not None or options.diff_base is not None:
        known, against = _known(options, rules, loaded, today)
        selected = {rule.code for rule in rules}  # what --select leaves out is neither new nor fixed
        current = {f.fingerprint for f in found}  # one located at a call is known from its module's file
        known = [
            k
            for k in known
            if k.rule in selected and (not loaded.changed or k.file in loaded.changed or k.fingerprint in current)
        ]
        from ownlint.report import baseline  # the comparisons are imported only when asked for

        found, still, fixed = baseline.compare(found, known)
        comparison = Comparison(against, still, tuple((k.rule, k.resource, k.file) for k in fixed))
    reported = sorted(found, key=finding_order)
    report = Report(
        tuple(reported),
        len(loaded.result.files),
        len(loaded.resources),
        tuple(r.code for r in RULES),
        rules=RULE_INFO,
        base=repository_base(loaded.root),
        suppressed=tuple(sorted(suppressed, key=lambda s: finding_order(s.finding))),
        show_suppressed=options.show_suppressed,
        comparison=comparison,
        root=os.path.realpath(loaded.root),
        config=config_name(loaded.config),
    )
    threshold = Severity(options.fail_on).rank
    failed = any(f.severity.rank >= threshold for f in reported)
    return CheckResult(report, loaded.notes, 1 if failed else 0)


def _known(
    options: CheckOptions, rules: tuple[Rule, ...], loaded: Loaded, today: datetime.date
) -> tuple[list[baseline.Known], str]:
    """The findings to compare with: a baseline file's, or those at the merge base of ``--diff-base``."""
    from ownlint.loaders.codeowners import PLACES
    from ownlint.report import baseline
    from ownlint.vcs import diff_base

    if options.baseline is not None:
        return baseline.read(Path(options.baseline)), f"baseline {options.baseline}"
    assert options.diff_base is not None
    inputs = options.inputs
    if STDIN in inputs.paths:
        raise OwnlintError("--diff-base compares files in git; it cannot compare standard input")
    top = repository_top(loaded.root)
    if top is None:
        raise OwnlintError(f"--diff-base compares with a git commit: {loaded.root} is not in a git repository")
    settings = loaded.config.codeowners
    named = (*inputs.paths, *inputs.terraform.var_files, *inputs.terraform.plans)
    also = (*PLACES, *([settings.file] if settings and settings.file else []))
    wanted = diff_base.wanted(top, loaded.root, named, also)

    def run_at(tree: Path) -> list[Finding]:
        moved = relocated(inputs, top, tree, loaded.root)
        if not moved.paths:
            return []  # none of the paths existed at the base
        # the base is checked with the head's config: the comparison is about the code that changed
        return findings_of(rules, load(moved, loaded.config), today)[0]

    found, against = diff_base.findings_at_merge_base(options.diff_base, top, wanted, run_at, inputs.environ)
    return [baseline.Known(f.fingerprint, f.rule, f.resource, f.file) for f in found], against
