"""Module instances: a directory of ``.tf`` files evaluated with its inputs -> resources with effective tags.

A root module's variables take their defaults, then ``terraform.tfvars`` and ``*.auto.tfvars``
(lexical order), then ``--var-file``/``--var``; a called module's variables take the call's
arguments, evaluated in the caller. Provider ``default_tags`` (AWS) and ``default_labels`` (Google)
pass into child modules (or as the call's ``providers`` map says) and are overlaid by the
resource's own tags, as the providers do. ``for_each``/``count`` over known values are expanded
per instance; the loader later folds instances whose effective tags agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.attributes import block_values, wants_attributes
from ownlint.loaders.terraform.budget import Budget
from ownlint.loaders.terraform.evaluate import Binding, Evaluator
from ownlint.loaders.terraform.taggable import TaggableIndex
from ownlint.loaders.terraform.tags import TracedTags, add_tag, data_trace, named_reference, trace_tags
from ownlint.loaders.terraform.values import PartialMap, Unknown, to_text
from ownlint.model import LoadProblem, Place, Resource

_NOT_ADDRESSES = {"var", "local", "each", "count", "path", "terraform", "self"}
MAX_INSTANCES = 1000
MAX_MODULE_DEPTH = 32
# Per root module: nested for_each multiplies (1000 x 1000 ...); past these, instances are not
# expanded any further and each/count become unknown with the reason.
MAX_MODULE_INSTANCES = 2000
MAX_RESOURCE_RECORDS = 200_000

# Resources that carry tags as repeated blocks, not a map, and get no provider default_tags
# (AWS provider docs: aws_autoscaling_group takes `tag { key value propagate_at_launch }`).
TAG_BLOCK_TYPES = {"aws_autoscaling_group": "tag"}


@dataclass(frozen=True)
class ProviderTags:
    key: str
    traced: TracedTags
    place: Place


@dataclass(frozen=True)
class ModuleSource:
    """One parsed module directory: ``path`` is as shown in findings (relative to the scan root)."""

    path: str
    directory: Path
    files: tuple[m.HclFile, ...]
    tfvars: tuple[m.HclFile, ...] = ()


@dataclass(frozen=True)
class Opaque:
    """A module call that is not followed (remote, outside the repository), and why."""

    reason: str


Resolved = ModuleSource | Opaque | LoadProblem
# (calling module, the call's source string, its module path key "a.b", file, line) -> what it names
Resolver = Callable[[ModuleSource, str, str, str, int], Resolved]


@dataclass(frozen=True)
class Instance:
    """Where a module instance sits: its root stack, config address prefix and instance prefix."""

    stack: str
    prefix: str = ""  # "module.a.module.b."
    instance_prefix: str = ""  # 'module.a["x"].module.b.'
    chain: tuple[str, ...] = ()  # module directories on the call chain, for cycle detection
    module_key: str = ""  # "a.b", as .terraform/modules/modules.json names it

    @property
    def container(self) -> str | None:
        return self.prefix[:-1] if self.prefix else None


@dataclass(frozen=True)
class Shape:
    """What a block refers to, before a module instance's prefix: the same for every instance."""

    references: tuple[str, ...]
    links: tuple[tuple[str, str], ...]


class Shapes:
    """Each parsed block's ``Shape``, computed once although a module is instantiated many times."""

    def __init__(self) -> None:
        self._by_block: dict[int, tuple[m.Block, Shape]] = {}  # the block is kept: its id stays its own

    def of(self, block: m.Block) -> Shape:
        found = self._by_block.get(id(block))
        if found is None:
            found = (block, Shape(tuple(sorted(_references(block))), tuple(_links(block))))
            self._by_block[id(block)] = found
        return found[1]


