"""``ownlint fix``: add the missing ownership keys where a careful engineer would, from evidence only.

Beside ``app.py`` (it uses its pipeline). For each fixable finding (OWN001, OWN005, OWN007) the
missing facts get a value from evidence (the owner of the module call or Namespace, the config's
CODEOWNERS team mapping) or from ``--owner``/``--set``; without one nothing is written. The place is
the one the model already knows (``Resource.fix_place``): a provider's ``default_tags`` when every
resource under it lacks the key, the module input that forwards tags, else the resource's own tags;
for Kubernetes the Namespace when every object in it lacks the label, else the object's labels.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from ownlint.app import Loaded, _findings, load, select_rules
from ownlint.config import Config
from ownlint.errors import OwnlintError
from ownlint.fixes.hcl import Insertion, add_tag, apply
from ownlint.fixes.yaml import add_label
from ownlint.inputs import Inputs
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.model import Finding, Place, Resource, State
from ownlint.ownership import CONTRACT, ESCALATION, OWNER, category_of, fact

FIXABLE = ("OWN001", "OWN005", "OWN007")
MAX_ROUNDS = 5
# shared places, the widest first: a local of tags, provider defaults, a module's tags input, a Namespace;
# each round makes one kind, and the next round sees what it fixed
SHARED_KINDS = ("local.", "provider ", "input ", "labels of Namespace/")
_TAGS_VARIABLE = re.compile(r'^\s*variable\s+"tags"\s*\{', re.M)


@dataclass(frozen=True)
class FixOptions:
    inputs: Inputs = field(default_factory=Inputs)
    rules: tuple[str, ...] = ("OWN001",)
    values: Mapping[str, str] = field(default_factory=dict)  # fact -> value (--owner, --set FACT=VALUE)
    dry_run: bool = False


@dataclass(frozen=True)
class Edit:
    file: str  # as shown (relative to the scan root)
    line: int  # where the key goes: the tags attribute, the block, or the manifest
    where: str
    key: str
    value: str
    evidence: str
    kind: str  # terraform, kubernetes


@dataclass(frozen=True)
class FixResult:
    edits: tuple[Edit, ...]
    diffs: tuple[tuple[str, str], ...]  # (file, unified diff)
    unfixed: tuple[str, ...]  # findings left alone, and why
    written: tuple[str, ...]


def run_fix(options: FixOptions) -> FixResult:
    unknown = [r for r in options.rules if r not in FIXABLE]
    if unknown:
        raise OwnlintError(f"--rule {','.join(unknown)}: ownlint fix fixes {', '.join(FIXABLE)}")
    made: list[Edit] = []
    diffs: dict[str, str] = {}
    written: set[str] = set()
    originals: dict[str, str] = {}
    unfixed: list[str] = []
    for _ in range(MAX_ROUNDS):  # shared places first; what they fix needs no edit of its own
        loaded = load(options.inputs)
        found, _ = _findings(select_rules(options.rules, ()), loaded, datetime.date.today())
        edits, unfixed = plan_edits(loaded, found, options.values)
        chosen = next((c for c in (_of_kind(edits, kind) for kind in SHARED_KINDS) if c), edits)
        round_diffs, round_written = _apply(loaded.root, chosen, options.dry_run, unfixed, originals)
        changed = {file for file, _ in round_diffs}
        made.extend(e for e in chosen if e.file in changed)
        diffs.update(round_diffs)
        written.update(round_written)
        if not round_written or options.dry_run:
            break
    return FixResult(tuple(made), tuple(sorted(diffs.items())), tuple(unfixed), tuple(sorted(written)))


def _of_kind(edits: list[Edit], kind: str) -> list[Edit]:
    return [e for e in edits if e.where.startswith(kind)]


@dataclass
class _Groups:
    """The loaded resources grouped once per round, for the questions every finding asks."""

    by_address: dict[tuple[str, str], list[Resource]] = field(default_factory=dict)  # ("", address): Kubernetes
    by_namespace: dict[str, list[Resource]] = field(default_factory=dict)
    by_stack: dict[str, list[Resource]] = field(default_factory=dict)  # Terraform, module calls left out
    by_place: dict[Place, list[Resource]] = field(default_factory=dict)  # by fix_place, module calls left out
    tags_variable: dict[Path, bool] = field(default_factory=dict)  # module directory -> declares "tags"


def _grouped(loaded: Loaded) -> _Groups:
    groups = _Groups()
    for r in loaded.resources:
        groups.by_address.setdefault((r.stack if r.source == "terraform" else "", r.address), []).append(r)
        if r.source == "kubernetes" and r.namespace is not None:
            groups.by_namespace.setdefault(r.namespace, []).append(r)
        if r.source == "terraform" and r.type != "module":
            groups.by_stack.setdefault(r.stack, []).append(r)
        if r.fix_place is not None and r.type != "module":
            groups.by_place.setdefault(r.fix_place, []).append(r)
    return groups


def plan_edits(loaded: Loaded, found: list[Finding], values: Mapping[str, str]) -> tuple[list[Edit], list[str]]:
    """One edit per place and key (many findings may share a provider's default_tags or a Namespace)."""
    config = loaded.config
    resources = {(r.stack, r.address): r for r in loaded.resources}
    groups = _grouped(loaded)
    edits: dict[tuple[str, int, str], Edit] = {}
    unfixed: list[str] = []
    for finding in found:
        resource = resources.get((finding.stack, finding.resource))
        if resource is None:
            continue
        for name in _missing_facts(config, resource, finding.rule):
            key = config.keys.get(name, (name,))[0]
            value, evidence = _value(loaded, groups, resource, name, values)
            if value is None:
                flag = "--owner VALUE" if name == OWNER else f"--set {name}=VALUE"
                unfixed.append(
                    f"{finding.file}:{finding.line}: {resource.address}: no evidence for {name}; give {flag}"
                )
                continue
            edit = _placed(loaded, groups, resource, name, key, value, evidence)
            if edit.file.startswith("../"):  # a module called from here but kept elsewhere: not ours to edit
                unfixed.append(f"{finding.file}:{finding.line}: {resource.address}: {edit.where} is outside the tree")
                continue
            edits.setdefault((edit.file, edit.line, edit.key), edit)
    return sorted(edits.values(), key=lambda e: (e.file, e.line, e.key)), unfixed


def _missing_facts(config: Config, resource: Resource, rule: str) -> list[str]:
    candidates = {
        "OWN001": [OWNER],
        "OWN005": list(category_of(config, resource.type).requires),
        "OWN007": [CONTRACT, ESCALATION],
    }[rule]
    return [name for name in candidates if fact(config, resource, name).state is State.MISSING]


def _value(
    loaded: Loaded, groups: _Groups, resource: Resource, name: str, values: Mapping[str, str]
) -> tuple[str | None, str]:
    """Evidence first: the config's default for the file's directory; for the owner, the mapped CODEOWNERS
    team, the module call's or Namespace's owner; then the value given on the command line; else None
    (never a guess)."""
    for default in loaded.config.defaults:
        if name in default.values and fnmatchcase(resource.file, default.path):
            where = f"{Path(loaded.config.source).name}:{default.line}"
            return default.values[name], f"config default for {default.path} ({where})"
    if name == OWNER:
        owners = loaded.codeowners.get(resource.file)
        if owners is not None and len(owners.owners) == 1:
            return owners.owners[0], owners.rule
        container = _container_owner(loaded.config, groups, resource)
        if container is not None:
            return container
    if name in values:
        return values[name], "given on the command line"
    return None, ""


def _container_owner(config: Config, groups: _Groups, resource: Resource) -> tuple[str, str] | None:
    if resource.container is None:
        return None
    stack = resource.stack if resource.source == "terraform" else ""
    for container in groups.by_address.get((stack, resource.container), []):
        owner = fact(config, container, OWNER)
        if owner.state is State.PRESENT and owner.value:
            return owner.value, f"{resource.container} is owned by {owner.value!r}"
    return None


def _placed(
    loaded: Loaded, groups: _Groups, resource: Resource, name: str, key: str, value: str, evidence: str
) -> Edit:
    """Where the key goes: shared places (a local, provider defaults, a module input, a Namespace) only
    when no resource they reach has the fact (missing, or unknown until apply); else the resource."""
    config = loaded.config
    if resource.source == "kubernetes":
        namespace = _namespace_object(groups, resource)
        target = resource
        if namespace is not None and not _has(config, name, groups.by_namespace.get(resource.namespace or "", [])):
            target = namespace
        return Edit(target.file, target.line, f"labels of {target.address}", key, value, evidence, "kubernetes")
    local = _shared_local(resource)  # tags = local.tags: one line in the local serves every user of it
    if local is not None and not _has(config, name, groups.by_stack.get(resource.stack, [])):
        return Edit(local.file, local.line, f"{local.what} ({local.file})", key, value, evidence, "terraform")
    place = resource.fix_place
    input_name = place.what.split(" ")[1] if place is not None and place.what.startswith("input ") else ""
    if input_name and not input_name.endswith(("tags", "labels")):
        place = None  # an input that is not a map of tags (a name, an id): never written into
    attribute = taggable_index().attribute_for(resource.type)
    own = f"{attribute} of {resource.address}"
    if place is not None and place.what != own and not _has(config, name, groups.by_place.get(place, [])):
        return Edit(place.file, place.line, place.what, key, value, evidence, "terraform")
    call = _calling_module(loaded.root, groups, resource)
    if call is not None and (place is None or place.file.startswith("../")):
        # the module forwards var.tags but this call sets none: the call gets a tags input
        return Edit(call.file, call.line, f"tags input of {call.address}", key, value, evidence, "terraform")
    return Edit(resource.file, resource.line, own, key, value, evidence, "terraform")


def _has(config: Config, name: str, members: list[Resource]) -> bool:
    """Whether any of ``members`` has the fact (a shared place is used only when none has)."""
    return any(fact(config, r, name).state is State.PRESENT for r in members)


def _calling_module(root: Path, groups: _Groups, resource: Resource) -> Resource | None:
    """The module call in the scanned tree that instantiates ``resource`` from a module kept elsewhere,
    when that module declares ``variable "tags"`` and the call does not set it."""
    if resource.container is None or not resource.file.startswith("../"):
        return None
    calls = [r for r in groups.by_address.get((resource.stack, resource.container), []) if r.type == "module"]
    call = calls[0] if calls else None
    if call is None or call.file.startswith("../"):
        return None
    module_directory = (root / resource.file).parent
    if module_directory not in groups.tags_variable:  # read once per module, not once per resource
        files = module_directory.glob("*.tf")
        groups.tags_variable[module_directory] = any(
            _TAGS_VARIABLE.search(f.read_text(errors="replace")) for f in files
        )
    declared = groups.tags_variable[module_directory]
    sets_tags = any(a.get("tags") is not None for a in call.attributes if isinstance(a, dict))
    return call if declared and not sets_tags else None


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


def _namespace_object(groups: _Groups, resource: Resource) -> Resource | None:
    if resource.namespace is None or resource.type == "k8s:Namespace":
        return None
    return next(iter(groups.by_address.get(("", f"Namespace/{resource.namespace}"), [])), None)


def _apply(
    root: Path, edits: list[Edit], dry_run: bool, unfixed: list[str], originals: dict[str, str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Each file's edits made at once; the result must parse, or the file is left as it was (and
    ``unfixed`` says so). Diffs are against ``originals``: each file before the first round."""
    from ownlint.output import write_atomically

    diffs, written = [], []
    for file in sorted({e.file for e in edits}):
        path = root / file
        source = path.read_bytes()
        crlf = b"\r\n" in source
        placed = [(e, _insertion(source, e)) for e in edits if e.file == file]
        unfixed.extend(f"{file}:{e.line}: {e.where}: no place found for {e.key}" for e, i in placed if i is None)
        insertions = [i for _, i in placed if i is not None]
        if not insertions:
            continue
        if crlf:
            insertions = [Insertion(i.offset, i.text.replace("\n", "\r\n"), i.replaced) for i in insertions]
        changed = apply(source, insertions)
        if changed == source:
            continue
        if not _parses(file, changed):
            unfixed.append(f"{file}: the edited file would not parse; left as it was")
            continue
        originals.setdefault(file, source.decode("utf-8", "replace"))
        before, after = originals[file], changed.decode("utf-8", "replace")
        diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{file}", f"b/{file}"))
        diffs.append((file, diff))
        if not dry_run:
            write_atomically(path, after)
            written.append(file)
    return diffs, written


def _insertion(source: bytes, edit: Edit) -> Insertion | None:
    if edit.kind == "kubernetes":
        return add_label(source.decode("utf-8", "surrogatepass"), edit.line, edit.key, edit.value)
    attribute = edit.where.split(" ", 1)[0] if edit.where.split(" ", 1)[0] in ("tags", "labels") else "tags"
    return add_tag(
        source, edit.line, attribute, edit.key, edit.value, new_attribute=edit.where.startswith("tags input")
    )


def _parses(file: str, data: bytes) -> bool:
    text = data.decode("utf-8", "surrogatepass")
    if file.endswith((".yaml", ".yml")):
        import yaml

        try:
            list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            return False
        return True
    from ownlint.loaders.terraform import expr as m
    from ownlint.loaders.terraform.ts_backend import parse

    try:
        parse(text, file)
    except m.HclSyntaxError:
        return False
    return True
