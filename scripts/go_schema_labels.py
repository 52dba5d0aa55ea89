"""Derive label attribute paths per resource type from a Terraform provider's Go source (SDKv2-style
schema maps), for when `terraform providers schema -json` cannot be had (no provider download offline).

Usage: python3 go_schema_labels.py google|google-beta|azurerm|oci PROVIDER_SOURCE_DIR > out.json

It finds each resource type's schema function through the provider's registration, then walks the
schema map literal: `"name": { Type: ...TypeMap ..., Elem: &schema.Resource{ Schema: map[...]{...} } }`,
following nested blocks and helper functions (`"node_config": schemaNodeConfig()`) by name. For every
attribute whose name ends in labels/tags it records the path of keys, whether it is a map, whether it
is computed only, its siblings (effective_labels/terraform_labels) and the first words of its
description. A survey tool: gofmt'd source is assumed; anything it cannot follow is listed as such.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

LABELISH = re.compile(r"^(?:[a-z0-9_]*_)?(?:labels|tags)$")
MAX_DEPTH = 8


def matching(text: str, at: int) -> int:
    """Index just after the bracket that closes the one at ``at`` (Go strings, runes, comments skipped)."""
    open_, close_ = text[at], {"{": "}", "(": ")", "[": "]"}[text[at]]
    depth = 0
    i = at
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "`":
            i = text.index("`", i + 1)
        elif c == "'":
            i += 1
            while i < n and text[i] != "'":
                i += 2 if text[i] == "\\" else 1
        elif c == "/" and text[i : i + 2] == "//":
            i = text.find("\n", i)
            if i < 0:
                return n
        elif c == "/" and text[i : i + 2] == "/*":
            i = text.index("*/", i) + 1
        elif c == open_:
            depth += 1
        elif c == close_:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def top_level_entries(body: str) -> list[tuple[str, str]]:
    """``"key": value`` entries at depth 1 of a composite literal body (``{...}``)."""
    entries = []
    i = 1
    n = len(body) - 1
    key_re = re.compile(r'\s*"([A-Za-z0-9_]+)"\s*:\s*')
    other_key = re.compile(r"\s*([A-Za-z_][\w.]*)\s*:\s*")
    while i < n:
        m = key_re.match(body, i)
        k = None
        if m:
            k = m.group(1)
            j = m.end()
        else:
            m = other_key.match(body, i)
            if not m:
                # skip a comment or stray token
                if body.startswith("//", i + len(body[i:]) - len(body[i:].lstrip())):
                    i = body.find("\n", i + len(body[i:]) - len(body[i:].lstrip()))
                    if i < 0:
                        break
                    continue
                j = i
                while j < n and body[j] in " \t\n,":
                    j += 1
                if j == i:
                    j += 1
                i = j
                continue
            j = m.end()
        # value extends to the next comma at depth 0
        start = j
        while j < n:
            c = body[j]
            if c in "{([":
                j = matching(body, j)
                continue
            if c == '"':
                j += 1
                while j < n and body[j] != '"':
                    j += 2 if body[j] == "\\" else 1
            elif c == "`":
                j = body.index("`", j + 1)
            elif c == "/" and body[j : j + 2] == "//":
                j = body.find("\n", j)
                continue
            elif c == ",":
                break
            j += 1
        value = body[start:j].strip()
        if k is not None:
            entries.append((k, value))
        else:
            entries.append(("." + m.group(1), value))
        i = j + 1
    return entries


def split_args(text: str) -> list[str]:
    """Arguments of a call, split at top-level commas."""
    args, start, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c in "{([":
            i = matching(text, i)
            continue
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "`":
            i = text.index("`", i + 1)
        elif c == ",":
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    if text[start:].strip():
        args.append(text[start:].strip())
    return args


class Package:
    """All function bodies of a provider source tree, by name (last component)."""

    def __init__(self, root: Path) -> None:
        self.funcs: dict[str, list[tuple[str, str]]] = {}  # name -> [(file, body)]
        self.files: dict[str, str] = {}
        self.vars: dict[str, list[tuple[str, str]]] = {}  # package-level `var X = map...{...}`
        func_re = re.compile(r"^func (?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*\(", re.M)
        var_re = re.compile(r"^(?:var\s+|\t)([A-Za-z_]\w*)\s*=\s*(map\[string\]\*(?:schema|pluginsdk)\.Schema\{)", re.M)
        for top, _dirs, files in os.walk(root):
            for f in files:
                if not f.endswith(".go") or f.endswith("_test.go"):
                    continue
                path = os.path.join(top, f)
                text = Path(path).read_text("utf-8", "replace")
                self.files[path] = text
                for m in func_re.finditer(text):
                    brace = text.find("{\n", m.end())
                    if brace < 0:
                        continue
                    end = matching(text, brace)
                    self.funcs.setdefault(m.group(1), []).append((path, text[brace:end]))
                for m in var_re.finditer(text):
                    start = m.start(2)
                    self.vars.setdefault(m.group(1), []).append((path, text[start : matching(text, m.end() - 1)]))

    def var(self, name: str, near: str | None = None) -> str | None:
        return self._pick(self.vars.get(name), near)

    def body(self, name: str, near: str | None = None) -> str | None:
        return self._pick(self.funcs.get(name), near)

    def _pick(self, found: list[tuple[str, str]] | None, near: str | None) -> str | None:
        if not found:
            return None
        if near is not None:
            d = os.path.dirname(near)
            for path, body in found:
                if os.path.dirname(path) == d:
                    return body
        return found[0][1]


SCHEMA_LIT = re.compile(r"&(?:schema|pluginsdk)\.Schema\{")
RESOURCE_LIT = re.compile(r"&(?:schema|pluginsdk)\.Resource\{")
MAP_LIT = re.compile(r"map\[string\]\*(?:schema|pluginsdk)\.Schema\{")
CALL = re.compile(r"^(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*)\((.*)\)$", re.S)


class Walker:
    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.unresolved: set[str] = set()

    def schema_map(self, expr: str, near: str, depth: int) -> dict[str, str] | None:
        """A schema map from an expression: a map literal, or a call returning one."""
        expr = expr.strip()
        m = MAP_LIT.match(expr)
        if m:
            lit = expr[m.end() - 1 : matching(expr, m.end() - 1)]
            return dict((k, v) for k, v in top_level_entries(lit) if not k.startswith("."))
        if re.fullmatch(r"[A-Za-z_]\w*", expr):
            value = self.pkg.var(expr, near)
            return self.schema_map(value, near, depth + 1) if value is not None and depth < MAX_DEPTH else None
        c = CALL.match(expr)
        if c and c.group(1) == "MergeSchemas":
            merged: dict[str, str] = {}
            for arg in split_args(c.group(2)):
                part = self.schema_map(arg, near, depth + 1)
                if part is None:
                    self.unresolved.add("MergeSchemas:" + arg[:30])
                else:
                    merged.update(part)
            return merged
        if c and depth < MAX_DEPTH:
            body = self.pkg.body(c.group(1), near)
            if body is None:
                self.unresolved.add(c.group(1))
                return None
            # merged schemas (`s := map...{}; for k, v := range other() { s[k] = v }`) are not followed
            m = MAP_LIT.search(body)
            if m:
                lit = body[m.end() - 1 : matching(body, m.end() - 1)]
                return dict((k, v) for k, v in top_level_entries(lit) if not k.startswith("."))
            m = RESOURCE_LIT.search(body)
            if m:
                return self.resource_schema(body[m.end() - 1 : matching(body, m.end() - 1)], near, depth + 1)
        return None

    def resource_schema(self, lit: str, near: str, depth: int) -> dict[str, str] | None:
        """The Schema of a ``&schema.Resource{...}`` literal body."""
        for k, v in top_level_entries(lit):
            if k == ".Schema":
                return self.schema_map(v, near, depth + 1)
        return None

    def attribute(self, expr: str, near: str, depth: int) -> tuple[dict[str, str], dict[str, str] | None]:
        """(fields of the ``&schema.Schema{}``, nested block schema or None) of an attribute's value."""
        expr = expr.strip()
        lit = None
        if expr.startswith("{"):
            lit = expr
        else:
            m = SCHEMA_LIT.match(expr)
            if m:
                lit = expr[m.end() - 1 :]
            else:
                c = CALL.match(expr)
                if c and depth < MAX_DEPTH:
                    body = self.pkg.body(c.group(1), near)
                    if body is None:
                        self.unresolved.add(c.group(1))
                        return {"call": c.group(1)}, None
                    m = SCHEMA_LIT.search(body)
                    if not m:
                        return {"call": c.group(1)}, None
                    lit = body[m.end() - 1 : matching(body, m.end() - 1)]
                    fields = dict((k[1:], v) for k, v in top_level_entries(lit) if k.startswith("."))
                    fields["call"] = c.group(1)
                    return fields, self._elem(fields, near, depth)
        if lit is None:
            return {"expr": expr[:60]}, None
        fields = dict((k[1:], v) for k, v in top_level_entries(lit) if k.startswith("."))
        return fields, self._elem(fields, near, depth)

    def _elem(self, fields: dict[str, str], near: str, depth: int) -> dict[str, str] | None:
        elem = fields.get("Elem", "")
        m = RESOURCE_LIT.match(elem.strip())
        if m:
            e = elem.strip()
            return self.resource_schema(e[m.end() - 1 : matching(e, m.end() - 1)], near, depth + 1)
        c = CALL.match(elem.strip())
        if c and depth < MAX_DEPTH:
            body = self.pkg.body(c.group(1), near)
            if body is not None:
                m = RESOURCE_LIT.search(body)
                if m:
                    return self.resource_schema(body[m.end() - 1 : matching(body, m.end() - 1)], near, depth + 1)
        return None

    def labels(self, schema: dict[str, str], near: str, path: tuple[str, ...] = (), depth: int = 0) -> list[dict]:
        found = []
        for key, value in schema.items():
            fields, nested = self.attribute(value, near, depth)
            if LABELISH.match(key):
                typ = fields.get("Type", "")
                call = fields.get("call", "")
                desc = re.sub(r"\s+", " ", fields.get("Description", ""))[:140]
                computed_only = (
                    fields.get("Computed") == "true" and "Optional" not in fields and "Required" not in fields
                )
                found.append(
                    {
                        "path": [*path, key],
                        "type": typ.split(".")[-1] if typ else (call or fields.get("expr", "?")),
                        "computed_only": computed_only or call in ("TagsDataSource",),
                        "siblings": sorted(k for k in schema if k in ("effective_labels", "terraform_labels")),
                        "description": desc,
                    }
                )
            if nested and depth < MAX_DEPTH:
                found += self.labels(nested, near, (*path, key), depth + 1)
        return found


