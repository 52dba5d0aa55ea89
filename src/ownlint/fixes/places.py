"""Where a missing key may go, the widest place first: a ``local`` of tags, a provider's
``default_tags``, the module input that forwards tags, a Namespace's labels; then, for a resource a
module makes, the ``tags`` input of the calls that make it; then the resource's own tags or labels.

A place is offered only when no resource it obviously reaches has the fact already; whether an edit
there really changes nothing else is not decided here but by re-reading the edited copy
(``ownlint.fixing``), which rejects it and takes the next place when it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from ownlint.config import Config
from ownlint.fixes.targets import Groups, Target, calls
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.model import Place, PlaceKind, Resource, State
from ownlint.ownership import fact

_TAGS_VARIABLE = re.compile(r'^\s*variable\s+"tags"\s*\{', re.M)
# shared places, the widest first: a local of tags, provider defaults, a module's tags input, a Namespace;
# a round writes one kind, and the next round sees what it fixed
SHARED_KINDS = (PlaceKind.LOCAL, PlaceKind.PROVIDER_DEFAULTS, PlaceKind.MODULE_INPUT, PlaceKind.NAMESPACE_LABELS)


@dataclass(frozen=True)
class Edit:
    file: str  # as shown (relative to the scan root)
    line: int  # where the key goes: the tags attribute, the block, or the manifest
    where: str
    key: str
    value: str
    evidence: str
    kind: str  # terraform, kubernetes
    at: PlaceKind  # what ``where`` is
    attribute: str = "tags"  # the map the key goes into in a Terraform block: tags or labels

    @property
    def place(self) -> tuple[str, str, str]:
        """What an edit is, whatever line it is on after other edits: the file, the place, the key."""
        return (self.file, self.where, self.key)


def candidates(config: Config, root: Path, groups: Groups, target: Target) -> list[Edit]:
    """The places the target's key may go, the widest first; files outside the scanned tree are never edited."""
    resource = target.resource
    places = (
        _kubernetes(config, groups, target)
        if resource.source == "kubernetes"
        else _terraform(config, root, groups, target)
    )
    edits = [
        Edit(
            place.file,
            place.line,
            place.what,
            target.key,
            target.value,
            target.evidence,
            resource.source,
            place.kind,
            _map_name(place),
        )
        for place in places
        if not place.file.startswith("../")
    ]
    return list({e.place: e for e in reversed(edits)}.values())[::-1]  # each place once, at its first rank


def outside(target: Target) -> str:
    """Why a target has no place: the places it has are all outside the scanned tree."""
    place = target.resource.fix_place
    shown = str(place) if place is not None else target.resource.file
    return f"{shown} is outside the tree"


def _kubernetes(config: Config, groups: Groups, target: Target) -> list[Place]:
    resource = target.resource
    places: list[Place] = []
    namespace = _namespace_object(groups, resource)
    if namespace is not None and not _has(config, target.fact, groups.by_namespace.get(resource.namespace or "", [])):
        what = f"labels of {namespace.address}"
        places.append(
            Place(namespace.file, namespace.line, what, PlaceKind.NAMESPACE_LABELS, "labels", namespace.address)
        )
    # a Namespace's own labels are the shared place of its objects, whichever object asks for them
    kind = PlaceKind.NAMESPACE_LABELS if resource.type == "k8s:Namespace" else PlaceKind.OBJECT_LABELS
    places.append(
        Place(resource.file, resource.line, f"labels of {resource.address}", kind, "labels", resource.address)
    )
    return places


