"""Issue 20, a warm run with nothing changed: ``ownership.Facts`` keeps each resource's facts (by the identity of
its tags) for every rule of the run, and each ``Fact`` of a tag once. Whatever the order of the asks, it answers
what ``ownership.fact`` answers, and the rules find the same."""

from __future__ import annotations

import dataclasses
import gc
import inspect
import json
import pickle
import random
from pathlib import Path
from typing import Any

import pytest
from tests.test_warm_rules_speed import CONFIG_TEXT, rules_agree_with_fact  # one config for both files' estates

from ownlint import model
from ownlint.config import Config
from ownlint.config.load import load_config
from ownlint.loaders.kubernetes.cached import decoded
from ownlint.loaders.kubernetes.documents import Manifest
from ownlint.loaders.kubernetes.resources import resources as kubernetes_resources
from ownlint.model import LoadProblem, Place, PlaceKind, Resource, TagValue
from ownlint.ownership import CONTRACT, ESCALATION, OPERATOR, OWNER, Facts, fact
from ownlint.report.escape import _LEGACY_COMMAND, json_text, json_without_commands
from ownlint.report.findings.json import _finding as finding_dict
from ownlint.report.findings.json import render as render_json
from ownlint.rules import KNOWN_IDS, RULES

# tag keys: of facts declared under ``keys``, of facts that are not (asked first late), of none
CHOICES = ["app", "Owner", "team", "operator", "msp-contract", "tier", "not-declared", "Compliance-Scope"]
NAMES = [OWNER, OPERATOR, CONTRACT, ESCALATION, "data-classification", "compliance-scope", "not-declared"]


def _config() -> Config:
    return load_config(Path("ownlint.yaml"), KNOWN_IDS, text=CONFIG_TEXT)


def _tag(key: str, value: str | None, line: int = 1, reason: str | None = None) -> TagValue:
    return TagValue(key, value, (Place("a.yaml", line, f"label {key}", PlaceKind.LABEL, key),), reason)


def _resource(name: str, tags: tuple[TagValue, ...], opaque: tuple[str, ...] = ()) -> Resource:
    return Resource(
        f"ConfigMap/ns/{name}", "k8s:ConfigMap", name, "kubernetes", "a.yaml", 1, 9, tags=tags, opaque=opaque
    )


def _estate(seed: int) -> list[Resource]:
    """Resources as a monorepo has them: a Namespace's tags shared by its objects (the same ``TagValue``), some
    tags tuples shared by several resources, spellings that rank differently, unknown values, opaque tags."""
    rng = random.Random(seed)
    inherited = [_tag("owner", "platform", 2), _tag("Team", "sre", 3), _tag("operated-by", None, 4, "var.op")]
    shared = (_tag("app", "x"), _tag("operator", "acme"))
    found = []
    for index in range(120):
        own = [_tag(rng.choice(CHOICES), f"v{index}", index)]
        own += rng.sample(inherited, rng.randint(0, len(inherited)))
        tags = shared if index % 7 == 0 else tuple(own)
        opaque = (f"tags = var.t{index % 3}",) if index % 5 == 0 else ()
        found.append(_resource(f"r{index}", tags, opaque))
    return found


def test_facts_asked_in_any_order_are_the_facts_of_each_resource() -> None:
    """Rows kept across asks, a fact first asked late (the rows are walked again with its keys), a tags tuple of
    several resources, a tag shared by many, and opaque resources of different reasons."""
    config = _config()
    for seed in range(5):
        rng = random.Random(seed)
        estate = _estate(seed)
        facts = Facts(config)
        asks = [(resource, name) for resource in estate for name in NAMES] * 2
        rng.shuffle(asks)
        for resource, name in asks:
            assert facts(resource, name) == fact(config, resource, name), (resource.address, name)


def test_facts_of_rule_after_rule_are_the_facts_of_each_resource() -> None:
    """As the rules ask: every resource, one rule after another, each rule a few facts."""
    config = _config()
    estate = _estate(7)
    facts = Facts(config)
    for names in ([OWNER], [OPERATOR], [OWNER, OPERATOR, CONTRACT, ESCALATION], ["data-classification"], NAMES):
        for resource in estate:
            assert [facts(resource, n) for n in names] == [fact(config, resource, n) for n in names]