def registrations(provider: str, pkg: Package) -> dict[str, tuple[str, str]]:
    """resource type -> (schema expression, file)."""
    out: dict[str, tuple[str, str]] = {}
    if provider.startswith("google"):
        reg = re.compile(
            r'registry\.Schema\{\s*Name:\s*"(google_\w+)",.*?Type:\s*registry\.SchemaTypeResource,\s*Schema:\s*([^\n]+),',
            re.S,
        )
        for path, text in pkg.files.items():
            for m in reg.finditer(text):
                out[m.group(1)] = (m.group(2).strip(), path)
    elif provider == "azurerm":
        sup = re.compile(r"func \(\w* ?\*?\w+\) SupportedResources\(\) map\[string\]\*pluginsdk\.Resource \{")
        ent = re.compile(r'"(azurerm_\w+)":\s*([A-Za-z_][\w.]*\(\)),')
        typed_list = re.compile(r"func \(\w* ?\*?\w+\) Resources\(\) \[\]sdk\.Resource \{")
        rtype = re.compile(r'func \((?:\w+ )?\*?(\w+)\) ResourceType\(\) string \{\s*return "(azurerm_\w+)"')
        args = re.compile(r"func \((?:\w+ )?\*?(\w+)\) Arguments\(\) map\[string\]\*(?:schema|pluginsdk)\.Schema \{")
        typed: dict[str, str] = {}
        arg_body: dict[tuple[str, str], str] = {}
        listed: set[str] = set()
        for path, text in pkg.files.items():
            for m in typed_list.finditer(text):
                body = text[m.end() - 1 : matching(text, m.end() - 1)]
                listed.update(re.findall(r"(\w+)\{\}", body))
            for m in sup.finditer(text):
                body = text[m.end() - 1 : matching(text, m.end() - 1)]
                for e in ent.finditer(body):
                    out[e.group(1)] = (e.group(2), path)
            for m in rtype.finditer(text):
                typed[m.group(1)] = m.group(2)
            for m in args.finditer(text):
                arg_body[(os.path.dirname(path), m.group(1))] = (text[m.end() - 1 : matching(text, m.end() - 1)], path)
        for (_directory, struct), (body, path) in arg_body.items():
            if struct in typed and struct in listed and typed[struct] not in out:
                out[typed[struct]] = ("BODY" + body, path)
    elif provider == "oci":
        reg = re.compile(r'tfresource\.RegisterResource\("(oci_\w+)",\s*([\w.]+\(\))\)')
        for path, text in pkg.files.items():
            for m in reg.finditer(text):
                out[m.group(1)] = (m.group(2), path)
    return out