@dataclass
class ModuleTree:
    """Loads root modules and everything they call."""

    resolve: Resolver
    index: TaggableIndex
    resources: list[Resource] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    module_instances: int = 0
    shapes: Shapes = field(default_factory=Shapes)
    budget: Budget = field(default_factory=Budget)  # of evaluation: one root module, all it calls

    def load_root(self, source: ModuleSource, stack: str, overrides: Sequence[tuple[str, Binding]]) -> None:
        variables = root_variables(source, overrides)
        self._instance(source, Instance(stack, chain=(source.path,)), variables, {})
        stopped = self.budget.problem(source.files[0].path if source.files else source.path)
        if stopped is not None:
            self.problems.append(stopped)

    def _instance(
        self,
        source: ModuleSource,
        where: Instance,
        variables: dict[str, Binding],
        inherited: dict[str, ProviderTags],
    ) -> None:
        evaluator = Evaluator(variables, _locals(source.files), prefix=where.prefix, budget=self.budget)
        providers = {**inherited, **_providers(source.files, evaluator)}
        _add_default_tags_data(source.files, evaluator, providers)
        for hcl in source.files:
            for block in hcl.blocks:
                if block.type in ("resource", "data") and len(block.labels) >= 2:
                    room = MAX_RESOURCE_RECORDS - len(self.resources)
                    shape = self.shapes.of(block)
                    found = _resources(where, hcl.path, block, shape, evaluator, providers, self.index, room)
                    self.resources.extend(found)
                elif block.type == "module" and block.labels:
                    self._call(source, where, hcl.path, block, evaluator, providers)

    def _call(
        self,
        source: ModuleSource,
        where: Instance,
        path: str,
        block: m.Block,
        evaluator: Evaluator,
        providers: dict[str, ProviderTags],
    ) -> None:
        name = block.labels[0]
        address = f"{where.prefix}module.{name}"
        key = f"{where.module_key}.{name}" if where.module_key else name
        source_attribute = block.attribute("source")
        source_text = evaluator.value(source_attribute.expr) if source_attribute is not None else None
        if not isinstance(source_text, str):
            resolved: Resolved = Opaque("its source is not a literal string")
        else:
            resolved = self.resolve(source, source_text, key, path, block.line)
        if isinstance(resolved, ModuleSource) and resolved.path in where.chain:
            cycle = " -> ".join([*where.chain, resolved.path])
            resolved = LoadProblem(path, block.line, f"module.{name} calls itself: {cycle}")
        elif isinstance(resolved, ModuleSource) and len(where.chain) >= MAX_MODULE_DEPTH:
            resolved = LoadProblem(path, block.line, f"module.{name}: modules nest more than {MAX_MODULE_DEPTH} deep")
        opaque: tuple[str, ...] = ()
        if isinstance(resolved, LoadProblem):
            self.problems.append(resolved)
            opaque = (resolved.message,)
        elif isinstance(resolved, Opaque):
            opaque = (resolved.reason,)
            self.notes.append(f"{address} ({path}:{block.line}): {resolved.reason}")
        self.resources.append(_module_node(where, path, block, self.shapes.of(block), address, opaque, evaluator))
        if not isinstance(resolved, ModuleSource):
            return
        child_providers = _child_providers(block, providers)
        expansions = _expansions(block, evaluator, address)
        if self.module_instances + len(expansions) > MAX_MODULE_INSTANCES:
            expansions = _unexpanded(block, address, f"more than {MAX_MODULE_INSTANCES} module instances in this root")
        self.module_instances += len(expansions)
        for suffix, env in expansions:
            child = Instance(
                stack=where.stack,
                prefix=f"{address}.",
                instance_prefix=f"{where.instance_prefix}module.{name}{suffix}.",
                chain=(*where.chain, resolved.path),
                module_key=key,
            )
            inputs = _inputs(resolved, path, block, address, evaluator, env)
            self._instance(resolved, child, inputs, child_providers)


def root_variables(source: ModuleSource, overrides: Sequence[tuple[str, Binding]]) -> dict[str, Binding]:
    """A root module's variables: defaults, then ``terraform.tfvars`` and ``*.auto.tfvars``, then
    ``overrides`` (``--var-file`` and ``--var`` values, in order; names the module does not declare are ignored)."""
    bindings = _declared(source.files, lambda name: f"var.{name} has no default and no value in terraform.tfvars")
    for values in source.tfvars:
        for attribute in values.attributes:
            if attribute.name in bindings:
                what = f"var.{attribute.name} in {values.path.rsplit('/', 1)[-1]}"
                place = Place(values.path, attribute.line, what)
                bindings[attribute.name] = Binding(attribute.expr, place, type=bindings[attribute.name].type)
    for name, binding in overrides:
        if name in bindings:
            bindings[name] = replace(binding, type=bindings[name].type)
    return bindings


