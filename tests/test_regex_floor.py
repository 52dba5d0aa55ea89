"""Every regular expression ownlint compiles is one the oldest Python it supports can compile.

``requires-python`` says 3.10, while CI runs 3.11: possessive quantifiers (``*+``) and atomic groups
(``(?>...)``) compile on 3.11 and raise ``re.error`` on 3.10 at import, so a pattern with one broke every
Terraform parse there (the text reader's, once)."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import ownlint

NEWER = {"POSSESSIVE_REPEAT": (3, 11), "ATOMIC_GROUP": (3, 11)}  # opcode -> the Python that first compiles it


def _floor() -> tuple[int, int]:
    project = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    found = re.search(r'^requires-python = ">=(\d+)\.(\d+)"$', project, re.MULTILINE)
    assert found is not None
    return int(found[1]), int(found[2])


def _opcodes(parsed: Any) -> set[str]:
    """The names of the opcodes anywhere in a parsed pattern (``re._parser``'s nested lists and tuples)."""
    found: set[str] = set()
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple) and len(item) == 2 and type(item[0]).__name__ == "_NamedIntConstant":
            found.add(str(item[0]))
            stack.append(item[1])
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "SubPattern":
            stack.extend(item)
    return found


def _patterns() -> list[tuple[str, re.Pattern[Any]]]:
    found = []
    for module in pkgutil.walk_packages(ownlint.__path__, "ownlint."):
        try:
            loaded = importlib.import_module(module.name)
        except ImportError:  # an extra that is not installed: its patterns are checked where it is
            continue
        for name, value in vars(loaded).items():
            if isinstance(value, re.Pattern):
                found.append((f"{module.name}.{name}", value))
    return found


def test_the_walk_finds_what_3_10_cannot_compile() -> None:
    from re import _parser  # type: ignore[attr-defined]

    assert _opcodes(_parser.parse(r"(a*+|x)[c]+")) >= {"POSSESSIVE_REPEAT", "BRANCH", "MAX_REPEAT"}
    assert "ATOMIC_GROUP" in _opcodes(_parser.parse(r"x(?>b)"))
    assert not _opcodes(_parser.parse(r"a*(?![a-z])")) & set(NEWER)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the 3.11 parser tells the newer opcodes apart")
def test_no_pattern_needs_a_newer_python_than_requires_python_states() -> None:
    from re import _parser  # type: ignore[attr-defined]

    floor = _floor()
    patterns = _patterns()
    assert len(patterns) > 50  # the walk reached the package's modules
    needing = [
        (name, opcode)
        for name, pattern in patterns
        for opcode in _opcodes(_parser.parse(pattern.pattern, pattern.flags))
        if NEWER.get(opcode, floor) > floor
    ]
    assert needing == []
