"""Terragrunt units (``terragrunt.hcl``): each instantiates its module like a module call, with ``inputs``
merged through its ``include`` blocks as arguments and its ``generate`` blocks written into the module
(a generated ``provider`` with ``default_tags`` applies). Findings are located in the unit: the unit is a
call node (``terragrunt``) around the module's resources, in a stack named after the unit's directory."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.directories import ModuleLoader, ModuleSource, terraform_files
from ownlint.loaders.terraform.evaluate import Binding
from ownlint.loaders.terraform.instances import ModuleTree
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.loaders.terraform.terragrunt.config import ConfigFile, Reading, read_config
from ownlint.loaders.terraform.terragrunt.merge import merged_generate, merged_inputs, merged_source
from ownlint.loaders.terraform.values import Unknown, to_text
from ownlint.loaders.terraform.variables import top_blocks
from ownlint.model import LoadProblem, Place, PlaceKind, Resource

UNIT_NODE = "terragrunt"  # the address of the call node that stands for a unit
_REMOTE = ("git::", "git@", "hg::", "s3::", "gcs::", "http://", "https://", "tfr://", "github.com/", "bitbucket.org/")


@dataclass
class Unit:
    """A unit read: its configuration, the module directory it instantiates (None: not followed, and why)."""

    config: ConfigFile
    stack: str
    line: int
    module: Path | None = None
    why_not: str = ""
    generated: list[tuple[str, m.HclFile]] = field(default_factory=list)  # (file name written, its blocks)


def read_unit(reading: Reading, unit_file: Path) -> Unit | LoadProblem:
    """The unit's configuration, includes merged, and the directory of its module."""
    virtual = reading.paths.virtual(unit_file)
    unit_dir = posixpath.dirname(virtual)
    config = read_config(reading, virtual, unit_dir)
    if isinstance(config, LoadProblem):
        return config
    stack = posixpath.dirname(config.shown) or "."
    found = merged_source(config)
    unit = Unit(config, stack, _line(config, found))
    if found is None:
        unit.module = reading.paths.real(unit_dir)
        return _generated(reading, unit)
    where, attribute = found
    text = where.value(attribute.expr)
    if not isinstance(text, str):
        reason = text.reason if isinstance(text, Unknown) else "it is not a string"
        unit.why_not = f"its terraform source cannot be known: {reason}"
        return unit
    unit.module, unit.why_not = _module_directory(reading, unit_dir, text)
    return _generated(reading, unit)


def _line(config: ConfigFile, found: tuple[ConfigFile, m.Attribute] | None) -> int:
    """Where the unit names its module: its source, or the include that brings one; else its first line."""
    if found is None:
        return 1
    if found[0] is config:
        return found[1].line
    return next((block.line for block, parent in config.includes if parent is found[0]), 1)


def _module_directory(reading: Reading, unit_dir: str, text: str) -> tuple[Path | None, str]:
    """A local source (relative to the unit, or absolute in the tree), or a remote one's checkout in the
    unit's ``.terragrunt-cache``; else why it is not followed."""
    address = text.split("?", 1)[0]
    if not address.startswith(_REMOTE) and "::" not in address:
        absolute = address.startswith("/")
        base, separator, subdir = address.lstrip("/").partition("//")  # repository//subdirectory
        path = ("/" if absolute else "") + base + (f"/{subdir}" if separator else "")
        joined = reading.paths.join(unit_dir, path)
        real = reading.paths.real(joined) if joined is not None else None
        if real is None:
            return None, f"its module {text!r} is outside the repository; not followed"
        return real, ""
    after = address.split("://", 1)[-1]
    subdir = after.split("//", 1)[1] if "//" in after else ""
    cache_path = reading.paths.join(unit_dir, ".terragrunt-cache")
    cache = reading.paths.real(cache_path) if cache_path is not None else None
    if cache is not None and cache.is_dir():
        for checkout in sorted(p for p in cache.glob("*/*") if p.is_dir()):
            inner = reading.paths.join(reading.paths.virtual(checkout), subdir) if subdir else None
            candidate = reading.paths.real(inner) if inner is not None else checkout
            if candidate is not None and candidate.is_dir() and terraform_files(candidate, reading.paths.top):
                return candidate, ""
    return None, f"its module {text!r} is remote and not followed (no .terragrunt-cache checkout)"