def _terraform(config: Config, root: Path, groups: Groups, target: Target) -> list[Place]:
    resource = target.resource
    places: list[Place] = []
    local = _shared_local(resource)  # tags = local.tags: one line in the local serves every user of it
    if local is not None and not _has(config, target.fact, groups.by_stack.get(resource.stack, [])):
        places.append(replace(local, what=f"{local.what} ({local.file})"))
    place = resource.fix_place
    through_input = place is not None and place.kind is PlaceKind.MODULE_INPUT
    if place is not None and through_input and not place.name.endswith(("tags", "labels")):
        place = None  # an input that is not a map of tags (a name, an id): never written into
    attribute = ".".join(taggable_index().label_path(resource.type))
    own = Place(
        resource.file,
        resource.line,
        f"{attribute} of {resource.address}",
        PlaceKind.ATTRIBUTE,
        attribute,
        resource.address,
    )
    members = groups.by_place.get((place.file, place.line, place.what), []) if place is not None else []
    if place is not None and not _same(place, own) and not _has(config, target.fact, members):
        places.append(place)
    fed = place.subject if place is not None and through_input else None
    made_by = calls(groups, resource)
    for index, call in enumerate(made_by):  # the instance's own call: not code other instances share
        module_file = made_by[index - 1].file if index else resource.file
        if call.address != fed and _takes_tags(root, groups, call, module_file):
            what = f"tags input of {call.address}"
            places.append(Place(call.file, call.line, what, PlaceKind.MODULE_TAGS_INPUT, "tags", call.address))
    written = [
        p for p in (resource.fix_place, *(p for t in resource.tags for p in t.provenance)) if p and _same(p, own)
    ]
    places.append(replace(own, line=written[0].line) if written else own)  # or the block
    return places


def _map_name(place: Place) -> str:
    """The map a key goes into at ``place``: a resource's own ``tags``/``labels``, or the innermost name of
    its label path (``settings.user_labels``: ``user_labels``); ``tags`` elsewhere (locals, inputs, providers)."""
    innermost = place.name.rsplit(".", 1)[-1]
    return innermost if place.kind is PlaceKind.ATTRIBUTE and innermost.endswith(("tags", "labels")) else "tags"


def _same(place: Place, own: Place) -> bool:
    """Whether ``place`` is the resource's own tags attribute ``own`` (on whatever line)."""
    return (place.kind, place.name, place.subject) == (own.kind, own.name, own.subject)


def _has(config: Config, name: str, members: list[Resource]) -> bool:
    """Whether any of ``members`` has the fact (a shared place is offered only when none has)."""
    return any(fact(config, r, name).state is State.PRESENT for r in members)


def _takes_tags(root: Path, groups: Groups, call: Resource, module_file: str) -> bool:
    """Whether the call sets a ``tags`` input, or its module (that ``module_file`` is in) declares
    ``variable "tags"``."""
    if any(a.get("tags") is not None for a in call.attributes if isinstance(a, dict)):
        return True
    directory = (root / module_file).parent
    if directory not in groups.tags_variable:  # read once per module, not once per resource
        found = False
        for file in sorted(directory.glob("*.tf")):
            try:
                found = found or bool(_TAGS_VARIABLE.search(file.read_text(errors="replace")))
            except OSError:
                continue
        groups.tags_variable[directory] = found
    return groups.tags_variable[directory]


def _shared_local(resource: Resource) -> Place | None:
    """The ``local.NAME`` that every tag written for the resource comes through (``tags = local.tags``,
    maybe forwarded by module inputs), at the line of its first item; None when a tag is written
    anywhere else (then the resource's own object or merge takes the key)."""
    found: dict[tuple[str, str], Place] = {}
    lines: list[int] = []
    through_input = resource.fix_place is not None and resource.fix_place.kind is PlaceKind.MODULE_INPUT
    for tag in resource.tags:
        chain = list(tag.provenance)
        if through_input and resource.fix_place not in chain:
            continue  # written inside the module, not passed in: not the caller's to change
        written = next((i for i, p in enumerate(chain) if _is_written(p)), None)
        if written is None:
            continue  # a provider default
        through = [p for p in chain[:written] if p.kind is PlaceKind.LOCAL]
        if not through:
            return None
        found[(through[-1].file, through[-1].name)] = through[-1]
        lines.append(through[-1].line)
    if len(found) != 1:
        return None
    return replace(next(iter(found.values())), line=min(lines))


def _is_written(place: Place) -> bool:
    """A module input, or a resource's (or call's) own ``tags``/``labels``: where a tag is written for it."""
    return place.kind is PlaceKind.MODULE_INPUT or (
        place.kind is PlaceKind.ATTRIBUTE and place.name in ("tags", "labels")
    )


def _namespace_object(groups: Groups, resource: Resource) -> Resource | None:
    if resource.namespace is None or resource.type == "k8s:Namespace":
        return None
    return next(iter(groups.by_address.get(("", f"Namespace/{resource.namespace}"), [])), None)
