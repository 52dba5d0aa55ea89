"""A parse cache: the model of each ``.tf`` file, keyed by its content, the backend, ownlint's version and code.

Whoever can write the directory decides what a file parses to, so nothing in it is taken on trust: the
directory checks and the entry I/O are ``store``'s (only this user's directories, 0700; entries read only as
regular files, never through a link); an entry records the digest of the exact text it was built from, the
backend, ownlint's version and code (``store.code_digest``: a parser fix under the same version never replays
the older parse) and the format, and is used only when all five match the file just read; entries are JSON
(never pickle: decoding builds only the model's own classes). An entry that does not decode or match is ignored
and rewritten. The cache is pruned to ``MAX_BYTES``, oldest entries first. It is invisible
in the output: a cold, warm or refused cache gives the same findings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ownlint import __version__
from ownlint.loaders.terraform.store import EntryStore, code_digest, unsafe_directory, usable_directory

if TYPE_CHECKING:  # the HCL model is imported when a model is read or written: a manifest's entry needs none
    from ownlint.loaders.terraform import expr as m

FORMAT = 4  # bump when the model's shape or an entry's header changes (4: the code's digest in the header)
MAX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # larger is not an entry this code wrote for a file it would read
__all__ = ["ParseCache", "decode", "encode", "open_cache", "unsafe_directory"]


def open_cache(directory: Path, backend: str, repository: Path) -> tuple[ParseCache | None, str | None]:
    """The cache in ``directory``, made (0700) when missing; or None, with a note when the directory could
    be changed by another user or by the change being checked (see ``store.usable_directory``)."""
    usable, note = usable_directory(directory, repository, "parse cache")
    return (ParseCache(directory, backend), None) if usable else (None, note)


class ParseCache:
    """Models by content hash under ``directory``: one checked by ``open_cache``."""

    def __init__(self, directory: Path, backend: str) -> None:
        self.directory = directory
        self.backend = backend
        self.store = EntryStore(directory, MAX_ENTRY_BYTES)

    @property
    def written(self) -> int:
        return self.store.written

    @written.setter
    def written(self, count: int) -> None:
        self.store.written = count

    def key(self, text: str) -> str:
        """The entry's name for ``text``: a digest of the text's digest, the backend, version, code and format."""
        return self._names(text)[1]

    def _names(self, text: str) -> tuple[str, str]:
        source = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
        material = f"{FORMAT}\x1f{__version__}\x1f{code_digest()}\x1f{self.backend}\x1f{source}"
        return source, hashlib.sha256(material.encode()).hexdigest()

    def _header(self, source: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "ownlint": __version__,
            "code": code_digest(),
            "backend": self.backend,
            "source": source,
        }

    def get(self, text: str, path: str) -> m.HclFile | None:
        """The model built from exactly ``text``, or None (missing, foreign, corrupt: parsed again)."""
        from ownlint.loaders.terraform import expr as m

        try:
            entry = self._entry(text)
            decoded = decode(entry["model"]) if entry is not None else None
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        return dataclasses.replace(decoded, path=path) if isinstance(decoded, m.HclFile) else None

    def get_data(self, text: str) -> Any:
        """What ``put_data`` stored for exactly ``text`` (plain JSON values), or None."""
        entry = self._entry(text)
        return entry.get("data") if entry is not None else None

    def _entry(self, text: str) -> dict[str, Any] | None:
        """The entry for ``text`` when it records this text's digest, backend, version, code and format."""
        source, key = self._names(text)
        data = self.store.read(key)
        try:
            entry = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):
            return None
        header = self._header(source)
        if not isinstance(entry, dict) or any(entry.get(name) != value for name, value in header.items()):
            return None  # built from other text, by another backend, version or code: not this file's model
        return entry

    def put(self, text: str, model: m.HclFile) -> None:
        self._write(text, "model", lambda: encode(model))

    def put_data(self, text: str, data: Any) -> None:
        """Store plain JSON values for ``text`` (a YAML file's documents)."""
        self._write(text, "data", lambda: data)

    def _write(self, text: str, name: str, payload: Callable[[], Any]) -> None:
        source, key = self._names(text)
        try:
            # dumps, not dump: only a one-shot encoding runs in C (dump to a stream is pure Python)
            data = json.dumps({**self._header(source), name: payload()}, separators=(",", ":"))
        except (RecursionError, ValueError):
            return
        self.store.write(key, data)

    def prune(self, limit: int = MAX_BYTES) -> None:
        """Remove the oldest entries while the cache is larger than ``limit`` bytes (see ``EntryStore.prune``)."""
        self.store.prune(limit)


def encode(value: Any) -> Any:
    """A value of the HCL model as plain JSON values (``hcl_codec``)."""
    from ownlint.loaders.terraform.hcl_codec import encode as encoded  # the model: not for a manifests-only run

    return encoded(value)


def decode(value: Any) -> Any:
    """What ``encode`` gave, as the model's values again (anything else is refused)."""
    from ownlint.loaders.terraform.hcl_codec import decode as decoded  # the model: not for a manifests-only run

    return decoded(value)
