"""What every rule receives (``RuleContext``), the ``Rule`` record, and finding construction."""

from __future__ import annotations

import datetime
import hashlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING

from ownlint.config import Config
from ownlint.model import (
    Fact,
    FileOwners,
    Finding,
    LoadProblem,
    Place,
    PlaceKind,
    Resource,
    Severity,
    Suppression,
)
from ownlint.ownership import ROWS, Facts, needs_ownership
from ownlint.records import builder, record

if TYPE_CHECKING:
    from ownlint.graph import ResourceGraph


@record(frozen=True)
class RuleContext:
    """Everything a rule may look at; rules never read files or print."""

    config: Config
    resources: tuple[Resource, ...]
    problems: tuple[LoadProblem, ...]
    # builds the resource graph on first use: only the boundary rules need it
    graph_factory: Callable[[], ResourceGraph] | None = field(default=None, compare=False)
    codeowners: Mapping[str, FileOwners] = field(default_factory=dict)  # by file, when configured
    suppressions: tuple[Suppression, ...] = ()
    today: datetime.date = field(default_factory=datetime.date.today)
    # whether a finding on a resource can be reported (None: any): a one-file check reports what was named
    reported: Callable[[Resource], bool] | None = field(default=None, compare=False)

    @cached_property
    def graph(self) -> ResourceGraph:
        if self.graph_factory is None:
            raise RuntimeError("this rule context has no graph")  # a programming error, not bad input
        return self.graph_factory()

    @cached_property
    def fact(self) -> Facts:
        """``ownership.fact`` for this run's resources, each fact resolved once (every rule asks the same few)."""
        return Facts(self.config)

    def tagged(self, names: tuple[str, ...]) -> Callable[[Resource], Mapping[str, Fact]]:
        """For each resource, what its tags say of ``names`` (``Facts.tagged``): the present or unknown ``Fact`` of
        each said, by name (and maybe of other facts). A fact not there is missing, or unknown for the resource's
        first opaque reason. With ``fact`` no ``Facts``, each of ``names`` is asked."""
        fact = self.fact
        if type(fact) is Facts:
            return fact.tagged(names)

        def said(resource: Resource) -> Mapping[str, Fact]:
            return {name: found for name in names if (found := fact(resource, name)).key is not None}

        return said

    def owned_resources(self) -> Iterator[Resource]:
        """Resources that must carry ownership facts (taggable, not exempt)."""
        return iter(self._owned)

    def owned_tagged(self, names: tuple[str, ...]) -> Iterator[tuple[Resource, Mapping[str, Fact]]]:
        """Each of ``owned_resources`` with what its tags say of ``names`` (``tagged``). The run's ``Facts`` lists the
        rows once for every rule that walks them (up to ``ownership.ROWS`` resources: the rows it keeps anyway)."""
        tagged, owned, fact = self.tagged(names), self._owned, self.fact
        if type(fact) is Facts and len(owned) <= ROWS:
            return zip(owned, fact.listed(owned), strict=True)
        return ((resource, tagged(resource)) for resource in owned)

    def kinds(self, judge: Callable[[Config, str], str | None]) -> Mapping[str, str | None]:
        """``judge(config, value)`` (``ownership.party_kind`` or ``operator_kind``) of each value looked up, judged
        once a run: an estate names a few parties many times, and several rules ask the same."""
        found = self._kinds.get(judge)
        if found is None:
            found = self._kinds[judge] = _Judged(judge, self.config)
        return found

    @cached_property
    def _kinds(self) -> dict[Callable[[Config, str], str | None], _Judged]:
        return {}

    @cached_property
    def _owned(self) -> tuple[Resource, ...]:
        # chosen once: every ownership rule walks them (config and resources are frozen)
        return tuple(r for r in self.resources if needs_ownership(self.config, r))


class _Judged(dict[str, str | None]):
    """``judge(config, value)`` by value, judged at the first look-up of each (a look-up after is the dict's own)."""

    def __init__(self, judge: Callable[[Config, str], str | None], config: Config) -> None:
        super().__init__()
        self.judge, self.config = judge, config

    def __missing__(self, value: str) -> str | None:
        found = self[value] = self.judge(self.config, value)
        return found


