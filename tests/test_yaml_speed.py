"""Issue 20, the Kubernetes side: the quick YAML construction (``loaders/kubernetes/construct.py``) and the
quick resolver (``schema.ManifestLoader.resolve``) give exactly the documents, key lines and problems that
PyYAML's own constructor and resolver gave, on every fixture manifest and on tricky YAML."""

from __future__ import annotations

import gc
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import FIXTURES, write_tree

from ownlint.loaders.kubernetes import composing, documents
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
    monkeypatch.setattr(composing, "construct", lambda loader, node: loader.construct_document(node))
    monkeypatch.setattr(composing, "defer", lambda loader: None)  # tags resolved as libyaml composes
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
    monkeypatch.setattr(composing, "construct", lambda loader, node: _naive(node))
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


# --- issue 20, second pass: the manifest cache, key lines, resolver calls, garbage collection ---------------

KEYS = {
    "duplicate metadata": "metadata:\n  name: a\nmetadata:\n  labels: {x: 1}\n",
    "duplicate labels": "metadata:\n  labels:\n    a: 1\n  labels:\n    b: 2\n",
    "non-scalar keys": "? [metadata]\n: 1\nmetadata:\n  ? {labels: 1}\n  : 2\n  labels: {a: 1}\n",
    "cronjob": (
        "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n"
        "        metadata:\n          labels:\n            team: a\n          annotations: {owner: b}\n"
    ),
    "pod template": "spec:\n  template:\n    metadata:\n      labels:\n        app: x\n",
    "not a mapping": "- a\n- b\n",
}


def _old_key_lines(node: yaml.Node) -> dict[tuple[str, ...], int]:
    """The key lines as ``composing._key_lines`` found them before (a generator per lookup)."""

    def child(node: yaml.Node | None, path: tuple[str, ...]) -> yaml.Node | None:
        for name in path:
            if not isinstance(node, yaml.MappingNode):
                return None
            node = next((v for k, v in node.value if getattr(k, "value", None) == name), None)
        return node

    lines: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            lines[(str(key.value),)] = key.start_mark.line + 1
    wanted = [("metadata",), ("spec", "template", "metadata"), ("spec", "jobTemplate", "spec", "template", "metadata")]
    for prefix in wanted:
        meta = child(node, prefix)
        if meta is None:
            continue
        lines[prefix] = meta.start_mark.line + 1
        for section in ("labels", "annotations"):
            mapping = child(meta, (section,))
            if isinstance(mapping, yaml.MappingNode):
                for key, _ in mapping.value:
                    lines[(*prefix, section, str(key.value))] = key.start_mark.line + 1
    return lines


def test_key_lines_are_found_as_before_in_the_same_order() -> None:
    compared = 0
    for text in [*KEYS.values(), *_texts().values()]:
        if too_deep(text) is not None:
            continue
        try:
            nodes = list(yaml.compose_all(text, Loader=ManifestLoader))
        except (yaml.YAMLError, RecursionError):
            continue
        for node in nodes:
            assert list(composing._key_lines(node).items()) == list(_old_key_lines(node).items()), text
            compared += 1
    assert compared > 100


class _PyYAMLResolving(ManifestLoader):
    """The loader with every resolver method PyYAML's own (the per-node calls libyaml makes included)."""

    resolve = yaml.resolver.BaseResolver.resolve
    descend_resolver = yaml.resolver.BaseResolver.descend_resolver  # type: ignore[assignment]
    ascend_resolver = yaml.resolver.BaseResolver.ascend_resolver  # type: ignore[assignment]


def test_the_resolver_calls_libyaml_makes_per_node_change_no_tag() -> None:
    assert not ManifestLoader.yaml_path_resolvers  # what makes PyYAML's descend/ascend do nothing
    compared = 0
    for text in [*TRICKY.values(), *KEYS.values(), *_texts().values()]:
        if too_deep(text) is not None:
            continue
        composed = []
        for loader in (ManifestLoader, _PyYAMLResolving):
            try:
                composed.append(list(yaml.compose_all(text, Loader=loader)))
            except yaml.YAMLError as error:
                composed.append(type(error))
        if isinstance(composed[0], list) and isinstance(composed[1], list):
            try:
                composed = [[_tags(n, set()) for n in nodes] for nodes in composed]  # type: ignore[union-attr]
            except RecursionError:
                continue  # too deep for the comparison itself
        assert composed[0] == composed[1], text
        compared += 1
    assert compared > 100


PLAIN = {
    "manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {team: x}}\ndata: {n: 1, f: 1.5, b: true}\n",
    "json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}',
    "specials": "a: .inf\nb: -.inf\nc: -0.0\nd: ~\ne: 0x1F\nf: '1'\n",
    "error after": "a: 1\n---\nb: [\n",
}
NOT_PLAIN = ["anchors", "merge", "tags", "timestamp", "set omap", "keys", "complex key", "recursive", "custom tag"]


def test_documents_are_plain_only_when_json_gives_them_back_exactly() -> None:
    """What the manifest cache may store: plain documents survive a JSON round trip with their types."""
    for name, text in PLAIN.items():
        found, _, plain = documents.parsed(text, "m.yaml")
        assert plain, name
        for document in found:
            assert _typed(json.loads(json.dumps(document.data)), {}) == _typed(document.data, {}), name
    for name in NOT_PLAIN:
        assert documents.parsed(TRICKY[name], "m.yaml")[2] is False, name


