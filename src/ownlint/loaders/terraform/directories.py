"""Module directories: their Terraform files, parsed once per run (through the parse cache), and the
module sources a call names resolved to them (local, vendored by ``terraform init``, or opaque)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ownlint.loaders.files import MAX_FILE_BYTES, links_outside, read_text, relative
from ownlint.loaders.terraform import expr as m
from ownlint.loaders.terraform.backends import OutlineFunction, ParseFunction
from ownlint.loaders.terraform.cache import ParseCache
from ownlint.loaders.terraform.callers import is_local, local_sources
from ownlint.loaders.terraform.evaluate import Evaluator
from ownlint.loaders.terraform.json_syntax import parse_json_file
from ownlint.loaders.terraform.overrides import is_override_file, merge_overrides
from ownlint.model import LoadProblem, Suppression
from ownlint.suppressions.parse import comment_suppressions
from ownlint.vcs.tree import repository_top


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
class ParsedDirectory:
    """What parsing one module directory added to a loader."""

    seen: tuple[str, ...]
    problems: tuple[LoadProblem, ...]
    suppressions: dict[str, list[Suppression]]


class ModuleLoader:
    """Parses module directories once, and resolves module sources to them."""

    def __init__(
        self,
        root: Path,
        parse: ParseFunction,
        repository: Path,
        cache: ParseCache | None = None,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.parse = parse
        self.parse_cache = cache
        self.repository = repository
        self.cache: dict[Path, ModuleSource | None] = {}
        self.problems: list[LoadProblem] = []
        self.seen: list[str] = []
        self.suppressions: dict[str, list[Suppression]] = {}  # by file, read once
        self.parsed: dict[Path, ParsedDirectory] = {}  # what each directory's parse added to the above
        self.models: dict[bytes, m.HclFile] = {}  # by the SHA-256 of the text parsed
        self.outlines: dict[tuple[bytes, OutlineFunction], m.Outline] = {}  # the same, for outlines

    def source(self, directory: Path) -> ModuleSource | None:
        """The parsed module in ``directory``, or None when it holds no ``.tf`` file."""
        if directory in self.cache:
            return self.cache[directory]
        module_files: list[m.HclFile] = []
        tfvars: list[m.HclFile] = []
        seen: list[str] = []
        problems: list[LoadProblem] = []
        for path in terraform_files(directory, self.repository):
            shown = relative(self.root, path)
            seen.append(shown)
            parsed = self.load_file(path, shown)
            if isinstance(parsed, LoadProblem):
                problems.append(parsed)
            elif is_tfvars(path):
                tfvars.append(parsed)
            else:
                module_files.append(parsed)
        merged, override_problems = merge_overrides(module_files)
        problems.extend(override_problems)
        self.seen.extend(seen)
        self.problems.extend(problems)
        suppressions = {f: self.suppressions[f] for f in seen if f in self.suppressions}
        self.parsed[directory] = ParsedDirectory(tuple(seen), tuple(problems), suppressions)
        tfvars.sort(key=lambda f: _tfvars_order(f.path))
        source = ModuleSource(relative(self.root, directory) or ".", directory, merged, tuple(tfvars))
        self.cache[directory] = source if merged else None
        return self.cache[directory]

    def load_file(self, path: Path, shown: str) -> m.HclFile | LoadProblem:
        """Read and parse one file (HCL, or Terraform's JSON syntax by its name)."""
        text = read_text(path, shown, self.max_bytes)
        if isinstance(text, LoadProblem):
            return text
        json_syntax = path.name.endswith(".json")
        try:
            parsed = parse_json_file(text, shown) if json_syntax else self._parsed(text, shown)
        except m.HclSyntaxError as error:
            return LoadProblem(shown, error.line, f"invalid {'JSON' if json_syntax else 'HCL'}: {error.message}")
        except RecursionError:
            return LoadProblem(shown, 1, "invalid HCL: nesting too deep to parse")
        if not json_syntax and shown not in self.suppressions:
            self.suppressions[shown] = comment_suppressions(shown, text, (b.line for b in parsed.blocks))
        return parsed

    def _parsed(self, text: str, shown: str) -> m.HclFile:
        """The file's model: the one of a file with the same text met earlier in this run (copied files
        are common: a third of terraform-aws-components), else from the parse cache, else parsed."""
        digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).digest()
        known = self.models.get(digest)
        if known is not None:  # the model is the text's alone, but for the path it is shown at
            return m.HclFile(shown, known.attributes, known.blocks)
        cached = self.parse_cache.get(text, shown) if self.parse_cache is not None else None
        parsed = cached if cached is not None else self.parse(text, shown)
        if cached is None and self.parse_cache is not None:
            self.parse_cache.put(text, parsed)
        self.models[digest] = parsed
        return parsed

    def outline_calls(self, directory: Path, outline: OutlineFunction) -> list[Path] | None:
        """``local_calls`` of ``directory`` read from outlines of the files that name a module (a word
        search first: most files do not), or None when it holds no module file. A file that does not
        parse calls nothing, as in a full load; its problem is reported when it is loaded."""
        calls: list[Path] = []
        module_files = [p for p in terraform_files(directory, self.repository) if not is_tfvars(p)]
        if any(is_override_file(p.name) for p in module_files):  # an override may change a call's source
            return self.local_calls(directory) if self.source(directory) is not None else None
        once = self._outlined(outline)
        for path in module_files:
            text = read_text(path, path.name, self.max_bytes)
            if not isinstance(text, LoadProblem):
                calls.extend((directory / source).resolve() for source in local_sources(text, path.name, once))
        return calls if module_files else None

    def _outlined(self, outline: OutlineFunction) -> OutlineFunction:
        """``outline``, once per text in this process (copied files again: 816 texts for 1253 files that
        name a module in terraform-aws-components); an outline is the text's alone."""

        def once(text: str, name: str) -> m.Outline:
            key = (hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).digest(), outline)
            if key not in self.outlines:
                self.outlines[key] = outline(text, name)  # a text that does not parse raises each time
            return self.outlines[key]

        return once

    def local_calls(self, directory: Path) -> list[Path]:
        """Directories that ``directory``'s module calls name by a local path."""
        source = self.cache.get(directory)
        if source is None:
            return []
        constant = Evaluator({}, {})
        called = []
        for hcl in source.files:
            for block in hcl.blocks:
                attribute = block.attribute("source") if block.type == "module" else None
                text = constant.value(attribute.expr) if attribute is not None else None
                if isinstance(text, str) and is_local(text):
                    called.append((directory / text).resolve())
        return called

    def resolver_for(self, root_module: Path, reached: set[Path]) -> Resolver:
        """The module-source resolver of one root module (vendored remote modules are per root)."""
        vendored = _vendored_modules(root_module, self.repository, self.max_bytes)

        def resolve(caller: ModuleSource, text: str, key: str, file: str, line: int) -> Resolved:
            if is_local(text):
                target = (caller.directory / text).resolve()
            elif key in vendored:
                target = (root_module / vendored[key]).resolve()
            else:
                return Opaque(f"remote module {text!r} is not followed (no .terraform/modules checkout)")
            if target != self.repository and self.repository not in target.parents:
                return Opaque(f"module source {text!r} is outside the repository; not followed")
            if not target.is_dir():
                return LoadProblem(file, line, f"module source {text!r}: no such directory")
            source = self.source(target)
            if source is None:
                return LoadProblem(file, line, f"module source {text!r}: the directory holds no .tf files")
            reached.add(target)
            return source

        return resolve


