"""The configuration as values: parties, categories, boundaries, waivers, and the ``Config`` that holds them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import field
from functools import cached_property

from ownlint.records import record


@record(frozen=True)
class Category:
    """A resource category: what it matches, who may own and operate it, the labels it requires."""

    name: str
    match: tuple[str, ...]
    owners: frozenset[str]
    operators: frozenset[str]
    requires: tuple[str, ...]


@record(frozen=True)
class Msp:
    """A managed service provider: where it works, its contracts and the identities it acts as."""

    name: str
    location: str = "onshore"
    contracts: tuple[str, ...] = ()
    escalation: str | None = None  # where its incidents go: evidence ``ownlint fix`` writes escalation-contact from
    aws_principals: tuple[str, ...] = ()
    k8s_subjects: tuple[str, ...] = ()
    cidrs: tuple[str, ...] = ()
    gcp_members: tuple[str, ...] = ()
    azure_principals: tuple[str, ...] = ()
    line: int = 0  # where the config declares it, for boundary paths


@record(frozen=True)
class Boundary:
    """A ``boundaries`` entry: a path boundary (``from`` a party ``to`` resources with some facts) or a
    residency boundary (an operator ``location`` on resources with some facts)."""

    name: str
    from_parties: tuple[str, ...] = ()  # "msp" (every MSP) or MSP names
    from_locations: tuple[str, ...] = ()  # empty: any location
    to: Mapping[str, frozenset[str]] = field(default_factory=dict)  # fact -> values, any of which is denied
    operator_locations: tuple[str, ...] = ()
    # categories of the resources it protects: by default those that hold data, not the RBAC objects
    # or workloads that merely sit in a namespace labelled restricted
    categories: tuple[str, ...] = ("data", "security")

    @property
    def is_residency(self) -> bool:
        return bool(self.operator_locations)


@record(frozen=True)
class CodeOwners:
    """CODEOWNERS teams mapped to owner values, for ownership drift; ``file`` None: the usual places."""

    teams: Mapping[str, str]
    file: str | None = None
    where: str = ""  # FILE:LINE of ``codeowners.file`` in the config, for errors found when it is read


@record(frozen=True)
class Inheritance:
    """Resources matching ``match`` take ownership facts from what their ``via`` attributes reference."""

    name: str
    match: tuple[str, ...]
    via: tuple[str, ...]


@record(frozen=True)
class Waiver:
    """A config waiver: a rule not applied to a resource, why, until when and approved by whom."""

    rule: str
    resource: str
    reason: str
    expires: datetime.date | None = None
    approved_by: str | None = None
    line: int = 0  # where the config declares it


@record(frozen=True)
class Default:
    """Fact values for the files under ``path`` (a glob: ``infra/payments/*``; ``*`` crosses ``/``), the
    evidence ``ownlint fix`` writes from; it never makes a resource owned by itself."""

    path: str
    values: Mapping[str, str]
    line: int = 0


@record(frozen=True)
class Config:
    """The composed configuration a run applies (presets, the user's file, command-line options)."""

    source: str
    keys: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, frozenset[str]]
    internal: frozenset[str]
    msps: Mapping[str, Msp]
    categories: tuple[Category, ...]
    exempt: tuple[str, ...]
    severities: Mapping[str, str] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    boundaries: tuple[Boundary, ...] = ()
    inherit: tuple[Inheritance, ...] = ()
    codeowners: CodeOwners | None = None
    defaults: tuple[Default, ...] = ()
    # a chart's directory (from the top of the repository) -> the values files it is rendered with
    helm_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def parties_declared(self) -> bool:
        return bool(self.internal or self.msps)

    @cached_property
    def per_type(self) -> TypeAnswers:
        """Answers that depend only on a resource type, memoised for this config: rules ask them for
        every resource, thousands of times a run."""
        return TypeAnswers()


@record()
class TypeAnswers:
    """What ``ownership`` worked out for a resource type under one config: its category, whether it is exempt."""

    categories: dict[str, Category] = field(default_factory=dict)
    exempt: dict[str, bool] = field(default_factory=dict)
