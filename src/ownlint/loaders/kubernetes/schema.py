"""The YAML loader manifests are read with: libyaml (``CSafeLoader``) with the scalars of YAML 1.2's core
schema, as kubectl's JSON sees them. YAML 1.1's ``on``/``yes``/``off``/``no``, its octal ``0755``, sexagesimal
``1:30``, dates and the ``=`` of its ``!!value`` tag stay strings; ``true``/``false``, ``null``/``~``, decimal,
``0o`` and ``0x`` integers and floats are typed. Merge keys (``<<``) still merge, as in Go's YAML."""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # libyaml is several times faster; the pure-Python loader is the fallback
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"
# (tag, pattern, first characters): the implicit resolvers of the core schema, YAML 1.2.2 section 10.3.2
_CORE: tuple[tuple[str, str, str], ...] = (
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (  # the core schema's, but digits alone are no float: `0755` (YAML 1.1 octal) stays a string
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("merge", r"^(?:<<)$", "<"),
)


FIRST = frozenset("".join(first for _, _, first in _CORE))  # where no resolver starts, a plain scalar is text


class ManifestLoader(_SafeLoader):
    """``CSafeLoader`` whose plain scalars resolve by the core schema (libyaml asks the Python resolver)."""

    yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 - PyYAML's class-level table, emptied
    unusual = False  # a document needed PyYAML's constructor (``construct``): JSON may not give its data back
    # libyaml's composer calls these for every node; without path resolvers (none are added) PyYAML's do
    # nothing: C callables that do nothing either, at a fraction of a Python call's cost
    descend_resolver = staticmethod(slice)  # type: ignore[assignment]
    ascend_resolver = staticmethod(tuple)  # type: ignore[assignment]

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """PyYAML's ``resolve``, answering the common cases without scanning its tables (called per node)."""
        if not self.yaml_path_resolvers:
            if kind is yaml.ScalarNode and (not implicit[0] or (value and value[0] not in FIRST)):
                return self.DEFAULT_SCALAR_TAG
            if kind is yaml.MappingNode:
                return self.DEFAULT_MAPPING_TAG
            if kind is yaml.SequenceNode:
                return self.DEFAULT_SEQUENCE_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


for _name, _pattern, _first in _CORE:
    ManifestLoader.add_implicit_resolver(
        _TAG + _name, re.compile(_pattern), list(_first) + ([""] if _name == "null" else [])
    )


def core_int(text: str) -> int:
    """``0o17`` as 15 (PyYAML's own reads a leading 0 as YAML 1.1 octal, which the resolver no longer sends)."""
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 0) if text.startswith("0x") else int(text)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    return core_int(str(loader.construct_scalar(node)))  # type: ignore[arg-type]


ManifestLoader.add_constructor(_TAG + "int", _construct_int)