@record(frozen=True)
class Rule:
    """A rule: its code, name, severity, documentation and the function that checks a context."""

    code: str
    name: str
    severity: Severity
    doc: str
    check: Callable[[RuleContext], Iterator[Finding]]

    @classmethod
    def from_module(cls, module: ModuleType) -> Rule:
        return cls(
            code=module.CODE,
            name=module.NAME,
            severity=module.SEVERITY,
            doc=inspect.cleandoc(module.__doc__ or ""),
            check=module.check,
        )

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


def missing(said: Mapping[str, Fact], resource: Resource, name: str) -> bool:
    """Whether the fact ``name`` is missing from ``resource`` (``State.MISSING``), by what its tags say (``said``, of
    ``RuleContext.tagged``): not said, and the resource is not opaque (then the fact is unknown, not missing)."""
    return name not in said and not resource.opaque


def finding(
    module_code: str,
    module_name: str,
    severity: Severity,
    resource: Resource,
    message: str,
    provenance: tuple[Place, ...] = (),
) -> Finding:
    """A finding on ``resource`` (severity overrides are applied later, by the app). Its fingerprint hashes the text
    ``model.fingerprint`` joins, written at once (MoJ: 39k findings; the list, join and call were a third of it)."""
    if resource.source == "terraform":
        text = f"{module_code}\x1fterraform\x1f{resource.stack}\x1f{resource.address}\x1f"
    else:
        text = f"{module_code}\x1f{resource.source}\x1f{resource.address}\x1f"
    return (_FINDING[0] if _FINDING else _finding_builder())(
        module_code,
        module_name,
        severity,
        message,
        resource.address,
        resource.type,
        resource.source,
        resource.file,
        resource.line,
        resource.end_line,
        (),
        provenance,
        _sha256(text.encode()).hexdigest()[:32],
        resource.instances,
        resource.stack,
        (),
        (),
        (),
    )


_sha256 = hashlib.sha256
_FINDING: list[Callable[..., Finding]] = []  # ``builder(Finding)``, made on first use (most one-file checks find none)


def _finding_builder() -> Callable[..., Finding]:
    """A ``Finding`` of every field in order, without ``__init__``, which sets each of its 18 slots through the slot's
    descriptor (MoJ: 39k findings)."""
    _FINDING.append(builder(Finding))
    return _FINDING[0]


def fix_hint(resource: Resource, key: str) -> str:
    """Where to add a missing key, in words: the best place first. A place is written as ``str`` writes it, without
    the call (MoJ asks 39k hints)."""
    place = resource.fix_place
    if resource.source == "kubernetes":
        where = f"metadata.labels ({place.file}:{place.line})" if place else "metadata.labels"
        built = (
            [i for i in resource.instances if i.rsplit("/", 1)[-1].startswith(("kustomization", "Kustomization"))]
            if resource.instances
            else None
        )
        if built:  # objects a kustomization builds: its labels reach them too
            where += f" or to the labels of {' or '.join(built)}"
        if resource.namespace:
            where += f" or to Namespace/{resource.namespace}"
        return f"add {key} to {where}"
    if place is None:
        return f"add {key} to the resource's tags"
    if place.kind is _PROVIDER_DEFAULTS:
        return f"add {key} to {place.what} ({place.file}:{place.line}) or to the resource's own tags"
    return f"add {key} to {place.what} ({place.file}:{place.line})"


# an enum member looked up on its class goes through the metaclass's ``__getattr__`` hook (Python 3.11): once here
_PROVIDER_DEFAULTS = PlaceKind.PROVIDER_DEFAULTS


def quoted_provenance(places: tuple[Place, ...]) -> str:
    """The places, each as ``str`` writes it (without the call), joined by arrows."""
    return " <- ".join([f"{p.what} ({p.file}:{p.line})" for p in places])