def _declared(files: Sequence[m.HclFile], missing: Callable[[str], str]) -> dict[str, Binding]:
    bindings: dict[str, Binding] = {}
    for hcl in files:
        for block in _top(hcl, "variable"):
            name = block.labels[0] if block.labels else ""
            default = block.attribute("default")
            constraint = block.attribute("type")
            type_expr = constraint.expr if constraint is not None else None
            if default is not None:
                place = Place(hcl.path, default.line, f"default of var.{name}")
                bindings[name] = Binding(default.expr, place, type=type_expr)
            else:
                place = Place(hcl.path, block.line, f"variable {name}")
                bindings[name] = Binding(None, place, missing(name), type=type_expr)
    return bindings


def _inputs(
    child: ModuleSource,
    path: str,
    call: m.Block,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> dict[str, Binding]:
    """The child's variables: the call's arguments (evaluated in the caller), else their defaults."""
    bindings = _declared(child.files, lambda name: f"var.{name} has no default and {address} does not set it")
    for attribute in call.attributes:
        if attribute.name in bindings:
            place = Place(path, attribute.line, f"input {attribute.name} of {address}")
            declared = bindings[attribute.name]
            bindings[attribute.name] = Binding(attribute.expr, place, scope=evaluator, env=env, type=declared.type)
    return bindings


def _top(hcl: m.HclFile, block_type: str) -> list[m.Block]:
    return [b for b in hcl.blocks if b.type == block_type]


def _locals(files: Sequence[m.HclFile]) -> dict[str, Binding]:
    bindings: dict[str, Binding] = {}
    for hcl in files:
        for block in _top(hcl, "locals"):
            for attribute in block.attributes:
                place = Place(hcl.path, attribute.line, f"local.{attribute.name}")
                bindings[attribute.name] = Binding(attribute.expr, place)
    return bindings


def _providers(files: Sequence[m.HclFile], evaluator: Evaluator) -> dict[str, ProviderTags]:
    providers: dict[str, ProviderTags] = {}
    for hcl in files:
        for block in _top(hcl, "provider"):
            if not block.labels:
                continue
            alias = block.attribute("alias")
            alias_value = evaluator.value(alias.expr) if alias is not None else None
            key = block.labels[0] + (f".{alias_value}" if isinstance(alias_value, str) else "")
            tags = _provider_tags(hcl.path, block, evaluator, key)
            if tags is not None:
                providers[key] = tags
    return providers


def _provider_tags(path: str, block: m.Block, evaluator: Evaluator, key: str) -> ProviderTags | None:
    for nested in block.children("default_tags"):
        attribute = nested.attribute("tags")
        if attribute is not None:
            place = Place(path, attribute.line, f'provider "{key}" default_tags')
            return ProviderTags(key, trace_tags(attribute.expr, evaluator, place), place)
    labels = block.attribute("default_labels")
    if labels is not None:
        place = Place(path, labels.line, f'provider "{key}" default_labels')
        return ProviderTags(key, trace_tags(labels.expr, evaluator, place), place)
    return None


def _child_providers(call: m.Block, providers: dict[str, ProviderTags]) -> dict[str, ProviderTags]:
    """Default providers pass to a child implicitly; a ``providers = {aws = aws.west}`` map replaces them."""
    passed = {k: v for k, v in providers.items() if "." not in k}
    mapping = call.attribute("providers")
    if mapping is not None and isinstance(mapping.expr, m.ObjectExpr):
        for item in mapping.expr.items:
            inner, outer = _dotted(item.key), _dotted(item.value)
            if inner is None or outer is None:
                continue
            if outer in providers:
                passed[inner] = providers[outer]
            else:
                passed.pop(inner, None)
    return passed


def _dotted(expr: m.Expr) -> str | None:
    """``aws.west`` for a provider reference (or the quoted key ``"aws.west"``)."""
    if isinstance(expr, m.Name):
        return expr.name
    if isinstance(expr, m.Lit) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, m.Traversal) and isinstance(expr.base, m.Name):
        names = [s.name for s in expr.steps if isinstance(s, m.AttrStep)]
        if len(names) == len(expr.steps):
            return ".".join([expr.base.name, *names])
    return None