def test_facts_of_tags_made_after_others_were_freed_are_their_own() -> None:
    """A row is kept by the identity of the tags: a tuple freed and another made where it was is never taken
    for it (the row holds its tags)."""
    config = _config()
    facts = Facts(config)
    for index in range(300):
        resource = _resource("r", (_tag("owner", f"owner-{index}"), _tag("operated-by", f"op-{index % 2}")))
        assert facts(resource, OWNER).value == f"owner-{index}"
        assert facts(resource, OPERATOR).value == f"op-{index % 2}"
        del resource
        gc.collect()


def test_opaque_resources_of_different_reasons_are_unknown_for_their_own() -> None:
    config = _config()
    facts = Facts(config)
    for reason in ("tags = var.a", "tags = var.b", "tags = var.a"):
        resource = _resource("o", (), (reason,))
        assert facts(resource, OWNER) == fact(config, resource, OWNER)
        assert facts(resource, OWNER).reason == reason
    assert facts(_resource("p", ()), OWNER) == fact(config, _resource("p", ()), OWNER)


class CountedTags(tuple):  # type: ignore[type-arg]
    """Tags that count how often they are walked."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        CountedTags.walks += 1
        return super().__iter__()


def test_each_resources_tags_are_walked_once_for_all_rules() -> None:
    """Every rule asks of every resource: one walk of its tags answers all of them (the facts asked first)."""
    config = _config()
    tags = CountedTags((_tag("app", "web"), _tag("team", "b"), _tag("operated-by", "msp")))
    resources = tuple(_resource(f"r{i}", tags if i == 0 else (_tag("owner", f"o{i}"),)) for i in range(3))
    facts = Facts(config)
    for name in NAMES:
        facts(resources[1], name)  # every fact asked once: no new one clears the rows below
    expected = [[fact(config, resource, name) for name in NAMES] for resource in resources]
    CountedTags.walks = 0
    for _ in range(len(RULES)):
        assert [[facts(resource, name) for name in NAMES] for resource in resources] == expected
    assert CountedTags.walks == 1


def test_every_rule_finds_the_same_with_the_facts_of_the_run_as_with_fact() -> None:
    resources = tuple(_estate(3))
    assert rules_agree_with_fact(_config(), resources) >= len(resources)


# --- the model's hot records made with their slots set directly --------------------------------------------------

HOT = [model.Place, model.TagValue, model.Fact, model.Resource, model.Edge, model.Finding]


def _values(cls: type, salt: int) -> dict[str, object]:
    """A distinct value for each field of ``cls``."""
    return {f.name: (f"{f.name}-{salt}", salt) for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("cls", HOT, ids=lambda c: c.__name__)
def test_hot_records_are_made_as_their_dataclass_makes_them(cls: type) -> None:
    """Positional, by keyword, each default left out: every field holds what the dataclass's own ``__init__``
    sets; the signature is the dataclass's; a record is still frozen and still pickles (workers send them)."""
    plain = _dataclass_init(cls)
    fields = dataclasses.fields(cls)
    required = [f.name for f in fields if f.default is dataclasses.MISSING]
    for salt in range(3):
        values = _values(cls, salt)
        made = [cls(*values.values()), cls(**values), cls(*(values[n] for n in required))]
        expected = [object.__new__(cls) for _ in made]
        plain(expected[0], *values.values())
        plain(expected[1], **values)
        plain(expected[2], *(values[n] for n in required))
        for one, other in zip(made, expected, strict=True):
            assert [getattr(one, f.name) for f in fields] == [getattr(other, f.name) for f in fields]
            assert pickle.loads(pickle.dumps(one)) == one
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(one, fields[0].name, "changed")
    assert inspect.signature(cls) == inspect.signature(plain).replace(
        parameters=list(inspect.signature(plain).parameters.values())[1:]
    )
    with pytest.raises(TypeError):
        cls(*_values(cls, 0).values(), "one too many")
    with pytest.raises(TypeError):
        cls(**{**_values(cls, 0), "no_such_field": 1})


