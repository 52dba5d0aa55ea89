"""Addresses: where a module instance sits (its root stack and prefixes), and what a block refers to (its
``Shape``: the addresses of its references, and which attribute names each), computed once per block."""

from __future__ import annotations

from ownlint.loaders.terraform import expr as m
from ownlint.records import record

_NOT_ADDRESSES = {"var", "local", "each", "count", "path", "terraform", "self"}


@record(frozen=True, slots=True)
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


@record(frozen=True, slots=True)
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
            links = _links(block)  # every reference of the block, nested blocks' too: its references are theirs
            found = (block, Shape(tuple(sorted({address for _, address in links})), tuple(links)))
            self._by_block[id(block)] = found
        return found[1]


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