def _add_default_tags_data(
    files: Sequence[m.HclFile], evaluator: Evaluator, providers: dict[str, ProviderTags]
) -> None:
    """``data "aws_default_tags"`` reads its provider's default tags: known wherever those are."""
    for hcl in files:
        for block in _top(hcl, "data"):
            if len(block.labels) < 2 or block.labels[0] != "aws_default_tags":
                continue
            provider = providers.get(_provider_key(block, "aws"))
            traced = provider.traced if provider is not None else TracedTags()
            known = {k: (t.value if t.known else Unknown(t.reason or "unknown")) for k, t in traced.entries.items()}
            tags: Any = PartialMap(known, tuple(traced.opaque)) if traced.opaque else known
            key = f"aws_default_tags.{block.labels[1]}"
            evaluator.add_data(key, {"tags": tags, "id": "default"}, traced)


def _provider_key(block: m.Block, resource_type: str) -> str:
    attribute = block.attribute("provider")
    if attribute is not None:
        named = _dotted(attribute.expr)
        if named is not None:
            return named
    return resource_type.split("_", 1)[0]


def _expansions(block: m.Block, evaluator: Evaluator, address: str) -> list[tuple[str, dict[str, Any]]]:
    """Instances of a block as (address suffix, ``each``/``count`` scope); ``[]`` when none is created."""
    count = block.attribute("count")
    if count is not None:
        value = evaluator.value(count.expr)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            reason = value.reason if isinstance(value, Unknown) else "count is not a number"
            return [("", {"count": Unknown(f"count of {address} is unknown: {reason}")})]
        if value > MAX_INSTANCES:
            return [("", {"count": Unknown(f"count of {address} is {int(value)}: too many instances to expand")})]
        return [(f"[{i}]", {"count": {"index": i}}) for i in range(max(int(value), 0))]
    for_each = block.attribute("for_each")
    if for_each is None:
        return [("", {})]
    value = evaluator.value(for_each.expr)
    pairs: list[tuple[str, Any]] | None = None
    if isinstance(value, dict):
        pairs = sorted(value.items())
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        pairs = [(v, v) for v in sorted(set(value))]
    if pairs is None:
        reason = value.reason if isinstance(value, Unknown) else "for_each is not a known map or set of strings"
        if isinstance(value, PartialMap):
            reason = value.reasons[0]
        return [("", {"each": Unknown(f"for_each of {address} is unknown: {reason}")})]
    if len(pairs) > MAX_INSTANCES:
        return [("", {"each": Unknown(f"for_each of {address} has {len(pairs)} instances: too many to expand")})]
    return [(f'["{k}"]', {"each": {"key": k, "value": v}}) for k, v in pairs]


def _unexpanded(block: m.Block, address: str, reason: str) -> list[tuple[str, dict[str, Any]]]:
    """One instance standing for all, with ``each``/``count`` unknown because of ``reason``."""
    name = "count" if block.attribute("count") is not None else "each"
    return [("", {name: Unknown(f"{'count' if name == 'count' else 'for_each'} of {address} not expanded: {reason}")})]


