"""Terraform HCL: group ``.tf`` files into modules (one per directory), parse, evaluate, tag."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ownlint.loaders.files import read_text, relative
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.backends import DEFAULT_BACKEND, ParseFunction, parser_for
from ownlint.loaders.terraform.taggable import taggable_index
from ownlint.model import LoadProblem, LoadResult, Resource


def is_tfvars(path: Path) -> bool:
    return path.name == "terraform.tfvars" or path.name.endswith(".auto.tfvars")


def load_terraform(root: Path, files: Iterable[Path], parser: str = DEFAULT_BACKEND) -> LoadResult:
    """Load every module directory that holds one of ``files`` (``.tf``/``.tfvars``)."""
    directories = sorted({f.parent for f in files})
    if not directories:  # a manifests-only run never imports the HCL parser
        return LoadResult()
    from ownlint.loaders.terraform.module import load_module

    parse = parser_for(parser)
    resources: list[Resource] = []
    problems: list[LoadProblem] = []
    seen: list[str] = []
    for directory in directories:
        module_files: list[m.HclFile] = []
        tfvars: list[m.HclFile] = []
        tf_paths = sorted(p for p in directory.glob("*.tf") if p.is_file())
        var_paths = sorted(p for p in directory.glob("*.tfvars") if p.is_file() and is_tfvars(p))
        var_paths.sort(key=lambda p: (p.name != "terraform.tfvars", p.name))
        for path in [*tf_paths, *var_paths]:
            shown = relative(root, path)
            seen.append(shown)
            parsed = _parse(parse, path, shown)
            if isinstance(parsed, LoadProblem):
                problems.append(parsed)
            elif path.suffix == ".tf":
                module_files.append(parsed)
            else:
                tfvars.append(parsed)
        if module_files:
            stack = relative(root, directory) or "."
            resources.extend(load_module(stack, module_files, tfvars, taggable_index()))
    return LoadResult(resources=tuple(resources), problems=tuple(problems), files=tuple(seen))


def _parse(parse: ParseFunction, path: Path, shown: str) -> m.HclFile | LoadProblem:
    text = read_text(path, shown)
    if isinstance(text, LoadProblem):
        return text
    try:
        return parse(text, shown)
    except m.HclSyntaxError as error:
        return LoadProblem(shown, error.line, f"invalid HCL: {error.message}")
    except RecursionError:
        return LoadProblem(shown, 1, "invalid HCL: nesting too deep to parse")
