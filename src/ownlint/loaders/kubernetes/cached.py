"""A manifest's documents through the parse cache (``loaders/terraform/cache``, same directory and checks).

An entry holds what parsing gave, as plain JSON: each document's data, lines and key lines, and the problems
that stopped parsing. What JSON cannot hold exactly is never stored, only parsed each time: dates, binary,
sets, keys that are not text, and a node reached twice (a YAML alias: stored, it would be copied, and an
alias bomb would grow without bound). An entry that does not have this shape is ignored and rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import yaml

from ownlint.loaders.kubernetes.documents import Manifest
from ownlint.model import LoadProblem

if TYPE_CHECKING:
    from ownlint.loaders.terraform.cache import ParseCache

# the cache's key for these entries (never the model of a .tf file): another PyYAML may read a text otherwise
# the schema is part of the key: entries read with another one (YAML 1.1's `on`/`=`) would be stale
BACKEND = f"yaml-{yaml.__version__}-{'libyaml' if getattr(yaml, '__with_libyaml__', False) else 'python'}-core12"
MAX_NODES = 200_000  # past this a file's documents are parsed each time, not stored
# below this, libyaml parses a file in less time than an entry takes to write (measured: ~0.8 ms, 4-5 KB)
MIN_BYTES = 8192


Parsed = tuple[list[Manifest], list[LoadProblem]]


def cached_documents(cache: ParseCache, text: str, shown: str, parse: Callable[[str, str], Parsed]) -> Parsed:
    """``parse(text, shown)`` (the documents and problems), from the cache when this exact text was parsed;
    a small file is only parsed."""
    if len(text) < MIN_BYTES:
        return parse(text, shown)
    found = _decoded(cache.get_data(text), shown)
    if found is not None:
        return found
    documents, problems = parse(text, shown)
    encoded = _encoded(documents, problems)
    if encoded is not None:
        cache.put_data(text, encoded)
    return documents, problems


def _encoded(documents: list[Manifest], problems: list[LoadProblem]) -> dict[str, Any] | None:
    budget = [MAX_NODES]
    seen: set[int] = set()
    if not all(_plain(d.data, seen, budget) for d in documents) or any(p.whole_root for p in problems):
        return None
    return {
        "documents": [[d.data, d.line, d.end_line, [[*key, line] for key, line in d.lines.items()]] for d in documents],
        "problems": [[p.line, p.message] for p in problems],
    }


def _plain(value: Any, seen: set[int], budget: list[int]) -> bool:
    """Whether JSON gives ``value`` back exactly: text keys, plain scalars, each container reached once."""
    budget[0] -= 1
    if budget[0] < 0:
        return False
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return True
    if kind is not list and kind is not dict:
        return False
    if id(value) in seen:
        return False
    seen.add(id(value))
    if kind is list:
        return all(_plain(item, seen, budget) for item in value)
    return all(type(key) is str and _plain(item, seen, budget) for key, item in value.items())


def _decoded(stored: Any, shown: str) -> Parsed | None:
    """The documents and problems an entry holds, or None when it does not have the shape ``_encoded`` writes."""
    if not isinstance(stored, dict) or not isinstance(stored.get("documents"), list):
        return None
    if not isinstance(stored.get("problems"), list):
        return None
    documents = []
    for item in stored["documents"]:
        if not (isinstance(item, list) and len(item) == 4 and isinstance(item[0], dict) and isinstance(item[3], list)):
            return None
        data, line, end_line, keys = item
        if not _lines(line, end_line) or not all(_key_line(k) for k in keys):
            return None
        documents.append(Manifest(data, shown, line, end_line, {tuple(k[:-1]): k[-1] for k in keys}))
    problems = []
    for problem in stored["problems"]:
        if not (isinstance(problem, list) and len(problem) == 2 and _lines(problem[0]) and isinstance(problem[1], str)):
            return None
        problems.append(LoadProblem(shown, problem[0], problem[1]))
    return documents, problems


def _lines(*values: Any) -> bool:
    return all(type(v) is int and v >= 0 for v in values)


def _key_line(key: Any) -> bool:
    return isinstance(key, list) and len(key) >= 2 and _lines(key[-1]) and all(type(k) is str for k in key[:-1])
