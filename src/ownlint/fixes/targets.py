"""What a fix must write: for each finding being fixed, the facts its resource lacks, each with the value
the evidence gives it (never a guess), or the reason why it stays as it is.

Evidence, in order: the config's ``defaults`` for the file (for a resource made by module calls, the
calls' files first, the outermost first: an instance belongs where it is made, not where its module's
code lives), the mapped CODEOWNERS team (the owner), the same fact on the module call or Namespace
holding the resource, the operating MSP's own declaration (its only contract, its escalation contact),
then the values given on the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from ownlint.config import Config
from ownlint.fixes.values import RULE_FACTS
from ownlint.model import FileOwners, Finding, Resource, State, in_stack
from ownlint.ownership import CONTRACT, ESCALATION, OWNER, category_of, fact, operating_msp


@dataclass(frozen=True)
class Target:
    """A fact one resource record (some or all ``for_each`` instances of an address) must get."""

    resource: Resource
    fact: str
    key: str  # the key written: the fact's first spelling
    value: str
    evidence: str

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.resource.source, self.resource.stack, self.resource.address)


@dataclass
class Groups:
    """The loaded resources grouped once per round, for the questions every finding asks."""

    by_address: dict[tuple[str, str], list[Resource]] = field(default_factory=dict)  # ("", address): Kubernetes
    by_namespace: dict[str, list[Resource]] = field(default_factory=dict)
    by_stack: dict[str, list[Resource]] = field(default_factory=dict)  # Terraform, module calls left out
    by_place: dict[tuple[str, int, str], list[Resource]] = field(default_factory=dict)  # by fix_place
    tags_variable: dict[Path, bool] = field(default_factory=dict)  # module directory -> declares "tags"


def grouped(resources: tuple[Resource, ...]) -> Groups:
    groups = Groups()
    for r in resources:
        groups.by_address.setdefault((r.stack if r.source == "terraform" else "", r.address), []).append(r)
        if r.source == "kubernetes" and r.namespace is not None:
            groups.by_namespace.setdefault(r.namespace, []).append(r)
        if r.source == "terraform" and r.type != "module":
            groups.by_stack.setdefault(r.stack, []).append(r)
        if r.fix_place is not None and r.type != "module":
            place = r.fix_place
            groups.by_place.setdefault((place.file, place.line, place.what), []).append(r)
    return groups


def calls(groups: Groups, resource: Resource) -> list[Resource]:
    """The module calls that make ``resource``, the innermost first (``module.a.module.b``, ``module.a``)."""
    found: list[Resource] = []
    container = resource.container if resource.source == "terraform" else None
    while container:
        call = next((r for r in groups.by_address.get((resource.stack, container), []) if r.type == "module"), None)
        if call is None:
            break
        found.append(call)
        container = call.container or _parent(container)
    return found


def _parent(address: str) -> str | None:
    head, separator, _ = address.rpartition(".module.")
    return head if separator else None


def targets(
    config: Config,
    codeowners: Mapping[str, FileOwners],
    groups: Groups,
    finding: Finding,
    values: Mapping[str, str],
    wanted: tuple[str, ...],
) -> tuple[list[Target], list[str]]:
    """The facts of ``wanted`` that the finding's resource records lack, with their values; and why the
    others are left as they are."""
    stack = finding.stack if finding.source == "terraform" else ""
    records = [
        r
        for r in groups.by_address.get((stack, finding.resource), [])
        if r.type != "module"
        and (not finding.instances or not r.instances or set(r.instances) & set(finding.instances))
    ]
    found: list[Target] = []
    reasons: list[str] = []
    where = located(finding)
    for record in records:
        for name in wanted:
            if fact(config, record, name).state is not State.MISSING:
                continue
            value, evidence = evidence_for(config, codeowners, groups, record, name, values)
            if value is None:
                flag = "--owner VALUE" if name == OWNER else f"--set {name}=VALUE"
                reasons.append(f"{where}: no evidence for {name}{evidence}; give {flag}")
                continue
            found.append(Target(record, name, config.keys.get(name, (name,))[0], value, evidence))
    if records and not found and not reasons:
        place = f"the value at {finding.provenance[0]}" if finding.provenance else "its value"
        reasons.append(f"{where}: {finding.rule} {finding.name}: no key is missing; {place} must change by hand")
    return found, list(dict.fromkeys(reasons))


def located(finding: Finding) -> str:
    """``file:line: address``, the address in its root module when it is not the scan root."""
    address = in_stack(finding.stack, finding.resource) if finding.source == "terraform" else finding.resource
    return f"{finding.file}:{finding.line}: {address}"


def facts_wanted(config: Config, resource_type: str, rule: str) -> tuple[str, ...]:
    """The facts whose absence ``rule`` reports on a resource of this type."""
    if rule in RULE_FACTS:
        return RULE_FACTS[rule]
    return category_of(config, resource_type).requires


def evidence_for(
    config: Config,
    codeowners: Mapping[str, FileOwners],
    groups: Groups,
    resource: Resource,
    name: str,
    values: Mapping[str, str],
) -> tuple[str | None, str]:
    """The value of fact ``name`` for ``resource`` and the evidence for it; without one, None and a
    note on what was looked at (may be empty)."""
    made_by = calls(groups, resource)
    files = [*(c.file for c in reversed(made_by)), resource.file]
    config_file = Path(config.source).name
    for file in files:
        for default in config.defaults:
            if name in default.values and fnmatchcase(file, default.path):
                return default.values[name], f"config default for {default.path} ({config_file}:{default.line})"
    if name == OWNER:
        for file in files:
            owners = codeowners.get(file)
            if owners is not None and len(owners.owners) == 1:
                return owners.owners[0], owners.rule
    for container in made_by[:1] or _namespace(groups, resource):
        held = fact(config, container, name)
        if held.state is State.PRESENT and held.value:
            said = "is owned by" if name == OWNER else f"has {name}"
            return held.value, f"{container.address} {said} {held.value!r}"
    note = ""
    if name in (CONTRACT, ESCALATION):
        value, note = _declared_by_msp(config, resource, name, config_file)
        if value is not None:
            return value, note
    if name in values:
        return values[name], "given on the command line"
    return None, note


def _namespace(groups: Groups, resource: Resource) -> list[Resource]:
    if resource.source != "kubernetes" or resource.container is None:
        return []
    return groups.by_address.get(("", resource.container), [])[:1]


def _declared_by_msp(config: Config, resource: Resource, name: str, config_file: str) -> tuple[str | None, str]:
    """The operating MSP's only contract, or its escalation contact, as the config declares them."""
    msp_name = operating_msp(config, resource)
    msp = config.msps.get(msp_name) if msp_name is not None else None
    if msp is None:
        return None, ""
    declared = f"MSP {msp.name!r}, {config_file}:{msp.line}"
    if name == ESCALATION:
        if msp.escalation:
            return msp.escalation, f"the escalation contact of {declared}"
        return None, f" (MSP {msp.name!r} declares no escalation)"
    if len(msp.contracts) == 1:
        return msp.contracts[0], f"the only contract of {declared}"
    if not msp.contracts:
        return None, f" (MSP {msp.name!r} declares no contracts)"
    return None, f" (MSP {msp.name!r} has {len(msp.contracts)} contracts: {', '.join(msp.contracts)})"