def is_tfvars(path: Path) -> bool:
    name = path.name
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def is_terraform_file(path: Path) -> bool:
    return path.name.endswith((".tf", ".tf.json")) or is_tfvars(path)


def terraform_files(directory: Path, repository: Path) -> list[Path]:
    """The directory's Terraform files; a symlink to a file outside the repository is not followed."""
    return sorted(p for p in _listing(directory) if is_terraform_file(p) and not links_outside(p, repository))


def _listing(directory: Path) -> list[Path]:
    """The files in ``directory``, by the type the listing gives (a name too long to open is kept:
    reading it is the located problem)."""
    try:
        with os.scandir(directory) as entries:
            return [Path(entry.path) for entry in entries if _is_file(entry)]
    except OSError:
        return []


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return True


def _tfvars_order(path: str) -> tuple[int, str]:
    """terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) in lexical order."""
    name = path.rsplit("/", 1)[-1]
    rank = {"terraform.tfvars": 0, "terraform.tfvars.json": 1}.get(name, 2)
    return rank, name


def repository_of(root: Path) -> Path:
    """Module sources may climb up to the repository top (the nearest ``.git``), not beyond it."""
    return repository_top(root) or root.resolve()


def _vendored_modules(root_module: Path, repository: Path, max_bytes: int) -> dict[str, str]:
    """``.terraform/modules/modules.json`` from ``terraform init``: module key -> checkout directory (a link
    out of the repository, a device or FIFO, or a file over ``max_bytes`` is not read)."""
    path = root_module / ".terraform" / "modules" / "modules.json"
    resolved = path.resolve()
    if repository not in resolved.parents or not resolved.is_file():  # a link to /dev/zero would never end
        return {}
    text = read_text(path, "modules.json", max_bytes)
    try:
        listed = json.loads(text if isinstance(text, str) else "{}").get("Modules", [])
    except (OSError, ValueError, AttributeError, RecursionError):  # committed by the PR, maybe
        return {}
    return {str(e["Key"]): str(e["Dir"]) for e in listed if isinstance(e, dict) and e.get("Key") and e.get("Dir")}
