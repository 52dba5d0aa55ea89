"""What a run reports: findings on what was named, although context was read from elsewhere.

Context comes from the repository (the callers of a named module, the Namespaces of named manifests);
findings only from what was named. A finding is reported when its file is named or lies in a named
directory, or when its resource is instantiated by a module call written in a named place, or its object is
built by a named kustomization: under a named file (pre-commit's changed files) it is then located at that
call or kustomization, the resource's own place kept as a related location, so that the hook judges the
file that added the call; under a named directory it stays where the resource is, as a full scan shows it.
Its fingerprint does not depend on where it is located.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from ownlint.loaders.files import relative
from ownlint.model import Finding, LoadProblem, Place, PlaceKind, Resource, Suppressed
from ownlint.records import record


@record(frozen=True)
class Scope:
    """The files and directories named, relative to the scan root ("" is the scan root itself)."""

    files: frozenset[str] = frozenset()
    directories: tuple[str, ...] = ("",)

    @classmethod
    def named(
        cls, root: Path, files: Sequence[Path], directories: Sequence[Path], config_file: str, plans: Sequence[Path]
    ) -> Scope:
        """The files (and ``--plan`` files) and directories named; the config's own findings (its waivers)
        are reported unless only files are named, as pre-commit names the changed files."""
        config = (config_file,) if directories or not files else ()
        named = frozenset((*(relative(root, f) for f in (*files, *plans)), *config))
        return cls(named, tuple(relative(root, d) for d in directories))

    def holds(self, file: str) -> bool:
        if file in self.files or file.startswith("<"):  # <stdin> is named by '-'
            return True
        inside = not file.startswith("../")
        return any((d == "" and inside) or file == d or file.startswith(f"{d}/") for d in self.directories)


class Located:
    """Where a finding is reported in ``scope``: as it is, at the named call of its module, or not at all.

    Its indexes of the resources (module calls, Kubernetes objects' instances) are made when a finding or a
    resource is first met outside what was named: never in a scan of a whole tree (50 MiB of a 30 MB estate's
    peak, held while its rules ran)."""

    def __init__(self, scope: Scope, resources: Iterable[Resource], problems: Iterable[LoadProblem]) -> None:
        self.scope = scope
        self._resources = resources if isinstance(resources, tuple) else tuple(resources)
        self.whole_root = {(p.file, p.line, p.message) for p in problems if p.whole_root}

    @cached_property
    def calls(self) -> _Calls:
        return _Calls(self._resources)

    @cached_property
    def instances(self) -> dict[tuple[str, str], tuple[str, ...]]:
        return {(r.stack, r.address): r.instances for r in self._resources if r.source == "kubernetes"}

    def __call__(self, finding: Finding) -> Finding | None:
        if self.scope.holds(finding.file):
            return finding
        if finding.rule == "OWN000" and (finding.file, finding.line, finding.message) in self.whole_root:
            return finding  # the root module that reached what was named could not be evaluated
        call = self.calls.named_call(finding.source, finding.stack, finding.resource, self.scope)
        if call is not None:
            return at_call(finding, call) if call.file in self.scope.files else finding
        built = None
        if finding.source == "kubernetes":  # the kustomizations that build it (all of them: none listed)
            built = self._named_instance(finding.instances or self.instances.get((finding.stack, finding.resource), ()))
        if built is None:
            return None
        return at_instance(finding, built) if built in self.scope.files else finding

    def holds(self, resource: Resource) -> bool:
        """Whether ``resource`` is one of what was named (not only context for it)."""
        if self.scope.holds(resource.file):
            return True
        if self._named_instance(resource.instances if resource.source == "kubernetes" else ()) is not None:
            return True
        return self.calls.named_call(resource.source, resource.stack, resource.address, self.scope) is not None

    def _named_instance(self, instances: Iterable[str]) -> str | None:
        """The first named kustomization among those that build an object (its ``instances``)."""
        return next((i for i in instances if self.scope.holds(i)), None)

    def findings(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in map(self, findings) if f is not None]

    def suppressed(self, hidden: Iterable[Suppressed]) -> list[Suppressed]:
        return [replace(s, finding=f) for s in hidden if (f := self(s.finding)) is not None]


def at_call(finding: Finding, call: Resource) -> Finding:
    """``finding`` located at the ``module`` block that instantiates its resource."""
    where = Place(finding.file, finding.line, finding.resource, PlaceKind.FINDING)
    return replace(
        finding,
        file=call.file,
        line=call.line,
        end_line=call.end_line,
        message=f"{finding.message}; in {call.address} ({finding.file}:{finding.line})",
        related=(where, *finding.related),
    )


def at_instance(finding: Finding, kustomization: str) -> Finding:
    """``finding`` located at the named kustomization that builds its object."""
    where = Place(finding.file, finding.line, finding.resource, PlaceKind.FINDING)
    return replace(
        finding,
        file=kustomization,
        line=1,
        end_line=1,
        message=f"{finding.message}; built by {kustomization} ({finding.file}:{finding.line})",
        related=(where, *finding.related),
    )


class _Calls:
    """The module calls of the loaded root modules, and the call each resource sits in."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.calls: dict[tuple[str, str], Resource] = {}
        self.containers: dict[tuple[str, str], str | None] = {}
        for resource in resources:
            if resource.source != "terraform":
                continue
            if resource.type == "module":
                self.calls[(resource.stack, resource.address)] = resource
            self.containers.setdefault((resource.stack, resource.address), resource.container)

    def named_call(self, source: str, stack: str, address: str, scope: Scope) -> Resource | None:
        """The innermost call around the resource at ``address`` that is written in a named place."""
        if source != "terraform" or not address:
            return None
        container = self.containers.get((stack, address))
        seen = 0
        while container is not None and seen < 64:  # calls nest at most 32 deep (module.MAX_MODULE_DEPTH)
            call = self.calls.get((stack, container))
            if call is None:
                return None
            if scope.holds(call.file):
                return call
            container, seen = call.container, seen + 1
        return None