def _generated(reading: Reading, unit: Unit) -> Unit:
    """``generate`` blocks that write ``.tf`` files: parsed where their contents are written."""
    for name, (where, block) in merged_generate(unit.config).items():
        path, contents, disable = (block.attribute(a) for a in ("path", "contents", "disable"))
        if contents is None or path is None or (disable is not None and where.value(disable.expr) is True):
            continue
        target, text = where.value(path.expr), where.value(contents.expr)
        if not isinstance(target, str) or not target.endswith((".tf", ".tf.json")):
            continue
        if not isinstance(text, str):  # what it would write is missing: its provider defaults too (fails closed)
            reason = text.reason if isinstance(text, Unknown) else "not a string"
            written = f'{unit.stack}: generate "{name}" ({where.shown}:{block.line}) not applied'
            reading.notes.append(f"{written}: its contents cannot be known ({reason})")
            continue
        try:  # line numbers as in the configuration file, where the contents are written
            hcl = reading.loader.parse("\n" * contents.line + text, where.shown)
        except m.HclSyntaxError as error:
            reading.problems.append(
                LoadProblem(where.shown, error.line, f'generate "{name}": invalid HCL: {error.message}')
            )
            continue
        unit.generated.append((posixpath.basename(target), hcl))
    return unit


def load_unit(
    reading: Reading, loader: ModuleLoader, unit: Unit
) -> tuple[list[Resource], list[LoadProblem], str | None]:
    """The unit's call node and its module's resources; problems; a note when the module is not followed."""
    config = unit.config
    node = Resource(
        address=UNIT_NODE,
        type="module",
        name=UNIT_NODE,
        source="terraform",
        file=config.shown,
        line=unit.line,
        end_line=unit.line,
        stack=unit.stack,
        taggable=False,
        opaque=(unit.why_not,) if unit.why_not else (),
    )
    if unit.module is None:
        return [node], [], f"{unit.stack} ({config.shown}:{unit.line}): {unit.why_not}"
    source = loader.source(unit.module)
    if source is None:
        message = f"terragrunt unit {unit.stack}: its module directory holds no .tf files"
        return [node], [LoadProblem(config.shown, unit.line, message)], None
    written = {name for name, _ in unit.generated}
    files = tuple(f for f in source.files if posixpath.basename(f.path) not in written)  # if_exists = overwrite
    source = replace(source, files=(*files, *(hcl for _, hcl in unit.generated)))
    tree = ModuleTree(loader.resolver_for(unit.module, set()), taggable_index())
    tree.load_root(source, unit.stack, _inputs(config, unit.stack, source))
    resources = [r if r.container is not None else replace(r, container=UNIT_NODE) for r in tree.resources]
    notes = "; ".join(tree.notes) if tree.notes else None
    return [node, *resources], tree.problems, notes and f"{unit.stack}: {notes}"


def _inputs(config: ConfigFile, stack: str, source: ModuleSource) -> list[tuple[str, Binding]]:
    """``inputs`` as the module's variables (TF_VAR_ values); when part of them cannot be known, every
    variable they do not name is unknown too."""
    inputs, unknown = merged_inputs(config, f"terragrunt unit {stack}")
    found = list(inputs.items())
    if unknown:
        place = Place(config.shown, 1, f"inputs of terragrunt unit {stack}", PlaceKind.ATTRIBUTE, "inputs", stack)
        declared = [b.labels[0] for h in source.files for b in top_blocks(h, "variable") if b.labels]
        reason = f"inputs of terragrunt unit {stack} cannot be known: {unknown}"
        found.extend((name, Binding(None, place, reason)) for name in declared if name not in inputs)
    return found


def shown_value(value: Any) -> str:
    return value.reason if isinstance(value, Unknown) else to_text(value)
