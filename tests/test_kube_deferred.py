"""Issue 20, a cold run's YAML: libyaml's composer calls no Python ``resolve`` per node (``construct.defer``); a plain
scalar that is text is told by its first character, another resolved once per text a run (``construct._PLAIN``)."""

from __future__ import annotations

from typing import Any

import pytest

from ownlint.loaders.kubernetes import documents
from ownlint.loaders.kubernetes.schema import ManifestLoader


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The values ``ManifestLoader.resolve`` is called with, from now on."""
    calls: list[Any] = []
    resolve = ManifestLoader.resolve

    def counting(self: ManifestLoader, kind: Any, value: Any, implicit: Any) -> Any:
        calls.append(value)
        return resolve(self, kind, value, implicit)

    monkeypatch.setattr(ManifestLoader, "resolve", counting)
    return calls


def test_text_scalars_and_collections_are_composed_without_a_resolve_call(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counted(monkeypatch)
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {app: web}}\ndata: {a: 'x', b: \"12\", c: [d, e]}\n"
    found, problems, plain = documents.parsed(text, "m.yaml")
    assert [m.data for m in found] == [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"labels": {"app": "web"}},
            "data": {"a": "x", "b": "12", "c": ["d", "e"]},
        }
    ]
    assert (problems, plain) == ([], True)
    assert calls == []


def test_a_plain_scalar_that_may_be_typed_is_resolved_once_per_text(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counted(monkeypatch)
    text = "".join(
        f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: n{i}, number: 12, flag: true}}\n" for i in "abc"
    )
    found, _, _ = documents.parsed(text, "m.yaml")
    assert [m.data["metadata"] for m in found] == [{"name": f"n{i}", "number": 12, "flag": True} for i in "abc"]
    assert calls.count("name") <= 1
    assert calls.count("12") <= 1
    assert calls.count("true") <= 1


def test_the_texts_kept_resolved_are_short_and_bounded() -> None:
    from ownlint.loaders.kubernetes import construct

    many = "".join(f"n{i}: 1\n" for i in range(construct._MAX_PLAINS + 100))
    long = "n" + "x" * construct._MAX_PLAIN_TEXT
    found, _, _ = documents.parsed(f"{many}{long}: 2\n", "m.yaml")
    assert found[0].data[long] == 2
    assert len(construct._PLAIN) <= construct._MAX_PLAINS
    assert long not in construct._PLAIN
