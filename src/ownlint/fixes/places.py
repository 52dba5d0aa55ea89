"""Where a missing key may go, the widest place first: a ``local`` of tags, a provider's
``default_tags``, the module input that forwards tags, a Namespace's labels; then, for a resource a
module makes, the ``tags`` input of the calls that make it; then the resource's own tags or labels.

A place is offered only when no resource it obviously reaches has the fact already; whether an edit
there really changes nothing else is not decided here but by re-reading the edited copy
(``ownlint.fixing``), which rejects it and takes the next place when it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ownlint.config import Config
from ownlint.fixes.targets import Groups, Target, calls
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.model import Place, Resource, State
from ownlint.ownership import fact

_TAGS_VARIABLE = re.compile(r'^\s*variable\s+"tags"\s*\{', re.M)
# shared places, the widest first: a local of tags, provider defaults, a module's tags input, a Namespace;
# a round writes one kind, and the next round sees what it fixed
SHARED_KINDS = ("local.", "provider ", "input ", "labels of Namespace/")


@dataclass(frozen=True)
class Edit:
    file: str  # as shown (relative to the scan root)
    line: int  # where the key goes: the tags attribute, the block, or the manifest
    where: str
    key: str
    value: str
    evidence: str
    kind: str  # terraform, kubernetes

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
        Edit(place.file, place.line, place.what, target.key, target.value, target.evidence, resource.source)
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
        places.append(Place(namespace.file, namespace.line, f"labels of {namespace.address}"))
    places.append(Place(resource.file, resource.line, f"labels of {resource.address}"))
    return places


def _terraform(config: Config, root: Path, groups: Groups, target: Target) -> list[Place]:
    resource = target.resource
    places: list[Place] = []
    local = _shared_local(resource)  # tags = local.tags: one line in the local serves every user of it
    if local is not None and not _has(config, target.fact, groups.by_stack.get(resource.stack, [])):
        places.append(Place(local.file, local.line, f"{local.what} ({local.file})"))
    place = resource.fix_place
    input_name = place.what.split(" ")[1] if place is not None and place.what.startswith("input ") else ""
    if input_name and not input_name.endswith(("tags", "labels")):
        place = None  # an input that is not a map of tags (a name, an id): never written into
    attribute = ".".join(taggable_index().label_path(resource.type))
    own = f"{attribute} of {resource.address}"
    members = groups.by_place.get((place.file, place.line, place.what), []) if place is not None else []
    if place is not None and place.what != own and not _has(config, target.fact, members):
        places.append(place)
    fed = place.what.split(" of ", 1)[1] if place is not None and place.what.startswith("input ") else None
    made_by = calls(groups, resource)
    for index, call in enumerate(made_by):  # the instance's own call: not code other instances share
        module_file = made_by[index - 1].file if index else resource.file
        if call.address != fed and _takes_tags(root, groups, call, module_file):
            places.append(Place(call.file, call.line, f"tags input of {call.address}"))
    written = [
        p for p in (resource.fix_place, *(p for t in resource.tags for p in t.provenance)) if p and p.what == own
    ]
    places.append(Place(resource.file, written[0].line if written else resource.line, own))  # or the block
    return places


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
    found: set[tuple[str, str]] = set()
    lines: list[int] = []
    through_input = resource.fix_place is not None and resource.fix_place.what.startswith("input ")
    for tag in resource.tags:
        chain = list(tag.provenance)
        if through_input and resource.fix_place not in chain:
            continue  # written inside the module, not passed in: not the caller's to change
        markers = ("input ", "tags of", "labels of")
        written = next((i for i, p in enumerate(chain) if p.what.startswith(markers)), None)
        if written is None:
            continue  # a provider default
        through = [p for p in chain[:written] if p.what.startswith("local.")]
        if not through:
            return None
        found.add((through[-1].file, through[-1].what))
        lines.append(through[-1].line)
    if len(found) != 1:
        return None
    file, what = found.pop()
    return Place(file, min(lines), what)


def _namespace_object(groups: Groups, resource: Resource) -> Resource | None:
    if resource.namespace is None or resource.type == "k8s:Namespace":
        return None
    return next(iter(groups.by_address.get(("", f"Namespace/{resource.namespace}"), [])), None)
