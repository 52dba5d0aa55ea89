"""Module directories: their Terraform files, parsed once per run (through the parse cache), and the
module sources a call names resolved to them (local, vendored by ``terraform init``, or opaque)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownlint.loaders.files import MAX_FILE_BYTES, read_text
from ownlint.loaders.terraform import probes
from ownlint.loaders.terraform.backends import ParseFunction
from ownlint.loaders.terraform.cache import ParseCache
from ownlint.loaders.terraform.callers import is_local
from ownlint.loaders.terraform.loaded import ParsedDirectory as ParsedDirectory
from ownlint.loaders.terraform.loaded import ResultStore
from ownlint.loaders.terraform.reads import Listed, listing, terraform_entries, vendored_modules
from ownlint.loaders.terraform.reads import is_terraform_file as is_terraform_file
from ownlint.loaders.terraform.reads import is_tfvars as is_tfvars
from ownlint.loaders.terraform.reads import terraform_files as terraform_files
from ownlint.model import LoadProblem, Suppression
from ownlint.records import record
from ownlint.vcs.tree import repository_top

if TYPE_CHECKING:
    from ownlint.loaders.terraform import expr as m


@record(frozen=True)
class ModuleSource:
    """One parsed module directory: ``path`` is as shown in findings (relative to the scan root)."""

    path: str
    directory: Path
    files: tuple[m.HclFile, ...]
    tfvars: tuple[m.HclFile, ...] = ()
    # what the module's files declare (locals, outputs, variables, calls), read once per run, not per
    # instance (``variables.declarations``): derived from ``files`` alone, never changed once made
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@record(frozen=True)
class Opaque:
    """A module call that is not followed (remote, outside the repository), and why."""

    reason: str


Resolved = ModuleSource | Opaque | LoadProblem


# (calling module, the call's source string, its module path key "a.b", file, line) -> what it names
Resolver = Callable[[ModuleSource, str, str, str, int], Resolved]


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
        self.facts: dict[Path, dict[probes.Fact, str]] = {}  # what parsing each directory read (probes)
        self.context = probes.ProbeContext(root, repository, max_bytes)
        self.results: ResultStore | None = None  # when set, what each directory's parse reads is recorded
        self.models: dict[str, m.HclFile] = {}  # by the digest of the text parsed (``probes.text_digest``)
        self.digests: dict[Path, list[str]] = {}  # the texts each directory's model holds (``release``)
        self.users: dict[str, int] = {}  # how many directories still hold the model of a text
        self.released: set[Path] = set()  # directories whose model was dropped (parsed again if needed)
        self.listed: dict[Path, Listed] = {}  # listed to count the files, not yet parsed: not listed again

    def terraform_files(self, directory: Path) -> list[Path]:
        """``terraform_files`` of ``directory``, kept for its parse in this run (the tree is fixed for a run)."""
        entries = self.listed.get(directory)
        if entries is None:
            entries = self.listed[directory] = terraform_entries(directory, self.repository)
        return [path for path, _ in entries]

    def source(self, directory: Path) -> ModuleSource | None:
        """The parsed module in ``directory``, or None when it holds no ``.tf`` file."""
        probes.sourced(directory)
        if directory in self.cache:
            probes.heard_all(self.facts.get(directory, {}))
            return self.cache[directory]
        if self.results is None:
            self.cache[directory] = self._parsed_directory(directory)
            return self.cache[directory]
        with probes.recording(probes.Recorder()) as recorder:
            source = self._parsed_directory(directory)
        self.facts[directory] = recorder.facts
        probes.heard_all(recorder.facts)
        self.cache[directory] = source
        return source

    def replay(self, directory: Path, parsed: ParsedDirectory, empty: dict[probes.Fact, str] | None = None) -> None:
        """What parsing ``directory`` adds, from the result cache (parsed later only if a root needs its model);
        ``empty``: it holds no module file, as these facts show."""
        if empty is not None and directory not in self.cache:
            self.cache[directory] = None
            self.facts[directory] = empty
        if directory not in self.parsed:
            self.parsed[directory] = parsed
            self.seen.extend(parsed.seen)
            self.problems.extend(parsed.problems)
            self.suppressions.update(parsed.suppressions)

    def _parsed_directory(self, directory: Path) -> ModuleSource | None:
        from ownlint.loaders.terraform.overrides import merge_overrides  # on use: a replayed root reads no HCL

        module_files: list[m.HclFile] = []
        tfvars: list[m.HclFile] = []
        seen: list[str] = []
        problems: list[LoadProblem] = []
        digests: list[str] = []
        shown_directory, listed = listing(self.context, directory, self.listed.pop(directory, None))
        for path, shown in listed:
            seen.append(shown)
            parsed = self.load_file(path, shown, digests)
            if isinstance(parsed, LoadProblem):
                problems.append(parsed)
            elif is_tfvars(path):
                tfvars.append(parsed)
            else:
                module_files.append(parsed)
        merged, override_problems = merge_overrides(module_files)
        problems.extend(override_problems)
        if directory not in self.parsed:  # else replayed from the result cache: reported once
            self.seen.extend(seen)
            self.problems.extend(problems)
            suppressions = {f: self.suppressions[f] for f in seen if f in self.suppressions}
            self.parsed[directory] = ParsedDirectory(tuple(seen), tuple(problems), suppressions)
        tfvars.sort(key=lambda f: _tfvars_order(f.path))
        source = ModuleSource(shown_directory or ".", directory, merged, tuple(tfvars))
        if merged:  # the memo's entries live as long as a directory that holds them
            self.digests[directory] = digests
            for digest in digests:
                self.users[digest] = self.users.get(digest, 0) + 1
        else:
            self._forget(digests)
        return source if merged else None

    def release(self, directories: Iterable[Path]) -> None:
        """Drop the models of ``directories`` (no root left to evaluate reaches them), with the memo's
        entries no other directory holds: a run keeps only the models it still needs. A directory asked
        for again is parsed again, to the same model: this costs time, never a different result."""
        for directory in directories:
            if self.cache.get(directory) is not None:
                del self.cache[directory]
                self.released.add(directory)
                self._forget(self.digests.pop(directory, []))

    def _forget(self, digests: Iterable[str]) -> None:
        for digest in digests:
            users = self.users.get(digest, 0) - 1
            if users > 0:
                self.users[digest] = users
                continue
            self.users.pop(digest, None)
            self.models.pop(digest, None)

    def load_file(self, path: Path, shown: str, digests: list[str] | None = None) -> m.HclFile | LoadProblem:
        """Read and parse one file (HCL, or Terraform's JSON syntax by its name); ``digests`` hears of the
        text whose model the memo now holds."""
        from ownlint.loaders.terraform import expr as m  # on use: a replayed root reads no HCL
        from ownlint.suppressions.parse import comment_suppressions

        text = read_text(path, shown, self.max_bytes)
        digest = probes.text_digest(text)  # once per file: the result cache's probe and the run's model memo
        if probes.active():
            probes.heard("text", str(path), digest)
        if isinstance(text, LoadProblem):
            return text
        json_syntax = path.name.endswith(".json")
        try:
            if json_syntax:  # its reader brings the YAML parser (~8 ms a check of .tf files never needs)
                from ownlint.loaders.terraform.json_syntax import parse_json_file

                parsed = parse_json_file(text, shown)
            else:
                parsed = self._parsed(text, shown, digest)
        except m.HclSyntaxError as error:
            return LoadProblem(shown, error.line, f"invalid {'JSON' if json_syntax else 'HCL'}: {error.message}")
        except RecursionError:
            return LoadProblem(shown, 1, "invalid HCL: nesting too deep to parse")
        if not json_syntax and digests is not None:
            digests.append(digest)
        if not json_syntax and shown not in self.suppressions:
            self.suppressions[shown] = comment_suppressions(shown, text, (b.line for b in parsed.blocks))
        return parsed

    def _parsed(self, text: str, shown: str, digest: str) -> m.HclFile:
        """The file's model: the one of a file with the same text met earlier in this run (copied files
        are common: a third of terraform-aws-components), else from the parse cache, else parsed. Beside a
        result cache, entries are written only once this process met a stale result (an edited root): a
        first run replays its roots next time, never reading them, and writing them cost it half again."""
        from ownlint.loaders.terraform import expr as m  # on use: a replayed root reads no HCL

        known = self.models.get(digest)
        if known is not None:  # the model is the text's alone, but for the path it is shown at
            return m.HclFile(shown, known.attributes, known.blocks)
        cached = self.parse_cache.get(text, shown) if self.parse_cache is not None else None
        parsed = cached if cached is not None else self.parse(text, shown)
        if cached is None and self.parse_cache is not None and (self.results is None or self.results.stale):
            self.parse_cache.put(text, parsed)  # with a result cache: only files parsed again after an edit
        self.models[digest] = parsed
        return parsed

    def local_calls(self, directory: Path) -> list[Path]:
        """Directories that ``directory``'s module calls name by a local path."""
        source = self.cache.get(directory)
        if source is None:
            return []
        from ownlint.loaders.terraform.evaluate import Evaluator  # not at import: a warm run may evaluate nothing

        constant = Evaluator({}, {})
        called = []
        for hcl in source.files:
            for block in hcl.blocks:
                attribute = block.attribute("source") if block.type == "module" else None
                text = constant.value(attribute.expr) if attribute is not None else None
                if isinstance(text, str) and is_local(text):
                    called.append(probes.resolved(directory / text))
        return called

    def resolver_for(self, root_module: Path, reached: set[Path]) -> Resolver:
        """The module-source resolver of one root module (vendored remote modules are per root)."""
        vendored = vendored_modules(root_module, self.repository, self.max_bytes)
        probes.heard("vendored", str(root_module), json.dumps(vendored))
        within = self.repository.parts
        inside = len(within)

        def resolve(caller: ModuleSource, text: str, key: str, file: str, line: int) -> Resolved:
            if is_local(text):
                target = probes.resolved(caller.directory / text)
            elif key in vendored:
                target = probes.resolved(root_module / vendored[key])
            else:
                return Opaque(f"remote module {text!r} is not followed (no .terraform/modules checkout)")
            if target.parts[:inside] != within:  # neither the repository nor under it (no Path per parent)
                return Opaque(f"module source {text!r} is outside the repository; not followed")
            if not probes.is_directory(target):
                return LoadProblem(file, line, f"module source {text!r}: no such directory")
            source = self.source(target)
            if source is None:
                return LoadProblem(file, line, f"module source {text!r}: the directory holds no .tf files")
            reached.add(target)
            return source

        return resolve


def _tfvars_order(path: str) -> tuple[int, str]:
    """terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) in lexical order."""
    name = path.rsplit("/", 1)[-1]
    rank = {"terraform.tfvars": 0, "terraform.tfvars.json": 1}.get(name, 2)
    return rank, name


def repository_of(root: Path) -> Path:
    """Module sources may climb up to the repository top (the nearest ``.git``), not beyond it."""
    return repository_top(root) or root.resolve()
