"""The ``ownlint.yaml`` schema as data, and a validator whose errors name the key path and line.

In the manner of cfgv: a schema is a small tree of checkers; every error says
``FILE:LINE: key.path: what was expected, what was found``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

from ownlint.config.located import Located, Path

Checker = Callable[[Any, Path, "Located"], None]


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def string(value: Any, path: Path, doc: Located) -> None:
    if not isinstance(value, str) or not value:
        raise doc.fail(path, f"expected a non-empty string, got {_type_name(value)}")


def date(value: Any, path: Path, doc: Located) -> None:
    if isinstance(value, datetime.datetime):  # compared with today's date later, which would raise
        raise doc.fail(path, f"expected a date YYYY-MM-DD, got {value}")
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


def repository_path(value: Any, path: Path, doc: Located) -> None:
    """A file of the scanned repository: relative to its top, never out of it nor into ``.git/``."""
    string(value, path, doc)
    parts = [p for p in re.split(r"[\\/]", value) if p not in ("", ".")]
    if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", value):
        raise doc.fail(path, f"{value!r} is an absolute path; give one relative to the top of the repository")
    if any(p.lower() == ".git" for p in parts):
        raise doc.fail(path, f"{value!r} points into .git/, which is not part of the repository's content")
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 1
        if depth < 0:
            raise doc.fail(path, f"{value!r} leads out of the repository (..)")


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
            "codeowners": struct({"file": repository_path, "teams": map_of(string)}, required=("teams",)),
            # a chart's directory -> the values files `helm template` renders it with, beside its values.yaml
            "helm": struct({"values": map_of(list_of(repository_path), repository_path)}),
            "waivers": list_of(waiver),
            "defaults": list_of(struct({"path": string, "values": map_of(string)}, required=("path", "values"))),
        }
    )
