"""The pipeline behind every command: discover -> load -> rules -> severities -> report."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ownlint.config import Config, config_at_ref, config_top, did_you_mean, find_config, load_config
from ownlint.errors import OwnlintError
from ownlint.inheritance import inherit_ownership
from ownlint.inputs import STDIN, Inputs, relocated
from ownlint.loaders.codeowners import load_codeowners
from ownlint.loaders.discovery import Discovered, discover
from ownlint.loaders.files import relative
from ownlint.loaders.kubernetes import load_kubernetes, manifests_read
from ownlint.loaders.terraform import load_terraform
from ownlint.model import (
    Comparison,
    FileOwners,
    Finding,
    LoadResult,
    Progress,
    Report,
    Resource,
    RuleInfo,
    Severity,
    Suppressed,
    Suppression,
)
from ownlint.report.notes import plan_like_note, skipped_notes
from ownlint.rules import KNOWN_IDS, RULES
from ownlint.rules.base import Rule, RuleContext
from ownlint.scope import Located, Scope
from ownlint.suppressions import apply as suppress
from ownlint.vcs.tree import repository_top

if TYPE_CHECKING:
    from ownlint.graph import ResourceGraph
    from ownlint.report import baseline


@dataclass(frozen=True)
class CheckOptions:
    inputs: Inputs = field(default_factory=Inputs)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    show_suppressed: bool = False
    today: datetime.date | None = None  # expiry dates are checked against it (default: today)
    baseline: str | None = None  # report only findings this baseline file does not hold
    diff_base: str | None = None  # report only findings the merge base with this git ref does not have


@dataclass(frozen=True)
class CheckResult:
    report: Report
    notes: tuple[str, ...]
    exit_code: int


@dataclass(frozen=True)
class Loaded:
    """Everything read from disk for one run."""

    config: Config
    result: LoadResult
    notes: tuple[str, ...]
    codeowners: Mapping[str, FileOwners] = field(default_factory=dict)
    root: Path = Path(".")
    suppressions: tuple[Suppression, ...] = ()
    changed: frozenset[str] = frozenset()  # files named one by one: only their findings are reported
    scope: Scope = field(default_factory=Scope)  # what was named: the rest was read as context
    progress: Progress | None = field(default=None, compare=False)  # the run's, for the rules' part

    @property
    def resources(self) -> tuple[Resource, ...]:
        return self.result.resources

    def named_resources(self) -> list[Resource]:
        """The resources of what was named, without those only read as context (a named module's callers)."""
        located = Located(self.scope, self.resources, self.result.problems)
        return [r for r in self.resources if located.holds(r)]


def run_check(options: CheckOptions) -> CheckResult:
    rules = select_rules(options.select, options.ignore)
    loaded = load(options.inputs)
    today = options.today or datetime.date.today()
    found, suppressed = _findings(rules, loaded, today)
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
    findings = sorted(found, key=_finding_order)
    report = Report(
        tuple(findings),
        len(loaded.result.files),
        len(loaded.resources),
        tuple(r.code for r in RULES),
        rules=RULE_INFO,
        base=repository_base(loaded.root),
        suppressed=tuple(sorted(suppressed, key=lambda s: _finding_order(s.finding))),
        show_suppressed=options.show_suppressed,
        comparison=comparison,
        root=os.path.realpath(loaded.root),
        config=config_name(loaded.config),
    )
    threshold = Severity(options.fail_on).rank
    failed = any(f.severity.rank >= threshold for f in findings)
    return CheckResult(report, loaded.notes, 1 if failed else 0)


def _findings(rules: tuple[Rule, ...], loaded: Loaded, today: datetime.date) -> tuple[list[Finding], list[Suppressed]]:
    """Every finding of ``rules`` on ``loaded``, split into the reported and the suppressed ones."""
    context = rule_context(loaded, today=today)
    found, hidden = suppress.apply(
        run_rules(rules, context, loaded.progress), loaded.suppressions, loaded.resources, today
    )
    # the callers of a named module, the rest of its directory, are context: their findings are not reported
    located = Located(loaded.scope, loaded.resources, loaded.result.problems)
    return located.findings(found), located.suppressed(hidden)


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
        return _findings(rules, load(moved, loaded.config), today)[0]

    found, against = diff_base.findings_at_merge_base(options.diff_base, top, wanted, run_at, inputs.environ)
    return [baseline.Known(f.fingerprint, f.rule, f.resource, f.file) for f in found], against


def write_baseline(inputs: Inputs, target: Path, today: datetime.date | None = None) -> tuple[int, tuple[str, ...]]:
    """Record every finding a check reports now (suppressed ones excepted); returns how many, and notes."""
    loaded = load(inputs)
    found, _ = _findings(select_rules((), ()), loaded, today or datetime.date.today())
    from ownlint.report import baseline
    from ownlint.report.write import write_atomically

    write_atomically(target, baseline.render(found, datetime.datetime.now(datetime.timezone.utc)))
    return len(found), loaded.notes


def _finding_order(finding: Finding) -> tuple[str, int, str, str, str]:
    return (finding.file, finding.line, finding.rule, finding.resource, finding.fingerprint)


RULE_INFO = tuple(RuleInfo(r.code, r.name, r.severity, r.summary, r.doc) for r in RULES)


def repository_base(root: Path) -> str:
    """The scan root relative to its repository (the nearest ``.git`` above it), as a prefix: ``infra/``."""
    resolved = root.resolve()
    top = repository_top(resolved) or resolved
    relative_root = resolved.relative_to(top).as_posix()
    return "" if relative_root == "." else f"{relative_root}/"


def load(inputs: Inputs, config: Config | None = None) -> Loaded:
    """Everything a run reads; ``config``: the one already loaded (``--diff-base`` checks its base with it)."""
    paths, stdin_text = inputs.paths, inputs.stdin_text
    file_paths = [Path(p) for p in paths if p != STDIN]
    if STDIN in paths and stdin_text is None:
        raise OwnlintError("'-' given but no standard input was read")
    root = Path(inputs.root) if inputs.root is not None else None
    found = discover(file_paths, root) if file_paths else Discovered(root=Path("."))
    config = config or _config(inputs, file_paths, found.root)
    terraform = load_terraform(
        found.root,
        found.terraform,
        inputs.terraform,
        inputs.jobs,
        inputs.max_file_bytes,
        found.terraform_context,
        inputs.progress,
    )
    stdin = stdin_text if STDIN in paths else None
    kubernetes = load_kubernetes(
        found.root, found.manifests, stdin, found.namespace_context, inputs.jobs, inputs.max_file_bytes, inputs.progress
    )
    result = LoadResult(
        resources=inherit_ownership(config, terraform.resources + kubernetes.resources),
        problems=tuple(found.problems) + terraform.problems + kubernetes.problems,
        files=terraform.files + manifests_read(kubernetes),
    )
    settings = config.codeowners
    codeowners, owner_notes = load_codeowners(found.root, settings, result.files) if settings is not None else ({}, ())
    config_file = _shown_config(config, found.root)
    inline, ignored = suppress.allowed((*terraform.suppressions, *kubernetes.suppressions), inputs.inline_suppressions)
    suppressions = (*inline, *suppress.waivers(config, config_file))
    plans = plan_like_note(found, inputs.terraform.plans)
    config_given = inputs.config is not None or inputs.config_ref is not None
    skipped = skipped_notes(file_paths, found, kubernetes, config_given, STDIN in inputs.paths)
    notes = (*skipped, *plans, *terraform.notes, *owner_notes, *ignored)
    changed = frozenset(relative(found.root, p) for p in found.changed)
    plan_files = [Path(p) for p in inputs.terraform.plans]
    scope = Scope.named(found.root, found.changed, found.directories, config_file, plan_files)
    return Loaded(config, result, notes, codeowners, found.root, suppressions, changed, scope, inputs.progress)


def _config(inputs: Inputs, paths: list[Path], root: Path) -> Config:
    """One config per run: ``--config``, ``--config-from-ref``, or the one at the top of the repository."""
    if inputs.config is not None and inputs.config_ref is not None:
        raise OwnlintError("give --config or --config-from-ref, not both")
    if inputs.config is not None:
        path = Path(inputs.config)
        if not path.is_file():
            raise OwnlintError(f"{inputs.config}: config file not found")
        return load_config(path, KNOWN_IDS)
    if inputs.config_ref is not None:
        top = config_top(paths, root)
        if repository_top(top) is None:
            raise OwnlintError(f"--config-from-ref: {top} is not in a git repository")
        return config_at_ref(inputs.config_ref, top, KNOWN_IDS, inputs.environ)
    return load_config(find_config(paths, root), KNOWN_IDS)


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
    return _apply_severities(context.config, merge_instances(found, context.resources))


def merge_instances(findings: Iterable[Finding], resources: Iterable[Resource]) -> list[Finding]:
    """Findings on instances of one address (``for_each``/``count``) become one finding that names the
    instances it holds for, unless it holds for all of them."""
    totals: dict[tuple[str, str], set[str]] = {}
    for resource in resources:
        totals.setdefault((resource.stack, resource.address), set()).update(resource.instances)
    merged: dict[str, list[Finding]] = {}
    for item in findings:
        merged.setdefault(item.fingerprint, []).append(item)
    result = []
    for group in merged.values():
        first = group[0]
        if not first.instances:
            result.append(first)
            continue
        covered = sorted({i for f in group for i in f.instances})
        if set(covered) >= totals.get((first.stack, first.resource), set()):
            result.append(replace(first, instances=()))
            continue
        messages = dict.fromkeys(f.message for f in group)
        text = "; ".join(messages) if len(messages) > 1 else first.message
        shown = ", ".join(covered)
        result.append(replace(first, message=f"{text} (only in {shown})", instances=tuple(covered)))
    return result


def _apply_severities(config: Config, findings: Iterable[Finding]) -> list[Finding]:
    result = []
    for finding in findings:
        override = config.severities.get(finding.rule)
        if override == "off":
            continue
        result.append(replace(finding, severity=Severity(override)) if override else finding)
    return result


def rule_context(loaded: Loaded, today: datetime.date | None = None) -> RuleContext:
    """What rules see; the graph (over every loaded resource) is built only if a rule asks for it."""

    def graph() -> ResourceGraph:
        return graph_of_loaded(loaded)

    return RuleContext(
        loaded.config,
        loaded.resources,
        loaded.result.problems,
        graph,
        loaded.codeowners,
        loaded.suppressions,
        today or datetime.date.today(),
    )


def config_name(config: Config) -> str:
    """The config as the report names it: a file's absolute path, else its name (``preset hybrid-it``)."""
    return os.path.realpath(config.source) if Path(config.source).is_file() else config.source


def _shown_config(config: Config, root: Path) -> str:
    """The config file as findings show it (relative to the scan root), or the preset's name."""
    source = Path(config.source)
    return relative(root, source) if source.is_file() else config.source


def graph_of_loaded(loaded: Loaded) -> ResourceGraph:
    from ownlint.graph import build_graph

    return build_graph(loaded.resources, loaded.config, _shown_config(loaded.config, loaded.root))
