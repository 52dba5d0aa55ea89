"""A parse cache: the model of each ``.tf`` file, keyed by its content, the backend and ownlint's version.

Entries are JSON (never pickle: a cache directory inside a scanned repository could be planted, and
decoding builds only the model's own classes). They are written to a temporary file and renamed, so
concurrent runs never see half an entry; an entry that does not decode is ignored and rewritten.
The cache is pruned to ``MAX_BYTES``, oldest entries first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.loaders.terraform import expr as m

FORMAT = 1  # bump when the model's shape changes
MAX_BYTES = 256 * 1024 * 1024
_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        m.Lit,
        m.Template,
        m.Name,
        m.AttrStep,
        m.IndexStep,
        m.SplatStep,
        m.Traversal,
        m.Call,
        m.ObjectItem,
        m.ObjectExpr,
        m.TupleExpr,
        m.Conditional,
        m.ForExpr,
        m.BinaryOp,
        m.UnaryOp,
        m.Unsupported,
        m.Attribute,
        m.Block,
        m.HclFile,
    )
}


_ARITY = {name: len(dataclasses.fields(cls)) for name, cls in _CLASSES.items()}
_FIELD_NAMES = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}


class ParseCache:
    """Models by content hash under ``directory`` (``.ownlint/cache/parse``)."""

    def __init__(self, directory: Path, backend: str) -> None:
        self.directory = directory
        self.backend = backend
        self.written = 0

    def key(self, text: str) -> str:
        material = f"{FORMAT}\x1f{__version__}\x1f{self.backend}\x1f{text}"
        return hashlib.sha256(material.encode("utf-8", errors="surrogatepass")).hexdigest()

    def holds(self, key: str) -> bool:
        return (self.directory / key[:2] / f"{key}.json").is_file()

    def get(self, key: str, path: str) -> m.HclFile | None:
        entry = self.directory / key[:2] / f"{key}.json"
        try:
            decoded = decode(json.loads(entry.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None  # missing, or corrupt: parsed again and rewritten
        return dataclasses.replace(decoded, path=path) if isinstance(decoded, m.HclFile) else None

    def put(self, key: str, model: m.HclFile) -> None:
        entry = self.directory / key[:2] / f"{key}.json"
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # only when writing: not on every run's start

            handle, temporary = tempfile.mkstemp(prefix=".entry.", dir=entry.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(encode(model), stream, separators=(",", ":"))
            os.replace(temporary, entry)
            self.written += 1
        except (OSError, RecursionError, ValueError):
            return  # a cache that cannot be written only costs time

    def prune(self, limit: int = MAX_BYTES) -> None:
        """Remove the oldest entries while the cache is larger than ``limit`` bytes."""
        if not self.written:
            return
        try:
            entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.directory.glob("*/*.json")]
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= limit:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size


def encode(value: Any) -> Any:
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is not None:  # the model's classes: field names looked up once, not per node
        return {"t": kind.__name__, "f": [encode(getattr(value, name)) for name in names]}
    if isinstance(value, tuple):
        return [encode(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # not the model's: decoding refuses it
        return {"t": kind.__name__, "f": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    return value


def decode(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        name = value["t"]
        cls = _CLASSES[name]  # only the model's classes: anything else is a KeyError
        items = value["f"]
        if len(items) != _ARITY[name]:
            raise ValueError("entry does not match the model")
        return cls(*[decode(item) for item in items])
    if kind is list:
        return tuple([decode(item) for item in value])
    return value
