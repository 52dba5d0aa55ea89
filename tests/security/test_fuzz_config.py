"""Fuzzing the config loader: random YAML text, mutated real configs, and generated structures (valid
shapes with wrong types, unknown keys, aliases, deep nesting, odd scalars) through ``load_config``. It
returns a ``Config`` or raises a one-line ``ConfigError`` naming the file, in bounded time; never
anything else. ``pytest --hypothesis-profile=long`` runs many more examples."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import FIXTURES, ROOT

from ownlint.config import Config, load_config, preset_text
from ownlint.errors import ConfigError
from ownlint.rules import KNOWN_IDS

SLOW = 2.0  # seconds: no config may take longer
SEEDS = [preset_text(), *(p.read_text() for p in sorted((ROOT / "policies").rglob("*.yaml")))]
SEEDS += [p.read_text() for p in sorted(FIXTURES.rglob("ownlint.yaml"))]
YAML_TOKENS = st.sampled_from(
    [
        *"{}[]:-&*!|>'\"#\n ,?%@`abc019",
        "\n  ",
        "\n- ",
        "---\n",
        "!!python/object ",
        "!!binary ",
        "!!set ",
        "<<: ",
        "&a ",
        "*a",
        "&b [*a, *a, *a] ",
        "2027-02-30",
        "1" * 120,
        "1:59:59",
        "0x",
        ".inf",
        "~",
        "yes",
        "\t",
        "\\u0000",
        "\x00",
        "\x1b[31m",
        "keys:",
        "owner:",
        "parties:",
        "msp:",
        "waivers:",
        "expires:",
        "codeowners:",
        "file: ../x",
    ]
)
KEYS = st.sampled_from(
    [
        "extends",
        "keys",
        "labels",
        "parties",
        "internal",
        "msp",
        "location",
        "contracts",
        "identities",
        "cidrs",
        "categories",
        "match",
        "owners",
        "operators",
        "requires",
        "exempt",
        "inherit",
        "from",
        "rules",
        "OWN001",
        "severity",
        "boundaries",
        "name",
        "deny",
        "to",
        "operator_location",
        "codeowners",
        "file",
        "teams",
        "waivers",
        "rule",
        "resource",
        "reason",
        "expires",
        "approved_by",
        "defaults",
        "path",
        "values",
        "owner",
        "data-classification",
        "unknown-key",
    ]
)
SCALARS = st.one_of(
    st.sampled_from(
        [
            "hybrid-it",
            "none",
            "internal",
            "msp",
            "offshore",
            "error",
            "off",
            "OWN001",
            "OWN999",
            "aws_*",
            "/etc/passwd",
            "../CODEOWNERS",
            ".git/config",
            "2027-01-31",
            "2027-02-30",
            "2027-01-31 10:00:00",
            "",
        ]
    ),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)
STRUCTURES = st.dictionaries(KEYS, VALUES, max_size=6)
RAW = st.one_of(  # scalars written as they are, unquoted: YAML decides what they are
    st.sampled_from(
        [
            "2027-02-30",
            "2027-01-31 25:00:00",
            "2027-01-31t10:00:00Z",
            "1" * 5000,
            "1" + ":59" * 3000,
            "0b" + "1" * 3000,
            "0x" + "f" * 200,
            "1e400",
            "-.inf",
            ".nan",
            "yes",
            "off",
            "~",
            "null",
            "!!binary AAAA",
            "!!binary !!!",
            "!!timestamp 2027-99-99",
            "!!int x",
            "!!float x",
            "!!python/none ''",
            "&a x",
            "*a",
            "[*a, *a]",
            "{<<: {a: 1}}",
            "? [a]",
            "'\\x00'",
            '"\\ud800"',
            '"\\x1b]0;title\\x07"',
            "|\n  block",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=10),
)
RAW_VALUES = st.recursive(
    RAW, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)), max_leaves=12
)


def _emit(value: Any, indent: int = 0) -> str:
    """Block YAML with every scalar written raw."""
    pad = " " * indent
    if isinstance(value, dict):
        return "".join(
            f"{pad}{key}:\n{_emit(item, indent + 2)}"
            if isinstance(item, (dict, list)) and item
            else f"{pad}{key}: {item}\n"
            for key, item in value.items()
        )
    if isinstance(value, list):
        return "".join(
            f"{pad}-\n{_emit(item, indent + 2)}" if isinstance(item, (dict, list)) and item else f"{pad}- {item}\n"
            for item in value
        )
    return f"{pad}{value}\n"


MESSAGE = re.compile(r"^[^\n]+\.yaml(:\d+)?: [^\n]+$")


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _loads_or_fails_cleanly(directory: Path, text: str) -> None:
    target = directory / "ownlint.yaml"
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    started = time.monotonic()
    try:
        assert isinstance(load_config(target, KNOWN_IDS), Config)
    except ConfigError as error:
        assert MESSAGE.match(str(error)), str(error)
        assert str(error).startswith(str(target)), str(error)
    assert time.monotonic() - started < SLOW


def _mutated(seed: str, edits: list[tuple[int, int, str]]) -> str:
    text = seed
    for position, length, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length :]
    return text


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(text=st.lists(YAML_TOKENS, max_size=200).map("".join))
def test_random_yaml_text(tmp_path: Path, text: str) -> None:
    _loads_or_fails_cleanly(tmp_path, text)


@FUZZ
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.integers(0, 20_000), st.integers(0, 7), st.lists(YAML_TOKENS, max_size=6).map("".join)),
        max_size=6,
    ),
)
def test_mutated_real_configs(tmp_path: Path, seed: str, edits: list[tuple[int, int, str]]) -> None:
    _loads_or_fails_cleanly(tmp_path, _mutated(seed, edits))


@FUZZ
@given(structure=STRUCTURES, flow=st.booleans())
def test_generated_structures(tmp_path: Path, structure: dict[str, Any], flow: bool) -> None:
    text = yaml.dump(structure, Dumper=_NoAliases, default_flow_style=flow, allow_unicode=True)
    _loads_or_fails_cleanly(tmp_path, text)


@FUZZ
@given(structure=st.dictionaries(KEYS, RAW_VALUES, max_size=6))
def test_generated_structures_with_raw_scalars(tmp_path: Path, structure: dict[str, Any]) -> None:
    _loads_or_fails_cleanly(tmp_path, _emit(structure))


@FUZZ
@given(
    structure=STRUCTURES,
    anchor=st.sampled_from(["&a ", "&a [1, 2] ", "!!str ", "!!python/name:os.system ", "<<: ", "*a "]),
    at=st.integers(0, 10_000),
    depth=st.integers(0, 3000),
)
def test_structures_with_aliases_tags_and_deep_nesting(
    tmp_path: Path, structure: dict[str, Any], anchor: str, at: int, depth: int
) -> None:
    text = yaml.dump(structure, Dumper=_NoAliases, default_flow_style=False)
    lines = text.splitlines(keepends=True) or ["\n"]
    index = at % len(lines)
    line = lines[index]
    colon = line.find(": ")
    lines[index] = line[: colon + 2] + anchor + line[colon + 2 :] if colon >= 0 else anchor + line
    nested = (
        "deep: " + "[" * depth + "]" * depth + "\n"
        if depth % 2
        else "".join("  " * i + "k:\n" for i in range(depth // 20))
    )
    _loads_or_fails_cleanly(tmp_path, "".join(lines) + nested)
