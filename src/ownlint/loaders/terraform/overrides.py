"""Override files (``override.tf``, ``*_override.tf``, and ``.tf.json`` alike) merged as Terraform merges them.

Override files are applied after all others, in lexical order of their names, then block order. Each
top-level block is merged into the block with the same header (``resource``/``data``: type and name;
``provider``: name and alias; ``module``/``variable``/``output``: name; ``locals``: per local name;
``terraform``: the module's settings): an override argument replaces the original's, an override's nested
blocks of a type replace all of that type (``dynamic "x"`` is of type x) except ``lifecycle`` and
``required_providers``, which merge per argument, and ``backend``/``cloud``, which replace each other.
An override block with no original is a located problem, as in Terraform. Arguments that come from an
override file say so (``OverrideAttribute``), so that what they set is traced to that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ownlint.loaders.terraform import expr as m
from ownlint.model import LoadProblem

# Nested blocks merged per argument rather than replaced, by the top-level block type they are in.
_MERGED_PER_ARGUMENT = {"resource": {"lifecycle"}, "data": {"lifecycle"}, "terraform": {"required_providers"}}
# Nested block types an override replaces together (a backend in an override removes a cloud block).
_REPLACED_TOGETHER = {"backend": {"backend", "cloud"}, "cloud": {"backend", "cloud"}}


@dataclass(frozen=True)
class OverrideAttribute(m.Attribute):
    """An argument merged in from an override file: ``file`` is where it is written."""

    file: str = ""


@dataclass(frozen=True)
class OverrideBlock(m.Block):
    """A nested block merged in from an override file: ``file`` is where it is written."""

    file: str = ""


def is_override_file(path: str) -> bool:
    """``override.tf``, ``x_override.tf`` and their ``.tf.json`` twins (the file name only counts)."""
    name = path.rsplit("/", 1)[-1]
    for suffix in (".tf", ".tf.json"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem == "override" or stem.endswith("_override")
    return False


def file_of(item: m.Attribute | m.Block, path: str) -> str:
    """Where an argument or nested block is written: its override file, else ``path`` (its block's file)."""
    return item.file if isinstance(item, (OverrideAttribute, OverrideBlock)) and item.file else path


def merge_overrides(files: Sequence[m.HclFile]) -> tuple[tuple[m.HclFile, ...], tuple[LoadProblem, ...]]:
    """The module's files with every override file merged into the others (and dropped)."""
    overrides = sorted((f for f in files if is_override_file(f.path)), key=lambda f: f.path.rsplit("/", 1)[-1])
    if not overrides:
        return tuple(files), ()
    merged = _Merger([f for f in files if not is_override_file(f.path)])
    for hcl in overrides:
        for block in hcl.blocks:
            merged.apply(hcl.path, _stamped(block, hcl.path))
        for attribute in hcl.attributes:
            merged.problems.append(LoadProblem(hcl.path, attribute.line, "an override file may hold only blocks"))
    return merged.files(), tuple(merged.problems)


class _Merger:
    """The original files' blocks, each replaceable by its merged version."""

    def __init__(self, originals: list[m.HclFile]) -> None:
        self.originals = originals
        self.blocks = [list(hcl.blocks) for hcl in originals]
        self.problems: list[LoadProblem] = []

    def files(self) -> tuple[m.HclFile, ...]:
        return tuple(replace(hcl, blocks=tuple(b)) for hcl, b in zip(self.originals, self.blocks, strict=True))

    def apply(self, path: str, override: m.Block) -> None:
        if override.type == "locals":
            for attribute in override.attributes:
                if not self._merge_local(attribute):
                    self.problems.append(_missing(path, attribute.line, f"local.{attribute.name}"))
            return
        key = _header(override)
        for file_index, blocks in enumerate(self.blocks):
            for index, block in enumerate(blocks):
                if _header(block) == key:
                    self.blocks[file_index][index] = _merged(block, override)
                    return
        if override.type == "terraform" and self.blocks:
            self.blocks[0].append(override)  # settings need no original block
            return
        self.problems.append(_missing(path, override.line, " ".join((override.type, *map(repr, override.labels)))))

    def _merge_local(self, attribute: m.Attribute) -> bool:
        for blocks in self.blocks:
            for index, block in enumerate(blocks):
                if block.type == "locals" and block.attribute(attribute.name) is not None:
                    blocks[index] = replace(block, attributes=_replaced(block.attributes, (attribute,)))
                    return True
        return False


def _missing(path: str, line: int, what: str) -> LoadProblem:
    return LoadProblem(path, line, f"override of {what}: no such block in the module's other files to override")


def _header(block: m.Block) -> tuple[str, ...]:
    """What an override block is matched by: type and labels; a provider by its name and alias."""
    if block.type == "terraform":
        return ("terraform",)
    if block.type == "provider":
        alias = block.attribute("alias")
        named = alias.expr.value if alias is not None and isinstance(alias.expr, m.Lit) else None
        return ("provider", *block.labels[:1], str(named) if named is not None else "")
    return (block.type, *block.labels)


def _merged(original: m.Block, override: m.Block) -> m.Block:
    """``original`` with ``override``'s arguments and nested blocks in place of its own."""
    per_argument = _MERGED_PER_ARGUMENT.get(original.type, set())
    replaced = {t for b in override.blocks if _kind(b) not in per_argument for t in _replaces(_kind(b))}
    blocks = [b for b in original.blocks if _kind(b) not in replaced]
    for nested in override.blocks:
        kind = _kind(nested)
        if kind in per_argument:
            index = next((i for i, b in enumerate(blocks) if _kind(b) == kind), None)
            if index is not None:
                blocks[index] = replace(
                    blocks[index], attributes=_replaced(blocks[index].attributes, nested.attributes)
                )
                continue
        blocks.append(nested)
    return replace(original, attributes=_replaced(original.attributes, override.attributes), blocks=tuple(blocks))


def _kind(block: m.Block) -> str:
    """A nested block's type; ``dynamic "tag"`` is of type tag."""
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _replaces(kind: str) -> set[str]:
    return _REPLACED_TOGETHER.get(kind, {kind})


def _replaced(attributes: tuple[m.Attribute, ...], new: tuple[m.Attribute, ...]) -> tuple[m.Attribute, ...]:
    """``attributes`` with each of ``new`` in place of the one of its name (or added)."""
    by_name = {a.name: a for a in new}
    kept = tuple(by_name.pop(a.name, a) for a in attributes)
    return kept + tuple(by_name.values())


def _stamped(block: m.Block, path: str) -> OverrideBlock:
    """``block`` with every argument and nested block, at any depth, marked as written in ``path``."""
    attributes = tuple(OverrideAttribute(a.name, a.expr, a.line, a.end_line, path) for a in block.attributes)
    nested = tuple(_stamped(b, path) for b in block.blocks)
    return OverrideBlock(block.type, block.labels, attributes, nested, block.line, block.end_line, path)
