"""A resource's owner disagrees with the owner of its module call, its namespace, or its CODEOWNERS team.

What it does
    Compares a resource's ``owner`` with, in turn: the owner in the ``tags``/``labels`` its module call hands
    down (the nearest call that says one); the owner label of its Kubernetes Namespace; and,
    when ``codeowners.teams`` maps CODEOWNERS teams to owner values, the owners CODEOWNERS gives
    its file (``CODEOWNERS``, ``.github/CODEOWNERS`` or ``docs/CODEOWNERS`` at the repository root,
    or ``codeowners.file``). Only known values are compared; unknown ones are OWN012's.

Why it matters
    Ownership that drifts from the team that reviews the code or runs the namespace is ownership
    nobody acts on: alerts and audits go to a team that no longer looks.

Example
    Fails: ``module "payments" { tags = { owner = "payments" } }`` instantiating a bucket
    tagged ``owner = "data-eng"``; or a Deployment labelled ``owner: web`` in a Namespace labelled
    ``owner: payments``.

    Passes: the bucket and the Deployment say ``payments``, or say nothing and inherit it.

Options
    ``codeowners: {file: PATH, teams: {"@org/platform": platform}}``.
"""

from __future__ import annotations

from collections.abc import Iterator

from ownlint.model import Finding, Place, PlaceKind, Resource, Severity
from ownlint.ownership import OWNER, PRESENT
from ownlint.rules.base import RuleContext, finding

CODE = "OWN011"
NAME = "ownership-drift"
SEVERITY = Severity.WARNING
NAMESPACE_LABEL = PlaceKind.NAMESPACE_LABEL  # asked of every owned resource: a member on its class costs a hook


def check(context: RuleContext) -> Iterator[Finding]:
    modules = {(r.stack, r.address): r for r in context.resources if r.type == "module"}
    namespaces = {r.name: r for r in context.resources if r.type == "k8s:Namespace"}
    for resource, said in context.owned_tagged((OWNER,)):
        own = said.get(OWNER)
        if own is None or own.state is not PRESENT or own.value is None or _from_namespace(own.provenance):
            continue
        for expected, where in _expectations(context, resource, modules, namespaces):
            if own.value.lower() not in {e.lower() for e in expected}:
                message = f"owner {own.value!r} of {resource.address} differs from {where} ({', '.join(expected)})"
                yield finding(CODE, NAME, SEVERITY, resource, message, own.provenance)
                break


def _from_namespace(provenance: tuple[Place, ...]) -> bool:
    """A value the resource inherits from its namespace cannot drift from it."""
    return bool(provenance) and provenance[0].kind is NAMESPACE_LABEL


def _expectations(
    context: RuleContext,
    resource: Resource,
    modules: dict[tuple[str, str], Resource],
    namespaces: dict[str, Resource],
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(owner values, what says so), nearest first: module call, namespace, CODEOWNERS."""
    container = resource.container if resource.source == "terraform" else None
    while container is not None:
        call = modules.get((resource.stack, container))
        if call is None:
            break
        owner = context.fact(call, OWNER)
        if owner.state is PRESENT and owner.value:
            yield (owner.value,), f"the owner its module call hands down ({call.address}, {call.file}:{call.line})"
            break
        container = call.container
    namespace = namespaces.get(resource.namespace or "") if resource.source == "kubernetes" else None
    if namespace is not None and namespace is not resource:
        owner = context.fact(namespace, OWNER)
        if owner.state is PRESENT and owner.value:
            yield (owner.value,), f"its namespace's owner ({namespace.address}, {namespace.file}:{namespace.line})"
    owners = context.codeowners.get(resource.file)
    if owners is not None:
        yield owners.owners, f"the owners CODEOWNERS gives {resource.file} ({owners.rule})"