def _dataclass_init(cls: type) -> Any:
    """The ``__init__`` ``dataclass`` makes for ``cls`` (frozen, with slots)."""
    fields = dataclasses.fields(cls)
    again = dataclasses.make_dataclass(
        f"Plain{cls.__name__}",
        [(f.name, f.type, dataclasses.field(default=f.default)) for f in fields],
        frozen=True,
        slots=True,
    )
    init = again.__init__

    def plain(self: object, *args: object, **kwargs: object) -> None:
        twin = object.__new__(again)
        init(twin, *args, **kwargs)
        for f in fields:
            object.__setattr__(self, f.name, getattr(twin, f.name))

    plain.__signature__ = inspect.signature(init)  # type: ignore[attr-defined]
    return plain


# --- the manifest cache's documents decoded in bulk: only the shape ``encoded`` writes is used ----------------


@pytest.mark.parametrize(
    "item",
    [
        [{"kind": "A"}, 1, 9, [["metadata", 3], ["metadata", "labels", "a", 4]]],
        [{"kind": "A"}, 0, 0, []],
        [{"kind": "A"}, 1, 9, [["a", 1], ["a", 2], ["b", "c", 0]]],  # the later of two spellings
        [{"kind": "A"}, 1, 9, [["a", -1], ["a", 2]]],  # a bad line that a later spelling would hide
        [{"kind": "A"}, 1, 9, [["a", True], ["a", 2]]],
        [{"kind": "A"}, 1, 9, [["a", 1], "ab"]],  # a key that is text, not a list
        [{"kind": "A"}, 1, 9, [["a", 1], ["ab"]]],  # no line
        [{"kind": "A"}, 1, 9, [["a", 1], []]],
        [{"kind": "A"}, 1, 9, [["a", 1], ["a", "b", True]]],  # a boolean is no line
        [{"kind": "A"}, 1, 9, [["a", 1], ["a", "b", -2]]],
        [{"kind": "A"}, 1, 9, [["a", 1], ["a", None, 2]]],  # a part that is no text
        [{"kind": "A"}, 1, 9, [["a", 1], [["a"], 2]]],
        [{"kind": "A"}, 1, 9, [["a", 1], {"a": 2}]],
        [{"kind": "A"}, 1, 9, [["a", 1], ["a", 2.0]]],
        [{"kind": "A"}, True, 9, []],
        [{"kind": "A"}, 1, -9, []],
        [{"kind": "A"}, 1, 9, {}],
        [{"kind": "A"}, 1, 9],
        [["kind"], 1, 9, []],
    ],
)
def test_cached_documents_decode_as_one_key_at_a_time_would(item: list[Any]) -> None:
    assert decoded([[item], [[2, "a problem"]]], "a.yaml") == _decoded_one_at_a_time(item)
    assert decoded([[item, item], []], "a.yaml") == _decoded_one_at_a_time(item, twice=True)


def _decoded_one_at_a_time(item: list[Any], twice: bool = False) -> Any:
    """What ``decoded`` gave when it checked each key in turn (the reference)."""
    if not (isinstance(item, list) and len(item) == 4 and isinstance(item[0], dict) and isinstance(item[3], list)):
        return None
    data, line, end_line, keys = item
    if not all(type(v) is int and v >= 0 for v in (line, end_line)):
        return None
    lines = {}
    for key in keys:
        if type(key) is not list or len(key) < 2 or type(key[-1]) is not int or key[-1] < 0:
            return None
        if not all(type(part) is str for part in key[:-1]):
            return None
        lines[tuple(key[:-1])] = key[-1]
    document = Manifest(data, "a.yaml", line, end_line, lines)
    if twice:
        return [document, document], []
    return [document], [LoadProblem("a.yaml", 2, "a problem")]


# --- a Namespace's tags shared by the objects that set none of its keys ----------------------------------------