def _resources(
    where: Instance,
    path: str,
    block: m.Block,
    shape: Shape,
    evaluator: Evaluator,
    providers: dict[str, ProviderTags],
    index: TaggableIndex,
    room: int = MAX_RESOURCE_RECORDS,
) -> Iterator[Resource]:
    resource_type, name = block.labels[0], block.labels[1]
    is_data = block.type == "data"
    local = f"data.{resource_type}.{name}" if is_data else f"{resource_type}.{name}"
    address = where.prefix + local
    expansions = _expansions(block, evaluator, address)
    if len(expansions) > max(room, 1):
        expansions = _unexpanded(block, address, f"more than {MAX_RESOURCE_RECORDS} resource instances in this root")
    common = replace(
        _node(where, path, block, shape, address, resource_type, name),
        links=tuple((attribute, where.prefix + r) for attribute, r in shape.links),
    )
    graph_reads = wants_attributes(resource_type)
    if not expansions:  # never created (count = 0, empty for_each): a graph node that needs no owner
        yield common
        return
    provider = None if is_data else providers.get(_provider_key(block, resource_type))
    for suffix, env in expansions:
        traced, fix_place, taggable = _effective_tags(path, block, address, evaluator, env, provider, index)
        yield replace(
            common,
            taggable=not is_data and taggable,
            tags=tuple(traced.entries.values()),
            opaque=tuple(traced.opaque),
            fix_place=fix_place,
            instances=(f"{where.instance_prefix}{local}{suffix}",),
            attributes=(block_values(block, evaluator, env),) if graph_reads else (),
        )


def _effective_tags(
    path: str,
    block: m.Block,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
    provider: ProviderTags | None,
    index: TaggableIndex,
) -> tuple[TracedTags, Place, bool]:
    """Provider defaults overlaid by the resource's own tags; where to add a key; whether it takes tags."""
    resource_type = block.labels[0]
    block_name = TAG_BLOCK_TYPES.get(resource_type)
    if block_name is not None:
        return _tag_blocks(path, block, block_name, address, evaluator, env)
    attribute_name = index.attribute_for(resource_type)
    attribute = block.attribute(attribute_name)
    traced = TracedTags()
    if provider is not None:
        traced.overlay(provider.traced)
    own_place = Place(path, attribute.line if attribute is not None else block.line, f"{attribute_name} of {address}")
    if attribute is not None:
        traced.overlay(trace_tags(attribute.expr, evaluator, own_place, env))
    # best place to add a missing key: the module input that forwards tags, the provider defaults, the resource
    fix_place = _module_input_place(attribute, evaluator) or (provider.place if provider is not None else own_place)
    taggable = index.is_taggable(resource_type) or attribute is not None
    return traced, fix_place, taggable


def _module_input_place(attribute: m.Attribute | None, evaluator: Evaluator) -> Place | None:
    """The outermost module input a tags attribute forwards (``tags = var.tags`` set by the caller)."""
    if attribute is None:
        return None
    found: Place | None = None
    for names in _map_references(attribute.expr):
        if len(names) < 2 or names[0] != "var":
            continue
        binding = evaluator.variables.get(names[1])
        while binding is not None and binding.scope is not None:
            found = binding.place
            inner = named_reference(binding.expr) if binding.expr is not None else None
            binding = binding.scope.variables.get(inner[1]) if inner is not None and inner[0] == "var" else None
        if found is not None:
            return found
    return found


def _map_references(expr: m.Expr) -> list[tuple[str, ...]]:
    """References that stand for a whole map of tags: the expression itself, an argument of
    ``merge``, a branch of a conditional (not ``var.name`` inside ``{ Name = var.name }``)."""
    if isinstance(expr, m.Traversal):
        return m.references(expr)
    if isinstance(expr, m.Call) and expr.name == "merge":
        return [names for argument in expr.args for names in _map_references(argument)]
    if isinstance(expr, m.Conditional):
        return _map_references(expr.if_true) + _map_references(expr.if_false)
    return []


