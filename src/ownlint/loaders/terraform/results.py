"""The result cache: per root module, what loading it gave, replayed while nothing it read has changed.

As a build system's dependency manifest (ccache, Bazel): while a root module is evaluated, every read the
loader makes for it goes through a probe (``probes``) and is recorded - each file's digest, each directory
listing, each path resolved or found missing, the vendored modules - for the root and every module it
calls. The entry stores that manifest with the root's whole result (resources, problems, notes, the
module directories it parsed with the files, problems and suppressions they gave, in order). A later run
calls each probe again (once per path per run, whichever roots share it); only when every value is the same
is the result replayed, else the root is evaluated and its entry rewritten. Scanned directories have entries
too (their module calls, for finding the roots), so a warm run parses nothing that did not change.

An entry is used only when its key material matches (format, ownlint's version and code, the parser backend and its
package versions, the scan root, the repository, the size limit, the directory, and for a root the root
variable values given on the command line) and its signature does. An entry is a line with the signature of
the rest (HMAC with the directory's own key: a planted entry is never loaded), then as ``marshal`` data (loaded
only once that signature matches) its key (the digest of that material, which its pack part's line holds once
for all its entries but the directory), the inputs and the result, its model values as ``codec`` bytes decoded
only once the inputs match (a module directory's on its own: encoded once a run, decoded for the directories
not replayed yet). Entries are kept in a few pack
files, appended to (``packs``: creating a file per entry cost more than encoding it, rewriting a pack at
each flush made the bytes written grow with the square of the estate); the directory and file I/O are
``store``'s (this user's 0700 directory beside the parse cache; regular files only, no link, no FIFO, size
limited; temporary file and rename or an append under a lock; pruned).
Loading reads nothing of the config: a config change re-runs inheritance and rules (never cached), not
evaluation.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import marshal
import os
import sys
from collections.abc import Callable, Container
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownlint import __version__
from ownlint.loaders.terraform import cache as parse_cache
from ownlint.loaders.terraform import codec
from ownlint.loaders.terraform.loaded import DirectoryResult, LoadedTree, ParsedDirectory, RootResult
from ownlint.loaders.terraform.outline_io import store_secret
from ownlint.loaders.terraform.packs import Packs, bucket_of
from ownlint.loaders.terraform.probes import ProbeContext, Recorder
from ownlint.loaders.terraform.store import EntryStore, code_digest, usable_directory

if TYPE_CHECKING:
    from ownlint.loaders.terraform.evaluate import Binding

FORMAT = 9  # bump when an entry's shape or what a probe means changes
MAX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # a root this large is evaluated each time rather than stored
# a backend's packages: (module, distribution)
_TEXT, _TUPLE, _LENGTHS = frozenset({str}), frozenset({tuple}), frozenset({3, 4})
_PACKAGES = {
    "tree-sitter": (("tree_sitter", "tree_sitter"), ("tree_sitter_hcl", "tree_sitter_hcl")),
    "hcl2": (("hcl2", "python_hcl2"), ("lark", "lark")),
}


def open_results(
    directory: Path, backend: str, context: ProbeContext, overrides: list[tuple[str, Binding]]
) -> tuple[ResultCache | None, str | None]:
    """The result cache in ``directory`` (made 0700), or None with a note (see ``store.usable_directory``)."""
    usable, note = usable_directory(directory, context.repository, "result cache")
    secret = store_secret(directory) if usable else None  # entries are signed with it: see ``entry_bytes``
    if secret is None:
        return None, note if not usable else f"result cache not used: {directory}/key is not this user's alone"
    return ResultCache(directory, backend, context, options_digest(overrides), secret), None


def options_digest(overrides: list[tuple[str, Binding]]) -> str:
    """The root variable values from the command line (``--var``, ``--var-file``, ``TF_VAR_*``), as a digest."""
    text = json.dumps([[name, parse_cache.encode(binding)] for name, binding in overrides], default=str)
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def backend_versions(backend: str) -> str:
    """The backend and the versions of the packages it parses with (a new grammar may parse differently)."""
    found = [
        f"{distribution}=={_installed_version(module, distribution)}"
        for module, distribution in _PACKAGES.get(backend, ())
    ]
    return " ".join([backend, *found])


def _installed_version(module: str, distribution: str) -> str:
    """From the name of the ``.dist-info`` directory beside the package (importlib.metadata costs more to
    import than a warm run spends here); ``?`` when there is none."""
    spec = importlib.util.find_spec(module)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    try:
        names = os.listdir(Path(locations[0]).parent) if locations else []
    except OSError:
        names = []
    prefix, suffix = f"{distribution}-", ".dist-info"
    versions = sorted(n[len(prefix) : -len(suffix)] for n in names if n.startswith(prefix) and n.endswith(suffix))
    return ",".join(versions) or "?"


def entry_bytes(key: str, inputs: list[tuple[str, ...]], payload: tuple[Any, ...], secret: bytes) -> bytes:
    """An entry's bytes: the signature of the rest (HMAC-SHA256 with the cache directory's key: a checksum anyone
    could recompute would let an entry planted in the directory, e.g. a CI cache another run filled, through
    to ``marshal``), then its key (the digest of its key material: the material
    itself, the same for every entry of a pack part but its directory, is in the part's line), the inputs and
    the payload (``_payload``: its model values as ``codec`` writes them, decoded only once the inputs match),
    as ``marshal`` data."""
    body = marshal.dumps((key, inputs, payload), codec.VERSION)
    return hmac.new(secret, body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def read_entry(data: bytes, secret: bytes) -> tuple[str, list[tuple[str, ...]], tuple[Any, ...]] | None:
    """The key, the inputs and the payload of an intact entry (signed with ``secret``: only then is it loaded),
    else None: one damaged, edited or written without the key is not used."""
    check, _, body = data.partition(b"\n")
    if not hmac.compare_digest(check, hmac.new(secret, body, hashlib.sha256).hexdigest().encode()):
        return None
    try:
        found = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    if type(found) is not tuple or len(found) != 3:
        return None
    key, inputs, payload = found
    if type(key) is not str or type(inputs) is not list or type(payload) is not tuple:
        return None
    # each (probe, path, value) or, a text's, (probe, path, value, identity): text only (each check over all, in C)
    if not _TUPLE.issuperset(map(type, inputs)) or not _LENGTHS.issuperset(map(len, inputs)):
        return None
    if not _TEXT.issuperset(map(type, chain.from_iterable(inputs))):
        return None
    return key, inputs, payload


class ResultCache:
    """Entries per root module and per scanned directory under ``directory`` (checked by ``open_results``)."""

    def __init__(self, directory: Path, backend: str, context: ProbeContext, options: str, secret: bytes) -> None:
        self.directory = directory
        self.secret = secret
        self.store = EntryStore(directory, MAX_ENTRY_BYTES)
        self.context = context
        self.backend = backend_versions(backend)
        self.options = options
        self.stale = False  # an entry of this key was found changed: its files are being edited
        self.packs = Packs(self.store)
        self._packs: dict[str, tuple[str, str, dict[str, Any]]] = {}  # kind -> _kind()
        self._bucket_material: dict[tuple[str, int], dict[str, Any]] = {}  # (kind, bucket) -> its pack's
        self._keys: dict[tuple[str, Path], tuple[str, str, dict[str, Any]]] = {}
        self._paths: dict[str, Path] = {}  # the directories entries name: roots share their modules'
        self._encoded: dict[int, tuple[ParsedDirectory, bytes]] = {}  # id -> a module directory's parse, encoded

    def _path(self, text: str) -> Path:
        """``Path(text)``, made once a run (``text`` is a ``Path``'s own, as an entry stores it)."""
        found = self._paths.get(text)
        if found is None:
            found = self._paths[text] = Path(text)
        return found

    def setup(self) -> tuple[str, str, str, bytes]:
        """What a worker process needs to open the same cache (its directory was checked here)."""
        return str(self.directory), self.backend, self.options, self.secret

    @classmethod
    def in_worker(cls, setup: tuple[str, str, str, bytes], context: ProbeContext) -> ResultCache:
        cache = cls(Path(setup[0]), "", context, setup[2], setup[3])
        cache.backend = setup[1]
        return cache

    def root(self, directory: Path, known: Container[Path] = ()) -> RootResult | None:
        """The root's result while its inputs are unchanged; its ``sourced`` without the directories in ``known``
        (replayed already: theirs is not decoded)."""
        found = self._valid("root", directory, known)
        return found if isinstance(found, RootResult) else None

    def put_root(self, directory: Path, recorder: Recorder, result: RootResult) -> None:
        self._write("root", directory, recorder, result)

    def directory_result(self, directory: Path, kind: str) -> DirectoryResult | None:
        found = self._valid(kind, directory)
        return found if isinstance(found, DirectoryResult) else None

    def put_directory(self, directory: Path, kind: str, recorder: Recorder, result: DirectoryResult) -> None:
        self._write(kind, directory, recorder, result)

    def flush(self) -> None:
        """Write the entries held (a worker does after each chunk of work)."""
        self.packs.flush()

    def prune(self) -> None:
        """At the end of a run: write the entries held (and compact the worn packs read), then keep the cache
        under its size limit."""
        self.packs.flush(final=True)
        self.packs.release()
        self.store.prune(MAX_BYTES)

    def wrote(self, count: int) -> None:
        """Entries written by worker processes: the cache is pruned when it grew."""
        self.store.written += count

    def _keyed(self, kind: str, directory: Path) -> tuple[str, str, dict[str, Any]]:
        """An entry's key (the digest of its kind's shared key material's digest and its directory: no JSON
        per entry), its pack and the pack's key material: made once a run (each is looked up, then written)."""
        found = self._keys.get((kind, directory))
        if found is None:
            prefix, _, shared = self._kind(kind)
            bucket = bucket_of(str(directory))
            material = self._bucket_material.get((kind, bucket))
            if material is None:
                material = self._bucket_material[(kind, bucket)] = {**shared, "bucket": bucket}
            found = self._keys[(kind, directory)] = self._key(kind, directory), f"{prefix}{bucket:02x}", material
        return found

    def _key(self, kind: str, directory: Path) -> str:
        """The digest of the digest of the key material of ``kind`` and ``directory``: no JSON per entry."""
        text = f"{self._kind(kind)[1]}\n{directory}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(text).hexdigest()

    def _material(self, kind: str) -> dict[str, Any]:
        """The key material all entries of ``kind`` share (their packs'): an entry's adds its directory."""
        context = self.context
        return {
            "format": FORMAT,
            "ownlint": __version__,
            "code": code_digest(),
            "backend": self.backend,
            "python": sys.version,  # (marshal's data is this interpreter's)
            "kind": kind,
            "root": str(context.root.absolute()),
            "repository": str(context.repository),
            "max_bytes": context.max_bytes,
            "options": self.options if kind == "root" else "",  # command-line values feed roots only
        }

    def _kind(self, kind: str) -> tuple[str, str, dict[str, Any]]:
        """The name prefix of the packs of ``kind``, the digest of their shared key material and that material,
        made once: the packs of one kind and key share a subdirectory (their names differ in the last two digits:
        the bucket)."""
        found = self._packs.get(kind)
        if found is None:
            material = self._material(kind)
            digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()
            found = self._packs[kind] = digest[:62], digest, material
        return found

    def _valid(self, kind: str, directory: Path, known: Container[Path] = ()) -> Any:
        """The stored result when the entry is this key's, intact, and every input it recorded is unchanged."""
        key, pack, shared = self._keyed(kind, directory)
        data = self.packs.get(pack, shared, key)
        if data is None:
            return None
        entry = read_entry(data, self.secret)
        found = None if entry is None or entry[0] != key else self._checked(kind, entry, known)
        if entry is None or found is None:
            self.stale = True
            return None
        self._settle(pack, shared, directory, entry)
        return found

    def _settle(
        self, pack: str, shared: dict[str, Any], directory: Path, entry: tuple[str, list[tuple[str, ...]], Any]
    ) -> None:
        """An entry whose texts were checked by reading them (they had not settled when it was written, or were
        touched since) is written again with the identities of those that have settled: later runs do not read
        them. (A fresh checkout or copy checked at once would otherwise be read whole by every warm run.)"""
        key, inputs, payload = entry
        identity = self.context.identity  # None unless this run read the file
        # a text's input with the identity of its file as this run read it (its text found unchanged), if it had
        # settled: none before, or another (a file touched or checked out again, its text the same)
        settled = [
            item
            if item[0] != "text" or (found := identity(item[1])) is None or item[3:] == (found,)
            else (*item[:3], found)
            for item in inputs
        ]
        if settled != inputs:
            self.packs.put(pack, shared, key, str(directory), entry_bytes(key, settled, payload, self.secret))

    def _checked(self, kind: str, entry: tuple[str, list[tuple[str, ...]], Any], known: Container[Path] = ()) -> Any:
        inputs = entry[1]
        try:
            if not self.context.all_unchanged(inputs):
                return None
            result = _decoded(kind, entry[2], known, self._path)
        except (ValueError, LookupError, TypeError, RecursionError):
            return None
        if isinstance(result, DirectoryResult):
            result.facts.update(((item[0], item[1]), item[2]) for item in inputs)
        return result

    def _write(self, kind: str, directory: Path, recorder: Recorder, result: RootResult | DirectoryResult) -> None:
        key, pack, shared = self._keyed(kind, directory)
        try:
            payload = self._payload(result)
        except (codec.Unencodable, ValueError, TypeError, RecursionError):
            return  # a value marshal cannot give back exactly: evaluated each time
        identity = self.context.identity
        inputs: list[tuple[str, ...]] = []
        for (probe, path), value in recorder.facts.items():
            found = identity(path) if probe == "text" else None
            inputs.append((probe, path, value) if found is None else (probe, path, value, found))
        self.packs.put(pack, shared, key, str(directory), entry_bytes(key, inputs, payload, self.secret))

    def _payload(self, result: RootResult | DirectoryResult) -> tuple[Any, ...]:
        """What an entry stores of ``result``: its model values as ``codec`` bytes, a module directory's on its
        own (a warm run decodes a root's only for the directories not replayed yet)."""
        if isinstance(result, RootResult):
            sourced = tuple([(str(d), self._parsed(parsed)) for d, parsed in result.sourced])
            return (codec.dumps(result.tree), result.stack, tuple([str(d) for d in result.reached]), sourced)
        return (self._parsed(result.parsed), None if result.calls is None else tuple([str(c) for c in result.calls]))

    def _parsed(self, parsed: ParsedDirectory) -> bytes:
        """A module directory's parse, encoded once a run: its entry and those of the roots that call it share it."""
        found = self._encoded.get(id(parsed))
        if found is None:
            found = self._encoded[id(parsed)] = (parsed, codec.dumps(parsed))  # (kept alive: its id is not reused)
        return found[1]


def _decoded(
    kind: str, payload: tuple[Any, ...], known: Container[Path] = (), path: Callable[[str], Path] = Path
) -> RootResult | DirectoryResult:
    """The result of an entry's payload (``ResultCache._payload``), its model values decoded (those of the
    directories in ``known`` are not); ``path`` makes a directory's ``Path`` of its text (the cache's memo)."""
    if kind == "root":
        tree, stack, reached, sourced = payload
        paths = [(path(d), found) for d, found in sourced]
        parsed = tuple([(d, _parsed(found)) for d, found in paths if d not in known])
        result = RootResult(codec.loads(tree), stack, tuple([path(d) for d in reached]), parsed)
        if not isinstance(result.tree, LoadedTree) or type(stack) is not str:
            raise ValueError("entry does not match the model")
        return result
    found, calls = payload
    return DirectoryResult(_parsed(found), None if calls is None else tuple([path(c) for c in calls]))


def _parsed(data: bytes) -> ParsedDirectory:
    found = codec.loads(data)
    if not isinstance(found, ParsedDirectory):
        raise ValueError("entry does not match the model")
    return found
