"""Issue 20: a rule's finding, and the facts the rules read, are made without their records' ``__init__``
(``records.builder``, positional): each field must still hold what the keyword-made record holds."""

from __future__ import annotations

from dataclasses import replace

from tests.test_warm_facts import _config

from ownlint.model import Fact, Finding, Place, PlaceKind, Resource, Severity, State, TagValue, fingerprint
from ownlint.ownership import _absent, _of_tag
from ownlint.pipeline.findings import _reported, apply_severities, finding_order, merge_instances
from ownlint.pipeline.scope import Located, Scope
from ownlint.rules.base import finding, fix_hint, quoted_provenance

PLACE = Place("main.tf", 3, "tags of aws_s3_bucket.b", PlaceKind.ATTRIBUTE, "tags", "aws_s3_bucket.b")


def _resource(source: str = "terraform", instances: tuple[str, ...] = ()) -> Resource:
    return Resource(
        "aws_s3_bucket.b" if source == "terraform" else "Deployment/ns/app",
        "aws_s3_bucket" if source == "terraform" else "k8s:Deployment",
        "b",
        source,  # type: ignore[arg-type]
        "st/main.tf",
        4,
        9,
        stack="st",
        instances=instances,
    )


def test_a_finding_holds_each_field_as_its_keywords_do() -> None:
    for resource in (_resource(), _resource("kubernetes", ("a/kustomization.yaml",))):
        for provenance in ((), (PLACE,)):
            made = finding("OWN001", "missing-owner", Severity.ERROR, resource, "it has none", provenance)
            assert made == Finding(
                rule="OWN001",
                name="missing-owner",
                severity=Severity.ERROR,
                message="it has none",
                resource=resource.address,
                resource_type=resource.type,
                source=resource.source,
                file=resource.file,
                line=resource.line,
                end_line=resource.end_line,
                provenance=provenance,
                fingerprint=fingerprint("OWN001", resource, resource.file),
                instances=resource.instances,
                stack=resource.stack,
            )
            assert type(made) is Finding
            assert (made.path, made.nodes, made.path_places, made.related) == ((), (), (), ())


def test_a_findings_fingerprint_is_the_models_for_every_source_and_stack() -> None:
    """``finding`` writes the text ``model.fingerprint`` joins itself: the same hash, in the root module, a stack, with
    text that is not ASCII, and for a source the model hashes without its stack."""
    for source in ("terraform", "kubernetes"):
        for stack in (".", "", "infra/eks", "é/ü"):
            for address in ("aws_s3_bucket.b", 'module.m.aws_s3_bucket.b["ключ"]', "Deployment/ns/app"):
                resource = Resource(address, "t", "b", source, "f.tf", 1, 2, stack=stack)  # type: ignore[arg-type]
                made = finding("OWN004", "operator-not-allowed", Severity.ERROR, resource, "m")
                assert made.fingerprint == fingerprint("OWN004", resource, resource.file)


def test_a_fix_hint_and_provenance_write_places_as_str_does() -> None:
    defaults = Place("providers.tf", 2, "default_tags of provider aws", PlaceKind.PROVIDER_DEFAULTS)
    for place in (None, PLACE, defaults):
        resource = replace(_resource(), fix_place=place)
        expected = "add owner to the resource's tags" if place is None else f"add owner to {place}"
        assert fix_hint(resource, "owner") == expected + (" or to the resource's own tags" if place is defaults else "")
    for instances, namespace in (((), None), (("x/kustomization.yaml", "y/app.yaml"), "ns")):
        resource = replace(_resource("kubernetes", instances), fix_place=PLACE, namespace=namespace)
        also = " or to the labels of x/kustomization.yaml" if instances else ""
        also += " or to Namespace/ns" if namespace else ""
        assert fix_hint(resource, "team") == f"add team to metadata.labels (main.tf:3){also}"
    assert quoted_provenance((PLACE, defaults)) == f"{PLACE} <- {defaults}"
    assert quoted_provenance(()) == ""


def test_a_fact_holds_each_field_as_its_keywords_do() -> None:
    known = TagValue("Owner", "platform", (PLACE,))
    unknown = TagValue("owner", None, (PLACE,), reason="var.owner has no value")
    assert _of_tag("owner", known) == Fact("owner", State.PRESENT, "platform", "Owner", provenance=(PLACE,))
    assert _of_tag("owner", unknown) == Fact(
        "owner", State.UNKNOWN, key="owner", reason="var.owner has no value", provenance=(PLACE,)
    )
    assert type(_of_tag("owner", known)) is Fact
    assert _absent("owner", _resource()) == Fact("owner", State.MISSING)


def test_findings_alone_on_their_fingerprints_are_kept_in_order_and_others_merged() -> None:
    one = finding("OWN001", "missing-owner", Severity.ERROR, _resource(), "m")
    other = finding("OWN004", "operator-not-allowed", Severity.ERROR, _resource(), "m")
    assert merge_instances([other, one], ()) == [other, one]
    first = finding("OWN001", "missing-owner", Severity.ERROR, _resource(instances=('b["x"]',)), "m")
    second = finding("OWN001", "missing-owner", Severity.ERROR, _resource(instances=('b["y"]',)), "m")
    everywhere = (_resource(instances=('b["x"]', 'b["y"]', 'b["z"]')),)
    merged = merge_instances([first, other, second], everywhere)
    assert [f.rule for f in merged] == ["OWN001", "OWN004"]
    assert merged[0].instances == ('b["x"]', 'b["y"]') and merged[0].message == 'm (only in b["x"], b["y"])'
    assert merge_instances([first, second], (_resource(instances=('b["x"]', 'b["y"]')),))[0].instances == ()
    assert merge_instances([first], everywhere)[0].message == 'm (only in b["x"])'


def test_without_severities_configured_the_findings_are_kept() -> None:
    one = finding("OWN001", "missing-owner", Severity.ERROR, _resource(), "m")
    config = _config()
    assert not config.severities
    assert apply_severities(config, [one]) == [one]
    assert finding_order(one) == (one.file, one.line, one.rule, one.resource, one.fingerprint)


def test_findings_are_located_as_located_finds_them() -> None:
    """Each file's place in the scope asked once: a finding in a named place is reported as it is, one of a module a
    named file calls at that call, one outside what was named not at all, in order."""
    resources = (
        _resource_at("module.m", "st", "st/main.tf"),
        _resource_at("module.m.aws_s3_bucket.a", "st", "modules/m/main.tf", container="module.m"),
        _resource_at("aws_s3_bucket.o", "other", "other/main.tf"),
    )
    found = [finding("OWN001", "missing-owner", Severity.ERROR, r, "m") for r in (*resources, resources[0])]
    for scope in (Scope(), Scope(frozenset({"st/main.tf"}), ()), Scope(frozenset(), ("other",))):
        located = Located(scope, resources, ())
        assert _reported(located, found) == Located(scope, resources, ()).findings(found)
    assert [f.file for f in _reported(Located(Scope(frozenset({"st/main.tf"}), ()), resources, ()), found)] == [
        "st/main.tf",
        "st/main.tf",
        "st/main.tf",
    ]


def _resource_at(address: str, stack: str, file: str, container: str | None = None) -> Resource:
    kind = "module" if address.startswith("module.") and address.count(".") == 1 else "aws_s3_bucket"
    return Resource(address, kind, address.rsplit(".", 1)[-1], "terraform", file, 1, 2, stack, container=container)
