"""Issue 20, the Kubernetes side: the quick YAML construction (``loaders/kubernetes/construct.py``) and the
quick resolver (``schema.ManifestLoader.resolve``) give exactly the documents, key lines and problems that
PyYAML's own constructor and resolver gave, on every fixture manifest and on tricky YAML."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from tests.conftest import FIXTURES

from ownlint.loaders.kubernetes import documents
from ownlint.loaders.kubernetes.schema import ManifestLoader
from ownlint.loaders.nesting import too_deep

TRICKY = {
    "anchors": "a: &x {k: v}\nb: *x\nc: &s text\nd: *s\nl: &l [1, 2]\nm: *l\n",
    "merge": "base: &b {app: x, team: a}\nobj:\n  <<: *b\n  team: b\n",
    "merge list": "a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n  z: 4\n",
    "merge bad": "c:\n  <<: 3\n",
    "multi": "---\na: 1\n---\n- x\n---\nb: 2\n...\n---\n",
    "tags": "a: !!str 1\nb: !!int '7'\nc: !!float 1\nd: !!bool yes\ne: !!null x\nf: !!binary aGk=\n",
    "timestamp": "a: !!timestamp 2001-12-14\nb: 2001-12-14\n",
    "set omap": "s: !!set {a, b}\no: !!omap [a: 1, b: 2]\np: !!pairs [a: 1]\n",
    "custom tag": "a: !custom x\n",
    "python tag": "a: !!python/object:os.system x\n",
    "local tag map": "a: !thing {b: 1}\n",
    "yaml 1.1": "a: on\nb: yes\nc: off\nd: no\ne: 0755\nf: 1:30\ng: 1_000\nh: =\ni: Y\n",
    "yaml 1.2": "a: 0o17\nb: 0x1F\nc: -0\nd: +12\ne: 1e3\nf: 1.5\ng: .inf\nh: -.Inf\ni: .nan\nj: ~\nk: Null\nl:\nm: TRUE\n",
    "quoted": "a: 'true'\nb: \"1\"\nc: 'null'\nd: \"\"\n",
    "keys": "1: a\ntrue: b\n~: c\n1.5: d\n'1': e\n0x10: f\n",
    "duplicate keys": "a: 1\nb: 2\na: 3\n",
    "complex key": "? [a, b]\n: c\n",
    "map key": "? {a: 1}\n: c\n",
    "recursive": "a: &a [*a]\n",
    "recursive map": "&m {self: *m}\n",
    "bad int": "a: !!int abc\n",
    "bad float": "a: !!float abc\n",
    "value key": "!!value =: 1\n",
    "deep list": "a: " + "[" * 900 + "]" * 900 + "\n",
    "deep map": "a: " + "{b: " * 900 + "1" + "}" * 900 + "\n",
    "syntax error": "a: 1\n---\nb: [\n---\nc: 3\n",
    "scalar doc": "just text\n",
    "kind list": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n",
    "manifest": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &l\n    team: a\n    on: yes\n"
        "  annotations:\n    owner: x\nspec:\n  template:\n    metadata:\n      labels: *l\n"
    ),
}


def _typed(value: Any, ids: dict[int, int], depth: int = 0) -> Any:
    """``value`` with every scalar's type, and which containers are the same object (an alias); 300 levels."""
    if isinstance(value, dict | list):
        if id(value) in ids or depth > 300:
            return ("same", ids.get(id(value)))
        shared = ids.setdefault(id(value), len(ids))
        if isinstance(value, dict):
            return ("dict", shared, [(_typed(k, ids, depth + 1), _typed(v, ids, depth + 1)) for k, v in value.items()])
        return ("list", shared, [_typed(v, ids, depth + 1) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def _parsed(text: str) -> Any:
    """What ``documents_of`` gives, in a comparable form (an exception is its type and message)."""
    try:
        found, problems = documents.documents_of(text, "m.yaml")
    except Exception as error:  # the old code's exceptions must be kept too
        return ("raised", type(error).__name__, str(error))
    ids: dict[int, int] = {}
    return (
        [(_typed(m.data, ids), m.line, m.end_line, sorted(m.lines.items())) for m in found],
        [(p.file, p.line, p.message) for p in problems],
    )


def _old(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's own constructor and resolver, as the loader used them before."""
    monkeypatch.setattr(documents, "construct", lambda loader, node: loader.construct_document(node))
    monkeypatch.setattr(ManifestLoader, "resolve", yaml.resolver.BaseResolver.resolve)


def _texts() -> dict[str, str]:
    found = dict(TRICKY)
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".yaml", ".yml") and path.is_file():
            found[str(path.relative_to(FIXTURES))] = path.read_text(encoding="utf-8", errors="replace")
    return found


def test_quick_construction_gives_the_old_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    assert len(texts) > len(TRICKY) + 50  # the fixture manifests are there
    new = {name: _parsed(text) for name, text in texts.items()}
    _old(monkeypatch)
    old = {name: _parsed(text) for name, text in texts.items()}
    assert [name for name in texts if new[name] != old[name]] == []


def _naive(node: yaml.Node) -> Any:
    """A careless construction: aliases copied, ``<<`` a plain key, ``int()`` for every integer."""
    if isinstance(node, yaml.ScalarNode):
        scalars = {"int": int, "bool": lambda t: t.lower() == "true", "null": lambda t: None, "float": float}
        return scalars.get(node.tag.rsplit(":", 1)[-1], str)(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_naive(n) for n in node.value]
    return {_naive(k): _naive(v) for k, v in node.value}


@pytest.mark.parametrize("name", ["anchors", "merge", "yaml 1.2", "keys"])
def test_the_comparison_sees_a_construction_that_differs(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The equivalence above can fail: a walk that ignored aliases, merges or ``0o``/``0x`` integers is caught."""
    before = _parsed(TRICKY[name])
    monkeypatch.setattr(documents, "construct", lambda loader, node: _naive(node))
    assert _parsed(TRICKY[name]) != before


def test_quick_resolver_tags_every_node_as_pyyaml_did() -> None:
    class Reference(ManifestLoader):
        resolve = yaml.resolver.BaseResolver.resolve

    for text in _texts().values():
        if too_deep(text) is not None:
            continue  # never composed (libyaml would overflow its stack)
        try:
            quick = [_tags(n, set()) for n in yaml.compose_all(text, Loader=ManifestLoader)]
            reference = [_tags(n, set()) for n in yaml.compose_all(text, Loader=Reference)]
        except (yaml.YAMLError, RecursionError):
            continue  # a deep fixture: its tags are compared by the documents above
        assert quick == reference


def _tags(node: yaml.Node, seen: set[int]) -> Any:
    """Every node's tag, each node once (an alias bomb stays small)."""
    if id(node) in seen or isinstance(node, yaml.ScalarNode):
        return node.tag
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        return [node.tag, *(_tags(n, seen) for n in node.value)]
    return [node.tag, *((_tags(k, seen), _tags(v, seen)) for k, v in node.value)]