def _expected_tags(data: dict[str, Any], namespace: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(key, value) of an object's tags as the loader adds them one by one: its own (a label over an annotation
    of the same key), its pod template's it does not set, its Namespace's it does not set."""
    found: dict[str, tuple[str, str]] = {}
    metadata = [data["metadata"], data.get("spec", {}).get("template", {}).get("metadata", {})]
    for index, meta in enumerate([*metadata, *([namespace["metadata"]] if namespace else [])]):
        own: dict[str, tuple[str, str]] = {}
        for section in ("annotations", "labels"):
            for key, value in meta.get(section, {}).items():
                own[key.lower()] = (key, value)
        for key, value in own.items():
            if index == 0:
                found[key] = value
            else:
                found.setdefault(key, value)
    return list(found.values())


def test_objects_have_their_own_tags_then_those_of_their_namespace_they_do_not_set() -> None:
    rng = random.Random(11)
    keys = ["owner", "Owner", "team", "app", "tier", "cost-centre"]

    def meta(name: str, **extra: Any) -> dict[str, Any]:
        found: dict[str, Any] = {"name": name, **extra}
        for section in ("annotations", "labels"):
            chosen = rng.sample(keys, rng.choice([0, 0, 1, 2]))
            if chosen or rng.random() < 0.2:
                found[section] = {key: f"{section}-{key}-{rng.randint(0, 9)}" for key in chosen}
        return found

    namespaces = [{"apiVersion": "v1", "kind": "Namespace", "metadata": meta(f"ns{i}")} for i in range(4)]
    objects = []
    for index in range(300):
        data: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": rng.choice(["Deployment", "ConfigMap", "ClusterRole"]),
            "metadata": meta(f"o{index}", namespace=f"ns{rng.randint(0, 5)}"),  # ns4, ns5: not defined
        }
        if data["kind"] == "Deployment":
            data["spec"] = {"template": {"metadata": meta("template")}}
        objects.append(data)
    manifests = [Manifest(d, f"f{i}.yaml", 1, 9, {}) for i, d in enumerate([*namespaces, *objects])]
    by_name = {n["metadata"]["name"]: n for n in namespaces}
    found = kubernetes_resources(manifests)
    assert len(found) == len(manifests)
    for data, resource in zip([*namespaces, *objects], found, strict=True):
        scoped = data["kind"] in ("Namespace", "ClusterRole")
        namespace = None if scoped else by_name.get(data["metadata"]["namespace"])
        assert [(t.key, t.value) for t in resource.tags] == _expected_tags(data, namespace), resource.address
    bare = {}  # objects that set no tag: one tuple per Namespace (one row of ``Facts`` for all of them)
    for resource in found:
        if (
            resource.namespace in by_name
            and resource.tags
            and all(t.provenance[0].kind is PlaceKind.NAMESPACE_LABEL for t in resource.tags)
        ):
            assert bare.setdefault(resource.namespace, resource.tags) is resource.tags
    assert bare


# --- the JSON report: what findings repeat encoded once per report; ``##`` looked for before the regex --------


def test_json_report_of_findings_that_repeat_some_values_is_the_generic_writers() -> None:
    """Findings sharing a rule but not its name or severity, a type but not its source, a file or a resource
    but not the rest: each written as the generic writer writes its dict."""
    rng = random.Random(5)
    odd = 'é ##[x "q" \\ \n'
    findings = tuple(
        model.Finding(
            rule=rng.choice(["OWN001", "OWN004"]),
            name=rng.choice(["missing-owner", "operator-not-allowed", odd]),
            severity=rng.choice(list(model.Severity)),
            message=f"m{index}",
            resource=rng.choice(["Deployment/a/b", "aws_s3_bucket.x", odd]),
            resource_type=rng.choice(["k8s:Deployment", "aws_s3_bucket", odd]),
            source=rng.choice(["kubernetes", "terraform", ""]),
            file=rng.choice(["a.yaml", "b/main.tf", odd]),
            line=index,
            end_line=index + 1,
            fingerprint=f"{index:032x}",
        )
        for index in range(400)
    )
    report = model.Report(findings, 3, 4, ("OWN001", "OWN004"))
    text = render_json(report)
    assert json.loads(text)["findings"] == [finding_dict(f) for f in findings]
    assert text == json_text(json.loads(text)) + "\n"


@pytest.mark.parametrize(
    "text", ["", "plain", "#", "# #[", "##[", "a ##VSO[b", "##vso[", "###[", "#\n#[", "x" * 100 + "##[" + "#" * 5]
)
def test_text_without_commands_is_what_the_regex_alone_gives(text: str) -> None:
    assert json_without_commands(text) == _LEGACY_COMMAND.sub(lambda m: m.group()[:-1] + "\\u005b", text)
