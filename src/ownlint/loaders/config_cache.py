"""``ownlint.yaml`` as composed last time, so that a warm pre-commit run of Terraform files imports no YAML parser
(PyYAML's import is a sixth of such a run's start, 17 ms): the composed document and the line of every value,
keyed by the config's text, ownlint's code and PyYAML's files.

Whoever can write the cache decides the policy a run applies, so nothing in it is taken on trust:
- it lives in the user cache directory only (``configs/`` in the parse cache's, checked as that one is: this
  user's, writable by no one else, no link, never inside the scanned repository);
- an entry is named by the digest of everything the composition depends on (the text above all: a changed
  config is another entry) and signed with a key only this directory holds (HMAC-SHA256, ``outline_io``): an
  entry ownlint did not write, or that was changed since, is not used; one that is not plain JSON of the
  types a config holds is not used either;
- a config that does not compose (a problem is reported) is never recorded: its error comes from composing.
A missing or refused entry only costs the composition.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ownlint import __version__
from ownlint.config.located import Located
from ownlint.loaders.identity import installed_file
from ownlint.loaders.terraform.outline_io import read_signed, store_secret, write_signed
from ownlint.loaders.terraform.store import code_digest, usable_directory

FORMAT = 1
MAX_ENTRY_BYTES = 4 * 1024 * 1024
KEEP = 16  # entries kept: a few configs (branches, repositories) per user
Compose = Callable[[str, str], Located]


def remembered(cache_dir: str | None, repository: Path) -> Compose | None:
    """A ``compose(text, file)`` that gives the entry of ``text`` when this user's cache under ``cache_dir`` has
    one, else composes it (importing PyYAML) and records it; None without a cache directory."""
    if cache_dir is None:
        return None

    def compose(text: str, file: str) -> Located:
        directory = Path(os.path.abspath(cache_dir)) / "configs"
        usable = all(usable_directory(d, repository, "config cache")[0] for d in (directory.parent, directory))
        secret = store_secret(directory) if usable else None
        if secret is None:
            return _composed(text, file)
        path = directory / f"{_key(text)}.json"
        body = read_signed(path, secret, MAX_ENTRY_BYTES)
        found = _decoded(body, file) if body is not None else None
        if found is not None:
            return found
        located = _composed(text, file)
        encoded = _encoded(located)
        if encoded is not None:
            write_signed(path, secret, json.dumps(encoded, separators=(",", ":")).encode(), KEEP)
        return located

    return compose


def _composed(text: str, file: str) -> Located:
    from ownlint.config.yaml import load_located

    return load_located(text, file)


def _key(text: str) -> str:
    """The digest of what a composition depends on: the text, this format, ownlint's code, PyYAML's files."""
    spec = importlib.util.find_spec("yaml")  # found, not imported
    origin = spec.origin if spec is not None and spec.origin else ""
    material = "\x1f".join([str(FORMAT), __version__, code_digest(), installed_file(origin), text])
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _encoded(located: Located) -> dict[str, Any] | None:
    """The entry of ``located``: each value tagged with its type; None for a type a config does not hold."""
    data = _value(located.data)
    if data is None:
        return None
    return {"data": data, "lines": [[list(path), line] for path, line in located.lines.items()]}


def _value(value: Any) -> list[Any] | None:
    if isinstance(value, bool):  # (before int: a bool is an int)
        return ["b", value]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, int):
        return ["i", value]
    if value is None:
        return ["n"]
    if type(value) is datetime.date:
        return ["d", value.isoformat()]
    if isinstance(value, list):
        items = [_value(item) for item in value]
        return None if any(item is None for item in items) else ["l", items]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        pairs = [[key, _value(item)] for key, item in value.items()]
        return None if any(item is None for _, item in pairs) else ["m", pairs]
    return None  # a float, a time, ...: composed each time


def _decoded(body: bytes, file: str) -> Located | None:
    try:
        stored = json.loads(body)
        lines = {tuple(path): line for path, line in stored["lines"]}
        if not all(type(line) is int and all(type(p) in (str, int) for p in path) for path, line in lines.items()):
            return None
        return Located(file, _plain(stored["data"]), lines)
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None


def _plain(tagged: Any) -> Any:
    kind = tagged[0]
    if kind in ("b", "s", "i"):
        value = tagged[1]
        if type(value) is not {"b": bool, "s": str, "i": int}[kind]:
            raise TypeError(kind)
        return value
    if kind == "n":
        return None
    if kind == "d":
        return datetime.date.fromisoformat(tagged[1])
    if kind == "l":
        return [_plain(item) for item in tagged[1]]
    if kind == "m":
        return {str(key): _plain(item) for key, item in tagged[1]}
    raise TypeError(kind)
