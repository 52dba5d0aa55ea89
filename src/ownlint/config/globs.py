"""Resource-type globs (``aws_iam_*``, ``google_*_iam_*``, ``k8s:Secret``) matched without compiling a
regular expression per pattern: a preset has hundreds of them and most are plain names or prefixes."""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import translate
from functools import lru_cache

_WILDCARDS = ("*", "?", "[")


@lru_cache(maxsize=512)
def type_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """A predicate true for the names ``fnmatchcase`` would match against any of ``patterns``."""
    exact = frozenset(p for p in patterns if not any(c in p for c in _WILDCARDS))
    prefixes = tuple(p[:-1] for p in patterns if p.endswith("*") and not any(c in p[:-1] for c in _WILDCARDS))
    others = [p for p in patterns if p not in exact and p[:-1] not in prefixes]
    regex = re.compile("|".join(f"(?:{translate(p)})" for p in others)) if others else None

    def matches(name: str) -> bool:
        return name in exact or name.startswith(prefixes) or (regex is not None and regex.match(name) is not None)

    return matches


def matches_type(name: str, patterns: tuple[str, ...]) -> bool:
    return type_matcher(patterns)(name)