def main() -> None:
    provider, root = sys.argv[1], Path(sys.argv[2])
    pkg = Package(root)
    walker = Walker(pkg)
    result: dict[str, list[dict]] = {}
    unresolved_types = []
    for rtype, (expr, path) in sorted(registrations(provider, pkg).items()):
        if expr.startswith("BODY"):
            body = expr[4:]
            m = MAP_LIT.search(body)
            schema = (
                dict(
                    (k, v)
                    for k, v in top_level_entries(body[m.end() - 1 : matching(body, m.end() - 1)])
                    if not k.startswith(".")
                )
                if m
                else None
            )
        else:
            c = CALL.match(expr)
            body = pkg.body(c.group(1), path) if c else None
            schema = None
            if body is not None:
                m = RESOURCE_LIT.search(body)
                if m:
                    schema = walker.resource_schema(body[m.end() - 1 : matching(body, m.end() - 1)], path, 0)
        if schema is None:
            unresolved_types.append(rtype)
            continue
        result[rtype] = walker.labels(schema, path)
    json.dump(
        {
            "provider": provider,
            "types": result,
            "unresolved_types": unresolved_types,
            "unresolved_calls": sorted(walker.unresolved),
        },
        sys.stdout,
        indent=1,
    )


if __name__ == "__main__":
    main()