def _tag_blocks(
    path: str,
    block: m.Block,
    block_name: str,
    address: str,
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> tuple[TracedTags, Place, bool]:
    """Tags written as repeated blocks (``tag { key value }``), static or ``dynamic``."""
    traced = TracedTags()
    place = Place(path, block.line, f"{block_name} blocks of {address}")
    for nested in block.children(block_name):
        _tag_block_entry(traced, nested, Place(path, nested.line, f"{block_name} block of {address}"), evaluator, env)
    for dynamic in block.children("dynamic"):
        if dynamic.labels[:1] != (block_name,):
            continue
        dynamic_place = Place(path, dynamic.line, f'dynamic "{block_name}" of {address}')
        for_each = dynamic.attribute("for_each")
        iterator = dynamic.attribute("iterator")
        iterator_name = _dotted(iterator.expr) if iterator is not None else block_name
        items = evaluator.value(for_each.expr, env) if for_each is not None else Unknown("no for_each")
        if isinstance(items, list):
            items = dict(enumerate(items))
        if not isinstance(items, dict):
            reason = items.reason if isinstance(items, Unknown) else "its for_each is not a known collection"
            traced.opaque.append(f"{reason} ({dynamic_place})")
            continue
        known = data_trace(for_each.expr if for_each is not None else None, evaluator)
        for content in dynamic.children("content"):
            for key, item in items.items():
                scope = {**env, iterator_name or block_name: {"key": key, "value": item}}
                origin = known.entries.get(str(key)) if known is not None else None
                outer = (dynamic_place, *origin.provenance) if origin is not None else (dynamic_place,)
                _tag_block_entry(traced, content, outer, evaluator, scope)
    return traced, place, True


def _tag_block_entry(
    traced: TracedTags,
    block: m.Block,
    provenance: Place | tuple[Place, ...],
    evaluator: Evaluator,
    env: Mapping[str, Any],
) -> None:
    key_attribute, value_attribute = block.attribute("key"), block.attribute("value")
    if key_attribute is None or value_attribute is None:
        return
    where = provenance if isinstance(provenance, tuple) else (provenance,)
    place = where[0]
    key = evaluator.value(key_attribute.expr, env)
    if isinstance(key, Unknown):
        traced.opaque.append(f"a tag key is unknown: {key.reason} ({place})")
        return
    add_tag(traced, to_text(key), evaluator.value(value_attribute.expr, env), where)


def _module_node(
    where: Instance,
    path: str,
    block: m.Block,
    shape: Shape,
    address: str,
    opaque: tuple[str, ...],
    evaluator: Evaluator,
) -> Resource:
    """The call as a node; the tags it passes down (``tags``/``labels``) are its owner, for drift."""
    node = replace(_node(where, path, block, shape, address, "module", block.labels[0]), opaque=opaque)
    attribute = block.attribute("tags") or block.attribute("labels")
    if attribute is None:
        return node
    traced = trace_tags(attribute.expr, evaluator, Place(path, attribute.line, f"{attribute.name} of {address}"))
    return replace(node, tags=tuple(traced.entries.values()))


def _node(
    where: Instance, path: str, block: m.Block, shape: Shape, address: str, node_type: str, name: str
) -> Resource:
    """A block as a graph node that needs no owner (yet): where it is and what it references."""
    return Resource(
        address=address,
        type=node_type,
        name=name,
        source="terraform",
        file=path,
        line=block.line,
        end_line=block.end_line,
        stack=where.stack,
        taggable=False,
        references=tuple(where.prefix + r for r in shape.references),
        container=where.container,
    )


def _addresses(expr: m.Expr) -> set[str]:
    """Resource, data source and module addresses an expression refers to."""
    found: set[str] = set()
    for names in m.references(expr):
        if names[0] in _NOT_ADDRESSES:
            continue
        if names[0] == "data" and len(names) >= 3:
            found.add(".".join(names[:3]))
        elif len(names) >= 2 and (names[0] == "module" or "_" in names[0]):
            found.add(".".join(names[:2]))
    return found


def _links(block: m.Block, outer: str = "") -> list[tuple[str, str]]:
    """(attribute, address) for every reference, nested attributes dotted: ``vpc_config.subnet_ids``."""
    found = [(outer + a.name, r) for a in block.attributes for r in sorted(_addresses(a.expr))]
    for nested in block.blocks:
        name = nested.labels[0] if nested.type == "dynamic" and nested.labels else nested.type
        found.extend(_links(nested, f"{outer}{name}."))
    return found


def _references(block: m.Block) -> set[str]:
    found: set[str] = set()
    for attribute in block.attributes:
        found |= _addresses(attribute.expr)
    for nested in block.blocks:
        found |= _references(nested)
    return found
