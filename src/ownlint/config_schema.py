"""The ``ownlint.yaml`` schema as data, and a validator whose errors name the key path and line.

In the manner of cfgv: a schema is a small tree of checkers; every error says
``FILE:LINE: key.path: what was expected, what was found``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ownlint.errors import ConfigError
from ownlint.nesting import MAX_DEPTH, too_deep

# libyaml composes nodes with the same marks as the pure-Python loader, ten times faster
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path = tuple[str | int, ...]
Checker = Callable[[Any, Path, "Located"], None]


@dataclass(frozen=True)
class Located:
    """A loaded YAML document and the line of every value in it, by key path."""

    file: str
    data: Any
    lines: dict[Path, int]

    def fail(self, path: Path, message: str) -> ConfigError:
        line = self.lines.get(path, self.lines.get(path[:-1], 1)) if path else 1
        return ConfigError(f"{self.file}:{line}: {dotted(path) or '(top level)'}: {message}")


def dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def load_located(text: str, file: str) -> Located:
    deep = too_deep(text)
    if deep is not None:
        raise ConfigError(f"{file}:{deep}: invalid YAML: nested more than {MAX_DEPTH} levels deep")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(f"{file}:{line}: invalid YAML: {error.problem}") from None
    except (yaml.YAMLError, RecursionError) as error:
        raise ConfigError(f"{file}: invalid YAML: {error}") from None
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return Located(file, data, lines)


def _record_lines(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _record_lines(value, (*path, str(key.value)), lines)
            lines[(*path, str(key.value))] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines)


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def string(value: Any, path: Path, doc: Located) -> None:
    if not isinstance(value, str) or not value:
        raise doc.fail(path, f"expected a non-empty string, got {_type_name(value)}")


def date(value: Any, path: Path, doc: Located) -> None:
    if not isinstance(value, datetime.date):
        raise doc.fail(path, f"expected a date YYYY-MM-DD, got {value!r}")


def list_of(item: Checker) -> Checker:
    def check(value: Any, path: Path, doc: Located) -> None:
        if not isinstance(value, list):
            raise doc.fail(path, f"expected a list, got {_type_name(value)}")
        for index, element in enumerate(value):
            item(element, (*path, index), doc)

    return check


def one_of(*choices: str) -> Checker:
    def check(value: Any, path: Path, doc: Located) -> None:
        if value not in choices:
            raise doc.fail(path, f"expected one of {', '.join(choices)}, got {value!r}")

    return check


def map_of(value_checker: Checker, key_checker: Checker | None = None) -> Checker:
    def check(value: Any, path: Path, doc: Located) -> None:
        if not isinstance(value, dict):
            raise doc.fail(path, f"expected a mapping, got {_type_name(value)}")
        for key, element in value.items():
            if key_checker is not None:
                key_checker(key, (*path, key), doc)
            value_checker(element, (*path, key), doc)

    return check


def struct(fields: Mapping[str, Checker], required: tuple[str, ...] = ()) -> Checker:
    def check(value: Any, path: Path, doc: Located) -> None:
        if not isinstance(value, dict):
            raise doc.fail(path, f"expected a mapping, got {_type_name(value)}")
        for key in value:
            if key not in fields:
                raise doc.fail((*path, key), f"unknown key{did_you_mean(key, fields)}")
        for key in required:
            if key not in value:
                raise doc.fail(path, f"missing required key {key!r}")
        for key, element in value.items():
            fields[key](element, (*path, key), doc)

    return check


def string_or_list(value: Any, path: Path, doc: Located) -> None:
    (list_of(string) if isinstance(value, list) else string)(value, path, doc)


def _deny(origin: Checker, location: Checker) -> Checker:
    """``{from, to}`` (a path boundary) or ``{operator_location, FACT: [values]}`` (residency)."""

    def check(value: Any, path: Path, doc: Located) -> None:
        if not isinstance(value, dict):
            raise doc.fail(path, f"expected a mapping, got {_type_name(value)}")
        for key, element in value.items():
            where = (*path, key)
            if key == "from":
                origin(element, where, doc)
            elif key == "to":
                map_of(list_of(string))(element, where, doc)
            elif key == "operator_location":
                list_of(location)(element, where, doc)
            elif key == "category":
                list_of(string)(element, where, doc)
            else:
                list_of(string)(element, where, doc)  # a fact's denied values; the fact is checked later
        facts = [k for k in value if k not in ("from", "to", "operator_location", "category")]
        if "operator_location" in value and (not facts or "to" in value or "from" in value):
            raise doc.fail(path, "a residency boundary needs operator_location and at least one fact, nothing else")
        if "operator_location" not in value and ("to" not in value or facts):
            raise doc.fail(path, "expected {from, to} (a path boundary) or {operator_location, FACT} (residency)")

    return check


def did_you_mean(word: str, choices: Any) -> str:
    import difflib  # only on errors

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def config_schema(rule_ids: tuple[str, ...]) -> Checker:
    def rule_id(value: Any, path: Path, doc: Located) -> None:
        if value not in rule_ids:
            raise doc.fail(path, f"unknown rule id {value!r}{did_you_mean(value, rule_ids)}")

    msp = struct(
        {
            "location": one_of("onshore", "nearshore", "offshore"),
            "contracts": list_of(string),
            "escalation": string,
            "identities": struct(
                {
                    "aws_principals": list_of(string),
                    "k8s_subjects": list_of(string),
                    "cidrs": list_of(string),
                    "gcp_members": list_of(string),
                    "azure_principals": list_of(string),
                }
            ),
        }
    )
    category = struct(
        {
            "match": list_of(string),
            "owners": list_of(one_of("internal", "msp")),
            "operators": list_of(one_of("internal", "msp", "shared")),
            "requires": list_of(string),
        }
    )
    inheritance = struct({"match": list_of(string), "from": list_of(string)}, required=("match", "from"))
    waiver = struct(
        {
            "rule": rule_id,
            "resource": string,
            "reason": string,
            "expires": date,
            "approved_by": string,
        },
        required=("rule", "resource", "reason"),
    )
    location = one_of("onshore", "nearshore", "offshore")
    boundary = struct(
        {
            "name": string,
            "description": string,
            "deny": _deny(struct({"party": string_or_list, "location": list_of(location)}), location),
        },
        required=("name", "deny"),
    )
    return struct(
        {
            "extends": string,
            "keys": map_of(list_of(string)),
            "labels": map_of(list_of(string)),
            "parties": struct({"internal": list_of(string), "msp": map_of(msp)}),
            "exempt": list_of(string),
            "categories": map_of(category),
            "inherit": map_of(inheritance),
            "rules": map_of(struct({"severity": one_of("error", "warning", "info", "off")}), rule_id),
            "boundaries": list_of(boundary),
            "codeowners": struct({"file": string, "teams": map_of(string)}, required=("teams",)),
            "waivers": list_of(waiver),
            "defaults": list_of(struct({"path": string, "values": map_of(string)}, required=("path", "values"))),
        }
    )