def test_loading_manifests_collects_no_garbage_and_leaves_collection_as_it_was(tmp_path: Path) -> None:
    from ownlint.loaders.kubernetes import load

    (tmp_path / "a.yaml").write_text(PLAIN["manifest"])
    seen: list[bool] = []
    original = load.read_buckets

    def spy(tasks: Any) -> Any:
        seen.append(gc.isenabled())
        return original(tasks)

    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(load, "read_buckets", spy)
                assert len(load.load_kubernetes(tmp_path, [tmp_path / "a.yaml"]).resources) == 1
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert seen == [False, False]


def test_warm_runs_of_every_fixture_read_manifests_from_the_cache(tmp_path: Path) -> None:
    """Cold and warm equal the uncached run on every fixture, with workers too; a warm run parses again only
    the few manifests the cache may not hold (documents JSON would not give back: aliases, dates)."""
    from tests.conftest import fixture_config, run_cli
    from tests.test_speed import TODAY, _fixture_directories

    from ownlint import parallel
    from ownlint.loaders.kubernetes import load, reading

    def run(directory: Path, *options: str) -> tuple[int, str, str]:
        config = fixture_config(directory)
        found = run_cli("check", str(directory), *config, "--format", "json", "--today", TODAY, *options)
        return found.exit_code, found.stdout, found.stderr

    counts = {"recorded": 0, "again": 0}

    def counting(name: str, parse: Any) -> Any:
        def counted(text: str, shown: str) -> Any:
            counts[name] += 1
            return parse(text, shown)

        return counted

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load, "MIN_PARALLEL_FILES", 1)  # workers even for a fixture's few files
        patch.setattr(parallel, "POOL_WORTH_SECONDS", 0.0)  # however quick they are to read
        patch.setattr(reading, "parsed_documents", counting("recorded", reading.parsed_documents))
        patch.setattr(reading, "documents_of", counting("again", reading.documents_of))
        cold = 0
        for index, directory in enumerate(_fixture_directories()):
            for jobs in ("1", "2"):  # the cache filled by this process, or by workers (counted only here)
                cache = str(tmp_path / f"cache-{index}-{jobs}")
                uncached = run(directory, "--jobs", jobs, "--no-cache")
                counts.update(recorded=0, again=0)
                assert run(directory, "--jobs", jobs, "--cache-dir", cache) == uncached, (directory, jobs)
                cold += counts["recorded"]
                counts.update(recorded=0, again=0)
                assert run(directory, "--jobs", "1", "--cache-dir", cache) == uncached, (directory, jobs)
                assert counts["recorded"] == 0, directory  # nothing new to record
                assert counts["again"] <= 2, (directory, counts)
                assert run(directory, "--jobs", jobs, "--cache-dir", cache) == uncached, (directory, jobs)
    assert cold > 100


def test_a_manifest_outside_any_templates_directory_is_no_helm_template_without_a_walk_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discovery asks this of every YAML file (9k in MoJ): a path none of whose directories is named
    ``templates`` is answered from its parts, without walking its parents (a fifth of a warm run's discovery)."""
    from ownlint.loaders import discovery

    chart = write_tree(
        tmp_path,
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
            "chart/templates/cm.yaml": "kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
            "apps/deep/er/cm.yaml": "kind: ConfigMap\n",
        },
    )
    assert discovery.is_helm_template(chart / "chart/templates/cm.yaml")
    walked: list[str] = []
    original = type(chart).parents

    def parents(self: Path) -> object:
        walked.append(str(self))
        return original.__get__(self)

    monkeypatch.setattr(type(chart), "parents", property(parents))
    assert not discovery.is_helm_template(chart / "apps/deep/er/cm.yaml")
    assert walked == []


def test_what_kustomizations_build_is_parsed_once_and_a_warm_run_reads_it_from_the_cache(tmp_path: Path) -> None:
    """A manifest a kustomization uses is one of the run's files too: its documents are those read for the run
    (kube-prometheus: each CRD was parsed again by the builder, and on every warm run), and the output is the
    uncached run's."""
    from tests.conftest import FIXTURES, fixture_config, run_cli
    from tests.test_speed import TODAY

    from ownlint.loaders.kubernetes import documents, reading

    directory = FIXTURES / "kustomize"
    parses: list[str] = []

    def counted(text: str, shown: str) -> Any:
        parses.append(shown)
        return parse(text, shown)

    def run(*options: str) -> str:
        found = run_cli(
            "check", str(directory), *fixture_config(directory), "--format", "json", "--today", TODAY, *options
        )
        return found.stdout

    parse = documents.parsed
    uncached = run("--no-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "parsed", counted)
        patch.setattr(reading, "parsed_documents", counted)
        parses.clear()
        assert run("--cache-dir", str(tmp_path)) == uncached
        assert len(parses) == len(set(parses)) > 0, parses  # each manifest once
        parses.clear()
        assert run("--cache-dir", str(tmp_path)) == uncached
        assert parses == []
